"""Adresses de la procédure, dans l'espace de noms `electeurs:` (préfixe `procedure_`)."""

from django.urls import path

from electeurs.procedure import views

urlpatterns = [
    path(
        "electeurs/mouvements/",
        views.MouvementListeView.as_view(),
        name="procedure_mouvements",
    ),
    path(
        "electeurs/mouvements/nouvelle-demande/",
        views.DemandeInscriptionView.as_view(),
        name="procedure_demande_nouvelle",
    ),
    path(
        "electeurs/mouvements/<int:pk>/",
        views.MouvementDetailView.as_view(),
        name="procedure_mouvement",
    ),
    path(
        "electeurs/mouvements/<int:pk>/etape/<slug:etape>/",
        views.MouvementEtapeView.as_view(),
        name="procedure_etape",
    ),
    path(
        "electeurs/mouvements/<int:pk>/pieces/",
        views.PieceAjouterView.as_view(),
        name="procedure_piece_ajouter",
    ),
    path("electeurs/pieces/<int:pk>/", views.PieceView.as_view(), name="procedure_piece"),
    path(
        "electeurs/<int:pk>/intention-de-radiation/",
        views.IntentionRadiationView.as_view(),
        name="procedure_intention",
    ),
    path(
        "electeurs/<int:pk>/commission-de-controle/",
        views.CommissionElecteurView.as_view(),
        name="procedure_commission_electeur",
    ),
    path(
        "electeurs/commission-de-controle/",
        views.CommissionView.as_view(),
        name="procedure_commission",
    ),
    path(
        "electeurs/commission-de-controle/reunions/<int:pk>/",
        views.ReunionDetailView.as_view(),
        name="procedure_reunion",
    ),
    path(
        "electeurs/commission-de-controle/reunions/<int:pk>/tableau/",
        views.ReunionTableauView.as_view(),
        name="procedure_reunion_tableau",
    ),
    path(
        "electeurs/<int:pk>/mouvements/<slug:sorte>/",
        views.MouvementSaisieView.as_view(),
        name="procedure_mouvement_saisie",
    ),
    path(
        "electeurs/commission-de-controle/membres/<int:pk>/fin-de-fonctions/",
        views.MembreFinView.as_view(),
        name="procedure_membre_fin",
    ),
    path("electeurs/scrutins/", views.ScrutinsView.as_view(), name="procedure_scrutins"),
]

"""Adresses des séances (préparation) ; incluses dans l'espace de noms `convocations:`."""

from django.urls import path

from convocations.seances.views import (
    DestinataireRetirerView,
    DestinatairesView,
    DocumentAjouterView,
    DocumentRetirerView,
    DocumentView,
    LettreView,
    PointAjouterView,
    PointDeplacerView,
    PointModifierView,
    PointSupprimerView,
    SeanceClasserView,
    SeanceCreerView,
    SeanceDetailView,
    SeanceListeView,
    SeanceModifierView,
)

P = "convocations/seances/<int:pk>/"

urlpatterns = [
    path("convocations/seances/", SeanceListeView.as_view(), name="seances"),
    path("convocations/seances/ajouter/", SeanceCreerView.as_view(), name="seance_creer"),
    path(P, SeanceDetailView.as_view(), name="seance"),
    path(f"{P}modifier/", SeanceModifierView.as_view(), name="seance_modifier"),
    path(f"{P}classer/", SeanceClasserView.as_view(), name="seance_classer"),
    path(f"{P}lettre/", LettreView.as_view(), name="seance_lettre"),
    path(f"{P}points/ajouter/", PointAjouterView.as_view(), name="seance_point_ajouter"),
    path(
        f"{P}points/<int:point>/modifier/",
        PointModifierView.as_view(),
        name="seance_point_modifier",
    ),
    path(
        f"{P}points/<int:point>/supprimer/",
        PointSupprimerView.as_view(),
        name="seance_point_supprimer",
    ),
    path(
        f"{P}points/<int:point>/deplacer/",
        PointDeplacerView.as_view(),
        name="seance_point_deplacer",
    ),
    path(f"{P}documents/ajouter/", DocumentAjouterView.as_view(), name="seance_document_ajouter"),
    path(f"{P}documents/<int:document>/", DocumentView.as_view(), name="seance_document"),
    path(
        f"{P}documents/<int:document>/retirer/",
        DocumentRetirerView.as_view(),
        name="seance_document_retirer",
    ),
    path(f"{P}destinataires/", DestinatairesView.as_view(), name="seance_destinataires"),
    path(
        f"{P}destinataires/<int:destinataire>/retirer/",
        DestinataireRetirerView.as_view(),
        name="seance_destinataire_retirer",
    ),
]

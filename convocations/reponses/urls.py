from django.urls import path

from convocations.reponses.views import (
    PieceReponseView,
    ReponseSaisirView,
    reponse_accuser,
    reponse_confirmation,
    reponse_document,
    reponse_documents_zip,
    reponse_lien,
    reponse_mot_de_passe,
    reponse_nouveau_lien,
    reponse_portail,
    reponse_repondre,
    reponse_valider,
)

# Sans app_name : ces noms vivent dans l'espace `convocations:` (convocations/urls.py).
urlpatterns = [
    # Page de l'objectif de lien « convocation » (core.liens : /l/<jeton>/ y mène).
    path("elu/convocation/", reponse_lien, name="reponse_lien"),
    path("elu/convocation/nouveau-lien/", reponse_nouveau_lien, name="reponse_nouveau_lien"),
    path("elu/seances/<int:pk>/", reponse_portail, name="reponse_portail"),
    path("elu/seances/<int:pk>/mot-de-passe/", reponse_mot_de_passe, name="reponse_mot_de_passe"),
    path("elu/seances/<int:pk>/accuse/", reponse_accuser, name="reponse_accuser"),
    path(
        "elu/seances/<int:pk>/documents/<int:document>/",
        reponse_document,
        name="reponse_document",
    ),
    path(
        "elu/seances/<int:pk>/documents.zip",
        reponse_documents_zip,
        name="reponse_documents_zip",
    ),
    path("elu/seances/<int:pk>/repondre/", reponse_repondre, name="reponse_repondre"),
    path("elu/seances/<int:pk>/valider/", reponse_valider, name="reponse_valider"),
    path("elu/seances/<int:pk>/confirmation/", reponse_confirmation, name="reponse_confirmation"),
    path(
        "convocations/destinataires/<int:pk>/reponse/",
        ReponseSaisirView.as_view(),
        name="reponse_saisir",
    ),
    path(
        "convocations/reponses/pieces/<int:pk>/",
        PieceReponseView.as_view(),
        name="reponse_piece",
    ),
]

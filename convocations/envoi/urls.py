from django.urls import path

from convocations.envoi.views import (
    DestinataireNonRecuView,
    DestinatairePapierView,
    ResumeAbonnerView,
    SeanceEnvoyerView,
    SeanceNotifierView,
    SeanceRelancerView,
    SeanceSuiviView,
)

urlpatterns = [
    path("convocations/seances/<int:pk>/suivi/", SeanceSuiviView.as_view(), name="seance_suivi"),
    path(
        "convocations/seances/<int:pk>/envoyer/",
        SeanceEnvoyerView.as_view(),
        name="seance_envoyer",
    ),
    path(
        "convocations/seances/<int:pk>/relancer/",
        SeanceRelancerView.as_view(),
        name="seance_relancer",
    ),
    path(
        "convocations/seances/<int:pk>/notifier/",
        SeanceNotifierView.as_view(),
        name="seance_notifier",
    ),
    path(
        "convocations/destinataires/<int:pk>/non-recu/",
        DestinataireNonRecuView.as_view(),
        name="destinataire_non_recu",
    ),
    path(
        "convocations/destinataires/<int:pk>/papier/",
        DestinatairePapierView.as_view(),
        name="destinataire_papier",
    ),
    path("convocations/resume-des-reponses/", ResumeAbonnerView.as_view(), name="resume_abonner"),
]

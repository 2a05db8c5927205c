from django.db import transaction
from django.urls import path

from core.mail.outbox_views import outbox, outbox_message
from core.mail.views import (
    SmtpCompteDefautView,
    SmtpCompteModifierView,
    SmtpComptesView,
    SmtpMonCompteView,
    SmtpTesterView,
)

app_name = "mail"

urlpatterns = [
    path("parametres/smtp/", SmtpMonCompteView.as_view(), name="mon_compte"),
    path("parametres/smtp/comptes/", SmtpComptesView.as_view(), name="comptes"),
    path("parametres/smtp/comptes/defaut/", SmtpCompteDefautView.as_view(), name="compte_defaut"),
    path(
        "parametres/smtp/comptes/<int:pk>/",
        SmtpCompteModifierView.as_view(),
        name="compte_modifier",
    ),
    # Hors transaction de requête (ATOMIC_REQUESTS) : la trace du message est validée avant
    # l'échange SMTP, et aucune transaction ne reste ouverte pendant l'attente du serveur.
    path(
        "parametres/smtp/comptes/<int:pk>/tester/",
        transaction.non_atomic_requests(SmtpTesterView.as_view()),
        name="tester",
    ),
    path("outbox/", outbox, name="outbox"),
    path("outbox/<str:nom>/", outbox_message, name="outbox_message"),
]

from django.contrib.auth import views as auth_views
from django.urls import include, path

from core.forms import ConnexionForm

urlpatterns = [
    path("", include("core.views.accueil")),
    path(
        "compte/connexion/",
        auth_views.LoginView.as_view(
            authentication_form=ConnexionForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("compte/deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "compte/mot-de-passe/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "compte/mot-de-passe/modifie/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "compte/mot-de-passe/oubli/",
        auth_views.PasswordResetView.as_view(
            subject_template_name="registration/password_reset_subject.txt",
            email_template_name="registration/password_reset_email.txt",
        ),
        name="password_reset",
    ),
    path(
        "compte/mot-de-passe/oubli/envoye/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "compte/mot-de-passe/nouveau/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "compte/mot-de-passe/nouveau/termine/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("compte/invitations/", include("core.views.invitations")),
    path("journal/", include("core.views.journal")),
    path("travaux/", include("core.views.travaux")),
    path("parametres/", include("core.views.parametres")),
    path("parametres/smtp/", include("core.views.smtp")),
    path("parametres/delais/", include("core.views.delais")),
    path("l/", include("core.views.liens")),
    path("outbox/", include("core.views.outbox")),
]

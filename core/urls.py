from django.contrib.auth import views as auth_views
from django.urls import include, path

from core.comptes.forms import ConnexionForm, ReinitialisationForm

urlpatterns = [
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
            form_class=ReinitialisationForm,
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
    # Chaque préoccupation du socle a ses URL et son espace de noms (`comptes:agents`…).
    path("", include("core.pages.urls")),
    path("", include("core.comptes.urls")),
    path("", include("core.tenancy.urls")),
    path("", include("core.mail.urls")),
    path("", include("core.journal.urls")),
    path("", include("core.travaux.urls")),
    path("", include("core.delais.urls")),
    path("", include("core.liens.urls")),
]

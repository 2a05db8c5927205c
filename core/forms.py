from django import forms
from django.contrib.auth.forms import AuthenticationForm


class ConnexionForm(AuthenticationForm):
    username = forms.CharField(label="Identifiant", max_length=254)
    error_messages = {
        "invalid_login": "Identifiant ou mot de passe incorrect. Vérifiez la saisie "
        "(majuscules comprises).",
        "inactive": "Ce compte est désactivé.",
    }

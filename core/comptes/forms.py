import hashlib
import logging
import secrets
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.cache import cache

from core.comptes.models import TypeRole, Utilisateur
from core.tenancy.models import Collectivite, TypeCollectivite
from core.tenancy.services import CHAMPS_COLLECTIVITE


class ConnexionForm(AuthenticationForm):
    username = forms.CharField(label="Identifiant", max_length=254)
    error_messages = {
        "invalid_login": "Identifiant ou mot de passe incorrect. Vérifiez la saisie "
        "(majuscules comprises).",
        "inactive": "Ce compte est désactivé.",
    }


journal_technique = logging.getLogger(__name__)


class ReinitialisationForm(PasswordResetForm):
    """« Mot de passe oublié », borné : au plus `ECHARPE_REINITIALISATIONS_PAR_HEURE` courriels
    par adresse et par heure, pour qu'un inconnu ne puisse pas inonder une boîte par la
    plateforme. La réponse reste la même (on ne dit pas si l'adresse existe ni si la limite
    est atteinte)."""

    def save(self, *args: Any, **kwargs: Any) -> None:
        adresse = self.cleaned_data["email"].strip().lower()
        cle = "echarpe:reinitialisation:" + hashlib.sha256(adresse.encode()).hexdigest()
        cache.add(cle, 0, timeout=3600)
        if cache.incr(cle) > settings.ECHARPE_REINITIALISATIONS_PAR_HEURE:
            journal_technique.warning(
                "Réinitialisation : limite horaire atteinte pour une adresse."
            )
            return
        super().save(*args, **kwargs)


class AgentAjouterForm(forms.Form):
    """Nom, courriel et rôle : jamais d'identifiant (la personne le choisit elle-même, ou
    accepte avec son compte existant)."""

    prenom = forms.CharField(label="Prénom", max_length=150)
    nom = forms.CharField(label="Nom", max_length=150)
    email = forms.EmailField(
        label="Courriel",
        help_text="L'invitation y est envoyée : un lien personnel, valable 14 jours.",
    )
    role = forms.ChoiceField(label="Rôle", choices=TypeRole.choices)


class InvitationCompteForm(forms.Form):
    """Création du compte par la personne invitée : identité, identifiant, mot de passe."""

    prenom = forms.CharField(label="Prénom", max_length=150)
    nom = forms.CharField(label="Nom", max_length=150)
    identifiant = forms.RegexField(
        label="Identifiant de connexion",
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        error_messages={
            "invalid": "Lettres, chiffres et les caractères . @ + - _ seulement, sans espace.",
        },
        help_text="Vous le saisirez à chaque connexion, par exemple prenom.nom.",
    )
    mot_de_passe1 = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Au moins 10 caractères, pas uniquement des chiffres, ni trop proche de "
        "votre nom ou de votre identifiant.",
    )
    mot_de_passe2 = forms.CharField(
        label="Confirmez le mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Saisissez le même mot de passe.",
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email
        self.fields["identifiant"].widget.attrs.update({"autocomplete": "username"})

    def clean(self) -> dict[str, Any]:
        donnees = super().clean() or {}
        premier = donnees.get("mot_de_passe1")
        second = donnees.get("mot_de_passe2")
        if premier and second and premier != second:
            self.add_error("mot_de_passe2", "Les deux mots de passe ne correspondent pas.")
        elif premier:
            futur = Utilisateur(
                username=donnees.get("identifiant", ""),
                first_name=donnees.get("prenom", ""),
                last_name=donnees.get("nom", ""),
                email=self.email,
            )
            try:
                password_validation.validate_password(premier, futur)
            except forms.ValidationError as erreur:
                self.add_error("mot_de_passe1", erreur)
        return donnees


class RoleModifierForm(forms.Form):
    role = forms.ChoiceField(label="Rôle", choices=TypeRole.choices)
    actif = forms.BooleanField(
        label="Accès actif", required=False, help_text="Décochez pour retirer l'accès."
    )


TYPES_LOGO = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg"}
TAILLE_MAX_LOGO = 1024 * 1024


def type_logo(debut: bytes) -> str | None:
    """« png » ou « jpg » d'après les premiers octets (jamais d'après le nom du fichier)."""
    return next((ext for magie, ext in TYPES_LOGO.items() if debut.startswith(magie)), None)


def valider_logo(logo: Any, *, modifie: bool) -> Any:
    """Contrôle d'un logo téléversé : type réel PNG/JPEG, 1 Mo au plus, nom aléatoire."""
    if not logo or not hasattr(logo, "read") or not modifie:
        return logo
    if logo.size > TAILLE_MAX_LOGO:
        raise forms.ValidationError("Le logo dépasse 1 Mo : réduisez l'image.")
    debut = logo.read(8)
    logo.seek(0)
    extension = type_logo(debut)
    if extension is None:
        raise forms.ValidationError("Le logo doit être une image PNG ou JPEG.")
    # Nom aléatoire : jamais le nom fourni par l'utilisateur sur le disque.
    logo.name = f"{secrets.token_hex(16)}.{extension}"
    return logo


class CollectiviteForm(forms.ModelForm):
    # Le logo actuel s'affiche en image au-dessus de ce champ (gabarit), par la vue qui vérifie
    # les droits : le widget de Django afficherait son chemin de stockage et un lien mort.
    retirer_logo = forms.BooleanField(label="Retirer le logo", required=False)

    class Meta:
        model = Collectivite
        fields = [*CHAMPS_COLLECTIVITE, "logo"]
        widgets = {
            "adresse": forms.Textarea(attrs={"rows": 3}),
            "commission_adresse": forms.Textarea(attrs={"rows": 3}),
            "logo": forms.FileInput(attrs={"accept": "image/png,image/jpeg"}),
        }
        help_texts = {
            "logo": f"Image PNG ou JPEG, {TAILLE_MAX_LOGO // (1024 * 1024)} Mo au plus. Elle "
            "figure en tête des documents imprimés.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Le critère « commune membre de 3 500 habitants ou plus » ne concerne qu'un EPCI.
        if self.instance.type != TypeCollectivite.EPCI:
            del self.fields["membre_3500_ou_plus"]
        if not self.instance.logo:
            del self.fields["retirer_logo"]
        else:
            self.fields["logo"].label = "Nouveau logo"

    def clean_logo(self) -> Any:
        return valider_logo(self.cleaned_data.get("logo"), modifie="logo" in self.changed_data)

    def clean(self) -> dict[str, Any]:
        donnees = super().clean() or {}
        if donnees.get("retirer_logo") and "logo" in self.changed_data:
            self.add_error(
                "retirer_logo",
                "Choisissez un nouveau logo ou cochez « Retirer le logo », pas les deux.",
            )
        return donnees

    def donnees_modifiees(self) -> dict[str, Any]:
        """Les champs modifiés, pour `collectivite_modifier` ; « Retirer le logo » le vide."""
        donnees = {
            champ: self.cleaned_data[champ]
            for champ in self.changed_data
            if champ != "retirer_logo"
        }
        if self.cleaned_data.get("retirer_logo"):
            donnees["logo"] = ""
        return donnees

"""Formulaires des comptes d'envoi (SMTP) et du test de connexion."""

from __future__ import annotations

from typing import Any

from django import forms

from core.mail.comptes import CHAMPS_COMPTE, CHAMPS_COMPTE_BOITE, CHAMPS_COMPTE_SMTP
from core.mail.entetes import contient_mot_encode, verifier_entete
from core.mail.models import CompteSMTP, ProtocoleBoite, Securite

# Ports usuels d'une boîte de réception, selon le protocole et la sécurité.
PORTS_BOITE = {
    (ProtocoleBoite.POP3, True): 995,
    (ProtocoleBoite.POP3, False): 110,
    (ProtocoleBoite.IMAP, True): 993,
    (ProtocoleBoite.IMAP, False): 143,
}
# Les champs du modèle viennent de core.mail.comptes (une seule liste) ; le mot de passe, champ du
# formulaire seulement, s'affiche juste après l'identifiant.
_POSITION_MOT_DE_PASSE = CHAMPS_COMPTE_SMTP.index("identifiant") + 1
CHAMPS_SMTP = [
    *CHAMPS_COMPTE_SMTP[:_POSITION_MOT_DE_PASSE],
    "mot_de_passe",
    *CHAMPS_COMPTE_SMTP[_POSITION_MOT_DE_PASSE:],
]
CHAMPS_BOITE = list(CHAMPS_COMPTE_BOITE)


class ChampsCompteMixin:
    """Contrôles des champs qui finissent dans les en-têtes ou la connexion : repris par le
    formulaire de l'admin (`core.admin`)."""

    cleaned_data: dict[str, Any]

    def _une_ligne(self, champ: str) -> str:
        valeur: str = self.cleaned_data.get(champ) or ""
        if "\r" in valeur or "\n" in valeur:
            raise forms.ValidationError("Ce champ ne doit pas contenir de retour à la ligne.")
        return valeur

    def clean_nom_affiche(self) -> str:
        valeur = self._une_ligne("nom_affiche")
        try:
            # Décodé d'abord : « =?utf-8?q?=0D=0ABcc…?= » cacherait un retour à la ligne.
            return verifier_entete(valeur, "Le nom affiché")
        except ValueError as erreur:
            raise forms.ValidationError(str(erreur)) from None

    def clean_adresse_expediteur(self) -> str:
        valeur: str = self.cleaned_data.get("adresse_expediteur") or ""
        if contient_mot_encode(valeur):
            raise forms.ValidationError(
                "Saisissez une adresse électronique valide, sans forme encodée « =?…?= »."
            )
        return valeur

    def clean_identifiant(self) -> str:
        return self._une_ligne("identifiant")

    def clean_hote(self) -> str:
        return self._une_ligne("hote").strip()


class CompteSMTPForm(ChampsCompteMixin, forms.ModelForm):
    """Le compte d'envoi : le mot de passe n'est jamais réaffiché ; vide, il est gardé."""

    mot_de_passe = forms.CharField(
        label="Mot de passe",
        required=False,
        strip=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Laissez vide pour garder le mot de passe enregistré, sauf si vous changez le "
        "serveur ou le nom d'utilisateur : saisissez-le alors à nouveau.",
    )

    class Meta:
        model = CompteSMTP
        fields = list(CHAMPS_COMPTE)
        labels = {
            "adresse_expediteur": "Adresse d'expédition",
            "nom_affiche": "Nom affiché",
            "identifiant": "Nom d'utilisateur",
            "hote": "Serveur SMTP",
            "port": "Port SMTP",
            "securite": "Sécurité",
            "boite_protocole": "Protocole",
            "boite_hote": "Serveur POP3 ou IMAP",
            "boite_port": "Port",
            "boite_securite": "Sécurité de la boîte",
        }
        help_texts = {
            "adresse_expediteur": "L'adresse qui apparaît comme expéditeur des courriels.",
            "nom_affiche": "Par exemple « Mairie de Saint-Test — Service élections ».",
            "identifiant": "Souvent l'adresse d'expédition elle-même. Laissez vide si le "
            "serveur ne demande pas d'authentification.",
            "hote": "Par exemple smtp.mairie-saint-test.fr.",
            "port": "587 par défaut (STARTTLS), 465 pour SSL/TLS.",
            "securite": "Connexion au SMTP par SSL/TLS ou STARTTLS ; « Aucune » seulement sur "
            "un réseau de confiance.",
            "boite_protocole": "La boîte où arrivent les retours (adresses en erreur) et les "
            "accusés de réception.",
            "boite_port": "Laissez vide : 110 (POP3), 995 (POP3 SSL), 143 (IMAP), 993 (IMAP SSL).",
        }
        widgets = {
            "adresse_expediteur": forms.EmailInput(attrs={"autocomplete": "email"}),
            "identifiant": forms.TextInput(attrs={"autocomplete": "off"}),
            "port": forms.NumberInput(attrs={"min": 1, "max": 65535}),
            "boite_port": forms.NumberInput(attrs={"min": 1, "max": 65535}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields([*CHAMPS_SMTP, *CHAMPS_BOITE])
        self.fields["boite_hote"].help_text = "Par exemple pop.mairie-saint-test.fr."

    @property
    def champs_smtp(self) -> list[forms.BoundField]:
        return [self[nom] for nom in CHAMPS_SMTP]

    @property
    def champs_boite(self) -> list[forms.BoundField]:
        return [self[nom] for nom in CHAMPS_BOITE]

    def clean(self) -> dict[str, Any]:
        super().clean()
        donnees = self.cleaned_data
        protocole = donnees.get("boite_protocole")
        if protocole:
            if not donnees.get("boite_hote"):
                self.add_error(
                    "boite_hote", "Indiquez le serveur de la boîte de réception (POP3 ou IMAP)."
                )
            if not donnees.get("boite_port"):
                # STARTTLS passe par le port en clair (110 ou 143), SSL/TLS par 995 ou 993.
                chiffre = donnees.get("boite_securite") == Securite.SSL
                donnees["boite_port"] = PORTS_BOITE[(ProtocoleBoite(protocole), chiffre)]
        return donnees

    def donnees_compte(self) -> dict[str, Any]:
        """Les champs du modèle, pour `compte_smtp_enregistrer(donnees=...)`."""
        return {nom: self.cleaned_data[nom] for nom in self._meta.fields or ()}


class TestConnexionForm(forms.Form):
    """« Tester la connexion » : un vrai message part vers cette adresse."""

    destinataire = forms.EmailField(
        label="Envoyer le message de test à",
        help_text="Un vrai message part par ce compte ; vérifiez qu'il arrive.",
    )

    # Préfixe : le champ ne se confond pas avec ceux du formulaire du compte sur la même page.
    prefix = "test"

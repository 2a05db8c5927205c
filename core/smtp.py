"""Comptes SMTP : chiffrement du mot de passe, enregistrement, choix du compte d'envoi, test.

Le mot de passe est chiffré au repos avec Fernet (`ECHARPE_CLES_CHIFFREMENT` : la première clé
chiffre, toutes déchiffrent, ce qui permet la rotation). Il ne figure jamais dans le journal,
les logs ni les messages montrés à l'agent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.journal import journaliser
from core.models import Collectivite, CompteSMTP, Utilisateur

logger = logging.getLogger(__name__)

# Champs qu'un formulaire peut modifier (le mot de passe passe à part, chiffré).
CHAMPS_COMPTE = [
    "adresse_expediteur",
    "nom_affiche",
    "identifiant",
    "hote",
    "port",
    "securite",
    "boite_protocole",
    "boite_hote",
    "boite_port",
    "boite_securite",
]
# Un changement de l'un de ces champs rend caduc le résultat du dernier test.
CHAMPS_CONNEXION = {"adresse_expediteur", "identifiant", "hote", "port", "securite"}


class MotDePasseIndechiffrable(ValueError):
    """Le mot de passe enregistré a été chiffré avec une clé qui n'est plus configurée."""

    def __init__(self) -> None:
        super().__init__(
            "Le mot de passe enregistré ne peut pas être déchiffré avec les clés actuelles : "
            "saisissez-le à nouveau."
        )


# --- Chiffrement ----------------------------------------------------------------------------


def _fernet() -> MultiFernet:
    cles = [c for c in settings.ECHARPE_CLES_CHIFFREMENT if c]
    if not cles:
        raise ValueError("Aucune clé de chiffrement (ECHARPE_CLES_CHIFFREMENT) n'est configurée.")
    return MultiFernet([Fernet(cle) for cle in cles])


def chiffrer(mot_de_passe: str) -> str:
    """Chiffre avec la première clé de `ECHARPE_CLES_CHIFFREMENT`."""
    return _fernet().encrypt(mot_de_passe.encode("utf-8")).decode("ascii")


def dechiffrer(valeur: str) -> str:
    """Déchiffre avec l'une des clés ; `MotDePasseIndechiffrable` si aucune ne convient."""
    if not valeur:
        return ""
    try:
        return _fernet().decrypt(valeur.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as erreur:
        raise MotDePasseIndechiffrable() from erreur


def rechiffrer(valeur: str) -> str:
    """Rechiffre avec la première clé (rotation) une valeur chiffrée par l'une des clés."""
    if not valeur:
        return ""
    try:
        return _fernet().rotate(valeur.encode("ascii")).decode("ascii")
    except InvalidToken as erreur:
        raise MotDePasseIndechiffrable() from erreur


# --- Enregistrement -------------------------------------------------------------------------


@transaction.atomic
def compte_smtp_enregistrer(
    *,
    compte: CompteSMTP | None,
    collectivite: Collectivite,
    utilisateur: Utilisateur | None,
    donnees: dict[str, Any],
    mot_de_passe: str | None,
    par: Utilisateur,
) -> CompteSMTP:
    """Crée ou modifie un compte SMTP ; un mot de passe vide garde celui qui est enregistré.

    `utilisateur=None` désigne le compte par défaut de la collectivité. Lève
    `ValidationError` (messages du modèle) si les données ne conviennent pas.
    """
    creation = compte is None
    if compte is None:
        compte = CompteSMTP(collectivite=collectivite, utilisateur=utilisateur)
    else:
        if compte.collectivite_id != collectivite.pk:
            raise ValueError("Ce compte SMTP n'appartient pas à la collectivité.")
        # Comparer à la ligne en base : un ModelForm a déjà pu modifier l'instance reçue.
        compte = CompteSMTP.objects.select_for_update().get(pk=compte.pk)
    modifies = [
        champ
        for champ in CHAMPS_COMPTE
        if champ in donnees and getattr(compte, champ) != donnees[champ]
    ]
    for champ in modifies:
        setattr(compte, champ, donnees[champ])
    mot_de_passe_modifie = bool(mot_de_passe)
    if mot_de_passe:
        compte.mot_de_passe_chiffre = chiffrer(mot_de_passe)
    if not creation and (mot_de_passe_modifie or CHAMPS_CONNEXION.intersection(modifies)):
        # Le test précédent portait sur d'autres réglages : il ne dit plus rien.
        compte.derniere_verification = None
        compte.dernier_resultat = ""
        compte.dernier_test_reussi = None
    compte.full_clean()
    compte.save()
    journaliser(
        action="compte_smtp_enregistre",
        collectivite=collectivite,
        acteur=par,
        objet=compte,
        details={
            "creation": creation,
            "compte_par_defaut": compte.utilisateur_id is None,
            "champs_modifies": sorted(modifies),
            # Seulement le fait qu'il a changé : ni le mot de passe, ni son chiffré.
            "mot_de_passe_modifie": mot_de_passe_modifie,
        },
    )
    return compte


# --- Choix du compte d'envoi ----------------------------------------------------------------


@dataclass(frozen=True)
class CompteResolu:
    """Réglages de connexion effectifs, quelle que soit leur origine (compte ou réglages)."""

    compte: CompteSMTP | None
    libelle: str
    hote: str
    port: int
    securite: str
    identifiant: str
    # Jamais affiché par repr() : un objet loggé par mégarde ne livre pas le secret.
    mot_de_passe: str = field(repr=False)
    expediteur: str
    nom_affiche: str

    @classmethod
    def depuis_compte(cls, compte: CompteSMTP) -> CompteResolu:
        if compte.utilisateur_id:
            libelle = f"Compte de {compte.utilisateur} ({compte.adresse_expediteur})"
        else:
            libelle = f"Compte de {compte.collectivite} ({compte.adresse_expediteur})"
        return cls(
            compte=compte,
            libelle=libelle[:300],
            hote=compte.hote,
            port=compte.port,
            securite=compte.securite,
            identifiant=compte.identifiant,
            mot_de_passe=dechiffrer(compte.mot_de_passe_chiffre),
            expediteur=compte.adresse_expediteur,
            nom_affiche=compte.nom_affiche,
        )

    @classmethod
    def depuis_reglages(cls) -> CompteResolu | None:
        reglages = getattr(settings, "ECHARPE_SMTP_DEFAUT", None) or {}
        if not reglages.get("hote"):
            return None
        expediteur = reglages.get("expediteur") or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
        return cls(
            compte=None,
            libelle=f"Compte par défaut de la plateforme ({expediteur})"[:300],
            hote=reglages["hote"],
            port=int(reglages.get("port") or 587),
            securite=reglages.get("securite") or "starttls",
            identifiant=reglages.get("identifiant") or "",
            mot_de_passe=reglages.get("mot_de_passe") or "",
            expediteur=expediteur,
            nom_affiche=reglages.get("nom_affiche") or "",
        )


def compte_pour_envoi(
    *, collectivite: Collectivite | None, utilisateur: Utilisateur | None
) -> CompteResolu | None:
    """Le compte de la personne pour cette collectivité, sinon celui de la collectivité,
    sinon celui des réglages (`ECHARPE_SMTP_DEFAUT` avec un hôte), sinon `None`
    (decisions.md, « Mail »)."""
    if collectivite is not None:
        comptes = CompteSMTP.objects.pour(collectivite).select_related(
            "utilisateur", "collectivite"
        )
        utilisateur_id = getattr(utilisateur, "pk", None)
        if utilisateur_id:
            compte = comptes.filter(utilisateur_id=utilisateur_id).first()
            if compte is not None:
                return CompteResolu.depuis_compte(compte)
        compte = comptes.filter(utilisateur__isnull=True).first()
        if compte is not None:
            return CompteResolu.depuis_compte(compte)
    return CompteResolu.depuis_reglages()


# --- Tester la connexion --------------------------------------------------------------------


@dataclass(frozen=True)
class ResultatTest:
    ok: bool
    message: str
    code: int | None = None


def smtp_tester(*, compte: CompteSMTP, destinataire: str, par: Utilisateur) -> ResultatTest:
    """Envoie un vrai message de test par ce compte et rend un résultat en français.

    Appelée dans la requête (« Tester la connexion ») avec le délai court
    `ECHARPE_SMTP_TIMEOUT` ; un échec est un résultat normal, jamais une exception. À
    appeler hors transaction (`non_atomic_requests`) : la trace du message est validée avant
    de parler au serveur.
    """
    from core.mail import ErreurEnvoi, envoyer_gabarit  # import tardif : mail importe smtp

    try:
        message = envoyer_gabarit(
            gabarit="test_smtp",
            contexte={"compte": compte, "par": par, "collectivite": compte.collectivite},
            collectivite=compte.collectivite,
            expediteur=par,
            destinataires=[destinataire],
            compte=compte,
        )
    except ErreurEnvoi as erreur:
        resultat = ResultatTest(ok=False, message=erreur.message, code=erreur.code)
    except ValueError as erreur:  # adresse de destinataire refusée avant tout envoi
        resultat = ResultatTest(ok=False, message=str(erreur))
    else:
        resultat = ResultatTest(
            ok=True,
            message=f"Le serveur a accepté le message : {message.reponse_smtp}",
            code=message.code_smtp,
        )
    compte.derniere_verification = timezone.now()
    compte.dernier_resultat = resultat.message[:500]
    compte.dernier_test_reussi = resultat.ok
    with transaction.atomic():
        compte.save(
            update_fields=[
                "derniere_verification",
                "dernier_resultat",
                "dernier_test_reussi",
                "modifie_le",
            ]
        )
        journaliser(
            action="compte_smtp_teste",
            collectivite=compte.collectivite,
            acteur=par,
            objet=compte,
            details={"reussi": resultat.ok, "code": resultat.code},
        )
    logger.info("Test du compte SMTP %s : reussi=%s code=%s", compte.pk, resultat.ok, resultat.code)
    return resultat


__all__ = [
    "CHAMPS_COMPTE",
    "CompteResolu",
    "MotDePasseIndechiffrable",
    "ResultatTest",
    "chiffrer",
    "compte_pour_envoi",
    "compte_smtp_enregistrer",
    "dechiffrer",
    "rechiffrer",
    "smtp_tester",
]

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
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from core.comptes.models import Utilisateur
from core.journal.services import journaliser
from core.mail.models import CompteSMTP
from core.tenancy.models import Collectivite

logger = logging.getLogger(__name__)

# Champs d'un compte qu'un formulaire peut modifier (le mot de passe passe à part, chiffré) :
# la seule liste, reprise par core.mail.forms et core.admin.
CHAMPS_COMPTE_SMTP = [
    "adresse_expediteur",
    "nom_affiche",
    "identifiant",
    "hote",
    "port",
    "securite",
]
CHAMPS_COMPTE_BOITE = ["boite_protocole", "boite_hote", "boite_port", "boite_securite"]
CHAMPS_COMPTE = [*CHAMPS_COMPTE_SMTP, *CHAMPS_COMPTE_BOITE]
# Un changement de l'un de ces champs rend caduc le résultat du dernier test.
CHAMPS_CONNEXION = {"adresse_expediteur", "identifiant", "hote", "port", "securite"}
# Où et sous quel nom le mot de passe enregistré serait présenté : un changement de l'un de ces
# champs exige de saisir à nouveau le mot de passe (sinon il partirait vers un serveur choisi
# par quelqu'un qui ne le connaît pas). La boîte de réception reçoit le même mot de passe.
CHAMPS_SERVEUR = ("hote", "port", "securite", "identifiant", *CHAMPS_COMPTE_BOITE)
MESSAGE_SERVEUR_CHANGE = (
    "Le serveur ou l'identifiant a changé : saisissez à nouveau le mot de passe."
)


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
    except (InvalidToken, UnicodeError) as erreur:
        raise MotDePasseIndechiffrable() from erreur


@dataclass(frozen=True)
class RapportRechiffrement:
    rechiffres: int
    # Identifiants des comptes dont le mot de passe ne se déchiffre avec aucune clé.
    indechiffrables: list[int]


def comptes_smtp_rechiffrer() -> RapportRechiffrement:
    """Rechiffre chaque mot de passe SMTP enregistré avec la première clé (rotation).

    Une fois fait, les anciennes clés peuvent être retirées de `ECHARPE_CLES_CHIFFREMENT`.
    Chaque ligne est mise à jour seulement si elle n'a pas changé depuis sa lecture : un mot
    de passe saisi entre-temps (déjà chiffré par la première clé) n'est pas écrasé.
    """
    rechiffres = 0
    indechiffrables: list[int] = []
    lignes = (
        CompteSMTP.objects.exclude(mot_de_passe_chiffre="")
        .order_by("pk")
        .values_list("pk", "mot_de_passe_chiffre")
    )
    for pk, chiffre in lignes.iterator():
        try:
            nouveau = rechiffrer(chiffre)
        except MotDePasseIndechiffrable:
            indechiffrables.append(pk)
            continue
        rechiffres += CompteSMTP.objects.filter(pk=pk, mot_de_passe_chiffre=chiffre).update(
            mot_de_passe_chiffre=nouveau
        )
    logger.info(
        "Rotation des clés SMTP : %s rechiffrés, indéchiffrables : %s",
        rechiffres,
        indechiffrables,
    )
    return RapportRechiffrement(rechiffres=rechiffres, indechiffrables=indechiffrables)


# --- Enregistrement -------------------------------------------------------------------------


def _valeur(valeur: Any) -> str:
    return "" if valeur is None else str(valeur)


def verifier_changement_serveur(
    *, compte: CompteSMTP, donnees: dict[str, Any], mot_de_passe: str | None
) -> None:
    """Refuse de garder le mot de passe enregistré quand le serveur ou l'identifiant change.

    Sans cela, quelqu'un qui peut modifier le compte sans connaître son mot de passe (un
    administrateur, le personnel) pointerait le compte vers un serveur à lui, puis « Tester la
    connexion » y enverrait le mot de passe. Lève `ValidationError` sur le champ
    `mot_de_passe` si le compte existe, a un mot de passe enregistré, que `mot_de_passe` est
    vide et que l'un des `CHAMPS_SERVEUR` présents dans `donnees` diffère de la ligne en base.

    La comparaison se fait avec la ligne en base, pas avec `compte` : un ModelForm (admin) a pu
    déjà recopier les valeurs saisies dans l'instance.
    """
    if mot_de_passe or compte.pk is None:
        return
    enregistre = (
        CompteSMTP.objects.filter(pk=compte.pk)
        .values("mot_de_passe_chiffre", *CHAMPS_SERVEUR)
        .first()
    )
    if enregistre is None or not enregistre["mot_de_passe_chiffre"]:
        return  # aucun secret à protéger
    if any(
        _valeur(donnees[champ]) != _valeur(enregistre[champ])
        for champ in CHAMPS_SERVEUR
        if champ in donnees
    ):
        raise ValidationError({"mot_de_passe": MESSAGE_SERVEUR_CHANGE})


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
    """Crée ou modifie un compte SMTP ; un mot de passe vide garde celui qui est enregistré,
    sauf si le serveur ou l'identifiant change (`verifier_changement_serveur`).

    `utilisateur=None` désigne le compte par défaut de la collectivité. Lève
    `ValidationError` (messages du modèle, ou sur `mot_de_passe`) si les données ne
    conviennent pas ; rien n'est alors enregistré.
    """
    creation = compte is None
    if compte is None:
        compte = CompteSMTP(collectivite=collectivite, utilisateur=utilisateur)
    else:
        if compte.collectivite_id != collectivite.pk:
            raise ValueError("Ce compte SMTP n'appartient pas à la collectivité.")
        # Comparer à la ligne en base : un ModelForm a déjà pu modifier l'instance reçue.
        compte = CompteSMTP.objects.select_for_update().get(pk=compte.pk)
        verifier_changement_serveur(compte=compte, donnees=donnees, mot_de_passe=mot_de_passe)
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
        par=par,
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
    (ordre de repli des comptes d'envoi)."""
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


def compte_existe(*, collectivite: Collectivite | None, utilisateur: Utilisateur | None) -> bool:
    """Un compte d'envoi existe-t-il à l'un des niveaux de `compte_pour_envoi` ?

    Pour les pages qui n'ont besoin que de le savoir : rien n'est déchiffré, donc un mot de
    passe chiffré avec une clé retirée ne provoque pas d'erreur ici (il en provoquera une,
    en français, au moment d'envoyer).
    """
    if collectivite is not None:
        comptes = CompteSMTP.objects.pour(collectivite)
        utilisateur_id = getattr(utilisateur, "pk", None)
        filtre = Q(utilisateur__isnull=True)
        if utilisateur_id:
            filtre |= Q(utilisateur_id=utilisateur_id)
        if comptes.filter(filtre).exists():
            return True
    reglages = getattr(settings, "ECHARPE_SMTP_DEFAUT", None) or {}
    return bool(reglages.get("hote"))


__all__ = [
    "CHAMPS_COMPTE",
    "CHAMPS_COMPTE_BOITE",
    "CHAMPS_COMPTE_SMTP",
    "CHAMPS_SERVEUR",
    "MESSAGE_SERVEUR_CHANGE",
    "CompteResolu",
    "MotDePasseIndechiffrable",
    "RapportRechiffrement",
    "chiffrer",
    "comptes_smtp_rechiffrer",
    "compte_existe",
    "compte_pour_envoi",
    "compte_smtp_enregistrer",
    "dechiffrer",
    "rechiffrer",
    "verifier_changement_serveur",
]

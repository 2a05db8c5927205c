"""Liens sécurisés : jeton de 256 bits, seul son SHA-256 est stocké.

Un lien mène une personne, sans mot de passe, à une page précise (`objectif`) pour une cible
précise (la personne à activer, la convocation à lire…). Il expire, il est révocable, le
dernier émis gagne, il peut exiger une vérification d'identité (date de naissance, et
éventuellement département de naissance) avec un nombre d'essais limité.

Parcours : `/l/<jeton>/` vérifie le jeton, place l'identifiant du lien en session et redirige
vers `/l/` (sans jeton : il ne reste ni dans la barre d'adresse ni dans un `Referer`) ; après
l'éventuelle vérification d'identité, `/l/` redirige vers la page enregistrée pour l'objectif
(`registre.objectifs_liens`), qui lit le lien par `lien_de_session`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from core.comptes.models import Utilisateur
from core.journal.services import journaliser
from core.liens.models import CompteurIdentite, LienSecurise
from core.mail.lots import EnvoiSansObjet, MessagePrepare, lot_mettre_en_file
from core.mail.models import EnvoiActivation
from core.registry import registre
from core.tenancy.models import Collectivite

logger = logging.getLogger(__name__)

# secrets.token_urlsafe(32) : 32 octets aléatoires, 43 caractères base64url sans « = ».
_FORME_JETON = re.compile(r"^[A-Za-z0-9_\-]{43}$")

CLE_SESSION_LIEN = "lien_securise_id"
CLE_SESSION_IDENTITE = "lien_securise_identite"
OBJECTIF_ACTIVATION = "activation"
DUREE_ACTIVATION = timedelta(days=7)
# Après trop d'échecs d'identification, la personne attend ce délai (ou le personnel la
# débloque) : un nouveau lien ne rend pas d'essais.
DUREE_BLOCAGE_IDENTITE = timedelta(hours=24)


# --- Erreurs --------------------------------------------------------------------------------


def _jour(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%d/%m/%Y}"


class LienInvalide(Exception):
    """Lien refusé ; `message` s'affiche tel quel, `statut` est le code HTTP de la page."""

    statut = 404
    titre = "Lien non valide"
    message = "Ce lien n'est pas valide. Vérifiez qu'il a été copié en entier."

    def __init__(self, message: str | None = None) -> None:
        if message:
            self.message = message
        super().__init__(self.message)


class LienInconnu(LienInvalide):
    """Jeton inconnu, altéré ou d'un autre objectif."""


class LienAutrePersonne(LienInvalide):
    """Lien d'activation ouvert dans la session d'une autre personne connectée."""

    statut = 403
    titre = "Lien destiné à une autre personne"

    def __init__(self, connectee: str) -> None:
        super().__init__(
            f"Vous êtes connecté(e) en tant que {connectee} et ce lien active le compte d'une "
            "autre personne. Déconnectez-vous, puis rouvrez le lien reçu par courriel."
        )


class LienExpire(LienInvalide):
    statut = 410
    titre = "Lien expiré"

    def __init__(self, lien: LienSecurise) -> None:
        super().__init__(f"Ce lien a expiré le {_jour(lien.expire_le)}. Demandez-en un nouveau.")


class LienDejaUtilise(LienInvalide):
    statut = 410
    titre = "Lien déjà utilisé"

    def __init__(self, lien: LienSecurise) -> None:
        quand = f" le {_jour(lien.utilise_le)}" if lien.utilise_le else ""
        super().__init__(
            f"Ce lien a déjà été utilisé{quand}. Il ne sert qu'une fois : si besoin, "
            "demandez-en un nouveau."
        )


class LienRevoque(LienInvalide):
    statut = 410
    titre = "Lien remplacé"

    def __init__(self, lien: LienSecurise, *, remplace: bool) -> None:
        if remplace:
            message = (
                "Ce lien a été remplacé par un lien plus récent. Utilisez le dernier courriel reçu."
            )
        else:
            self.titre = "Lien annulé"
            message = "Ce lien a été annulé. Demandez-en un nouveau si nécessaire."
        super().__init__(message)


class LienVerrouille(LienInvalide):
    statut = 403
    titre = "Lien bloqué"

    def __init__(self, lien: LienSecurise | None = None) -> None:
        super().__init__(
            "Ce lien est bloqué après trop d'essais d'identification infructueux. "
            "Réessayez dans 24 heures : un nouveau lien ne rend pas d'essais."
        )


# --- Création -------------------------------------------------------------------------------


def hacher_jeton(jeton: str) -> str:
    return hashlib.sha256(jeton.encode("utf-8")).hexdigest()


def _reference_cible(cible: models.Model) -> tuple[str, str]:
    if cible.pk is None:
        raise ValueError("La cible d'un lien doit être enregistrée.")
    return cible._meta.label_lower, str(cible.pk)


def _normaliser_departement(valeur: str) -> str:
    """« 1 » → « 01 », « 2a » → « 2A » ; les départements d'outre-mer gardent 3 chiffres."""
    valeur = (valeur or "").strip().upper()
    if valeur.isdigit() and len(valeur) == 1:
        valeur = valeur.zfill(2)
    return valeur


@transaction.atomic
def lien_creer(
    *,
    collectivite: Collectivite,
    objectif: str,
    cible: models.Model,
    duree: timedelta,
    usage_unique: bool = True,
    date_naissance: date | None = None,
    departement: str = "",
    par: Utilisateur | None = None,
) -> tuple[LienSecurise, str]:
    """Crée un lien et rend (ligne, jeton en clair).

    Le jeton en clair n'est stocké nulle part : mettez-le une fois dans le courriel. Les liens
    précédents du même objectif et de la même cible sont révoqués (le dernier émis gagne).
    `date_naissance` (et `departement`) demandent une vérification d'identité.
    """
    if duree <= timedelta(0):
        raise ValueError("La durée d'un lien doit être positive.")
    cible_type, cible_id = _reference_cible(cible)
    # Verrou sur la cible : deux émissions simultanées ne laissent pas deux liens valides.
    type(cible)._default_manager.select_for_update().filter(pk=cible.pk).first()
    maintenant = timezone.now()
    LienSecurise.objects.filter(
        objectif=objectif, cible_type=cible_type, cible_id=cible_id, revoque_le__isnull=True
    ).update(revoque_le=maintenant)
    jeton = secrets.token_urlsafe(32)
    lien = LienSecurise(
        collectivite=collectivite,
        hash_jeton=hacher_jeton(jeton),
        objectif=objectif,
        cible_type=cible_type,
        cible_id=cible_id,
        expire_le=maintenant + duree,
        usage_unique=usage_unique,
        date_naissance_attendue=date_naissance,
        departement_attendu=_normaliser_departement(departement) if date_naissance else "",
        cree_par=par,
        cree_le=maintenant,
    )
    lien.full_clean()
    lien.save()
    journaliser(
        action="lien_cree",
        collectivite=collectivite,
        par=par,
        objet=lien,
        sujet=cible,
        details={
            "objectif": objectif,
            "expire_le": lien.expire_le.isoformat(),
            "usage_unique": usage_unique,
            "verification_identite": lien.verification_identite,
        },
    )
    return lien, jeton


@transaction.atomic
def liens_creer_en_lot(
    *,
    collectivite: Collectivite,
    objectif: str,
    cibles: Sequence[models.Model],
    duree: timedelta,
    usage_unique: bool = True,
    par: Utilisateur | None = None,
    sujet: models.Model | None = None,
) -> dict[Any, tuple[LienSecurise, str]]:
    """Crée un lien par cible (sans vérification d'identité) et rend {pk de la cible : (ligne,
    jeton en clair)} : les envois en nombre (`core.mail.lots`) en créent un morceau à la fois.

    Mêmes garanties que `lien_creer` pour chaque cible (verrou sur la cible, liens précédents du
    même objectif révoqués : le dernier émis gagne), en un nombre de requêtes qui ne dépend pas
    du nombre de cibles : verrou, révocation, insertion, et **une** entrée de journal
    (`liens_crees`) qui nomme les cibles et les liens, au lieu d'une par lien.
    """
    if duree <= timedelta(0):
        raise ValueError("La durée d'un lien doit être positive.")
    references = [_reference_cible(cible) for cible in cibles]
    if not references:
        return {}
    if len({cible_type for cible_type, _ in references}) != 1:
        raise ValueError("Les cibles d'un lot de liens doivent être du même type.")
    cible_type = references[0][0]
    modele = type(cibles[0])
    # Verrou sur les cibles, dans l'ordre des clés : deux lots qui se recouvrent ne
    # s'interbloquent pas, et deux émissions simultanées ne laissent pas deux liens valides.
    list(
        modele._default_manager.select_for_update()
        .filter(pk__in=[cible.pk for cible in cibles])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    maintenant = timezone.now()
    cible_ids = sorted({cible_id for _, cible_id in references})
    LienSecurise.objects.filter(
        objectif=objectif, cible_type=cible_type, cible_id__in=cible_ids, revoque_le__isnull=True
    ).update(revoque_le=maintenant)
    rendus: dict[Any, tuple[LienSecurise, str]] = {}
    # Le jeton de 256 bits ne se contrôle pas en base (`full_clean` coûterait une requête par
    # lien) : l'unicité de son empreinte reste garantie par l'index unique.
    for cible, (_type, cible_id) in zip(cibles, references, strict=True):
        jeton = secrets.token_urlsafe(32)
        lien = LienSecurise(
            collectivite=collectivite,
            hash_jeton=hacher_jeton(jeton),
            objectif=objectif,
            cible_type=cible_type,
            cible_id=cible_id,
            expire_le=maintenant + duree,
            usage_unique=usage_unique,
            cree_par=par,
            cree_le=maintenant,
        )
        rendus[cible.pk] = (lien, jeton)
    LienSecurise.objects.bulk_create([lien for lien, _ in rendus.values()])
    journaliser(
        action="liens_crees",
        collectivite=collectivite,
        par=par,
        sujet=sujet,
        details={
            "objectif": objectif,
            "cible_type": cible_type,
            "cibles": [cible_id for _, cible_id in references],
            "liens": [lien.pk for lien, _ in rendus.values()],
            "expire_le": (maintenant + duree).isoformat(),
            "usage_unique": usage_unique,
        },
    )
    return rendus


def lien_url(jeton: str) -> str:
    """Chemin `/l/<jeton>/` ; préfixez-le de ECHARPE_URL_BASE pour un courriel."""
    return reverse("liens:ouvrir", kwargs={"jeton": jeton})


def lien_url_absolue(jeton: str) -> str:
    base = getattr(settings, "ECHARPE_URL_BASE", "http://127.0.0.1:8000")
    return base.rstrip("/") + lien_url(jeton)


# --- Vérification ---------------------------------------------------------------------------


def _remplace(lien: LienSecurise) -> bool:
    return (
        LienSecurise.objects.filter(
            objectif=lien.objectif,
            cible_type=lien.cible_type,
            cible_id=lien.cible_id,
            cree_le__gt=lien.cree_le,
        )
        .exclude(pk=lien.pk)
        .exists()
    )


def lien_controler(lien: LienSecurise) -> LienSecurise:
    """Lève l'erreur qui convient si le lien ne peut plus servir."""
    if lien.revoque_le is not None:
        raise LienRevoque(lien, remplace=_remplace(lien))
    if lien.usage_unique and lien.utilise_le is not None:
        raise LienDejaUtilise(lien)
    if lien.verrouille_le is not None:
        raise LienVerrouille(lien)
    if lien.expire_le <= timezone.now():
        raise LienExpire(lien)
    return lien


def lien_verifier(*, jeton: str, objectif: str | None = None) -> LienSecurise:
    """Le lien de ce jeton, s'il peut encore servir ; sinon une `LienInvalide` en français."""
    if not isinstance(jeton, str) or not _FORME_JETON.match(jeton):
        raise LienInconnu()
    empreinte = hacher_jeton(jeton)
    lien = LienSecurise.objects.filter(hash_jeton=empreinte).first()
    # La recherche se fait par empreinte ; la comparaison finale est à temps constant.
    if lien is None or not hmac.compare_digest(lien.hash_jeton, empreinte):
        raise LienInconnu()
    if objectif is not None and lien.objectif != objectif:
        raise LienInconnu()
    return lien_controler(lien)


def _compteur(lien: LienSecurise, *, verrou: bool) -> CompteurIdentite:
    """Le compteur d'échecs de la personne visée par le lien (créé au besoin). Un blocage
    plus ancien que `DUREE_BLOCAGE_IDENTITE` est levé ici."""
    CompteurIdentite.objects.get_or_create(cible_type=lien.cible_type, cible_id=lien.cible_id)
    qs = CompteurIdentite.objects.filter(cible_type=lien.cible_type, cible_id=lien.cible_id)
    compteur = (qs.select_for_update() if verrou else qs).get()
    if (
        verrou
        and compteur.verrouille_le is not None
        and compteur.verrouille_le + DUREE_BLOCAGE_IDENTITE <= timezone.now()
    ):
        compteur.echecs = 0
        compteur.verrouille_le = None
        compteur.save(update_fields=["echecs", "verrouille_le", "modifie_le"])
    return compteur


def _compteur_lu(lien: LienSecurise) -> CompteurIdentite | None:
    return CompteurIdentite.objects.filter(
        cible_type=lien.cible_type, cible_id=lien.cible_id
    ).first()


def _bloque(compteur: CompteurIdentite | None) -> bool:
    return (
        compteur is not None
        and compteur.verrouille_le is not None
        and compteur.verrouille_le + DUREE_BLOCAGE_IDENTITE > timezone.now()
    )


def identite_bloquee(lien: LienSecurise) -> bool:
    """Vrai si la personne visée est bloquée après trop d'échecs (sur ce lien ou un autre)."""
    return lien.verification_identite and _bloque(_compteur_lu(lien))


def lien_verifier_identite(
    *, lien: LienSecurise, date_naissance: date, departement: str = ""
) -> bool:
    """Compare l'identité saisie à celle attendue ; compte les échecs, bloque au maximum.

    Les échecs sont comptés **par personne** (la cible du lien, `CompteurIdentite`), pas par
    lien : un nouveau lien ne rend pas d'essais. Le blocage tombe après
    `DUREE_BLOCAGE_IDENTITE` ou quand le personnel le lève. Compteurs tenus sous verrou de
    ligne : des essais simultanés ne dépassent jamais `tentatives_max`. Lève `LienVerrouille`
    (ou l'erreur qui décrit l'état du lien) si le lien ne peut plus servir.
    """
    with transaction.atomic():
        ligne = LienSecurise.objects.select_for_update().get(pk=lien.pk)
        lien_controler(ligne)
        if ligne.date_naissance_attendue is None:
            _copier_etat(ligne, lien)
            return True
        compteur = _compteur(ligne, verrou=True)
        if _bloque(compteur):
            _copier_etat(ligne, lien)
            raise LienVerrouille(ligne)
        reussi = ligne.date_naissance_attendue == date_naissance and _departement_correspond(
            ligne, departement
        )
        maintenant = timezone.now()
        if reussi:
            ligne.identite_verifiee_le = maintenant
            ligne.save(update_fields=["identite_verifiee_le", "modifie_le"])
            compteur.echecs = 0
            compteur.save(update_fields=["echecs", "modifie_le"])
            journaliser(
                action="lien_identite_verifiee",
                collectivite=ligne.collectivite,
                objet=ligne,
                details={"objectif": ligne.objectif, "tentatives": ligne.tentatives},
            )
        else:
            LienSecurise.objects.filter(pk=ligne.pk).update(tentatives=F("tentatives") + 1)
            ligne.refresh_from_db(fields=["tentatives"])
            compteur.echecs += 1
            compteur.dernier_echec = maintenant
            champs = ["echecs", "dernier_echec", "modifie_le"]
            if compteur.echecs >= ligne.tentatives_max:
                compteur.verrouille_le = maintenant
                champs.append("verrouille_le")
                ligne.verrouille_le = maintenant
                ligne.save(update_fields=["verrouille_le", "modifie_le"])
                journaliser(
                    action="lien_verrouille",
                    collectivite=ligne.collectivite,
                    objet=ligne,
                    details={"objectif": ligne.objectif, "tentatives": compteur.echecs},
                )
            compteur.save(update_fields=champs)
        _copier_etat(ligne, lien)
        return reussi


def _departement_correspond(lien: LienSecurise, departement: str) -> bool:
    if not lien.departement_attendu:
        return True
    return hmac.compare_digest(
        _normaliser_departement(departement).encode(), lien.departement_attendu.encode()
    )


def _copier_etat(source: LienSecurise, cible: LienSecurise) -> None:
    for champ in ("tentatives", "verrouille_le", "identite_verifiee_le", "utilise_le"):
        setattr(cible, champ, getattr(source, champ))


def essais_restants(lien: LienSecurise) -> int:
    """Essais qu'il reste à la personne (tous liens confondus)."""
    compteur = _compteur_lu(lien)
    if compteur is None:
        return lien.tentatives_max
    if compteur.verrouille_le is not None and not _bloque(compteur):
        return lien.tentatives_max
    return max(0, lien.tentatives_max - compteur.echecs)


@transaction.atomic
def identite_debloquer(*, cible: models.Model, par: Utilisateur | None) -> None:
    """Rend ses essais à une personne bloquée (personnel de la plateforme)."""
    cible_type, cible_id = _reference_cible(cible)
    modifies = CompteurIdentite.objects.filter(cible_type=cible_type, cible_id=cible_id).update(
        echecs=0, verrouille_le=None, modifie_le=timezone.now()
    )
    if modifies:
        journaliser(action="identite_debloquee", collectivite=None, par=par, objet=cible)


@transaction.atomic
def compteurs_identite_supprimer(
    *, compteurs: list[CompteurIdentite], par: Utilisateur | None
) -> None:
    """Supprime des compteurs d'essais (admin Django) : leurs personnes retrouvent tous leurs
    essais. Chaque suppression est journalisée dans la chaîne de la plateforme."""
    for compteur in compteurs:
        journaliser(
            action="identite_debloquee",
            collectivite=None,
            par=par,
            objet=compteur,
            details={"echecs": compteur.echecs},
        )
        compteur.delete()


# --- Usage et révocation --------------------------------------------------------------------


def lien_utiliser(*, lien: LienSecurise) -> LienSecurise:
    """Marque le lien utilisé ; un lien à usage unique ne sert qu'une fois, même en concurrence.

    UPDATE conditionnel (`utilise_le IS NULL` …) : de deux appels simultanés, un seul modifie
    la ligne ; l'autre lève `LienDejaUtilise` (ou l'erreur qui décrit l'état du lien). Pour un
    lien à usages multiples, la date de première utilisation est retenue (elle peut faire
    courir un délai, R12 : « à compter de la réception »).
    """
    maintenant = timezone.now()
    if not lien.usage_unique:
        lien_controler(LienSecurise.objects.get(pk=lien.pk))
        LienSecurise.objects.filter(pk=lien.pk, utilise_le__isnull=True).update(
            utilise_le=maintenant, modifie_le=maintenant
        )
        lien.refresh_from_db(fields=["utilise_le"])
        return lien
    modifies = LienSecurise.objects.filter(
        pk=lien.pk,
        utilise_le__isnull=True,
        revoque_le__isnull=True,
        verrouille_le__isnull=True,
        expire_le__gt=maintenant,
    ).update(utilise_le=maintenant, modifie_le=maintenant)
    if modifies != 1:
        actuel = LienSecurise.objects.get(pk=lien.pk)
        lien_controler(actuel)
        raise LienDejaUtilise(actuel)
    lien.utilise_le = maintenant
    return lien


@transaction.atomic
def lien_revoquer(*, lien: LienSecurise, par: Utilisateur | None) -> LienSecurise:
    """Annule un lien (sans effet s'il l'est déjà) et le journalise."""
    maintenant = timezone.now()
    modifies = LienSecurise.objects.filter(pk=lien.pk, revoque_le__isnull=True).update(
        revoque_le=maintenant, modifie_le=maintenant
    )
    lien.refresh_from_db(fields=["revoque_le"])
    if modifies:
        journaliser(
            action="lien_revoque",
            collectivite=lien.collectivite,
            par=par,
            objet=lien,
            details={"objectif": lien.objectif},
        )
    return lien


# --- Session --------------------------------------------------------------------------------


def lien_en_session(request: HttpRequest, lien: LienSecurise) -> None:
    """Retient le lien (jamais le jeton) pour la suite du parcours, sur une nouvelle clé."""
    request.session.cycle_key()
    request.session[CLE_SESSION_LIEN] = lien.pk
    request.session.pop(CLE_SESSION_IDENTITE, None)


def lien_session_brut(request: HttpRequest) -> LienSecurise | None:
    """Le lien retenu en session, quel que soit son état (ou None)."""
    lien_id = request.session.get(CLE_SESSION_LIEN)
    if not isinstance(lien_id, int):
        return None
    return LienSecurise.objects.select_related("collectivite").filter(pk=lien_id).first()


def identite_verifiee_en_session(request: HttpRequest, lien: LienSecurise) -> bool:
    """L'identité est vérifiée dans cette session (une autre personne qui aurait le jeton
    devra la vérifier à son tour)."""
    if not lien.verification_identite:
        return True
    return bool(request.session.get(CLE_SESSION_IDENTITE) == lien.pk and lien.identite_verifiee_le)


def marquer_identite_verifiee(request: HttpRequest, lien: LienSecurise) -> None:
    request.session[CLE_SESSION_IDENTITE] = lien.pk


def oublier_lien(request: HttpRequest) -> None:
    request.session.pop(CLE_SESSION_LIEN, None)
    request.session.pop(CLE_SESSION_IDENTITE, None)


def lien_de_session(request: HttpRequest, objectif: str) -> LienSecurise | None:
    """Le lien ouvert dans cette session pour `objectif`, s'il est encore valable et si
    l'identité a été vérifiée quand elle est demandée ; sinon None (la vue renvoie alors vers
    `lien_accueil`, qui explique pourquoi)."""
    lien = lien_session_brut(request)
    if lien is None or lien.objectif != objectif:
        return None
    try:
        lien_controler(lien)
    except LienInvalide:
        return None
    if not identite_verifiee_en_session(request, lien):
        return None
    return lien


def cible_du_lien(lien: LienSecurise, modele: type[models.Model]) -> Any:
    """La cible du lien si elle est du type attendu (sinon None)."""
    if lien.cible_type != modele._meta.label_lower:
        return None
    return modele._default_manager.filter(pk=lien.cible_id).first()


# --- Activation d'un compte -----------------------------------------------------------------


def enregistrer_objectifs() -> None:
    """À appeler depuis `CoreConfig.ready()` : objectifs des liens (leurs actions journalisées
    sont dans `core.journal.services.ActionCore`)."""
    registre.ajouter_objectif_lien(OBJECTIF_ACTIVATION, "liens:activation")
    # Invitation à prendre un rôle (`core.comptes.services.OBJECTIF_INVITATION`).
    registre.ajouter_objectif_lien("invitation", "comptes:invitation")


MESSAGE_COMPTE_DEJA_ACTIVE = (
    "Ce lien n'est plus valable : le mot de passe de ce compte a déjà été choisi. "
    "Connectez-vous avec votre identifiant, ou utilisez « Mot de passe oublié ? » sur la page "
    "de connexion."
)


def activation_deja_faite(*, utilisateur: Utilisateur) -> LienInconnu | None:
    """L'erreur à montrer si le compte a déjà un mot de passe (un lien d'activation ne
    remplace jamais un mot de passe choisi : c'est le rôle de « Mot de passe oublié »)."""
    if utilisateur.has_usable_password():
        return LienInconnu(MESSAGE_COMPTE_DEJA_ACTIVE)
    return None


@transaction.atomic
def activation_terminer(*, lien: LienSecurise, mot_de_passe: str) -> Utilisateur:
    """Enregistre le mot de passe choisi par la personne et consomme le lien.

    Le mot de passe a été validé par le formulaire (validateurs de Django). Lève une
    `LienInvalide` si le lien a servi entre-temps (deux onglets, double envoi), ou
    `LienInconnu` si le compte a déjà un mot de passe (activé par un autre lien) : rien
    n'est alors modifié.
    """

    if lien.objectif != OBJECTIF_ACTIVATION or lien.cible_type != Utilisateur._meta.label_lower:
        raise LienInconnu()
    # Verrou sur la personne avant celui du lien, dans l'ordre de `lien_creer` : une
    # activation et l'émission d'un nouveau lien se suivent sans interblocage.
    utilisateur = Utilisateur.objects.select_for_update().filter(pk=lien.cible_id).first()
    if utilisateur is None:
        raise LienInconnu()
    # L'état du lien d'abord (« déjà utilisé » en dit plus), puis celui du compte.
    lien_controler(LienSecurise.objects.get(pk=lien.pk))
    deja_faite = activation_deja_faite(utilisateur=utilisateur)
    if deja_faite is not None:
        raise deja_faite
    lien_utiliser(lien=lien)
    utilisateur.set_password(mot_de_passe)
    utilisateur.save(update_fields=["password"])
    journaliser(
        action="mot_de_passe_defini",
        collectivite=lien.collectivite,
        par=utilisateur,
        objet=utilisateur,
        sujet=utilisateur,
        details={"lien": lien.pk},
    )
    return utilisateur


def activation_envoyer(
    *, utilisateur: Utilisateur, collectivite: Collectivite, par: Utilisateur | None
) -> EnvoiActivation:
    """Vérifie qu'on peut écrire à la personne, enregistre l'envoi (`EnvoiActivation`, « en
    attente ») et le met en file après le commit : `mail_activation_envoyer_task` l'envoie
    par le chemin des envois en nombre (`core.mail.lots`), qui gère nouveaux essais, échecs et
    envois incertains.

    Le lien est créé par la tâche elle-même (`activation_preparer`) : le jeton en clair ne
    passe jamais par le broker (seuls des identifiants y transitent). Chaque essai émet un
    nouveau lien, qui révoque le précédent (le dernier émis gagne). Lève `ValueError` si le
    compte n'a pas d'adresse.
    """

    # Import tardif : core.tasks importe ce module (la tâche appelle `activation_preparer`).
    from core.tasks import mail_activation_envoyer_task

    if not utilisateur.email:
        raise ValueError("Ce compte n'a pas d'adresse de courriel.")
    if utilisateur.pk is None or collectivite.pk is None:
        raise ValueError("La personne et la collectivité doivent être enregistrées.")
    envoi = EnvoiActivation.objects.create(
        collectivite=collectivite,
        utilisateur=utilisateur,
        par=par if par is not None and par.pk is not None else None,
    )
    # Après le commit si l'appel est dans une transaction : pas de courriel pour une personne
    # que la transaction aurait annulée. Broker indisponible : le balayage le remettra en file.
    lot_mettre_en_file(ids=[envoi.pk], tache=mail_activation_envoyer_task)
    return envoi


def activation_preparer(envoi: EnvoiActivation) -> MessagePrepare:
    """Le courriel d'un `EnvoiActivation`, appelé par `core.mail.lots` dans la tâche.

    Crée le lien d'activation (7 jours, usage unique, identité vérifiée sur la date de
    naissance quand le compte en a une), validé (commit) avant l'envoi. Rien n'est créé ni
    envoyé (`EnvoiSansObjet`) si le compte n'a plus d'adresse, est désactivé ou a déjà un mot
    de passe : la personne a pu l'activer par un lien renvoyé entre deux essais.
    """

    utilisateur = Utilisateur.objects.filter(pk=envoi.utilisateur_id).first()
    if utilisateur is None or not utilisateur.email:
        raise EnvoiSansObjet("Ce compte n'a pas d'adresse de courriel : lien non envoyé.")
    if not utilisateur.is_active:
        raise EnvoiSansObjet("Ce compte est désactivé : lien non envoyé.")
    if utilisateur.has_usable_password():
        # Un nouveau lien révoquerait celui qui a peut-être servi, pour rien.
        raise EnvoiSansObjet("Ce compte est déjà activé : lien non envoyé.")
    collectivite = envoi.collectivite
    # `lien_creer` est atomique : hors transaction (tâche), le lien est validé ici.
    lien, jeton = lien_creer(
        collectivite=collectivite,
        objectif=OBJECTIF_ACTIVATION,
        cible=utilisateur,
        duree=DUREE_ACTIVATION,
        usage_unique=True,
        date_naissance=utilisateur.date_naissance,
        par=envoi.par,
    )
    contexte = {
        "prenom": utilisateur.first_name,
        "nom_complet": utilisateur.get_full_name() or utilisateur.username,
        "identifiant": utilisateur.username,
        "collectivite_nom": collectivite.nom,
        "lien": lien_url_absolue(jeton),
        "expire_le": _jour(lien.expire_le),
        "verification_identite": lien.verification_identite,
    }
    return MessagePrepare.depuis_gabarit(
        gabarit="activation",
        contexte=contexte,
        collectivite=collectivite,
        expediteur=envoi.par,
        destinataires=[utilisateur.email],
    )

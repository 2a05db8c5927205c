"""Journal append-only : une chaîne par collectivité, une pour la plateforme.

Chaque entrée est scellée par HMAC-SHA256 avec la première clé de `ECHARPE_CLES_JOURNAL`
(hors de la base ; l'entrée garde l'empreinte courte de sa clé) et contient le sceau de la
précédente. Sans la clé, le droit d'INSERT sur les entrées et d'UPDATE sur les têtes ne
suffit pas pour fabriquer une entrée valide.

`journaliser` est l'unique point d'écriture. Appelez-le en dernier dans la transaction de
l'action journalisée : il verrouille la tête de chaîne (`select_for_update`) jusqu'au
commit, et un verrou tenu court sérialise sans ralentir.

Une entrée ne se modifie ni ne se supprime par l'ORM (`JournalInalterable`). La protection
qui compte est celle de la base : en production, le rôle PostgreSQL de l'application n'a
que SELECT et INSERT sur `core_entreejournal` (REVOKE UPDATE, DELETE, TRUNCATE : étape de
déploiement décrite dans le README). `journal_verifier` vérifie toutes les lignes de toutes
les chaînes, nomme le premier défaut de chacune, et prouve par un fichier d'ancrage hors de la
base qu'aucune chaîne n'a reculé depuis la vérification précédente.

La personne qui agit est toujours passée explicitement, sous le nom `par`, par le service qui
écrit (jamais devinée d'un contexte de requête).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q, QuerySet, Subquery
from django.db.models.signals import pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone

from core.comptes.models import Role, TypeRole, Utilisateur
from core.delais.models import Delai
from core.documents.csv import iter_csv
from core.journal.lecture import (
    LIBELLES_DETAILS_CORE,
    decrire_lien,
    decrire_objet,
    nom_personne,
)
from core.journal.models import ChaineJournal, EntreeJournal, JournalInalterable
from core.liens.models import LienSecurise
from core.mail.models import CompteSMTP
from core.registry import registre
from core.templatetags.echarpe import date_fr, pluriel
from core.tenancy.models import Collectivite
from core.travaux.models import Travail

if TYPE_CHECKING:
    from core.travaux.services import Suivi

HASH_INITIAL = "0" * 64


# --- Clés de scellement -------------------------------------------------------------------


class CleJournalAbsente(ImproperlyConfigured):
    def __init__(self) -> None:
        super().__init__(
            "Aucune clé de journal (ECHARPE_CLES_JOURNAL) n'est configurée : le journal ne peut "
            "pas sceller ses entrées."
        )


def empreinte_cle(cle: str) -> str:
    """Identifiant court et public d'une clé : il dit quelle clé a scellé une entrée sans rien
    révéler de la clé (SHA-256 d'une clé de haute entropie, tronqué)."""
    return hashlib.sha256(b"echarpe-journal-empreinte:" + cle.encode()).hexdigest()[:12]


def cles_journal() -> dict[str, bytes]:
    """Les clés de `ECHARPE_CLES_JOURNAL` par empreinte, la première (celle qui scelle) en tête."""
    return {empreinte_cle(c): c.encode() for c in settings.ECHARPE_CLES_JOURNAL if c}


def _cle_de_scellement() -> tuple[str, bytes]:
    cles = cles_journal()
    if not cles:
        raise CleJournalAbsente()
    return next(iter(cles.items()))


def _reference(obj: Any) -> tuple[str, str, str]:
    if obj is None:
        return "", "", ""
    if isinstance(obj, models.Model):
        return obj._meta.label_lower, str(obj.pk), decrire_objet(obj)[:300]
    raise TypeError("Objet journalisé : une instance de modèle est attendue.")


def _contenu(
    *,
    hash_precedent: str,
    numero: int,
    collectivite_id: int | None,
    horodatage: datetime,
    acteur_id: int | None,
    acteur_libelle: str,
    action: str,
    objet_type: str,
    objet_id: str,
    objet_libelle: str,
    sujet_type: str,
    sujet_id: str,
    sujet_libelle: str,
    details: dict[str, Any],
    cle: str = "",
) -> bytes:
    """Sérialisation canonique d'une entrée et du lien vers la précédente."""
    donnees: dict[str, Any] = {
        "precedent": hash_precedent,
        "numero": numero,
        "collectivite": collectivite_id,
        "horodatage": horodatage.astimezone(UTC).isoformat(timespec="microseconds"),
        "acteur": acteur_id,
        "acteur_libelle": acteur_libelle,
        "action": action,
        "objet": [objet_type, objet_id, objet_libelle],
        "sujet": [sujet_type, sujet_id, sujet_libelle],
        "details": details,
    }
    if cle:
        # L'empreinte de la clé est scellée aussi : on ne fait pas passer une entrée pour
        # ancienne (non scellée) ni pour scellée par une autre clé.
        donnees["cle"] = cle
    return json.dumps(
        donnees, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode("utf-8")


def calculer_hash(**champs: Any) -> str:
    """SHA-256 simple, sans clé : seulement pour les entrées d'avant les clés."""
    return hashlib.sha256(_contenu(**champs)).hexdigest()


def calculer_sceau(*, cle: bytes, empreinte: str, **champs: Any) -> str:
    """HMAC-SHA256 de l'entrée : sans la clé, personne ne fabrique un sceau valide."""
    return hmac.new(cle, _contenu(cle=empreinte, **champs), hashlib.sha256).hexdigest()


def _champs_scelles(entree: EntreeJournal) -> dict[str, Any]:
    return {
        "hash_precedent": entree.hash_precedent,
        "numero": entree.numero,
        "collectivite_id": entree.collectivite_id,
        "horodatage": entree.horodatage,
        "acteur_id": entree.acteur_id,
        "acteur_libelle": entree.acteur_libelle,
        "action": entree.action,
        "objet_type": entree.objet_type,
        "objet_id": entree.objet_id,
        "objet_libelle": entree.objet_libelle,
        "sujet_type": entree.sujet_type,
        "sujet_id": entree.sujet_id,
        "sujet_libelle": entree.sujet_libelle,
        "details": entree.details,
    }


def hash_entree(entree: EntreeJournal, cles: dict[str, bytes] | None = None) -> str | None:
    """Le sceau attendu de l'entrée (ou son SHA-256 si elle est d'avant les clés) ; None si la
    clé qui l'a scellée n'est plus dans `ECHARPE_CLES_JOURNAL`."""
    champs = _champs_scelles(entree)
    if not entree.cle:
        return calculer_hash(**champs)
    cle = (cles if cles is not None else cles_journal()).get(entree.cle)
    if cle is None:
        return None
    return calculer_sceau(cle=cle, empreinte=entree.cle, **champs)


def _chaine_verrouillee(collectivite: Collectivite | None) -> ChaineJournal:
    filtre: dict[str, Any] = (
        {"collectivite": collectivite, "plateforme": False}
        if collectivite is not None
        else {"collectivite": None, "plateforme": True}
    )
    try:
        return ChaineJournal.objects.select_for_update().get(**filtre)
    except ChaineJournal.DoesNotExist:
        try:
            with transaction.atomic():
                ChaineJournal.objects.create(**filtre)
        except IntegrityError:
            pass  # créée entre-temps par un autre écrivain
        return ChaineJournal.objects.select_for_update().get(**filtre)


@dataclass(frozen=True)
class ElementJournal:
    """Une action à journaliser dans un lot (`journaliser_lot`)."""

    action: str
    objet: Any = None
    sujet: Any = None
    details: dict[str, Any] | None = None


def _champs(element: ElementJournal, *, acteur_libelle: str) -> dict[str, Any]:
    objet_type, objet_id, objet_libelle = _reference(element.objet)
    sujet_type, sujet_id, sujet_libelle = _reference(element.sujet)
    return {
        "acteur_libelle": acteur_libelle,
        "action": element.action,
        "objet_type": objet_type,
        "objet_id": objet_id,
        "objet_libelle": objet_libelle,
        "sujet_type": sujet_type,
        "sujet_id": sujet_id,
        "sujet_libelle": sujet_libelle,
        "details": json.loads(json.dumps(element.details or {}, default=str)),
    }


def journaliser_lot(
    *,
    collectivite: Collectivite | None,
    par: Utilisateur | None = None,
    elements: Iterable[ElementJournal],
) -> list[EntreeJournal]:
    """Ajoute plusieurs entrées sous un seul verrou et une seule mise à jour de la tête.

    Pour les traitements de masse (imports) : mettre à jour la tête de chaîne à chaque entrée
    dans une même transaction allonge la chaîne de versions de cette ligne dans PostgreSQL et
    rend chaque ajout plus lent que le précédent.
    """
    acteur_id = par.pk if par is not None and par.pk else None
    acteur_libelle = str(par)[:300] if acteur_id else ""
    preparees = [_champs(e, acteur_libelle=acteur_libelle) for e in elements]
    if not preparees:
        return []
    empreinte, cle = _cle_de_scellement()
    with transaction.atomic():
        chaine = _chaine_verrouillee(collectivite)
        horodatage = timezone.now()
        precedent = chaine.dernier_hash
        numero = chaine.dernier_numero
        entrees = []
        for champs in preparees:
            numero += 1
            champs.update(numero=numero, horodatage=horodatage)
            sceau = calculer_sceau(
                cle=cle,
                empreinte=empreinte,
                hash_precedent=precedent,
                collectivite_id=collectivite.pk if collectivite else None,
                acteur_id=acteur_id,
                **champs,
            )
            entrees.append(
                EntreeJournal(
                    chaine=chaine,
                    collectivite=collectivite,
                    acteur_id=acteur_id,
                    hash_precedent=precedent,
                    hash=sceau,
                    cle=empreinte,
                    **champs,
                )
            )
            precedent = sceau
        EntreeJournal.objects.bulk_create(entrees, batch_size=1000)
        chaine.dernier_numero = numero
        chaine.dernier_hash = precedent
        chaine.save(update_fields=["dernier_numero", "dernier_hash"])
    return entrees


def journaliser(
    *,
    action: str,
    collectivite: Collectivite | None,
    par: Utilisateur | None = None,
    objet: Any = None,
    sujet: Any = None,
    details: dict[str, Any] | None = None,
) -> EntreeJournal:
    """Ajoute une entrée. `collectivite=None` écrit dans la chaîne de la plateforme.

    `objet` est la ligne touchée, `sujet` la personne ou le dossier qu'elle concerne
    (l'électeur, la séance, le télédossier) ; la chronologie d'un sujet est une requête
    indexée sur (`sujet_type`, `sujet_id`). Pour des milliers d'entrées dans une même
    transaction, utilisez `journaliser_lot`.
    """
    (entree,) = journaliser_lot(
        collectivite=collectivite,
        par=par,
        elements=[ElementJournal(action=action, objet=objet, sujet=sujet, details=details)],
    )
    return entree


# --- Actions du socle et lecture en français ----------------------------------------------


class ActionCore(models.TextChoices):
    """Les actions que le socle journalise ; chaque application déclare les siennes ainsi et
    les enregistre par `registre.ajouter_actions`."""

    CONNEXION = "connexion", "Connexion"
    CONNEXION_ECHEC = "connexion_echec", "Échec de connexion"
    DECONNEXION = "deconnexion", "Déconnexion"
    AGENT_AJOUTE = "agent_ajoute", "Agent ajouté"
    ROLE_MODIFIE = "role_modifie", "Rôle modifié"
    ROLE_RETIRE = "role_retire", "Accès retiré"
    ROLE_RETABLI = "role_retabli", "Accès rétabli"
    INVITATION_ENVOYEE = "invitation_envoyee", "Invitation envoyée"
    INVITATION_ACCEPTEE = "invitation_acceptee", "Invitation acceptée"
    INVITATION_REFUSEE = "invitation_refusee", "Invitation refusée"
    INVITATION_ANNULEE = "invitation_annulee", "Invitation annulée"
    COMPTE_SMTP_ENREGISTRE = "compte_smtp_enregistre", "Compte d'envoi enregistré"
    COMPTE_SMTP_TESTE = "compte_smtp_teste", "Connexion SMTP testée"
    DELAI_SURCHARGE = "delai_surcharge", "Délai local enregistré"
    DELAI_MODIFIE = "delai_modifie", "Délai modifié"
    DELAI_SUPPRIME = "delai_supprime", "Délai supprimé"
    TRAVAIL_RELANCE = "travail_relance", "Travail relancé"
    LIEN_CREE = "lien_cree", "Lien sécurisé créé"
    LIENS_CREES = "liens_crees", "Liens sécurisés créés (envoi en nombre)"
    LIEN_REVOQUE = "lien_revoque", "Lien sécurisé révoqué"
    LIEN_IDENTITE_VERIFIEE = "lien_identite_verifiee", "Identité vérifiée sur un lien sécurisé"
    LIEN_VERROUILLE = "lien_verrouille", "Lien sécurisé bloqué après trop d'essais"
    IDENTITE_DEBLOQUEE = "identite_debloquee", "Essais d'identification rendus"
    MOT_DE_PASSE_DEFINI = "mot_de_passe_defini", "Mot de passe défini"
    PERSONNEL_MODIFIE = "personnel_modifie", "Compte de la plateforme modifié"
    JOURNAL_EXPORTE = "journal_exporte", "Journal exporté"
    JOURNAL_SCELLE = "journal_scelle", "Journal scellé par une clé"
    COLLECTIVITE_MODIFIEE = "collectivite_modifiee", "Fiche de la collectivité modifiée"
    COLLECTIVITE_CREEE = "collectivite_creee", "Collectivité créée"
    DEMO_CHARGEE = "demo_chargee", "Données de démonstration chargées"
    MESSAGE_REBONDI = "message_rebondi", "Courriel revenu en erreur (non distribué)"


def enregistrer_journal_core() -> None:
    """À appeler depuis `CoreConfig.ready()` : actions, détails et objets du socle."""
    registre.ajouter_actions(ActionCore)
    details = dict(LIBELLES_DETAILS_CORE)
    for modele in (Collectivite, CompteSMTP, Utilisateur, Delai):
        for champ in modele._meta.concrete_fields:
            details.setdefault(champ.name, str(champ.verbose_name))
    registre.ajouter_libelles_details(details)
    registre.ajouter_libelles_valeurs(
        {
            **{str(r.value): str(r.label).lower() for r in TypeRole},
            "activation": "activation",
            "inconnu": "inconnu",
        }
    )
    registre.ajouter_description_journal(
        Utilisateur._meta.label_lower, lambda u: f"le compte de {nom_personne(u)}"
    )
    registre.ajouter_description_journal(
        Collectivite._meta.label_lower, lambda c: f"la collectivité {c.nom}"
    )
    registre.ajouter_description_journal(
        Role._meta.label_lower,
        lambda r: f"le rôle de {nom_personne(r.utilisateur)} ({r.get_role_display().lower()})",
    )
    registre.ajouter_description_journal(
        CompteSMTP._meta.label_lower,
        lambda c: (
            f"le compte d'envoi de {nom_personne(c.utilisateur)}"
            if c.utilisateur_id
            else f"le compte d'envoi de {c.collectivite.nom}"
        ),
    )
    registre.ajouter_description_journal(
        Travail._meta.label_lower, lambda t: f"le travail « {t.libelle} »"
    )
    registre.ajouter_description_journal(
        Delai._meta.label_lower, lambda d: f"le délai « {d.libelle} »"
    )
    registre.ajouter_description_journal(LienSecurise._meta.label_lower, decrire_lien)


# --- Ajout seul ---------------------------------------------------------------------------


# JournalInalterable vient de core.models (le QuerySet du modèle la lève aussi).


@receiver(pre_save, sender=EntreeJournal, dispatch_uid="journal_sans_modification")
def _refuser_modification(sender: Any, instance: EntreeJournal, **kwargs: Any) -> None:
    if not instance._state.adding:
        raise JournalInalterable()


# Un écouteur `pre_delete` interdit aussi la suppression « rapide » d'un QuerySet : Django
# envoie alors le signal pour chaque ligne avant de supprimer quoi que ce soit.
@receiver(pre_delete, sender=EntreeJournal, dispatch_uid="journal_sans_suppression")
def _refuser_suppression(sender: Any, instance: EntreeJournal, **kwargs: Any) -> None:
    raise JournalInalterable()


# --- Vérification des chaînes -------------------------------------------------------------

TAILLE_LOT_VERIFICATION = 2000
logger = logging.getLogger(__name__)


def _identifiant_chaine(chaine: ChaineJournal) -> str:
    """Nom stable d'une chaîne dans le fichier d'ancrage (la collectivité, pas la ligne)."""
    return "plateforme" if chaine.plateforme else f"collectivite-{chaine.collectivite_id}"


def _libelle_chaine(chaine: ChaineJournal | None) -> str:
    if chaine is None:
        return "Chaîne inexistante"
    if chaine.plateforme or chaine.collectivite is None:
        return "Chaîne de la plateforme"
    return f"Chaîne de {chaine.collectivite.nom}"


@dataclass(frozen=True)
class Alteration:
    """Un défaut trouvé ; `numero` est l'entrée en cause quand il y en a une."""

    chaine: ChaineJournal | None
    numero: int | None
    raison: str
    horodatage: datetime | None = None
    libelle: str = ""

    @property
    def libelle_chaine(self) -> str:
        return self.libelle or _libelle_chaine(self.chaine)

    def __str__(self) -> str:
        if self.numero is None:
            return f"{self.libelle_chaine} : {self.raison}"
        quand = f" du {timezone.localtime(self.horodatage):%d/%m/%Y}" if self.horodatage else ""
        return f"{self.libelle_chaine} : entrée n° {self.numero}{quand} altérée ({self.raison})"


@dataclass(frozen=True)
class Ancre:
    """Tête d'une chaîne notée hors de la base par une vérification précédente."""

    numero: int
    sceau: str
    libelle: str
    le: str


@dataclass
class RapportVerification:
    chaines: int = 0
    entrees: int = 0
    # Entrées d'avant les clés, vérifiées par leur SHA-256 simple (signalées à part).
    anciennes: int = 0
    alterations: list[Alteration] = field(default_factory=list)
    # Têtes vérifiées intactes, à ancrer : identifiant → (numéro, sceau, libellé).
    tetes: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    ancres_lues: int = 0

    @property
    def integre(self) -> bool:
        return not self.alterations


@dataclass
class _Parcours:
    lues: int = 0
    anciennes: int = 0
    dernier: EntreeJournal | None = None


def _verifier_chaine(
    chaine: ChaineJournal, taille_lot: int, cles: dict[str, bytes], ancre: Ancre | None
) -> tuple[_Parcours, Alteration | None]:
    """Parcourt toutes les lignes de la chaîne par lots (mémoire constante), au-delà de la tête
    s'il y en a, et rend la première altération trouvée."""
    parcours = _Parcours()
    precedent = HASH_INITIAL
    attendu = 1
    scellee = False
    ancre_vue = ancre is None
    curseur = (0, 0)
    tete_relue: int | None = None

    def defaut(entree: EntreeJournal | None, raison: str, numero: int | None = None) -> Alteration:
        return Alteration(
            chaine,
            numero if numero is not None else (entree.numero if entree else None),
            raison,
            entree.horodatage if entree else None,
        )

    while True:
        numero, pk = curseur
        lot = list(
            EntreeJournal.objects.filter(chaine=chaine)
            .filter(Q(numero__gt=numero) | Q(numero=numero, pk__gt=pk))
            .order_by("numero", "pk")[:taille_lot]
        )
        if not lot:
            # Une écriture validée pendant le parcours rend visibles ensemble ses lignes et la
            # tête : si la tête a avancé, on relit une fois les lignes au-delà.
            tete = ChaineJournal.objects.get(pk=chaine.pk)
            if tete.dernier_numero > attendu - 1 and tete.dernier_numero != tete_relue:
                tete_relue = tete.dernier_numero
                continue
            break
        for entree in lot:
            parcours.lues += 1
            curseur = (entree.numero, entree.pk)
            if parcours.dernier is not None and entree.numero == parcours.dernier.numero:
                return parcours, defaut(entree, "entrée en double")
            if entree.numero != attendu:
                return parcours, defaut(None, "entrée manquante", attendu)
            if entree.collectivite_id != chaine.collectivite_id:
                return parcours, defaut(entree, "entrée d'une autre collectivité")
            if entree.cle:
                scellee = True
            elif scellee:
                return parcours, defaut(entree, "entrée sans sceau après une entrée scellée")
            else:
                parcours.anciennes += 1
            attendu_hash = hash_entree(entree, cles)
            if attendu_hash is None:
                return parcours, defaut(
                    entree, f"scellée par une clé inconnue, d'empreinte {entree.cle}"
                )
            if not hmac.compare_digest(attendu_hash, entree.hash):
                return parcours, defaut(
                    entree, "sceau invalide" if entree.cle else "hash différent"
                )
            if entree.hash_precedent != precedent:
                return parcours, defaut(entree, "lien rompu avec l'entrée précédente")
            if ancre is not None and entree.numero == ancre.numero:
                if not hmac.compare_digest(entree.hash, ancre.sceau):
                    return parcours, defaut(
                        entree, f"différente de celle ancrée le {_date_ancre(ancre)}"
                    )
                ancre_vue = True
            precedent = entree.hash
            attendu += 1
            parcours.dernier = entree
    dernier = parcours.dernier
    fin = dernier.numero if dernier else 0
    tete = ChaineJournal.objects.get(pk=chaine.pk)
    if tete.dernier_numero < fin:
        return parcours, defaut(
            None, "entrée au-delà de la tête de chaîne", tete.dernier_numero + 1
        )
    if tete.dernier_numero > fin:
        return parcours, defaut(None, "entrée manquante en fin de chaîne", fin + 1)
    if tete.dernier_hash != precedent:
        return parcours, defaut(dernier, "tête de chaîne différente", fin)
    if parcours.anciennes and not scellee:
        # La migration 0003 scelle chaque chaîne existante : une chaîne faite seulement
        # d'entrées sans sceau a été écrite par quelqu'un qui n'a pas la clé.
        return parcours, defaut(dernier, "aucune entrée scellée ne couvre les entrées anciennes")
    if not ancre_vue and ancre is not None:
        return parcours, Alteration(
            chaine,
            None,
            f"chaîne raccourcie : elle s'arrête à l'entrée n° {fin} alors que la vérification "
            f"du {_date_ancre(ancre)} a ancré l'entrée n° {ancre.numero}",
        )
    return parcours, None


# --- Ancrage hors de la base --------------------------------------------------------------


def _date_ancre(ancre: Ancre) -> str:
    try:
        moment = timezone.localtime(datetime.fromisoformat(ancre.le))
    except ValueError:
        return ancre.le
    return f"{moment:%d/%m/%Y} à {moment.hour} h {moment.minute:02d}"


def _sceau_ligne(cle: bytes, donnees: dict[str, Any]) -> str:
    contenu = json.dumps(donnees, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(cle, b"echarpe-ancre:" + contenu, hashlib.sha256).hexdigest()


def ancres_lire(chemin: Path, cles: dict[str, bytes]) -> tuple[dict[str, Ancre], Alteration | None]:
    """La dernière ancre de chaque chaîne ; une ligne illisible ou mal scellée est un défaut."""
    ancres: dict[str, Ancre] = {}
    if not chemin.exists():
        return ancres, None
    libelle = f"Fichier d'ancrage {chemin}"
    with chemin.open(encoding="utf-8") as fichier:
        for numero_ligne, ligne in enumerate(fichier, start=1):
            if not ligne.strip():
                continue
            try:
                donnees = json.loads(ligne)
                sceau = donnees.pop("sceau")
                cle = cles.get(donnees["cle"])
                chaines = donnees["chaines"]
                le = str(donnees["le"])
            except (ValueError, KeyError, TypeError, AttributeError):
                return ancres, Alteration(
                    None, None, f"ligne {numero_ligne} illisible", libelle=libelle
                )
            if cle is None:
                return ancres, Alteration(
                    None,
                    None,
                    f"ligne {numero_ligne} scellée par une clé inconnue",
                    libelle=libelle,
                )
            if not hmac.compare_digest(_sceau_ligne(cle, donnees), str(sceau)):
                return ancres, Alteration(
                    None, None, f"ligne {numero_ligne} altérée", libelle=libelle
                )
            for identifiant, (numero, sceau_tete, nom) in chaines.items():
                ancres[identifiant] = Ancre(int(numero), str(sceau_tete), str(nom), le)
    return ancres, None


def ancres_ecrire(chemin: Path, tetes: dict[str, tuple[int, str, str]]) -> None:
    """Ajoute une ligne scellée au fichier d'ancrage (ouvert en ajout seul) et la journalise."""
    if not tetes:
        return
    empreinte, cle = _cle_de_scellement()
    donnees: dict[str, Any] = {
        "le": timezone.now().isoformat(timespec="seconds"),
        "cle": empreinte,
        "chaines": {k: list(v) for k, v in sorted(tetes.items())},
    }
    ligne = json.dumps({**donnees, "sceau": _sceau_ligne(cle, donnees)}, ensure_ascii=False)
    chemin.parent.mkdir(parents=True, exist_ok=True)
    # Une seule écriture en O_APPEND : une ligne entière, jamais mêlée à une autre.
    descripteur = os.open(chemin, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(descripteur, (ligne + "\n").encode("utf-8"))
        os.fsync(descripteur)
    finally:
        os.close(descripteur)
    for identifiant, (numero, sceau, _nom) in sorted(tetes.items()):
        # Deuxième ancre hors de la base : les journaux du système (sans donnée personnelle).
        logger.info("Ancre du journal : %s n° %s sceau %s", identifiant, numero, sceau)


def journal_verifier_rapport(
    *,
    collectivite: Collectivite | None = None,
    taille_lot: int = TAILLE_LOT_VERIFICATION,
    ancre: Path | None = None,
) -> RapportVerification:
    """Vérifie toutes les chaînes (`collectivite=None`) ou celle d'une collectivité.

    Avec `ancre`, prouve aussi la continuité depuis la dernière vérification ancrée dans ce
    fichier, puis y ajoute les têtes vérifiées intactes (`journal_verifier` le fait).
    """
    cles = cles_journal()
    rapport = RapportVerification()
    ancres: dict[str, Ancre] = {}
    if ancre is not None:
        ancres, defaut = ancres_lire(ancre, cles)
        rapport.ancres_lues = len(ancres)
        if defaut is not None:
            rapport.alterations.append(defaut)
            return rapport
    chaines = ChaineJournal.objects.select_related("collectivite").order_by(
        "-plateforme", "collectivite__nom", "pk"
    )
    if collectivite is not None:
        chaines = chaines.filter(collectivite=collectivite)
    vues: set[str] = set()
    for chaine in chaines.iterator():
        identifiant = _identifiant_chaine(chaine)
        vues.add(identifiant)
        parcours, alteration = _verifier_chaine(chaine, taille_lot, cles, ancres.get(identifiant))
        rapport.chaines += 1
        rapport.entrees += parcours.lues
        rapport.anciennes += parcours.anciennes
        if alteration is not None:
            rapport.alterations.append(alteration)
        elif parcours.dernier is not None:
            rapport.tetes[identifiant] = (
                parcours.dernier.numero,
                parcours.dernier.hash,
                _libelle_chaine(chaine),
            )
    if collectivite is None:
        for identifiant, disparue in sorted(ancres.items()):
            if identifiant not in vues:
                rapport.alterations.append(
                    Alteration(
                        None,
                        None,
                        f"chaîne disparue : la vérification du {_date_ancre(disparue)} avait "
                        f"ancré son entrée n° {disparue.numero}",
                        libelle=disparue.libelle,
                    )
                )
        orpheline = (
            EntreeJournal.objects.exclude(chaine_id__in=ChaineJournal.objects.values("pk"))
            .order_by("pk")
            .first()
        )
        if orpheline is not None:
            rapport.alterations.append(
                Alteration(
                    None,
                    orpheline.numero,
                    "rattachée à une chaîne qui n'existe pas",
                    orpheline.horodatage,
                )
            )
    if ancre is not None:
        ancres_ecrire(ancre, rapport.tetes)
    return rapport


def journal_verifier(*, collectivite: Collectivite | None = None) -> list[Alteration]:
    """La première altération de chaque chaîne ; une liste vide si tout est intègre."""
    return journal_verifier_rapport(collectivite=collectivite).alterations


# --- Lecture et export --------------------------------------------------------------------


def journal_entrees(
    *,
    collectivite: Collectivite | None,
    acteur: Utilisateur | int | None = None,
    action: str = "",
    texte: str = "",
    objet_type: str = "",
    objet_id: str = "",
    du: date | None = None,
    au: date | None = None,
    tete: int | None = None,
) -> QuerySet[EntreeJournal]:
    """Les entrées de la chaîne d'une collectivité, filtrées ; jamais celles de la plateforme.

    `objet_type`/`objet_id` retiennent les entrées où la ligne est l'objet ou le sujet ;
    `texte` cherche dans les libellés d'objet et de sujet ; `du`/`au` sont inclusifs.
    `tete` (lue par `journal_tete`) borne les entrées à celles que couvrait la tête à ce
    moment ; sans elle, la tête est relue par la requête même.
    """
    if collectivite is None:
        return EntreeJournal.objects.none()
    entrees: QuerySet[EntreeJournal] = EntreeJournal.objects.filter(collectivite=collectivite)
    if tete is not None:
        entrees = entrees.filter(numero__lte=tete)
    else:
        entrees = _couvertes_par_la_tete(entrees, collectivite=collectivite)
    if acteur is not None:
        entrees = entrees.filter(acteur=acteur)
    if action:
        entrees = entrees.filter(action=action)
    if texte:
        entrees = entrees.filter(
            Q(objet_libelle__icontains=texte) | Q(sujet_libelle__icontains=texte)
        )
    if objet_type and objet_id:
        entrees = entrees.filter(
            Q(objet_type=objet_type, objet_id=objet_id)
            | Q(sujet_type=objet_type, sujet_id=objet_id)
        )
    # Une borne qui ne se représente pas (avant l'an 1, après 9999 une fois en UTC) ne filtre
    # rien : toutes les entrées sont après un tel début et avant une telle fin.
    if du is not None and (debut := _debut_du_jour(du)) is not None:
        entrees = entrees.filter(horodatage__gte=debut)
    if au is not None and (fin := _debut_du_jour(au, decalage=1)) is not None:
        entrees = entrees.filter(horodatage__lt=fin)
    return entrees.order_by("-horodatage", "-numero")


def journal_tete(*, collectivite: Collectivite) -> int:
    """Le numéro de la dernière entrée de la chaîne de `collectivite` (0 : journal vide). Il ne
    fait que croître, et une entrée écrite ne change plus : une page du journal calculée pour
    une tête reste juste tant que la tête n'a pas bougé (`JournalView.cle_page_gardee`).
    Lue à chaque affichage du journal : une ligne par sa clé unique, en SQL direct (l'ORM
    coûtait trois fois la requête elle-même)."""
    table = connection.ops.quote_name(ChaineJournal._meta.db_table)
    with connection.cursor() as curseur:
        curseur.execute(
            f"SELECT dernier_numero FROM {table} WHERE collectivite_id = %s",  # noqa: S608
            [collectivite.pk],
        )
        ligne = curseur.fetchone()
    return int(ligne[0]) if ligne else 0


def _couvertes_par_la_tete(
    entrees: QuerySet[EntreeJournal], *, collectivite: Collectivite
) -> QuerySet[EntreeJournal]:
    """Sans les lignes au-delà de la tête de la chaîne de `collectivite` : une ligne glissée en
    base par INSERT, sans mise à jour de la tête, n'apparaît nulle part (journal_verifier la
    nomme). `entrees` ne contient que des lignes de cette collectivité."""
    # La tête est lue une fois (sous-requête non corrélée), ni rejouée pour chaque ligne comptée
    # ni jointe : `collectivite = … AND numero <= tête` se lit sur l'index
    # `journal_collectivite_numero` seul, et le total de la page du journal ne lit pas la table.
    tete = ChaineJournal.objects.filter(collectivite=collectivite, plateforme=False).values(
        "dernier_numero"
    )[:1]
    return entrees.filter(numero__lte=Subquery(tete))


def journal_chronologie(
    *, sujet: models.Model, collectivite: Collectivite | None = None
) -> QuerySet[EntreeJournal]:
    """Les entrées qui nomment `sujet` (comme sujet ou comme objet), la plus récente d'abord,
    avec leur auteur, en une requête sur les index `journal_sujet` et `journal_objet`.

    Seulement celles d'une collectivité : `collectivite`, sinon celle du sujet (sa propre
    ligne pour une collectivité, son champ `collectivite` pour une ligne métier). Une personne
    appartient à plusieurs collectivités : pour elle, `collectivite` est obligatoire.
    """
    if collectivite is None:
        if isinstance(sujet, Collectivite):
            collectivite = sujet
        else:
            collectivite = getattr(sujet, "collectivite", None)
    if collectivite is None:
        raise ValueError("Chronologie : précisez la collectivité dont on lit le journal.")
    type_sujet, id_sujet = sujet._meta.label_lower, str(sujet.pk)
    return (
        _couvertes_par_la_tete(
            EntreeJournal.objects.filter(collectivite=collectivite), collectivite=collectivite
        )
        .filter(
            Q(sujet_type=type_sujet, sujet_id=id_sujet)
            | Q(objet_type=type_sujet, objet_id=id_sujet),
        )
        .select_related("acteur")
        .order_by("-horodatage", "-numero")
    )


def _debut_du_jour(jour: date, *, decalage: int = 0) -> datetime | None:
    """Minuit (heure locale) du jour `jour + decalage` ; None s'il sort des dates possibles."""
    try:
        debut = timezone.make_aware(datetime.combine(jour + timedelta(days=decalage), time.min))
        debut.astimezone(UTC)  # ce que fera la base : déborde près de date.min et date.max
    except OverflowError:
        return None
    return debut


def filtres_vers_parametres(filtres: dict[str, Any]) -> dict[str, Any]:
    """Filtres de `journal_entrees` → paramètres JSON d'un travail d'export."""
    acteur = filtres.get("acteur")
    return {
        "acteur": getattr(acteur, "pk", acteur),
        "action": filtres.get("action") or "",
        "texte": filtres.get("texte") or "",
        "objet_type": filtres.get("objet_type") or "",
        "objet_id": filtres.get("objet_id") or "",
        "du": filtres["du"].isoformat() if filtres.get("du") else None,
        "au": filtres["au"].isoformat() if filtres.get("au") else None,
    }


def parametres_vers_filtres(parametres: dict[str, Any]) -> dict[str, Any]:
    return {
        "acteur": parametres.get("acteur"),
        "action": parametres.get("action", ""),
        "texte": parametres.get("texte", ""),
        "objet_type": parametres.get("objet_type", ""),
        "objet_id": parametres.get("objet_id", ""),
        "du": date.fromisoformat(parametres["du"]) if parametres.get("du") else None,
        "au": date.fromisoformat(parametres["au"]) if parametres.get("au") else None,
    }


ENTETES_EXPORT = [
    "N°",
    "Date",
    "Auteur",
    "Action",
    "Objet",
    "Sujet",
    "Détails",
    "Sceau (HMAC-SHA256)",
]
TAILLE_LOT_EXPORT = 1000


def _ligne_export(entree: EntreeJournal) -> list[object]:
    return [
        entree.numero,
        date_fr(entree.horodatage),
        entree.acteur_libelle or "Système",
        entree.libelle_action,
        entree.objet_libelle,
        entree.sujet_libelle,
        entree.details_lisibles,
        entree.hash,
    ]


def journal_exporter(*, suivi: Suivi) -> None:
    """Écrit le CSV des entrées filtrées d'un travail `journal_export` (lots par id)."""
    travail = suivi.travail
    entrees = journal_entrees(
        collectivite=travail.collectivite, **parametres_vers_filtres(travail.parametres)
    )
    suivi.definir_total(entrees.count())
    lignes_ecrites = 0

    def lignes() -> Iterator[list[object]]:
        nonlocal lignes_ecrites
        dernier = 0
        while True:
            lot = list(entrees.filter(pk__gt=dernier).order_by("pk")[:TAILLE_LOT_EXPORT])
            if not lot:
                return
            for entree in lot:
                yield _ligne_export(entree)
            dernier = lot[-1].pk
            lignes_ecrites += len(lot)
            suivi.avancer(
                len(lot), message=pluriel(lignes_ecrites, "entrée exportée", "entrées exportées")
            )

    nom = f"journal-{travail.collectivite.slug}-{timezone.localdate():%Y-%m-%d}.csv"
    with tempfile.TemporaryDirectory(prefix="echarpe-export-") as dossier:
        chemin = Path(dossier) / nom
        with chemin.open("wb") as sortie:
            sortie.writelines(iter_csv(lignes(), entetes=ENTETES_EXPORT))
        with transaction.atomic():
            suivi.terminer(
                nom, chemin, message=pluriel(lignes_ecrites, "entrée exportée", "entrées exportées")
            )
            journaliser(
                action="journal_exporte",
                collectivite=travail.collectivite,
                par=travail.demandeur,
                objet=travail,
                details={"entrees": lignes_ecrites, "filtres": travail.parametres},
            )

"""Journal append-only : une chaîne de hachage par collectivité, une pour la plateforme.

`journaliser` est l'unique point d'écriture. Appelez-le en dernier dans la transaction de
l'action journalisée : il verrouille la tête de chaîne (`select_for_update`) jusqu'au
commit, et un verrou tenu court sérialise sans ralentir.

Une entrée ne se modifie ni ne se supprime par l'ORM (`JournalInalterable`). La protection
qui compte est celle de la base : en production, le rôle PostgreSQL de l'application n'a
que SELECT et INSERT sur `core_entreejournal` (REVOKE UPDATE, DELETE, TRUNCATE : étape de
déploiement décrite dans le README). `journal_verifier` recalcule les chaînes et nomme la
première entrée altérée de chacune.

L'auteur d'une action journalisée par un signal (rôles, personnel) est lu dans
`acteur_courant`, que `ActeurCourantMiddleware` renseigne pour chaque requête et que
`acteur_defini` renseigne pour une tâche ou une commande.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, models, transaction
from django.db.models import Q, QuerySet
from django.db.models.signals import pre_delete, pre_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from core.documents.csv import iter_csv
from core.models import (
    ChaineJournal,
    Collectivite,
    EntreeJournal,
    JournalInalterable,
    Utilisateur,
)
from core.registry import registre
from core.templatetags.echarpe import pluriel

if TYPE_CHECKING:
    from core.travaux import Suivi

HASH_INITIAL = "0" * 64


def _reference(obj: Any) -> tuple[str, str, str]:
    if obj is None:
        return "", "", ""
    if isinstance(obj, models.Model):
        return obj._meta.label_lower, str(obj.pk), str(obj)[:300]
    raise TypeError("Objet journalisé : une instance de modèle est attendue.")


def calculer_hash(
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
) -> str:
    """SHA-256 d'une sérialisation canonique de l'entrée et du hash précédent."""
    contenu = json.dumps(
        {
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
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(contenu.encode("utf-8")).hexdigest()


def hash_entree(entree: EntreeJournal) -> str:
    return calculer_hash(
        hash_precedent=entree.hash_precedent,
        numero=entree.numero,
        collectivite_id=entree.collectivite_id,
        horodatage=entree.horodatage,
        acteur_id=entree.acteur_id,
        acteur_libelle=entree.acteur_libelle,
        action=entree.action,
        objet_type=entree.objet_type,
        objet_id=entree.objet_id,
        objet_libelle=entree.objet_libelle,
        sujet_type=entree.sujet_type,
        sujet_id=entree.sujet_id,
        sujet_libelle=entree.sujet_libelle,
        details=entree.details,
    )


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
    acteur: Utilisateur | None = None,
    elements: Iterable[ElementJournal],
) -> list[EntreeJournal]:
    """Ajoute plusieurs entrées sous un seul verrou et une seule mise à jour de la tête.

    Pour les traitements de masse (imports) : mettre à jour la tête de chaîne à chaque entrée
    dans une même transaction allonge la chaîne de versions de cette ligne dans PostgreSQL et
    rend chaque ajout plus lent que le précédent.
    """
    acteur_id = acteur.pk if acteur is not None and acteur.pk else None
    acteur_libelle = str(acteur)[:300] if acteur_id else ""
    preparees = [_champs(e, acteur_libelle=acteur_libelle) for e in elements]
    if not preparees:
        return []
    with transaction.atomic():
        chaine = _chaine_verrouillee(collectivite)
        horodatage = timezone.now()
        precedent = chaine.dernier_hash
        numero = chaine.dernier_numero
        entrees = []
        for champs in preparees:
            numero += 1
            champs.update(numero=numero, horodatage=horodatage)
            empreinte = calculer_hash(
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
                    hash=empreinte,
                    **champs,
                )
            )
            precedent = empreinte
        EntreeJournal.objects.bulk_create(entrees, batch_size=1000)
        chaine.dernier_numero = numero
        chaine.dernier_hash = precedent
        chaine.save(update_fields=["dernier_numero", "dernier_hash"])
    return entrees


def journaliser(
    *,
    action: str,
    collectivite: Collectivite | None,
    acteur: Utilisateur | None = None,
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
        acteur=acteur,
        elements=[ElementJournal(action=action, objet=objet, sujet=sujet, details=details)],
    )
    return entree


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


# --- Auteur des actions journalisées par signal -------------------------------------------

# L'utilisateur de la requête (éventuellement anonyme, éventuellement paresseux) ou celui
# qu'une tâche a déclaré ; lire par `acteur_du_contexte()`.
acteur_courant: ContextVar[Any] = ContextVar("echarpe_acteur_courant", default=None)


def acteur_du_contexte() -> Utilisateur | None:
    acteur = acteur_courant.get()
    if acteur is None or not getattr(acteur, "is_authenticated", False):
        return None
    return acteur  # type: ignore[no-any-return]


@contextmanager
def acteur_defini(acteur: Utilisateur | None) -> Iterator[None]:
    """Déclare l'auteur des actions faites dans le bloc (tâche, commande, test)."""
    jeton = acteur_courant.set(acteur)
    try:
        yield
    finally:
        acteur_courant.reset(jeton)


class ActeurCourantMiddleware:
    """Place l'utilisateur de la requête dans `acteur_courant` (après l'authentification)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with acteur_defini(getattr(request, "user", None)):
            return self.get_response(request)


# --- Vérification des chaînes -------------------------------------------------------------

TAILLE_LOT_VERIFICATION = 2000


@dataclass(frozen=True)
class Alteration:
    chaine: ChaineJournal
    numero: int
    raison: str
    horodatage: datetime | None = None

    @property
    def libelle_chaine(self) -> str:
        if self.chaine.plateforme or self.chaine.collectivite is None:
            return "Chaîne de la plateforme"
        return f"Chaîne de {self.chaine.collectivite.nom}"

    def __str__(self) -> str:
        quand = f" du {timezone.localtime(self.horodatage):%d/%m/%Y}" if self.horodatage else ""
        return f"{self.libelle_chaine} : entrée n° {self.numero}{quand} altérée ({self.raison})"


@dataclass
class RapportVerification:
    chaines: int = 0
    entrees: int = 0
    alterations: list[Alteration] = field(default_factory=list)

    @property
    def integre(self) -> bool:
        return not self.alterations


def _verifier_chaine(chaine: ChaineJournal, taille_lot: int) -> tuple[int, Alteration | None]:
    """Parcourt une chaîne par lots de numéros (mémoire constante) ; rend le nombre d'entrées
    lues et la première altération trouvée."""
    # Les entrées ajoutées pendant la vérification (au-delà de la tête lue ici) sont ignorées.
    fin = chaine.dernier_numero
    precedent = HASH_INITIAL
    dernier = 0
    lues = 0
    while dernier < fin:
        lot = list(
            EntreeJournal.objects.filter(
                chaine=chaine, numero__gt=dernier, numero__lte=fin
            ).order_by("numero")[:taille_lot]
        )
        if not lot:
            break
        for entree in lot:
            lues += 1
            if entree.numero != dernier + 1:
                return lues, Alteration(chaine, dernier + 1, "entrée manquante")
            if hash_entree(entree) != entree.hash:
                return lues, Alteration(chaine, entree.numero, "hash différent", entree.horodatage)
            if entree.hash_precedent != precedent:
                return lues, Alteration(
                    chaine, entree.numero, "lien rompu avec l'entrée précédente", entree.horodatage
                )
            precedent = entree.hash
            dernier = entree.numero
    if dernier < fin:
        return lues, Alteration(chaine, dernier + 1, "entrée manquante en fin de chaîne")
    if chaine.dernier_hash != precedent:
        return lues, Alteration(chaine, fin, "tête de chaîne différente")
    return lues, None


def journal_verifier_rapport(
    *, collectivite: Collectivite | None = None, taille_lot: int = TAILLE_LOT_VERIFICATION
) -> RapportVerification:
    """Vérifie toutes les chaînes (`collectivite=None`) ou celle d'une collectivité."""
    chaines = ChaineJournal.objects.select_related("collectivite").order_by(
        "-plateforme", "collectivite__nom", "pk"
    )
    if collectivite is not None:
        chaines = chaines.filter(collectivite=collectivite)
    rapport = RapportVerification()
    for chaine in chaines.iterator():
        lues, alteration = _verifier_chaine(chaine, taille_lot)
        rapport.chaines += 1
        rapport.entrees += lues
        if alteration is not None:
            rapport.alterations.append(alteration)
    return rapport


def journal_verifier(*, collectivite: Collectivite | None = None) -> list[Alteration]:
    """La première entrée altérée de chaque chaîne ; une liste vide si tout est intègre."""
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
) -> QuerySet[EntreeJournal]:
    """Les entrées de la chaîne d'une collectivité, filtrées ; jamais celles de la plateforme.

    `objet_type`/`objet_id` retiennent les entrées où la ligne est l'objet ou le sujet ;
    `texte` cherche dans les libellés d'objet et de sujet ; `du`/`au` sont inclusifs.
    """
    if collectivite is None:
        return EntreeJournal.objects.none()
    entrees = EntreeJournal.objects.filter(collectivite=collectivite)
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
    "Empreinte (SHA-256)",
]
TAILLE_LOT_EXPORT = 1000


def _ligne_export(entree: EntreeJournal) -> list[object]:
    return [
        entree.numero,
        f"{timezone.localtime(entree.horodatage):%d/%m/%Y %H:%M:%S}",
        entree.acteur_libelle,
        registre.libelle_action(entree.action),
        entree.objet_libelle,
        entree.sujet_libelle,
        json.dumps(entree.details, ensure_ascii=False, sort_keys=True) if entree.details else "",
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
                acteur=travail.demandeur,
                objet=travail,
                details={"entrees": lignes_ecrites, "filtres": travail.parametres},
            )

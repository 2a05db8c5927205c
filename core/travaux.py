"""Travaux suivis : une ligne `Travail` par travail long (export, import, édition, lot d'envois).

La ligne fait foi (la base, pas Redis, est la file de référence) :

- `travail_creer` écrit la ligne puis, après le commit, met en file la tâche du type
  (`registre.types_travaux`) avec le seul identifiant du travail ;
- la tâche ouvre `with travail_execution(travail_id) as suivi:` qui fait passer la ligne de
  « en attente » à « en cours » en une requête : une tâche livrée deux fois ne travaille
  qu'une fois ; `suivi.avancer(...)`, `suivi.terminer(...)` ; une exception termine le travail
  « en échec » avec un message en français (la trace va dans les logs, jamais sur la page) ;
- `travail_relancer` remet en file un travail en échec (nouvelle tentative) ;
- `travaux_balayer` (tâche périodique) remet en file les travaux restés en attente et déclare
  en échec ceux qu'un arrêt du serveur de tâches a interrompus.

Une exécution ne possède la ligne que pour la tentative qu'elle a prise : chaque écriture du
`Suivi` est une mise à jour conditionnelle (« en cours » et même `tentatives`). Une exécution
déclarée interrompue par le balayage alors qu'elle tournait encore (puis relancée) est
périmée : sa première écriture le découvre (`TravailPerime`), elle s'arrête sans rien écrire
et sans échec côté Celery.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from core.journal import journaliser
from core.models import Collectivite, StatutTravail, Travail, Utilisateur
from core.permissions import Action, Capacite
from core.registry import TypeTravail, registre

logger = logging.getLogger(__name__)

# Un travail resté « en attente » plus longtemps a perdu son message (broker redémarré,
# mise en file impossible) : le balayage le remet en file.
ATTENTE_MAX = timedelta(minutes=10)
# Marge au-delà de la limite dure de Celery : un travail « en cours » plus ancien a été
# interrompu (SIGKILL, redémarrage) et ne se terminera plus.
MARGE_INTERRUPTION = timedelta(minutes=5)
# Au plus un enregistrement de l'avancement par intervalle : la page interroge chaque seconde.
INTERVALLE_AVANCEMENT = 0.5

MESSAGE_ERREUR_INTERNE = (
    "Le travail s'est arrêté sur une erreur inattendue. Vous pouvez le relancer ; si l'erreur "
    "se reproduit, signalez le travail n° {pk} à l'assistance."
)
MESSAGE_DUREE_DEPASSEE = (
    "Le travail a dépassé la durée maximale autorisée et a été arrêté. Vous pouvez le relancer "
    "ou réduire la sélection."
)
MESSAGE_INTERROMPU = (
    "Le travail a été interrompu avant la fin (arrêt ou redémarrage du serveur de tâches). "
    "Vous pouvez le relancer."
)


class TravailErreur(Exception):
    """Échec prévu d'un travail ; `message`, en français, est montré à l'agent."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TravailPerime(Exception):
    """Usage interne : l'exécution n'est plus celle du travail (déclarée interrompue, relancée).

    Levée par les écritures du `Suivi` ; `travail_execution` l'arrête sans bruit. Le code d'une
    tâche ne doit pas l'attraper.
    """


def enregistrer_types_travaux() -> None:
    """Types de travaux du socle ; appelée par `CoreConfig.ready()`."""
    registre.ajouter_type_travail(
        TypeTravail(
            "journal_export",
            "Export du journal",
            "core.tasks.journal_exporter_task",
            Capacite.JOURNAL,
            Action.EXPORTER,
        )
    )


def _type_travail(code: str) -> TypeTravail:
    try:
        return registre.types_travaux[code]
    except KeyError:
        raise ValueError(f"Type de travail inconnu : {code!r}.") from None


def _mettre_en_file(travail_id: int, tache: str) -> None:
    """Envoie l'identifiant au broker. Un broker indisponible ne fait pas échouer la demande :
    le travail reste en attente et `travaux_balayer` le reprendra."""
    try:
        import_string(tache).apply_async(args=[travail_id])
    except Exception:
        logger.exception(
            "Travail %s : mise en file impossible, le balayage le reprendra.", travail_id
        )


def travail_creer(
    *,
    collectivite: Collectivite,
    type: str,
    libelle: str,
    demandeur: Utilisateur | None,
    parametres: dict[str, object] | None = None,
    total: int = 0,
) -> Travail:
    type_travail = _type_travail(type)
    travail = Travail(
        collectivite=collectivite,
        type=type,
        libelle=libelle[:300],
        demandeur=demandeur,
        parametres=parametres or {},
        total=total,
    )
    travail.full_clean()
    travail.save()
    transaction.on_commit(partial(_mettre_en_file, travail.pk, type_travail.tache))
    return travail


@transaction.atomic
def travail_relancer(*, travail: Travail, par: Utilisateur) -> Travail:
    """Remet en file un travail en échec, depuis le début.

    `tentatives` augmente : une exécution encore vivante de la tentative précédente (déclarée
    interrompue par le balayage) devient périmée et ne peut plus écrire la ligne."""
    travail = Travail.objects.select_for_update().get(pk=travail.pk)
    if travail.statut != StatutTravail.ECHEC:
        raise ValidationError("Seul un travail en échec peut être relancé.")
    type_travail = _type_travail(travail.type)
    ancien_fichier = travail.fichier.name
    erreur_precedente = travail.erreur
    travail.statut = StatutTravail.EN_ATTENTE
    travail.progression = 0
    travail.message = ""
    travail.erreur = ""
    travail.fichier = ""  # type: ignore[assignment]
    travail.fichier_nom = ""
    travail.tentatives += 1
    travail.commence_le = None
    travail.termine_le = None
    travail.save(
        update_fields=[
            "statut",
            "progression",
            "message",
            "erreur",
            "fichier",
            "fichier_nom",
            "tentatives",
            "commence_le",
            "termine_le",
            "modifie_le",
        ]
    )
    journaliser(
        action="travail_relance",
        collectivite=travail.collectivite,
        acteur=par,
        objet=travail,
        details={"tentative": travail.tentatives, "erreur_precedente": erreur_precedente[:300]},
    )
    if ancien_fichier:
        transaction.on_commit(partial(travail.fichier.storage.delete, ancien_fichier))
    transaction.on_commit(partial(_mettre_en_file, travail.pk, type_travail.tache))
    return travail


class Suivi:
    """Ce qu'une tâche voit de son travail : avancement, fin, fichier produit.

    Le suivi ne vaut que pour la tentative prise (`tentative`, statut « en cours ») : chaque
    écriture est conditionnelle et lève `TravailPerime` si la ligne a changé de mains.
    """

    def __init__(self, travail: Travail, *, tentative: int | None = None) -> None:
        self.travail = travail
        self.tentative = travail.tentatives if tentative is None else tentative
        self.termine = False
        self.perime = False
        self._dernier_enregistrement = 0.0

    def _ecrire(self, **valeurs: object) -> None:
        """Met à jour la ligne si elle appartient encore à cette tentative en cours."""
        if self.perime:
            raise TravailPerime(self.travail.pk)
        valeurs.setdefault("modifie_le", timezone.now())
        ecrites = Travail.objects.filter(
            pk=self.travail.pk, statut=StatutTravail.EN_COURS, tentatives=self.tentative
        ).update(**valeurs)
        if not ecrites:
            self.perime = True
            raise TravailPerime(self.travail.pk)

    def definir_total(self, total: int) -> None:
        self._ecrire(total=total)
        self.travail.total = total

    def avancer(self, n: int = 1, message: str = "", *, forcer: bool = False) -> None:
        """Ajoute `n` à l'avancement ; l'enregistre au plus toutes les 0,5 s."""
        self.travail.progression += n
        if message:
            self.travail.message = message[:500]
        maintenant = time.monotonic()
        if forcer or maintenant - self._dernier_enregistrement >= INTERVALLE_AVANCEMENT:
            self._dernier_enregistrement = maintenant
            self._ecrire(progression=self.travail.progression, message=self.travail.message)

    def terminer(
        self,
        fichier_nom: str = "",
        contenu: bytes | str | Path | None = None,
        *,
        message: str = "",
    ) -> None:
        """Termine le travail ; `contenu` (octets ou chemin d'un fichier) devient le fichier à
        télécharger sous le nom `fichier_nom`, stocké sous un nom aléatoire."""
        if self.perime:
            raise TravailPerime(self.travail.pk)
        travail = self.travail
        valeurs: dict[str, object] = {}
        nom_stocke = ""
        if contenu is not None:
            nom_stocke = f"{secrets.token_hex(16)}{Path(fichier_nom).suffix.lower()}"
            # Le fichier est écrit avant la ligne (nom définitif) ; effacé si la ligne est perdue.
            champ = travail.fichier.field
            chemin = champ.generate_filename(travail, nom_stocke)
            stockage = travail.fichier.storage
            if isinstance(contenu, bytes):
                nom_stocke = stockage.save(chemin, ContentFile(contenu), champ.max_length)
            else:
                with open(contenu, "rb") as source:
                    nom_stocke = stockage.save(chemin, File(source), champ.max_length)
            valeurs.update(fichier=nom_stocke, fichier_nom=fichier_nom[:200])
        progression = max(travail.progression, travail.total)
        message = message[:500] if message else travail.message
        termine_le = timezone.now()
        try:
            self._ecrire(
                statut=StatutTravail.TERMINE,
                progression=progression,
                message=message,
                termine_le=termine_le,
                **valeurs,
            )
        except TravailPerime:
            if nom_stocke:
                travail.fichier.storage.delete(nom_stocke)
            raise
        if nom_stocke:
            travail.fichier.name = nom_stocke
            travail.fichier_nom = fichier_nom[:200]
        travail.statut = StatutTravail.TERMINE
        travail.progression = progression
        travail.message = message
        travail.termine_le = termine_le
        self.termine = True

    def echouer(self, erreur: str) -> None:
        """Termine le travail en échec avec `erreur` (français, montré à l'agent)."""
        self._ecrire(
            statut=StatutTravail.ECHEC,
            erreur=erreur,
            termine_le=timezone.now(),
            progression=self.travail.progression,
            message=self.travail.message,
        )
        self.travail.statut = StatutTravail.ECHEC
        self.travail.erreur = erreur


def _perime(travail: Travail, tentative: int) -> None:
    logger.warning(
        "Travail %s (%s) : la tentative %s n'est plus en cours (déclarée interrompue ou "
        "relancée) ; elle s'arrête sans rien écrire.",
        travail.pk,
        travail.type,
        tentative,
    )


@contextmanager
def travail_execution(travail_id: int) -> Iterator[Suivi | None]:
    """Exécute un travail une seule fois : rend `None` s'il n'est plus en attente (tâche
    livrée deux fois, travail déjà fini ou supprimé) ; la tâche ne fait alors rien.

    Une `TravailErreur` termine le travail en échec avec son message ; toute autre exception
    avec un message générique (trace dans les logs). L'exception n'est pas relancée : la ligne
    porte l'état, et Celery n'a rien à réessayer. Une exécution périmée (`TravailPerime` : la
    ligne n'est plus « en cours » pour la tentative prise) s'arrête sans rien écrire ni lever.
    """
    tentative = (
        Travail.objects.filter(pk=travail_id, statut=StatutTravail.EN_ATTENTE)
        .values_list("tentatives", flat=True)
        .first()
    )
    maintenant = timezone.now()
    # La prise vaut pour la tentative lue : une relance entre-temps la rend caduque.
    if tentative is None or not Travail.objects.filter(
        pk=travail_id, statut=StatutTravail.EN_ATTENTE, tentatives=tentative
    ).update(statut=StatutTravail.EN_COURS, commence_le=maintenant, modifie_le=maintenant):
        logger.info("Travail %s : plus en attente, rien à faire.", travail_id)
        yield None
        return
    travail = Travail.objects.select_related("collectivite", "demandeur").get(pk=travail_id)
    suivi = Suivi(travail, tentative=tentative)
    try:
        try:
            yield suivi
            if not suivi.termine:
                suivi.terminer()
        except TravailPerime:
            raise
        except TravailErreur as erreur:
            logger.info("Travail %s (%s) en échec prévu.", travail_id, travail.type)
            suivi.echouer(erreur.message)
        except SoftTimeLimitExceeded:
            logger.warning("Travail %s (%s) : durée maximale dépassée.", travail_id, travail.type)
            suivi.echouer(MESSAGE_DUREE_DEPASSEE)
        except Exception:
            logger.exception("Travail %s (%s) en échec.", travail_id, travail.type)
            suivi.echouer(MESSAGE_ERREUR_INTERNE.format(pk=travail_id))
    except TravailPerime:
        _perime(travail, tentative)


def travaux_balayer(*, maintenant: datetime | None = None) -> tuple[int, int]:
    """Remet en file les travaux restés en attente, déclare en échec les travaux interrompus.

    Rend (remis en file, déclarés interrompus).
    """
    maintenant = maintenant or timezone.now()
    remis = 0
    oublies = Travail.objects.filter(
        statut=StatutTravail.EN_ATTENTE, modifie_le__lt=maintenant - ATTENTE_MAX
    ).values_list("pk", "type")
    for travail_id, code in list(oublies[:1000]):
        type_travail = registre.types_travaux.get(code)
        if type_travail is None:
            logger.warning("Travail %s : type %r inconnu, laissé en attente.", travail_id, code)
            continue
        # La date de modification repousse le prochain essai de ce travail d'une période.
        if Travail.objects.filter(pk=travail_id, statut=StatutTravail.EN_ATTENTE).update(
            modifie_le=maintenant
        ):
            _mettre_en_file(travail_id, type_travail.tache)
            remis += 1
    limite = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) + MARGE_INTERRUPTION
    interrompus = Travail.objects.filter(
        statut=StatutTravail.EN_COURS, commence_le__lt=maintenant - limite
    ).update(
        statut=StatutTravail.ECHEC,
        erreur=MESSAGE_INTERROMPU,
        termine_le=maintenant,
        modifie_le=maintenant,
    )
    if remis or interrompus:
        logger.info("Balayage des travaux : %s remis en file, %s interrompus.", remis, interrompus)
    return remis, interrompus

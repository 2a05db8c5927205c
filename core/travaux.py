"""Travaux suivis : une ligne `Travail` par travail long (export, import, édition, lot d'envois).

La ligne fait foi (decisions.md : la base est la file de référence) :

- `travail_creer` écrit la ligne puis, après le commit, met en file la tâche du type
  (`registre.types_travaux`) avec le seul identifiant du travail ;
- la tâche ouvre `with travail_execution(travail_id) as suivi:` qui fait passer la ligne de
  « en attente » à « en cours » en une requête : une tâche livrée deux fois ne travaille
  qu'une fois ; `suivi.avancer(...)`, `suivi.terminer(...)` ; une exception termine le travail
  « en échec » avec un message en français (la trace va dans les logs, jamais sur la page) ;
- `travail_relancer` remet en file un travail en échec ;
- `travaux_balayer` (tâche périodique) remet en file les travaux restés en attente et déclare
  en échec ceux qu'un arrêt du serveur de tâches a interrompus.
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
    """Remet en file un travail en échec, depuis le début."""
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
    """Ce qu'une tâche voit de son travail : avancement, fin, fichier produit."""

    def __init__(self, travail: Travail) -> None:
        self.travail = travail
        self.termine = False
        self._dernier_enregistrement = 0.0

    def definir_total(self, total: int) -> None:
        self.travail.total = total
        self.travail.save(update_fields=["total", "modifie_le"])

    def avancer(self, n: int = 1, message: str = "", *, forcer: bool = False) -> None:
        """Ajoute `n` à l'avancement ; l'enregistre au plus toutes les 0,5 s."""
        self.travail.progression += n
        if message:
            self.travail.message = message[:500]
        maintenant = time.monotonic()
        if forcer or maintenant - self._dernier_enregistrement >= INTERVALLE_AVANCEMENT:
            self._dernier_enregistrement = maintenant
            self.travail.save(update_fields=["progression", "message", "modifie_le"])

    def terminer(
        self,
        fichier_nom: str = "",
        contenu: bytes | str | Path | None = None,
        *,
        message: str = "",
    ) -> None:
        """Termine le travail ; `contenu` (octets ou chemin d'un fichier) devient le fichier à
        télécharger sous le nom `fichier_nom`, stocké sous un nom aléatoire."""
        travail = self.travail
        champs = ["statut", "progression", "message", "termine_le", "modifie_le"]
        if contenu is not None:
            nom_stocke = f"{secrets.token_hex(16)}{Path(fichier_nom).suffix.lower()}"
            if isinstance(contenu, bytes):
                travail.fichier.save(nom_stocke, ContentFile(contenu), save=False)
            else:
                with open(contenu, "rb") as source:
                    travail.fichier.save(nom_stocke, File(source), save=False)
            travail.fichier_nom = fichier_nom[:200]
            champs += ["fichier", "fichier_nom"]
        travail.statut = StatutTravail.TERMINE
        travail.progression = max(travail.progression, travail.total)
        if message:
            travail.message = message[:500]
        travail.termine_le = timezone.now()
        travail.save(update_fields=champs)
        self.termine = True


def _echec(travail: Travail, erreur: str) -> None:
    maintenant = timezone.now()
    Travail.objects.filter(pk=travail.pk).update(
        statut=StatutTravail.ECHEC,
        erreur=erreur,
        termine_le=maintenant,
        modifie_le=maintenant,
        progression=travail.progression,
        message=travail.message,
    )
    travail.statut = StatutTravail.ECHEC
    travail.erreur = erreur


@contextmanager
def travail_execution(travail_id: int) -> Iterator[Suivi | None]:
    """Exécute un travail une seule fois : rend `None` s'il n'est plus en attente (tâche
    livrée deux fois, travail déjà fini ou supprimé) ; la tâche ne fait alors rien.

    Une `TravailErreur` termine le travail en échec avec son message ; toute autre exception
    avec un message générique (trace dans les logs). L'exception n'est pas relancée : la ligne
    porte l'état, et Celery n'a rien à réessayer.
    """
    maintenant = timezone.now()
    pris = Travail.objects.filter(pk=travail_id, statut=StatutTravail.EN_ATTENTE).update(
        statut=StatutTravail.EN_COURS, commence_le=maintenant, modifie_le=maintenant
    )
    if not pris:
        logger.info("Travail %s : plus en attente, rien à faire.", travail_id)
        yield None
        return
    travail = Travail.objects.select_related("collectivite", "demandeur").get(pk=travail_id)
    suivi = Suivi(travail)
    try:
        yield suivi
        if not suivi.termine:
            suivi.terminer()
    except TravailErreur as erreur:
        logger.info("Travail %s (%s) en échec prévu.", travail_id, travail.type)
        _echec(travail, erreur.message)
    except SoftTimeLimitExceeded:
        logger.warning("Travail %s (%s) : durée maximale dépassée.", travail_id, travail.type)
        _echec(travail, MESSAGE_DUREE_DEPASSEE)
    except Exception:
        logger.exception("Travail %s (%s) en échec.", travail_id, travail.type)
        _echec(travail, MESSAGE_ERREUR_INTERNE.format(pk=travail_id))


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

"""Travaux suivis : une ligne `Travail` par travail long (export, import, édition, lot d'envois).

La ligne fait foi (la base, pas Redis, est la file de référence) :

- un type de travail (`TypeTravail`, déclaré dans `AppConfig.ready()`) nomme l'objet tâche
  produit par `@tache_travail(type=..., queue=...)` ; le check `echarpe.E1xx` refuse au
  démarrage un type mal déclaré (chaîne, tâche non décorée, file inconnue) ;
- `travail_creer` écrit la ligne puis, après le commit, met en file la tâche du type avec le
  seul identifiant du travail ;
- la tâche décorée fait passer la ligne de « en attente » à « en cours » en une requête (une
  tâche livrée deux fois ne travaille qu'une fois), appelle la fonction `(suivi, travail)`,
  puis termine le travail ; une exception le termine « en échec » avec un message en
  français (la trace va dans les logs, jamais sur la page) ;
- une exécution bat (`battement_le`) à chaque avancement et toutes les
  `ECHARPE_TRAVAIL_BATTEMENT_INTERVALLE` secondes ; `travaux_balayer` (beat) déclare
  « interrompu » un travail en cours dont le battement s'est tu depuis
  `ECHARPE_TRAVAIL_BATTEMENT_DELAI` secondes (worker tué), et remet en file, une seule fois
  par période, un travail resté en attente ;
- `travail_relancer` remet en file un travail en échec ou interrompu (nouvelle tentative).

Une exécution ne possède la ligne que pour la tentative qu'elle a prise : chaque écriture du
`Suivi` est une mise à jour conditionnelle (« en cours » et même `tentatives`). Une exécution
déclarée interrompue par le balayage alors qu'elle tournait encore (puis relancée) est
périmée : sa première écriture le découvre (`TravailPerime`), elle s'arrête sans rien écrire
et sans échec côté Celery.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core import checks
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.signals import request_started
from django.db import connections, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.comptes.models import Utilisateur
from core.comptes.permissions import Action, Capacite
from core.journal.services import journaliser
from core.registry import TypeTravail, registre
from core.tenancy.models import Collectivite
from core.travaux.models import StatutTravail, Travail

logger = logging.getLogger(__name__)

# Files que servent les workers (docker-compose.yml, README) : une tâche de travail en déclare
# une, explicitement.
FILES_TRAVAUX = ("documents", "mail")
# Au plus un enregistrement de l'avancement par intervalle : la page interroge chaque seconde.
INTERVALLE_AVANCEMENT = 0.5
# Une remise en file attend ECHARPE_TRAVAIL_REMISE_EN_FILE, puis 2, 4, 8 fois plus : une file
# encombrée pendant des heures ne reçoit qu'une poignée de doublons (sans effet : prise unique).
REMISES_DOUBLEMENTS_MAX = 3

MESSAGE_ERREUR_INTERNE = (
    "Le travail s'est arrêté sur une erreur inattendue. Vous pouvez le relancer ; si l'erreur "
    "se reproduit, signalez le travail n° {pk} à l'assistance."
)
MESSAGE_DUREE_DEPASSEE = (
    "Le travail a dépassé la durée maximale autorisée et a été arrêté. Vous pouvez le relancer "
    "ou réduire la sélection."
)
MESSAGE_INTERROMPU = (
    "Le serveur de tâches a cessé de donner des nouvelles de ce travail (arrêt brutal ou "
    "redémarrage) : il ne reprendra pas seul. Vous pouvez le relancer."
)
MESSAGE_INTERROMPU_DEMARRAGE = (
    "Le travail a été interrompu par l'arrêt du serveur : il ne reprendra pas seul. Vous pouvez "
    "le relancer."
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
    from core.tasks import journal_exporter_task

    registre.ajouter_type_travail(
        TypeTravail(
            "journal_export",
            "Export du journal",
            journal_exporter_task,
            Capacite.JOURNAL,
            Action.EXPORTER,
        )
    )


def _type_travail(code: str) -> TypeTravail:
    try:
        return registre.types_travaux[code]
    except KeyError:
        raise ValueError(f"Type de travail inconnu : {code!r}.") from None


# --- Déclaration des tâches -------------------------------------------------------------------


@dataclass(frozen=True)
class ResultatTravail:
    """Ce que rend une fonction de travail qui ne termine pas elle-même son `Suivi`."""

    message: str = ""
    fichier_nom: str = ""
    contenu: bytes | str | Path | None = None


FonctionTravail = Callable[["Suivi", Travail], ResultatTravail | None]


def tache_travail(
    *, type: str, queue: str, **options: Any
) -> Callable[[FonctionTravail], Task[[int], None]]:
    """Fait d'une fonction `(suivi, travail) -> ResultatTravail | None` la tâche Celery d'un
    type de travail, routée vers la file `queue` (« documents » ou « mail »).

    La tâche reçoit l'identifiant du travail, le prend une seule fois (`travail_execution`,
    seulement s'il est de ce type), et le termine : avec le `ResultatTravail` rendu, sinon tel
    que la fonction l'a laissé. Une `TravailErreur` montre son message, toute autre exception
    un message générique (trace dans les logs).
    """
    if queue not in FILES_TRAVAUX:
        raise ValueError(f"File inconnue pour le type {type!r} : {queue!r} ({FILES_TRAVAUX}).")

    def decorer(fonction: FonctionTravail) -> Task[[int], None]:
        def executer(travail_id: int) -> None:
            with travail_execution(travail_id, type=type) as suivi:
                if suivi is None:
                    return
                resultat = fonction(suivi, suivi.travail)
                if resultat is not None and not suivi.termine:
                    suivi.terminer(resultat.fichier_nom, resultat.contenu, message=resultat.message)

        # Pas de functools.wraps : Celery vérifie les arguments d'appel sur la signature
        # (`travail_id`), que `__wrapped__` remplacerait par celle de la fonction.
        executer.__module__ = fonction.__module__
        executer.__name__ = executer.__qualname__ = fonction.__name__
        executer.__doc__ = fonction.__doc__
        # Le nom reste celui du module et de la fonction : les messages déjà en file le gardent.
        # La file passe par `router_travaux` (l'attribut `queue` d'une tâche est déprécié).
        tache: Task[[int], None] = shared_task(
            name=f"{fonction.__module__}.{fonction.__name__}",
            acks_late=True,
            type_travail=type,
            file_travail=queue,
            **options,
        )(executer)
        return tache

    return decorer


def router_travaux(
    name: str,
    args: object,
    kwargs: object,
    options: object,
    task: object = None,
    **kw: object,
) -> dict[str, str] | None:
    """Routeur Celery (premier de `CELERY_TASK_ROUTES`) : une tâche `@tache_travail` part dans
    la file qu'elle déclare ; les autres suivent les routes suivantes."""
    file = getattr(task, "file_travail", None)
    return {"queue": file} if file else None


def _file_routee(tache: Task[[int], None]) -> str | None:
    # Les stubs attendent une classe ; Celery passe en fait l'instance de la tâche.
    route = tache.app.amqp.router.route({}, tache.name, (0,), {}, task_type=tache)  # type: ignore[arg-type]
    file = route.get("queue")
    return getattr(file, "name", file)


@checks.register("echarpe")
def verifier_types_travaux(
    app_configs: Sequence[Any] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Chaque type de travail nomme une tâche `@tache_travail` de son code, sur une file servie.

    Sans ce contrôle, une faute dans la tâche d'un type ne se voyait qu'en production : la
    mise en file échouait (« broker indisponible » dans les logs) et le balayage recommençait
    sans fin.
    """
    erreurs: list[checks.CheckMessage] = []
    for code, type_travail in registre.types_travaux.items():
        tache = type_travail.tache
        if not isinstance(tache, Task):
            erreurs.append(
                checks.Error(
                    f"Le type de travail « {code} » doit nommer l'objet tâche, pas {tache!r}.",
                    hint="Passez la fonction décorée par @tache_travail(type=..., queue=...).",
                    obj=code,
                    id="echarpe.E101",
                )
            )
            continue
        declare = getattr(tache, "type_travail", None)
        if declare != code:
            pour = f"pour « {declare} »" if declare else "par @tache_travail"
            erreurs.append(
                checks.Error(
                    f"La tâche {tache.name} du type de travail « {code} » est déclarée {pour}.",
                    hint=f"Décorez-la par @tache_travail(type={code!r}, queue=...).",
                    obj=code,
                    id="echarpe.E102",
                )
            )
            continue
        file = getattr(tache, "file_travail", None)
        if file not in FILES_TRAVAUX:
            erreurs.append(
                checks.Error(
                    f"La tâche {tache.name} du type de travail « {code} » n'a pas de file "
                    f"servie par les workers ({', '.join(FILES_TRAVAUX)}).",
                    obj=code,
                    id="echarpe.E103",
                )
            )
        elif _file_routee(tache) != file:
            erreurs.append(
                checks.Error(
                    f"La tâche {tache.name} du type de travail « {code} » partirait dans la file "
                    f"« {_file_routee(tache)} » au lieu de « {file} ».",
                    hint="CELERY_TASK_ROUTES doit commencer par "
                    "'core.travaux.services.router_travaux'.",
                    obj=code,
                    id="echarpe.E105",
                )
            )
    intervalle = settings.ECHARPE_TRAVAIL_BATTEMENT_INTERVALLE
    if intervalle <= 0 or 2 * intervalle > settings.ECHARPE_TRAVAIL_BATTEMENT_DELAI:
        erreurs.append(
            checks.Error(
                "ECHARPE_TRAVAIL_BATTEMENT_DELAI doit valoir au moins deux fois "
                "ECHARPE_TRAVAIL_BATTEMENT_INTERVALLE (positif) : sinon des travaux vivants "
                "seraient déclarés interrompus.",
                id="echarpe.E104",
            )
        )
    return erreurs


def _mettre_en_file(travail_id: int, tache: Task[[int], None]) -> None:
    """Envoie l'identifiant au broker. Un broker indisponible ne fait pas échouer la demande :
    le travail reste en attente, sans date de mise en file, et `travaux_balayer` le reprendra
    au prochain passage."""
    try:
        tache.apply_async(args=(travail_id,))
    except Exception:
        logger.exception(
            "Travail %s : mise en file impossible, le balayage le reprendra.", travail_id
        )
        Travail.objects.filter(pk=travail_id, statut=StatutTravail.EN_ATTENTE).update(
            mis_en_file_le=None
        )


def travail_creer(
    *,
    collectivite: Collectivite,
    type: str,
    libelle: str,
    par: Utilisateur | None,
    parametres: dict[str, object] | None = None,
    total: int = 0,
) -> Travail:
    type_travail = _type_travail(type)
    travail = Travail(
        collectivite=collectivite,
        type=type,
        libelle=libelle[:300],
        demandeur=par,
        parametres=parametres or {},
        total=total,
        mis_en_file_le=timezone.now(),
        mises_en_file=1,
    )
    travail.full_clean()
    travail.save()
    transaction.on_commit(partial(_mettre_en_file, travail.pk, type_travail.tache))
    return travail


@transaction.atomic
def travail_relancer(*, travail: Travail, par: Utilisateur) -> Travail:
    """Remet en file un travail en échec ou interrompu, depuis le début.

    `tentatives` augmente : une exécution encore vivante de la tentative précédente (déclarée
    interrompue par le balayage) devient périmée et ne peut plus écrire la ligne."""
    travail = Travail.objects.select_for_update().get(pk=travail.pk)
    if travail.statut not in (StatutTravail.ECHEC, StatutTravail.INTERROMPU):
        raise ValidationError("Seul un travail en échec ou interrompu peut être relancé.")
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
    travail.battement_le = None
    travail.mis_en_file_le = timezone.now()
    travail.mises_en_file = 1
    travail.save(
        update_fields=[
            "battement_le",
            "mis_en_file_le",
            "mises_en_file",
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
        par=par,
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
        maintenant = timezone.now()
        valeurs.setdefault("modifie_le", maintenant)
        valeurs.setdefault("battement_le", maintenant)
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


class _Battement(threading.Thread):
    """Bat pour l'exécution toutes les `intervalle` secondes, même sans avancement (une étape
    longue : conversion LibreOffice, rendu PDF). S'arrête quand la ligne n'est plus à elle."""

    def __init__(self, travail_id: int, tentative: int, intervalle: float) -> None:
        super().__init__(name=f"battement-travail-{travail_id}", daemon=True)
        self.travail_id = travail_id
        self.tentative = tentative
        self.intervalle = intervalle
        self.arret = threading.Event()

    def run(self) -> None:
        try:
            while not self.arret.wait(self.intervalle):
                try:
                    battu = Travail.objects.filter(
                        pk=self.travail_id,
                        statut=StatutTravail.EN_COURS,
                        tentatives=self.tentative,
                    ).update(battement_le=timezone.now())
                except Exception:
                    logger.warning("Travail %s : battement non enregistré.", self.travail_id)
                    continue
                if not battu:
                    return
        finally:
            # Connexion propre à ce fil : la fermer, sinon elle reste ouverte jusqu'à la fin
            # du worker.
            connections.close_all()


@contextmanager
def _battement(travail_id: int, tentative: int) -> Iterator[None]:
    intervalle = settings.ECHARPE_TRAVAIL_BATTEMENT_INTERVALLE
    # Mode eager (démonstration) : le travail vit et meurt avec le serveur web, sans balayage ;
    # `travaux_interrompre_au_demarrage` s'en charge au redémarrage.
    if settings.CELERY_TASK_ALWAYS_EAGER or intervalle <= 0:
        yield
        return
    fil = _Battement(travail_id, tentative, intervalle)
    fil.start()
    try:
        yield
    finally:
        fil.arret.set()
        fil.join(timeout=5)


@contextmanager
def travail_execution(travail_id: int, *, type: str | None = None) -> Iterator[Suivi | None]:
    """Exécute un travail une seule fois : rend `None` s'il n'est plus en attente (tâche
    livrée deux fois, travail déjà fini ou supprimé) ou s'il n'est pas du `type` attendu ; la
    tâche ne fait alors rien. Préférez `@tache_travail`, qui l'appelle.

    Une `TravailErreur` termine le travail en échec avec son message ; toute autre exception
    avec un message générique (trace dans les logs). L'exception n'est pas relancée : la ligne
    porte l'état, et Celery n'a rien à réessayer. Une exécution périmée (`TravailPerime` : la
    ligne n'est plus « en cours » pour la tentative prise) s'arrête sans rien écrire ni lever.
    """
    en_attente = Travail.objects.filter(pk=travail_id, statut=StatutTravail.EN_ATTENTE)
    if type is not None:
        en_attente = en_attente.filter(type=type)
    tentative = en_attente.values_list("tentatives", flat=True).first()
    maintenant = timezone.now()
    # La prise vaut pour la tentative lue : une relance entre-temps la rend caduque.
    if tentative is None or not en_attente.filter(tentatives=tentative).update(
        statut=StatutTravail.EN_COURS,
        commence_le=maintenant,
        battement_le=maintenant,
        modifie_le=maintenant,
    ):
        logger.info("Travail %s : plus en attente (ou d'un autre type), rien à faire.", travail_id)
        yield None
        return
    travail = Travail.objects.select_related("collectivite", "demandeur").get(pk=travail_id)
    suivi = Suivi(travail, tentative=tentative)
    try:
        with _battement(travail_id, tentative):
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
                logger.warning(
                    "Travail %s (%s) : durée maximale dépassée.", travail_id, travail.type
                )
                suivi.echouer(MESSAGE_DUREE_DEPASSEE)
            except Exception:
                logger.exception("Travail %s (%s) en échec.", travail_id, travail.type)
                suivi.echouer(MESSAGE_ERREUR_INTERNE.format(pk=travail_id))
    except TravailPerime:
        _perime(travail, tentative)


def _remise_due(mis_en_file_le: datetime | None, mises_en_file: int, maintenant: datetime) -> bool:
    if mis_en_file_le is None:  # jamais mis en file avec succès
        return True
    doublements = min(max(mises_en_file - 1, 0), REMISES_DOUBLEMENTS_MAX)
    attente = timedelta(seconds=settings.ECHARPE_TRAVAIL_REMISE_EN_FILE) * 2**doublements
    return mis_en_file_le <= maintenant - attente


def travaux_balayer(*, maintenant: datetime | None = None) -> tuple[int, int]:
    """Remet en file les travaux oubliés en attente, déclare interrompus les travaux en cours
    dont le battement s'est tu. Rend (remis en file, déclarés interrompus).

    Une remise en file est une mise à jour conditionnelle (`mises_en_file` lu) : deux
    balayages simultanés n'envoient pas deux fois le même travail, et un travail remis en file
    ne l'est plus avant la période suivante (doublée à chaque remise).
    """
    maintenant = maintenant or timezone.now()
    remis = 0
    premiere_echeance = maintenant - timedelta(seconds=settings.ECHARPE_TRAVAIL_REMISE_EN_FILE)
    oublies = (
        Travail.objects.filter(statut=StatutTravail.EN_ATTENTE)
        .filter(Q(mis_en_file_le__isnull=True) | Q(mis_en_file_le__lte=premiere_echeance))
        .order_by("pk")
        .values_list("pk", "type", "tentatives", "mises_en_file", "mis_en_file_le")
    )
    for travail_id, code, tentative, mises, mis_le in list(oublies[:1000]):
        if not _remise_due(mis_le, mises, maintenant):
            continue
        type_travail = registre.types_travaux.get(code)
        if type_travail is None:
            logger.warning("Travail %s : type %r inconnu, laissé en attente.", travail_id, code)
            continue
        if Travail.objects.filter(
            pk=travail_id,
            statut=StatutTravail.EN_ATTENTE,
            tentatives=tentative,
            mises_en_file=mises,
        ).update(mises_en_file=mises + 1, mis_en_file_le=maintenant):
            _mettre_en_file(travail_id, type_travail.tache)
            remis += 1
    silence = maintenant - timedelta(seconds=settings.ECHARPE_TRAVAIL_BATTEMENT_DELAI)
    # Une seule requête : PostgreSQL réévalue la condition sur une ligne qu'un battement vient
    # de modifier, un travail qui bat encore n'est donc pas déclaré interrompu.
    interrompus = (
        Travail.objects.filter(statut=StatutTravail.EN_COURS)
        .alias(dernier_signe=Coalesce("battement_le", "commence_le", "modifie_le"))
        .filter(dernier_signe__lt=silence)
        .update(
            statut=StatutTravail.INTERROMPU,
            erreur=MESSAGE_INTERROMPU,
            termine_le=maintenant,
            modifie_le=maintenant,
        )
    )
    if remis or interrompus:
        logger.info("Balayage des travaux : %s remis en file, %s interrompus.", remis, interrompus)
    return remis, interrompus


def travaux_interrompre_au_demarrage(*, demarre_le: datetime) -> int:
    """Mode eager (démonstration) : un travail resté en attente ou en cours d'avant le
    démarrage du serveur est mort avec lui (il s'exécutait dans le processus web). Le déclare
    interrompu ; rend le nombre de travaux concernés."""
    nombre = Travail.objects.filter(
        statut__in=[StatutTravail.EN_ATTENTE, StatutTravail.EN_COURS], modifie_le__lt=demarre_le
    ).update(
        statut=StatutTravail.INTERROMPU,
        erreur=MESSAGE_INTERROMPU_DEMARRAGE,
        termine_le=timezone.now(),
        modifie_le=timezone.now(),
    )
    if nombre:
        logger.info("Démarrage : travaux d'avant l'arrêt déclarés interrompus : %s.", nombre)
    return nombre


def reprise_au_demarrage_requise(argv: Sequence[str], environ: Mapping[str, str]) -> bool:
    """Vrai dans le processus qui sert `runserver` en mode eager (pas dans le processus qui
    surveille les fichiers, ni pendant `migrate`, `test` ou pytest)."""
    if not settings.CELERY_TASK_ALWAYS_EAGER or list(argv[1:2]) != ["runserver"]:
        return False
    return environ.get("RUN_MAIN") == "true" or "--noreload" in argv


def brancher_reprise_au_demarrage() -> None:
    """Appelée par `CoreConfig.ready()` : la reprise attend la première requête (pas d'accès à
    la base pendant l'initialisation des applications)."""
    demarre_le = timezone.now()

    def reprendre(**kwargs: object) -> None:
        request_started.disconnect(dispatch_uid="core.travaux.services.reprise")
        try:
            travaux_interrompre_au_demarrage(demarre_le=demarre_le)
        except Exception:
            logger.exception("Démarrage : travaux d'avant l'arrêt non vérifiés.")

    request_started.connect(reprendre, dispatch_uid="core.travaux.services.reprise", weak=False)

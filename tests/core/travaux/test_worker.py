"""Un vrai worker Celery (Redis, base de test) : export du journal, échec, relance.

Le worker est lancé en sous-processus sur la base de test de pytest-django ; il importe ce
module (`--include`) pour connaître la tâche d'essai qui échoue au premier essai. Le test
attend l'état final en relisant la ligne `Travail`, comme le fait la page.

Isolation : les clés Redis de la suite portent un préfixe propre au processus pytest
(`config.settings.test`), transmis au worker ; deux suites sur le même Redis ne se prennent
pas leurs tâches. Le worker tourne sans mode « eager », comme en production.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import subprocess
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.celery import app
from core.comptes.permissions import Capacite
from core.journal.services import journaliser
from core.models import StatutTravail, Travail
from core.registry import TypeTravail, registre
from core.travaux.services import (
    MESSAGE_INTERROMPU,
    ResultatTravail,
    Suivi,
    enregistrer_types_travaux,
    tache_travail,
    travail_creer,
    travail_relancer,
    travaux_balayer,
)
from tests.factories import CollectiviteFactory, UtilisateurFactory

RACINE = Path(settings.BASE_DIR)
CELERY = RACINE / ".venv" / "bin" / "celery"
ATTENTE_MAX = 60


@tache_travail(type="essai_worker", queue="documents")
def tache_echoue_une_fois(suivi: Suivi, travail: Travail) -> None:
    if travail.tentatives == 0:
        raise RuntimeError("panne simulée du premier essai")
    # Ce que le worker met en file passe-t-il par Redis, comme en production ?
    mode = "eager" if tache_echoue_une_fois.app.conf.task_always_eager else "broker"
    suivi.terminer("second-essai.txt", b"second essai reussi", message=f"mode {mode}")


@tache_travail(type="essai_long", queue="documents")
def tache_longue(suivi: Suivi, travail: Travail) -> ResultatTravail:
    """Première tentative : avance sans fin (le test tue le worker) ; la relance aboutit."""
    if travail.tentatives == 0:
        suivi.definir_total(10_000)
        for _ in range(10_000):
            suivi.avancer(1, "en cours", forcer=True)
            time.sleep(0.05)
    return ResultatTravail(message="relance aboutie")


def _prefixe() -> str:
    return str(settings.CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"])


def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


def _effacer_cles(prefixe: str, contenant: str = "") -> None:
    """Efface les clés Redis qui commencent par `prefixe` (et contiennent `contenant`)."""
    client = _redis()

    def litteral(texte: str) -> str:
        return re.sub(r"([*?\[\]\\])", r"\\\1", texte)

    motif = f"{litteral(prefixe)}*{litteral(contenant)}*" if contenant else f"{litteral(prefixe)}*"
    for cle in client.scan_iter(match=motif):
        client.delete(cle)


def _url_base_de_test() -> str:
    reglages = connection.settings_dict
    identite = quote(reglages["USER"] or "", safe="")
    if reglages["PASSWORD"]:
        identite += ":" + quote(reglages["PASSWORD"], safe="")
    hote = reglages["HOST"] or "127.0.0.1"
    port = reglages["PORT"] or 5432
    return f"postgres://{identite}@{hote}:{port}/{reglages['NAME']}"


def _demarrer_worker(tmp_path: Path, nom: str) -> tuple[subprocess.Popen[bytes], Path]:
    """Démarre un worker ; ses fichiers (MEDIA_ROOT temporaire) naissent sous `tmp_path`."""
    journal = tmp_path / f"{nom}.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        # Même préfixe de clés Redis que cette suite ; pas de mode « eager » dans le worker.
        "ECHARPE_CELERY_PREFIXE": _prefixe(),
        "ECHARPE_TEST_CELERY_EAGER": "False",
        "ECHARPE_TRAVAIL_BATTEMENT_INTERVALLE": "1",
        "DATABASE_URL": _url_base_de_test(),
        "REDIS_URL": os.environ.get("REDIS_URL", settings.REDIS_URL),
        # config.settings.test crée MEDIA_ROOT par tempfile.mkdtemp : on choisit son parent.
        "TMPDIR": str(tmp_path),
        "PYTHONPATH": str(RACINE),
    }
    commande = [
        str(CELERY),
        "-A",
        "config",
        "worker",
        "-Q",
        "documents,mail",
        "--pool=solo",
        "--concurrency=1",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--include",
        "tests.core.travaux.test_worker",
        "--loglevel=INFO",
        "-n",
        f"{nom}-{os.getpid()}@%h",
    ]
    with journal.open("wb") as sortie:
        processus = subprocess.Popen(  # noqa: S603
            commande, cwd=RACINE, env=env, stdout=sortie, stderr=subprocess.STDOUT
        )
    return processus, journal


def _arreter(processus: subprocess.Popen[bytes]) -> None:
    processus.terminate()
    try:
        processus.wait(timeout=10)
    except subprocess.TimeoutExpired:
        processus.kill()
        processus.wait(timeout=10)


@pytest.fixture
def workers(tmp_path):
    """Fabrique de workers : chacun est arrêté, et les clés Redis de la suite effacées, à la
    fin du test."""
    lances: list[subprocess.Popen[bytes]] = []

    def demarrer(nom: str = "test-echarpe") -> tuple[subprocess.Popen[bytes], Path]:
        processus, journal = _demarrer_worker(tmp_path, f"{nom}-{len(lances)}")
        lances.append(processus)
        return processus, journal

    try:
        yield demarrer
    finally:
        for processus in lances:
            _arreter(processus)
        _effacer_cles(_prefixe())  # files, liaisons et messages non acquittés de cette suite


@pytest.fixture
def worker(workers):
    return workers()


def _attendre(travail: Travail, worker, *statuts: str) -> Travail:
    processus, journal = worker
    limite = time.monotonic() + ATTENTE_MAX
    while time.monotonic() < limite:
        travail.refresh_from_db()
        if travail.statut in statuts:
            return travail
        if processus.poll() is not None:
            pytest.fail(f"Le worker s'est arrêté :\n{journal.read_text(errors='replace')}")
        time.sleep(0.2)
    pytest.fail(
        f"Travail {travail.pk} resté « {travail.statut} » :\n{journal.read_text(errors='replace')}"
    )


def test_les_cles_redis_de_la_suite_sont_propres_au_processus():
    prefixe = _prefixe()
    assert prefixe == os.environ.get("ECHARPE_CELERY_PREFIXE", f"echarpe-test-{os.getpid()}:")
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] == 2 * 60 * 60
    file = f"essai-isolation-{uuid.uuid4().hex}"
    client = _redis()
    try:
        with app.connection_for_write() as connexion:
            attente = connexion.SimpleQueue(file)
            attente.put({"travail": 1})
            attente.close()
        assert client.llen(f"{prefixe}{file}") == 1
        assert not client.exists(file)
    finally:
        _effacer_cles(prefixe, file)


def _fichier(travail: Travail, tmp_path: Path) -> bytes:
    (chemin,) = tmp_path.glob(f"echarpe-media-*/{travail.fichier.name}")
    return chemin.read_bytes()


@pytest.mark.django_db(transaction=True)
def test_un_vrai_worker_exporte_echoue_puis_reussit_a_la_relance(
    worker, settings, monkeypatch, tmp_path
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    enregistrer_types_travaux()
    monkeypatch.setitem(
        registre.types_travaux,
        "essai_worker",
        TypeTravail("essai_worker", "Essai", tache_echoue_une_fois, Capacite.ACCUEIL),
    )
    collectivite = CollectiviteFactory.create(nom="Saint-Worker")
    agent = UtilisateurFactory.create()
    for i in range(3):
        journaliser(action="essai_worker", collectivite=collectivite, details={"i": i})

    # Export du journal : la tâche part vers Redis (pas de transaction ouverte : tout de suite).
    export = travail_creer(
        collectivite=collectivite,
        type="journal_export",
        libelle="Export du journal",
        par=agent,
        parametres={"action": "essai_worker"},
    )
    export = _attendre(export, worker, StatutTravail.TERMINE, StatutTravail.ECHEC)
    assert export.statut == StatutTravail.TERMINE, export.erreur
    assert (export.progression, export.total) == (3, 3)
    lignes = list(
        csv.reader(io.StringIO(_fichier(export, tmp_path).decode("utf-8-sig")), delimiter=";")
    )
    assert [ligne[0] for ligne in lignes] == ["N°", "1", "2", "3"]
    assert {ligne[3] for ligne in lignes[1:]} == {"essai_worker"}

    # Une tâche qui échoue : la ligne le dit, sans la trace ; la relance aboutit.
    essai = travail_creer(
        collectivite=collectivite, type="essai_worker", libelle="Essai", par=agent
    )
    essai = _attendre(essai, worker, StatutTravail.ECHEC, StatutTravail.TERMINE)
    assert essai.statut == StatutTravail.ECHEC
    assert "erreur inattendue" in essai.erreur
    assert "panne simulée" not in essai.erreur

    travail_relancer(travail=essai, par=agent)
    essai = _attendre(essai, worker, StatutTravail.TERMINE, StatutTravail.ECHEC)
    assert essai.statut == StatutTravail.TERMINE, essai.erreur
    assert essai.tentatives == 1
    assert essai.message == "mode broker"
    assert _fichier(essai, tmp_path) == b"second essai reussi"
    assert "panne simulée" in worker[1].read_text(errors="replace")  # la trace est au log


@pytest.mark.django_db(transaction=True)
def test_un_worker_tue_en_plein_travail_le_laisse_interrompu_puis_relancable(
    workers, settings, monkeypatch
):
    """SIGKILL au milieu d'un travail : le battement s'arrête, le balayage (délai court) le
    déclare interrompu, la relance aboutit sur un nouveau worker."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    enregistrer_types_travaux()
    monkeypatch.setitem(
        registre.types_travaux,
        "essai_long",
        TypeTravail("essai_long", "Essai long", tache_longue, Capacite.ACCUEIL),
    )
    agent = UtilisateurFactory.create()
    travail = travail_creer(
        collectivite=CollectiviteFactory.create(),
        type="essai_long",
        libelle="Essai long",
        par=agent,
    )
    premier = workers("tue")
    limite = time.monotonic() + ATTENTE_MAX
    while travail.progression < 3 and time.monotonic() < limite:
        time.sleep(0.2)
        travail.refresh_from_db()
    assert travail.statut == StatutTravail.EN_COURS, premier[1].read_text(errors="replace")

    premier[0].send_signal(signal.SIGKILL)
    premier[0].wait(timeout=10)
    travail.refresh_from_db()
    dernier_battement = travail.battement_le
    assert dernier_battement is not None

    # Avec le délai par défaut, un battement si récent ne dit pas encore que le worker est mort.
    assert travaux_balayer() == (0, 0)
    settings.ECHARPE_TRAVAIL_BATTEMENT_DELAI = 2
    time.sleep(2.5)
    travail.refresh_from_db()
    assert travail.battement_le == dernier_battement  # plus personne ne bat
    assert travaux_balayer() == (0, 1)
    travail.refresh_from_db()
    assert (travail.statut, travail.erreur) == (StatutTravail.INTERROMPU, MESSAGE_INTERROMPU)

    travail_relancer(travail=travail, par=agent)
    travail = _attendre(travail, workers("relance"), StatutTravail.TERMINE, StatutTravail.ECHEC)
    assert (travail.statut, travail.tentatives, travail.message) == (
        StatutTravail.TERMINE,
        1,
        "relance aboutie",
    )


@pytest.mark.django_db(transaction=True)
def test_le_balayage_n_empile_pas_les_messages_d_un_travail_qui_attend(settings):
    """Aucun worker : la file « documents » est encombrée. Un balayage par minute pendant
    25 minutes ne remet le travail en file qu'une fois (après 10 minutes)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    enregistrer_types_travaux()
    client = _redis()
    file = f"{_prefixe()}documents"
    try:
        travail = travail_creer(
            collectivite=CollectiviteFactory.create(),
            type="journal_export",
            libelle="Export du journal",
            par=None,
        )
        assert client.llen(file) == 1
        debut = timezone.now()
        remis = [
            travaux_balayer(maintenant=debut + timedelta(minutes=minute))[0] for minute in range(25)
        ]
        assert sum(remis) == 1
        messages = [json.loads(brut) for brut in client.lrange(file, 0, -1)]
        assert [m["headers"]["task"] for m in messages] == ["core.tasks.journal_exporter_task"] * 2
        assert {m["headers"]["argsrepr"] for m in messages} == {f"({travail.pk},)"}
        travail.refresh_from_db()
        assert (travail.statut, travail.mises_en_file) == (StatutTravail.EN_ATTENTE, 2)
    finally:
        _effacer_cles(_prefixe())

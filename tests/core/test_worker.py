"""Un vrai worker Celery (Redis, base de test) : export du journal, échec, relance.

Le worker est lancé en sous-processus sur la base de test de pytest-django ; il importe ce
module (`--include`) pour connaître la tâche d'essai qui échoue au premier essai. Le test
attend l'état final en relisant la ligne `Travail`, comme le fait la page.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from celery import shared_task
from django.conf import settings
from django.db import connection

from core.journal import journaliser
from core.models import StatutTravail, Travail
from core.permissions import Capacite
from core.registry import TypeTravail, registre
from core.travaux import (
    enregistrer_types_travaux,
    travail_creer,
    travail_execution,
    travail_relancer,
)
from tests.factories import CollectiviteFactory, UtilisateurFactory

RACINE = Path(settings.BASE_DIR)
CELERY = RACINE / ".venv" / "bin" / "celery"
ATTENTE_MAX = 60


@shared_task(name="tests.core.test_worker.tache_echoue_une_fois")
def tache_echoue_une_fois(travail_id: int) -> None:
    with travail_execution(travail_id) as suivi:
        if suivi is None:
            return
        if suivi.travail.tentatives == 0:
            raise RuntimeError("panne simulée du premier essai")
        suivi.terminer("second-essai.txt", b"second essai reussi")


def _url_base_de_test() -> str:
    reglages = connection.settings_dict
    identite = quote(reglages["USER"] or "", safe="")
    if reglages["PASSWORD"]:
        identite += ":" + quote(reglages["PASSWORD"], safe="")
    hote = reglages["HOST"] or "127.0.0.1"
    port = reglages["PORT"] or 5432
    return f"postgres://{identite}@{hote}:{port}/{reglages['NAME']}"


@pytest.fixture
def worker(tmp_path):
    """Démarre le worker ; ses fichiers (MEDIA_ROOT temporaire) naissent sous `tmp_path`."""
    journal = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "False",
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
        "tests.core.test_worker",
        "--loglevel=INFO",
        "-n",
        f"test-echarpe-{os.getpid()}@%h",
    ]
    with journal.open("wb") as sortie:
        processus = subprocess.Popen(  # noqa: S603
            commande, cwd=RACINE, env=env, stdout=sortie, stderr=subprocess.STDOUT
        )
    try:
        yield processus, journal
    finally:
        processus.terminate()
        try:
            processus.wait(timeout=10)
        except subprocess.TimeoutExpired:
            processus.kill()
            processus.wait(timeout=10)


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
        TypeTravail(
            "essai_worker",
            "Essai",
            "tests.core.test_worker.tache_echoue_une_fois",
            Capacite.ACCUEIL,
        ),
    )
    collectivite = CollectiviteFactory(nom="Saint-Worker")
    agent = UtilisateurFactory()
    for i in range(3):
        journaliser(action="essai_worker", collectivite=collectivite, details={"i": i})

    # Export du journal : la tâche part vers Redis (pas de transaction ouverte : tout de suite).
    export = travail_creer(
        collectivite=collectivite,
        type="journal_export",
        libelle="Export du journal",
        demandeur=agent,
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
        collectivite=collectivite, type="essai_worker", libelle="Essai", demandeur=agent
    )
    essai = _attendre(essai, worker, StatutTravail.ECHEC, StatutTravail.TERMINE)
    assert essai.statut == StatutTravail.ECHEC
    assert "erreur inattendue" in essai.erreur
    assert "panne simulée" not in essai.erreur

    travail_relancer(travail=essai, par=agent)
    essai = _attendre(essai, worker, StatutTravail.TERMINE, StatutTravail.ECHEC)
    assert essai.statut == StatutTravail.TERMINE, essai.erreur
    assert essai.tentatives == 1
    assert _fichier(essai, tmp_path) == b"second essai reussi"
    assert "panne simulée" in worker[1].read_text(errors="replace")  # la trace est au log

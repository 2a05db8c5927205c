"""Le banc `make bench` des convocations fonctionne : 20 destinataires, tâche « eager » dans ce
processus (le banc lui-même lance un vrai worker ; voir aussi test_worker.py)."""

from __future__ import annotations

import pytest

from bench.convocations_envoi import CONCURRENCE_PRODUCTION, RACINE, Resultat, mesurer, resume
from convocations.seances.models import Destinataire, EnvoiConvocation
from core.mail.models import StatutEnvoi


@pytest.mark.reseau
@pytest.mark.django_db(transaction=True)
def test_le_banc_mesure_la_boucle_et_le_chemin_reel(settings) -> None:
    settings.ECHARPE_BOITE_DEMO = None
    resultat = mesurer(destinataires=20, worker=False)
    assert resultat.recus_worker == 20
    assert resultat.doublons == 0
    assert resultat.secondes_boucle > 0 and resultat.secondes_worker > 0
    assert EnvoiConvocation.objects.filter(statut=StatutEnvoi.ENVOYE).count() == 20
    assert not Destinataire.objects.filter(nombre_envois=0).exists()
    assert "Rapport worker / boucle" in resume(resultat)


def test_le_resume_donne_le_rapport_en_francais() -> None:
    resultat = Resultat(
        destinataires=1000,
        secondes_boucle=2.0,  # 500 messages/s
        secondes_worker=5.0,  # 200 messages/s
        recus_worker=1000,
        doublons=0,
    )
    assert resultat.rapport == pytest.approx(0.4)
    texte = resume(resultat)
    assert "1\u202f000" in texte
    assert "500,0 messages/s" in texte
    assert "Rapport worker / boucle : 0,40 (objectif : 0,50 au moins) — NON ATTEINT" in texte

    assert "un processus (--pool=solo)" in texte


def test_le_banc_tourne_par_defaut_avec_les_processus_de_la_production() -> None:
    """Le défaut du banc (`--concurrence`) est celui du worker `mail` déployé : si la
    production change, le banc doit suivre."""
    option = f"--concurrency {CONCURRENCE_PRODUCTION} "
    compose = (RACINE / "docker-compose.yml").read_text()
    (ligne,) = [ligne for ligne in compose.splitlines() if "worker -Q mail" in ligne]
    assert option in ligne
    systemd = (RACINE / "deploy/systemd/echarpe-worker-mail.service").read_text()
    (ligne,) = [ligne for ligne in systemd.splitlines() if "worker -Q mail" in ligne]
    assert option in ligne
    texte = resume(
        Resultat(
            destinataires=10,
            secondes_boucle=1.0,
            secondes_worker=1.0,
            recus_worker=10,
            doublons=0,
            concurrence=CONCURRENCE_PRODUCTION,
        )
    )
    assert f"{CONCURRENCE_PRODUCTION} processus (--pool=prefork)" in texte

"""Le banc `make bench` des convocations fonctionne : 20 destinataires, tâche « eager » dans ce
processus (le banc lui-même lance un vrai worker ; voir aussi test_worker.py)."""

from __future__ import annotations

import pytest

from bench.convocations_envoi import Resultat, mesurer, resume
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

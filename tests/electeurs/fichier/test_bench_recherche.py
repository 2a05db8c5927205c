"""Le banc de la recherche d'électeurs fonctionne : une mesure minuscule (~500 électeurs)."""

from __future__ import annotations

import pytest

from bench.recherche_electeurs import Resultat, mesurer, resume
from electeurs.models import Electeur


@pytest.mark.django_db
def test_le_banc_charge_mesure_et_explique() -> None:
    resultat = mesurer(electeurs=500, autre=50, requetes=10)

    assert Electeur.objects.filter(collectivite__slug="banc-grande-ville").count() == 500
    assert Electeur.objects.filter(collectivite__slug="banc-voisine").count() == 50
    assert len(resultat.ine) == len(resultat.prefixe) == 10
    assert resultat.p(resultat.prefixe, 0.95) > 0
    texte = resume(resultat)
    assert "Ratio p95 début de nom / p95 INE" in texte
    # Les plans nomment les index qui servent chaque requête.
    assert "electeurs_rech_naissance_c" in texte
    assert "electeurs_ine_idx" in texte or "electeurs_electeur_ine_unique" in texte


def test_le_quantile_et_le_ratio() -> None:
    resultat = Resultat(electeurs=1, requetes=4, secondes_chargement=0.0)
    resultat.ine = [0.001, 0.001, 0.001, 0.002]
    resultat.prefixe = [0.002, 0.002, 0.003, 0.004]

    assert Resultat.p(resultat.prefixe, 0.95) == 0.004
    assert resultat.ratio == pytest.approx(2.0)
    assert "ATTEINT" in resume(resultat)

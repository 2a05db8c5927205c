"""Le banc `make bench` fonctionne : une mesure minuscule, dans la base de test habituelle."""

from __future__ import annotations

import pytest
from django.template.base import Template

from bench.liste_vs_trivial import ErreurBanc, Resultat, mesurer, resume
from core.models import EntreeJournal


@pytest.mark.django_db
def test_le_banc_mesure_la_liste_et_la_vue_triviale() -> None:
    rendu_avant = Template._render  # type: ignore[attr-defined]

    resultat = mesurer(entrees=30, requetes=3, tours=2, echauffement=1)

    assert EntreeJournal.objects.filter(collectivite__slug="saint-banc").count() == 30
    assert len(resultat.secondes_triviale) == len(resultat.secondes_liste) == 2
    assert resultat.par_seconde_triviale > 0
    assert resultat.par_seconde_liste > 0
    assert resultat.requetes_sql_liste > 0
    assert resultat.url_liste == "/journal/"
    texte = resume(resultat)
    assert "Rapport liste / vue triviale" in texte
    assert "requêtes/s" in texte
    # L'instrumentation des gabarits de pytest-django est rendue intacte après la mesure.
    assert Template._render is rendu_avant  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_le_banc_dit_en_francais_quand_la_page_manque() -> None:
    with pytest.raises(ErreurBanc, match="« page_inconnue » n'existe pas"):
        mesurer(entrees=1, requetes=1, tours=1, echauffement=0, page="page_inconnue")


def test_le_resume_donne_le_rapport_en_francais() -> None:
    resultat = Resultat(
        entrees=5000,
        requetes_par_tour=1000,
        secondes_triviale=[0.5, 0.5],  # 2 000 requêtes/s
        secondes_liste=[2.0, 2.0],  # 500 requêtes/s
        requetes_sql_liste=7,
        octets_liste=20480,
        url_liste="/journal/",
    )
    assert resultat.rapport == pytest.approx(0.25)
    texte = resume(resultat)
    assert "5\u202f000 entrées de journal" in texte
    assert "2\u202f000 requêtes/s" in texte
    assert "Rapport liste / vue triviale : 0,250" in texte
    assert "coûte 4,0 fois une vue triviale" in texte
    assert "20,0 Kio" in texte

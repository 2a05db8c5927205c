"""Le banc `make bench` de l'import fonctionne : 200 lignes, dans la base de test."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.import_reu import Resultat, generer, mesurer, resume
from core.documents.csv import lire_csv
from electeurs.imports.colonnes import COLONNES
from electeurs.models import Electeur


def test_le_generateur_suit_la_disposition_elire(tmp_path: Path) -> None:
    chemin = generer(tmp_path / "extrait.csv", lignes=3)
    brut = chemin.read_bytes()
    assert not brut.startswith(b"\xef\xbb\xbf") and b"\r\n" not in brut
    entete, premiere = brut.decode().splitlines()[:2]
    assert entete.startswith('"code du l\'ugle";"libellé de l\'ugle";')
    assert ';;;;"85100";' in premiere and premiere.endswith(";1")
    with chemin.open("rb") as fichier:
        assert len(list(lire_csv(fichier, colonnes=COLONNES))) == 3


@pytest.mark.postgresql
@pytest.mark.django_db
def test_le_banc_mesure_l_import_et_le_copy(tmp_path: Path) -> None:
    resultat = mesurer(lignes=200, dossier=tmp_path, sous_processus=False)
    assert resultat.comptes["nouveaux"] == 200
    assert Electeur.objects.filter(collectivite__slug="banc-import-reu").count() == 200
    assert resultat.secondes_copy > 0 and resultat.secondes_import > 0
    assert resultat.rss_pic_kio > 0
    assert "Rapport import / COPY" in resume(resultat)
    # Le plancher a réécrit les 200 électeurs puis tout annulé : l'import reste en base.
    assert 0 < resultat.secondes_ecriture <= resultat.secondes_plancher
    assert Electeur.objects.filter(collectivite__slug="banc-import-reu").count() == 200


def test_le_resume_donne_le_rapport_en_francais() -> None:
    resultat = Resultat(
        lignes=1_000_000,
        octets=300 * 1024 * 1024,
        secondes_copy=10.0,
        secondes_import=25.0,
        rss_pic_kio=100 * 1024,
        comptes={"nouveaux": 1_000_000},
        secondes_ecriture=20.0,
        secondes_plancher=50.0,
    )
    assert resultat.rapport == pytest.approx(2.5)
    assert resultat.rapport_plancher == pytest.approx(0.5)
    texte = resume(resultat)
    assert "1\u202f000\u202f000 lignes" in texte
    assert "Rapport import / COPY : 2,50" in texte
    assert "100 Mio" in texte
    assert "électeurs et inscriptions seuls  : 20,0 s (2,00 × COPY)" in texte
    assert "avec index et clés étrangères  : 50,0 s (5,00 × COPY)" in texte
    assert "Rapport import / plancher : 0,50" in texte

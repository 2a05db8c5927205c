"""`python manage.py importer_reu FICHIER --collectivite SLUG [--dry-run]`."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from core.tenancy.models import Collectivite
from electeurs.models import Electeur
from tests.electeurs.imports.outils import ECHANTILLON, extrait

pytestmark = pytest.mark.django_db


@pytest.fixture
def commune(collectivite: Collectivite) -> Collectivite:
    collectivite.code_insee = "85194"
    collectivite.save()
    return collectivite


def lancer(*args: str) -> tuple[str, str]:
    sortie, erreurs = io.StringIO(), io.StringIO()
    call_command("importer_reu", *args, stdout=sortie, stderr=erreurs)
    return sortie.getvalue(), erreurs.getvalue()


def test_essai_a_blanc_compte_sans_ecrire(commune: Collectivite) -> None:
    sortie, _ = lancer(str(ECHANTILLON), "--collectivite", commune.slug, "--dry-run")
    assert "Aperçu (rien n'est écrit) : 10 lignes lues ; 9\u00a0nouveaux électeurs" in sortie
    assert "Dates de naissance incomplètes (00/00/aaaa) : 2" in sortie
    assert Electeur.objects.count() == 0


def test_import_en_ligne_de_commande(commune: Collectivite) -> None:
    sortie, _ = lancer(str(ECHANTILLON), "--collectivite", commune.slug)
    assert sortie.startswith("Import terminé : 10 lignes lues")
    assert Electeur.objects.pour(commune).count() == 9


def test_fichier_refuse_code_de_sortie_et_lignes(commune: Collectivite, tmp_path: Path) -> None:
    chemin = tmp_path / "extrait.csv"
    chemin.write_bytes(extrait({}, {"nom_naissance": "ROUX", "type_liste": "Liste X"}))
    erreurs = io.StringIO()
    with pytest.raises(CommandError, match=r"Fichier refusé \(1\u00a0erreur\) : rien n'a été"):
        call_command("importer_reu", str(chemin), "--collectivite", commune.slug, stderr=erreurs)
    assert erreurs.getvalue().startswith(
        "Ligne 3, colonne « libellé du type de liste » : type de liste inconnu « Liste X »"
    )
    assert Electeur.objects.count() == 0


def test_collectivite_inconnue_ou_fichier_absent(commune: Collectivite) -> None:
    with pytest.raises(CommandError, match="Collectivité inconnue : « nulle-part »"):
        lancer(str(ECHANTILLON), "--collectivite", "nulle-part")
    with pytest.raises(CommandError, match="Fichier introuvable"):
        lancer("/nulle/part.csv", "--collectivite", commune.slug)


def test_collectivite_sans_code_insee(collectivite: Collectivite) -> None:
    collectivite.code_insee = ""
    collectivite.save()
    with pytest.raises(CommandError, match="n'a pas de code INSEE"):
        lancer(str(ECHANTILLON), "--collectivite", collectivite.slug)

"""`python manage.py importer_contacts` : mêmes règles que la page, codes de sortie."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line

from convocations.models import Contact, Groupe
from tests.convocations.factories import GroupeFactory

pytestmark = pytest.mark.django_db

SEED = (
    "support@eurenormandienumerique.fr;Support ENN;ENN\r\n"
    "john.deuf@eurenormandienumerique.fr;John Deuf;ENN;ENN_4\r\n"
).encode("cp1252")


def _fichier(tmp_path, contenu: bytes):
    chemin = tmp_path / "Classeur1.csv"
    chemin.write_bytes(contenu)
    return str(chemin)


def test_import_complet_avec_creation_des_groupes(monde, tmp_path, capsys):
    call_command(
        "importer_contacts",
        _fichier(tmp_path, SEED),
        "--collectivite",
        "saint-test",
        "--creer-groupes",
    )

    sortie = capsys.readouterr().out.replace("\u00a0", " ")
    assert "Import terminé : 2 contacts ajoutés, 0 contact mis à jour, 2 groupes créés" in sortie
    assert Contact.objects.pour(monde.collectivite).count() == 2
    assert set(Groupe.objects.values_list("nom", flat=True)) == {"ENN", "ENN_4"}


def test_groupe_inconnu_sans_creer_groupes_sortie_non_nulle(monde, tmp_path, capsys):
    GroupeFactory(collectivite=monde.collectivite, nom="ENN")

    with pytest.raises(CommandError) as refus:
        call_command("importer_contacts", _fichier(tmp_path, SEED), "--collectivite", "saint-test")

    assert "rien n'a été écrit" in str(refus.value)
    assert "Le groupe « ENN_4 » n'existe pas (ligne 2)" in capsys.readouterr().err
    assert not Contact.objects.exists()


def test_dry_run_n_ecrit_rien(monde, tmp_path, capsys):
    call_command(
        "importer_contacts",
        _fichier(tmp_path, SEED),
        "--collectivite",
        "saint-test",
        "--dry-run",
        "--creer-groupes",
    )

    assert "Essai à blanc : 2 contact(s) à ajouter" in capsys.readouterr().out
    assert not Contact.objects.exists()
    assert not Groupe.objects.exists()


def test_lignes_fautives_numerotees_et_code_de_sortie(monde, tmp_path, capsys):
    contenu = b"a@exemple.fr;A\r\nfaux;B\r\na@exemple.fr;C\r\n"

    with pytest.raises(CommandError):
        call_command(
            "importer_contacts", _fichier(tmp_path, contenu), "--collectivite", "saint-test"
        )

    erreurs = capsys.readouterr().err
    assert "Ligne 2 : Adresse électronique invalide : « faux »." in erreurs
    assert "Ligne 3 : l'adresse « a@exemple.fr » figure déjà ligne 1." in erreurs
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("contenu", "message"),
    [(b"", "Le fichier est vide."), (b"PK\x03\x04zip", "classeur")],
)
def test_fichier_refuse(monde, tmp_path, contenu, message):
    with pytest.raises(CommandError) as refus:
        call_command(
            "importer_contacts", _fichier(tmp_path, contenu), "--collectivite", "saint-test"
        )

    assert message in str(refus.value)


def test_collectivite_ou_fichier_inconnus(monde, tmp_path):
    with pytest.raises(CommandError, match="Collectivité inconnue"):
        call_command("importer_contacts", _fichier(tmp_path, SEED), "--collectivite", "nulle-part")
    with pytest.raises(CommandError, match="Fichier illisible"):
        call_command(
            "importer_contacts", str(tmp_path / "absent.csv"), "--collectivite", "saint-test"
        )


def test_le_code_de_sortie_est_non_nul_en_ligne_de_commande(monde, tmp_path, capsys):
    fichier = _fichier(tmp_path, b"faux;B\r\n")

    with pytest.raises(SystemExit) as sortie:
        execute_from_command_line(
            ["manage.py", "importer_contacts", fichier, "--collectivite", "saint-test"]
        )

    assert sortie.value.code == 1
    assert "Ligne 1 : Adresse électronique invalide" in capsys.readouterr().err

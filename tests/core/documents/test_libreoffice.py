"""Conversion DOCX → PDF : un vrai lot LibreOffice (une seule fois pour le module) et des
exécutables factices pour l'absence, le délai et les sorties manquantes."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from core.documents import ConversionImpossible
from core.documents.docx import docx_rendre
from core.documents.libreoffice import MESSAGE_ABSENT, docx_vers_pdf, libreoffice_disponible
from tests.core.documents.texte_pdf import sans_espaces, texte_pdf

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "documents"
NOMS = ["DUPRÉ Hélène", "MARTIN Léa", "GARÇON Zoé"]


@pytest.fixture(scope="module")
def lot_converti() -> dict[str, bytes]:
    """Le seul appel réel à LibreOffice de la suite (démarrage à froid : quelques secondes)."""
    modele = (FIXTURES / "modele_coupe.docx").read_bytes()
    documents = {
        f"avis-{i}": docx_rendre(modele, {"nom": nom, "electeur": {"bureau": f"Bureau {i}"}})
        for i, nom in enumerate(NOMS, start=1)
    }
    return docx_vers_pdf(documents)


def test_libreoffice_est_disponible_ici():
    assert libreoffice_disponible()


def test_un_lot_de_trois_documents_donne_trois_pdf(lot_converti):
    pdfs = lot_converti
    assert sorted(pdfs) == ["avis-1", "avis-2", "avis-3"]
    assert all(pdf.startswith(b"%PDF") for pdf in pdfs.values())


def test_chaque_pdf_contient_son_texte_rendu(lot_converti):
    pdfs = lot_converti
    for i, nom in enumerate(NOMS, start=1):
        texte = sans_espaces(texte_pdf(pdfs[f"avis-{i}"]))
        assert sans_espaces(f"Bonjour {nom} !") in texte
        assert sans_espaces(f"Votre bureau de vote : Bureau {i}.") in texte
        for autre in NOMS:
            if autre != nom:
                assert sans_espaces(autre) not in texte


def test_un_lot_vide_ne_lance_rien(settings):
    settings.ECHARPE_SOFFICE = "/chemin/inexistant/soffice"
    assert docx_vers_pdf({}) == {}


def test_sans_libreoffice_la_conversion_est_impossible_avec_un_message_clair(settings):
    settings.ECHARPE_SOFFICE = "/chemin/inexistant/soffice"
    assert not libreoffice_disponible()
    with pytest.raises(ConversionImpossible) as exc:
        docx_vers_pdf({"avis": b"PK"})
    assert exc.value.message == MESSAGE_ABSENT
    assert MESSAGE_ABSENT == (
        "LibreOffice n'est pas installé sur ce serveur : le document Word reste disponible."
    )


def soffice_factice(dossier: Path, script: str) -> Path:
    chemin = dossier / "soffice"
    chemin.write_text("#!/bin/sh\n" + script)
    chemin.chmod(chemin.stat().st_mode | stat.S_IXUSR)
    return chemin


def test_un_seul_processus_pour_tout_le_lot_avec_un_profil_temporaire_sans_macros(
    settings, tmp_path
):
    journal = tmp_path / "appels.txt"
    # Le faux soffice note ses arguments et son profil, puis « convertit » chaque fichier.
    settings.ECHARPE_SOFFICE = str(
        soffice_factice(
            tmp_path,
            f'echo "$@" >> {journal}\n'
            'for a in "$@"; do case "$a" in\n'
            f'  -env:UserInstallation=file://*) cp "${{a#-env:UserInstallation=file://}}'
            f'/user/registrymodifications.xcu" {tmp_path}/profil.xcu ;;\n'
            "esac; done\n"
            'sortie=""; prendre=0\n'
            'for a in "$@"; do\n'
            '  if [ "$prendre" = 1 ]; then sortie="$a"; prendre=0; fi\n'
            '  [ "$a" = "--outdir" ] && prendre=1\n'
            '  case "$a" in *.docx) n=$(basename "$a" .docx); printf "%%PDF-1.4 $n" > '
            '"$sortie/$n.pdf" ;; esac\n'
            "done\n",
        )
    )
    pdfs = docx_vers_pdf({"a": b"1", "b": b"2", "c": b"3"})
    assert pdfs == {"a": b"%PDF-1.4 doc-0001", "b": b"%PDF-1.4 doc-0002", "c": b"%PDF-1.4 doc-0003"}
    appels = journal.read_text().splitlines()
    assert len(appels) == 1
    arguments = appels[0].split()
    assert "--headless" in arguments
    assert arguments[arguments.index("--convert-to") + 1] == "pdf"
    assert sum(a.endswith(".docx") for a in arguments) == 3
    profil = next(a for a in arguments if a.startswith("-env:UserInstallation=file:///"))
    assert not Path(profil.removeprefix("-env:UserInstallation=file://")).exists()  # nettoyé
    xcu = (tmp_path / "profil.xcu").read_text()
    assert '<prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value>' in xcu
    assert '<prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value>' in xcu


def test_un_pdf_manquant_rend_la_conversion_impossible(settings, tmp_path):
    settings.ECHARPE_SOFFICE = str(soffice_factice(tmp_path, "exit 0\n"))
    with pytest.raises(ConversionImpossible) as exc:
        docx_vers_pdf({"avis de DUPRÉ": b"PK"})
    assert exc.value.message == (
        "La conversion en PDF a échoué pour « avis de DUPRÉ » : le document Word reste disponible."
    )


def test_le_delai_depasse_arrete_libreoffice_et_ses_enfants(settings, tmp_path):
    pid = tmp_path / "pid"
    # Le script lance un enfant (comme soffice lance soffice.bin) qui ne finit jamais.
    settings.ECHARPE_SOFFICE = str(
        soffice_factice(tmp_path, f"sleep 60 &\necho $! > {pid}\nwait\n")
    )
    settings.ECHARPE_SOFFICE_TIMEOUT = 1
    debut = time.monotonic()
    with pytest.raises(ConversionImpossible) as exc:
        docx_vers_pdf({"a": b"PK"})
    assert time.monotonic() - debut < 10
    assert exc.value.message == (
        "La conversion en PDF a dépassé le délai de 1 seconde : le document Word reste disponible."
    )
    enfant = int(pid.read_text())
    for _ in range(50):
        etat = Path(f"/proc/{enfant}/stat")
        if not etat.exists() or etat.read_text().split()[2] == "Z":
            break
        time.sleep(0.05)
    else:
        os.kill(enfant, 9)
        pytest.fail("l'enfant de soffice tourne encore après le délai")

"""docs/ajouter-une-application.md ne cite que du code vrai.

Chaque bloc de code précédé de `<!-- extrait: chemin -->` doit figurer mot pour mot dans le
fichier nommé : la page change avec le code qu'elle cite.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

RACINE = Path(__file__).resolve().parents[2]
PAGE = RACINE / "docs" / "ajouter-une-application.md"
_EXTRAIT = re.compile(
    r"^<!-- extrait: (?P<chemin>\S+) -->\n```[a-z]*\n(?P<code>.*?)^```$", re.M | re.S
)


def _extraits() -> list[tuple[str, str]]:
    return [(m["chemin"], m["code"]) for m in _EXTRAIT.finditer(PAGE.read_text(encoding="utf-8"))]


def test_la_page_cite_l_application_d_exemple():
    chemins = {chemin for chemin, _ in _extraits()}
    assert len(_extraits()) >= 15
    assert {
        "tests/exemple/apps.py",
        "tests/exemple/models.py",
        "tests/exemple/views.py",
        "tests/exemple/services.py",
        "tests/exemple/tasks.py",
        "tests/exemple/urls.py",
        "tests/exemple/matrice.py",
    } <= chemins


def test_chaque_marque_d_extrait_precede_un_bloc_de_code():
    marques = re.findall(r"^<!-- extrait:", PAGE.read_text(encoding="utf-8"), re.M)
    assert len(marques) == len(_extraits())


@pytest.mark.parametrize(("chemin", "code"), _extraits(), ids=lambda v: v[:40])
def test_chaque_extrait_est_tire_du_code(chemin, code):
    fichier = RACINE / chemin
    assert fichier.is_file(), f"{chemin} n'existe pas"
    assert code in fichier.read_text(encoding="utf-8"), f"Extrait absent de {chemin} :\n{code}"

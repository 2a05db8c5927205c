"""Structure du socle : pas d'import caché dans une fonction, pas de dépendance circulaire."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

RACINE = Path(__file__).resolve().parents[2]
CORE = RACINE / "core"

# Fichiers où un import dans une fonction est la règle : `AppConfig.ready()` (les modèles ne
# se chargent qu'une fois les applications prêtes) et les relais paresseux des paquets.
FICHIERS_EXCLUS = {"core/apps.py"}

# (fichier, fonction la plus proche) → raison. Une entrée qui ne sert plus fait échouer le
# test : la liste ne fait que rétrécir.
EXCEPTIONS = {
    ("core/travaux/services.py", "enregistrer_types_travaux"): (
        "core.tasks importe ce module (Suivi, tache_travail) : la tâche d'export n'est lisible "
        "qu'une fois les deux modules chargés."
    ),
    # Un service qui met une tâche en file après le commit : `core.tasks` importe ces services
    # (les tâches sont minces et les appellent), l'import inverse ne peut qu'être différé.
    ("core/comptes/services.py", "mettre_en_file"): "core.tasks importe core.comptes.services",
    ("core/liens/services.py", "activation_envoyer"): "core.tasks importe core.liens.services",
}


def _modules_du_socle() -> list[Path]:
    return sorted(
        chemin
        for chemin in CORE.rglob("*.py")
        if "migrations" not in chemin.parts
        and str(chemin.relative_to(RACINE)) not in FICHIERS_EXCLUS
    )


def _est_relais(chemin: Path, arbre: ast.Module) -> bool:
    """Un `__init__.py` de relais paresseux (`__getattr__` vers `services`)."""
    return chemin.name == "__init__.py" and any(
        isinstance(noeud, ast.FunctionDef) and noeud.name == "__getattr__" for noeud in arbre.body
    )


def _imports_dans_des_fonctions(chemin: Path) -> list[tuple[str, int, str]]:
    arbre = ast.parse(chemin.read_text(encoding="utf-8"))
    if _est_relais(chemin, arbre):
        return []
    trouves: list[tuple[str, int, str]] = []

    def visiter(noeud: ast.AST, fonction: str | None) -> None:
        for enfant in ast.iter_child_nodes(noeud):
            if isinstance(enfant, ast.FunctionDef | ast.AsyncFunctionDef):
                visiter(enfant, enfant.name)
            elif isinstance(enfant, ast.Import | ast.ImportFrom) and fonction is not None:
                trouves.append((fonction, enfant.lineno, ast.unparse(enfant)))
            else:
                visiter(enfant, fonction)

    visiter(arbre, None)
    return trouves


def test_aucun_import_dans_une_fonction_hors_exceptions_nommees():
    interdits = []
    utilisees = set()
    for chemin in _modules_du_socle():
        relatif = str(chemin.relative_to(RACINE))
        for fonction, ligne, texte in _imports_dans_des_fonctions(chemin):
            if (relatif, fonction) in EXCEPTIONS:
                utilisees.add((relatif, fonction))
            else:
                interdits.append(f"{relatif}:{ligne} dans {fonction}() : {texte}")
    assert interdits == [], "Imports à remonter en tête de module :\n" + "\n".join(interdits)
    assert set(EXCEPTIONS) - utilisees == set(), "Exceptions devenues inutiles : retirez-les."


def test_le_detecteur_voit_un_import_dans_une_fonction(tmp_path):
    fichier = tmp_path / "exemple.py"
    fichier.write_text(
        "import os\n\ndef f():\n    def g():\n        from x import y\n    return os\n",
        encoding="utf-8",
    )
    assert _imports_dans_des_fonctions(fichier) == [("g", 5, "from x import y")]


def _nom_de_module(chemin: Path) -> str:
    parties = chemin.relative_to(RACINE).with_suffix("").parts
    return ".".join(parties[:-1] if parties[-1] == "__init__" else parties)


def test_chaque_module_du_socle_s_importe_seul_dans_l_ordre_alphabetique():
    """Un interpréteur neuf importe chaque module du socle, par ordre alphabétique, avant que
    Django ne charge l'admin ou les URL : un cycle d'imports y lève ImportError."""
    modules = sorted(_nom_de_module(c) for c in CORE.rglob("*.py") if "migrations" not in c.parts)
    programme = (
        "import importlib, sys, django\n"
        "django.setup(set_prefix=False)\n"
        "for nom in sys.argv[1:]:\n"
        "    importlib.import_module(nom)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    resultat = subprocess.run(
        [sys.executable, "-c", programme, *modules],
        cwd=RACINE,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert resultat.returncode == 0, resultat.stderr[-3000:]


def _graphe_des_imports() -> dict[str, set[str]]:
    """Imports de tête de module entre modules du socle (hors `if TYPE_CHECKING`)."""
    chemins = {_nom_de_module(c): c for c in CORE.rglob("*.py") if "migrations" not in c.parts}
    graphe: dict[str, set[str]] = {}
    for nom, chemin in chemins.items():
        dependances: set[str] = set()
        for noeud in ast.parse(chemin.read_text(encoding="utf-8")).body:
            if isinstance(noeud, ast.If) and "TYPE_CHECKING" in ast.unparse(noeud.test):
                continue
            for sous in ast.walk(noeud):
                if isinstance(sous, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    break
                if isinstance(sous, ast.Import):
                    dependances |= {a.name for a in sous.names if a.name in chemins}
                elif isinstance(sous, ast.ImportFrom) and sous.module and not sous.level:
                    for alias in sous.names:
                        complet = f"{sous.module}.{alias.name}"
                        if complet in chemins:
                            dependances.add(complet)
                        elif sous.module in chemins:
                            dependances.add(sous.module)
        dependances.discard(nom)
        graphe[nom] = dependances
    return graphe


def _cycles(graphe: dict[str, set[str]]) -> list[list[str]]:
    etat: dict[str, int] = {}
    pile: list[str] = []
    cycles: list[list[str]] = []

    def parcourir(noeud: str) -> None:
        etat[noeud] = 1
        pile.append(noeud)
        for suivant in sorted(graphe.get(noeud, ())):
            if etat.get(suivant) == 1:
                cycles.append([*pile[pile.index(suivant) :], suivant])
            elif suivant not in etat:
                parcourir(suivant)
        pile.pop()
        etat[noeud] = 2

    for noeud in sorted(graphe):
        if noeud not in etat:
            parcourir(noeud)
    return cycles


def test_aucune_dependance_circulaire_entre_modules_du_socle():
    assert _cycles(_graphe_des_imports()) == []


def test_le_detecteur_de_cycles_en_trouve_un():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]

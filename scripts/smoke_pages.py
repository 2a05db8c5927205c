"""Smoke du parcours démo : les pages principales répondent 200 sur la base SQLite.

Lancé par scripts/smoke_demo.sh après `migrate` et `charger_demo`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.demo")
django.setup()

from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from core.models import Utilisateur  # noqa: E402

PAGES = {
    "secretaire": [
        "accueil",
        "parametres",
        "parametres_agents",
        "parametres_collectivite",
        "smtp_mon_compte",
        "smtp_comptes",
        "delais",
        "journal",
        "outbox",
    ],
    "elections": ["accueil", "parametres", "smtp_mon_compte", "journal"],
    "consultation": ["accueil"],
    "admin": [
        "admin:index",
        "admin:core_collectivite_changelist",
        "admin:core_entreejournal_changelist",
    ],
}


def main() -> int:
    setup_test_environment()
    erreurs = []
    anonyme = Client()
    for nom in ["login", "password_reset"]:
        url = reverse(nom)
        if anonyme.get(url).status_code != 200:
            erreurs.append(f"anonyme {url}")
    for identifiant, urls in PAGES.items():
        client = Client()
        client.force_login(Utilisateur.objects.get(username=identifiant))
        for nom in urls:
            url = reverse(nom)
            statut = client.get(url).status_code
            if statut != 200:
                erreurs.append(f"{identifiant} {url} → {statut}")
    if erreurs:
        print("Smoke démo en échec :\n  " + "\n  ".join(erreurs))
        return 1
    total = sum(len(u) for u in PAGES.values()) + 2
    print(f"Smoke démo : {total} pages répondent 200 (SQLite).")
    return 0


if __name__ == "__main__":
    sys.exit(main())

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
        "pages:accueil",
        "pages:parametres",
        "comptes:agents",
        "tenancy:collectivite",
        "mail:mon_compte",
        "mail:comptes",
        "delais:liste",
        "journal:liste",
        "mail:outbox",
    ],
    "elections": [
        "pages:accueil",
        "pages:parametres",
        "mail:mon_compte",
        "journal:liste",
        "electeurs:reu_liste",
        "electeurs:editions",
    ],
    "consultation": ["pages:accueil", "electeurs:reu_liste"],
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
    # La démo tourne sans DEBUG : les fichiers statiques viennent de WhiteNoise, sans
    # collectstatic préalable.
    from django.conf import settings
    from django.templatetags.static import static

    if settings.DEBUG:
        erreurs.append("la démonstration tourne avec DEBUG=True")
    for fichier in ["css/echarpe.css", "js/travail.js"]:
        reponse = anonyme.get(static(fichier))
        if reponse.status_code != 200:
            erreurs.append(f"statique {static(fichier)} → {reponse.status_code}")
        if hasattr(reponse, "close"):
            reponse.close()
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
    print(f"Smoke démo : {total} pages et les fichiers statiques répondent 200 (SQLite).")
    return 0


if __name__ == "__main__":
    sys.exit(main())

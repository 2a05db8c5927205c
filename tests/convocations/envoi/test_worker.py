"""SIGKILL d'un vrai worker au milieu d'un envoi de convocations (Redis, base de test, serveur
SMTP local qui compte les messages par destinataire).

Après le balayage et un nouveau worker : aucun destinataire ne reçoit deux messages, chacun de
ceux qui ne sont pas « incertains » en reçoit exactement un, et les incertains (au plus le
message en vol au moment du SIGKILL) sont montrés à l'agent sur la page « Envoi et suivi »."""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.urls import reverse

from bench.convocations_envoi import (
    ServeurComptant,
    attendre,
    preparer_seance,
    url_base,
    worker_arreter,
    worker_demarrer,
)
from convocations.envoi.services import convocation_envoyer
from convocations.envoi.tasks import convocations_balayer_task
from convocations.seances.models import EnvoiConvocation
from core.comptes.models import Role, TypeRole
from core.mail.models import StatutEnvoi

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.reseau]

DESTINATAIRES = 120


def _prefixe() -> str:
    return str(settings.CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"])


def _effacer_cles() -> None:
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    motif = re.sub(r"([*?\[\]\\])", r"\\\1", _prefixe()) + "*"
    for cle in client.scan_iter(match=motif):
        client.delete(cle)


def _journal(chemin: Path) -> str:
    return chemin.read_text(errors="replace") if chemin.exists() else ""


def test_sigkill_en_plein_envoi_ni_doublon_ni_oubli(settings, tmp_path, client):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    serveur = ServeurComptant(delai_data=0.05)
    lances = []
    try:
        seance, agent = preparer_seance(n=DESTINATAIRES, port=serveur.port)
        base = url_base(connection.settings_dict)

        def demarrer(nom: str):
            journal = tmp_path / f"{nom}.log"
            processus = worker_demarrer(base=base, prefixe=_prefixe(), journal=journal, nom=nom)
            lances.append(processus)
            return processus, journal

        premier, journal = demarrer("tue")
        convocation_envoyer(seance=seance, par=agent)
        assert attendre(lambda: serveur.compteur.recus() >= 30, limite=90), _journal(journal)
        premier.send_signal(signal.SIGKILL)
        premier.wait(timeout=10)
        recus_au_kill = serveur.compteur.recus()
        assert recus_au_kill < DESTINATAIRES
        lignes = EnvoiConvocation.objects.filter(destinataire__seance=seance)
        # Le message en vol au moment du SIGKILL (le serveur attend avant de répondre à DATA :
        # presque toujours un) : sa ligne reste « en cours » depuis sa mise en vol. Les autres
        # lignes du morceau sont réservées (« en cours » sans `en_cours_depuis`) : aucun message
        # n'est parti pour elles.
        en_vol = set(
            lignes.filter(statut=StatutEnvoi.EN_COURS, en_cours_depuis__isnull=False).values_list(
                "destinataire__email", flat=True
            )
        )
        assert lignes.filter(statut=StatutEnvoi.EN_COURS, en_cours_depuis__isnull=True).exists()

        # Le balayage (délais courts) : la ligne restée en vol devient incertaine, les lignes
        # réservées et « en attente » sont remises en file.
        settings.ECHARPE_ENVOI_EN_COURS_DELAI = 1
        settings.ECHARPE_ENVOI_REMISE_EN_FILE = 1
        time.sleep(1.5)
        convocations_balayer_task()

        second, journal2 = demarrer("relance")
        assert attendre(
            lambda: (
                not lignes.filter(
                    statut__in=[StatutEnvoi.EN_ATTENTE, StatutEnvoi.EN_COURS]
                ).exists()
            ),
            limite=120,
            pas=0.2,
        ), _journal(journal2)
    finally:
        for processus in lances:
            worker_arreter(processus)
        serveur.arreter()
        _effacer_cles()

    par_adresse = serveur.compteur.par_adresse
    statuts = dict(lignes.values_list("destinataire__email", "statut"))
    assert len(statuts) == DESTINATAIRES  # une seule ligne par destinataire, aucun renvoi
    incertains = {email for email, statut in statuts.items() if statut == StatutEnvoi.INCERTAIN}
    assert incertains == en_vol  # exactement le message en vol (worker « solo »), jamais renvoyé
    assert len(incertains) <= 1
    assert all(n == 1 for n in par_adresse.values()), "un destinataire a reçu deux messages"
    for email, statut in statuts.items():
        if email not in incertains:
            assert statut == StatutEnvoi.ENVOYE
            assert par_adresse[email.lower()] == 1, email
    assert serveur.compteur.recus() == sum(par_adresse.values())

    # L'agent voit les incertains sur la page de suivi.
    Role.objects.create(
        utilisateur=agent, collectivite=seance.collectivite, role=TypeRole.SECRETARIAT
    )
    client.force_login(agent)
    page = client.get(reverse("convocations:seance_suivi", args=[seance.pk])).content.decode()
    for email in incertains:
        assert f"({email})" in page
        assert "le courriel est peut-être parti" in page

"""Banc « convocations » : 1 000 convocations par le vrai worker Celery (Redis, PostgreSQL,
file `mail`) vers un serveur SMTP local (aiosmtpd), contre une boucle `smtplib` qui réutilise
une seule connexion vers le même serveur, dans la même exécution.

    make bench
    .venv/bin/python -m bench.convocations_envoi --destinataires 1000

Objectif (issue 9) : débit du worker ≥ 50 % de celui de la boucle. Le chemin mesuré est celui de
la production : `convocation_envoyer` met les lignes en file, le worker prend chaque ligne,
crée le lien personnel, rend le courriel et sa pièce `.ics`, l'envoie et tient les compteurs.
La boucle de référence envoie des messages de même taille (texte et `.ics`), déjà construits.

Le module sert aussi au test du SIGKILL (`tests/convocations/envoi/test_worker.py`) : serveur
qui compte les messages par destinataire, démarrage et arrêt d'un worker.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import smtplib
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiosmtpd.controller import Controller

DESTINATAIRES = 1000
# Processus du worker de la file `mail` en production : `--concurrency 4` dans
# docker-compose.yml et deploy/systemd/echarpe-worker-mail.service (un test le vérifie). Le
# banc mesure par défaut ce que la production fait tourner ; `--concurrence 1` mesure un
# worker seul (`--pool=solo`).
CONCURRENCE_PRODUCTION = 4
RACINE = Path(__file__).resolve().parents[1]
HOTE = "127.0.0.1"


# --- Serveur SMTP qui compte -----------------------------------------------------------------


@dataclass
class Compteur:
    """Gestionnaire aiosmtpd : compte les messages reçus par destinataire, sans les garder."""

    par_adresse: Counter[str] = field(default_factory=Counter)
    total: int = 0
    verrou: threading.Lock = field(default_factory=threading.Lock)
    # Attente avant la réponse à DATA (secondes) : élargit la fenêtre d'un SIGKILL en plein envoi.
    delai_data: float = 0.0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delai_data:
            await asyncio.sleep(self.delai_data)
        with self.verrou:
            for adresse in envelope.rcpt_tos:
                self.par_adresse[adresse.lower()] += 1
            self.total += 1
        return "250 2.0.0 Ok: queued"

    def recus(self) -> int:
        with self.verrou:
            return self.total


class _Controleur(Controller):
    """`Controller` sur un port choisi par le système (port=0), lu après l'écoute."""

    def _trigger_server(self) -> None:
        if self.port == 0 and isinstance(self.server, asyncio.Server):
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class ServeurComptant:
    def __init__(self, *, delai_data: float = 0.0) -> None:
        self.compteur = Compteur(delai_data=delai_data)
        self.controleur = _Controleur(self.compteur, hostname=HOTE, port=0)
        self.controleur.start()

    @property
    def port(self) -> int:
        return int(self.controleur.port)

    def arreter(self) -> None:
        self.controleur.stop()


# --- Worker Celery -----------------------------------------------------------------------------


def url_base(reglages: dict[str, Any]) -> str:
    identite = quote(reglages["USER"] or "", safe="")
    if reglages["PASSWORD"]:
        identite += ":" + quote(reglages["PASSWORD"], safe="")
    hote = reglages["HOST"] or "127.0.0.1"
    port = reglages["PORT"] or 5432
    return f"postgres://{identite}@{hote}:{port}/{reglages['NAME']}"


def worker_demarrer(
    *, base: str, prefixe: str, journal: Path, nom: str, concurrence: int = 1
) -> subprocess.Popen[bytes]:
    """Un worker de la file `mail`, sans mode « eager », sur la base `base`."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "ECHARPE_CELERY_PREFIXE": prefixe,
        "ECHARPE_TEST_CELERY_EAGER": "False",
        "DATABASE_URL": base,
        "PYTHONPATH": str(RACINE),
    }
    pool = ["--pool=solo"] if concurrence == 1 else ["--pool=prefork", f"-c{concurrence}"]
    commande = [
        str(RACINE / ".venv" / "bin" / "celery"),
        "-A",
        "config",
        "worker",
        "-Q",
        "mail",
        *pool,
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=WARNING",
        "-n",
        f"{nom}-{os.getpid()}@%h",
    ]
    with journal.open("ab") as sortie:
        return subprocess.Popen(  # noqa: S603
            commande, cwd=RACINE, env=env, stdout=sortie, stderr=subprocess.STDOUT
        )


def worker_arreter(processus: subprocess.Popen[bytes]) -> None:
    if processus.poll() is not None:
        return
    processus.terminate()
    try:
        processus.wait(timeout=20)
    except subprocess.TimeoutExpired:
        processus.kill()
        processus.wait(timeout=10)


def attendre(condition: Callable[[], bool], *, limite: float, pas: float = 0.05) -> bool:
    fin = time.monotonic() + limite
    while time.monotonic() < fin:
        if condition():
            return True
        time.sleep(pas)
    return condition()


# --- Mesures -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resultat:
    destinataires: int
    secondes_boucle: float
    secondes_worker: float
    recus_worker: int
    doublons: int
    concurrence: int = 1

    @property
    def par_seconde_boucle(self) -> float:
        return self.destinataires / self.secondes_boucle

    @property
    def par_seconde_worker(self) -> float:
        return self.destinataires / self.secondes_worker

    @property
    def rapport(self) -> float:
        return self.par_seconde_worker / self.par_seconde_boucle


def _message_type(i: int, taille_texte: int, ics: bytes) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "mairie@banc.test"
    message["To"] = f"boucle{i}@exemple.test"
    message["Subject"] = "Convocation : conseil municipal du 15/12/2026 à 18 h 30"
    message.set_content("x" * taille_texte)
    message.add_attachment(ics, maintype="text", subtype="calendar", filename="seance.ics")
    return message


def mesurer_boucle(*, port: int, n: int) -> float:
    """La référence : `smtplib`, une connexion, des messages déjà construits."""
    ics = b"BEGIN:VCALENDAR\r\n" + b"X" * 600 + b"\r\nEND:VCALENDAR\r\n"
    messages = [_message_type(i, 700, ics) for i in range(n)]
    debut = time.perf_counter()
    with smtplib.SMTP(HOTE, port, timeout=30) as client:
        for message in messages:
            client.send_message(message)
    return time.perf_counter() - debut


def preparer_seance(*, n: int, port: int) -> Any:
    """Une collectivité, son compte SMTP vers le serveur local, une séance de `n` destinataires
    (dans 30 jours : la garde du délai ne refuse rien)."""
    from datetime import timedelta

    from django.utils import timezone

    from convocations.seances.models import Destinataire, PointOrdreDuJour, Seance
    from core.comptes.models import Utilisateur
    from core.mail.models import CompteSMTP
    from core.tenancy.models import Collectivite

    collectivite, _ = Collectivite.objects.get_or_create(
        slug="banc-convocations", defaults={"nom": "Banc-les-Convocations"}
    )
    agent, _ = Utilisateur.objects.get_or_create(
        username="banc-secretariat", defaults={"email": "secretariat@banc.test"}
    )
    CompteSMTP.objects.filter(collectivite=collectivite).delete()
    CompteSMTP.objects.create(
        collectivite=collectivite,
        adresse_expediteur="mairie@banc.test",
        nom_affiche="Mairie de Banc",
        hote=HOTE,
        port=port,
        securite="aucune",
    )
    seance = Seance.objects.create(
        collectivite=collectivite,
        type="conseil_municipal",
        assemblee="conseil_municipal",
        titre="Conseil municipal (banc)",
        date=timezone.now() + timedelta(days=30),
        lieu="Salle du conseil",
        cree_par=agent,
    )
    PointOrdreDuJour.objects.bulk_create(
        [
            PointOrdreDuJour(
                collectivite=collectivite, seance=seance, numero=i, titre=f"Délibération {i}"
            )
            for i in range(1, 11)
        ]
    )
    Destinataire.objects.bulk_create(
        [
            Destinataire(
                collectivite=collectivite,
                seance=seance,
                email=f"elu{i}@banc.test",
                nom=f"Élu {i}",
                membre=True,
            )
            for i in range(n)
        ]
    )
    return seance, agent


def envoyer_et_attendre(*, seance: Any, agent: Any, limite: float) -> float:
    """Met la convocation en file et attend que plus aucune ligne ne soit à envoyer."""
    from convocations.envoi.services import convocation_envoyer
    from convocations.seances.models import EnvoiConvocation
    from core.mail.models import StatutEnvoi

    restantes = EnvoiConvocation.objects.filter(
        destinataire__seance=seance, statut__in=[StatutEnvoi.EN_ATTENTE, StatutEnvoi.EN_COURS]
    )
    debut = time.perf_counter()
    convocation_envoyer(seance=seance, par=agent)
    if not attendre(lambda: not restantes.exists(), limite=limite, pas=0.1):
        raise RuntimeError(f"Envoi inachevé après {limite:.0f} s ({restantes.count()} restantes).")
    return time.perf_counter() - debut


def mesurer(
    *,
    destinataires: int = DESTINATAIRES,
    worker: bool = True,
    concurrence: int = 1,
    dossier: Path | None = None,
) -> Resultat:
    """Une mesure : boucle de référence, puis le chemin réel (worker en sous-processus, ou la
    tâche « eager » dans ce processus si `worker=False` : essai rapide de la suite)."""
    import tempfile

    from django.conf import settings
    from django.db import connection

    serveur = ServeurComptant()
    processus = None
    try:
        secondes_boucle = mesurer_boucle(port=serveur.port, n=destinataires)
        serveur.compteur.par_adresse.clear()
        serveur.compteur.total = 0
        seance, agent = preparer_seance(n=destinataires, port=serveur.port)
        if worker:
            dossier = dossier or Path(tempfile.mkdtemp(prefix="banc-convocations-"))
            processus = worker_demarrer(
                base=url_base(connection.settings_dict),
                prefixe=str(settings.CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"]),
                journal=dossier / "worker.log",
                nom="banc-convocations",
                concurrence=concurrence,
            )
            _attendre_worker_pret(processus)
        secondes_worker = envoyer_et_attendre(seance=seance, agent=agent, limite=600)
        par_adresse = serveur.compteur.par_adresse
        return Resultat(
            destinataires=destinataires,
            secondes_boucle=secondes_boucle,
            secondes_worker=secondes_worker,
            recus_worker=sum(par_adresse.values()),
            doublons=sum(1 for n in par_adresse.values() if n > 1),
            concurrence=concurrence,
        )
    finally:
        if processus is not None:
            worker_arreter(processus)
        serveur.arreter()


def _attendre_worker_pret(processus: subprocess.Popen[bytes]) -> None:
    from config.celery import app

    def pret() -> bool:
        if processus.poll() is not None:
            raise RuntimeError("Le worker s'est arrêté au démarrage.")
        return bool(app.control.ping(timeout=0.5))

    if not attendre(pret, limite=60, pas=0.5):
        raise RuntimeError("Le worker n'a pas répondu dans la minute.")


def _francais(valeur: float, decimales: int = 0) -> str:
    return f"{valeur:,.{decimales}f}".replace(",", "\u202f").replace(".", ",")


def resume(resultat: Resultat) -> str:
    atteint = "ATTEINT" if resultat.rapport >= 0.5 else "NON ATTEINT"
    pool = (
        "un processus (--pool=solo)"
        if resultat.concurrence == 1
        else f"{resultat.concurrence} processus (--pool=prefork)"
    )
    return "\n".join(
        [
            f"  Destinataires                       : {_francais(resultat.destinataires)}",
            f"  Worker Celery de la file « mail »   : {pool}",
            f"  Boucle smtplib (une connexion)      : "
            f"{_francais(resultat.par_seconde_boucle, 1)} messages/s "
            f"({_francais(resultat.secondes_boucle, 2)} s)",
            f"  Worker Celery (chemin réel)         : "
            f"{_francais(resultat.par_seconde_worker, 1)} messages/s "
            f"({_francais(resultat.secondes_worker, 2)} s)",
            f"  Messages reçus du worker            : {_francais(resultat.recus_worker)} "
            f"(doublons : {resultat.doublons})",
            "",
            f"  Rapport worker / boucle : {_francais(resultat.rapport, 2)} "
            f"(objectif : 0,50 au moins) — {atteint}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--destinataires", type=int, default=DESTINATAIRES)
    parser.add_argument(
        "--concurrence",
        type=int,
        default=CONCURRENCE_PRODUCTION,
        help=(
            f"processus du worker (défaut : {CONCURRENCE_PRODUCTION}, comme en production ; "
            "1 : un worker seul, --pool=solo)"
        ),
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("ECHARPE_CELERY_PREFIXE", f"echarpe-banc-{os.getpid()}:")
    os.environ["ECHARPE_TEST_CELERY_EAGER"] = "False"
    import django

    django.setup()
    from django.db import connection

    nom_base = connection.settings_dict["NAME"]
    print("Création de la base de test et migrations…", file=sys.stderr)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        resultat = mesurer(destinataires=args.destinataires, concurrence=args.concurrence)
    finally:
        connection.close()
        connection.creation.destroy_test_db(nom_base, verbosity=0)
    print(resume(resultat))
    return 0 if resultat.rapport >= 0.5 and resultat.doublons == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

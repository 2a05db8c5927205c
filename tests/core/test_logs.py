"""Les jetons des liens ne restent dans aucune ligne de log (runserver, gunicorn, erreurs)."""

import logging

import pytest
from django.conf import settings

JETON = "Zx8" + "a" * 40
LIEN = f"/l/{JETON}/"
REINIT = "/compte/mot-de-passe/nouveau/MTI/cxyz12-0123456789abcdef0123456789abcdef/"
ETAPE_MDP = "/compte/mot-de-passe/nouveau/MTI/set-password/"


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lignes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lignes.append(record.getMessage())


@pytest.fixture
def capture():
    """Un handler de plus sur les loggers concernés, tels que LOGGING les a configurés."""
    handler = Capture()
    noms = ["django.server", "django.request", "gunicorn.access"]
    for nom in noms:
        logging.getLogger(nom).addHandler(handler)
    yield handler
    for nom in noms:
        logging.getLogger(nom).removeHandler(handler)


@pytest.mark.parametrize("chemin", [LIEN, REINIT, ETAPE_MDP])
def test_ligne_de_runserver_sans_jeton(capture, chemin):
    # Format de django.core.servers.basehttp.WSGIRequestHandler.log_message.
    logging.getLogger("django.server").info('"%s" %s %s', f"GET {chemin} HTTP/1.1", "200", "512")
    (ligne,) = capture.lignes
    assert "MTI" not in ligne and JETON not in ligne and "cxyz12" not in ligne
    assert "[jeton masqué]" in ligne
    assert ligne.endswith(' HTTP/1.1" 200 512')


def test_ligne_d_acces_gunicorn_sans_jeton(capture):
    # gunicorn passe ses « atomes » dans un dictionnaire d'arguments.
    atomes = {"h": "203.0.113.5", "r": f"GET {REINIT}?x=1 HTTP/1.1", "s": "200", "f": LIEN}
    logging.getLogger("gunicorn.access").info('%(h)s "%(r)s" %(s)s "%(f)s"', atomes)
    (ligne,) = capture.lignes
    assert ligne == (
        '203.0.113.5 "GET /compte/mot-de-passe/nouveau/[masqué]/[jeton masqué]/?x=1 HTTP/1.1"'
        ' 200 "/l/[jeton masqué]/"'
    )


@pytest.mark.django_db
def test_page_introuvable_journalisee_sans_jeton(capture, client):
    """Un vrai passage par Django : le 404 d'un lien inconnu est journalisé par django.request."""
    assert client.get(LIEN).status_code == 404
    assert capture.lignes, "django.request n'a rien journalisé"
    assert all(JETON not in ligne for ligne in capture.lignes)
    assert "/l/[jeton masqué]/" in capture.lignes[0]


def test_ce_qui_n_est_pas_un_jeton_reste_lisible(capture):
    chemins = "/compte/mot-de-passe/nouveau/termine/ /l/ /static/css/echarpe.css"
    logging.getLogger("django.server").info("%s", chemins)
    assert capture.lignes == [chemins]


def test_les_reglages_ne_chargent_plus_les_liens():
    assert settings.LOGGING["filters"]["sans_jeton"]["()"] == "core.logs.FiltreJetonLog"
    for nom in ["django.server", "django.request", "gunicorn.access"]:
        assert "sans_jeton" in settings.LOGGING["loggers"][nom]["filters"]

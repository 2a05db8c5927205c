"""Verrouillage des connexions derrière le proxy TLS : par client et par compte, sans que
X-Forwarded-For puisse être inventé par le client."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db
MDP = "mot-de-passe-solide-42"
PROXY = "10.0.0.2"


def _client(adresse_vue_par_le_proxy: str) -> Client:
    # Le client a écrit lui-même une première adresse : seul le proxy de confiance fait foi.
    return Client(
        REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"198.51.100.99, {adresse_vue_par_le_proxy}"
    )


def _echouer(client: Client, identifiant: str, fois: int) -> None:
    for _ in range(fois):
        client.post(reverse("login"), {"username": identifiant, "password": "faux"})


def _connexion(client: Client, identifiant: str) -> int:
    return client.post(reverse("login"), {"username": identifiant, "password": MDP}).status_code


def test_derriere_un_proxy_le_verrouillage_ne_touche_que_le_client_fautif(monde, settings):
    settings.ECHARPE_PROXIES_DE_CONFIANCE = 1
    fautif, voisin = _client("203.0.113.5"), _client("203.0.113.6")
    _echouer(fautif, "u-lecture", settings.AXES_FAILURE_LIMIT)
    assert _connexion(fautif, "u-lecture") == 429
    # Même compte, même proxy, autre poste : la connexion passe.
    assert _connexion(voisin, "u-lecture") == 302
    # Même poste, autre compte : pas verrouillé non plus.
    assert _connexion(_client("203.0.113.5"), "u-administrateur") == 302


def test_sans_proxy_de_confiance_x_forwarded_for_est_ignore(monde, settings):
    settings.ECHARPE_PROXIES_DE_CONFIANCE = 0
    # Un attaquant change d'adresse inventée à chaque essai : il est verrouillé quand même.
    for numero in range(settings.AXES_FAILURE_LIMIT):
        _echouer(_client(f"203.0.113.{numero + 10}"), "u-lecture", 1)
    assert _connexion(_client("203.0.113.200"), "u-lecture") == 429


@pytest.mark.parametrize(
    ("nombre", "entete", "attendu"),
    [
        (0, "203.0.113.5", "10.0.0.2"),
        (1, "198.51.100.1, 203.0.113.5", "203.0.113.5"),
        (2, "198.51.100.1, 203.0.113.5, 10.0.0.9", "203.0.113.5"),
        (1, "", "10.0.0.2"),  # requête qui n'est pas passée par le proxy
        (2, "203.0.113.5", "10.0.0.2"),  # chaîne trop courte
        (1, "pas-une-adresse", "10.0.0.2"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_adresse_client(rf, settings, nombre, entete, attendu):
    from config.proxy import adresse_client

    settings.ECHARPE_PROXIES_DE_CONFIANCE = nombre
    requete = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=entete)
    assert adresse_client(requete) == attendu

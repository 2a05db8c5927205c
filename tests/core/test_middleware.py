from unittest import mock

import pytest
from django.db import OperationalError
from django.urls import reverse
from kombu.exceptions import OperationalError as KombuOperationalError


@pytest.mark.django_db
@pytest.mark.parametrize(
    "panne", [OperationalError("connexion perdue à 10.0.0.1"), KombuOperationalError("redis")]
)
def test_panne_de_service_page_503_en_francais(monde, panne):
    client = monde.client("administrateur")
    client.raise_request_exception = False
    with mock.patch("core.pages.views.AccueilView.get_context_data", side_effect=panne):
        reponse = client.get(reverse("pages:accueil"))
    assert reponse.status_code == 503
    contenu = reponse.content.decode()
    assert "Service momentanément indisponible" in contenu
    assert "10.0.0.1" not in contenu and "Traceback" not in contenu
    assert reponse["Retry-After"] == "30"


@pytest.mark.django_db
def test_une_autre_erreur_reste_une_erreur_500(monde):
    client = monde.client("administrateur")
    client.raise_request_exception = False
    with mock.patch("core.pages.views.AccueilView.get_context_data", side_effect=RuntimeError("x")):
        reponse = client.get(reverse("pages:accueil"))
    assert reponse.status_code == 500
    assert "Erreur du serveur" in reponse.content.decode()


def test_panne_hors_de_la_vue_donne_aussi_503():
    import sys

    from core.pages.erreurs import erreur_500

    try:
        raise OperationalError("la base ne répond pas")
    except OperationalError:
        assert sys.exc_info()[1] is not None
        reponse = erreur_500(None)  # type: ignore[arg-type]
    assert reponse.status_code == 503
    assert "Service momentanément indisponible" in reponse.content.decode()
    assert erreur_500(None).status_code == 500  # type: ignore[arg-type]

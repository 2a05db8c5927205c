"""Formats français de l'interface et en-têtes de sécurité de chaque page."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from core.templatetags.echarpe import date_fr, echeance, nombre


def test_nombre_avec_espaces_fines():
    assert nombre(1000000) == "1\u202f000\u202f000"
    assert nombre(999) == "999"
    assert nombre(None) == ""
    assert nombre("abc") == "abc"


def test_date_et_heure_a_la_francaise():
    assert date_fr(date(2026, 11, 25)) == "25/11/2026"
    # 17 h 30 UTC = 18 h 30 à Paris en hiver.
    assert date_fr(datetime(2026, 11, 25, 17, 30, tzinfo=ZoneInfo("UTC"))) == "25/11/2026 à 18 h 30"
    assert date_fr(None) == ""


@time_machine.travel(datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Paris")), tick=False)
def test_echeance_en_mots():
    assert echeance(date(2026, 11, 25)) == "aujourd'hui"
    assert echeance(date(2026, 11, 26)) == "dans 1 jour"
    assert echeance(date(2026, 11, 27)) == "dans 2 jours"
    assert echeance(date(2026, 11, 22)) == "en retard de 3 jours"
    assert echeance(date(2026, 11, 24)) == "en retard de 1 jour"


@pytest.mark.django_db
def test_en_tetes_de_securite(monde):
    reponse = monde.client("administrateur").get(reverse("accueil"))
    assert reponse["X-Frame-Options"] == "DENY"
    assert reponse["Referrer-Policy"] == "same-origin"
    assert reponse["X-Content-Type-Options"] == "nosniff"
    csp = reponse["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp


def test_pluriel_accorde_et_separe_les_milliers():
    from core.templatetags.echarpe import pluriel

    assert pluriel(0, "entrée exportée", "entrées exportées") == "0\u00a0entrée exportée"
    assert pluriel(1, "entrée exportée", "entrées exportées") == "1\u00a0entrée exportée"
    assert pluriel(2, "entrée exportée", "entrées exportées") == "2\u00a0entrées exportées"
    assert pluriel(300005, "entrée") == "300\u202f005\u00a0entrées"
    assert pluriel(1000, "travail", "travaux") == "1\u202f000\u00a0travaux"

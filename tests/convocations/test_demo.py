"""Données de démonstration des convocations (`charger_demo`)."""

from __future__ import annotations

import io
import time

import pytest
from django.core.management import call_command
from django.db.models import Count

from convocations.demo import charger_demo_convocations
from convocations.editions.selectors import emargement_lire, regle_delai
from convocations.models import Assemblee, Contact, Fonction, Mandat
from convocations.seances.models import (
    Destinataire,
    DocumentSeance,
    EnvoiConvocation,
    EtatSeance,
    NatureDocument,
    Pouvoir,
    Reponse,
    Seance,
)
from core.registry import registre
from core.tenancy.models import Collectivite

pytestmark = pytest.mark.django_db


def test_le_chargeur_est_inscrit_au_registre():
    assert registre.chargeurs_demo["convocations"] is charger_demo_convocations


def _compter() -> tuple[int, ...]:
    return (
        Contact.objects.count(),
        Mandat.objects.count(),
        Seance.objects.count(),
        Destinataire.objects.count(),
        EnvoiConvocation.objects.count(),
        Reponse.objects.count(),
        Pouvoir.objects.count(),
        DocumentSeance.objects.count(),
    )


def test_conseil_municipal_epci_seances_et_idempotence(monkeypatch, settings):
    settings.ECHARPE_DEMO_AUTORISEE = True
    # Seulement les convocations : les électeurs ont leur propre test (et 2 000 lignes).
    monkeypatch.setattr(registre, "chargeurs_demo", {"convocations": charger_demo_convocations})
    debut = time.monotonic()
    call_command("charger_demo", stdout=io.StringIO())
    assert time.monotonic() - debut < 10

    commune = Collectivite.objects.get(slug="saint-exemple")
    epci = Collectivite.objects.get(slug="cc-val-exemple")
    # CGCT L2121-2 : 19 conseillers municipaux de 1 500 à 2 499 habitants.
    assert commune.population_legale == 2150
    municipal = Mandat.objects.pour(commune).filter(assemblee=Assemblee.CONSEIL_MUNICIPAL)
    assert municipal.count() == 19
    fonctions = dict(municipal.values_list("fonction").annotate(n=Count("pk")))
    assert fonctions[Fonction.MAIRE] == 1
    assert fonctions[Fonction.ADJOINT] == 5  # au plus 30 % de 19
    communautaire = Mandat.objects.pour(epci).filter(assemblee=Assemblee.CONSEIL_COMMUNAUTAIRE)
    assert communautaire.filter(fonction=Fonction.DELEGUE_SUPPLEANT).count() == 3
    assert communautaire.exclude(fonction=Fonction.DELEGUE_SUPPLEANT).count() == 11
    # La maire siège aux deux assemblées avec un seul compte d'élu.
    maire = municipal.get(fonction=Fonction.MAIRE).utilisateur
    assert (maire.first_name, maire.last_name) == ("Marie", "DUVAL")
    assert communautaire.filter(utilisateur=maire, fonction=Fonction.VICE_PRESIDENT).exists()

    passee, a_venir = Seance.objects.pour(commune).order_by("date")
    assert passee.etat == EtatSeance.RECUE_PARTIELLEMENT
    assert a_venir.etat == EtatSeance.BROUILLON
    assert a_venir.destinataires.filter(membre=True).count() == 19
    assert passee.destinataires.count() == 20  # et le secrétariat de mairie
    assert passee.destinataires.filter(lu_le__isnull=False).count() == 18
    assert passee.destinataires.filter(papier_le__isnull=False).count() == 1
    assert EnvoiConvocation.objects.filter(destinataire__seance=passee).count() == 20
    assert Pouvoir.objects.filter(seance=passee, revoque_le__isnull=True).count() == 2
    # 17 membres ont répondu, dont un qui a changé d'avis : 18 réponses dans l'historique.
    assert Reponse.objects.filter(destinataire__seance=passee).count() == 18
    assert passee.documents.filter(nature=NatureDocument.PROCES_VERBAL).count() == 1
    assert regle_delai(passee).dans_le_delai(passee.envoyee_le)
    quorum = emargement_lire(passee).quorum
    assert (quorum.en_exercice, quorum.requis, quorum.presents_annonces) == (19, 10, 14)

    (epci_seance,) = Seance.objects.pour(epci)
    assert len(emargement_lire(epci_seance).suppleants) == 3

    avant = _compter()
    call_command("charger_demo", stdout=io.StringIO())
    assert _compter() == avant

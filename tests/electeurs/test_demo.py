"""Données de démonstration du fichier électoral (`charger_demo`)."""

from __future__ import annotations

import io
import time

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from core.registry import registre
from core.tenancy.models import Collectivite
from electeurs.demo import charger_demo_electeurs
from electeurs.models import BureauDeVote, Electeur, InscriptionListe, TypeListe
from electeurs.procedure.models import EtatMouvement, Mouvement
from electeurs.reu.models import EtatNotificationREU, NotificationREU

pytestmark = pytest.mark.django_db


def test_le_chargeur_est_inscrit_au_registre():
    assert registre.chargeurs_demo["electeurs"] is charger_demo_electeurs


def test_la_demo_donne_2000_electeurs_sur_2_bureaux_et_reste_idempotente():
    debut = time.monotonic()
    call_command("charger_demo", stdout=io.StringIO())
    assert time.monotonic() - debut < 10
    commune = Collectivite.objects.get(slug="saint-exemple")
    electeurs = Electeur.objects.pour(commune)

    # 2 000 électeurs de l'extrait, et 5 personnes venues par une demande d'inscription.
    assert electeurs.count() == 2005
    assert BureauDeVote.objects.pour(commune).count() == 2
    inscriptions = InscriptionListe.objects.pour(commune)
    par_bureau = dict(
        inscriptions.filter(type_liste=TypeListe.PRINCIPALE)
        .values_list("bureau__code")
        .annotate(n=Count("pk"))
    )
    assert set(par_bureau) == {"0001", "0002"}
    assert min(par_bureau.values()) > 800
    # Numéros d'ordre uniques par liste et bureau.
    assert (
        inscriptions.values("type_liste", "bureau", "numero_ordre").distinct().count()
        == inscriptions.count()
    )
    assert electeurs.filter(naissance_jour__isnull=True, naissance_annee__isnull=False).exists()
    lcm = inscriptions.filter(type_liste=TypeListe.COMPLEMENTAIRE_MUNICIPALE)
    lce = inscriptions.filter(type_liste=TypeListe.COMPLEMENTAIRE_EUROPEENNE)
    assert lcm.exists() and lce.exists()
    # Un ressortissant de l'Union sur les deux listes complémentaires.
    assert set(lcm.values_list("electeur", flat=True)) & set(lce.values_list("electeur", flat=True))
    homonymes = electeurs.filter(nom_naissance="DUPRÉ", prenoms="Hélène", naissance_annee=1953)
    assert homonymes.count() == 2
    assert len({e.cle_homonymie for e in homonymes}) == 1
    assert len({e.cle_identite for e in homonymes}) == 2
    notifications = NotificationREU.objects.pour(commune)
    assert {n.etat for n in notifications} == {
        EtatNotificationREU.A_TRAITER,
        EtatNotificationREU.TRAITEE,
    }
    assert notifications.filter(electeur__isnull=False).exists()

    mouvements = Mouvement.objects.pour(commune)
    # Un mouvement dans chaque état où l'agent a quelque chose à faire, dont un en retard.
    assert set(mouvements.values_list("etat", flat=True)) == {
        EtatMouvement.A_DECIDER,
        EtatMouvement.DECIDEE,
        EtatMouvement.NOTIFIEE,
        EtatMouvement.RAPO,
        EtatMouvement.INTENTION,
    }
    assert mouvements.filter(echeance__lt=timezone.localdate()).exists()

    avant = (electeurs.count(), inscriptions.count(), notifications.count(), mouvements.count())
    call_command("charger_demo", stdout=io.StringIO())
    assert (
        electeurs.count(),
        inscriptions.count(),
        notifications.count(),
        mouvements.count(),
    ) == avant
    # Rien pour les autres collectivités.
    assert not Electeur.objects.exclude(collectivite=commune).exists()

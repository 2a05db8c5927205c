"""Fabriques du carnet d'adresses des convocations."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from convocations.models import (
    Assemblee,
    Contact,
    Destinataire,
    Fonction,
    Groupe,
    Mandat,
    Seance,
    TypeGroupe,
    TypeSeance,
)
from tests.factories import CollectiviteFactory, UtilisateurFactory


class GroupeFactory(DjangoModelFactory):
    class Meta:
        model = Groupe

    collectivite = factory.SubFactory(CollectiviteFactory)
    nom = factory.Sequence(lambda n: f"Groupe {n}")
    type = TypeGroupe.MANUEL


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    collectivite = factory.SubFactory(CollectiviteFactory)
    email = factory.Sequence(lambda n: f"contact{n}@exemple.fr")
    description = factory.Sequence(lambda n: f"Contact {n}")


class MandatFactory(DjangoModelFactory):
    class Meta:
        model = Mandat

    collectivite = factory.SubFactory(CollectiviteFactory)
    utilisateur = factory.SubFactory(UtilisateurFactory)
    assemblee = Assemblee.CONSEIL_MUNICIPAL
    fonction = Fonction.CONSEILLER
    debut = datetime.date(2026, 3, 22)


class SeanceFactory(DjangoModelFactory):
    class Meta:
        model = Seance

    collectivite = factory.SubFactory(CollectiviteFactory)
    type = TypeSeance.CONSEIL_MUNICIPAL
    assemblee = Assemblee.CONSEIL_MUNICIPAL
    titre = factory.Sequence(lambda n: f"Conseil municipal n° {n}")
    date = factory.LazyFunction(
        lambda: timezone.now().replace(microsecond=0) + datetime.timedelta(days=10)
    )
    lieu = "Salle du conseil, mairie"


class DestinataireFactory(DjangoModelFactory):
    class Meta:
        model = Destinataire

    seance = factory.SubFactory(SeanceFactory)
    collectivite = factory.SelfAttribute("seance.collectivite")
    email = factory.Sequence(lambda n: f"elu{n}@exemple.fr")
    nom = factory.Sequence(lambda n: f"Élu {n}")
    membre = True

"""Fabriques du carnet d'adresses des convocations."""

from __future__ import annotations

import datetime

import factory
from factory.django import DjangoModelFactory

from convocations.models import Assemblee, Contact, Fonction, Groupe, Mandat, TypeGroupe
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

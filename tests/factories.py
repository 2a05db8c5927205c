import datetime
from typing import Any

import factory
from factory.django import DjangoModelFactory

from core.journal.services import journaliser
from core.liens.services import OBJECTIF_ACTIVATION, lien_creer
from core.models import (
    Collectivite,
    CompteSMTP,
    Delai,
    EntreeJournal,
    LienSecurise,
    MessageEnvoye,
    Role,
    Securite,
    StatutMessage,
    StatutTravail,
    Travail,
    TypeRole,
    UniteDelai,
    Utilisateur,
)


class CollectiviteFactory(DjangoModelFactory):
    class Meta:
        model = Collectivite

    nom = factory.Sequence(lambda n: f"Commune {n}")
    slug = factory.Sequence(lambda n: f"commune-{n}")
    code_insee = factory.Sequence(lambda n: f"{10000 + n:05d}")
    population_legale = 2150


class UtilisateurFactory(DjangoModelFactory):
    class Meta:
        model = Utilisateur
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"agent{n}")
    first_name = "Claire"
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@exemple.test")
    password = factory.django.Password("mot-de-passe-solide-42")


class RoleFactory(DjangoModelFactory):
    class Meta:
        model = Role

    utilisateur = factory.SubFactory(UtilisateurFactory)
    collectivite = factory.SubFactory(CollectiviteFactory)
    role = TypeRole.ADMINISTRATEUR


class CompteSMTPFactory(DjangoModelFactory):
    """Compte d'envoi d'une personne (sans mot de passe : `core.mail.comptes.chiffrer` sinon)."""

    class Meta:
        model = CompteSMTP

    collectivite = factory.SubFactory(CollectiviteFactory)
    utilisateur = factory.SubFactory(UtilisateurFactory)
    adresse_expediteur = factory.LazyAttribute(
        lambda o: o.utilisateur.email if o.utilisateur else "mairie@exemple.test"
    )
    hote = "127.0.0.1"
    port = 2525
    securite = Securite.AUCUNE


class MessageEnvoyeFactory(DjangoModelFactory):
    class Meta:
        model = MessageEnvoye

    collectivite = factory.SubFactory(CollectiviteFactory)
    compte_libelle = "mairie@exemple.test (127.0.0.1:2525)"
    expediteur = "mairie@exemple.test"
    destinataires = "destinataire@exemple.test"
    sujet = "Message d'essai"
    message_id = factory.Sequence(lambda n: f"<essai-{n}@exemple.test>")
    statut = StatutMessage.ENVOYE


class TravailFactory(DjangoModelFactory):
    class Meta:
        model = Travail

    collectivite = factory.SubFactory(CollectiviteFactory)
    type = "journal_export"
    libelle = "Export du journal"
    statut = StatutTravail.EN_ATTENTE


class DelaiFactory(DjangoModelFactory):
    """Une valeur locale (surcharge d'une collectivité) d'un délai national."""

    class Meta:
        model = Delai

    code = factory.Sequence(lambda n: f"delai-essai-{n}")
    libelle = "Délai d'essai"
    valeur = 3
    unite = UniteDelai.JOURS_FRANCS
    reference = "Code d'essai, art. 1"
    valide_du = datetime.date(2020, 1, 1)


def lien_securise(**kwargs: Any) -> tuple[LienSecurise, str]:
    """Un lien par le service (le jeton en clair n'existe qu'à la création) : (ligne, jeton)."""
    collectivite = kwargs.pop("collectivite", None) or CollectiviteFactory()
    cible = kwargs.pop("cible", None) or UtilisateurFactory()
    kwargs.setdefault("objectif", OBJECTIF_ACTIVATION)
    kwargs.setdefault("duree", datetime.timedelta(days=1))
    return lien_creer(collectivite=collectivite, cible=cible, **kwargs)


def entree_journal(**kwargs: Any) -> EntreeJournal:
    """Une entrée par le service (chaînée et scellée comme en vrai)."""
    kwargs.setdefault("action", "collectivite_modifiee")
    if "collectivite" not in kwargs:
        kwargs["collectivite"] = CollectiviteFactory()
    return journaliser(**kwargs)

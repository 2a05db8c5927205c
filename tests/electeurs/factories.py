"""Fabriques du fichier électoral (les sous-paquets de l'application ajoutent les leurs ici)."""

from __future__ import annotations

import datetime

import factory
from factory.django import DjangoModelFactory

from electeurs.models import (
    BureauDeVote,
    Electeur,
    EtatImport,
    ImportREU,
    InscriptionListe,
    Sexe,
    TypeListe,
)
from electeurs.reu.models import NotificationREU, SourceNotificationREU, TypeNotificationREU
from tests.factories import CollectiviteFactory


class BureauDeVoteFactory(DjangoModelFactory):
    class Meta:
        model = BureauDeVote

    collectivite = factory.SubFactory(CollectiviteFactory)
    code = factory.Sequence(lambda n: f"{n + 1:04d}")
    libelle = factory.Sequence(lambda n: f"Bureau {n + 1}")


class ElecteurFactory(DjangoModelFactory):
    class Meta:
        model = Electeur

    collectivite = factory.SubFactory(CollectiviteFactory)
    nom_naissance = factory.Sequence(lambda n: f"NOM{n}")
    prenoms = "Hélène Marie"
    sexe = Sexe.FEMININ
    naissance_jour = 4
    naissance_mois = 7
    naissance_annee = 1953
    commune_naissance_code = "85194"
    commune_naissance_libelle = "Les Sables-d'Olonne"
    nationalite = "Française"


class InscriptionListeFactory(DjangoModelFactory):
    class Meta:
        model = InscriptionListe

    electeur = factory.SubFactory(ElecteurFactory)
    collectivite = factory.LazyAttribute(lambda o: o.electeur.collectivite)
    type_liste = TypeListe.PRINCIPALE
    bureau = factory.LazyAttribute(
        lambda o: BureauDeVoteFactory(collectivite=o.electeur.collectivite)
    )
    numero_ordre = factory.Sequence(lambda n: n + 1)


# --- Procédure (sous-paquet `procedure`) ----------------------------------------------------


class MouvementFactory(DjangoModelFactory):
    """Une demande d'inscription à décider (échéance à poser par le test s'il en a besoin)."""

    class Meta:
        model = "electeurs.Mouvement"

    electeur = factory.SubFactory(ElecteurFactory)
    collectivite = factory.LazyAttribute(lambda o: o.electeur.collectivite)
    type = "inscription"
    liste = TypeListe.PRINCIPALE
    origine = "demande"
    recue_le = datetime.date(2026, 11, 25)
    etat = "a_decider"


# --- Notifications du REU (sous-paquet `reu`) ---------------------------------------------


class NotificationREUFactory(DjangoModelFactory):
    class Meta:
        model = NotificationREU

    collectivite = factory.SubFactory(CollectiviteFactory)
    type = TypeNotificationREU.RADIATION_DECES
    recue_le = datetime.date(2026, 11, 20)
    texte = "Radiation pour décès."
    source = SourceNotificationREU.SAISIE


class ImportREUFactory(DjangoModelFactory):
    class Meta:
        model = ImportREU

    collectivite = factory.SubFactory(CollectiviteFactory)
    fichier = "imports_reu/extrait.csv"
    nom_fichier = "ListesElecteursActifs-com85194-13-02-2026-08h44.csv"
    etat = EtatImport.PRET
    comptes = factory.LazyFunction(lambda: {"lignes": 3, "nouveaux": 3})

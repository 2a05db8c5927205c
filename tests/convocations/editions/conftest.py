"""Une séance de conseil municipal toute prête : membres avec mandats, un suppléant, un invité,
des envois, des accusés de réception, des réponses et un pouvoir."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from convocations.models import Fonction
from convocations.seances.models import (
    CanalReponse,
    Destinataire,
    EnvoiConvocation,
    MotifEnvoi,
    Pouvoir,
    Presence,
    Reponse,
    Seance,
)
from core.mail.models import StatutEnvoi
from tests.convocations.factories import DestinataireFactory, MandatFactory, SeanceFactory
from tests.factories import UtilisateurFactory

PARIS = datetime.timezone(datetime.timedelta(hours=1))  # novembre : UTC+1


@dataclass
class SeanceEditions:
    seance: Seance
    maire: Destinataire
    adjoint: Destinataire
    conseillers: list[Destinataire]
    mandant: Destinataire
    mandataire: Destinataire
    suppleant: Destinataire
    invite: Destinataire
    papier: Destinataire


def _membre(seance: Seance, prenom: str, nom: str, fonction: str, **champs: object) -> Destinataire:
    utilisateur = UtilisateurFactory(first_name=prenom, last_name=nom)
    mandat = MandatFactory(
        collectivite=seance.collectivite, utilisateur=utilisateur, fonction=fonction
    )
    return DestinataireFactory(
        seance=seance,
        utilisateur=utilisateur,
        mandat=mandat,
        nom=f"{prenom} {nom}",
        email=f"{prenom.lower()}.{nom.lower()}@exemple.fr",
        **champs,
    )


def _envoi(destinataire: Destinataire, envoye_le: datetime.datetime, **champs: object) -> None:
    valeurs: dict[str, object] = {
        "statut": StatutEnvoi.ENVOYE,
        "code_smtp": 250,
        "reponse_smtp": "2.0.0 Ok: queued as ABC123",
        "envoye_le": envoye_le,
        "motif": MotifEnvoi.CONVOCATION,
        **champs,
    }
    EnvoiConvocation.objects.create(
        collectivite=destinataire.collectivite, destinataire=destinataire, **valeurs
    )
    destinataire.premier_envoi_le = destinataire.premier_envoi_le or envoye_le
    destinataire.dernier_envoi_le = envoye_le
    destinataire.nombre_envois += 1
    destinataire.save()


@pytest.fixture
def seance_editions(monde) -> SeanceEditions:
    """Conseil municipal du 28/11/2026 à 18 h 30 (commune de 2 150 habitants : 3 jours francs,
    dernier jour d'envoi le 24/11/2026). 7 membres en exercice : quorum à 4."""
    seance = SeanceFactory(
        collectivite=monde.collectivite,
        titre="Conseil municipal du 28 novembre",
        date=datetime.datetime(2026, 11, 28, 18, 30, tzinfo=PARIS),
        lieu="Salle du conseil",
    )
    maire = _membre(seance, "Marie", "DUVAL", Fonction.MAIRE, presence=Presence.PRESENT)
    adjoint = _membre(seance, "Pierre", "FONTAINE", Fonction.ADJOINT, presence=Presence.PRESENT)
    mandant = _membre(seance, "Antoine", "GIRARD", Fonction.CONSEILLER, presence=Presence.POUVOIR)
    mandataire = _membre(
        seance, "Sophie", "LAMBERT", Fonction.CONSEILLER, presence=Presence.PRESENT_DISTANCE
    )
    absent = _membre(
        seance,
        "Olivier",
        "ROBIN",
        Fonction.CONSEILLER,
        presence=Presence.ABSENT,
        reponse_commentaire='=HYPERLINK("http://x")',
    )
    sans_reponse = _membre(seance, "Bruno", "ROUSSEL", Fonction.CONSEILLER)
    papier = _membre(
        seance,
        "Laure",
        "MASSON",
        Fonction.CONSEILLER,
        papier=True,
        papier_le=datetime.date(2026, 11, 20),
    )
    suppleant = _membre(
        seance, "Martine", "VIDAL", Fonction.DELEGUE_SUPPLEANT, presence=Presence.PRESENT
    )
    invite = DestinataireFactory(
        seance=seance, nom="Claire Martin (secrétariat)", email="c.martin@exemple.fr", membre=False
    )
    Pouvoir.objects.create(
        collectivite=seance.collectivite, seance=seance, mandant=mandant, mandataire=mandataire
    )
    # Un pouvoir révoqué ne figure nulle part.
    Pouvoir.objects.create(
        collectivite=seance.collectivite,
        seance=seance,
        mandant=absent,
        mandataire=adjoint,
        revoque_le=timezone.now(),
    )
    envoi = datetime.datetime(2026, 11, 20, 10, 2, tzinfo=PARIS)
    for i, d in enumerate([maire, adjoint, mandant, mandataire, absent, papier, suppleant]):
        _envoi(d, envoi + datetime.timedelta(seconds=i))
    # Le retardataire : convoqué le 26/11, après le dernier jour légal.
    _envoi(sans_reponse, datetime.datetime(2026, 11, 26, 9, 0, tzinfo=PARIS))
    # Un second envoi au maire, refusé par le serveur.
    _envoi(
        maire,
        datetime.datetime(2026, 11, 21, 8, 0, tzinfo=PARIS),
        statut=StatutEnvoi.ECHEC,
        code_smtp=550,
        reponse_smtp="5.1.1 Mailbox unavailable",
        motif=MotifEnvoi.RELANCE,
    )
    maire.lu_le = datetime.datetime(2026, 11, 20, 11, 15, tzinfo=PARIS)
    maire.save()
    Reponse.objects.create(
        collectivite=seance.collectivite,
        destinataire=maire,
        presence=Presence.PRESENT,
        canal=CanalReponse.AGENT,
        cree_le=datetime.datetime(2026, 11, 22, 9, 30, tzinfo=PARIS),
    )
    return SeanceEditions(
        seance=seance,
        maire=maire,
        adjoint=adjoint,
        conseillers=[mandant, mandataire, absent, sans_reponse, papier],
        mandant=mandant,
        mandataire=mandataire,
        suppleant=suppleant,
        invite=invite,
        papier=papier,
    )

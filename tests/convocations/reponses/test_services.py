"""Services des réponses : date limite, séance classée ou brouillon, canal de l'agent."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from convocations.models import CanalReponse, EtatSeance, Presence, Reponse
from convocations.reponses.services import ReponseSaisie, reponse_enregistrer
from core.journal.models import EntreeJournal
from core.liens.models import LienSecurise
from core.liens.services import lien_creer
from tests.convocations.factories import DestinataireFactory, SeanceFactory
from tests.factories import UtilisateurFactory

pytestmark = pytest.mark.django_db

PRESENT = ReponseSaisie(presence=Presence.PRESENT)


def test_l_agent_peut_saisir_apres_la_date_limite_pas_l_elu() -> None:
    seance = SeanceFactory(
        etat=EtatSeance.ENVOYEE, reponses_jusqu_au=timezone.now() - datetime.timedelta(hours=2)
    )
    destinataire = DestinataireFactory(seance=seance)
    with pytest.raises(ValidationError, match="Les réponses étaient possibles jusqu'au"):
        reponse_enregistrer(
            destinataire=destinataire, saisie=PRESENT, canal=CanalReponse.LIEN, par=None
        )
    agent = UtilisateurFactory()
    reponse = reponse_enregistrer(
        destinataire=destinataire, saisie=PRESENT, canal=CanalReponse.AGENT, par=agent
    )
    assert (reponse.canal, reponse.par) == (CanalReponse.AGENT, agent)
    entree = EntreeJournal.objects.get(action="convocations_reponse_enregistree")
    assert entree.details == {"presence": "present", "canal": "agent"}


@pytest.mark.parametrize(
    ("etat", "message"),
    [
        (EtatSeance.BROUILLON, "pas encore été envoyée"),
        (EtatSeance.CLASSEE, "Cette séance est classée"),
    ],
)
def test_ni_brouillon_ni_seance_classee(etat: str, message: str) -> None:
    destinataire = DestinataireFactory(seance=SeanceFactory(etat=etat))
    with pytest.raises(ValidationError, match=message):
        reponse_enregistrer(
            destinataire=destinataire, saisie=PRESENT, canal=CanalReponse.AGENT, par=None
        )
    assert not Reponse.objects.exists()


def test_un_pouvoir_garde_n_est_pas_revoque_par_une_reponse_identique() -> None:
    seance = SeanceFactory(etat=EtatSeance.ENVOYEE)
    alice, bruno = DestinataireFactory(seance=seance), DestinataireFactory(seance=seance)
    saisie = ReponseSaisie(presence=Presence.POUVOIR, mandataire_id=bruno.pk)
    for commentaire in ("", "Je confirme"):
        reponse_enregistrer(
            destinataire=alice,
            saisie=ReponseSaisie(
                presence=saisie.presence, mandataire_id=bruno.pk, commentaire=commentaire
            ),
            canal=CanalReponse.LIEN,
            par=None,
        )
    assert alice.pouvoirs_donnes.count() == 1
    assert alice.pouvoirs_donnes.get().revoque_le is None
    assert Reponse.objects.filter(destinataire=alice).count() == 2


def test_un_non_membre_ne_peut_pas_donner_pouvoir() -> None:
    seance = SeanceFactory(etat=EtatSeance.ENVOYEE)
    invite = DestinataireFactory(seance=seance, membre=False)
    membre = DestinataireFactory(seance=seance)
    with pytest.raises(ValidationError, match="Choisissez une des réponses proposées"):
        reponse_enregistrer(
            destinataire=invite,
            saisie=ReponseSaisie(presence=Presence.POUVOIR, mandataire_id=membre.pk),
            canal=CanalReponse.LIEN,
            par=None,
        )


def test_la_saisie_en_session_refuse_les_valeurs_forgees() -> None:
    assert ReponseSaisie.depuis_session("x") is None
    assert ReponseSaisie.depuis_session({"presence": 3}) is None
    saisie = ReponseSaisie.depuis_session(
        {"presence": "present", "mandataire_id": "12", "piece_id": [1]}
    )
    assert saisie == ReponseSaisie(presence="present")


def test_un_lien_bloque_ne_propose_pas_de_nouveau_lien(client: Any) -> None:
    """Un nouveau lien ne rend pas d'essais d'identification : la page n'en propose pas."""
    page = client.get(f"/l/{_lien_bloque()}/").content.decode()
    assert "Demander un nouveau lien de convocation" not in page
    assert "bloqué" in page


def _lien_bloque() -> str:
    destinataire = DestinataireFactory(seance=SeanceFactory(etat=EtatSeance.ENVOYEE))
    lien, jeton = lien_creer(
        collectivite=destinataire.collectivite,
        objectif="convocation",
        cible=destinataire,
        duree=datetime.timedelta(days=3),
        usage_unique=False,
    )
    LienSecurise.objects.filter(pk=lien.pk).update(verrouille_le=timezone.now())
    return jeton

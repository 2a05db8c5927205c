"""Garde du délai de convocation, vue depuis l'envoi (celle de la préparation des séances).

Hors `transaction=True` : les délais nationaux viennent d'une migration de données, qu'une
base vidée entre deux tests transactionnels n'a plus."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from convocations.envoi.garde import envoi_autorise
from convocations.envoi.services import convocation_envoyer
from convocations.seances.models import EnvoiConvocation
from tests.convocations.factories import DestinataireFactory, SeanceFactory

pytestmark = pytest.mark.django_db


def test_la_garde_du_delai_refuse_un_envoi_tardif_sauf_urgence(monde):
    maintenant = timezone.now()
    seance = SeanceFactory(collectivite=monde.collectivite, date=maintenant + timedelta(days=2))
    autorise, message = envoi_autorise(seance=seance, maintenant=maintenant)
    assert not autorise
    assert "Le dernier jour d'envoi était le" in message
    DestinataireFactory(seance=seance)
    with pytest.raises(ValidationError, match="Le dernier jour d'envoi"):
        convocation_envoyer(seance=seance, par=monde.personnes["secretariat"])
    assert not EnvoiConvocation.objects.exists()
    seance.urgence, seance.urgence_justification = True, "Sinistre sur la voirie"
    assert envoi_autorise(seance=seance, maintenant=maintenant)[0] is True
    passee = SeanceFactory(collectivite=monde.collectivite, date=maintenant - timedelta(hours=1))
    assert envoi_autorise(seance=passee, maintenant=maintenant)[0] is False

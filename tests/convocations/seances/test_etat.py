import pytest
from django.utils import timezone

from convocations.models import EtatSeance
from convocations.seances.etat import seance_etat_recalculer
from convocations.seances.onglets import OngletSeance, onglets_seance
from tests.convocations.factories import DestinataireFactory, SeanceFactory

pytestmark = pytest.mark.django_db


def test_l_etat_suit_les_accuses_de_reception() -> None:
    seance = SeanceFactory(etat=EtatSeance.ENVOYEE)
    a = DestinataireFactory(seance=seance, nombre_envois=1)
    b = DestinataireFactory(seance=seance, papier_le=timezone.localdate())
    DestinataireFactory(seance=seance)  # pas encore envoyé : ne compte pas
    assert seance_etat_recalculer(seance=seance).etat == EtatSeance.ENVOYEE
    a.lu_le = timezone.now()
    a.save()
    assert seance_etat_recalculer(seance=seance).etat == EtatSeance.RECUE_PARTIELLEMENT
    b.lu_le = timezone.now()
    b.save()
    seance_etat_recalculer(seance=seance)
    seance.refresh_from_db()
    assert seance.etat == EtatSeance.RECUE


def test_brouillon_et_classee_ne_bougent_pas() -> None:
    for etat in (EtatSeance.BROUILLON, EtatSeance.CLASSEE):
        seance = SeanceFactory(etat=etat)
        DestinataireFactory(seance=seance, nombre_envois=1, lu_le=timezone.now())
        assert seance_etat_recalculer(seance=seance).etat == etat


def test_onglets_dans_l_ordre_et_remplacables() -> None:
    avant = list(onglets_seance._onglets.items())
    try:
        onglets_seance.ajouter(OngletSeance("b", "B", "x:b", ordre=20))
        onglets_seance.ajouter(OngletSeance("a", "A", "x:a", ordre=10))
        onglets_seance.ajouter(OngletSeance("b", "B2", "x:b2", ordre=5))
        cles = [o.cle for o in onglets_seance.tous() if o.cle in {"a", "b"}]
        assert cles == ["b", "a"]
    finally:
        onglets_seance._onglets = dict(avant)

"""Pouvoirs (CGCT L2121-20) : les règles du service, et celles que la base garantit seule."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from convocations.models import EtatSeance, Pouvoir
from convocations.reponses import pouvoirs
from convocations.reponses.pouvoirs import pouvoir_donner, pouvoir_revoquer
from convocations.seances.models import Destinataire
from core.journal.models import EntreeJournal
from tests.convocations.factories import DestinataireFactory, SeanceFactory
from tests.factories import UtilisateurFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seance() -> Any:
    return SeanceFactory(etat=EtatSeance.ENVOYEE)


def _membres(seance: Any, n: int) -> list[Destinataire]:
    return [DestinataireFactory(seance=seance, nom=f"Membre {i}") for i in range(n)]


def test_un_pouvoir_est_donne_et_journalise(seance: Any) -> None:
    alice, bruno = _membres(seance, 2)
    pouvoir = pouvoir_donner(mandant=alice, mandataire=bruno, par=None)
    assert pouvoir.revoque_le is None
    assert str(pouvoir) == "Membre 0 donne pouvoir à Membre 1"
    assert EntreeJournal.objects.filter(action="convocations_pouvoir_donne").count() == 1


def test_pas_de_pouvoir_a_soi_meme(seance: Any) -> None:
    (alice,) = _membres(seance, 1)
    with pytest.raises(ValidationError, match="vous-même"):
        pouvoir_donner(mandant=alice, mandataire=alice, par=None)


def test_pas_de_pouvoir_a_un_non_membre(seance: Any) -> None:
    (alice,) = _membres(seance, 1)
    invite = DestinataireFactory(seance=seance, membre=False, nom="Invité")
    with pytest.raises(ValidationError, match="Invité n'est pas membre"):
        pouvoir_donner(mandant=alice, mandataire=invite, par=None)


def test_pas_de_pouvoir_a_un_membre_d_une_autre_seance(seance: Any) -> None:
    (alice,) = _membres(seance, 1)
    ailleurs = DestinataireFactory(seance=SeanceFactory(collectivite=seance.collectivite))
    with pytest.raises(ValidationError, match="pas convoqué à cette séance"):
        pouvoir_donner(mandant=alice, mandataire=ailleurs, par=None)
    assert not Pouvoir.objects.exists()


def test_un_mandataire_ne_porte_qu_un_pouvoir(seance: Any) -> None:
    alice, bruno, chloe = _membres(seance, 3)
    pouvoir_donner(mandant=alice, mandataire=bruno, par=None)
    with pytest.raises(ValidationError, match="Membre 1 porte déjà un pouvoir"):
        pouvoir_donner(mandant=chloe, mandataire=bruno, par=None)


def test_qui_a_donne_pouvoir_ne_peut_en_recevoir(seance: Any) -> None:
    alice, bruno, chloe = _membres(seance, 3)
    pouvoir_donner(mandant=alice, mandataire=bruno, par=None)
    with pytest.raises(ValidationError, match="a lui-même donné pouvoir"):
        pouvoir_donner(mandant=chloe, mandataire=alice, par=None)


def test_qui_porte_un_pouvoir_ne_peut_en_donner(seance: Any) -> None:
    alice, bruno, chloe = _membres(seance, 3)
    pouvoir_donner(mandant=alice, mandataire=bruno, par=None)
    with pytest.raises(ValidationError, match="Vous portez le pouvoir de Membre 0"):
        pouvoir_donner(mandant=bruno, mandataire=chloe, par=None)


def test_un_pouvoir_revoque_libere_le_mandataire(seance: Any) -> None:
    alice, bruno, chloe = _membres(seance, 3)
    pouvoir = pouvoir_donner(mandant=alice, mandataire=bruno, par=None)
    pouvoir_revoquer(pouvoir=pouvoir, par=None)
    pouvoir_revoquer(pouvoir=pouvoir, par=None)  # sans effet la seconde fois
    assert pouvoir.revoque_le is not None
    assert EntreeJournal.objects.filter(action="convocations_pouvoir_revoque").count() == 1
    assert pouvoir_donner(mandant=chloe, mandataire=bruno, par=None).pk != pouvoir.pk


def _serie(seance: Any, n: int) -> tuple[list[Any], Any]:
    """`n` séances passées de la même assemblée où la même élue a donné pouvoir, puis une à
    venir : rend (ses destinataires des séances passées, son destinataire de la prochaine)."""
    elue = UtilisateurFactory()
    passes = []
    for i in range(n):
        ancienne = SeanceFactory(
            collectivite=seance.collectivite,
            etat=EtatSeance.CLASSEE,
            date=seance.date - datetime.timedelta(days=30 * (i + 1)),
        )
        mandante = DestinataireFactory(seance=ancienne, utilisateur=elue)
        pouvoir_donner(mandant=mandante, mandataire=DestinataireFactory(seance=ancienne), par=None)
        passes.append(mandante)
    return passes, DestinataireFactory(seance=seance, utilisateur=elue)


def test_une_quatrieme_seance_consecutive_est_refusee(seance: Any) -> None:
    _, mandante = _serie(seance, 3)
    bruno = DestinataireFactory(seance=seance)
    with pytest.raises(ValidationError, match="quatrième"):
        pouvoir_donner(mandant=mandante, mandataire=bruno, par=None)


def test_trois_seances_consecutives_sont_permises(seance: Any) -> None:
    _, mandante = _serie(seance, 2)
    assert pouvoir_donner(mandant=mandante, mandataire=DestinataireFactory(seance=seance), par=None)


def test_une_seance_sans_pouvoir_interrompt_la_suite(seance: Any) -> None:
    passes, mandante = _serie(seance, 3)
    # La plus récente des séances passées : pouvoir révoqué (l'élue est venue).
    pouvoir_revoquer(pouvoir=Pouvoir.objects.get(mandant=passes[0]), par=None)
    assert pouvoir_donner(mandant=mandante, mandataire=DestinataireFactory(seance=seance), par=None)


def test_l_exception_pour_maladie_est_reservee_a_l_agent_et_justifiee(seance: Any) -> None:
    _, mandante = _serie(seance, 3)
    bruno = DestinataireFactory(seance=seance)
    with pytest.raises(ValidationError, match="Seul le secrétariat"):
        pouvoir_donner(mandant=mandante, mandataire=bruno, par=None, exception_maladie=True)
    with pytest.raises(ValidationError, match="Justifiez"):
        pouvoir_donner(
            mandant=mandante, mandataire=bruno, par=None, par_agent=True, exception_maladie=True
        )
    pouvoir = pouvoir_donner(
        mandant=mandante,
        mandataire=bruno,
        par=None,
        par_agent=True,
        exception_maladie=True,
        justification="Certificat médical du 02/12/2026",
    )
    assert pouvoir.exception_maladie


# --- Ce que la base garantit, même quand le service ne vérifie rien --------------------------


def test_la_base_refuse_un_second_pouvoir_au_meme_mandataire(seance: Any) -> None:
    alice, bruno, chloe = _membres(seance, 3)
    Pouvoir.objects.create(
        collectivite=seance.collectivite, seance=seance, mandant=alice, mandataire=bruno
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Pouvoir.objects.create(
            collectivite=seance.collectivite, seance=seance, mandant=chloe, mandataire=bruno
        )


def test_la_base_refuse_le_pouvoir_a_soi_meme(seance: Any) -> None:
    (alice,) = _membres(seance, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Pouvoir.objects.create(
            collectivite=seance.collectivite, seance=seance, mandant=alice, mandataire=alice
        )


def test_contrainte_violee_malgre_le_service_revient_en_francais(
    seance: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Vérifications du service contournées : la base tranche, le message reste français."""
    alice, bruno, chloe = _membres(seance, 3)
    monkeypatch.setattr(pouvoirs, "_verifier", lambda **kwargs: None)
    pouvoir_donner(mandant=alice, mandataire=bruno, par=None)
    with pytest.raises(ValidationError) as erreur:
        pouvoir_donner(mandant=chloe, mandataire=bruno, par=None)
    assert erreur.value.messages == ["Ce membre porte déjà un pouvoir pour cette séance."]
    with pytest.raises(ValidationError) as erreur:
        pouvoir_donner(mandant=chloe, mandataire=chloe, par=None)
    assert erreur.value.messages == ["On ne peut pas se donner pouvoir à soi-même."]
    assert Pouvoir.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_deux_pouvoirs_simultanes_au_meme_mandataire_un_seul_passe(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Deux connexions donnent en même temps un pouvoir au même membre, vérifications du
    service et verrou de la séance contournés : la contrainte de la base n'en laisse passer
    qu'un, et l'autre reçoit le message français."""
    seance = SeanceFactory(etat=EtatSeance.ENVOYEE)
    alice, bruno, chloe = _membres(seance, 3)
    monkeypatch.setattr(pouvoirs, "_verifier", lambda **kwargs: None)
    monkeypatch.setattr(pouvoirs, "verrouiller_seance", lambda pk: type(seance).objects.get(pk=pk))
    premier_insere = threading.Event()
    resultats: dict[str, str] = {}

    def premier() -> None:
        try:
            with transaction.atomic():
                pouvoir_donner(mandant=alice, mandataire=bruno, par=None)
                premier_insere.set()
                # Le second insère pendant que cette transaction est encore ouverte.
                threading.Event().wait(0.5)
            resultats["premier"] = "ok"
        finally:
            premier_insere.set()
            connection.close()

    def second() -> None:
        premier_insere.wait(5)
        try:
            pouvoir_donner(mandant=chloe, mandataire=bruno, par=None)
            resultats["second"] = "ok"
        except ValidationError as erreur:
            resultats["second"] = erreur.messages[0]
        finally:
            connection.close()

    fils = [threading.Thread(target=premier), threading.Thread(target=second)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join(10)
    assert resultats == {
        "premier": "ok",
        "second": "Ce membre porte déjà un pouvoir pour cette séance.",
    }
    assert Pouvoir.objects.filter(mandataire=bruno, revoque_le__isnull=True).count() == 1

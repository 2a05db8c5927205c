"""Date limite de dépôt avant un scrutin (L17, R5, L30) et limite de la commission (L19)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.comptes.models import TypeRole
from electeurs.procedure import services
from electeurs.procedure.models import Decision, Delegation, Mouvement, Scrutin
from tests.electeurs.factories import ElecteurFactory, InscriptionListeFactory

pytestmark = pytest.mark.django_db

E = TypeRole.AGENT_ELECTIONS
L = TypeRole.LECTURE


def _scrutin(monde, premier=date(2026, 3, 15), second=date(2026, 3, 22)) -> Scrutin:
    return Scrutin.objects.create(
        collectivite=monde.collectivite,
        libelle="Élections municipales",
        premier_tour=premier,
        second_tour=second,
    )


def _demande(monde, par, recue_le, **options) -> Mouvement:
    return services.demande_inscription_enregistrer(
        collectivite=monde.collectivite,
        electeur=ElecteurFactory.build(collectivite=monde.collectivite),
        liste="LP",
        recue_le=recue_le,
        motif=options.pop("motif", "Domicile"),
        par=par,
        **options,
    )


@pytest.mark.parametrize(
    ("premier_tour", "papier", "en_ligne"),
    [
        # Vecteurs de legal-rules.md (EL-05).
        (date(2022, 4, 10), date(2022, 3, 4), date(2022, 3, 2)),
        (date(2022, 6, 12), date(2022, 5, 6), date(2022, 5, 4)),
        (date(2026, 3, 15), date(2026, 2, 6), date(2026, 2, 4)),
    ],
)
def test_les_dates_limites_sont_le_sixieme_vendredi_et_le_sixieme_mercredi(
    monde, premier_tour, papier, en_ligne
):
    scrutin = _scrutin(monde, premier=premier_tour, second=None)
    assert services.date_limite_inscription(scrutin, collectivite=monde.collectivite) == papier
    assert (
        services.date_limite_inscription(scrutin, collectivite=monde.collectivite, en_ligne=True)
        == en_ligne
    )
    assert papier.weekday() == 4 and en_ligne.weekday() == 2


@time_machine.travel(date(2026, 2, 10))
def test_une_demande_recue_le_sixieme_vendredi_vaut_pour_le_scrutin(monde, administrateur):
    _scrutin(monde)
    mouvement = _demande(monde, administrateur, date(2026, 2, 6))
    assert mouvement.scrutin is None
    assert mouvement.prend_effet_le is None
    assert mouvement.echeance == date(2026, 2, 11)


@time_machine.travel(date(2026, 2, 10))
def test_une_demande_tardive_vaut_pour_la_liste_d_apres_le_scrutin(monde, administrateur):
    scrutin = _scrutin(monde)
    mouvement = _demande(monde, administrateur, date(2026, 2, 7))

    assert mouvement.scrutin == scrutin
    assert mouvement.prend_effet_le == date(2026, 3, 23)
    # EL-07 : la décision attend la fin du scrutin, puis 5 jours.
    assert mouvement.echeance == date(2026, 3, 27)
    tardive = services.tardivete(mouvement)
    assert tardive is not None
    assert tardive.message == (
        "Demande reçue après la date limite du 06/02/2026 pour le scrutin « Élections "
        "municipales » du 15/03/2026 (Code électoral, art. L17) : elle ne vaut pas pour ce "
        "scrutin. L'inscription pourra être accordée à partir du 23/03/2026."
    )


@time_machine.travel(date(2026, 2, 10))
def test_en_ligne_la_limite_est_le_sixieme_mercredi(monde, administrateur):
    _scrutin(monde)
    assert _demande(monde, administrateur, date(2026, 2, 4), en_ligne=True).scrutin is None
    assert _demande(monde, administrateur, date(2026, 2, 5), en_ligne=True).scrutin is not None


@time_machine.travel(date(2026, 3, 10))
def test_un_cas_l30_peut_deposer_jusqu_au_dixieme_jour(monde, administrateur):
    _scrutin(monde)
    assert _demande(monde, administrateur, date(2026, 3, 5), cas_l30=True).scrutin is None
    assert _demande(monde, administrateur, date(2026, 3, 6), cas_l30=True).scrutin is not None
    with pytest.raises(ValidationError) as erreur:
        _demande(monde, administrateur, date(2026, 3, 5), cas_l30=True, motif="")
    assert "Précisez le cas de l'article L30" in " ".join(erreur.value.messages)


@time_machine.travel(date(2026, 2, 10))
def test_une_inscription_tardive_ne_peut_pas_etre_accordee_avant_le_scrutin(monde, administrateur):
    _scrutin(monde)
    mouvement = _demande(monde, administrateur, date(2026, 2, 7))
    with pytest.raises(ValidationError) as erreur:
        services.mouvement_decider(
            mouvement=mouvement,
            decision=Decision.FAVORABLE,
            decide_le=date(2026, 2, 10),
            decideur="Jeanne Maire",
            delegation=Delegation.MAIRE,
            par=administrateur,
        )
    assert "ne peut être accordée qu'à partir du 23/03/2026" in " ".join(erreur.value.messages)
    # Un refus motivé reste possible aussitôt.
    refus = services.mouvement_decider(
        mouvement=mouvement,
        decision=Decision.REFUS,
        decide_le=date(2026, 2, 10),
        decideur="Jeanne Maire",
        delegation=Delegation.MAIRE,
        motif="Aucune attache avec la commune.",
        par=administrateur,
    )
    assert refus.decision == Decision.REFUS


def test_un_scrutin_a_lieu_un_dimanche(monde):
    scrutin = Scrutin(
        collectivite=monde.collectivite, libelle="Européennes", premier_tour=date(2026, 3, 14)
    )
    with pytest.raises(ValidationError) as erreur:
        scrutin.full_clean()
    assert erreur.value.message_dict["premier_tour"] == [
        "Le 14/03/2026 n'est pas un dimanche : un scrutin a lieu un dimanche (Code électoral, "
        "art. L55)."
    ]


@time_machine.travel(date(2026, 3, 1))
def test_la_commission_ne_statue_plus_apres_le_21e_jour_avant_le_scrutin(monde, administrateur):
    _scrutin(monde)
    membres = [
        services.membre_ajouter(
            collectivite=monde.collectivite, nom=f"Membre {i}", qualite="conseiller", par=None
        )
        for i in range(3)
    ]
    inscription = InscriptionListeFactory(electeur__collectivite=monde.collectivite)
    for jour, possible in ((date(2026, 2, 22), True), (date(2026, 2, 23), False)):
        reunion = services.reunion_creer(
            collectivite=monde.collectivite,
            date=jour,
            nombre_membres=3,
            presents=membres,
            par=administrateur,
        )
        appel = lambda reunion=reunion: services.commission_statuer_electeur(  # noqa: E731
            collectivite=monde.collectivite,
            electeur=inscription.electeur,
            reunion=reunion,
            decision="radiation",
            liste="LP",
            motif="Inscrit à tort.",
            par=administrateur,
        )
        if possible:
            appel()
            continue
        with pytest.raises(ValidationError) as erreur:
            appel()
        assert erreur.value.message_dict["reunion"] == [
            "La commission statue au plus tard le 22/02/2026 pour le scrutin « Élections "
            "municipales » du 15/03/2026 (Code électoral, art. L19) : elle pourra statuer "
            "après le dernier tour."
        ]


# --- Pages ----------------------------------------------------------------------------------


@time_machine.travel(date(2026, 2, 10))
def test_la_page_de_demande_previent_d_une_demande_tardive(monde):
    _scrutin(monde)
    reponse = monde.client(E).post(
        reverse("electeurs:procedure_demande_nouvelle"),
        {
            "nom_naissance": "TARDIF",
            "prenoms": "Paul",
            "sexe": "M",
            "naissance_annee": "1990",
            "liste": "LP",
            "recue_le": "09/02/2026",
        },
        follow=True,
    )
    assert reponse.status_code == 200
    texte = reponse.content.decode()
    assert "après la date limite du 06/02/2026" in texte
    assert "à partir du 23/03/2026" in texte


@time_machine.travel(date(2026, 2, 10))
def test_la_page_des_scrutins_montre_les_dates_limites_et_refuse_un_samedi(monde):
    client = monde.client(E)
    reponse = client.post(
        reverse("electeurs:procedure_scrutins"),
        {"libelle": "Municipales", "premier_tour": "15/03/2026", "second_tour": "22/03/2026"},
    )
    assert reponse.status_code == 302
    page = monde.client(L).get(reverse("electeurs:procedure_scrutins")).content.decode()
    assert "06/02/2026" in page and "04/02/2026" in page and "05/03/2026" in page
    refus = client.post(
        reverse("electeurs:procedure_scrutins"),
        {"libelle": "Partielle", "premier_tour": "14/03/2026"},
    )
    assert refus.status_code == 400
    assert "n&#x27;est pas un dimanche" in refus.content.decode()
    assert Scrutin.objects.count() == 1


def test_la_page_des_scrutins_fait_autant_de_requetes_pour_5_ou_50_scrutins(monde):
    def creer(debut, n):
        for i in range(debut, debut + n):
            _scrutin(monde, premier=date(2030, 1, 6) + timedelta(weeks=i), second=None)

    client = monde.client(L)
    creer(0, 5)
    with CaptureQueriesContext(connection) as cinq:
        assert client.get(reverse("electeurs:procedure_scrutins")).status_code == 200
    creer(5, 45)
    with CaptureQueriesContext(connection) as cinquante:
        reponse = client.get(reverse("electeurs:procedure_scrutins"))
    assert len(cinquante) == len(cinq)
    assert reponse.context["page_obj"].paginator.count == 50
    # 06/01/2030 − 37 jours : le sixième vendredi, 30/11/2029 ; la commission, 16/12/2029.
    premiers = client.get(reverse("electeurs:procedure_scrutins"), {"tri": "tours"})
    assert "30/11/2029" in premiers.content.decode()
    assert "16/12/2029" in premiers.content.decode()

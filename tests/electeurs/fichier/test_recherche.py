"""La recherche d'électeurs : nom (accents, casse, nom d'usage), date, INE, mode approchant,
filtres, compte plafonné, et jamais les électeurs d'une autre collectivité."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.tenancy.models import Collectivite
from electeurs.fichier import selectors
from electeurs.fichier.selectors import electeurs_rechercher, recherche_analyser
from electeurs.models import Electeur, StatutElecteur, TypeListe
from tests.electeurs.factories import (
    BureauDeVoteFactory,
    ElecteurFactory,
    InscriptionListeFactory,
)
from tests.factories import CollectiviteFactory

pytestmark = pytest.mark.django_db


def _noms(resultats: Any) -> list[str]:
    return [e.nom_complet for e in resultats[0:25]]


@pytest.fixture
def ici() -> Collectivite:
    return CollectiviteFactory(nom="Ici")


@pytest.fixture
def ailleurs() -> Collectivite:
    return CollectiviteFactory(nom="Ailleurs")


def test_analyser_reconnait_nom_date_et_ine() -> None:
    assert recherche_analyser("Dupré hél").nom == "dupre hel"
    critere = recherche_analyser("dupre 04/07/1953")
    assert (critere.nom, critere.jour, critere.mois, critere.annee) == ("dupre", 4, 7, 1953)
    partielle = recherche_analyser("00/00/1953")
    assert (partielle.jour, partielle.mois, partielle.annee) == (None, None, 1953)
    mois = recherche_analyser("07/1953")
    assert (mois.jour, mois.mois, mois.annee) == (None, 7, 1953)
    assert recherche_analyser("1234567890").ine == "1234567890"
    assert recherche_analyser("ab12cd34").ine == "AB12CD34"
    assert recherche_analyser("").nom == ""


def test_debut_de_nom_sans_accents_ni_casse_puis_prenoms(ici: Collectivite) -> None:
    ElecteurFactory(collectivite=ici, nom_naissance="DUPRÉ", prenoms="Hélène Marie")
    ElecteurFactory(collectivite=ici, nom_naissance="DUPRÉ", prenoms="Jean")
    ElecteurFactory(collectivite=ici, nom_naissance="DURAND", prenoms="Hélène")

    assert _noms(electeurs_rechercher(collectivite=ici, texte="dupre hel")) == [
        "DUPRÉ Hélène Marie"
    ]
    assert _noms(electeurs_rechercher(collectivite=ici, texte="DUPRÉ")) == [
        "DUPRÉ Hélène Marie",
        "DUPRÉ Jean",
    ]
    assert _noms(electeurs_rechercher(collectivite=ici, texte="du")) == [
        "DUPRÉ Hélène Marie",
        "DUPRÉ Jean",
        "DURAND Hélène",
    ]


def test_le_nom_d_usage_trouve_aussi_et_sans_doublon(ici: Collectivite) -> None:
    ElecteurFactory(collectivite=ici, nom_naissance="DUPRÉ", nom_usage="Martin", prenoms="Anne")
    # Même nom d'usage que de naissance : trouvé une seule fois.
    ElecteurFactory(collectivite=ici, nom_naissance="MARTIN", nom_usage="MARTIN", prenoms="Luc")
    ElecteurFactory(collectivite=ici, nom_naissance="MARTY", prenoms="Paul")

    resultats = electeurs_rechercher(collectivite=ici, texte="martin")

    assert _noms(resultats) == ["DUPRÉ (Martin) Anne", "MARTIN Luc"]
    assert resultats.count() == 2
    assert _noms(electeurs_rechercher(collectivite=ici, texte="martin an")) == [
        "DUPRÉ (Martin) Anne"
    ]


def test_date_de_naissance_complete_et_partielle(ici: Collectivite) -> None:
    ElecteurFactory(collectivite=ici, nom_naissance="A", naissance_jour=4, naissance_mois=7)
    ElecteurFactory(collectivite=ici, nom_naissance="B", naissance_jour=None, naissance_mois=None)
    ElecteurFactory(collectivite=ici, nom_naissance="C", naissance_annee=1960)

    assert _noms(electeurs_rechercher(collectivite=ici, texte="04/07/1953")) == ["A Hélène Marie"]
    assert _noms(electeurs_rechercher(collectivite=ici, texte="00/00/1953")) == [
        "A Hélène Marie",
        "B Hélène Marie",
    ]
    assert _noms(electeurs_rechercher(collectivite=ici, texte="b 1953")) == ["B Hélène Marie"]
    assert _noms(electeurs_rechercher(collectivite=ici, texte="07/1960")) == ["C Hélène Marie"]


def test_ine(ici: Collectivite, ailleurs: Collectivite) -> None:
    ElecteurFactory(collectivite=ici, nom_naissance="AVEC", ine="123456789")
    ElecteurFactory(collectivite=ici, nom_naissance="SANS")
    ElecteurFactory(collectivite=ailleurs, nom_naissance="AILLEURS", ine="123456789")

    assert _noms(electeurs_rechercher(collectivite=ici, texte=" 123456789 ")) == [
        "AVEC Hélène Marie"
    ]


def test_mode_approchant_quand_rien_ne_correspond(ici: Collectivite) -> None:
    ElecteurFactory(collectivite=ici, nom_naissance="DUPONT", prenoms="Hélène")
    ElecteurFactory(collectivite=ici, nom_naissance="LEFEBVRE", prenoms="Marc")

    exact = electeurs_rechercher(collectivite=ici, texte="dupont")
    approchant = electeurs_rechercher(collectivite=ici, texte="duppont")
    sans = electeurs_rechercher(collectivite=ici, texte="duppont", approchant=False)

    assert not exact.approchant
    assert approchant.approchant
    assert _noms(approchant) == ["DUPONT Hélène"]
    assert sans.count() == 0
    assert _noms(electeurs_rechercher(collectivite=ici, texte="lefevre marc")) == ["LEFEBVRE Marc"]


def test_mode_approchant_par_la_table_des_noms(ici: Collectivite) -> None:
    """Les noms proches du texte tapé, puis leurs électeurs : nom de naissance ou d'usage,
    début du prénom tapé après le nom, électeur renommé retrouvé sous son nouveau nom."""
    dupont = ElecteurFactory(collectivite=ici, nom_naissance="DUPONT", prenoms="Hélène Marie")
    ElecteurFactory(collectivite=ici, nom_naissance="DUPONT", prenoms="Luc")
    ElecteurFactory(collectivite=ici, nom_naissance="MARTIN", nom_usage="Lefebvre", prenoms="Zoé")
    renomme = ElecteurFactory(collectivite=ici, nom_naissance="ROUX", prenoms="Paul")
    renomme.nom_naissance = "GUÉRIN"
    renomme.save()

    assert _noms(electeurs_rechercher(collectivite=ici, texte="duppont hel")) == [
        "DUPONT Hélène Marie",
        "DUPONT Luc",
    ]
    assert _noms(electeurs_rechercher(collectivite=ici, texte="lefevre zoe")) == [
        "MARTIN (Lefebvre) Zoé"
    ]
    assert _noms(electeurs_rechercher(collectivite=ici, texte="guerrin")) == ["GUÉRIN Paul"]
    assert _noms(electeurs_rechercher(collectivite=ici, texte="rouxx")) == []
    dupont.statut = StatutElecteur.RADIE
    dupont.save()
    filtre = electeurs_rechercher(collectivite=ici, texte="duppont", statut=StatutElecteur.INSCRIT)
    assert _noms(filtre) == ["DUPONT Luc"]


def test_mode_approchant_python_pour_sqlite(ici: Collectivite) -> None:
    ElecteurFactory(collectivite=ici, nom_naissance="DUPONT", prenoms="Hélène")
    ElecteurFactory(collectivite=ici, nom_naissance="MARTIN", nom_usage="Lefebvre", prenoms="A")

    base = Electeur.objects.pour(ici)
    assert [
        Electeur.objects.get(pk=pk).nom_naissance
        for pk in selectors._approchants_python(base, "duppont")
    ] == ["DUPONT"]
    assert selectors._approchants_python(base, "lefevre") != []
    assert selectors._approchants_python(base, "zzzzzz") == []


def test_filtres_bureau_liste_statut(ici: Collectivite) -> None:
    un = BureauDeVoteFactory(collectivite=ici, code="0001")
    deux = BureauDeVoteFactory(collectivite=ici, code="0002")
    a = InscriptionListeFactory(
        electeur__collectivite=ici, electeur__nom_naissance="A", bureau=un
    ).electeur
    InscriptionListeFactory(electeur__collectivite=ici, electeur__nom_naissance="B", bureau=deux)
    c = InscriptionListeFactory(
        electeur__collectivite=ici,
        electeur__nom_naissance="C",
        bureau=un,
        type_liste=TypeListe.COMPLEMENTAIRE_EUROPEENNE,
    ).electeur
    c.statut = StatutElecteur.RADIE
    c.save()

    assert _noms(electeurs_rechercher(collectivite=ici, bureau=un)) == [
        a.nom_complet,
        c.nom_complet,
    ]
    assert _noms(
        electeurs_rechercher(collectivite=ici, liste=TypeListe.COMPLEMENTAIRE_EUROPEENNE)
    ) == [c.nom_complet]
    assert _noms(electeurs_rechercher(collectivite=ici, statut=StatutElecteur.INSCRIT)) == [
        a.nom_complet,
        "B Hélène Marie",
    ]
    assert _noms(electeurs_rechercher(collectivite=ici, texte="c", bureau=un)) == [c.nom_complet]


def test_compte_plafonne(ici: Collectivite, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selectors, "PLAFOND", 3)
    for i in range(5):
        ElecteurFactory(collectivite=ici, nom_naissance=f"MARTIN{i}")
        ElecteurFactory(collectivite=ici, nom_naissance=f"X{i}", nom_usage=f"MARTIN{i}")

    resultats = electeurs_rechercher(collectivite=ici, texte="martin")
    tous = electeurs_rechercher(collectivite=ici)
    deux = electeurs_rechercher(collectivite=ici, texte="martin1")

    assert resultats.count() == 4
    assert resultats.plafonne
    assert tous.count() == 4
    assert deux.count() == 2
    assert not deux.plafonne


def test_une_autre_collectivite_n_apparait_jamais(
    ici: Collectivite, ailleurs: Collectivite
) -> None:
    ElecteurFactory(collectivite=ici, nom_naissance="DUPRÉ", prenoms="Hélène")
    ElecteurFactory(collectivite=ailleurs, nom_naissance="DUPRÉ", prenoms="Héloïse")
    ElecteurFactory(collectivite=ailleurs, nom_naissance="DUPONT", prenoms="Hélène")

    for texte in ("", "dupre", "dupont", "duppont", "04/07/1953"):
        noms = " ".join(_noms(electeurs_rechercher(collectivite=ici, texte=texte)))
        assert "Héloïse" not in noms
        assert "DUPONT" not in noms


def test_une_page_en_nombre_constant_de_requetes(ici: Collectivite) -> None:
    def requetes() -> int:
        with CaptureQueriesContext(connection) as capture:
            resultats = electeurs_rechercher(collectivite=ici, texte="dupre")
            resultats.count()
            for electeur in resultats[0:25]:
                assert [i.bureau.code for i in electeur.inscriptions.all()]
        return len(capture)

    InscriptionListeFactory(electeur__collectivite=ici, electeur__nom_naissance="DUPRÉ")
    une = requetes()
    for _ in range(10):
        InscriptionListeFactory(electeur__collectivite=ici, electeur__nom_naissance="DUPRÉ")
    assert requetes() == une


def test_le_chemin_sans_reunion_de_sqlite_rend_les_memes_resultats(
    ici: Collectivite, monkeypatch: pytest.MonkeyPatch
) -> None:
    ElecteurFactory(collectivite=ici, nom_naissance="DUPRÉ", nom_usage="Martin", prenoms="Anne")
    ElecteurFactory(collectivite=ici, nom_naissance="MARTIN", prenoms="Luc")
    ElecteurFactory(collectivite=ici, nom_naissance="MARTY", prenoms="Paul")
    avec_reunion = electeurs_rechercher(collectivite=ici, texte="martin")
    attendu = (_noms(avec_reunion), avec_reunion.count())

    monkeypatch.setattr(selectors.ResultatsRecherche, "_par_union", lambda self: False)
    sans_reunion = electeurs_rechercher(collectivite=ici, texte="martin")

    assert (_noms(sans_reunion), sans_reunion.count()) == attendu
    assert attendu == (["DUPRÉ (Martin) Anne", "MARTIN Luc"], 2)


def test_le_seuil_du_mode_approchant_laisse_passer_une_faute_sur_un_nom_court(
    ici: Collectivite, monkeypatch: pytest.MonkeyPatch
) -> None:
    ElecteurFactory(collectivite=ici, nom_naissance="DUBOIS", prenoms="Luc")

    trouve = _noms(electeurs_rechercher(collectivite=ici, texte="dubiis"))
    monkeypatch.setattr(selectors, "SEUIL_APPROCHANT_PG", 0.6)  # défaut de pg_trgm
    manque = _noms(electeurs_rechercher(collectivite=ici, texte="dubiis"))

    assert trouve == ["DUBOIS Luc"]
    assert manque == []

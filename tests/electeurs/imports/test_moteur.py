"""L'import de l'extrait ELIRE : lecture, identification, comparaison, tout ou rien."""

from __future__ import annotations

import pytest
from django.db import connection

from core.journal.models import EntreeJournal
from core.tenancy.models import Collectivite
from electeurs.identite import normaliser
from electeurs.imports import moteur
from electeurs.models import (
    ActionElecteurs,
    BureauDeVote,
    Electeur,
    InscriptionListe,
    NomElecteur,
    StatutElecteur,
    TypeListe,
)
from tests.electeurs.factories import ElecteurFactory
from tests.electeurs.imports.outils import ECHANTILLON, NOMS, extrait, importer, messages

pytestmark = pytest.mark.django_db


@pytest.fixture
def commune(collectivite: Collectivite) -> Collectivite:
    collectivite.code_insee = "85194"
    collectivite.save()
    return collectivite


@pytest.fixture(params=["rapide", "python"])
def chemin(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Chaque test passe par les deux chemins de remplissage (COPY et lecture Python)."""
    if request.param == "python":

        def renoncer(*args: object, **kwargs: object) -> int:
            raise moteur._Repli

        monkeypatch.setattr(moteur, "_remplir_postgresql", renoncer)
    return str(request.param)


def test_l_echantillon_s_importe(commune: Collectivite, chemin: str) -> None:
    bilan = importer(ECHANTILLON.read_bytes(), commune)

    assert messages(bilan) == []
    assert bilan.lignes == 10
    # 10 lignes : Anna SCHMIDT est sur les deux listes complémentaires (une seule personne).
    assert bilan.nouveaux == Electeur.objects.pour(commune).count() == 9
    schmidt = Electeur.objects.pour(commune).get(nom_naissance="SCHMIDT")
    assert sorted(schmidt.inscriptions.values_list("type_liste", flat=True)) == [
        TypeListe.COMPLEMENTAIRE_EUROPEENNE,
        TypeListe.COMPLEMENTAIRE_MUNICIPALE,
    ]
    # Deux MOREAU Paul nés le même jour, l'un à Nantes, l'autre à Angers : deux personnes,
    # montrées côte à côte.
    assert Electeur.objects.pour(commune).filter(nom_naissance="MOREAU").count() == 2
    assert len(bilan.homonymes) == 1
    assert sorted(p["lieu"] for p in bilan.homonymes[0]) == [
        "ANGERS (49007) FRANCE",
        "NANTES (44109) FRANCE",
    ]
    legrand = Electeur.objects.pour(commune).get(nom_naissance="LEGRAND")
    assert (legrand.naissance_jour, legrand.naissance_mois, legrand.naissance_annee) == (
        None,
        None,
        1948,
    )
    assert legrand.date_naissance is None
    assert bilan.dates_incompletes == 2  # LEGRAND et ROSSI
    assert bilan.sans_bureau == 1  # BERNARD
    assert bilan.numeros_repetes == 2  # deux n° 2 au bureau 0002
    dupre = Electeur.objects.pour(commune).get(nom_naissance="DUPRÉ")
    assert dupre.nom_usage == "MARTIN"
    assert dupre.date_naissance is not None and dupre.date_naissance.isoformat() == "1953-07-04"
    assert dupre.statut == StatutElecteur.INSCRIT
    bureau = BureauDeVote.objects.pour(commune).get(code="0002")
    assert (bureau.libelle, bureau.circonscription_code, bureau.canton_libelle) == (
        "ECOLE PAUL ELUARD",
        "8501",
        "Les Sables-d'Olonne",
    )
    assert bilan.bureaux_crees == 2
    inscription = InscriptionListe.objects.get(electeur=dupre)
    assert (inscription.bureau, inscription.numero_ordre) == (
        BureauDeVote.objects.pour(commune).get(code="0001"),
        1,
    )
    assert InscriptionListe.objects.get(electeur__nom_naissance="BERNARD").bureau is None
    entree = EntreeJournal.objects.get(action=ActionElecteurs.IMPORT_REU)
    assert entree.details["comptes"]["nouveaux"] == 9


def test_les_champs_calcules_sont_ceux_du_modele(commune: Collectivite, chemin: str) -> None:
    """Le chemin SQL calcule clés et textes de recherche comme `Electeur.preparer()`."""
    noms = ["LŒWY", "Æsa-Müller", "O'BRIEN  d’Arc", "STRAẞE", "ÇÉLÈSTE", "ﬁLIPPI"]
    contenu = extrait(
        *[
            {"nom_naissance": nom, "nom_usage": nom.lower(), "prenoms": f"Zoé {i}"}
            for i, nom in enumerate(noms)
        ],
        {"nom_naissance": "SANS", "commune_naissance_code": "", "pays_naissance": "Côte d'Ivoire"},
    )
    assert messages(importer(contenu, commune)) == []
    electeurs = list(Electeur.objects.pour(commune))
    assert len(electeurs) == 7
    for electeur in electeurs:
        lus = (
            electeur.cle_identite,
            electeur.cle_homonymie,
            electeur.recherche_naissance,
            electeur.recherche_usage,
        )
        electeur.preparer()
        attendus = (
            electeur.cle_identite,
            electeur.cle_homonymie,
            electeur.recherche_naissance,
            electeur.recherche_usage,
        )
        assert lus == attendus


def test_les_noms_du_fichier_entrent_dans_la_table_des_noms(
    commune: Collectivite, chemin: str
) -> None:
    """Le mode approchant cherche les noms proches dans `NomElecteur` : l'import y met les noms
    de naissance et d'usage normalisés, une fois chacun, sans toucher à ceux déjà là."""
    NomElecteur.retenir(collectivite_id=commune.pk, noms=["ancien", "loewy"])
    contenu = extrait(
        {"nom_naissance": "LŒWY", "nom_usage": "Dupré-Léger", "prenoms": "Zoé"},
        {"nom_naissance": "Lœwy", "prenoms": "Marc"},
    )
    assert messages(importer(contenu, commune)) == []
    assert sorted(
        NomElecteur.objects.filter(collectivite=commune).values_list("nom", flat=True)
    ) == [
        "ancien",
        "dupre leger",
        "loewy",
    ]
    assert importer(contenu, commune, appliquer=False).valide
    assert NomElecteur.objects.filter(collectivite=commune).count() == 3


def test_reimporter_le_meme_fichier_ne_change_rien(commune: Collectivite, chemin: str) -> None:
    importer(ECHANTILLON.read_bytes(), commune)
    bilan = importer(ECHANTILLON.read_bytes(), commune)
    assert (bilan.nouveaux, bilan.modifies, bilan.inchanges, bilan.absents) == (0, 0, 9, 0)
    assert Electeur.objects.pour(commune).count() == 9
    assert InscriptionListe.objects.pour(commune).count() == 10


def test_modifies_et_absents(commune: Collectivite, chemin: str) -> None:
    importer(extrait({}, {"nom_naissance": "ROUX"}, {"nom_naissance": "PETIT"}), commune)
    ElecteurFactory(collectivite=commune, nom_naissance="RADIÉ", statut=StatutElecteur.RADIE)

    apercu = importer(
        extrait({"libelle_voie": "RUE NEUVE"}, {"nom_naissance": "ROUX", "numero_ordre": "7"}),
        commune,
        appliquer=False,
    )
    assert (apercu.nouveaux, apercu.modifies, apercu.inchanges, apercu.absents) == (0, 2, 0, 1)
    assert [a["nom"] for a in apercu.absents_exemples] == ["PETIT"]
    # L'aperçu n'écrit rien.
    assert Electeur.objects.pour(commune).get(nom_naissance="DUPRÉ").libelle_voie == (
        "RUE DES HALLES"
    )

    importer(
        extrait({"libelle_voie": "RUE NEUVE"}, {"nom_naissance": "ROUX", "numero_ordre": "7"}),
        commune,
    )
    assert Electeur.objects.pour(commune).get(nom_naissance="DUPRÉ").libelle_voie == "RUE NEUVE"
    assert InscriptionListe.objects.get(electeur__nom_naissance="ROUX").numero_ordre == 7
    # L'absent n'est pas radié : l'agent décide.
    assert Electeur.objects.pour(commune).get(nom_naissance="PETIT").statut == (
        StatutElecteur.INSCRIT
    )


def test_l_ine_retrouve_la_personne_dont_l_etat_civil_a_change(
    commune: Collectivite, chemin: str
) -> None:
    electeur = ElecteurFactory(collectivite=commune, nom_naissance="DUPRE", ine="123456789")
    contenu = extrait({"ine": "123456789"}, noms=[*NOMS, "ine"])
    bilan = importer(contenu, commune)
    assert messages(bilan) == []
    assert (bilan.nouveaux, bilan.modifies) == (0, 1)
    electeur.refresh_from_db()
    assert electeur.nom_naissance == "DUPRÉ"


def test_homonyme_deja_dans_le_fichier_electoral(commune: Collectivite, chemin: str) -> None:
    ElecteurFactory(
        collectivite=commune,
        nom_naissance="DUPRÉ",
        prenoms="Hélène",
        commune_naissance_code="44109",
        commune_naissance_libelle="NANTES",
    )
    bilan = importer(extrait({}), commune, appliquer=False)
    assert bilan.nouveaux == 1
    assert [p["origine"] for p in bilan.homonymes[0]] == [
        "ligne 2",
        "déjà dans le fichier électoral",
    ]


ANCIENS_ENTETES = [
    "CODE DE L'UGLE",
    "Libellé de l'UGLE",
    "Libelle du type de liste",
    "Nom de naissance",
    "Nom d'usage",
    "Prénoms",
    "Sexe",
    "Date de naissance",
    "Code commune de naissance",
    "Libellé commune de naissance",
    "Code du département de naissance",
    "Pays de naissance",
    "Identifiant nationalité",
]


@pytest.mark.parametrize(
    ("sep", "fin", "encodage", "bom"),
    [(",", ",,\r\n", "cp1252", b""), (";", "\r\n", "utf-8", b"\xef\xbb\xbf")],
    ids=["cp1252-virgules-colonnes-vides", "bom-crlf"],
)
def test_les_variantes_d_export_sont_acceptees(
    commune: Collectivite, chemin: str, sep: str, fin: str, encodage: str, bom: bytes
) -> None:
    """Anciens en-têtes, virgules, cp1252, BOM, CRLF, colonnes vides en fin, zéros ôtés."""
    contenu = extrait(
        {"nationalite": "FR", "bureau_code": "1", "type_liste": "LISTE PRINCIPALE"},
        {"nom_naissance": "ROUX", "sexe": "m", "date_naissance": "5/1/1970", "pays": "France"},
        entetes=[*ANCIENS_ENTETES, *extrait_entetes()[13:]],
        sep=sep,
        fin=fin,
        encodage=encodage,
    )
    bilan = importer(bom + contenu, commune)
    assert messages(bilan) == []
    assert Electeur.objects.pour(commune).get(nom_naissance="DUPRÉ").nationalite == "FR"
    roux = Electeur.objects.pour(commune).get(nom_naissance="ROUX")
    assert roux.date_naissance is not None and roux.date_naissance.isoformat() == "1970-01-05"
    assert BureauDeVote.objects.pour(commune).get().code == "0001"


def extrait_entetes() -> list[str]:
    return extrait().decode().splitlines()[0].replace('"', "").split(";")


def test_une_valeur_en_forme_de_formule_reste_du_texte(commune: Collectivite, chemin: str) -> None:
    contenu = extrait({"nom_naissance": '=HYPERLINK("http://x","clic")', "prenoms": "@SUM(1)"})
    assert messages(importer(contenu, commune)) == []
    electeur = Electeur.objects.pour(commune).get()
    assert electeur.nom_naissance == '=HYPERLINK("http://x","clic")'
    assert electeur.prenoms == "@SUM(1)"


# --- Mauvaises entrées : message précis, rien d'écrit -------------------------------------


def _refuse(contenu: bytes, commune: Collectivite) -> list[str]:
    bilan = importer(contenu, commune)
    assert not bilan.valide
    assert Electeur.objects.pour(commune).count() == 0
    assert BureauDeVote.objects.pour(commune).count() == 0
    assert not EntreeJournal.objects.filter(action=ActionElecteurs.IMPORT_REU).exists()
    return messages(bilan)


def test_mauvais_separateur(commune: Collectivite, chemin: str) -> None:
    (message,) = _refuse(extrait({}, sep="|"), commune)
    assert message.startswith("Ligne 1 : Une seule colonne trouvée")
    assert "barres verticales (|)" in message


def test_en_tete_mal_orthographie(commune: Collectivite, chemin: str) -> None:
    entetes = extrait_entetes()
    entetes[5] = "prenomss"
    (message,) = _refuse(extrait({}, entetes=entetes), commune)
    assert message.startswith(
        "Ligne 1, colonne « prénoms » : Colonne obligatoire absente : « prénoms »."
    )
    assert "La colonne « prenomss » est-elle « prénoms » mal orthographiée ?" in message


def test_type_de_liste_inconnu(commune: Collectivite, chemin: str) -> None:
    contenu = extrait({}, {"nom_naissance": "ROUX", "type_liste": "Liste consulaire"})
    assert _refuse(contenu, commune) == [
        "Ligne 3, colonne « libellé du type de liste » : type de liste inconnu « Liste "
        "consulaire » : Écharpe attend « Liste principale », « Liste complémentaire "
        "municipale » ou « Liste complémentaire européenne »."
    ]


def test_date_impossible(commune: Collectivite, chemin: str) -> None:
    contenu = extrait({}, {"nom_naissance": "ROUX", "date_naissance": "31/02/1980"})
    assert _refuse(contenu, commune) == [
        "Ligne 3, colonne « date de naissance » : date de naissance impossible (31/02/1980) : "
        "ce jour n'existe pas."
    ]


def test_toutes_les_erreurs_sont_listees(commune: Collectivite, chemin: str) -> None:
    contenu = extrait(
        {"sexe": "X"},
        {"nom_naissance": "ROUX", "date_naissance": "1980"},
        {"nom_naissance": "PETIT"},
    )
    bilan = importer(contenu, commune)
    assert [(e.ligne, e.colonne) for e in bilan.erreurs] == [
        (2, "sexe"),
        (3, "date de naissance"),
    ]
    assert bilan.rejetes == 2
    assert Electeur.objects.pour(commune).count() == 0


def test_meme_personne_deux_fois_sur_une_liste(commune: Collectivite, chemin: str) -> None:
    contenu = extrait(
        {}, {"nom_naissance": "ROUX"}, {"nom_naissance": "Dupre", "numero_ordre": "9"}
    )
    assert _refuse(contenu, commune) == [
        "Ligne 4 : la même personne figure deux fois sur la liste principale : lignes 2 et 4."
    ]


def test_fichier_d_une_autre_commune(commune: Collectivite, chemin: str) -> None:
    contenu = extrait({"code_ugle": "44109", "libelle_ugle": "Nantes"})
    assert _refuse(contenu, commune) == [
        "Ligne 2, colonne « code du l'ugle » : ce fichier est l'extrait de la commune 44109 "
        "(Nantes), pas de la vôtre (code INSEE 85194)."
    ]


@pytest.mark.parametrize("contenu", [b"", b"\n\n", extrait()])
def test_fichier_vide(commune: Collectivite, chemin: str, contenu: bytes) -> None:
    (message,) = _refuse(contenu, commune)
    assert message in (
        "Fichier : Le fichier est vide.",
        "Fichier : le fichier n'a aucune ligne d'électeur.",
    )


def _index() -> set[str]:
    with connection.cursor() as curseur:
        curseur.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename IN "
            "('electeurs_electeur', 'electeurs_inscriptionliste')"
        )
        return {ligne[0] for ligne in curseur.fetchall()}


@pytest.mark.postgresql
def test_un_gros_ajout_reconstruit_les_index_a_l_identique(
    commune: Collectivite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(moteur, "SEUIL_REINDEXATION", 1)
    avant = _index()
    bilan = importer(ECHANTILLON.read_bytes(), commune)
    assert messages(bilan) == []
    assert Electeur.objects.pour(commune).filter(cle_identite__startswith="dupre|").count() == 1
    assert InscriptionListe.objects.pour(commune).count() == 10
    assert _index() == avant


def _cles_etrangeres() -> set[str]:
    with connection.cursor() as curseur:
        curseur.execute(
            "SELECT conname || pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f' "
            "AND conrelid::regclass::text IN ('electeurs_electeur', 'electeurs_inscriptionliste')"
        )
        return {ligne[0] for ligne in curseur.fetchall()}


@pytest.mark.postgresql
def test_un_gros_ajout_rend_les_cles_etrangeres(
    commune: Collectivite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(moteur, "SEUIL_REINDEXATION", 1)
    avant = _cles_etrangeres()
    assert len(avant) == 4
    assert messages(importer(ECHANTILLON.read_bytes(), commune)) == []
    assert _cles_etrangeres() == avant


@pytest.mark.postgresql
def test_la_normalisation_sql_rapide_est_celle_de_python(db: None) -> None:
    """Chaque caractère que le chemin rapide (`translate`) accepte donne le même texte que
    `electeurs.identite.normaliser` ; les autres passent par `normalize()`."""
    caracteres = moteur._SOURCES + moteur._AUTORISES + "œŒæÆßẞ" + "ĳŉﬁ" + "e\u0301"
    textes = [f"A{c}b {c}Z" for c in caracteres]
    with connection.cursor() as curseur:
        for texte in textes:
            curseur.execute(
                f"SELECT CASE WHEN rare THEN {moteur._norm('x')} "
                f"ELSE {moteur._norm_rapide('x')} END "
                f"FROM (SELECT %s AS x, %s ~ '{moteur._RARE}' AS rare) t",
                [texte, texte],
            )
            assert curseur.fetchone()[0] == normaliser(texte), texte


@pytest.mark.parametrize(
    ("octets", "attendu"),
    [
        (b'"DUPRE";"Helene";1\n', False),
        (b'"DUPRE ";"Helene";1\n', True),  # blanc avant le guillemet fermant
        (b'" DUPRE";"Helene";1\n', True),  # blanc après le guillemet ouvrant
        (b"DUPRE ;Helene;1\n", True),  # sans guillemets, blanc avant le séparateur
        (b"DUPRE; Helene;1\n", True),
        (b"DUPRE;Helene;1 \n", True),  # dernière valeur
        (b"DUPRE;Helene;1 \r\n", True),
        (b"\tDUPRE;Helene;1\n", True),
        (b'"DUPRE";"\nHelene";1\n', True),  # saut de ligne en tête d'une valeur citée
        (b'"DUPRE";"Helene\n";1\n', True),
    ],
)
def test_les_blancs_en_bord_de_valeur_sont_reperes(octets: bytes, attendu: bool) -> None:
    assert moteur._a_rogner(b"\n" + octets, b";") is attendu


@pytest.mark.postgresql
def test_le_chemin_rapide_rogne_les_valeurs_bordees_de_blancs(
    commune: Collectivite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Le rognage n'est fait que si le fichier en a besoin : une valeur bordée de blancs est
    rognée par le chemin rapide lui-même (pas de repli sur la lecture Python)."""

    def interdit(*args: object, **kwargs: object) -> None:
        raise AssertionError("le chemin rapide a renoncé")

    monkeypatch.setattr(moteur, "_remplir_python", interdit)
    contenu = extrait(
        {"nom_naissance": " DUPRÉ  ", "prenoms": "Hélène ", "sexe": " F"},
        {"nom_naissance": "ROUX", "prenoms": "Jean", "libelle_voie": "RUE DU PORT "},
    )
    assert messages(importer(contenu, commune)) == []
    dupre = Electeur.objects.pour(commune).get(nom_naissance="DUPRÉ")
    assert (dupre.prenoms, dupre.sexe, dupre.recherche_naissance) == ("Hélène", "F", "dupre helene")
    roux = Electeur.objects.pour(commune).get(nom_naissance="ROUX")
    assert roux.libelle_voie == "RUE DU PORT"


@pytest.mark.postgresql
def test_le_chemin_rapide_ne_rogne_pas_un_fichier_sans_blancs_en_bord(
    commune: Collectivite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sans blanc en bord de valeur, le SQL du chemin rapide n'appelle pas `btrim`."""
    requetes: list[str] = []
    executer = moteur._lignes

    def espion(
        sql: str, params: list[object] | tuple[object, ...] = ()
    ) -> list[tuple[object, ...]]:
        requetes.append(sql)
        return executer(sql, params)

    monkeypatch.setattr(moteur, "_lignes", espion)
    assert messages(importer(extrait({"nom_naissance": "ROUX"}), commune)) == []
    insertion = next(sql for sql in requetes if "INSERT INTO electeurs_import_etape" in sql)
    assert "btrim(c" not in insertion


def test_les_controles_d_ensemble_regroupes_disent_la_meme_chose(
    commune: Collectivite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`_ensemble_pg` (contrôles regroupés, PostgreSQL) et `_ensemble` (une requête par
    contrôle, pour SQLite) donnent le même bilan, erreurs comprises."""
    ligne = {"nom_naissance": "MOREAU", "prenoms": "Paul", "date_naissance": "00/00/1950"}
    doublon = extrait(
        ligne, ligne, ligne, {**ligne, "type_liste": "Liste complémentaire municipale"}
    )
    bilans = []
    for ensemble in (moteur._ensemble_pg, moteur._ensemble):
        monkeypatch.setattr(moteur, "_ensemble_pg", ensemble)
        echantillon = importer(ECHANTILLON.read_bytes(), commune, appliquer=False)
        refuse = importer(doublon, commune, appliquer=False)
        bilans.append((echantillon.comptes(), echantillon.homonymes, messages(refuse)))
    assert bilans[0] == bilans[1]
    assert bilans[0][0]["dates_incompletes"] == 2
    assert bilans[0][0]["numeros_repetes"] == 2
    assert len(bilans[0][1]) == 1
    assert bilans[0][2] == [
        "Ligne 4 : la même personne figure deux fois sur la liste principale : lignes 2 et 4 "
        "(et 1 autre)."
    ]

"""CSV : écriture pour les tableurs français, lecture tolérante en flux, dates."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.http import StreamingHttpResponse
from hypothesis import given, settings
from hypothesis import strategies as st

from core.documents import ErreurCsv, ErreurDocument
from core.documents.csv import (
    TAILLE_ECHANTILLON,
    LigneCsv,
    csv_bytes,
    iter_csv,
    lire_csv,
    lire_date,
    lire_entete,
    normaliser_entete,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "documents"
ELECTEURS = {
    "nom_naissance": ["nom de naissance", "nom"],
    "prenoms": ["prénoms", "prénom"],
    "date_naissance": ["date de naissance"],
    "commune_naissance": ["commune de naissance"],
}
CONTACTS = {"nom": [], "prenom": ["prénom"], "courriel": ["e-mail", "adresse électronique"]}


def fixture(nom: str) -> bytes:
    return (FIXTURES / nom).read_bytes()


def lire(contenu: bytes, colonnes=None, **options) -> list[LigneCsv]:
    return list(lire_csv(contenu, colonnes=colonnes or CONTACTS, **options))


def erreur(contenu: bytes, colonnes=None, **options) -> ErreurCsv:
    with pytest.raises(ErreurCsv) as exc:
        lire(contenu, colonnes, **options)
    return exc.value


# --- Écriture ----------------------------------------------------------------------------------


def test_le_bom_puis_l_entete_puis_une_ligne_par_morceau():
    morceaux = list(iter_csv([["DUPRÉ", "Hélène"], ["MARTIN", "Léa"]], entetes=["Nom", "Prénom"]))
    assert morceaux == [
        b"\xef\xbb\xbf",
        '"Nom";"Prénom"\r\n'.encode(),
        '"DUPRÉ";"Hélène"\r\n'.encode(),
        '"MARTIN";"Léa"\r\n'.encode(),
    ]


def test_les_valeurs_sont_formatees_a_la_francaise(settings):
    settings.TIME_ZONE = "Europe/Paris"
    ligne = [
        date(2026, 11, 25),
        datetime(2026, 11, 25, 17, 30, tzinfo=UTC),  # 18 h 30 à Paris
        datetime(2026, 7, 1, 9, 5),
        None,
        42,
        -3,
        1.5,
        Decimal("12.50"),
        True,
        False,
        'guillemet " et ; point-virgule',
    ]
    assert csv_bytes([ligne], entetes=["x"] * len(ligne)).split(b"\r\n")[1].decode() == (
        '"25/11/2026";"25/11/2026 18:30";"01/07/2026 09:05";"";"42";"-3";"1.5";"12.50";'
        '"Oui";"Non";"guillemet "" et ; point-virgule"'
    )


@pytest.mark.parametrize("debut", ["=", "+", "-", "@", "\t", "\r"])
def test_une_cellule_qui_ressemble_a_une_formule_est_neutralisee(debut):
    contenu = csv_bytes([[f"{debut}HYPERLINK(1)", "ok"]], entetes=[f"{debut}entete", "b"])
    assert f'"\'{debut}entete";"b"'.encode() in contenu
    assert f'"\'{debut}HYPERLINK(1)";"ok"'.encode() in contenu
    relu = lire(contenu, {"a": [f"'{debut}entete"]}, entete=False)
    assert relu[1].valeurs["1"] == f"'{debut}HYPERLINK(1)"


def test_un_texte_qui_contient_une_formule_plus_loin_n_est_pas_modifie():
    assert b'"A=B"' in csv_bytes([["A=B"]], entetes=["x"])


def test_iter_csv_sert_une_reponse_en_flux_et_un_fichier(tmp_path):
    lignes = [[f"nom {i}", i] for i in range(100)]
    attendu = csv_bytes(lignes, entetes=["Nom", "N°"])
    reponse = StreamingHttpResponse(
        iter_csv(iter(lignes), entetes=["Nom", "N°"]), content_type="text/csv; charset=utf-8"
    )
    assert b"".join(reponse) == attendu
    chemin = tmp_path / "export.csv"
    with chemin.open("wb") as fichier:
        fichier.writelines(iter_csv(lignes, entetes=["Nom", "N°"]))
    assert chemin.read_bytes() == attendu


# --- Lecture : fichiers réels -------------------------------------------------------------------


def test_utf8_avec_bom_et_point_virgule():
    lignes = lire(fixture("reu_utf8_bom.csv"), ELECTEURS, obligatoires={"nom_naissance"})
    assert lignes == [
        LigneCsv(
            2,
            {
                "nom_naissance": "DUPRÉ",
                "prenoms": "Hélène",
                "date_naissance": "03/04/1980",
                "commune_naissance": "Besançon",
            },
        ),
        LigneCsv(
            3,
            {
                "nom_naissance": "LEFÈVRE",
                "prenoms": "François",
                "date_naissance": "1975-12-31",
                "commune_naissance": "Saint-Étienne",
            },
        ),
    ]


def test_cp1252_d_excel_avec_accents():
    contenu = fixture("contacts_cp1252.csv")
    assert b"GAR\xc7ON" in contenu and b"Zo\xe9" in contenu  # vrais octets cp1252
    lignes = lire(contenu)
    assert [ligne.valeurs for ligne in lignes] == [
        {"nom": "GARÇON", "prenom": "Zoé", "courriel": "zoe@example.org"},
        {"nom": "CHÈVRE", "prenom": "Noël", "courriel": "noel@example.org"},
    ]


def test_virgule_guillemets_et_retour_a_la_ligne_dans_un_champ():
    lignes = lire(fixture("virgule_multiligne.csv"), {**CONTACTS, "adresse": []})
    assert lignes[0] == LigneCsv(
        2, {"nom": "MARTIN", "prenom": "Léa", "adresse": "12 rue des Lilas\nBâtiment B"}
    )
    # Le champ sur deux lignes décale la ligne physique suivante.
    assert lignes[1].numero == 4


def test_fins_de_ligne_crlf():
    contenu = fixture("reu_utf8_bom.csv")
    assert b"\r\n" in contenu
    lignes = lire(contenu, ELECTEURS)
    assert all("\r" not in valeur for ligne in lignes for valeur in ligne.valeurs.values())


def test_colonnes_vides_en_fin_de_ligne_et_colonnes_en_trop_ignorees():
    lignes = lire(fixture("colonnes_vides.csv"))
    assert [ligne.valeurs for ligne in lignes] == [
        {"nom": "DURAND", "prenom": "Marc"},
        {"nom": "ROUX", "prenom": "Anne"},
    ]


def test_mauvais_entetes_colonne_obligatoire_absente():
    exc = erreur(fixture("mauvais_entetes.csv"), ELECTEURS, obligatoires={"date_naissance"})
    assert exc.message == (
        "Colonne obligatoire absente : « date de naissance ». "
        "Colonnes trouvées : « Identifiant », « Ville »."
    )
    assert (exc.ligne, exc.colonne) == (1, "date_naissance")
    assert isinstance(exc, ErreurDocument)


def test_plusieurs_colonnes_obligatoires_absentes():
    exc = erreur(b"Ville\r\nLyon\r\n", ELECTEURS, obligatoires={"nom_naissance", "prenoms"})
    assert exc.message.startswith(
        "Colonnes obligatoires absentes : « nom de naissance », « prénoms »."
    )


def test_fichier_sans_entete():
    lignes = lire(fixture("sans_entete.csv"), entete=False)
    assert lignes[0] == LigneCsv(1, {"1": "DUPONT", "2": "Marie", "3": "marie@example.org"})
    assert lignes[1].numero == 2


def test_entete_detectee_automatiquement():
    assert lire(fixture("sans_entete.csv"), entete=None)[0].valeurs["1"] == "DUPONT"
    avec = lire(b"Nom;Pr\xc3\xa9nom\r\nDUPONT;Marie\r\n", entete=None)
    assert avec == [LigneCsv(2, {"nom": "DUPONT", "prenom": "Marie"})]


@pytest.mark.parametrize(
    "entete",
    [
        "Date de naissance",
        "DATE_DE_NAISSANCE",
        "date de naissance",
        "Date  de naissance ",
        "datedenaissance",
        "Dàte dé Naissance",
    ],
)
def test_les_entetes_sont_comparees_sans_casse_accents_ni_espaces(entete):
    contenu = f"{entete};Nom\r\n01/02/2000;X\r\n".encode()
    assert lire(contenu, ELECTEURS)[0].valeurs["date_naissance"] == "01/02/2000"


def test_les_apostrophes_ne_comptent_pas():
    colonnes = {"nom_usage": ["nom d'usage"]}
    for entete in ["Nom d'usage", "Nom d’usage", "nom_d_usage", "NOM D USAGE"]:
        contenu = f"{entete}\r\nMARTIN\r\n".encode()
        assert lire(contenu, colonnes)[0].valeurs == {"nom_usage": "MARTIN"}
    assert normaliser_entete("Nom d’usage") == normaliser_entete("NOM_D_USAGE")


def test_les_valeurs_sont_nettoyees_des_espaces():
    assert lire(b"nom;prenom\r\n  DUPONT \xc2\xa0; Marie\t\r\n")[0].valeurs == {
        "nom": "DUPONT",
        "prenom": "Marie",
    }


def test_les_lignes_vides_sont_sautees_et_les_numeros_restent_physiques():
    lignes = lire(b"\r\nnom;prenom\r\n\r\n;\r\nDUPONT;Marie\r\n")
    assert lignes == [LigneCsv(5, {"nom": "DUPONT", "prenom": "Marie"})]


def test_utf16_avec_bom():
    contenu = "nom;prénom\r\nDUPRÉ;Hélène\r\n".encode("utf-16")
    assert lire(contenu)[0].valeurs == {"nom": "DUPRÉ", "prenom": "Hélène"}


def test_le_flux_est_lu_par_morceaux():
    """Un gros fichier n'est jamais lu en entier : la première ligne vient de suite."""

    class Flux(io.RawIOBase):
        def __init__(self) -> None:
            self.lus = 0
            self.entete = b"nom;prenom\r\n"
            self.lignes_rendues = 0

        def readable(self) -> bool:
            return True

        def readinto(self, tampon):
            if self.entete:
                donnees, self.entete = self.entete, b""
            else:
                donnees = b"DUPONT;Marie\r\n" * (len(tampon) // 14 or 1)
            donnees = donnees[: len(tampon)]
            tampon[: len(donnees)] = donnees
            self.lus += len(donnees)
            return len(donnees)

    flux = Flux()  # infini : le lire en entier ne finirait jamais
    lignes = lire_csv(io.BufferedReader(flux), colonnes=CONTACTS)
    premiere = next(lignes)
    assert premiere == LigneCsv(2, {"nom": "DUPONT", "prenom": "Marie"})
    for _ in range(10_000):
        next(lignes)
    assert flux.lus < 2 * 1024 * 1024


# --- Lecture : erreurs ---------------------------------------------------------------------------


def test_fichier_vide():
    for contenu in [b"", b"\xef\xbb\xbf", b"\r\n\r\n  \n"]:
        assert erreur(contenu).message == "Le fichier est vide."


def test_trop_de_valeurs():
    exc = erreur(b"nom;prenom\r\nA;B\r\nC;D;E\r\n")
    assert exc.message == "Ligne 3 : 3 valeurs pour 2 colonnes."
    assert exc.ligne == 3


def test_pas_assez_de_valeurs():
    contenu = "Nom;Prénom;Date de naissance;Commune de naissance\r\n" + "A;B;01/01/2000;X\r\n" * 10
    contenu += "A;B;01/01/2000\r\n"
    exc = erreur(contenu.encode(), ELECTEURS)
    assert exc.message == "Ligne 12 : 3 valeurs pour 4 colonnes."
    assert exc.ligne == 12


def test_mauvais_separateur_ligne_entiere_entre_guillemets():
    exc = erreur(b'"nom;prenom"\r\n"DUPONT;Marie"\r\n')
    assert exc.message.startswith(
        "Une seule colonne trouvée (« nom;prenom ») : elle contient des points-virgules (;) "
        "mais toute la ligne est entre guillemets."
    )
    assert "points-virgules (;) ou virgules (,)" in exc.message


def test_separateur_inconnu():
    exc = erreur(b"nom|prenom\r\nDUPONT|Marie\r\n")
    assert "les colonnes y sont séparées par des barres verticales (|)" in exc.message
    assert "Écharpe attend des colonnes séparées par des points-virgules (;)" in exc.message


def test_fichier_binaire():
    assert "contenu binaire" in erreur(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR").message


def test_classeur_excel():
    assert "classeur" in erreur(b"PK\x03\x04" + b"\x00" * 100).message


def test_cp1252_dont_les_accents_arrivent_apres_l_echantillon():
    """Export Excel : 70 Ko d'ASCII pur, puis des accents cp1252 ; rien n'est lu en entier."""
    debut = b"nom;prenom\r\n" + b"DUPONT;Marie\r\n" * (70_000 // 14)
    assert len(debut) > TAILLE_ECHANTILLON and debut.isascii()
    suite = "GARÇON;Zoé\r\nÉLOÏSE;Hélène\r\nMARTIN;Léa\r\n".encode("cp1252")
    assert b"GAR\xc7ON" in suite  # vrais octets cp1252, illisibles en UTF-8
    lignes = lire(debut + suite)
    assert len(lignes) == 70_000 // 14 + 3
    assert lignes[0].valeurs == {"nom": "DUPONT", "prenom": "Marie"}
    assert [ligne.valeurs for ligne in lignes[-3:]] == [
        {"nom": "GARÇON", "prenom": "Zoé"},
        {"nom": "ÉLOÏSE", "prenom": "Hélène"},
        {"nom": "MARTIN", "prenom": "Léa"},
    ]
    assert lignes[-3].numero == debut.count(b"\n") + 1


def test_cp1252_tardif_dans_un_flux_lu_par_morceaux():
    debut = b"nom;prenom\r\n" + b"DUPONT;Marie\r\n" * (70_000 // 14)
    flux = io.BufferedReader(io.BytesIO(debut + "ÉLOÏSE;Zoé\r\n".encode("cp1252")))  # type: ignore[arg-type]
    lignes = list(lire_csv(flux, colonnes=CONTACTS))
    assert lignes[-1].valeurs == {"nom": "ÉLOÏSE", "prenom": "Zoé"}


def test_apres_de_l_utf8_veritable_un_octet_illisible_nomme_la_ligne():
    debut = "nom;prenom\r\nDUPRÉ;Hélène\r\n".encode() + b"DUPONT;Marie\r\n" * (70_000 // 14)
    numero = debut.count(b"\n") + 1
    exc = erreur(debut + b"GAR\xc7ON;Zo\xe9\r\n")  # cp1252 après de l'UTF-8 multi-octets
    assert exc.ligne == numero
    assert exc.message.startswith(f"Ligne {numero} : caractères illisibles.")


def test_un_octet_illisible_apres_de_l_utf8_sur_la_meme_ligne_reste_une_erreur():
    debut = b"nom;prenom\r\n" + b"DUPONT;Marie\r\n" * (70_000 // 14)
    numero = debut.count(b"\n") + 1
    exc = erreur(debut + "DUPRÉ;".encode() + b"Zo\xe9\r\n")
    assert exc.ligne == numero
    assert "caractères illisibles" in exc.message


def test_avec_un_bom_utf8_pas_de_repli_sur_cp1252():
    debut = b"\xef\xbb\xbfnom;prenom\r\n" + b"DUPONT;Marie\r\n" * (70_000 // 14)
    numero = debut.count(b"\n") + 1
    exc = erreur(debut + b"GAR\xc7ON;Zo\xe9\r\n")
    assert (exc.ligne, exc.message[: len(f"Ligne {numero} : caractères illisibles.")]) == (
        numero,
        f"Ligne {numero} : caractères illisibles.",
    )


def test_un_octet_indefini_en_cp1252_reste_une_erreur():
    debut = b"nom;prenom\r\n" + b"DUPONT;Marie\r\n" * (70_000 // 14)
    numero = debut.count(b"\n") + 1
    exc = erreur(debut + b"AB\x81;x\r\n")  # 0x81 : ni UTF-8 ni cp1252
    assert exc.ligne == numero
    assert "caractères illisibles" in exc.message


def test_un_caractere_coupe_par_l_echantillon_reste_de_l_utf8():
    entete = b"nom;prenom\r\n"
    remplissage = b"a" * (TAILLE_ECHANTILLON - len(entete) - 1)
    contenu = entete + remplissage + "é;x\r\n".encode()  # « é » à cheval sur les 64 Kio
    assert contenu[TAILLE_ECHANTILLON - 1 : TAILLE_ECHANTILLON + 1] == "é".encode()
    assert lire(contenu)[0].valeurs["nom"].endswith("aé")


def test_une_ligne_gigantesque_est_refusee():
    contenu = b"nom;prenom\r\n" + b"a" * (1024 * 1024 + 10) + b";b\r\n"
    assert erreur(contenu).message.startswith("Ligne 2 : ligne trop longue")


def test_une_colonne_obligatoire_non_decrite_est_une_erreur_de_programmation():
    with pytest.raises(ValueError):
        lire(b"nom\r\nx\r\n", obligatoires={"inconnue"})


# --- Aller-retour et dates -----------------------------------------------------------------------

texte_cellule = st.text(
    # Tout caractère encodable en UTF-8 (pas de demi-surrogate), sauf NUL qui n'est pas du texte.
    alphabet=st.characters(codec="utf-8", exclude_characters="\x00"),
    max_size=30,
).filter(lambda t: not t.startswith(("=", "+", "-", "@", "\t", "\r")))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(texte_cellule, texte_cellule, texte_cellule), max_size=15))
def test_aller_retour_ecriture_lecture(lignes):
    contenu = csv_bytes(lignes, entetes=["a", "b", "c"])
    relues = list(lire_csv(contenu, colonnes={"a": [], "b": [], "c": []}))
    attendues = [
        {"a": a.strip(), "b": b.strip(), "c": c.strip()}
        for a, b, c in lignes
        if a.strip() or b.strip() or c.strip()
    ]
    assert [ligne.valeurs for ligne in relues] == attendues


@pytest.mark.parametrize(
    ("texte", "attendu"),
    [
        ("25/11/2026", date(2026, 11, 25)),
        ("5/1/2026", date(2026, 1, 5)),
        (" 05/01/2026 ", date(2026, 1, 5)),
        ("2026-11-25", date(2026, 11, 25)),
        ("29/02/2024", date(2024, 2, 29)),
        ("25-11-2026", date(2026, 11, 25)),
        ("25.11.2026", date(2026, 11, 25)),
    ],
)
def test_lire_date(texte, attendu):
    assert lire_date(texte) == attendu


@pytest.mark.parametrize("texte", ["31/02/2024", "", "2026/11/25", "1/1/26", "00/01/2000"])
def test_lire_date_refuse_en_francais(texte):
    with pytest.raises(ValueError) as exc:
        lire_date(texte)
    assert str(exc.value) == f"date invalide : « {texte.strip()} » (format attendu jj/mm/aaaa)"


def test_lire_date_borne_les_annees():
    with pytest.raises(ValueError, match="année hors limites"):
        lire_date("31/12/9999")


@given(st.text(max_size=40))
def test_lire_date_ne_leve_que_value_error(texte):
    try:
        resultat = lire_date(texte)
    except ValueError as exc:
        assert str(exc).startswith(("date invalide : « ", "année hors limites : « "))
    else:
        assert isinstance(resultat, date)


def test_largeur_variable_un_fichier_positionnel_aux_lignes_de_longueurs_differentes():
    contenu = "a@x.fr;Alice;ENN\nb@x.fr;Bob;ENN;ENN_2;ENN_3\nc@x.fr;Chloé;;\n".encode()

    lignes = lire(contenu, entete=False, largeur_variable=True)

    assert [(ligne.numero, ligne.valeurs) for ligne in lignes] == [
        (1, {"1": "a@x.fr", "2": "Alice", "3": "ENN"}),
        (2, {"1": "b@x.fr", "2": "Bob", "3": "ENN", "4": "ENN_2", "5": "ENN_3"}),
        (3, {"1": "c@x.fr", "2": "Chloé"}),
    ]


def test_sans_largeur_variable_une_ligne_plus_courte_reste_une_erreur():
    contenu = b"a@x.fr;Alice;ENN\nb@x.fr;Bob\n"

    assert erreur(contenu, entete=False).ligne == 2


# --- En-tête seul (lire_entete) et suggestions --------------------------------------------------


def test_une_colonne_mal_orthographiee_est_suggeree():
    exc = erreur(b"Nom;Prenomss\r\nDUPONT;Marie\r\n", ELECTEURS, obligatoires={"prenoms"})
    assert exc.message.endswith("La colonne « Prenomss » est-elle « prénoms » mal orthographiée ?")


def test_pas_de_suggestion_sans_colonne_proche():
    exc = erreur(b"Nom;Ville\r\nDUPONT;Lyon\r\n", ELECTEURS, obligatoires={"prenoms"})
    assert "mal orthographiée" not in exc.message


def test_lire_entete_rend_encodage_bom_separateur_et_positions():
    contenu = "\ufeffPrénom,Nom,,\r\nMarie,DUPONT,,\r\n".encode()
    entete = lire_entete(io.BytesIO(contenu), colonnes=CONTACTS, obligatoires={"nom"})
    assert (entete.encodage, entete.longueur_bom, entete.separateur, entete.largeur) == (
        "utf-8",
        3,
        ",",
        4,
    )
    assert entete.positions == {"nom": 1, "prenom": 0}
    cp1252 = lire_entete(io.BytesIO("Nom;Prénom\r\n".encode("cp1252")), colonnes=CONTACTS)
    assert (cp1252.encodage, cp1252.separateur) == ("cp1252", ";")


def test_lire_entete_memes_erreurs_que_lire_csv():
    with pytest.raises(ErreurCsv, match="Le fichier est vide"):
        lire_entete(io.BytesIO(b"\r\n"), colonnes=CONTACTS)
    with pytest.raises(ErreurCsv, match="Colonne obligatoire absente : « nom »"):
        lire_entete(io.BytesIO(b"Ville;Pays\n"), colonnes=CONTACTS, obligatoires={"nom"})

"""Modèles Word : validation du ZIP, variables (même coupées par Word), rendu sandboxé."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import docx
import pytest

from core.documents import DocumentInvalide, ErreurModele
from core.documents.docx import (
    ENTREES_MAX,
    TAILLE_DECOMPRESSEE_MAX,
    docx_placeholders,
    docx_rendre,
    docx_valider,
    docx_verifier,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "documents"


def fixture(nom: str) -> bytes:
    return (FIXTURES / nom).read_bytes()


def creer_docx(*paragraphes: str) -> bytes:
    document = docx.Document()
    for texte in paragraphes:
        document.add_paragraph(texte)
    sortie = io.BytesIO()
    document.save(sortie)
    return sortie.getvalue()


def remplacer_entrees(contenu: bytes, remplacements: dict[str, bytes]) -> bytes:
    """Copie du DOCX où certaines entrées du ZIP sont remplacées (ou ajoutées)."""
    sortie = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(contenu)) as origine,
        zipfile.ZipFile(sortie, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for info in origine.infolist():
            if info.filename not in remplacements:
                archive.writestr(info.filename, origine.read(info))
        for nom, donnees in remplacements.items():
            archive.writestr(nom, donnees)
    return sortie.getvalue()


def textes(contenu: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(contenu)).paragraphs]


def message(exc: pytest.ExceptionInfo[Exception]) -> str:
    return getattr(exc.value, "message", str(exc.value))


# --- docx_valider ------------------------------------------------------------------------------


def test_un_vrai_docx_est_accepte():
    docx_valider(fixture("modele_coupe.docx"))


def test_un_fichier_qui_n_est_pas_un_zip_est_refuse():
    with pytest.raises(DocumentInvalide) as exc:
        docx_valider(fixture("pas_un_zip.docx"))
    assert "n'est pas un document Word" in message(exc)


def test_un_chemin_qui_sort_du_dossier_est_refuse():
    with pytest.raises(DocumentInvalide) as exc:
        docx_valider(fixture("traversee.docx"))
    assert "chemin interdit" in message(exc)
    assert "../../evil.txt" in message(exc)


@pytest.mark.parametrize("nom", ["/etc/cron.d/x", "\\windows\\x", "C:/x.txt", "word/../../x"])
def test_un_chemin_absolu_ou_remontant_est_refuse(nom):
    with pytest.raises(DocumentInvalide, match="chemin interdit"):
        docx_valider(remplacer_entrees(fixture("modele_coupe.docx"), {nom: b"x"}))


def test_une_bombe_zip_est_refusee_en_comptant_les_octets_lus():
    bombe = io.BytesIO()
    with zipfile.ZipFile(bombe, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<w:document/>")
        archive.writestr("word/media/zeros.bin", b"\0" * (TAILLE_DECOMPRESSEE_MAX + 1024))
    assert len(bombe.getvalue()) < 1024 * 1024  # petit fichier, énorme une fois décompressé
    with pytest.raises(DocumentInvalide) as exc:
        docx_valider(bombe.getvalue())
    assert "décompressé dépasse 50 Mo" in message(exc)


def test_une_taille_annoncee_mensongere_ne_trompe_pas_la_validation():
    """L'en-tête annonce 1 octet pour 1 Mo réel : lire l'entrée révèle la supercherie."""
    contenu = io.BytesIO()
    with zipfile.ZipFile(contenu, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<w:document/>")
        archive.writestr("word/gros.xml", b"a" * 1024 * 1024)
    octets = bytearray(contenu.getvalue())
    # Le nom suit l'en-tête local (30 octets) puis l'entrée du répertoire central (46 octets) ;
    # la taille décompressée est à +22 dans le premier, à +24 dans la seconde.
    nom_local = octets.find(b"word/gros.xml")
    nom_central = octets.find(b"word/gros.xml", nom_local + 1)
    for position in (nom_local - 30 + 22, nom_central - 46 + 24):
        octets[position : position + 4] = (1).to_bytes(4, "little")
    with zipfile.ZipFile(io.BytesIO(bytes(octets))) as archive:
        assert archive.getinfo("word/gros.xml").file_size == 1
    with pytest.raises(DocumentInvalide):
        docx_valider(bytes(octets))


def test_trop_d_entrees_sont_refusees():
    contenu = io.BytesIO()
    with zipfile.ZipFile(contenu, "w") as archive:
        archive.writestr("word/document.xml", b"<w:document/>")
        for i in range(ENTREES_MAX):
            archive.writestr(f"word/media/{i}.txt", b"")
    with pytest.raises(DocumentInvalide, match="trop de fichiers internes"):
        docx_valider(contenu.getvalue())


def test_un_fichier_trop_gros_est_refuse(settings):
    settings.ECHARPE_LIMITE_PIECE = 1000
    with pytest.raises(DocumentInvalide, match="dépasse la taille autorisée"):
        docx_valider(fixture("modele_coupe.docx"))


def test_un_zip_sans_texte_word_est_refuse():
    contenu = io.BytesIO()
    with zipfile.ZipFile(contenu, "w") as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
    with pytest.raises(DocumentInvalide, match=r"word/document\.xml"):
        docx_valider(contenu.getvalue())


def test_un_zip_tronque_est_refuse():
    with pytest.raises(DocumentInvalide, match="endommagé"):
        docx_valider(fixture("modele_coupe.docx")[:5000])


def test_une_declaration_dtd_est_refusee():
    document = zipfile.ZipFile(io.BytesIO(fixture("modele_coupe.docx"))).read("word/document.xml")
    piege = document.replace(b"?>", b'?><!DOCTYPE w:document [<!ENTITY rire "ha">]>', 1)
    with pytest.raises(DocumentInvalide, match="DTD"):
        docx_valider(remplacer_entrees(fixture("modele_coupe.docx"), {"word/document.xml": piege}))


def test_une_declaration_dtd_en_utf16_est_refusee():
    piege = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x []><x/>'.encode("utf-16-le")
    with pytest.raises(DocumentInvalide, match="DTD"):
        docx_valider(remplacer_entrees(fixture("modele_coupe.docx"), {"word/styles.xml": piege}))


def _relations(*relations: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(relations)
        + "</Relationships>"
    ).encode()


def test_une_image_liee_a_une_adresse_exterieure_est_refusee():
    rels = _relations(
        '<Relationship Id="rId99" TargetMode="External" Target="http://127.0.0.1:9/espion.png" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"/>'
    )
    contenu = remplacer_entrees(fixture("modele_coupe.docx"), {"word/_rels/extra.xml.rels": rels})
    with pytest.raises(DocumentInvalide) as exc:
        docx_valider(contenu)
    assert "ressource extérieure" in message(exc)
    assert "http://127.0.0.1:9/espion.png" in message(exc)


def test_un_lien_hypertexte_exterieur_est_accepte():
    rels = _relations(
        '<Relationship Id="rId99" TargetMode="External" Target="https://www.service-public.fr/" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"/>'
    )
    docx_valider(
        remplacer_entrees(fixture("modele_coupe.docx"), {"word/_rels/extra.xml.rels": rels})
    )


def test_un_lien_symbolique_est_refuse():
    contenu = io.BytesIO()
    with zipfile.ZipFile(contenu, "w") as archive:
        archive.writestr("word/document.xml", b"<w:document/>")
        lien = zipfile.ZipInfo("word/lien")
        lien.external_attr = (0o120777 << 16) | 0
        archive.writestr(lien, "/etc/passwd")
    with pytest.raises(DocumentInvalide, match="lien symbolique"):
        docx_valider(contenu.getvalue())


def test_un_document_chiffre_est_refuse():
    contenu = bytearray(fixture("modele_coupe.docx"))
    central = contenu.find(b"PK\x01\x02")
    contenu[central + 8] |= 0x1  # bit « chiffré » du répertoire central
    with pytest.raises(DocumentInvalide, match="mot de passe"):
        docx_valider(bytes(contenu))


# --- docx_placeholders -------------------------------------------------------------------------


def test_la_fixture_coupe_vraiment_la_balise_en_trois_runs():
    document = docx.Document(io.BytesIO(fixture("modele_coupe.docx")))
    assert [run.text for run in document.paragraphs[1].runs] == ["Bonjour ", "{{", " nom ", "}} !"]


def test_les_variables_coupees_en_plusieurs_runs_sont_lues():
    assert docx_placeholders(fixture("modele_coupe.docx")) == ["electeur.bureau", "nom"]


def test_les_variables_des_entetes_pieds_et_tableaux_sont_lues():
    assert docx_placeholders(fixture("modele_entete_tableau.docx")) == [
        "collectivite.adresse",
        "collectivite.nom",
        "date_edition",
        "lignes",
        "remarque",
    ]


@pytest.mark.parametrize(
    ("paragraphes", "attendu"),
    [
        (["{% if x %}oui{% endif %}"], ["x"]),
        (["{%p if a.b %}", "texte", "{%p endif %}"], ["a.b"]),
        (["{% for e in electeurs %}{{ e.nom }} {{ loop.index }}{% endfor %}"], ["electeurs"]),
        (["{{ nom|upper }} {{ prenom.title() }}"], ["nom", "prenom"]),
        (["{{ electeur['nom'] }}"], ["electeur.nom"]),
        (["{% set x = 1 %}{{ x }}"], []),
        (["Bonjour {{ “nom” }}"], []),
        (["{{r lien }}"], ["lien"]),
        (["Sans variable."], []),
    ],
)
def test_les_variables_selon_la_syntaxe(paragraphes, attendu):
    assert docx_placeholders(creer_docx(*paragraphes)) == attendu


def test_une_syntaxe_incorrecte_nomme_le_paragraphe():
    with pytest.raises(ErreurModele) as exc:
        docx_placeholders(creer_docx("Madame,", "Bonjour {{ nom }", "Fin"))
    assert message(exc).startswith("Paragraphe 2 : la syntaxe d'une balise est incorrecte")
    assert "« Bonjour {{ nom } »" in message(exc)
    assert exc.value.paragraphe == "Paragraphe 2"


def test_un_placeholder_sur_un_fichier_invalide_leve_document_invalide():
    with pytest.raises(DocumentInvalide):
        docx_placeholders(fixture("pas_un_zip.docx"))


# --- docx_rendre -------------------------------------------------------------------------------


def test_le_rendu_remplace_une_balise_coupee_et_echappe_le_xml():
    rendu = docx_rendre(
        fixture("modele_coupe.docx"),
        {"nom": "DUPRÉ <Hélène> & fils", "electeur": {"bureau": "Bureau 2"}},
    )
    docx_valider(rendu)
    assert textes(rendu)[1:] == [
        "Bonjour DUPRÉ <Hélène> & fils !",
        "Votre bureau de vote : Bureau 2.",
    ]


def test_les_proprietes_du_document_sont_rendues_sans_double_echappement():
    rendu = docx_rendre(fixture("modele_coupe.docx"), {"nom": "A & B", "electeur": {"bureau": "1"}})
    assert docx.Document(io.BytesIO(rendu)).core_properties.title == "Courrier pour A & B"


def test_le_rendu_couvre_entete_pied_tableau_et_paragraphe_conditionnel():
    contexte = {
        "collectivite": {"nom": "Saint-Test", "adresse": "1 place de la Mairie"},
        "date_edition": "25/11/2026",
        "lignes": [{"nom": "DUPRÉ", "prenom": "Hélène"}, {"nom": "MARTIN", "prenom": None}],
        "remarque": "",
    }
    document = docx.Document(
        io.BytesIO(docx_rendre(fixture("modele_entete_tableau.docx"), contexte))
    )
    section = document.sections[0]
    assert section.header.paragraphs[0].text == "Saint-Test — 1 place de la Mairie"
    assert section.footer.paragraphs[0].text == "Édité le 25/11/2026"
    assert [[c.text for c in rang.cells] for rang in document.tables[0].rows] == [
        ["Nom", "Prénom"],
        ["DUPRÉ", "Hélène"],
        ["MARTIN", ""],  # None s'affiche comme un blanc
    ]
    assert [p.text for p in document.paragraphs] == ["Liste des électeurs", "Fin de la liste."]

    contexte["remarque"] = "liste provisoire"
    document = docx.Document(
        io.BytesIO(docx_rendre(fixture("modele_entete_tableau.docx"), contexte))
    )
    assert "Remarque : liste provisoire" in [p.text for p in document.paragraphs]


def test_un_acces_a_class_est_refuse_en_nommant_la_balise_et_le_paragraphe():
    with pytest.raises(ErreurModele) as exc:
        docx_rendre(fixture("modele_malveillant.docx"), {"nom": "x"})
    assert message(exc) == (
        "Paragraphe 2 : « {{ ''.__class__.__mro__ }} » tente un accès interdit "
        "(« __class__ », « __mro__ ») ; seules les variables documentées sont permises."
    )


def test_le_bac_a_sable_bloque_les_acces_indirects():
    with pytest.raises(ErreurModele) as exc:
        docx_rendre(creer_docx("x", "{{ nom|attr('__class__') }}"), {"nom": "x"})
    assert message(exc).startswith("Paragraphe 2 : accès interdit (« __class__ »)")


def test_une_variable_non_definie_nomme_le_paragraphe():
    with pytest.raises(ErreurModele) as exc:
        docx_rendre(fixture("modele_coupe.docx"), {"nom": "x"})
    assert message(exc) == (
        "Paragraphe 3 : la variable « electeur » n'est pas définie (« {{ electeur.bureau }} »)."
    )


def test_un_attribut_absent_nomme_le_paragraphe():
    with pytest.raises(ErreurModele) as exc:
        docx_rendre(fixture("modele_coupe.docx"), {"nom": "x", "electeur": {}})
    assert message(exc).startswith("Paragraphe 3 : « bureau » n'existe pas")


def test_une_erreur_dans_l_entete_est_situee_dans_l_entete():
    contexte = {"collectivite": {"nom": "Saint-Test"}, "date_edition": "", "lignes": []}
    with pytest.raises(ErreurModele) as exc:
        docx_rendre(fixture("modele_entete_tableau.docx"), {**contexte, "remarque": ""})
    assert message(exc).startswith("En-tête, paragraphe 1 : « adresse » n'existe pas")


def test_un_bloc_non_ferme_est_signale():
    with pytest.raises(ErreurModele, match=r"bloc « if » n'est jamais fermé"):
        docx_rendre(creer_docx("{%p if x %}", "texte"), {"x": True})


def test_une_balise_inconnue_est_signalee():
    with pytest.raises(ErreurModele, match=r"^Paragraphe 1 : la balise « bonjour » est inconnue"):
        docx_rendre(creer_docx("{% bonjour %}"), {})


def test_une_balise_de_fin_orpheline_est_signalee():
    with pytest.raises(ErreurModele, match="« endif » ne ferme aucun bloc"):
        docx_rendre(creer_docx("a", "{% endif %}"), {})


def test_include_est_interdit():
    with pytest.raises(ErreurModele, match="« include » n'est pas permise"):
        docx_rendre(creer_docx("{% include 'base.html' %}"), {})


def test_une_chaine_geante_est_refusee():
    with pytest.raises(ErreurModele, match="résultat trop grand"):
        docx_rendre(creer_docx("{{ 'a' * 100000000 }}"), {})


def test_une_erreur_de_calcul_est_une_erreur_de_modele():
    with pytest.raises(ErreurModele, match=r"^Paragraphe 1 : l'expression ne peut pas"):
        docx_rendre(creer_docx("{{ 1 / 0 }}"), {})


def test_les_variables_hors_liste_sont_refusees_et_listees():
    with pytest.raises(ErreurModele) as exc:
        docx_rendre(
            fixture("modele_coupe.docx"),
            {"nom": "x", "electeur": {"bureau": "1"}},
            variables_autorisees={"prenom", "electeur.nom"},
        )
    assert exc.value.variables == ["electeur.bureau", "nom"]
    assert "« electeur.bureau », « nom »" in message(exc)


def test_une_variable_de_premier_niveau_autorise_ses_attributs():
    rendu = docx_rendre(
        fixture("modele_coupe.docx"),
        {"nom": "x", "electeur": {"bureau": "1"}},
        variables_autorisees={"nom", "electeur"},
    )
    assert textes(rendu)[2] == "Votre bureau de vote : 1."


def test_un_fichier_invalide_n_est_pas_rendu():
    with pytest.raises(DocumentInvalide):
        docx_rendre(fixture("traversee.docx"), {})


def test_docx_verifier_rend_les_variables_et_refuse_le_malveillant():
    assert docx_verifier(fixture("modele_coupe.docx"), variables_autorisees={"nom", "electeur"})
    with pytest.raises(ErreurModele, match="accès interdit"):
        docx_verifier(fixture("modele_malveillant.docx"))


# --- Modèles malveillants : rendu borné en durée et en taille ----------------------------------

_MACRO_RECURSIVE = "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}"
_MACRO_EXPLOSIVE = (
    "{% macro m(n) %}{% if n %}{{ m(n - 1) }}{{ m(n - 1) }}{% endif %}{% endmacro %}{{ m(60) }}"
)
_LISTE_GIGOGNE = (
    "{% set a = ['xxxxxxxxxx', 'xxxxxxxxxx', 'xxxxxxxxxx', 'xxxxxxxxxx', 'xxxxxxxxxx'] %}"
    "{% set b = [a, a, a, a, a, a, a, a, a, a] %}{% set c = [b, b, b, b, b, b, b, b, b, b] %}"
    "{% set d = [c, c, c, c, c, c, c, c, c, c] %}{% set e = [d, d, d, d, d, d, d, d, d, d] %}"
    "{% set f = [e, e, e, e, e, e, e, e, e, e] %}{% set g = [f, f, f, f, f, f, f, f, f, f] %}"
    "{% set h = [g, g, g, g, g, g, g, g, g, g] %}{{ h }}"
)


@pytest.mark.parametrize(
    ("paragraphe", "attendu"),
    [
        pytest.param(
            "{% for i in range(5000) %}{% for j in range(5000) %}{% for k in range(5000) %}"
            "{% endfor %}{% endfor %}{% endfor %}",
            "trop de calculs",
            id="boucles-imbriquees-vides",
        ),
        pytest.param(
            "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
            "« range » est limité à 10\u202f000 éléments",
            id="range-100000",
        ),
        pytest.param("{{ range(10**12)|list }}", "« range » est limité", id="range-10-12"),
        pytest.param("{{ 'x' * 10**9 }}", "résultat trop grand", id="multiplication"),
        pytest.param("{{ 'x' * 1000000000 }}", "résultat trop grand", id="multiplication-const"),
        pytest.param("{{ ['x' * 100000] * 100000 }}", "résultat trop grand", id="liste-multipliee"),
        pytest.param("{{ (2**100)**100**100 }}", "résultat trop grand", id="puissance"),
        pytest.param(_MACRO_RECURSIVE, "s'appelle lui-même sans fin", id="macro-recursive"),
        pytest.param(
            "{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}",
            "s'appelle lui-même sans fin",
            id="loop-recursive",
        ),
        pytest.param(_MACRO_EXPLOSIVE, "trop de calculs", id="macro-explosive"),
        pytest.param(
            "{% set ns = namespace(s='x' * 100000) %}{% for i in range(60) %}"
            "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
            "document trop long",
            id="concatenation-doublee",
        ),
        pytest.param(
            "{% set ns = namespace(s='x' * 100000) %}{% for i in range(60) %}"
            "{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s|length }}",
            "document trop long",
            id="addition-doublee",
        ),
        pytest.param(_LISTE_GIGOGNE, "document trop long", id="listes-gigognes"),
        pytest.param("{{ 'x'|center(1000000000) }}", "résultat trop grand", id="center"),
        pytest.param("{{ 'x'.rjust(1000000000) }}", "résultat trop grand", id="rjust"),
        pytest.param("{{ '%0999999999d'|format(1) }}", "résultat trop grand", id="format"),
        pytest.param("{{ '%0999999999d' % 1 }}", "résultat trop grand", id="pourcentage"),
        pytest.param("{{ '{:>999999999}'.format(1) }}", "résultat trop grand", id="str-format"),
        pytest.param(
            "{% set s = 'x' * 100000 %}{% set t = s.replace('x', s) %}{{ t|length }}",
            "document trop long",
            id="replace",
        ),
        pytest.param(
            "{% set s = 'x' * 100000 %}{{ ([s] * 100000)|join }}", "résultat trop grand", id="join"
        ),
        pytest.param("{{ [1]|batch(1000000000, 0)|list }}", "résultat trop grand", id="batch"),
        pytest.param("{{ lipsum(100000000) }}", "lipsum", id="lipsum"),
    ],
)
def test_un_modele_malveillant_echoue_vite_avec_un_message_francais(settings, paragraphe, attendu):
    settings.ECHARPE_DOCX_DUREE_MAX = 2
    settings.ECHARPE_DOCX_SORTIE_MAX = 5_000_000
    debut = time.monotonic()
    with pytest.raises(ErreurModele) as exc:
        docx_rendre(creer_docx("Madame,", paragraphe), {})
    assert time.monotonic() - debut < 5
    assert attendu in message(exc)
    assert "Error" not in message(exc)


def test_la_duree_du_rendu_est_un_reglage(settings):
    settings.ECHARPE_DOCX_DUREE_MAX = 1
    debut = time.monotonic()
    with pytest.raises(ErreurModele) as exc:
        docx_rendre(
            creer_docx(
                "{% for i in range(9000) %}{% for j in range(9000) %}{% endfor %}{% endfor %}"
            ),
            {},
        )
    assert time.monotonic() - debut < 3
    assert message(exc) == (
        "Le modèle demande trop de calculs : son rendu dépasse 1 seconde. Vérifiez les "
        "boucles « for » imbriquées et les macros qui s'appellent elles-mêmes."
    )


def test_la_taille_produite_est_un_reglage(settings):
    settings.ECHARPE_DOCX_SORTIE_MAX = 200_000
    with pytest.raises(ErreurModele) as exc:
        docx_rendre(creer_docx("{% for i in range(3000) %}{{ 'x' * 100 }}{% endfor %}"), {})
    assert message(exc) == (
        "Le modèle produit un document trop long (plus de 200\u202f000 caractères) : vérifiez "
        "les boucles « for » et les répétitions."
    )


def test_la_limite_de_range_est_un_reglage(settings):
    settings.ECHARPE_DOCX_RANGE_MAX = 10
    assert textes(docx_rendre(creer_docx("{{ range(10)|sum }}"), {})) == ["45"]
    with pytest.raises(ErreurModele) as exc:
        docx_rendre(creer_docx("a", "{% for i in range(11) %}{{ i }}{% endfor %}"), {})
    assert message(exc).startswith(
        "Paragraphe 2 : « range » est limité à 10 éléments dans un modèle Word (11 demandés)"
    )


def test_un_modele_ordinaire_avec_boucles_et_macro_est_rendu(settings):
    settings.ECHARPE_DOCX_DUREE_MAX = 5
    lignes = [{"nom": f"NOM{i}", "prenom": "Léa"} for i in range(2000)]
    rendu = docx_rendre(
        creer_docx(
            "{% macro nom(l) %}{{ l.nom|upper }} {{ l.prenom }}{% endmacro %}",
            "{% for l in lignes %}{{ nom(l) }}{% if not loop.last %}, {% endif %}{% endfor %}",
            "{{ lignes|length }} électeurs, {{ '%05d'|format(42) }}, {{ 'a' ~ 'b' }}.",
        ),
        {"lignes": lignes},
    )
    paragraphes = textes(rendu)
    assert paragraphes[1].startswith("NOM0 Léa, NOM1 Léa")
    assert paragraphes[1].endswith("NOM1999 Léa")
    assert paragraphes[2] == "2000 électeurs, 00042, ab."


def test_un_modele_ne_modifie_pas_les_donnees_recues():
    contexte = {"lignes": [1, 2]}
    with pytest.raises(ErreurModele):
        docx_rendre(creer_docx("{{ lignes.append(3) }}"), contexte)
    assert contexte["lignes"] == [1, 2]

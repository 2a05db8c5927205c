"""PDF par WeasyPrint : polices livrées, texte extractible, pagination, ressources refusées."""

from __future__ import annotations

import io
import logging
import re
import socket
import threading
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from fontTools.ttLib import TTFont
from PIL import Image

from core.documents import pdf as module_pdf
from core.documents.pdf import (
    AdresseRefusee,
    RecuperateurStatique,
    base_url,
    data_uri,
    fichier_statique,
    pdf_rendre,
)
from tests.core.documents.texte_pdf import _flux, _objets, sans_espaces, texte_pdf

STATIQUE = Path(django_settings.BASE_DIR) / "static"
GABARITS_TEST = Path(__file__).resolve().parents[2] / "fixtures" / "documents" / "gabarits"
COLLECTIVITE = {"nom": "Saint-Test", "adresse": "1 place de la Mairie\n12345 Saint-Test"}


def contexte(nombre_lignes: int = 3, **autres: object) -> dict[str, object]:
    return {
        "collectivite": COLLECTIVITE,
        "titre": "Liste d'émargement",
        "lignes": [{"nom": f"DUPRÉ{i}", "prenom": "Hélène"} for i in range(nombre_lignes)],
        **autres,
    }


def nombre_pages(pdf: bytes) -> int:
    return sum(1 for corps in _objets(pdf).values() if re.search(rb"/Type\s*/Page(?![a-z])", corps))


@pytest.fixture
def servis(monkeypatch) -> list[str]:
    """Les adresses pour lesquelles le récupérateur a servi un fichier statique."""
    adresses: list[str] = []
    original = module_pdf.fichier_statique

    def espion(url: str) -> Path | None:
        chemin = original(url)
        if chemin is not None:
            adresses.append(url)
        return chemin

    monkeypatch.setattr(module_pdf, "fichier_statique", espion)
    return adresses


def test_le_pdf_est_un_pdf_a4_avec_le_texte_extractible():
    pdf = pdf_rendre("pdf/exemple.html", contexte())
    assert pdf.startswith(b"%PDF")
    assert b"/MediaBox [0 0 595.27" in b"".join(_objets(pdf).values())  # A4 en points
    texte = sans_espaces(texte_pdf(pdf))
    for attendu in ["Saint-Test", "1 place de la Mairie", "12345", "Liste d'émargement"]:
        assert sans_espaces(attendu) in texte
    assert "DUPRÉ0Hélène" in texte
    assert "3personnes" in texte


def test_les_polices_livrees_sont_chargees_par_font_face_et_embarquees(servis):
    pdf = pdf_rendre("pdf/exemple.html", contexte())
    assert any(url.endswith("/fonts/DejaVuSans.ttf") for url in servis)
    assert any(url.endswith("/fonts/DejaVuSans-Bold.ttf") for url in servis)
    objets = _objets(pdf)
    # La famille « Echarpe Sans » n'existe que par notre @font-face (pas une police du système).
    polices = [corps for corps in objets.values() if b"/FontFile2" in corps]
    assert polices and all(b"Echarpe-Sans" in corps for corps in polices)
    for corps in polices:
        reference = re.search(rb"/FontFile2\s+(\d+)", corps)
        assert reference is not None
        fichier = _flux(objets[int(reference.group(1))])
        assert fichier is not None
        police = TTFont(io.BytesIO(fichier))
        assert police["name"].getDebugName(1) == "DejaVu Sans"


def test_les_pages_sont_numerotees_page_x_sur_y():
    pdf = pdf_rendre("pdf/exemple.html", contexte(nombre_lignes=80))
    pages = nombre_pages(pdf)
    assert pages >= 3
    numeros = re.findall(r"Page (\d+) sur (\d+)", texte_pdf(pdf))
    assert numeros == [(str(i), str(pages)) for i in range(1, pages + 1)]


def test_une_seule_page_pour_un_petit_document():
    assert nombre_pages(pdf_rendre("pdf/exemple.html", contexte(nombre_lignes=2))) == 1


def test_le_logo_en_data_uri_est_incorpore():
    image = io.BytesIO()
    Image.new("RGB", (40, 20), (0, 0, 145)).save(image, format="PNG")
    sans_logo = pdf_rendre("pdf/exemple.html", contexte())
    avec_logo = pdf_rendre(
        "pdf/exemple.html",
        contexte(logo_url=data_uri(image.getvalue(), type_mime="image/png")),
    )
    assert not any(b"/Subtype /Image" in corps for corps in _objets(sans_logo).values())
    assert any(b"/Subtype /Image" in corps for corps in _objets(avec_logo).values())


def test_un_logo_statique_est_servi_par_le_recuperateur(servis):
    pdf = pdf_rendre("pdf/exemple.html", contexte(logo_url="/static/img/echarpe.svg"))
    assert pdf.startswith(b"%PDF")
    assert "file:///static/img/echarpe.svg" in servis


def test_data_uri():
    assert data_uri(b"abc", type_mime="image/png") == "data:image/png;base64,YWJj"


# --- Le récupérateur d'adresses ------------------------------------------------------------------


def test_base_url_est_le_dossier_statique():
    assert base_url() == STATIQUE.resolve().as_uri() + "/"


@pytest.mark.parametrize(
    "url",
    [
        "file:///static/css/pdf.css",
        (STATIQUE / "fonts" / "DejaVuSans.ttf").resolve().as_uri(),
        (STATIQUE / "css" / ".." / "img" / "echarpe.svg").as_uri(),
    ],
)
def test_les_fichiers_statiques_sont_trouves(url):
    chemin = fichier_statique(url)
    assert chemin is not None and chemin.is_file()
    assert chemin.resolve().is_relative_to(STATIQUE.resolve())


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file:///static/../etc/passwd",
        "file:///static/css/inexistant.css",
        (STATIQUE / ".." / "pyproject.toml").as_uri(),
        "file://serveur/static/css/pdf.css",
        "http://127.0.0.1:9/static/css/pdf.css",
        "https://example.org/static/css/pdf.css",
        "ftp://127.0.0.1/x",
    ],
)
def test_les_autres_adresses_ne_sont_pas_des_fichiers_statiques(url):
    assert fichier_statique(url) is None


def test_le_recuperateur_refuse_http_et_file_hors_statique():
    recuperateur = RecuperateurStatique()
    for url in ["http://127.0.0.1:9/x.css", "https://127.0.0.1/x.png", "file:///etc/passwd"]:
        with pytest.raises(AdresseRefusee):
            recuperateur.fetch(url)


def test_le_recuperateur_sert_data_et_les_fichiers_statiques():
    recuperateur = RecuperateurStatique()
    assert recuperateur.fetch("data:text/plain;base64,YWJj").read() == b"abc"
    reponse = recuperateur.fetch("file:///static/css/pdf.css")
    assert b"@font-face" in reponse.read()
    assert reponse.content_type == "text/css"


@pytest.fixture
def ecoute():
    """Un port local qui note toute connexion (il ne doit en recevoir aucune)."""
    serveur = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    serveur.bind(("127.0.0.1", 0))
    serveur.listen()
    serveur.settimeout(0.2)
    connexions: list[object] = []
    arret = threading.Event()

    def accepter() -> None:
        while not arret.is_set():
            try:
                client, _adresse = serveur.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connexions.append(client)
            client.close()

    fil = threading.Thread(target=accepter, daemon=True)
    fil.start()
    yield serveur.getsockname()[1], connexions
    arret.set()
    fil.join(timeout=2)
    serveur.close()


@pytest.fixture
def gabarits_de_test(settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], GABARITS_TEST]}
    ]


def test_la_requete_est_transmise_au_gabarit(gabarits_de_test):
    requete = RequestFactory().get("/emargement/12/")
    requete.user = AnonymousUser()
    pdf = pdf_rendre("pdf/requete.html", {"collectivite": COLLECTIVITE}, request=requete)
    assert "Chemin:/emargement/12/" in sans_espaces(texte_pdf(pdf))


@pytest.mark.reseau
def test_un_gabarit_malveillant_est_rendu_sans_rien_chercher_dehors(
    gabarits_de_test, caplog, ecoute
):
    port, connexions = ecoute
    with caplog.at_level(logging.WARNING, logger="core.documents.pdf"):
        pdf = pdf_rendre("pdf/malveillant.html", {"collectivite": COLLECTIVITE, "port": str(port)})
    assert pdf.startswith(b"%PDF")
    assert "Textevisible." in sans_espaces(texte_pdf(pdf))
    refusees = " ".join(r.getMessage() for r in caplog.records if "refusée" in r.getMessage())
    for url in [
        "file:///etc/passwd",
        "file:///etc/hostname",
        f"http://127.0.0.1:{port}/x.css",
        f"https://127.0.0.1:{port}/y.css",
        f"http://127.0.0.1:{port}/espion.png",
        f"http://127.0.0.1:{port}/fond.png",
    ]:
        assert url in refusees
    assert connexions == []
    assert b"root:" not in pdf

"""PDF conçus par Écharpe (émargement, récépissé, tableaux) : gabarit Django → HTML → WeasyPrint.

WeasyPrint ne lit que les fichiers statiques (feuilles de style, polices, images) par
`RecuperateurStatique` ; toute autre adresse (`http://`, `https://`, `file:///etc/passwd`) est
refusée, pour qu'un gabarit ou un texte saisi ne fasse jamais chercher une ressource par le
serveur. Les images privées (logo de la collectivité) passent en `data:` (voir `data_uri`).
"""

from __future__ import annotations

import base64
import logging
import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.http import HttpRequest
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)


class AdresseRefusee(ValueError):
    """WeasyPrint a demandé une ressource qui n'est pas un fichier statique."""


def _racines_statiques() -> list[Path]:
    """Les dossiers où les « finders » de staticfiles cherchent (STATICFILES_DIRS, applis)."""
    racines: list[Path] = []
    for finder in finders.get_finders():
        for stockage in getattr(finder, "storages", {}).values():
            emplacement = getattr(stockage, "location", None)
            if emplacement:
                racines.append(Path(emplacement).resolve())
    return racines


def fichier_statique(url: str) -> Path | None:
    """Le fichier statique désigné par une adresse `file:` (chemin d'un dossier statique ou
    `/static/…` résolu contre la base), ou None si l'adresse n'en désigne pas un."""
    morceaux = urlsplit(url)
    if morceaux.scheme != "file" or morceaux.netloc not in ("", "localhost"):
        return None
    chemin = unquote(morceaux.path)
    relatif: str | None = None
    prefixe = urlsplit(settings.STATIC_URL).path
    if prefixe not in ("", "/") and chemin.startswith(prefixe):
        relatif = chemin[len(prefixe) :]
    else:
        resolu = Path(chemin).resolve()
        for racine in _racines_statiques():
            if resolu.is_relative_to(racine):
                relatif = resolu.relative_to(racine).as_posix()
                break
    if not relatif or ".." in relatif.split("/"):
        return None
    try:
        trouve = finders.find(relatif)
    except SuspiciousFileOperation:
        return None
    if not isinstance(trouve, str) or not Path(trouve).is_file():
        return _fichier_collecte(relatif)
    return Path(trouve)


def _fichier_collecte(relatif: str) -> Path | None:
    """En production, `{% static %}` donne le nom haché de collectstatic (pdf.3f2a….css), qui
    n'existe que dans STATIC_ROOT."""
    if not settings.STATIC_ROOT:
        return None
    racine = Path(settings.STATIC_ROOT).resolve()
    chemin = (racine / relatif).resolve()
    return chemin if chemin.is_relative_to(racine) and chemin.is_file() else None


class RecuperateurStatique(URLFetcher):  # type: ignore[misc]
    """« URL fetcher » de WeasyPrint : fichiers statiques et `data:` seulement."""

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> Any:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        chemin = fichier_statique(url)
        if chemin is None:
            # WeasyPrint attrape l'exception, ignore la ressource et poursuit le rendu.
            logger.warning("PDF : ressource refusée (pas un fichier statique) : %s", url[:200])
            raise AdresseRefusee(f"Ressource refusée : {url[:200]}")
        type_mime = mimetypes.guess_type(chemin.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, chemin.read_bytes(), {"Content-Type": type_mime})


def base_url() -> str:
    """L'adresse `file:` du premier dossier statique, base des chemins relatifs du gabarit."""
    racines = _racines_statiques()
    return racines[0].as_uri() + "/" if racines else Path(settings.STATIC_ROOT).as_uri() + "/"


def data_uri(contenu: bytes, *, type_mime: str) -> str:
    """Une image privée (logo téléversé) à passer au gabarit comme `logo_url`."""
    return f"data:{type_mime};base64,{base64.b64encode(contenu).decode('ascii')}"


def pdf_rendre(
    template_name: str, contexte: dict[str, Any], *, request: HttpRequest | None = None
) -> bytes:
    """Rend un gabarit Django (qui étend `pdf/base.html`) en PDF A4 et rend ses octets.

    Le contexte de `pdf/base.html` : `collectivite` (nom, adresse), `logo_url` (facultatif,
    une adresse statique ou `data:`).
    """
    html = render_to_string(template_name, contexte, request=request)
    document = HTML(string=html, base_url=base_url(), url_fetcher=RecuperateurStatique())
    pdf: bytes = document.write_pdf(font_config=FontConfiguration())
    return pdf

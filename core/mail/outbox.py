"""Boîte de démonstration (`ECHARPE_BOITE_DEMO`) : écriture des messages (.eml) et lecture pour
la page /outbox/ (`boite_demo_noms`, `boite_demo_message`, `boite_demo_lisible`).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from core.mail.entetes import _adresse_entete

# Le serveur fictif des comptes de démonstration (`charger_demo`) : « Tester la connexion »
# l'adresse à la boîte locale ; tout autre serveur est réellement contacté.
HOTE_BOITE_DEMO = "boite-demo.localhost"


def _dossier_boite() -> Path:
    dossier = getattr(settings, "ECHARPE_BOITE_DEMO", None)
    if not dossier:
        raise ValueError("La boîte de démonstration n'est pas activée (ECHARPE_BOITE_DEMO).")
    return Path(dossier)


def ecrire_boite_demo(contenu: bytes) -> Path:
    """Écrit un message (.eml) au nom horodaté et unique dans la boîte de démonstration."""
    dossier = _dossier_boite()
    dossier.mkdir(parents=True, exist_ok=True)
    nom = f"{timezone.now():%Y%m%d-%H%M%S-%f}-{secrets.token_hex(4)}.eml"
    chemin = dossier / nom
    with open(chemin, "xb") as fichier:
        fichier.write(contenu)
    return chemin


# --- Lecture de la boîte de démonstration -----------------------------------------------------


_NOM_FICHIER_BOITE = re.compile(r"[0-9]{8}-[0-9]{6}-[0-9]{6}-[0-9a-f]{8}")


@dataclass(frozen=True)
class MessageBoite:
    """Un message de la boîte de démonstration, lu avec `email` (policy=default)."""

    nom: str
    date: datetime | None
    expediteur: str
    destinataires: str
    sujet: str
    entetes: list[tuple[str, str]] = field(default_factory=list)
    texte: str = ""
    a_html: bool = False
    pieces_jointes: list[str] = field(default_factory=list)
    # Adresses de To, Cc et Bcc, domaine en punycode et en minuscules : qui peut le lire.
    adresses: frozenset[str] = frozenset()


def _date(valeur: str | None) -> datetime | None:
    if not valeur:
        return None
    try:
        return parsedate_to_datetime(valeur)
    except (TypeError, ValueError):
        return None


def _normaliser_adresse(adresse: str) -> str:
    return _adresse_entete(adresse.strip()).lower()


def _adresses_destinataires(message: Any) -> frozenset[str]:
    adresses: set[str] = set()
    for nom in ("To", "Cc", "Bcc"):
        for entete in message.get_all(nom, []):
            for adresse in getattr(entete, "addresses", ()):
                if adresse.addr_spec:
                    adresses.add(_normaliser_adresse(adresse.addr_spec))
    return frozenset(adresses)


def boite_demo_lisible(courriel: MessageBoite, utilisateur: Any) -> bool:
    """Un superutilisateur lit toute la boîte ; tous les autres, personnel de la plateforme
    compris (il peut être limité à quelques collectivités), seulement les messages dont leur
    propre adresse est destinataire (la boîte contient les liens d'activation et de
    réinitialisation de tout le monde)."""
    if getattr(utilisateur, "is_superuser", False):
        return True
    email = getattr(utilisateur, "email", "") or ""
    return bool(email) and _normaliser_adresse(email) in courriel.adresses


def _lire(chemin: Path, *, complet: bool) -> MessageBoite:
    with open(chemin, "rb") as fichier:
        message = BytesParser(policy=policy.default).parse(fichier, headersonly=not complet)
    apercu = MessageBoite(
        nom=chemin.stem,
        date=_date(message.get("Date")),
        expediteur=str(message.get("From", "")),
        destinataires=str(message.get("To", "")),
        sujet=str(message.get("Subject", "")),
        adresses=_adresses_destinataires(message),
    )
    if not complet:
        return apercu
    assert isinstance(message, EmailMessage)
    corps = message.get_body(preferencelist=("plain",))
    texte = corps.get_content() if isinstance(corps, EmailMessage) else ""
    return MessageBoite(
        nom=apercu.nom,
        date=apercu.date,
        expediteur=apercu.expediteur,
        destinataires=apercu.destinataires,
        sujet=apercu.sujet,
        entetes=[(nom, str(valeur)) for nom, valeur in message.items()],
        texte=texte,
        a_html=message.get_body(preferencelist=("html",)) is not None,
        pieces_jointes=[
            piece.get_filename() or "(sans nom)" for piece in message.iter_attachments()
        ],
        adresses=apercu.adresses,
    )


def boite_demo_noms() -> list[str]:
    """Les noms (sans .eml) des messages de la boîte, du plus récent au plus ancien."""
    dossier = _dossier_boite()
    if not dossier.is_dir():
        return []
    noms = [f.stem for f in dossier.glob("*.eml") if _NOM_FICHIER_BOITE.fullmatch(f.stem)]
    return sorted(noms, reverse=True)


def boite_demo_message(nom: str, *, complet: bool = True) -> MessageBoite | None:
    """Un message par son nom (sans .eml) : en-têtes seulement, ou complet avec le texte et
    les pièces jointes. `None` s'il n'existe pas ou si le nom n'est pas celui d'un fichier de
    la boîte (aucun chemin arbitraire)."""
    if not _NOM_FICHIER_BOITE.fullmatch(nom):
        return None
    chemin = _dossier_boite() / f"{nom}.eml"
    if not chemin.is_file():
        return None
    return _lire(chemin, complet=complet)


__all__ = [
    "HOTE_BOITE_DEMO",
    "MessageBoite",
    "boite_demo_lisible",
    "boite_demo_message",
    "boite_demo_noms",
    "ecrire_boite_demo",
]

"""En-têtes et adresses : vérification des valeurs venues des données, même cachées dans un mot
encodé RFC 2047 (`verifier_entete`), neutralisation de l'objet d'un gabarit
(`neutraliser_entete`), adresses en punycode pour l'enveloppe et les en-têtes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from email import policy
from email.header import decode_header

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from core.mail.erreurs import MESSAGE_NON_ASCII, EchecDefinitif

# En-têtes que `envoyer` écrit lui-même : `entetes` ne peut pas les remplacer.
ENTETES_RESERVES = {
    "from",
    "sender",
    "to",
    "cc",
    "bcc",
    "subject",
    "date",
    "message-id",
    "reply-to",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "content-disposition",
}
_NOM_ENTETE = re.compile(r"[!-9;-~]+")  # RFC 5322 ftext : ASCII imprimable sauf « : »


def _une_ligne(valeur: str, libelle: str) -> str:
    # Un retour à la ligne dans un en-tête permettrait d'en injecter d'autres (Bcc…).
    if "\r" in valeur or "\n" in valeur:
        raise ValueError(f"{libelle} ne doit pas contenir de retour à la ligne.")
    return valeur


# Un mot encodé (RFC 2047) : « =?charset?q|b?texte?= ».
_MOT_ENCODE = re.compile(r"=\?[^?]*\?[bBqQ]\?.*?\?=", re.DOTALL)


def _interdit(caractere: str) -> bool:
    # Caractères de contrôle (CR, LF, NUL…), séparateurs de ligne Unicode, demi-codets : la
    # tabulation seule est permise dans un en-tête.
    return caractere != "\t" and unicodedata.category(caractere) in ("Cc", "Cs", "Zl", "Zp")


def _par_entete(texte: str) -> str:
    # Le décodeur des en-têtes du module `email` : celui qui décide de ce qui part sur le fil.
    return str(policy.default.header_factory("Subject", texte))


def _par_decode_header(texte: str) -> str:
    # `decode_header`, plus large (mots encodés collés à du texte).
    morceaux = []
    for brut, jeu in decode_header(texte):
        if isinstance(brut, str):
            morceaux.append(brut)
            continue
        try:
            # Sans jeu de caractères : texte hors mot encodé, rendu en raw-unicode-escape.
            morceaux.append(brut.decode(jeu or "raw-unicode-escape", errors="replace"))
        except LookupError:
            morceaux.append(brut.decode("latin-1"))
    return "".join(morceaux)


def _decoder(valeur: str, decodeur: Callable[[str], str]) -> list[str]:
    """Les décodages successifs de `valeur` tant que le texte change (un mot encodé peut en
    cacher un autre) ; `ValueError` s'il ne se stabilise pas."""
    lectures = [valeur]
    texte = valeur
    for _ in range(8):
        if not _MOT_ENCODE.search(texte):
            return lectures
        suivant = decodeur(texte)
        if suivant == texte:
            return lectures
        texte = suivant
        lectures.append(texte)
        if any(_interdit(c) for c in texte):
            return lectures
    raise ValueError("mots encodés imbriqués")


def _decodages(valeur: str) -> list[str]:
    """Toutes les lectures de `valeur`, brute puis décodée par les deux décodeurs."""
    return [*_decoder(valeur, _par_entete), *_decoder(valeur, _par_decode_header)]


def contient_mot_encode(valeur: str) -> bool:
    """Vrai si `valeur` contient un mot encodé RFC 2047 (« =?utf-8?q?…?= »)."""
    return bool(_MOT_ENCODE.search(valeur))


def verifier_entete(valeur: str, libelle: str) -> str:
    """`valeur`, destinée à un en-tête, si elle ne contient aucun caractère de contrôle, même
    caché dans un mot encodé (« =?utf-8?q?=0D=0ABcc…?= ») ; sinon `ValueError` en français.

    Le module `email` de Python 3.11.7 (CVE-2024-6923) écrit sur le fil le retour à la ligne
    qu'un mot encodé contient : la vérification ne dépend pas de la version de l'interprète.
    """
    valeur = _une_ligne(str(valeur), libelle)
    interdit = (
        f"{libelle} contient un caractère interdit (retour à la ligne ou caractère de "
        "contrôle, parfois caché dans une forme encodée « =?…?= ») : retirez-le."
    )
    try:
        lectures = _decodages(valeur)
    except Exception:
        raise ValueError(interdit) from None
    if any(_interdit(c) for lecture in lectures for c in lecture):
        raise ValueError(interdit)
    return valeur


def neutraliser_entete(valeur: str) -> str:
    """`valeur` lisible et sûre pour un en-tête : mots encodés décodés (comme le ferait le
    module `email`), caractères de contrôle remplacés par une espace, espaces regroupées.
    Pour l'objet rendu d'un gabarit, où le nom d'une collectivité peut arriver."""
    texte = " ".join(str(valeur).split())
    for _ in range(8):
        try:
            lisible = _par_entete(texte) if _MOT_ENCODE.search(texte) else texte
        except Exception:
            lisible = texte
        propre = " ".join("".join(" " if _interdit(c) else c for c in lisible).split())
        if propre == texte:
            return propre
        texte = propre
    # Imbrication sans fin : la forme « =?…?= » est cassée plutôt que décodée à l'envoi.
    return texte.replace("=?", "= ?")


def adresse_ascii(adresse: str) -> str:
    """L'adresse avec son domaine en punycode (`exémple.fr` → `xn--exmple-cva.fr`).

    Lève `UnicodeError` si la partie locale n'est pas en ASCII ou si le domaine ne peut pas
    être encodé (IDNA).
    """
    local, arobase, domaine = adresse.rpartition("@")
    if not arobase:
        local, domaine = adresse, ""
    local.encode("ascii")
    if not domaine.isascii():
        domaine = domaine.encode("idna").decode("ascii")
    return f"{local}{arobase}{domaine}"


def adresse_enveloppe(adresse: str) -> str:
    """`adresse_ascii` pour MAIL FROM et RCPT TO ; `EchecDefinitif` en français sinon."""
    try:
        return adresse_ascii(adresse)
    except UnicodeError:
        raise EchecDefinitif(MESSAGE_NON_ASCII) from None


def _adresse_entete(adresse: str) -> str:
    # Un en-tête sans SMTPUTF8 est en ASCII : le domaine y figure en punycode. Une adresse
    # impossible à convertir reste telle quelle (l'enveloppe la refusera avant l'envoi).
    try:
        return adresse_ascii(adresse)
    except UnicodeError:
        return adresse


def _adresse(adresse: str, libelle: str) -> str:
    adresse = _une_ligne(str(adresse), libelle).strip()
    invalide = ValueError(f"{libelle} est invalide : « {adresse} ».")
    # Une adresse ne contient jamais de mot encodé (RFC 2047 § 5) ; le module `email` le
    # décoderait pourtant, retours à la ligne compris.
    if _MOT_ENCODE.search(adresse) or any(_interdit(c) for c in adresse):
        raise invalide
    try:
        validate_email(adresse)
    except ValidationError:
        raise invalide from None
    return adresse


def _verifier_entetes(entetes: dict[str, str] | None) -> dict[str, str]:
    resultat: dict[str, str] = {}
    for nom, valeur in (entetes or {}).items():
        if not _NOM_ENTETE.fullmatch(nom):
            raise ValueError(f"Nom d'en-tête invalide : « {nom} ».")
        if nom.lower() in ENTETES_RESERVES:
            raise ValueError(f"L'en-tête « {nom} » est écrit par Écharpe et ne peut être fourni.")
        resultat[nom] = verifier_entete(str(valeur), f"L'en-tête « {nom} »")
    return resultat


__all__ = [
    "ENTETES_RESERVES",
    "adresse_ascii",
    "adresse_enveloppe",
    "contient_mot_encode",
    "neutraliser_entete",
    "verifier_entete",
]

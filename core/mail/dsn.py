"""Lecture des avis de non-remise (rebonds), sans base de données.

`analyser_rebond(brut)` reconnaît :

- les rapports RFC 3464 (`multipart/report; report-type=delivery-status`), tels que Postfix,
  Exchange récent, Gmail ou Exim avec `dsn_advertise` les écrivent ;
- les formes non normalisées courantes : Exim « Mail delivery failed » (en-tête
  `X-Failed-Recipients`), qmail (« Hi. This is the qmail-send program »), Exchange/Outlook
  (« Delivery has failed to these recipients », « Remote Server returned »), et le texte seul
  de Postfix « Undelivered Mail Returned to Sender » sans partie de rapport.

Il rend `None` pour tout autre message (notification ELIRE, réponse d'absence…) et ne lève
jamais d'exception : un message reçu est une donnée non fiable.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import Message
from email.utils import getaddresses, parseaddr

logger = logging.getLogger(__name__)

# Au-delà, on ne lit que le début : un rebond utile tient en quelques kilo-octets, et les
# expressions régulières ne doivent pas parcourir des pièces jointes de plusieurs Mo.
TAILLE_TEXTE_MAX = 64 * 1024
LONGUEUR_CHAMP_MAX = 1000

ACTIONS_RETENUES = ("failed", "delayed")

_STATUT = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
_CODE_SMTP = re.compile(r"(?<!\d)([45]\d\d)(?:[ -]|$)")
_MESSAGE_ID = re.compile(r"^message-id:[ \t]*(<[^<>\s]{1,500}>)", re.IGNORECASE | re.MULTILINE)
_ADRESSE = re.compile(r"[A-Za-z0-9._%+=!#$&'*/?^`{|}~-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}")
_ADRESSE_CHEVRONS_DEBUT = re.compile(r"^<([^<>\s@]{1,64}@[^<>\s]{1,253})>:", re.MULTILINE)

_SUJETS_REBOND = re.compile(
    r"undeliver|undelivered mail|returned mail|mail delivery failed|delivery status notification"
    r"|failure notice|delivery failure|non remis|non distribuable|non délivré|échec de (la )?remise"
    r"|delayed mail|delivery delayed|warning: could not send",
    re.IGNORECASE,
)
_SUJETS_RETARD = re.compile(
    r"delayed|delay|still being retried|warning|retard|différé", re.IGNORECASE
)
_EXPEDITEURS_REBOND = re.compile(r"^(mailer-daemon|postmaster)@", re.IGNORECASE)
_MARQUES_TEXTE = (
    "i'm sorry to have to inform you that your message could not",
    "could not be delivered to one or more",
    "this is the qmail-send program",
    "delivery has failed to these recipients",
    "your message did not reach some or all of the intended recipients",
    "the following address(es) failed",
    "this is a permanent error",
    "remote server returned",
)
# Lignes qui ouvrent la copie du message renvoyé, dans les rebonds en texte seul.
_MARQUES_COPIE = re.compile(
    r"^(-{2,}.*(copy of the message|below this line|returned message|original message).*"
    r"|original message headers:.*)$",
    re.IGNORECASE | re.MULTILINE,
)


@dataclass(frozen=True)
class Rebond:
    """Avis de non-remise (« failed ») ou de retard (« delayed ») pour un destinataire."""

    destinataire: str
    action: str
    code_etat: str
    diagnostic: str
    permanent: bool
    message_id_origine: str
    jeton_verp: str
    envelope_id: str
    forme: str


def analyser_rebond(brut: bytes) -> Rebond | None:
    """Le rebond que contient `brut`, ou `None` si ce n'est pas un avis de non-remise."""
    try:
        message = message_from_bytes(brut, policy=policy.compat32)
        statut = _partie_statut(message)
        # Un rapport normalisé fait foi : « delivered » ou « relayed » n'est pas un rebond,
        # quel que soit le texte qui l'accompagne.
        rebond = _rapport_rfc3464(message, statut) if statut is not None else _rebond_texte(message)
    except Exception as erreur:  # noqa: BLE001 — donnée non fiable : jamais d'exception
        # Le type seulement : le texte pourrait citer des adresses.
        logger.info("Message illisible comme rebond (%s).", type(erreur).__name__)
        return None
    return rebond


# --- Outils ---------------------------------------------------------------------------------


def _coupe(valeur: str) -> str:
    return " ".join(valeur.split())[:LONGUEUR_CHAMP_MAX]


def _entete(message: Message, nom: str) -> str:
    valeur = message.get(nom)
    if valeur is None:
        return ""
    return _coupe(str(valeur))


def _texte_partie(partie: Message) -> str:
    charge = partie.get_payload(decode=True)
    if isinstance(charge, bytes):
        jeu = partie.get_content_charset() or "utf-8"
        try:
            return charge[:TAILLE_TEXTE_MAX].decode(jeu, errors="replace")
        except LookupError:
            return charge[:TAILLE_TEXTE_MAX].decode("utf-8", errors="replace")
    brut = partie.get_payload()
    if isinstance(brut, str):
        return brut[:TAILLE_TEXTE_MAX]
    if isinstance(brut, list):
        return "\n".join(
            str(sous)[:TAILLE_TEXTE_MAX] for sous in brut if isinstance(sous, Message)
        )[:TAILLE_TEXTE_MAX]
    return ""


def _parties(message: Message) -> list[Message]:
    parties: list[Message] = []
    for partie in message.walk():
        parties.append(partie)
        if len(parties) >= 50:
            break
    return parties


def _adresse_type(valeur: str) -> str:
    """`rfc822; jean@exemple.org` → `jean@exemple.org`."""
    _type, _sep, adresse = valeur.partition(";")
    adresse = (adresse or valeur).strip().strip("<>").strip()
    return adresse[:254]


def _code_etat(*textes: str) -> str:
    for texte in textes:
        trouve = _STATUT.search(texte)
        if trouve:
            return ".".join(trouve.groups())
    for texte in textes:
        trouve = _CODE_SMTP.search(texte)
        if trouve:
            return f"{trouve.group(1)[0]}.0.0"
    return ""


def _message_id(texte: str) -> str:
    trouve = _MESSAGE_ID.search(texte)
    return trouve.group(1) if trouve else ""


def _jeton_verp(message: Message) -> str:
    """Partie après « + » de l'adresse qui a reçu le rebond (l'expéditeur d'enveloppe)."""
    valeurs: list[str] = []
    for nom in ("X-Original-To", "Delivered-To", "Envelope-To", "To"):
        valeurs.extend(str(v) for v in (message.get_all(nom) or []))
    for _nom, adresse in getaddresses(valeurs):
        local, arobase, _domaine = adresse.partition("@")
        if arobase and "+" in local:
            jeton = local.split("+", 1)[1]
            if re.fullmatch(r"[A-Za-z0-9._=-]{1,100}", jeton):
                return jeton
    return ""


def _message_id_renvoye(message: Message) -> str:
    """Message-ID du message d'origine, dans la partie renvoyée (en-têtes ou message)."""
    for partie in _parties(message)[1:]:
        type_contenu = partie.get_content_type()
        if type_contenu == "text/rfc822-headers":
            trouve = _message_id(_texte_partie(partie))
            if trouve:
                return trouve
        elif type_contenu == "message/rfc822":
            charge = partie.get_payload()
            if isinstance(charge, list) and charge and isinstance(charge[0], Message):
                trouve = _coupe(str(charge[0].get("Message-ID") or ""))
                if re.fullmatch(r"<[^<>\s]{1,500}>", trouve):
                    return trouve
    return ""


# --- RFC 3464 -------------------------------------------------------------------------------


def _blocs_statut(partie: Message) -> list[Message]:
    charge = partie.get_payload()
    if isinstance(charge, list):
        return [bloc for bloc in charge if isinstance(bloc, Message)]
    if isinstance(charge, str):
        # Partie mal typée ou encodée : on relit les blocs séparés par une ligne vide.
        texte = _texte_partie(partie)
        blocs = re.split(r"\r?\n[ \t]*\r?\n", texte)
        return [
            message_from_bytes(b.encode("utf-8", "replace"), policy=policy.compat32)
            for b in blocs[:100]
        ]
    return []


def _partie_statut(message: Message) -> Message | None:
    if message.get_content_type() != "multipart/report":
        return None
    if str(message.get_param("report-type") or "").lower() != "delivery-status":
        return None
    return next(
        (
            p
            for p in _parties(message)
            if p.get_content_type() in ("message/delivery-status", "message/global-delivery-status")
        ),
        None,
    )


def _rapport_rfc3464(message: Message, statut: Message) -> Rebond | None:
    blocs = _blocs_statut(statut)
    envelope_id = ""
    if blocs:
        envelope_id = _entete(blocs[0], "Original-Envelope-Id")[:300]
    retenus: list[Message] = [b for b in blocs if _entete(b, "Action").lower() in ACTIONS_RETENUES]
    if not retenus:
        # « delivered », « relayed », « expanded » : un accusé, pas un rebond.
        return None
    # Un échec définitif l'emporte sur un retard dans un même rapport.
    retenus.sort(key=lambda b: _entete(b, "Action").lower() != "failed")
    bloc = retenus[0]
    action = _entete(bloc, "Action").lower()
    destinataire = _adresse_type(
        _entete(bloc, "Final-Recipient") or _entete(bloc, "Original-Recipient")
    )
    diagnostic = _entete(bloc, "Diagnostic-Code")
    _type, _sep, reste = diagnostic.partition(";")
    diagnostic = (reste or diagnostic).strip()
    code = _code_etat(_entete(bloc, "Status"), diagnostic)
    return Rebond(
        destinataire=destinataire,
        action=action,
        code_etat=code,
        diagnostic=diagnostic,
        permanent=action == "failed",
        message_id_origine=_message_id_renvoye(message),
        jeton_verp=_jeton_verp(message),
        envelope_id=envelope_id,
        forme="rfc3464",
    )


# --- Formes non normalisées -----------------------------------------------------------------


def _est_rebond_texte(message: Message, texte: str) -> bool:
    sujet = _entete(message, "Subject")
    expediteur = parseaddr(_entete(message, "From"))[1]
    bas = texte.lower()
    marque = any(m in bas for m in _MARQUES_TEXTE)
    if message.get("X-Failed-Recipients") is not None:
        return True
    if message.get("X-MS-Exchange-Message-Is-Ndr") is not None and marque:
        return True
    venu_du_systeme = bool(_EXPEDITEURS_REBOND.match(expediteur)) or (
        _entete(message, "Return-Path") in ("<>", "") and message.get("Return-Path") is not None
    )
    return marque and (venu_du_systeme or bool(_SUJETS_REBOND.search(sujet)))


def _forme(texte: str, message: Message) -> str:
    bas = texte.lower()
    if "qmail-send" in bas:
        return "qmail"
    if message.get("X-Failed-Recipients") is not None or "the following address(es) failed" in bas:
        return "exim"
    if message.get("X-MS-Exchange-Message-Is-Ndr") is not None or "remote server returned" in bas:
        return "exchange"
    return "texte"


def _rebond_texte(message: Message) -> Rebond | None:
    textes: list[str] = []
    for partie in _parties(message):
        if partie.get_content_maintype() == "text" or partie.get_content_type() == (
            "message/rfc822"
        ):
            textes.append(_texte_partie(partie))
        if sum(len(t) for t in textes) > TAILLE_TEXTE_MAX:
            break
    texte = "\n".join(textes)[:TAILLE_TEXTE_MAX]
    if not _est_rebond_texte(message, texte):
        return None
    # Le rapport s'arrête où commence la copie du message renvoyé.
    coupure = _MARQUES_COPIE.search(texte)
    rapport = texte[: coupure.start()] if coupure else texte
    copie = texte[coupure.start() :] if coupure else ""

    destinataire = ""
    echecs = message.get("X-Failed-Recipients")
    if echecs is not None:
        destinataire = next((a for _n, a in getaddresses([str(echecs)]) if a), "")
    if not destinataire:
        trouve = _ADRESSE_CHEVRONS_DEBUT.search(rapport)
        if trouve:
            destinataire = trouve.group(1)
    if not destinataire:
        propre = parseaddr(_entete(message, "To"))[1].lower()
        for adresse in _ADRESSE.findall(rapport):
            if adresse.lower() != propre and not _EXPEDITEURS_REBOND.match(adresse):
                destinataire = adresse
                break

    diagnostic = ""
    for ligne in rapport.splitlines():
        if _STATUT.search(ligne) or _CODE_SMTP.search(ligne.strip()):
            diagnostic = ligne.strip().strip("'\"")
            break
    diagnostic = re.sub(r"^remote (server returned|host said):?\s*'?", "", diagnostic, flags=re.I)
    code = _code_etat(diagnostic, rapport)
    sujet = _entete(message, "Subject")
    retard = bool(_SUJETS_RETARD.search(sujet)) and "permanent error" not in rapport.lower()
    if code.startswith("4") and "permanent" not in rapport.lower():
        retard = retard or "will be retried" in rapport.lower()
    action = "delayed" if retard else "failed"
    return Rebond(
        destinataire=destinataire[:254],
        action=action,
        code_etat=code,
        diagnostic=_coupe(diagnostic.strip("'\" ")),
        permanent=action == "failed",
        message_id_origine=_message_id(copie) or _message_id_renvoye(message),
        jeton_verp=_jeton_verp(message),
        envelope_id="",
        forme=_forme(texte, message),
    )

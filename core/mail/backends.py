"""Backends de courriel de Django : la boîte de démonstration (`BoiteDemoBackend`) et l'envoi
par `core.mail.envoyer` avec le compte de la plateforme (`EnvoyerBackend`, l'`EMAIL_BACKEND`
par défaut).
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Sequence
from email.mime.base import MIMEBase

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage as DjangoEmailMessage
from django.utils.html import strip_tags

from core.mail.entetes import ENTETES_RESERVES
from core.mail.erreurs import AucunCompte, ErreurEnvoi
from core.mail.outbox import ecrire_boite_demo
from core.mail.services import envoyer

logger = logging.getLogger(__name__)


class BoiteDemoBackend(BaseEmailBackend):
    """Backend Django de la démonstration : chaque courriel devient un .eml dans
    `ECHARPE_BOITE_DEMO` (réinitialisation de mot de passe, etc.)."""

    def send_messages(self, email_messages: Sequence[DjangoEmailMessage]) -> int:
        envoyes = 0
        for email in email_messages:
            if not email.recipients():
                continue
            try:
                ecrire_boite_demo(email.message().as_bytes(linesep="\r\n"))
            except Exception:
                if not self.fail_silently:
                    raise
                continue
            envoyes += 1
        return envoyes


# --- Courriels de la plateforme (EMAIL_BACKEND) ----------------------------------------------


def _corps(email: DjangoEmailMessage) -> tuple[str, str | None]:
    """Texte et HTML (facultatif) d'un message de Django."""
    corps = str(email.body or "")
    if email.content_subtype == "html":
        return strip_tags(corps), corps
    html = None
    for alternative in getattr(email, "alternatives", None) or ():
        contenu, type_mime = alternative[0], alternative[1]
        if type_mime == "text/html":
            html = contenu.decode("utf-8") if isinstance(contenu, bytes) else str(contenu)
            break
    return corps, html


def _pieces_jointes(email: DjangoEmailMessage) -> list[tuple[str, bytes, str]]:
    pieces: list[tuple[str, bytes, str]] = []
    for piece in email.attachments:
        if isinstance(piece, MIMEBase):
            nom = piece.get_filename() or "piece-jointe"
            charge = piece.get_payload(decode=True)
            contenu = charge if isinstance(charge, bytes) else b""
            type_mime = piece.get_content_type()
        else:
            nom, brut, type_mime = piece[0] or "piece-jointe", piece[1], piece[2]
            contenu = brut.encode("utf-8") if isinstance(brut, str) else bytes(brut)
            type_mime = type_mime or mimetypes.guess_type(nom)[0] or "application/octet-stream"
        pieces.append((nom, contenu, type_mime))
    return pieces


def _erreur_neutre(erreur: Exception) -> Exception:
    """Une erreur du même type (et du même code) dont le texte ne dit que ce type et ce code :
    celui de l'erreur d'origine peut citer une adresse (destinataire refusé, adresse invalide,
    réponse du serveur)."""
    code = getattr(erreur, "code", None)
    texte = f"Courriel de plateforme non envoyé : {type(erreur).__name__} (code {code})."
    if isinstance(erreur, AucunCompte):
        return AucunCompte()  # texte fixe, sans adresse
    if isinstance(erreur, ErreurEnvoi):
        return type(erreur)(texte, code=code, incertain=erreur.incertain)
    try:
        neutre = type(erreur)(texte)
    except Exception:
        return ErreurEnvoi(texte)
    return neutre if str(neutre) == texte else ErreurEnvoi(texte)


class EnvoyerBackend(BaseEmailBackend):
    """Backend Django (`EMAIL_BACKEND`) des courriels de la plateforme : réinitialisation du
    mot de passe, erreurs envoyées aux ADMINS…

    Chaque message passe par `envoyer(collectivite=None, expediteur=None, …)`, donc par le
    compte par défaut de la plateforme (`ECHARPE_SMTP_DEFAUT`) : une seule configuration SMTP,
    les mêmes délais, la même traduction des erreurs. L'expéditeur est celui de ce compte
    (`from_email` est ignoré). Les destinataires en copie cachée reçoivent chacun leur propre
    message, pour que leur adresse n'apparaisse nulle part.

    Sans collectivité, aucune ligne `MessageEnvoye` n'est écrite (la collectivité y est
    obligatoire) : le Message-ID et le statut de chaque envoi vont dans les logs.
    """

    def send_messages(self, email_messages: Sequence[DjangoEmailMessage]) -> int:
        envoyes = 0
        for email in email_messages:
            try:
                if self._envoyer(email):
                    envoyes += 1
            except Exception as erreur:
                trace = getattr(erreur, "message_envoye", None)
                logger.warning(
                    "Courriel de plateforme %s non envoyé : %s (code %s)",
                    trace.message_id if trace is not None else "-",
                    type(erreur).__name__,
                    getattr(erreur, "code", None),
                )
                if not self.fail_silently:
                    # Django journalise l'exception (`logger.exception` de la réinitialisation
                    # du mot de passe) : ni adresse, ni réponse du serveur, ni exception liée.
                    raise _erreur_neutre(erreur) from None
        return envoyes

    def _envoyer(self, email: DjangoEmailMessage) -> bool:
        visibles = [*email.to, *email.cc]
        groupes = ([visibles] if visibles else []) + [[adresse] for adresse in email.bcc]
        if not groupes:
            return False
        texte, html = _corps(email)
        pieces = _pieces_jointes(email)
        # From, To, Message-ID… sont écrits par `envoyer` ; les autres en-têtes suivent.
        entetes = {
            nom: str(valeur)
            for nom, valeur in (email.extra_headers or {}).items()
            if nom.lower() not in ENTETES_RESERVES
        }
        for destinataires in groupes:
            trace = envoyer(
                collectivite=None,
                expediteur=None,
                destinataires=destinataires,
                sujet=str(email.subject or ""),
                texte=texte,
                html=html,
                pieces_jointes=pieces,
                reply_to=list(email.reply_to),
                entetes=entetes,
            )
            logger.info(
                "Courriel de plateforme %s : %s (code %s)",
                trace.message_id,
                trace.statut,
                trace.code_smtp,
            )
        return True


__all__ = ["BoiteDemoBackend", "EnvoyerBackend"]

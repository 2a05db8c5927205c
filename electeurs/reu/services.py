"""Écritures de la boîte des notifications du REU : saisie, import du fichier ELIRE, relevé des
courriels, traitement. Chaque écriture est journalisée, avec l'électeur pour sujet quand il est
connu (la chronologie de sa fiche la montre)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import Any, BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.comptes.models import Utilisateur
from core.documents.csv import ErreurCsv, lire_csv, lire_date
from core.journal.services import ElementJournal, journaliser, journaliser_lot
from core.tenancy.models import Collectivite
from electeurs.identite import normaliser
from electeurs.models import Electeur
from electeurs.reu.models import (
    ActionREU,
    EtatNotificationREU,
    NotificationREU,
    SourceNotificationREU,
    TypeNotificationREU,
)
from electeurs.reu.rapprochement import rapprocher, texte_du_courriel, type_devine

TAILLE_TEXTE_MAX = 20_000
LIGNES_MAX = 5_000

# Colonnes du fichier de notifications exporté d'ELIRE (aucun schéma public : en-têtes
# reconnus par leur nom, sans casse ni accents ; voir README « Notifications du REU »).
COLONNES_FICHIER: dict[str, list[str]] = {
    "type": ["type", "type de notification", "nature", "motif"],
    "date": ["date", "date de réception", "date de la notification", "reçue le"],
    "texte": ["texte", "libellé", "message", "détail"],
    "ine": ["INE", "identifiant national électeur", "identifiant national d'électeur"],
    "nom_naissance": ["nom de naissance", "nom"],
    "prenoms": ["prénoms", "prénom"],
    "date_naissance": ["date de naissance"],
}
OBLIGATOIRES_FICHIER = frozenset({"type", "date"})


def _libelles_types() -> dict[str, str]:
    """Libellé ou code normalisé → code du type."""
    correspondance: dict[str, str] = {}
    for code, libelle in TypeNotificationREU.choices:
        correspondance[normaliser(code)] = code
        correspondance[normaliser(str(libelle))] = code
    return correspondance


def _electeur_de(collectivite: Collectivite, electeur: Electeur | None) -> Electeur | None:
    if electeur is not None and electeur.collectivite_id != collectivite.pk:
        raise ValidationError({"electeur": "Cet électeur n'est pas inscrit dans votre commune."})
    return electeur


@transaction.atomic
def notification_saisir(
    *,
    collectivite: Collectivite,
    type: str,
    recue_le: datetime.date,
    texte: str,
    electeur: Electeur | None = None,
    par: Utilisateur,
) -> NotificationREU:
    """Une notification saisie à la main ; sans électeur choisi, le texte est rapproché."""
    ine = ""
    if electeur is None:
        trouve = rapprocher(collectivite=collectivite, texte=texte)
        electeur, ine = trouve.electeur, trouve.ine
    notification = NotificationREU(
        collectivite=collectivite,
        type=type,
        recue_le=recue_le,
        texte=texte.strip(),
        source=SourceNotificationREU.SAISIE,
        electeur=_electeur_de(collectivite, electeur),
        ine=ine,
    )
    notification.full_clean()
    notification.save()
    journaliser(
        action=ActionREU.ELECTEURS_NOTIFICATION_REU_RECUE,
        collectivite=notification.collectivite,
        par=par,
        objet=notification,
        sujet=notification.electeur,
        details={"source": str(SourceNotificationREU.SAISIE.label)},
    )
    return notification


@dataclass
class ResultatImport:
    creees: list[NotificationREU] = field(default_factory=list)

    @property
    def rattachees(self) -> int:
        return sum(1 for n in self.creees if n.electeur_id)


def _erreur(numero: int, colonne: str, texte: str) -> ErreurCsv:
    return ErreurCsv(
        f"Ligne {numero}, colonne « {colonne} » : {texte}", ligne=numero, colonne=colonne
    )


def notifications_importer(
    *, collectivite: Collectivite, fichier: BinaryIO | bytes, par: Utilisateur
) -> ResultatImport:
    """Importe le fichier de notifications exporté d'ELIRE ; tout ou rien.

    Lève `ErreurCsv` (message français, ligne et colonne) à la première erreur : rien n'est
    alors écrit."""
    types = _libelles_types()
    lignes: list[tuple[str, datetime.date, str, str]] = []
    for ligne in lire_csv(fichier, colonnes=COLONNES_FICHIER, obligatoires=OBLIGATOIRES_FICHIER):
        valeurs = ligne.valeurs
        if not any(valeurs.values()):
            continue
        if len(lignes) >= LIGNES_MAX:
            raise ErreurCsv(
                f"Le fichier dépasse {LIGNES_MAX} notifications : découpez-le.", ligne=ligne.numero
            )
        type_brut = valeurs.get("type", "")
        code = types.get(normaliser(type_brut)) if type_brut else TypeNotificationREU.AUTRE
        if code is None:
            raise _erreur(
                ligne.numero,
                "type",
                f"type inconnu « {type_brut[:60]} ». Types acceptés : "
                + ", ".join(f"« {libelle} »" for _c, libelle in TypeNotificationREU.choices)
                + ".",
            )
        try:
            recue_le = lire_date(valeurs.get("date", ""))
        except ValueError as exc:
            raise _erreur(ligne.numero, "date", str(exc)) from None
        naissance = valeurs.get("date_naissance", "")
        if naissance:
            try:
                lire_date(naissance)
            except ValueError as exc:
                raise _erreur(ligne.numero, "date de naissance", str(exc)) from None
        texte = valeurs.get("texte", "")
        if len(texte) > TAILLE_TEXTE_MAX:
            raise _erreur(ligne.numero, "texte", "texte trop long (plus de 20 000 caractères).")
        identite = " ".join(
            v
            for v in (
                valeurs.get("nom_naissance", ""),
                valeurs.get("prenoms", ""),
                naissance,
                f"INE {valeurs['ine']}" if valeurs.get("ine") else "",
            )
            if v
        )
        lignes.append((code, recue_le, texte or str(TypeNotificationREU(code).label), identite))
    if not lignes:
        raise ErreurCsv("Le fichier ne contient aucune notification.")
    resultat = ResultatImport()
    with transaction.atomic():
        for code, recue_le, texte, identite in lignes:
            trouve = rapprocher(collectivite=collectivite, texte=f"{identite}\n{texte}")
            texte_complet = f"{identite}\n{texte}" if identite else texte
            resultat.creees.append(
                NotificationREU.objects.create(
                    collectivite=collectivite,
                    type=code,
                    recue_le=recue_le,
                    texte=texte_complet,
                    source=SourceNotificationREU.FICHIER,
                    electeur=trouve.electeur,
                    ine=trouve.ine,
                )
            )
        # Une entrée par notification (la chronologie de l'électeur la montre), sous un verrou.
        journaliser_lot(
            collectivite=collectivite,
            par=par,
            elements=[
                ElementJournal(
                    action=ActionREU.ELECTEURS_NOTIFICATION_REU_RECUE,
                    objet=n,
                    sujet=n.electeur,
                    details={"source": str(SourceNotificationREU.FICHIER.label)},
                )
                for n in resultat.creees
            ],
        )
    return resultat


def _etat_changer(
    notification: NotificationREU, *, etat: str, deja: str, action: str, par: Utilisateur
) -> NotificationREU:
    """Passe la notification (verrouillée) à `etat`, qui dit par qui et quand elle a été
    traitée ; refuse en français si elle y est déjà."""
    notification = NotificationREU.objects.select_for_update().get(pk=notification.pk)
    if notification.etat == etat:
        raise ValidationError(deja)
    traitee = etat == EtatNotificationREU.TRAITEE
    notification.etat = etat
    notification.traitee_par = par if traitee else None
    notification.traitee_le = timezone.now() if traitee else None
    notification.save(update_fields=["etat", "traitee_par", "traitee_le", "modifie_le"])
    journaliser(
        action=action,
        collectivite=notification.collectivite,
        par=par,
        objet=notification,
        sujet=notification.electeur,
    )
    return notification


@transaction.atomic
def notification_traiter(*, notification: NotificationREU, par: Utilisateur) -> NotificationREU:
    """Marque la notification traitée (par qui, quand)."""
    return _etat_changer(
        notification,
        etat=EtatNotificationREU.TRAITEE,
        deja="Cette notification est déjà traitée.",
        action=ActionREU.ELECTEURS_NOTIFICATION_REU_TRAITEE,
        par=par,
    )


@transaction.atomic
def notification_rouvrir(*, notification: NotificationREU, par: Utilisateur) -> NotificationREU:
    return _etat_changer(
        notification,
        etat=EtatNotificationREU.A_TRAITER,
        deja="Cette notification est déjà à traiter.",
        action=ActionREU.ELECTEURS_NOTIFICATION_REU_ROUVERTE,
        par=par,
    )


@transaction.atomic
def notification_lier(
    *, notification: NotificationREU, electeur: Electeur, par: Utilisateur
) -> NotificationREU:
    """Rattache la notification à un électeur choisi par l'agent."""
    notification.electeur = _electeur_de(notification.collectivite, electeur)
    notification.save(update_fields=["electeur", "modifie_le"])
    journaliser(
        action=ActionREU.ELECTEURS_NOTIFICATION_REU_LIEE,
        collectivite=notification.collectivite,
        par=par,
        objet=notification,
        sujet=notification.electeur,
    )
    return notification


# --- Relevé des courriels -------------------------------------------------------------------


def _expediteur_accepte(message: EmailMessage) -> bool:
    expediteur = str(message.get("From", "")).lower()
    domaines = settings.ECHARPE_REU_DOMAINES_EXPEDITEURS
    adresse = expediteur.rsplit("<", 1)[-1].rstrip(">").strip()
    domaine = adresse.rsplit("@", 1)[-1] if "@" in adresse else ""
    return any(domaine == d or domaine.endswith(f".{d}") for d in domaines)


def _date_du_courriel(message: EmailMessage) -> datetime.date:
    try:
        date = parsedate_to_datetime(str(message["Date"]))
    except (TypeError, ValueError, IndexError):
        return timezone.localdate()
    if timezone.is_naive(date):
        return date.date()
    return timezone.localtime(date).date()


def notification_depuis_courriel(compte: Any, message: EmailMessage) -> bool:
    """Lecteur du courrier entrant (`core.registry.ReceptionCourrier`).

    Prend les avis du REU arrivés dans la boîte du **compte d'envoi de la collectivité** (le
    compte sans agent), envoyés depuis un domaine de l'INSEE (`insee.fr` ; réglage
    `ECHARPE_REU_DOMAINES_EXPEDITEURS`). Tout autre message reste sur le serveur.
    """
    if compte.utilisateur_id is not None or not _expediteur_accepte(message):
        return False
    collectivite = compte.collectivite
    message_id = " ".join(str(message.get("Message-ID", "")).split())[:300]
    if (
        message_id
        and NotificationREU.objects.pour(collectivite).filter(message_id=message_id).exists()
    ):
        return True
    sujet = " ".join(str(message.get("Subject", "")).split())
    corps = texte_du_courriel(message)
    texte = f"{sujet}\n\n{corps}".strip()[:TAILLE_TEXTE_MAX] or "(courriel sans texte)"
    trouve = rapprocher(collectivite=collectivite, texte=texte)
    notification = NotificationREU.objects.create(
        collectivite=collectivite,
        type=type_devine(texte),
        recue_le=_date_du_courriel(message),
        texte=texte,
        source=SourceNotificationREU.COURRIEL,
        electeur=trouve.electeur,
        ine=trouve.ine,
        message_id=message_id,
    )
    journaliser(
        action=ActionREU.ELECTEURS_NOTIFICATION_REU_RECUE,
        collectivite=notification.collectivite,
        par=None,
        objet=notification,
        sujet=notification.electeur,
        details={"source": str(SourceNotificationREU.COURRIEL.label)},
    )
    return True

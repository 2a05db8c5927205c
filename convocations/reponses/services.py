"""Écritures du côté de l'élu : accusé de réception, réponse validée (avec son historique),
pièces jointes, demande d'un nouveau lien. Les pouvoirs sont dans `pouvoirs.py`."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from convocations.models import ActionConvocations
from convocations.reponses.models import PieceReponse
from convocations.reponses.pouvoirs import (
    pouvoir_donner,
    pouvoir_en_vigueur,
    pouvoir_revoquer,
    verrouiller_seance,
)
from convocations.seances.etat import seance_etat_recalculer
from convocations.seances.models import (
    CanalReponse,
    Destinataire,
    EnvoiConvocation,
    EtatSeance,
    MotifEnvoi,
    Presence,
    Reponse,
    Seance,
    TypeSeance,
)
from core.comptes.models import Utilisateur
from core.documents.types import OCTETS_A_LIRE, type_piece
from core.journal.services import journaliser
from core.mail.models import StatutEnvoi
from core.templatetags.echarpe import date_fr
from core.tenancy.models import TypeCollectivite

logger = logging.getLogger(__name__)

OBJECTIF_CONVOCATION = "convocation"


def taille_max_piece() -> int:
    return int(getattr(settings, "ECHARPE_CONVOCATIONS_PIECE_MAX", 10 * 1024 * 1024))


# --- Règles de lecture ------------------------------------------------------------------------


def moment_fr(moment: datetime) -> str:
    """« 12/12/2026 à 18 h 30 », heure de Paris."""
    return date_fr(moment)


def reponses_jusqu_au(seance: Seance) -> datetime:
    """Jusqu'à quand l'élu peut répondre : la date fixée par l'agent, sinon l'heure de la séance."""
    return seance.reponses_jusqu_au or seance.date


def reponses_ouvertes(seance: Seance, *, maintenant: datetime | None = None) -> bool:
    """L'élu peut encore répondre ou changer sa réponse."""
    maintenant = maintenant or timezone.now()
    return not seance.classee and maintenant < reponses_jusqu_au(seance)


def presences_possibles(destinataire: Destinataire) -> list[tuple[str, str]]:
    """Les réponses proposées à ce destinataire, dans l'ordre du formulaire."""
    seance = destinataire.seance
    choix = [(Presence.PRESENT.value, "Je serai présent(e)")]
    if seance.distanciel_autorise:
        choix.append((Presence.PRESENT_DISTANCE.value, "Je serai présent(e) à distance"))
    choix.append((Presence.ABSENT.value, "Je serai absent(e)"))
    if destinataire.membre:
        choix.append(
            (Presence.POUVOIR.value, "Je serai absent(e) et je donne pouvoir à un autre membre")
        )
        if suppleance_possible(seance):
            choix.append((Presence.SUPPLEANT.value, "Je serai remplacé(e) par mon suppléant"))
    return choix


def suppleance_possible(seance: Seance) -> bool:
    """Le suppléant ne siège qu'au conseil d'un EPCI (CGCT L5211-6)."""
    return (
        seance.type == TypeSeance.CONSEIL_COMMUNAUTAIRE
        or seance.collectivite.type == TypeCollectivite.EPCI
    )


# --- Accusé de réception ---------------------------------------------------------------------


@transaction.atomic
def accuse_reception(
    *, destinataire: Destinataire, par: Utilisateur | None, canal: str
) -> Destinataire:
    """Enregistre l'accusé de réception (une fois : la première date fait foi) et recalcule
    l'état de la séance (envoyée → reçue partiellement → reçue)."""
    maintenant = timezone.now()
    modifies = Destinataire.objects.filter(pk=destinataire.pk, lu_le__isnull=True).update(
        lu_le=maintenant, modifie_le=maintenant
    )
    destinataire.refresh_from_db(fields=["lu_le"])
    if modifies:
        seance_etat_recalculer(seance=destinataire.seance)
        journaliser(
            action=ActionConvocations.CONVOCATIONS_ACCUSE_RECEPTION,
            collectivite=destinataire.collectivite,
            par=par,
            objet=destinataire,
            sujet=destinataire.seance,
            details={"canal": canal},
        )
    return destinataire


# --- Pièces jointes --------------------------------------------------------------------------


def piece_verifier(fichier: Any) -> tuple[str, str]:
    """(extension, type de contenu) d'une pièce jointe à une réponse (un pouvoir signé, un
    certificat) ; `ValidationError` en français."""
    if fichier.size == 0:
        raise ValidationError("Le fichier est vide.")
    if fichier.size > taille_max_piece():
        raise ValidationError(
            f"Le fichier dépasse {taille_max_piece() // (1024 * 1024)} Mo : réduisez-le "
            "(une photo moins grande, un PDF compressé)."
        )
    debut = fichier.read(OCTETS_A_LIRE)
    fichier.seek(0)
    reconnu = type_piece(debut)
    if reconnu is None:
        raise ValidationError("Joignez un fichier PDF, PNG ou JPEG.")
    type_contenu, extension = reconnu
    return extension, type_contenu


@transaction.atomic
def piece_deposer(*, destinataire: Destinataire, fichier: Any) -> PieceReponse:
    """Garde un fichier joint en attente de validation. Les pièces d'un dépôt précédent jamais
    validé sont supprimées : seule la dernière saisie compte."""
    extension, type_contenu = piece_verifier(fichier)
    for ancienne in PieceReponse.objects.filter(destinataire=destinataire, reponse__isnull=True):
        ancienne.fichier.delete(save=False)
        ancienne.delete()
    nom = str(getattr(fichier, "name", "") or f"piece.{extension}")[-200:]
    fichier.name = f"{secrets.token_hex(16)}.{extension}"
    piece = PieceReponse(
        collectivite_id=destinataire.collectivite_id,
        destinataire=destinataire,
        fichier=fichier,
        nom_fichier=nom,
        type_contenu=type_contenu,
        taille=fichier.size,
    )
    piece.save()
    return piece


# --- Réponse ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReponseSaisie:
    """Ce que l'élu (ou l'agent) a saisi, avant validation : gardé en session entre les deux
    étapes (des identifiants et du texte, jamais un fichier)."""

    presence: str
    commentaire: str = ""
    mandataire_id: int | None = None
    piece_id: int | None = None
    exception_maladie: bool = False
    justification: str = ""

    def en_session(self) -> dict[str, Any]:
        return {
            "presence": self.presence,
            "commentaire": self.commentaire,
            "mandataire_id": self.mandataire_id,
            "piece_id": self.piece_id,
            "exception_maladie": self.exception_maladie,
            "justification": self.justification,
        }

    @classmethod
    def depuis_session(cls, donnees: Any) -> ReponseSaisie | None:
        if not isinstance(donnees, dict) or not isinstance(donnees.get("presence"), str):
            return None
        return cls(
            presence=donnees["presence"],
            commentaire=str(donnees.get("commentaire") or ""),
            mandataire_id=donnees.get("mandataire_id")
            if isinstance(donnees.get("mandataire_id"), int)
            else None,
            piece_id=donnees.get("piece_id") if isinstance(donnees.get("piece_id"), int) else None,
            exception_maladie=bool(donnees.get("exception_maladie")),
            justification=str(donnees.get("justification") or ""),
        )


def _mandataire(destinataire: Destinataire, mandataire_id: int | None) -> Destinataire | None:
    if mandataire_id is None:
        return None
    return (
        Destinataire.objects.filter(seance_id=destinataire.seance_id, pk=mandataire_id)
        .select_related("seance")
        .first()
    )


def reponse_enregistrer(
    *,
    destinataire: Destinataire,
    saisie: ReponseSaisie,
    canal: str,
    par: Utilisateur | None,
    maintenant: datetime | None = None,
) -> Reponse:
    """Enregistre une réponse validée : l'historique (`Reponse`), la réponse en vigueur du
    destinataire, le pouvoir (donné, changé ou révoqué). `ValidationError` en français sinon.

    L'élu répond jusqu'à la date limite ; l'agent (canal « agent ») jusqu'au classement de la
    séance : il peut avoir à noter un pouvoir remis à l'entrée de la salle.
    """
    maintenant = maintenant or timezone.now()
    par_agent = canal == CanalReponse.AGENT
    with transaction.atomic():
        seance = verrouiller_seance(destinataire.seance_id)
        destinataire = Destinataire.objects.select_related("seance__collectivite").get(
            pk=destinataire.pk
        )
        if seance.etat == EtatSeance.BROUILLON:
            raise ValidationError("Cette séance n'a pas encore été envoyée.")
        if seance.classee:
            raise ValidationError("Cette séance est classée : les réponses ne changent plus.")
        if not par_agent and not reponses_ouvertes(seance, maintenant=maintenant):
            raise ValidationError(
                f"Les réponses étaient possibles jusqu'au {moment_fr(reponses_jusqu_au(seance))}."
                " Pour un changement, contactez votre mairie."
            )
        if saisie.presence not in dict(presences_possibles(destinataire)):
            raise ValidationError({"presence": "Choisissez une des réponses proposées."})
        mandataire = _mandataire(destinataire, saisie.mandataire_id)
        if saisie.presence == Presence.POUVOIR and mandataire is None:
            raise ValidationError({"mandataire": "Choisissez le membre qui votera pour vous."})
        actuel = pouvoir_en_vigueur(destinataire)
        garde = (
            actuel is not None
            and saisie.presence == Presence.POUVOIR
            and mandataire is not None
            and actuel.mandataire_id == mandataire.pk
        )
        if actuel is not None and not garde:
            pouvoir_revoquer(pouvoir=actuel, par=par)
        if saisie.presence == Presence.POUVOIR and not garde:
            assert mandataire is not None
            pouvoir_donner(
                mandant=destinataire,
                mandataire=mandataire,
                par=par,
                par_agent=par_agent,
                exception_maladie=saisie.exception_maladie,
                justification=saisie.justification,
            )
        reponse = Reponse.objects.create(
            collectivite_id=destinataire.collectivite_id,
            destinataire=destinataire,
            presence=saisie.presence,
            commentaire=saisie.commentaire.strip(),
            mandataire=mandataire if saisie.presence == Presence.POUVOIR else None,
            canal=canal,
            par=par,
        )
        if saisie.piece_id is not None:
            PieceReponse.objects.filter(
                pk=saisie.piece_id, destinataire=destinataire, reponse__isnull=True
            ).update(reponse=reponse)
        destinataire.presence = saisie.presence
        destinataire.reponse_le = maintenant
        destinataire.reponse_commentaire = reponse.commentaire
        destinataire.save(
            update_fields=["presence", "reponse_le", "reponse_commentaire", "modifie_le"]
        )
        journaliser(
            action=ActionConvocations.CONVOCATIONS_REPONSE_ENREGISTREE,
            collectivite=seance.collectivite,
            par=par,
            objet=reponse,
            sujet=seance,
            details={"presence": saisie.presence, "canal": canal},
        )
    return reponse


# --- Nouveau lien ----------------------------------------------------------------------------

# Un nouveau lien se demande pour les séances envoyées depuis moins de ce délai ou à venir.
FENETRE_NOUVEAU_LIEN = timedelta(days=90)


def nouveau_lien_demander(*, email: str, maintenant: datetime | None = None) -> list[int]:
    """Demande d'un nouveau lien de convocation (page d'un lien périmé) : pour chaque séance
    envoyée, récente ou à venir, dont cette adresse est destinataire, un nouvel envoi « en
    attente » (motif « nouvel envoi ») ; l'envoi en nombre des convocations le prend et crée le
    nouveau lien, qui remplace l'ancien. Rien ne dit à l'appelant si l'adresse est connue :
    la page répond toujours la même chose. Rend les identifiants des destinataires concernés.

    Au plus un envoi en attente par destinataire : redemander ne multiplie pas les courriels.
    """
    maintenant = maintenant or timezone.now()
    email = (email or "").strip()
    if not email:
        return []
    destinataires = list(
        Destinataire.objects.filter(
            email__iexact=email,
            seance__date__gte=maintenant - FENETRE_NOUVEAU_LIEN,
            nombre_envois__gt=0,
        )
        .exclude(seance__etat=EtatSeance.BROUILLON)
        .select_related("seance", "collectivite")
    )
    concernes: list[int] = []
    for destinataire in destinataires:
        with transaction.atomic():
            Destinataire.objects.select_for_update().filter(pk=destinataire.pk).first()
            if EnvoiConvocation.objects.filter(
                destinataire=destinataire, statut=StatutEnvoi.EN_ATTENTE
            ).exists():
                continue
            envoi = EnvoiConvocation.objects.create(
                collectivite_id=destinataire.collectivite_id,
                destinataire=destinataire,
                motif=MotifEnvoi.RELANCE,
            )
            journaliser(
                action=ActionConvocations.CONVOCATIONS_NOUVEAU_LIEN_DEMANDE,
                collectivite=destinataire.collectivite,
                objet=envoi,
                sujet=destinataire.seance,
            )
        concernes.append(destinataire.pk)
    return concernes

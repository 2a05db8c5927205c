"""Écritures de l'envoi : convocation, nouvel envoi, notification du procès-verbal, « non
reçu », envoi papier, abonnement au résumé. Chaque service crée des `EnvoiConvocation`
(« en attente ») dans la transaction de la vue et les met en file après le commit : le
worker les envoie par `core.mail.lots` (jamais deux fois, incertain montré à l'agent)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from convocations.envoi.garde import envoi_autorise
from convocations.envoi.models import AbonnementResume, ActionEnvoi
from convocations.envoi.tasks import convocations_envoyer_task
from convocations.seances.etat import seance_etat_recalculer
from convocations.seances.models import (
    Destinataire,
    DocumentSeance,
    EnvoiConvocation,
    EtatSeance,
    MotifEnvoi,
    NatureDocument,
    Seance,
)
from convocations.seances.services import adresses_lire, destinataires_ajouter
from core.comptes.models import Utilisateur
from core.journal.services import journaliser
from core.mail.lots import lot_mettre_en_file
from core.mail.models import StatutEnvoi
from core.templatetags.echarpe import pluriel

EN_VOL = (StatutEnvoi.EN_ATTENTE, StatutEnvoi.EN_COURS)


def _sans_envoi_en_vol(destinataires: QuerySet[Destinataire]) -> QuerySet[Destinataire]:
    """Écarte qui a déjà un courriel en attente ou en cours : un double clic, ou deux agents en
    même temps, n'en mettent pas un second en file."""
    en_vol = EnvoiConvocation.objects.filter(destinataire=OuterRef("pk"), statut__in=EN_VOL)
    return destinataires.exclude(Exists(en_vol))


def _verrouiller(seance: Seance) -> Seance:
    return Seance.objects.select_for_update().select_related("collectivite").get(pk=seance.pk)


def _mettre_en_file(
    *, seance: Seance, destinataire_ids: Iterable[int], motif: str, par: Utilisateur | None
) -> list[int]:
    envois = EnvoiConvocation.objects.bulk_create(
        [
            EnvoiConvocation(
                collectivite_id=seance.collectivite_id,
                destinataire_id=pk,
                motif=motif,
                par=par,
            )
            for pk in destinataire_ids
        ],
        batch_size=1000,
    )
    ids = [int(envoi.pk) for envoi in envois]
    lot_mettre_en_file(ids=ids, tache=convocations_envoyer_task)
    return ids


@transaction.atomic
def convocation_envoyer(
    *, seance: Seance, par: Utilisateur, maintenant: datetime | None = None
) -> int:
    """Envoie la convocation à chaque destinataire qui ne l'a pas encore reçue (premier envoi,
    ou destinataires ajoutés depuis). Refuse ce que refuse la garde du délai (classée, passée,
    dernier jour légal dépassé sans urgence). Rend le nombre de courriels mis en file."""
    maintenant = maintenant or timezone.now()
    seance = _verrouiller(seance)
    autorise, message = envoi_autorise(seance=seance, maintenant=maintenant)
    if not autorise:
        raise ValidationError(message)
    # Copie et copie cachée : chaque adresse reçoit son propre exemplaire, avec son lien et son
    # suivi (un message par destinataire : personne ne voit les autres adresses).
    copies = adresses_lire(seance.copie) + adresses_lire(seance.copie_cachee)
    if copies:
        destinataires_ajouter(seance=seance, par=par, adresses=copies)
    deja = EnvoiConvocation.objects.filter(destinataire=OuterRef("pk")).exclude(
        statut=StatutEnvoi.ECHEC
    )
    a_envoyer = list(
        Destinataire.objects.filter(seance=seance)
        .exclude(Exists(deja))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not a_envoyer:
        raise ValidationError(
            "Tous les destinataires ont déjà reçu la convocation. Pour écrire de nouveau à "
            "quelqu'un, utilisez « Envoyer à nouveau »."
            if Destinataire.objects.filter(seance=seance).exists()
            else "Ajoutez d'abord des destinataires à la séance."
        )
    premier = seance.etat == EtatSeance.BROUILLON
    if premier:
        seance.etat = EtatSeance.ENVOYEE
    seance.envoyee_le = seance.envoyee_le or maintenant
    seance.save(update_fields=["etat", "envoyee_le", "modifie_le"])
    ids = _mettre_en_file(
        seance=seance, destinataire_ids=a_envoyer, motif=MotifEnvoi.CONVOCATION, par=par
    )
    details: dict[str, object] = {"destinataires": len(ids)}
    if seance.urgence:
        details["urgence"] = seance.urgence_justification
    journaliser(
        action=ActionEnvoi.CONVOCATIONS_SEANCE_ENVOYEE,
        collectivite=seance.collectivite,
        par=par,
        objet=seance,
        sujet=seance,
        details=details,
    )
    return len(ids)


def _seance_ouverte(seance: Seance) -> None:
    if seance.classee:
        raise ValidationError("Cette séance est classée : elle est en lecture seule.")
    if seance.etat == EtatSeance.BROUILLON:
        raise ValidationError("La convocation n'est pas encore partie : envoyez-la d'abord.")


@transaction.atomic
def convocation_renvoyer(
    *, seance: Seance, par: Utilisateur, destinataire: Destinataire | None = None
) -> int:
    """« Envoyer à nouveau » : à un destinataire, ou (sans destinataire) à tous ceux qui n'ont
    pas accusé réception. Chaque nouvel envoi porte un nouveau lien, qui remplace l'ancien.
    Rend le nombre de courriels mis en file."""
    seance = _verrouiller(seance)
    _seance_ouverte(seance)
    cibles = Destinataire.objects.filter(seance=seance)
    if destinataire is not None:
        cibles = cibles.filter(pk=destinataire.pk)
        if not cibles.exists():
            raise ValidationError("Ce destinataire n'est pas convoqué à cette séance.")
        if not _sans_envoi_en_vol(cibles).exists():
            raise ValidationError(
                f"Un courriel à {destinataire} est déjà en cours d'envoi : attendez qu'il parte."
            )
    else:
        cibles = cibles.filter(lu_le__isnull=True)
    ids = list(_sans_envoi_en_vol(cibles).order_by("pk").values_list("pk", flat=True))
    if not ids:
        raise ValidationError("Tous les destinataires ont accusé réception : personne à relancer.")
    # Le rebond concernait l'ancien courriel : le nouveau dira le sien.
    Destinataire.objects.filter(pk__in=ids).update(rebondi_le=None, rebond_motif="")
    envois = _mettre_en_file(seance=seance, destinataire_ids=ids, motif=MotifEnvoi.RELANCE, par=par)
    journaliser(
        action=ActionEnvoi.CONVOCATIONS_CONVOCATION_RENVOYEE,
        collectivite=seance.collectivite,
        par=par,
        objet=destinataire or seance,
        sujet=seance,
        details={"destinataires": len(envois)},
    )
    return len(envois)


def relance_non_lus(*, seance: Seance, par: Utilisateur) -> int:
    """Action groupée de la liste des séances : relancer ceux qui n'ont pas lu."""
    return convocation_renvoyer(seance=seance, par=par)


@transaction.atomic
def seance_notifier(*, seance: Seance, par: Utilisateur) -> int:
    """« Notifier à nouveau » après la séance : un courriel à chaque destinataire, par un lien
    neuf, pour lire le procès-verbal ou le compte rendu."""
    seance = _verrouiller(seance)
    _seance_ouverte(seance)
    if not DocumentSeance.objects.filter(
        seance=seance, nature__in=[NatureDocument.PROCES_VERBAL, NatureDocument.COMPTE_RENDU]
    ).exists():
        raise ValidationError("Ajoutez d'abord le procès-verbal ou le compte rendu de la séance.")
    ids = list(
        _sans_envoi_en_vol(Destinataire.objects.filter(seance=seance))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        raise ValidationError("Un courriel est déjà en cours d'envoi à chaque destinataire.")
    envois = _mettre_en_file(
        seance=seance, destinataire_ids=ids, motif=MotifEnvoi.NOTIFICATION, par=par
    )
    journaliser(
        action=ActionEnvoi.CONVOCATIONS_SEANCE_NOTIFIEE,
        collectivite=seance.collectivite,
        par=par,
        objet=seance,
        sujet=seance,
        details={"destinataires": len(envois)},
    )
    return len(envois)


@transaction.atomic
def destinataire_non_recu(*, destinataire: Destinataire, par: Utilisateur) -> Destinataire:
    """« Définir comme non reçu » : l'accusé de réception est retiré (l'élu dit ne pas avoir
    reçu la convocation) ; la séance redevient « reçue partiellement » ou « envoyée »."""
    destinataire = (
        Destinataire.objects.select_for_update().select_related("seance").get(pk=destinataire.pk)
    )
    if destinataire.seance.classee:
        raise ValidationError("Cette séance est classée : elle est en lecture seule.")
    if destinataire.lu_le is None:
        raise ValidationError(f"{destinataire} n'a pas accusé réception : rien à retirer.")
    ancien = destinataire.lu_le
    destinataire.lu_le = None
    destinataire.save(update_fields=["lu_le", "modifie_le"])
    seance_etat_recalculer(seance=destinataire.seance)
    journaliser(
        action=ActionEnvoi.CONVOCATIONS_NON_RECU,
        collectivite=destinataire.collectivite,
        par=par,
        objet=destinataire,
        sujet=destinataire.seance,
        details={"accuse_retire": ancien.isoformat()},
    )
    return destinataire


@transaction.atomic
def papier_enregistrer(
    *, destinataire: Destinataire, le: date, par: Utilisateur, aujourd_hui: date | None = None
) -> Destinataire:
    """Envoi papier (CGCT L2121-10 : à la demande de l'élu, à son domicile ou à une autre
    adresse), avec la date de la remise ou de l'envoi."""
    aujourd_hui = aujourd_hui or timezone.localdate()
    destinataire = (
        Destinataire.objects.select_for_update().select_related("seance").get(pk=destinataire.pk)
    )
    if destinataire.seance.classee:
        raise ValidationError("Cette séance est classée : elle est en lecture seule.")
    if le > aujourd_hui:
        raise ValidationError("La date de l'envoi papier ne peut pas être dans le futur.")
    destinataire.papier = True
    destinataire.papier_le = le
    destinataire.save(update_fields=["papier", "papier_le", "modifie_le"])
    seance_etat_recalculer(seance=destinataire.seance)
    journaliser(
        action=ActionEnvoi.CONVOCATIONS_PAPIER,
        collectivite=destinataire.collectivite,
        par=par,
        objet=destinataire,
        sujet=destinataire.seance,
        details={"le": le.isoformat()},
    )
    return destinataire


@transaction.atomic
def resume_abonner(*, collectivite_id: int, par: Utilisateur, actif: bool) -> str:
    """Abonne (ou désabonne) l'agent au résumé quotidien des nouvelles réponses ; rend le
    message à afficher."""
    existant = AbonnementResume.objects.filter(collectivite_id=collectivite_id, utilisateur=par)
    objet: AbonnementResume | None
    if actif:
        abonnement, cree = AbonnementResume.objects.get_or_create(
            collectivite_id=collectivite_id, utilisateur=par
        )
        message = "Vous recevrez chaque jour, par courriel, les nouvelles réponses des élus."
        objet = abonnement
    else:
        cree = existant.exists()
        objet = existant.first()
        existant.delete()
        message = "Vous ne recevrez plus le résumé quotidien des réponses."
    if cree and objet is not None:
        journaliser(
            action=ActionEnvoi.CONVOCATIONS_RESUME_ABONNEMENT,
            collectivite=objet.collectivite,
            par=par,
            objet=par,
            sujet=par,
            details={"abonne": actif},
        )
    return message


def message_mis_en_file(n: int) -> str:
    return f"{pluriel(n, 'courriel mis', 'courriels mis')} en file d'envoi."

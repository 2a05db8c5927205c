"""Écritures de la procédure (L18, L19) : chaque étape vérifie l'état du mouvement, calcule la
date limite suivante avec le délai daté en vigueur, applique la décision à l'électeur et
journalise avec `sujet=electeur` (la chronologie de la fiche la montre).

Une étape demandée hors de son ordre lève `ValidationError` avec un message en français :
la vue le rend sous le formulaire, jamais une erreur 500.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from core.comptes.models import Utilisateur
from core.journal.services import ElementJournal, journaliser, journaliser_lot
from core.tenancy.models import Collectivite
from electeurs.models import (
    ActionElecteurs,
    BureauDeVote,
    Electeur,
    InscriptionListe,
    StatutElecteur,
    TypeListe,
)
from electeurs.procedure import delais
from electeurs.procedure.models import (
    ActionProcedure,
    Avis,
    Canal,
    Decision,
    DecisionCommission,
    Delegation,
    Etape,
    EtatMouvement,
    MembreCommission,
    Mouvement,
    OrigineMouvement,
    Piece,
    ReunionCommission,
    TypeEtape,
    TypeMouvement,
    TypePiece,
)

# --- Outils communs -------------------------------------------------------------------------


def _aujourdhui() -> date:
    return timezone.localdate()


def _pas_dans_le_futur(champ: str, valeur: date, libelle: str) -> None:
    if valeur > _aujourdhui():
        raise ValidationError({champ: f"{libelle} ne peut pas être dans le futur."})


def _pas_avant(champ: str, valeur: date, reference: date | None, libelle: str) -> None:
    if reference is not None and valeur < reference:
        raise ValidationError({champ: f"{libelle} ne peut pas précéder le {reference:%d/%m/%Y}."})


def _verrouiller(mouvement: Mouvement) -> Mouvement:
    """Relit le mouvement sous verrou : deux agents ne passent pas la même étape deux fois."""
    return Mouvement.objects.select_for_update().get(pk=mouvement.pk)


def _exiger_etat(mouvement: Mouvement, *etats: EtatMouvement, action: str) -> None:
    if mouvement.etat not in etats:
        raise ValidationError(
            f"Vous ne pouvez pas {action} : le mouvement est à l'étape « "
            f"{mouvement.get_etat_display()} »."
        )


def _etape(
    mouvement: Mouvement,
    *,
    type: TypeEtape,
    date: date,
    par: Utilisateur | None,
    avis: str = "",
    canal: str = "",
    numero_lrar: str = "",
    texte: str = "",
) -> Etape:
    etape = Etape(
        collectivite_id=mouvement.collectivite_id,
        mouvement=mouvement,
        type=type,
        date=date,
        avis=avis,
        canal=canal,
        numero_lrar=numero_lrar.strip(),
        texte=texte.strip(),
        par=par,
    )
    etape.full_clean(exclude=["collectivite", "mouvement", "par"])
    etape.save()
    return etape


def _journal(
    mouvement: Mouvement, action: str, par: Utilisateur | None, **details: Any
) -> ElementJournal:
    return ElementJournal(
        action=action,
        objet=mouvement,
        sujet=mouvement.electeur,
        details={"mouvement": mouvement.pk, **{k: v for k, v in details.items() if v}},
    )


def _canal(canal: str, numero_lrar: str) -> None:
    if canal not in Canal.values:
        raise ValidationError({"canal": "Choisissez le canal de la notification."})
    if canal == Canal.LRAR and not numero_lrar.strip():
        raise ValidationError(
            {"numero_lrar": "Indiquez le numéro du recommandé : il prouve la notification."}
        )


# --- Application d'une décision à l'électeur ------------------------------------------------


def _inscrire(
    electeur: Electeur,
    *,
    liste: str,
    le: date,
    mouvement: Mouvement,
    bureau: BureauDeVote | None = None,
) -> ElementJournal:
    inscription, cree = InscriptionListe.objects.get_or_create(
        electeur=electeur,
        type_liste=liste,
        defaults={"collectivite_id": electeur.collectivite_id, "bureau": bureau},
    )
    if not cree and bureau is not None and inscription.bureau_id != bureau.pk:
        inscription.bureau = bureau
        inscription.save(update_fields=["bureau", "modifie_le"])
    if electeur.statut != StatutElecteur.INSCRIT:
        electeur.statut = StatutElecteur.INSCRIT
        electeur.date_inscription = le
    electeur.date_radiation = None
    electeur.motif_radiation = ""
    electeur.save(update_fields=["statut", "date_inscription", "date_radiation", "motif_radiation"])
    return ElementJournal(
        action=ActionProcedure.ELECTEUR_INSCRIT,
        objet=electeur,
        sujet=electeur,
        details={"liste": TypeListe(liste).label, "mouvement": mouvement.pk, "le": le},
    )


def _radier(
    electeur: Electeur, *, liste: str, le: date, motif: str, mouvement: Mouvement
) -> ElementJournal:
    InscriptionListe.objects.filter(electeur=electeur, type_liste=liste).delete()
    if not InscriptionListe.objects.filter(electeur=electeur).exists():
        electeur.statut = StatutElecteur.RADIE
        electeur.date_radiation = le
        electeur.motif_radiation = motif[:200]
        electeur.save(update_fields=["statut", "date_radiation", "motif_radiation"])
    return ElementJournal(
        action=ActionProcedure.ELECTEUR_RADIE,
        objet=electeur,
        sujet=electeur,
        details={"liste": TypeListe(liste).label, "mouvement": mouvement.pk, "le": le},
    )


def avis_de_la_decision(mouvement: Mouvement) -> str:
    """L'avis que demande la décision du maire (EL-22 : toute décision est notifiée)."""
    favorable = mouvement.decision == Decision.FAVORABLE
    return {
        TypeMouvement.INSCRIPTION: (Avis.INSCRIPTION, Avis.REFUS_INSCRIPTION),
        TypeMouvement.MODIFICATION: (Avis.MODIFICATION, Avis.REFUS_MODIFICATION),
        TypeMouvement.RADIATION: (Avis.RADIATION, Avis.MAINTIEN),
    }[TypeMouvement(mouvement.type)][0 if favorable else 1]


# --- Demandes -------------------------------------------------------------------------------


@transaction.atomic
def mouvement_enregistrer(
    *,
    collectivite: Collectivite,
    electeur: Electeur,
    type: str,
    liste: str,
    origine: str,
    recue_le: date,
    motif: str = "",
    par: Utilisateur | None,
) -> Mouvement:
    """Enregistre une demande (à décider sous 5 jours, L18 I) ou un mouvement décidé ailleurs
    (INSEE, tribunal : enregistré clos, pour la commission de contrôle et la fiche)."""
    if electeur.collectivite_id != collectivite.pk:
        raise ValidationError("Cet électeur n'appartient pas à la collectivité.")
    if origine == OrigineMouvement.OFFICE and type == TypeMouvement.RADIATION:
        raise ValidationError("Une radiation par le maire commence par une intention de radiation.")
    if origine == OrigineMouvement.COMMISSION:
        raise ValidationError("Une décision de la commission s'enregistre depuis sa réunion.")
    _pas_dans_le_futur("recue_le", recue_le, "La date de réception")
    mouvement = Mouvement(
        collectivite=collectivite,
        electeur=electeur,
        type=type,
        liste=liste,
        origine=origine,
        recue_le=recue_le,
        motif=motif.strip(),
    )
    if origine in (OrigineMouvement.INSEE, OrigineMouvement.TRIBUNAL):
        mouvement.etat = EtatMouvement.CLOS
    else:
        mouvement.etat = EtatMouvement.A_DECIDER
        mouvement.echeance = delais.date_limite(
            delais.DECISION, depart=recue_le, collectivite=collectivite
        )
    mouvement.full_clean(exclude=["collectivite", "electeur"])
    mouvement.save()
    _etape(mouvement, type=TypeEtape.RECEPTION, date=recue_le, par=par, texte=motif)
    journaliser(
        action=ActionProcedure.DEMANDE_RECUE,
        collectivite=collectivite,
        par=par,
        objet=mouvement,
        sujet=electeur,
        details={"recue_le": recue_le, "liste": TypeListe(liste).label},
    )
    return mouvement


@transaction.atomic
def demande_inscription_enregistrer(
    *,
    collectivite: Collectivite,
    electeur: Electeur,
    liste: str,
    recue_le: date,
    motif: str = "",
    par: Utilisateur | None,
) -> Mouvement:
    """Nouvelle demande d'inscription : l'électeur (pas encore enregistré) entre « en
    instance », et la demande attend la décision du maire."""
    electeur.collectivite = collectivite
    electeur.statut = StatutElecteur.EN_INSTANCE
    electeur.full_clean(exclude=["collectivite"])
    electeur.save()
    journaliser(
        action=ActionElecteurs.ELECTEUR_CREE,
        collectivite=collectivite,
        par=par,
        objet=electeur,
        sujet=electeur,
    )
    return mouvement_enregistrer(
        collectivite=collectivite,
        electeur=electeur,
        type=TypeMouvement.INSCRIPTION,
        liste=liste,
        origine=OrigineMouvement.DEMANDE,
        recue_le=recue_le,
        motif=motif,
        par=par,
    )


# --- Radiation par le maire : procédure contradictoire (L18 II, R12) ------------------------


@transaction.atomic
def intention_radiation_envoyer(
    *,
    collectivite: Collectivite,
    electeur: Electeur,
    liste: str,
    motif: str,
    envoyee_le: date,
    canal: str,
    numero_lrar: str = "",
    par: Utilisateur | None,
) -> Mouvement:
    """Ouvre une radiation par le maire : l'avis d'intention, avec ses motifs (EL-31)."""
    if electeur.collectivite_id != collectivite.pk:
        raise ValidationError("Cet électeur n'appartient pas à la collectivité.")
    if not motif.strip():
        raise ValidationError({"motif": "Indiquez les motifs de la radiation envisagée."})
    if not InscriptionListe.objects.filter(electeur=electeur, type_liste=liste).exists():
        raise ValidationError(
            {"liste": f"Cet électeur n'est pas inscrit sur la {TypeListe(liste).label.lower()}."}
        )
    if Mouvement.objects.filter(
        electeur=electeur,
        liste=liste,
        type=TypeMouvement.RADIATION,
        etat__in=[EtatMouvement.INTENTION, EtatMouvement.DECIDEE],
    ).exists():
        raise ValidationError("Une radiation de cet électeur est déjà en cours sur cette liste.")
    _pas_dans_le_futur("envoyee_le", envoyee_le, "La date d'envoi")
    _canal(canal, numero_lrar)
    mouvement = Mouvement(
        collectivite=collectivite,
        electeur=electeur,
        type=TypeMouvement.RADIATION,
        liste=liste,
        origine=OrigineMouvement.OFFICE,
        recue_le=envoyee_le,
        motif=motif.strip(),
        etat=EtatMouvement.INTENTION,
        intention_envoyee_le=envoyee_le,
    )
    mouvement.full_clean(exclude=["collectivite", "electeur"])
    mouvement.save()
    _etape(
        mouvement,
        type=TypeEtape.INTENTION,
        date=envoyee_le,
        par=par,
        avis=Avis.INTENTION_RADIATION,
        canal=canal,
        numero_lrar=numero_lrar,
        texte=motif,
    )
    journaliser_lot(
        collectivite=collectivite,
        par=par,
        elements=[
            _journal(mouvement, ActionProcedure.INTENTION_ENVOYEE, par, envoyee_le=envoyee_le)
        ],
    )
    return mouvement


@transaction.atomic
def intention_reception_enregistrer(
    *, mouvement: Mouvement, recue_le: date, par: Utilisateur | None
) -> Mouvement:
    """R12 : les 15 jours d'observations courent de la réception du courrier, pas de l'envoi."""
    mouvement = _verrouiller(mouvement)
    _exiger_etat(mouvement, EtatMouvement.INTENTION, action="enregistrer la réception")
    if mouvement.intention_recue_le is not None:
        raise ValidationError("La réception de l'intention de radiation est déjà enregistrée.")
    if mouvement.npai_le is not None:
        raise ValidationError("Le pli est revenu NPAI : il n'a pas été reçu.")
    _pas_dans_le_futur("recue_le", recue_le, "La date de réception")
    _pas_avant("recue_le", recue_le, mouvement.intention_envoyee_le, "La date de réception")
    mouvement.intention_recue_le = recue_le
    mouvement.fin_observations = delais.date_limite(
        delais.OBSERVATIONS, depart=recue_le, collectivite=mouvement.collectivite
    )
    mouvement.save(update_fields=["intention_recue_le", "fin_observations", "modifie_le"])
    _etape(mouvement, type=TypeEtape.INTENTION_RECUE, date=recue_le, par=par)
    journaliser_lot(
        collectivite=mouvement.collectivite,
        par=par,
        elements=[_journal(mouvement, ActionProcedure.INTENTION_RECUE, par, recue_le=recue_le)],
    )
    return mouvement


@transaction.atomic
def npai_enregistrer(*, mouvement: Mouvement, le: date, par: Utilisateur | None) -> Mouvement:
    """EL-32 : un pli revenu « n'habite pas à l'adresse indiquée » permet de décider."""
    mouvement = _verrouiller(mouvement)
    _exiger_etat(mouvement, EtatMouvement.INTENTION, action="enregistrer un retour NPAI")
    if mouvement.npai_le is not None:
        raise ValidationError("Le retour NPAI est déjà enregistré.")
    _pas_dans_le_futur("le", le, "La date du retour")
    _pas_avant("le", le, mouvement.intention_envoyee_le, "La date du retour")
    mouvement.npai_le = le
    mouvement.save(update_fields=["npai_le", "modifie_le"])
    _etape(mouvement, type=TypeEtape.NPAI, date=le, par=par)
    journaliser_lot(
        collectivite=mouvement.collectivite,
        par=par,
        elements=[_journal(mouvement, ActionProcedure.NPAI, par, le=le)],
    )
    return mouvement


@transaction.atomic
def observations_enregistrer(
    *, mouvement: Mouvement, recues_le: date, texte: str, par: Utilisateur | None
) -> Mouvement:
    mouvement = _verrouiller(mouvement)
    _exiger_etat(mouvement, EtatMouvement.INTENTION, action="enregistrer des observations")
    if not texte.strip():
        raise ValidationError({"texte": "Résumez les observations de l'électeur."})
    _pas_dans_le_futur("recues_le", recues_le, "La date des observations")
    _pas_avant("recues_le", recues_le, mouvement.intention_envoyee_le, "La date des observations")
    mouvement.observations_le = recues_le
    mouvement.save(update_fields=["observations_le", "modifie_le"])
    _etape(mouvement, type=TypeEtape.OBSERVATIONS, date=recues_le, par=par, texte=texte)
    journaliser_lot(
        collectivite=mouvement.collectivite,
        par=par,
        elements=[_journal(mouvement, ActionProcedure.OBSERVATIONS, par, recues_le=recues_le)],
    )
    return mouvement


def decision_possible_le(mouvement: Mouvement) -> tuple[bool, str]:
    """Pour une intention de radiation : le maire peut-il décider, et sinon pourquoi."""
    if mouvement.etat != EtatMouvement.INTENTION:
        return mouvement.etat == EtatMouvement.A_DECIDER, ""
    if mouvement.npai_le or mouvement.observations_le:
        return True, ""
    if mouvement.fin_observations is None:
        return False, (
            "La date de réception de l'intention de radiation n'est pas enregistrée : le délai "
            "d'observations ne court pas encore."
        )
    if _aujourdhui() <= mouvement.fin_observations:
        return False, (
            "L'électeur peut présenter ses observations jusqu'au "
            f"{mouvement.fin_observations:%d/%m/%Y} : décidez après cette date."
        )
    return True, ""


# --- Décision du maire et notification (L18 I, III) -----------------------------------------


@transaction.atomic
def mouvement_decider(
    *,
    mouvement: Mouvement,
    decision: str,
    decide_le: date,
    decideur: str,
    delegation: str,
    delegation_reference: str = "",
    motif: str = "",
    bureau: BureauDeVote | None = None,
    par: Utilisateur | None,
) -> Mouvement:
    """Décision du maire (ou de son délégué, EL-20), appliquée aussitôt à l'électeur ; elle
    doit être notifiée sous 2 jours (L18 III, EL-22)."""
    mouvement = _verrouiller(mouvement)
    _exiger_etat(mouvement, EtatMouvement.A_DECIDER, EtatMouvement.INTENTION, action="décider")
    possible, raison = decision_possible_le(mouvement)
    if not possible:
        raise ValidationError(raison)
    if decision not in Decision.values:
        raise ValidationError({"decision": "Choisissez la décision."})
    if not decideur.strip():
        raise ValidationError({"decideur": "Indiquez qui signe la décision."})
    if delegation not in Delegation.values:
        raise ValidationError({"delegation": "Indiquez à quel titre le signataire décide."})
    if bureau is not None and bureau.collectivite_id != mouvement.collectivite_id:
        raise ValidationError({"bureau": "Choisissez un bureau de vote de la commune."})
    if delegation != Delegation.MAIRE and not delegation_reference.strip():
        raise ValidationError(
            {"delegation_reference": "Indiquez l'arrêté de délégation (numéro et date)."}
        )
    _pas_dans_le_futur("decide_le", decide_le, "La date de la décision")
    _pas_avant("decide_le", decide_le, mouvement.recue_le, "La date de la décision")
    if (
        mouvement.etat == EtatMouvement.INTENTION
        and not (mouvement.npai_le or mouvement.observations_le)
        and mouvement.fin_observations is not None
        and decide_le <= mouvement.fin_observations
    ):
        # R12 : la décision suit la fin des 15 jours d'observations, même saisie après coup.
        raise ValidationError(
            {
                "decide_le": "La décision ne peut pas dater d'avant la fin des observations "
                f"({mouvement.fin_observations:%d/%m/%Y})."
            }
        )
    mouvement.decision = decision
    if mouvement.defavorable and not motif.strip():
        # CRPA L211-2 : une décision individuelle défavorable est motivée (EL-44).
        raise ValidationError(
            {"motif": "Indiquez les motifs : ils sont obligatoires pour un refus ou une radiation."}
        )
    mouvement.decide_le = decide_le
    mouvement.decideur = decideur.strip()
    mouvement.delegation = delegation
    mouvement.delegation_reference = delegation_reference.strip()
    mouvement.motif_decision = motif.strip()
    mouvement.decide_par = par
    mouvement.etat = EtatMouvement.DECIDEE
    mouvement.echeance = delais.date_limite(
        delais.NOTIFICATION, depart=decide_le, collectivite=mouvement.collectivite
    )
    mouvement.save()
    _etape(
        mouvement,
        type=TypeEtape.DECISION,
        date=decide_le,
        par=par,
        avis=avis_de_la_decision(mouvement),
        texte=motif,
    )
    elements = [
        _journal(
            mouvement,
            ActionProcedure.DECISION,
            par,
            decision=mouvement.decision_libelle,
            decide_le=decide_le,
            signataire=mouvement.decideur,
        )
    ]
    electeur = Electeur.objects.select_for_update().get(pk=mouvement.electeur_id)
    if decision == Decision.FAVORABLE and mouvement.type == TypeMouvement.INSCRIPTION:
        elements.append(
            _inscrire(
                electeur, liste=mouvement.liste, le=decide_le, mouvement=mouvement, bureau=bureau
            )
        )
    elif decision == Decision.FAVORABLE and mouvement.type == TypeMouvement.RADIATION:
        elements.append(
            _radier(
                electeur,
                liste=mouvement.liste,
                le=decide_le,
                motif=mouvement.motif,
                mouvement=mouvement,
            )
        )
    journaliser_lot(collectivite=mouvement.collectivite, par=par, elements=elements)
    return mouvement


@dataclass(frozen=True)
class Notification:
    """Preuve d'une notification (EL-33, EL-45) : date d'envoi, canal, recommandé, réception."""

    envoyee_le: date
    canal: str
    numero_lrar: str = ""
    recue_le: date | None = None
    texte: str = ""


def _verifier_notification(notification: Notification, *, apres: date | None) -> None:
    _canal(notification.canal, notification.numero_lrar)
    _pas_dans_le_futur("envoyee_le", notification.envoyee_le, "La date d'envoi")
    _pas_avant("envoyee_le", notification.envoyee_le, apres, "La date d'envoi")
    if notification.recue_le is not None:
        _pas_dans_le_futur("recue_le", notification.recue_le, "La date de réception")
        _pas_avant(
            "recue_le", notification.recue_le, notification.envoyee_le, "La date de réception"
        )


def _notification_tracer(
    mouvement: Mouvement,
    notification: Notification,
    *,
    type: TypeEtape,
    avis: str,
    action: str,
    par: Utilisateur | None,
) -> None:
    """L'étape datée d'une notification (canal, recommandé, texte) et son entrée de journal."""
    _etape(
        mouvement,
        type=type,
        date=notification.envoyee_le,
        par=par,
        avis=avis,
        canal=notification.canal,
        numero_lrar=notification.numero_lrar,
        texte=notification.texte,
    )
    journaliser_lot(
        collectivite=mouvement.collectivite,
        par=par,
        elements=[
            _journal(
                mouvement,
                action,
                par,
                envoyee_le=notification.envoyee_le,
                canal=Canal(notification.canal).label,
                numero_lrar=notification.numero_lrar,
                recue_le=notification.recue_le,
            )
        ],
    )


@transaction.atomic
def mouvement_notifier(
    *, mouvement: Mouvement, notification: Notification, par: Utilisateur | None
) -> Mouvement:
    mouvement = _verrouiller(mouvement)
    _exiger_etat(mouvement, EtatMouvement.DECIDEE, action="enregistrer la notification")
    _verifier_notification(notification, apres=mouvement.decide_le)
    mouvement.notifie_le = notification.envoyee_le
    mouvement.notification_recue_le = notification.recue_le
    mouvement.etat = EtatMouvement.NOTIFIEE
    mouvement.echeance = None
    mouvement.save()
    _notification_tracer(
        mouvement,
        notification,
        type=TypeEtape.NOTIFICATION,
        avis=avis_de_la_decision(mouvement),
        action=ActionProcedure.NOTIFICATION,
        par=par,
    )
    if notification.recue_le:
        _etape(
            mouvement, type=TypeEtape.RECEPTION_NOTIFICATION, date=notification.recue_le, par=par
        )
    return mouvement


@transaction.atomic
def notification_reception_enregistrer(
    *, mouvement: Mouvement, recue_le: date, par: Utilisateur | None
) -> Mouvement:
    """Date à laquelle l'électeur a reçu la décision (accusé de réception) : le RAPO court
    de la notification (EL-51)."""
    mouvement = _verrouiller(mouvement)
    _exiger_etat(
        mouvement, EtatMouvement.NOTIFIEE, EtatMouvement.RAPO, action="enregistrer la réception"
    )
    if mouvement.notification_recue_le is not None:
        raise ValidationError("La réception de la notification est déjà enregistrée.")
    _pas_dans_le_futur("recue_le", recue_le, "La date de réception")
    _pas_avant("recue_le", recue_le, mouvement.notifie_le, "La date de réception")
    mouvement.notification_recue_le = recue_le
    mouvement.save(update_fields=["notification_recue_le", "modifie_le"])
    _etape(mouvement, type=TypeEtape.RECEPTION_NOTIFICATION, date=recue_le, par=par)
    journaliser_lot(
        collectivite=mouvement.collectivite,
        par=par,
        elements=[
            _journal(mouvement, ActionProcedure.RECEPTION_NOTIFICATION, par, recue_le=recue_le)
        ],
    )
    return mouvement


def date_limite_rapo(mouvement: Mouvement) -> date | None:
    """Fin du délai de RAPO : 5 jours après la notification (sa réception si on la connaît)."""
    depart = mouvement.notification_recue_le or mouvement.notifie_le
    if depart is None or not mouvement.defavorable:
        return None
    return delais.date_limite(delais.RAPO, depart=depart, collectivite=mouvement.collectivite)


# --- RAPO et commission de contrôle (L18 III, L19) ------------------------------------------


@transaction.atomic
def rapo_enregistrer(
    *, mouvement: Mouvement, recu_le: date, texte: str = "", par: Utilisateur | None
) -> Mouvement:
    """Enregistre un RAPO ; hors délai, il s'enregistre quand même (la commission juge de sa
    recevabilité) et le mouvement le signale."""
    mouvement = _verrouiller(mouvement)
    _exiger_etat(mouvement, EtatMouvement.NOTIFIEE, action="enregistrer un recours")
    if not mouvement.defavorable:
        raise ValidationError(
            "Le recours préalable vise un refus ou une radiation : cette décision est favorable."
        )
    _pas_dans_le_futur("recu_le", recu_le, "La date de réception du recours")
    _pas_avant("recu_le", recu_le, mouvement.notifie_le, "La date de réception du recours")
    limite = date_limite_rapo(mouvement)
    mouvement.rapo_recu_le = recu_le
    mouvement.rapo_hors_delai = limite is not None and recu_le > limite
    mouvement.etat = EtatMouvement.RAPO
    mouvement.echeance = delais.date_limite(
        delais.COMMISSION, depart=recu_le, collectivite=mouvement.collectivite
    )
    mouvement.save()
    _etape(mouvement, type=TypeEtape.RAPO, date=recu_le, par=par, texte=texte)
    journaliser_lot(
        collectivite=mouvement.collectivite,
        par=par,
        elements=[
            _journal(
                mouvement,
                ActionProcedure.RAPO,
                par,
                recu_le=recu_le,
                hors_delai="oui" if mouvement.rapo_hors_delai else "",
            )
        ],
    )
    return mouvement


def _appliquer_reformation(mouvement: Mouvement) -> ElementJournal | None:
    """La commission réforme la décision du maire : on fait l'inverse de ce qu'il avait fait."""
    electeur = Electeur.objects.select_for_update().get(pk=mouvement.electeur_id)
    le = mouvement.commission_decide_le or _aujourdhui()
    if mouvement.type == TypeMouvement.INSCRIPTION and mouvement.decision == Decision.REFUS:
        return _inscrire(electeur, liste=mouvement.liste, le=le, mouvement=mouvement)
    if mouvement.type == TypeMouvement.RADIATION and mouvement.decision == Decision.FAVORABLE:
        return _inscrire(electeur, liste=mouvement.liste, le=le, mouvement=mouvement)
    if mouvement.type == TypeMouvement.INSCRIPTION and mouvement.decision == Decision.FAVORABLE:
        return _radier(
            electeur,
            liste=mouvement.liste,
            le=le,
            motif=mouvement.motif_commission,
            mouvement=mouvement,
        )
    if mouvement.type == TypeMouvement.RADIATION and mouvement.decision == Decision.REFUS:
        return _radier(
            electeur,
            liste=mouvement.liste,
            le=le,
            motif=mouvement.motif_commission,
            mouvement=mouvement,
        )
    return None


def _verifier_reunion(reunion: ReunionCommission, collectivite_id: int, le: date) -> None:
    if reunion.collectivite_id != collectivite_id:
        raise ValidationError({"reunion": "Cette réunion n'est pas celle de la commune."})
    if reunion.date != le:
        raise ValidationError(
            {"decide_le": f"La décision date du jour de la réunion ({reunion.date:%d/%m/%Y})."}
        )
    if not quorum(reunion).atteint:
        raise ValidationError({"reunion": quorum(reunion).message})


@transaction.atomic
def commission_decider(
    *,
    mouvement: Mouvement,
    reunion: ReunionCommission,
    decision: str,
    motif: str,
    par: Utilisateur | None,
) -> Mouvement:
    """Décision de la commission sur un RAPO, ou réformation d'une décision du maire lors de
    l'examen des mouvements (L18 II, L19) ; notifiée sous 2 jours (EL-52, EL-54)."""
    mouvement = _verrouiller(mouvement)
    _exiger_etat(
        mouvement,
        EtatMouvement.RAPO,
        EtatMouvement.NOTIFIEE,
        action="enregistrer la décision de la commission",
    )
    if decision not in (DecisionCommission.CONFIRMATION, DecisionCommission.REFORMATION):
        raise ValidationError({"decision": "Choisissez : confirmer ou réformer la décision."})
    if mouvement.etat == EtatMouvement.NOTIFIEE and decision == DecisionCommission.CONFIRMATION:
        raise ValidationError(
            {"decision": "Sans recours, la commission n'a rien à confirmer : elle peut réformer."}
        )
    if not motif.strip():
        raise ValidationError({"motif": "Indiquez les motifs de la décision de la commission."})
    _verifier_reunion(reunion, mouvement.collectivite_id, reunion.date)
    _pas_avant(
        "decide_le", reunion.date, mouvement.rapo_recu_le or mouvement.decide_le, "La réunion"
    )
    mouvement.reunion = reunion
    mouvement.decision_commission = decision
    mouvement.commission_decide_le = reunion.date
    mouvement.motif_commission = motif.strip()
    mouvement.etat = EtatMouvement.COMMISSION_DECIDEE
    mouvement.echeance = delais.date_limite(
        delais.NOTIFICATION_COMMISSION, depart=reunion.date, collectivite=mouvement.collectivite
    )
    mouvement.save()
    _etape(
        mouvement,
        type=TypeEtape.DECISION_COMMISSION,
        date=reunion.date,
        par=par,
        avis=Avis.DECISION_COMMISSION,
        texte=motif,
    )
    elements = [
        _journal(
            mouvement,
            ActionProcedure.DECISION_COMMISSION,
            par,
            decision=DecisionCommission(decision).label,
            reunion=reunion.date,
        )
    ]
    if decision == DecisionCommission.REFORMATION:
        applique = _appliquer_reformation(mouvement)
        if applique is not None:
            elements.append(applique)
    journaliser_lot(collectivite=mouvement.collectivite, par=par, elements=elements)
    return mouvement


@transaction.atomic
def commission_statuer_electeur(
    *,
    collectivite: Collectivite,
    electeur: Electeur,
    reunion: ReunionCommission,
    decision: str,
    liste: str,
    motif: str,
    par: Utilisateur | None,
) -> Mouvement:
    """La commission inscrit un électeur omis ou radie un électeur indûment inscrit (L19 II)."""
    if electeur.collectivite_id != collectivite.pk:
        raise ValidationError("Cet électeur n'appartient pas à la collectivité.")
    if decision not in (DecisionCommission.INSCRIPTION, DecisionCommission.RADIATION):
        raise ValidationError({"decision": "Choisissez : inscrire ou radier."})
    if not motif.strip():
        raise ValidationError({"motif": "Indiquez les motifs de la décision de la commission."})
    _verifier_reunion(reunion, collectivite.pk, reunion.date)
    inscrit = InscriptionListe.objects.filter(electeur=electeur, type_liste=liste).exists()
    if decision == DecisionCommission.INSCRIPTION and inscrit:
        raise ValidationError({"liste": "Cet électeur est déjà inscrit sur cette liste."})
    if decision == DecisionCommission.RADIATION and not inscrit:
        raise ValidationError({"liste": "Cet électeur n'est pas inscrit sur cette liste."})
    mouvement = Mouvement(
        collectivite=collectivite,
        electeur=electeur,
        type=TypeMouvement.INSCRIPTION
        if decision == DecisionCommission.INSCRIPTION
        else TypeMouvement.RADIATION,
        liste=liste,
        origine=OrigineMouvement.COMMISSION,
        recue_le=reunion.date,
        motif=motif.strip(),
        reunion=reunion,
        decision_commission=decision,
        commission_decide_le=reunion.date,
        motif_commission=motif.strip(),
        etat=EtatMouvement.COMMISSION_DECIDEE,
        echeance=delais.date_limite(
            delais.NOTIFICATION_COMMISSION, depart=reunion.date, collectivite=collectivite
        ),
    )
    mouvement.full_clean(exclude=["collectivite", "electeur", "reunion"])
    mouvement.save()
    _etape(
        mouvement,
        type=TypeEtape.DECISION_COMMISSION,
        date=reunion.date,
        par=par,
        avis=Avis.DECISION_COMMISSION,
        texte=motif,
    )
    electeur = Electeur.objects.select_for_update().get(pk=electeur.pk)
    if decision == DecisionCommission.INSCRIPTION:
        applique = _inscrire(electeur, liste=liste, le=reunion.date, mouvement=mouvement)
    else:
        applique = _radier(electeur, liste=liste, le=reunion.date, motif=motif, mouvement=mouvement)
    journaliser_lot(
        collectivite=collectivite,
        par=par,
        elements=[
            _journal(
                mouvement,
                ActionProcedure.DECISION_COMMISSION,
                par,
                decision=DecisionCommission(decision).label,
                reunion=reunion.date,
            ),
            applique,
        ],
    )
    return mouvement


@transaction.atomic
def commission_notifier(
    *, mouvement: Mouvement, notification: Notification, par: Utilisateur | None
) -> Mouvement:
    """Notification de la décision de la commission (à l'électeur, au maire, à l'INSEE)."""
    mouvement = _verrouiller(mouvement)
    _exiger_etat(
        mouvement, EtatMouvement.COMMISSION_DECIDEE, action="enregistrer cette notification"
    )
    _verifier_notification(notification, apres=mouvement.commission_decide_le)
    mouvement.commission_notifie_le = notification.envoyee_le
    mouvement.etat = EtatMouvement.CLOS
    mouvement.echeance = None
    mouvement.save()
    # La commission ne suit pas la réception : la date reçue n'est pas journalisée.
    _notification_tracer(
        mouvement,
        replace(notification, recue_le=None),
        type=TypeEtape.NOTIFICATION_COMMISSION,
        avis=Avis.DECISION_COMMISSION,
        action=ActionProcedure.NOTIFICATION_COMMISSION,
        par=par,
    )
    return mouvement


def date_limite_tribunal(mouvement: Mouvement) -> date | None:
    """Recours au tribunal judiciaire : 7 jours après la notification de la commission, ou
    après le rejet implicite (30 jours de silence)."""
    if mouvement.commission_notifie_le:
        depart = mouvement.commission_notifie_le
    elif mouvement.etat == EtatMouvement.RAPO and mouvement.echeance:
        depart = mouvement.echeance
    else:
        return None
    return delais.date_limite(delais.TRIBUNAL, depart=depart, collectivite=mouvement.collectivite)


# --- Commission : membres, réunions, quorum (R10) -------------------------------------------

# R10 : tous les membres quand ils sont 3, trois sur cinq quand ils sont 5. Règle lue dans une
# source secondaire [?] : réglage ECHARPE_COMMISSION_QUORUM (nombre de membres → présents
# requis) pour la corriger sans toucher au code.
QUORUM_PAR_DEFAUT = {3: 3, 5: 3}


@dataclass(frozen=True)
class Quorum:
    presents: int
    requis: int
    message: str

    @property
    def atteint(self) -> bool:
        return self.presents >= self.requis


def quorum(reunion: ReunionCommission) -> Quorum:
    regles: dict[int, int] = getattr(settings, "ECHARPE_COMMISSION_QUORUM", QUORUM_PAR_DEFAUT)
    presents = reunion.membres_presents.count()
    n = reunion.nombre_membres
    requis = regles.get(n, n)
    if presents >= requis:
        return Quorum(presents, requis, f"Quorum atteint : {presents} présents sur {n} membres.")
    return Quorum(
        presents,
        requis,
        f"Quorum non atteint : {presents} présent{'s' if presents > 1 else ''} pour {requis} "
        f"requis ({n} membres, Code électoral, art. R10). La commission ne peut pas délibérer.",
    )


@transaction.atomic
def membre_ajouter(
    *, collectivite: Collectivite, nom: str, qualite: str, courriel: str = "", par: Utilisateur
) -> MembreCommission:
    membre = MembreCommission(
        collectivite=collectivite, nom=nom.strip(), qualite=qualite.strip(), courriel=courriel
    )
    membre.full_clean(exclude=["collectivite"])
    membre.save()
    journaliser(
        action=ActionProcedure.MEMBRE_AJOUTE, collectivite=collectivite, par=par, objet=membre
    )
    return membre


@transaction.atomic
def reunion_creer(
    *,
    collectivite: Collectivite,
    date: date,
    nombre_membres: int,
    presents: list[MembreCommission],
    notes: str = "",
    par: Utilisateur,
) -> ReunionCommission:
    if any(m.collectivite_id != collectivite.pk for m in presents):
        raise ValidationError({"membres_presents": "Choisissez des membres de la commission."})
    if len(presents) > nombre_membres:
        raise ValidationError(
            {"membres_presents": "Plus de présents que de membres : vérifiez le nombre de membres."}
        )
    reunion = ReunionCommission(
        collectivite=collectivite, date=date, nombre_membres=nombre_membres, notes=notes.strip()
    )
    reunion.full_clean(exclude=["collectivite"])
    reunion.save()
    reunion.membres_presents.set(presents)
    journaliser(
        action=ActionProcedure.REUNION_CREEE,
        collectivite=collectivite,
        par=par,
        objet=reunion,
        details={"date": date, "presents": len(presents)},
    )
    return reunion


# --- Pièces ---------------------------------------------------------------------------------

# Type réel d'après les premiers octets, jamais d'après le nom ou l'en-tête du navigateur.
TYPES_PIECE = {
    b"%PDF-": ("application/pdf", "pdf"),
    b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
    b"\xff\xd8\xff": ("image/jpeg", "jpg"),
}


def type_piece(debut: bytes) -> tuple[str, str] | None:
    return next((t for magie, t in TYPES_PIECE.items() if debut.startswith(magie)), None)


def piece_verifier(fichier: UploadedFile) -> tuple[str, str]:
    """Taille (ECHARPE_LIMITE_PIECE) et type réel (PDF, PNG, JPEG) d'une pièce téléversée."""
    limite = int(settings.ECHARPE_LIMITE_PIECE)
    if not fichier.size:
        raise ValidationError({"fichier": "Le fichier est vide."})
    if fichier.size > limite:
        raise ValidationError(
            {"fichier": f"Le fichier dépasse {limite // (1024 * 1024)} Mo : réduisez-le."}
        )
    debut = fichier.read(8)
    fichier.seek(0)
    trouve = type_piece(debut)
    if trouve is None:
        raise ValidationError({"fichier": "La pièce doit être un PDF, une image PNG ou JPEG."})
    return trouve


@transaction.atomic
def piece_ajouter(
    *,
    collectivite: Collectivite,
    electeur: Electeur,
    mouvement: Mouvement | None,
    type: str,
    date: date,
    fichier: UploadedFile,
    par: Utilisateur,
) -> Piece:
    if electeur.collectivite_id != collectivite.pk or (
        mouvement is not None and mouvement.electeur_id != electeur.pk
    ):
        raise ValidationError("Cette pièce ne peut pas être rattachée à ce dossier.")
    if type not in TypePiece.values:
        raise ValidationError({"type": "Choisissez le type de pièce."})
    _pas_dans_le_futur("date", date, "La date de la pièce")
    type_mime, extension = piece_verifier(fichier)
    nom_original = (fichier.name or "piece")[:200]
    # Nom aléatoire sur le disque : jamais le nom fourni par l'utilisateur.
    fichier.name = f"{secrets.token_hex(16)}.{extension}"
    piece = Piece(
        collectivite=collectivite,
        electeur=electeur,
        mouvement=mouvement,
        type=type,
        date=date,
        fichier=fichier,
        nom_original=nom_original,
        type_mime=type_mime,
        taille=fichier.size or 0,
        ajoutee_par=par,
    )
    piece.save()
    journaliser(
        action=ActionProcedure.PIECE_AJOUTEE,
        collectivite=collectivite,
        par=par,
        objet=piece,
        sujet=electeur,
        details={"type": TypePiece(type).label, "date": date},
    )
    return piece

"""Écritures de la procédure (L18, L19) : chaque étape vérifie l'état du mouvement, calcule la
date limite suivante avec le délai daté en vigueur, applique la décision à l'électeur et
journalise avec `sujet=electeur` (la chronologie de la fiche la montre).

Une étape demandée hors de son ordre lève `ValidationError` avec un message en français :
la vue le rend sous le formulaire, jamais une erreur 500.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.comptes.models import Utilisateur
from core.documents.types import OCTETS_A_LIRE, type_piece
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
    CHAMPS_ADRESSE,
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
    NatureModification,
    OrigineMouvement,
    Piece,
    ReunionCommission,
    Scrutin,
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


# --- Date limite de dépôt avant un scrutin (L17, R5, L30) ------------------------------------


@dataclass(frozen=True)
class DemandeTardive:
    """Une demande d'inscription reçue après la date limite d'un scrutin : elle ne vaut pas
    pour lui (EL-04) et l'inscription ne prend effet qu'au lendemain de son dernier tour."""

    scrutin: Scrutin
    limite: date

    @property
    def prend_effet_le(self) -> date:
        return self.scrutin.dernier_tour + timedelta(days=1)

    @property
    def message(self) -> str:
        return (
            f"Demande reçue après la date limite du {self.limite:%d/%m/%Y} pour le scrutin "
            f"« {self.scrutin.libelle} » du {self.scrutin.premier_tour:%d/%m/%Y} (Code "
            "électoral, art. L17) : elle ne vaut pas pour ce scrutin. L'inscription pourra "
            f"être accordée à partir du {self.prend_effet_le:%d/%m/%Y}."
        )


def date_limite_inscription(
    scrutin: Scrutin,
    *,
    collectivite: Collectivite,
    en_ligne: bool = False,
    cas_l30: bool = False,
) -> date:
    """Dernier jour de dépôt d'une demande pour voter à `scrutin` : sixième vendredi avant
    (L17), sixième mercredi en ligne (R5), dixième jour pour un cas de l'article L30."""
    if cas_l30:
        code = delais.INSCRIPTION_SCRUTIN_L30
    elif en_ligne:
        code = delais.INSCRIPTION_SCRUTIN_EN_LIGNE
    else:
        code = delais.INSCRIPTION_SCRUTIN
    return delais.date_limite_avant_scrutin(
        code, scrutin=scrutin.premier_tour, collectivite=collectivite
    )


def tardivete(mouvement: Mouvement) -> DemandeTardive | None:
    """Pour la page d'une demande enregistrée après la date limite d'un scrutin."""
    if mouvement.scrutin is None:
        return None
    limite = date_limite_inscription(
        mouvement.scrutin,
        collectivite=mouvement.collectivite,
        en_ligne=mouvement.en_ligne,
        cas_l30=mouvement.cas_l30,
    )
    return DemandeTardive(scrutin=mouvement.scrutin, limite=limite)


def scrutins_a_venir(*, collectivite: Collectivite, le: date) -> list[Scrutin]:
    """Les scrutins dont le dernier tour n'est pas passé le jour `le`."""
    return list(
        Scrutin.objects.pour(collectivite)
        .filter(Q(premier_tour__gte=le) | Q(second_tour__gte=le))
        .order_by("premier_tour", "pk")
    )


def demande_tardive(
    *, collectivite: Collectivite, recue_le: date, en_ligne: bool = False, cas_l30: bool = False
) -> DemandeTardive | None:
    """Le dernier scrutin à venir pour lequel une demande reçue le `recue_le` arrive trop tard."""
    tardive = None
    for scrutin in scrutins_a_venir(collectivite=collectivite, le=recue_le):
        limite = date_limite_inscription(
            scrutin, collectivite=collectivite, en_ligne=en_ligne, cas_l30=cas_l30
        )
        if recue_le > limite:
            tardive = DemandeTardive(scrutin=scrutin, limite=limite)
    return tardive


def _commission_avant_scrutin(collectivite: Collectivite, jour: date) -> None:
    """L19 : la commission statue au plus tard le 21e jour avant chaque scrutin ; entre cette
    date et le dernier tour, elle ne peut plus inscrire, radier ni réformer."""
    for scrutin in scrutins_a_venir(collectivite=collectivite, le=jour):
        limite = delais.date_limite_avant_scrutin(
            delais.COMMISSION_SCRUTIN, scrutin=scrutin.premier_tour, collectivite=collectivite
        )
        if limite < jour <= scrutin.dernier_tour:
            raise ValidationError(
                {
                    "reunion": f"La commission statue au plus tard le {limite:%d/%m/%Y} pour le "
                    f"scrutin « {scrutin.libelle} » du {scrutin.premier_tour:%d/%m/%Y} (Code "
                    "électoral, art. L19) : elle pourra statuer après le dernier tour."
                }
            )


@transaction.atomic
def scrutin_creer(
    *,
    collectivite: Collectivite,
    libelle: str,
    premier_tour: date,
    second_tour: date | None = None,
    par: Utilisateur,
) -> Scrutin:
    scrutin = Scrutin(
        collectivite=collectivite,
        libelle=libelle.strip(),
        premier_tour=premier_tour,
        second_tour=second_tour,
    )
    scrutin.full_clean(exclude=["collectivite"])
    scrutin.save()
    journaliser(
        action=ActionProcedure.SCRUTIN_CREE,
        collectivite=collectivite,
        par=par,
        objet=scrutin,
        details={"date": premier_tour},
    )
    return scrutin


# --- Transmission des décisions à l'INSEE (L18 III, L16 II, L19) ----------------------------


def _insee_a_transmettre(mouvement: Mouvement, *, depart: date, code: str = delais.INSEE) -> None:
    mouvement.echeance_insee = delais.date_limite(
        code, depart=depart, collectivite=mouvement.collectivite
    )
    mouvement.transmis_insee_le = None


@transaction.atomic
def insee_transmission_enregistrer(
    *, mouvement: Mouvement, transmise_le: date, par: Utilisateur | None
) -> Mouvement:
    """La date à laquelle la décision est partie à l'INSEE par le REU (EL-22, EL-42)."""
    mouvement = _verrouiller(mouvement)
    if mouvement.echeance_insee is None or mouvement.transmis_insee_le is not None:
        raise ValidationError(
            "Aucune décision de ce mouvement n'attend d'être transmise à l'INSEE."
        )
    _pas_dans_le_futur("le", transmise_le, "La date de transmission")
    _pas_avant(
        "le",
        transmise_le,
        mouvement.commission_decide_le or mouvement.decide_le,
        "La date de transmission",
    )
    mouvement.transmis_insee_le = transmise_le
    mouvement.save(update_fields=["transmis_insee_le", "modifie_le"])
    _etape(mouvement, type=TypeEtape.TRANSMISSION_INSEE, date=transmise_le, par=par)
    journaliser_lot(
        collectivite=mouvement.collectivite,
        par=par,
        elements=[_journal(mouvement, ActionProcedure.TRANSMISSION_INSEE, par, le=transmise_le)],
    )
    return mouvement


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
    nature: str = "",
    en_ligne: bool = False,
    cas_l30: bool = False,
    par: Utilisateur | None,
) -> Mouvement:
    """Enregistre une demande (à décider sous 5 jours, L18 I) ou un mouvement décidé ailleurs
    (INSEE, tribunal : enregistré clos, pour la commission de contrôle et la fiche).

    Une demande d'inscription reçue après la date limite d'un scrutin (L17) est enregistrée
    pour la liste d'après ce scrutin : le maire décide dans les 5 jours qui suivent son
    dernier tour (EL-07), jamais pour ce scrutin."""
    if electeur.collectivite_id != collectivite.pk:
        raise ValidationError("Cet électeur n'appartient pas à la collectivité.")
    if origine == OrigineMouvement.OFFICE and type == TypeMouvement.RADIATION:
        raise ValidationError("Une radiation par le maire commence par une intention de radiation.")
    if origine == OrigineMouvement.COMMISSION:
        raise ValidationError("Une décision de la commission s'enregistre depuis sa réunion.")
    if type == TypeMouvement.MODIFICATION and nature not in NatureModification.values:
        raise ValidationError({"nature": "Indiquez ce que la demande modifie."})
    if type != TypeMouvement.MODIFICATION:
        nature = ""
    if cas_l30 and type != TypeMouvement.INSCRIPTION:
        raise ValidationError({"cas_l30": "L'article L30 ne concerne que les inscriptions."})
    if cas_l30 and not motif.strip():
        raise ValidationError(
            {
                "motif": "Précisez le cas de l'article L30 (mutation, retraite, majorité, "
                "acquisition de la nationalité…)."
            }
        )
    _pas_dans_le_futur("recue_le", recue_le, "La date de réception")
    mouvement = Mouvement(
        collectivite=collectivite,
        electeur=electeur,
        type=type,
        liste=liste,
        origine=origine,
        recue_le=recue_le,
        motif=motif.strip(),
        nature=nature,
        en_ligne=en_ligne,
        cas_l30=cas_l30,
    )
    if origine in (OrigineMouvement.INSEE, OrigineMouvement.TRIBUNAL):
        mouvement.etat = EtatMouvement.CLOS
    else:
        mouvement.etat = EtatMouvement.A_DECIDER
        depart = recue_le
        if type == TypeMouvement.INSCRIPTION:
            tardive = demande_tardive(
                collectivite=collectivite, recue_le=recue_le, en_ligne=en_ligne, cas_l30=cas_l30
            )
            if tardive is not None:
                mouvement.scrutin = tardive.scrutin
                mouvement.prend_effet_le = tardive.prend_effet_le
                depart = max(recue_le, tardive.scrutin.dernier_tour)
        mouvement.echeance = delais.date_limite(
            delais.DECISION, depart=depart, collectivite=collectivite
        )
    mouvement.full_clean(exclude=["collectivite", "electeur", "scrutin"])
    mouvement.save()
    _etape(mouvement, type=TypeEtape.RECEPTION, date=recue_le, par=par, texte=motif)
    journaliser(
        action=ActionProcedure.DEMANDE_RECUE,
        collectivite=collectivite,
        par=par,
        objet=mouvement,
        sujet=electeur,
        details={
            "recue_le": recue_le,
            "liste": TypeListe(liste).label,
            "nature": NatureModification(nature).label if nature else "",
            "apres_le": mouvement.prend_effet_le,
        },
    )
    return mouvement


def _exiger_inscrit(electeur: Electeur, liste: str) -> None:
    if not InscriptionListe.objects.filter(electeur=electeur, type_liste=liste).exists():
        raise ValidationError(
            {"liste": f"Cet électeur n'est pas inscrit sur la {TypeListe(liste).label.lower()}."}
        )


@transaction.atomic
def modification_demander(
    *,
    collectivite: Collectivite,
    electeur: Electeur,
    liste: str,
    nature: str,
    recue_le: date,
    motif: str = "",
    adresse: dict[str, str] | None = None,
    par: Utilisateur | None,
) -> Mouvement:
    """Demande de modification (adresse, bureau, état civil) d'un électeur inscrit ; pour un
    changement d'adresse, la nouvelle adresse, appliquée si la demande est accordée."""
    _exiger_inscrit(electeur, liste)
    changements = {
        champ: str(valeur).strip()
        for champ, valeur in (adresse or {}).items()
        if champ in CHAMPS_ADRESSE and str(valeur).strip()
    }
    if nature == NatureModification.ADRESSE:
        if not (changements.get("libelle_voie") or changements.get("lieu_dit")):
            raise ValidationError(
                {
                    "libelle_voie": "Indiquez la nouvelle adresse : le libellé de voie ou "
                    "le lieu-dit."
                }
            )
    else:
        changements = {}
        if not motif.strip():
            raise ValidationError({"motif": "Décrivez la modification demandée."})
    mouvement = mouvement_enregistrer(
        collectivite=collectivite,
        electeur=electeur,
        type=TypeMouvement.MODIFICATION,
        liste=liste,
        origine=OrigineMouvement.DEMANDE,
        recue_le=recue_le,
        motif=motif,
        nature=nature,
        par=par,
    )
    if changements:
        mouvement.changements = changements
        mouvement.save(update_fields=["changements", "modifie_le"])
    return mouvement


@transaction.atomic
def radiation_demander(
    *,
    collectivite: Collectivite,
    electeur: Electeur,
    liste: str,
    recue_le: date,
    motif: str = "",
    par: Utilisateur | None,
) -> Mouvement:
    """EL-14 : un électeur ne demande pas sa radiation, sauf un ressortissant de l'Union qui
    quitte une liste complémentaire ; le maire décide comme pour une inscription."""
    if liste == TypeListe.PRINCIPALE:
        raise ValidationError(
            {
                "liste": "Un électeur ne peut pas demander sa radiation de la liste principale : "
                "il en sort par son inscription dans une autre commune (Code électoral, art. "
                "L10) ou par une radiation décidée par le maire (intention de radiation)."
            }
        )
    _exiger_inscrit(electeur, liste)
    if Mouvement.objects.filter(
        electeur=electeur,
        liste=liste,
        type=TypeMouvement.RADIATION,
        etat__in=[EtatMouvement.A_DECIDER, EtatMouvement.INTENTION, EtatMouvement.DECIDEE],
    ).exists():
        raise ValidationError("Une radiation de cet électeur est déjà en cours sur cette liste.")
    return mouvement_enregistrer(
        collectivite=collectivite,
        electeur=electeur,
        type=TypeMouvement.RADIATION,
        liste=liste,
        origine=OrigineMouvement.DEMANDE,
        recue_le=recue_le,
        motif=motif,
        par=par,
    )


@transaction.atomic
def mouvement_externe_enregistrer(
    *,
    collectivite: Collectivite,
    electeur: Electeur,
    type: str,
    liste: str,
    origine: str,
    le: date,
    motif: str,
    par: Utilisateur | None,
) -> Mouvement:
    """Un mouvement que l'INSEE a appliqué dans le REU (décès, inscription ailleurs, perte de
    nationalité…, EL-34) ou qu'un jugement du tribunal judiciaire ordonne : la copie de la
    commune le suit aussitôt, sans décision du maire."""
    if origine not in (OrigineMouvement.INSEE, OrigineMouvement.TRIBUNAL):
        raise ValidationError({"origine": "Choisissez : INSEE ou tribunal judiciaire."})
    if type not in TypeMouvement.values:
        raise ValidationError({"type": "Choisissez le type de mouvement."})
    if not motif.strip():
        raise ValidationError(
            {
                "motif": "Indiquez le motif (par exemple : décès, inscription dans une autre "
                "commune) et, pour un jugement, le tribunal, la date et le numéro."
            }
        )
    inscrit = InscriptionListe.objects.filter(electeur=electeur, type_liste=liste).exists()
    if type == TypeMouvement.INSCRIPTION and inscrit:
        raise ValidationError({"liste": "Cet électeur est déjà inscrit sur cette liste."})
    if type != TypeMouvement.INSCRIPTION and not inscrit:
        _exiger_inscrit(electeur, liste)
    mouvement = mouvement_enregistrer(
        collectivite=collectivite,
        electeur=electeur,
        type=type,
        liste=liste,
        origine=origine,
        recue_le=le,
        motif=motif,
        nature=NatureModification.ETAT_CIVIL if type == TypeMouvement.MODIFICATION else "",
        par=par,
    )
    electeur = Electeur.objects.select_for_update().get(pk=electeur.pk)
    applique = None
    if type == TypeMouvement.INSCRIPTION:
        applique = _inscrire(electeur, liste=liste, le=le, mouvement=mouvement)
    elif type == TypeMouvement.RADIATION:
        applique = _radier(electeur, liste=liste, le=le, motif=motif, mouvement=mouvement)
    if applique is not None:
        journaliser_lot(collectivite=collectivite, par=par, elements=[applique])
    return mouvement


@transaction.atomic
def demande_inscription_enregistrer(
    *,
    collectivite: Collectivite,
    electeur: Electeur,
    liste: str,
    recue_le: date,
    motif: str = "",
    en_ligne: bool = False,
    cas_l30: bool = False,
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
        en_ligne=en_ligne,
        cas_l30=cas_l30,
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
    if (
        decision == Decision.FAVORABLE
        and mouvement.prend_effet_le is not None
        and decide_le < mouvement.prend_effet_le
    ):
        # L17 : une demande reçue après la date limite ne vaut pas pour le scrutin.
        raise ValidationError(
            {
                "decide_le": "Cette demande est arrivée après la date limite de dépôt pour le "
                f"scrutin du {mouvement.prend_effet_le - timedelta(days=1):%d/%m/%Y} : "
                "l'inscription ne peut être accordée qu'à partir du "
                f"{mouvement.prend_effet_le:%d/%m/%Y}, pour la liste d'après ce scrutin."
            }
        )
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
    changement_adresse = (
        mouvement.type == TypeMouvement.MODIFICATION
        and mouvement.nature in (NatureModification.ADRESSE, NatureModification.BUREAU)
        and decision == Decision.FAVORABLE
    )
    _insee_a_transmettre(
        mouvement,
        depart=decide_le,
        code=delais.INSEE_ADRESSE if changement_adresse else delais.INSEE,
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
    elif decision == Decision.FAVORABLE and mouvement.type == TypeMouvement.MODIFICATION:
        if mouvement.nature == NatureModification.ADRESSE and mouvement.changements:
            elements.append(_changer_adresse(electeur, mouvement))
        if bureau is not None:
            elements.append(_changer_bureau(electeur, liste=mouvement.liste, bureau=bureau))
    elif (
        decision == Decision.REFUS
        and mouvement.type == TypeMouvement.INSCRIPTION
        and electeur.statut == StatutElecteur.EN_INSTANCE
        and not InscriptionListe.objects.filter(electeur=electeur).exists()
    ):
        # Un demandeur refusé n'est plus « en instance » : il n'est sur aucune liste.
        electeur.statut = StatutElecteur.REFUSE
        electeur.save(update_fields=["statut"])
        elements.append(
            ElementJournal(
                action=ActionProcedure.ELECTEUR_REFUSE,
                objet=electeur,
                sujet=electeur,
                details={"mouvement": mouvement.pk, "le": decide_le},
            )
        )
    journaliser_lot(collectivite=mouvement.collectivite, par=par, elements=elements)
    return mouvement


def _changer_adresse(electeur: Electeur, mouvement: Mouvement) -> ElementJournal:
    """Changement d'adresse accordé : la nouvelle adresse de rattachement remplace l'ancienne.
    Un complément ou un lieu-dit absent de la demande est effacé ; le code postal et la commune
    restent ceux de la fiche s'ils ne sont pas donnés (déménagement dans la commune)."""
    for champ in CHAMPS_ADRESSE:
        valeur = mouvement.changements.get(champ, "")
        if valeur or champ not in ("code_postal", "commune"):
            setattr(electeur, champ, valeur)
    electeur.save()
    return ElementJournal(
        action=ActionElecteurs.ELECTEUR_MODIFIE,
        objet=electeur,
        sujet=electeur,
        details={"champs_modifies": "adresse de rattachement", "mouvement": mouvement.pk},
    )


def _changer_bureau(electeur: Electeur, *, liste: str, bureau: BureauDeVote) -> ElementJournal:
    """Modification accordée : le bureau de vote de l'électeur sur cette liste (L16 I)."""
    InscriptionListe.objects.filter(electeur=electeur, type_liste=liste).update(bureau=bureau)
    return ElementJournal(
        action=ActionElecteurs.ELECTEUR_MODIFIE,
        objet=electeur,
        sujet=electeur,
        details={"champs_modifies": "bureau de vote", "liste": TypeListe(liste).label},
    )


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
    _commission_avant_scrutin(mouvement.collectivite, reunion.date)
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
    _insee_a_transmettre(mouvement, depart=reunion.date, code=delais.NOTIFICATION_COMMISSION)
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
    _commission_avant_scrutin(collectivite, reunion.date)
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
    _insee_a_transmettre(mouvement, depart=reunion.date, code=delais.NOTIFICATION_COMMISSION)
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
    # Un membre sorti de la commission avant la réunion ne compte pas (R10).
    presents = reunion.membres_presents.filter(
        Q(fin_le__isnull=True) | Q(fin_le__gte=reunion.date)
    ).count()
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
def membre_fin_de_fonctions(
    *, membre: MembreCommission, fin_le: date, motif: str = "", par: Utilisateur
) -> MembreCommission:
    """Un membre quitte la commission (nouvel arrêté préfectoral, démission…) : il n'est plus
    proposé parmi les présents, ne compte plus pour le quorum des réunions suivantes et reste
    dans l'historique des réunions passées."""
    membre = MembreCommission.objects.select_for_update().get(pk=membre.pk)
    if membre.fin_le is not None:
        raise ValidationError(
            f"La fin de fonctions de {membre.nom} est déjà enregistrée au {membre.fin_le:%d/%m/%Y}."
        )
    derniere = membre.reunions.filter(date__gt=fin_le).order_by("-date").first()
    if derniere is not None:
        raise ValidationError(
            {
                "fin_le": f"{membre.nom} était présent(e) à la réunion du "
                f"{derniere.date:%d/%m/%Y} : la fin de fonctions ne peut pas la précéder."
            }
        )
    membre.fin_le = fin_le
    membre.motif_fin = motif.strip()[:200]
    membre.actif = False
    membre.save(update_fields=["fin_le", "motif_fin", "actif", "modifie_le"])
    journaliser(
        action=ActionProcedure.MEMBRE_FIN,
        collectivite=membre.collectivite,
        par=par,
        objet=membre,
        details={"le": fin_le},
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
    # Relu en base : la fin de fonctions a pu être enregistrée depuis le chargement du formulaire.
    sortis = MembreCommission.objects.filter(
        pk__in=[m.pk for m in presents], fin_le__lt=date
    ).order_by("nom", "pk")
    if sortis:
        raise ValidationError(
            {
                "membres_presents": " ".join(
                    f"{m.nom} n'est plus membre de la commission depuis le "
                    f"{m.fin_le:%d/%m/%Y} : il ne compte pas pour le quorum."
                    for m in sortis
                    if m.fin_le
                )
            }
        )
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


def piece_verifier(fichier: UploadedFile) -> tuple[str, str]:
    """Taille (ECHARPE_LIMITE_PIECE) et type réel (PDF, PNG, JPEG) d'une pièce téléversée."""
    limite = int(settings.ECHARPE_LIMITE_PIECE)
    if not fichier.size:
        raise ValidationError({"fichier": "Le fichier est vide."})
    if fichier.size > limite:
        raise ValidationError(
            {"fichier": f"Le fichier dépasse {limite // (1024 * 1024)} Mo : réduisez-le."}
        )
    debut = fichier.read(OCTETS_A_LIRE)
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

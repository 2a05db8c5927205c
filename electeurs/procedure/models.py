"""Mouvements du fichier électoral et procédure de l'article L18 : demandes, intentions de
radiation, décisions du maire, notifications, RAPO, commission de contrôle, pièces.

Les dates qui font courir un délai sont des champs du mouvement (`recue_le`,
`intention_recue_le`, `decide_le`, `notifie_le`…) ; `echeance` garde la date limite de ce que
la commune doit faire ensuite (décider, notifier, faire statuer la commission), calculée au
passage d'une étape avec le délai daté en vigueur (`core.delais`), pour que la liste, ses
filtres et les compteurs de l'Accueil la lisent en une requête.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from core.tenancy.models import ModeleCollectivite
from electeurs.models import Electeur, TypeListe

# Ce que `electeurs.models` réexporte.
__all__ = [
    "ActionProcedure",
    "Avis",
    "Canal",
    "Decision",
    "DecisionCommission",
    "Delegation",
    "Etape",
    "EtatMouvement",
    "MembreCommission",
    "Mouvement",
    "OrigineMouvement",
    "Piece",
    "NatureModification",
    "ReunionCommission",
    "Scrutin",
    "TypeEtape",
    "TypeMouvement",
    "TypePiece",
]


class ActionProcedure(models.TextChoices):
    """Actions journalisées de la procédure (code unique dans tout le projet)."""

    DEMANDE_RECUE = "electeurs_procedure_demande_recue", "Demande enregistrée"
    INTENTION_ENVOYEE = (
        "electeurs_procedure_intention_envoyee",
        "Intention de radiation envoyée",
    )
    INTENTION_RECUE = (
        "electeurs_procedure_intention_recue",
        "Réception de l'intention de radiation enregistrée",
    )
    NPAI = "electeurs_procedure_npai", "Retour « n'habite pas à l'adresse indiquée » enregistré"
    OBSERVATIONS = "electeurs_procedure_observations", "Observations de l'électeur enregistrées"
    DECISION = "electeurs_procedure_decision", "Décision du maire enregistrée"
    NOTIFICATION = "electeurs_procedure_notification", "Notification de la décision enregistrée"
    RECEPTION_NOTIFICATION = (
        "electeurs_procedure_reception_notification",
        "Réception de la notification par l'électeur enregistrée",
    )
    RAPO = "electeurs_procedure_rapo", "Recours administratif préalable (RAPO) enregistré"
    DECISION_COMMISSION = (
        "electeurs_procedure_decision_commission",
        "Décision de la commission de contrôle enregistrée",
    )
    NOTIFICATION_COMMISSION = (
        "electeurs_procedure_notification_commission",
        "Notification de la décision de la commission enregistrée",
    )
    ELECTEUR_INSCRIT = "electeurs_procedure_electeur_inscrit", "Électeur inscrit sur une liste"
    ELECTEUR_RADIE = "electeurs_procedure_electeur_radie", "Électeur radié d'une liste"
    PIECE_AJOUTEE = "electeurs_procedure_piece_ajoutee", "Pièce ajoutée"
    MEMBRE_AJOUTE = "electeurs_procedure_membre_ajoute", "Membre de la commission ajouté"
    MEMBRE_FIN = (
        "electeurs_procedure_membre_fin",
        "Fin de fonctions d'un membre de la commission enregistrée",
    )
    TRANSMISSION_INSEE = (
        "electeurs_procedure_transmission_insee",
        "Transmission de la décision à l'INSEE enregistrée",
    )
    SCRUTIN_CREE = "electeurs_procedure_scrutin_cree", "Scrutin enregistré"
    ELECTEUR_REFUSE = (
        "electeurs_procedure_electeur_refuse",
        "Demandeur non inscrit : inscription refusée",
    )
    REUNION_CREEE = "electeurs_procedure_reunion_creee", "Réunion de la commission enregistrée"


class TypeMouvement(models.TextChoices):
    INSCRIPTION = "inscription", "Inscription"
    MODIFICATION = "modification", "Modification"
    RADIATION = "radiation", "Radiation"


class OrigineMouvement(models.TextChoices):
    DEMANDE = "demande", "Demande de l'électeur"
    OFFICE = "office", "D'office (commune)"
    INSEE = "insee", "INSEE"
    COMMISSION = "commission", "Commission de contrôle"
    TRIBUNAL = "tribunal", "Tribunal judiciaire"


class NatureModification(models.TextChoices):
    """Ce que change une demande de modification."""

    ADRESSE = "adresse", "Changement d'adresse dans la commune"
    BUREAU = "bureau", "Changement de bureau de vote"
    ETAT_CIVIL = "etat_civil", "Correction de l'état civil"


# Les champs de l'adresse de rattachement qu'une demande de modification peut changer.
CHAMPS_ADRESSE = (
    "numero_voie",
    "libelle_voie",
    "complement_1",
    "complement_2",
    "lieu_dit",
    "code_postal",
    "commune",
)


class EtatMouvement(models.TextChoices):
    """États de la procédure (L18, L19). L'ordre des étapes est vérifié par les services."""

    A_DECIDER = "a_decider", "Demande à décider"
    INTENTION = "intention", "Intention de radiation : observations en cours"
    DECIDEE = "decidee", "Décision à notifier"
    NOTIFIEE = "notifiee", "Décision notifiée"
    RAPO = "rapo", "Recours devant la commission"
    COMMISSION_DECIDEE = "commission_decidee", "Décision de la commission à notifier"
    CLOS = "clos", "Clos"


# États où la commune doit agir avant `echeance` : ceux que compte « en retard ».
ETATS_A_ECHEANCE = (
    EtatMouvement.A_DECIDER,
    EtatMouvement.DECIDEE,
    EtatMouvement.RAPO,
    EtatMouvement.COMMISSION_DECIDEE,
)


class Decision(models.TextChoices):
    FAVORABLE = "favorable", "Favorable"
    REFUS = "refus", "Refus"


class DecisionCommission(models.TextChoices):
    CONFIRMATION = "confirmation", "Décision du maire confirmée"
    REFORMATION = "reformation", "Décision du maire réformée"
    INSCRIPTION = "inscription", "Inscription par la commission"
    RADIATION = "radiation", "Radiation par la commission"


class Delegation(models.TextChoices):
    """Qui signe la décision (EL-20) : le maire, ou le titulaire d'une délégation."""

    MAIRE = "maire", "Le maire"
    ADJOINT = "adjoint", "Un adjoint délégué (CGCT, art. L2122-18)"
    AGENT = "agent", "Un agent, par délégation de signature (CGCT, art. L2122-19)"


class Canal(models.TextChoices):
    COURRIER = "courrier", "Courrier simple"
    LRAR = "lrar", "Lettre recommandée avec accusé de réception"
    COURRIEL = "courriel", "Courriel"
    MAIN_PROPRE = "main_propre", "Remise en main propre contre signature"


class Avis(models.TextChoices):
    """L'avis à produire à une étape (les avis eux-mêmes viennent de la capacité « avis »)."""

    INSCRIPTION = "avis_inscription", "Avis d'inscription"
    REFUS_INSCRIPTION = "avis_refus_inscription", "Avis de refus d'inscription"
    MODIFICATION = "avis_modification", "Avis de modification"
    REFUS_MODIFICATION = "avis_refus_modification", "Avis de refus de modification"
    INTENTION_RADIATION = "avis_intention_radiation", "Avis d'intention de radiation"
    RADIATION = "avis_radiation", "Avis de radiation"
    MAINTIEN = "avis_maintien", "Avis de maintien sur la liste"
    DECISION_COMMISSION = "avis_decision_commission", "Décision de la commission"


class TypeEtape(models.TextChoices):
    RECEPTION = "reception", "Demande reçue"
    INTENTION = "intention", "Intention de radiation envoyée"
    INTENTION_RECUE = "intention_recue", "Intention de radiation reçue par l'électeur"
    NPAI = "npai", "Pli revenu « n'habite pas à l'adresse indiquée »"
    OBSERVATIONS = "observations", "Observations de l'électeur"
    DECISION = "decision", "Décision du maire"
    NOTIFICATION = "notification", "Décision notifiée"
    RECEPTION_NOTIFICATION = "reception_notification", "Notification reçue par l'électeur"
    RAPO = "rapo", "Recours administratif préalable (RAPO)"
    DECISION_COMMISSION = "decision_commission", "Décision de la commission de contrôle"
    NOTIFICATION_COMMISSION = "notification_commission", "Décision de la commission notifiée"
    TRANSMISSION_INSEE = "transmission_insee", "Décision transmise à l'INSEE (REU)"


class MembreCommission(ModeleCollectivite):
    """Un membre de la commission de contrôle (nommé par arrêté préfectoral, R7)."""

    nom = models.CharField("nom et prénom", max_length=200)
    qualite = models.CharField(
        "qualité",
        max_length=200,
        help_text="Par exemple : conseiller municipal, délégué de l'administration.",
    )
    courriel = models.EmailField("courriel", blank=True)
    actif = models.BooleanField("en fonction", default=True)
    # Un membre qui quitte la commission reste dans l'historique (réunions, présences).
    fin_le = models.DateField("fin de fonctions le", null=True, blank=True)
    motif_fin = models.CharField("motif de la fin de fonctions", max_length=200, blank=True)

    class Meta:
        verbose_name = "membre de la commission de contrôle"
        verbose_name_plural = "membres de la commission de contrôle"
        ordering = ["nom", "pk"]

    def __str__(self) -> str:
        return f"{self.nom} ({self.qualite})"


class Scrutin(ModeleCollectivite):
    """Un scrutin à venir : il fixe la date limite de dépôt des demandes d'inscription (L17 :
    sixième vendredi avant le premier tour ; R5 : sixième mercredi en ligne ; L30 : dixième
    jour pour les cas de l'article L30), lue dans les délais datés de `core.delais`."""

    libelle = models.CharField(
        "scrutin", max_length=200, help_text="Par exemple : élections municipales."
    )
    premier_tour = models.DateField("premier tour le")
    second_tour = models.DateField("second tour le", null=True, blank=True)

    class Meta:
        verbose_name = "scrutin"
        verbose_name_plural = "scrutins"
        ordering = ["premier_tour", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["collectivite", "premier_tour", "libelle"],
                name="electeurs_scrutin_unique",
                violation_error_message="Ce scrutin est déjà enregistré à cette date.",
            ),
            models.CheckConstraint(
                condition=Q(second_tour__isnull=True) | Q(second_tour__gt=models.F("premier_tour")),
                name="electeurs_scrutin_tours_ordonnes",
                violation_error_message="Le second tour suit le premier.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.libelle} du {self.premier_tour:%d/%m/%Y}"

    @property
    def dernier_tour(self) -> datetime.date:
        return self.second_tour or self.premier_tour

    def clean(self) -> None:
        # Code électoral, art. L55 : le scrutin a lieu un dimanche ; les délais d'inscription
        # (sixième vendredi, sixième mercredi) se comptent en jours avant ce dimanche.
        erreurs = {}
        for champ in ("premier_tour", "second_tour"):
            jour = getattr(self, champ)
            if jour is not None and jour.weekday() != 6:
                erreurs[champ] = (
                    f"Le {jour:%d/%m/%Y} n'est pas un dimanche : un scrutin a lieu un dimanche "
                    "(Code électoral, art. L55)."
                )
        if self.second_tour and self.second_tour <= self.premier_tour:
            erreurs.setdefault("second_tour", "Le second tour suit le premier.")
        if erreurs:
            raise ValidationError(erreurs)


class ReunionCommission(ModeleCollectivite):
    date = models.DateField("date de la réunion")
    membres_presents = models.ManyToManyField(
        MembreCommission, verbose_name="membres présents", blank=True, related_name="reunions"
    )
    nombre_membres = models.PositiveSmallIntegerField(
        "nombre de membres de la commission",
        help_text="Nombre de membres nommés à la date de la réunion (3 ou 5 selon la commune).",
    )
    notes = models.TextField("notes", blank=True)

    class Meta:
        verbose_name = "réunion de la commission de contrôle"
        verbose_name_plural = "réunions de la commission de contrôle"
        ordering = ["-date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["collectivite", "date"],
                name="electeurs_reunion_commission_date_unique",
                violation_error_message="Une réunion de la commission est déjà enregistrée ce "
                "jour-là.",
            )
        ]

    def __str__(self) -> str:
        return f"Réunion du {self.date:%d/%m/%Y}"


class Mouvement(ModeleCollectivite):
    """Une inscription, une modification ou une radiation, et la procédure qui la mène."""

    electeur = models.ForeignKey(
        Electeur, verbose_name="électeur", on_delete=models.PROTECT, related_name="mouvements"
    )
    type = models.CharField("type", max_length=12, choices=TypeMouvement.choices)
    liste = models.CharField("liste", max_length=3, choices=TypeListe.choices)
    origine = models.CharField("origine", max_length=12, choices=OrigineMouvement.choices)
    motif = models.TextField("motif", blank=True)
    nature = models.CharField(
        "nature de la modification",
        max_length=12,
        choices=NatureModification.choices,
        blank=True,
    )
    # Demande de changement d'adresse : la nouvelle adresse, appliquée si elle est accordée.
    changements = models.JSONField("changements demandés", default=dict, blank=True)
    # Date limite de dépôt avant un scrutin (L17, R5, L30).
    en_ligne = models.BooleanField("déposée en ligne (service-public.fr)", default=False)
    cas_l30 = models.BooleanField("cas de l'article L30", default=False)
    scrutin = models.ForeignKey(
        Scrutin,
        verbose_name="reçue trop tard pour le scrutin",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="demandes_tardives",
    )
    prend_effet_le = models.DateField(
        "inscription possible à partir du",
        null=True,
        blank=True,
        help_text="Demande reçue après la date limite : elle vaut pour la liste d'après le "
        "scrutin.",
    )
    # EL-23 : date de réception de la demande, champ de premier rang, jamais modifiée.
    recue_le = models.DateField("reçue le")
    etat = models.CharField("état", max_length=20, choices=EtatMouvement.choices)
    echeance = models.DateField(
        "date limite", null=True, blank=True, help_text="Ce que la commune doit faire ensuite."
    )

    # Radiation par le maire : procédure contradictoire (L18 II, R12).
    intention_envoyee_le = models.DateField("intention envoyée le", null=True, blank=True)
    intention_recue_le = models.DateField(
        "intention reçue par l'électeur le", null=True, blank=True
    )
    fin_observations = models.DateField("fin des observations", null=True, blank=True)
    npai_le = models.DateField("pli revenu NPAI le", null=True, blank=True)
    observations_le = models.DateField("observations reçues le", null=True, blank=True)

    # Décision du maire (EL-20 : qui, sous quelle délégation).
    decision = models.CharField("décision", max_length=12, choices=Decision.choices, blank=True)
    decide_le = models.DateField("décidée le", null=True, blank=True)
    decideur = models.CharField("signataire", max_length=200, blank=True)
    delegation = models.CharField(
        "délégation", max_length=12, choices=Delegation.choices, blank=True
    )
    delegation_reference = models.CharField("arrêté de délégation", max_length=200, blank=True)
    motif_decision = models.TextField("motifs de la décision", blank=True)
    decide_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="enregistrée par",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    notifie_le = models.DateField("notifiée le", null=True, blank=True)
    notification_recue_le = models.DateField(
        "notification reçue par l'électeur le", null=True, blank=True
    )

    # RAPO et commission de contrôle (L18 III, L19).
    rapo_recu_le = models.DateField("RAPO reçu le", null=True, blank=True)
    rapo_hors_delai = models.BooleanField("RAPO reçu hors délai", default=False)
    reunion = models.ForeignKey(
        ReunionCommission,
        verbose_name="réunion de la commission",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mouvements",
    )
    decision_commission = models.CharField(
        "décision de la commission",
        max_length=14,
        choices=DecisionCommission.choices,
        blank=True,
    )
    commission_decide_le = models.DateField("décision de la commission le", null=True, blank=True)
    motif_commission = models.TextField("motifs de la commission", blank=True)
    commission_notifie_le = models.DateField(
        "décision de la commission notifiée le", null=True, blank=True
    )

    # EL-22, L19 : la décision part à l'INSEE (REU) sous 2 jours, comme la notification.
    echeance_insee = models.DateField("à transmettre à l'INSEE avant le", null=True, blank=True)
    transmis_insee_le = models.DateField("transmise à l'INSEE le", null=True, blank=True)

    class Meta:
        verbose_name = "mouvement"
        verbose_name_plural = "mouvements"
        ordering = ["-recue_le", "-pk"]
        indexes = [
            models.Index(
                fields=["collectivite", "etat", "echeance"], name="electeurs_mvt_etat_idx"
            ),
            models.Index(fields=["collectivite", "recue_le"], name="electeurs_mvt_recue_idx"),
            models.Index(
                fields=["collectivite", "echeance_insee"],
                condition=Q(echeance_insee__isnull=False, transmis_insee_le__isnull=True),
                name="electeurs_mvt_insee_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="") | Q(decide_le__isnull=False),
                name="electeurs_mouvement_decision_datee",
                violation_error_message="Une décision porte sa date.",
            ),
        ]

    # La date de réception lue en base (None pour un mouvement pas encore enregistré).
    _recue_le_origine: datetime.date | None = None

    def __str__(self) -> str:
        return f"{self.get_type_display()} — {self.electeur}"

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> Mouvement:
        instance = super().from_db(db, field_names, values)
        instance._recue_le_origine = instance.__dict__.get("recue_le")
        return instance

    def save(self, *args: Any, **kwargs: Any) -> None:
        # EL-23 : la date de réception fait courir le délai de décision ; elle ne change plus.
        origine = self._recue_le_origine
        if origine is not None and self.recue_le != origine:
            raise ValidationError(
                {"recue_le": "La date de réception d'une demande ne peut plus être modifiée."}
            )
        super().save(*args, **kwargs)
        self._recue_le_origine = self.recue_le

    @property
    def defavorable(self) -> bool:
        """Décision qui fait grief : refus, ou radiation prononcée (ouvre le RAPO, L18 III)."""
        if self.type == TypeMouvement.RADIATION and self.origine == OrigineMouvement.DEMANDE:
            # Radiation demandée par l'électeur (EL-14) : c'est le refus qui lui fait grief.
            return self.decision == Decision.REFUS
        if self.type == TypeMouvement.RADIATION:
            return self.decision == Decision.FAVORABLE
        return self.decision == Decision.REFUS

    @property
    def nouvelle_adresse(self) -> str:
        """La nouvelle adresse demandée, sur une ligne (vide s'il n'y en a pas)."""
        valeurs = [str(self.changements.get(champ, "")).strip() for champ in CHAMPS_ADRESSE]
        voie = " ".join(v for v in valeurs[:2] if v)
        ville = " ".join(v for v in valeurs[5:] if v)
        return ", ".join(v for v in [voie, *valeurs[2:5], ville] if v)

    @property
    def decision_libelle(self) -> str:
        if not self.decision:
            return ""
        libelles = {
            TypeMouvement.INSCRIPTION: ("Inscription accordée", "Inscription refusée"),
            TypeMouvement.MODIFICATION: ("Modification accordée", "Modification refusée"),
            TypeMouvement.RADIATION: ("Radiation prononcée", "Maintien sur la liste"),
        }
        favorable, refus = libelles[TypeMouvement(self.type)]
        return favorable if self.decision == Decision.FAVORABLE else refus


class Etape(ModeleCollectivite):
    """Une étape datée d'un mouvement : la chronologie de la procédure, l'avis qu'elle demande
    et la preuve de notification (EL-33, EL-45 : canal, numéro de recommandé, réception)."""

    mouvement = models.ForeignKey(
        Mouvement, verbose_name="mouvement", on_delete=models.CASCADE, related_name="etapes"
    )
    type = models.CharField("étape", max_length=30, choices=TypeEtape.choices)
    date = models.DateField("date")
    avis = models.CharField("avis à produire", max_length=30, choices=Avis.choices, blank=True)
    canal = models.CharField("canal", max_length=12, choices=Canal.choices, blank=True)
    numero_lrar = models.CharField("numéro du recommandé", max_length=40, blank=True)
    texte = models.TextField("précisions", blank=True)
    par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="enregistrée par",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "étape"
        verbose_name_plural = "étapes"
        ordering = ["date", "cree_le", "pk"]

    def __str__(self) -> str:
        return f"{self.get_type_display()} le {self.date:%d/%m/%Y}"


class TypePiece(models.TextChoices):
    DEMANDE = "demande", "Demande (formulaire CERFA)"
    IDENTITE = "identite", "Justificatif d'identité"
    ATTACHE = "attache", "Justificatif d'attache avec la commune"
    ACCUSE_RECEPTION = "accuse_reception", "Accusé de réception"
    NPAI = "npai", "Pli revenu NPAI"
    OBSERVATIONS = "observations", "Observations de l'électeur"
    RAPO = "rapo", "Recours (RAPO)"
    DECISION = "decision", "Décision signée"
    AUTRE = "autre", "Autre pièce"


class Piece(ModeleCollectivite):
    """Une pièce du dossier d'un électeur : l'« historique des pièces » de la fiche."""

    electeur = models.ForeignKey(
        Electeur, verbose_name="électeur", on_delete=models.PROTECT, related_name="pieces"
    )
    mouvement = models.ForeignKey(
        Mouvement,
        verbose_name="mouvement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pieces",
    )
    type = models.CharField("type de pièce", max_length=20, choices=TypePiece.choices)
    date = models.DateField("date de la pièce")
    fichier = models.FileField("fichier", upload_to="pieces/%Y/%m/")
    nom_original = models.CharField("nom du fichier", max_length=200)
    type_mime = models.CharField("type de fichier", max_length=40)
    taille = models.PositiveIntegerField("taille (octets)")
    ajoutee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="ajoutée par",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "pièce"
        verbose_name_plural = "pièces"
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_type_display()} du {self.date:%d/%m/%Y}"

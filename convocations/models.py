"""Carnet d'adresses des convocations : contacts, groupes, mandats des élus, imports en attente.

Un groupe est « manuel » (l'agent choisit ses membres) ou « automatique » : ses membres sont
les contacts dont la personne a un mandat en cours dans une assemblée (conseil municipal,
conseil communautaire, une commission) ; il suit les mandats et ne se modifie pas à la main.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from core.comptes.models import Utilisateur
from core.tenancy.models import ModeleCollectivite


class ActionConvocations(models.TextChoices):
    """Les actions du carnet d'adresses que le journal enregistre. Le nom du membre est le code
    en majuscules (tests/core/journal/test_views.py retrouve ainsi le code de chaque appel)."""

    CONVOCATIONS_CONTACT_CREE = "convocations_contact_cree", "Contact ajouté au carnet d'adresses"
    CONVOCATIONS_CONTACT_MODIFIE = "convocations_contact_modifie", "Contact modifié"
    CONVOCATIONS_CONTACT_SUPPRIME = "convocations_contact_supprime", "Contact supprimé"
    CONVOCATIONS_GROUPE_CREE = "convocations_groupe_cree", "Groupe de contacts créé"
    CONVOCATIONS_GROUPE_RENOMME = "convocations_groupe_renomme", "Groupe de contacts renommé"
    CONVOCATIONS_GROUPE_SUPPRIME = "convocations_groupe_supprime", "Groupe de contacts supprimé"
    CONVOCATIONS_MANDAT_CREE = "convocations_mandat_cree", "Mandat enregistré"
    CONVOCATIONS_MANDAT_MODIFIE = "convocations_mandat_modifie", "Mandat modifié"
    CONVOCATIONS_MANDAT_TERMINE = "convocations_mandat_termine", "Mandat terminé"
    CONVOCATIONS_CONTACTS_IMPORTES = "convocations_contacts_importes", "Contacts importés (CSV)"
    CONVOCATIONS_CONTACTS_EXPORTES = (
        "convocations_contacts_exportes",
        "Carnet d'adresses exporté (CSV)",
    )
    # Séances (préparation, délai, après la séance) : convocations/seances/services.py.
    CONVOCATIONS_SEANCE_CREEE = "convocations_seance_creee", "Séance créée"
    CONVOCATIONS_SEANCE_MODIFIEE = "convocations_seance_modifiee", "Séance modifiée"
    CONVOCATIONS_SEANCE_URGENCE = (
        "convocations_seance_urgence",
        "Urgence déclarée pour la convocation (justification)",
    )
    CONVOCATIONS_ORDRE_DU_JOUR_MODIFIE = (
        "convocations_ordre_du_jour_modifie",
        "Ordre du jour modifié",
    )
    CONVOCATIONS_DOCUMENT_AJOUTE = "convocations_document_ajoute", "Document de séance ajouté"
    CONVOCATIONS_DOCUMENT_RETIRE = "convocations_document_retire", "Document de séance retiré"
    CONVOCATIONS_DESTINATAIRES_AJOUTES = (
        "convocations_destinataires_ajoutes",
        "Destinataires ajoutés à la séance",
    )
    CONVOCATIONS_DESTINATAIRE_RETIRE = (
        "convocations_destinataire_retire",
        "Destinataire retiré de la séance",
    )
    CONVOCATIONS_LETTRE_GENEREE = (
        "convocations_lettre_generee",
        "Lettre de convocation générée (PDF)",
    )
    CONVOCATIONS_SEANCE_CLASSEE = "convocations_seance_classee", "Séance classée"
    # Réponses des élus (convocations/reponses).
    CONVOCATIONS_ACCUSE_RECEPTION = (
        "convocations_accuse_reception",
        "Accusé de réception d'une convocation",
    )
    CONVOCATIONS_REPONSE_ENREGISTREE = (
        "convocations_reponse_enregistree",
        "Réponse à une convocation enregistrée",
    )
    CONVOCATIONS_POUVOIR_DONNE = "convocations_pouvoir_donne", "Pouvoir donné"
    CONVOCATIONS_POUVOIR_REVOQUE = "convocations_pouvoir_revoque", "Pouvoir révoqué"
    CONVOCATIONS_NOUVEAU_LIEN_DEMANDE = (
        "convocations_nouveau_lien_demande",
        "Nouveau lien de convocation demandé",
    )
    # Accès des élus (convocations/elus).
    CONVOCATIONS_ELU_NAISSANCE_ENREGISTREE = (
        "convocations_elu_naissance_enregistree",
        "Date de naissance d'un élu enregistrée",
    )
    CONVOCATIONS_ELU_ACTIVATION_ENVOYEE = (
        "convocations_elu_activation_envoyee",
        "Lien d'activation envoyé à un élu",
    )
    CONVOCATIONS_ELU_LIEN_PERDU = "convocations_elu_lien_perdu", "Nouveau lien demandé par un élu"
    CONVOCATIONS_ELU_MOT_DE_PASSE_CHANGE = (
        "convocations_elu_mot_de_passe_change",
        "Mot de passe d'un élu changé par lien",
    )
    CONVOCATIONS_ELU_ADRESSE_DEMANDEE = (
        "convocations_elu_adresse_demandee",
        "Adresse personnelle demandée par un élu",
    )
    CONVOCATIONS_ELU_ADRESSE_CONFIRMEE = (
        "convocations_elu_adresse_confirmee",
        "Adresse personnelle d'un élu confirmée",
    )
    CONVOCATIONS_NOTICE_RGPD_MODIFIEE = (
        "convocations_notice_rgpd_modifiee",
        "Notice RGPD des élus modifiée",
    )
    CONVOCATIONS_NOTICE_RGPD_LUE = "convocations_notice_rgpd_lue", "Notice RGPD lue par un élu"
    CONVOCATIONS_ELU_CONSENTEMENTS = (
        "convocations_elu_consentements",
        "Consentements d'un élu modifiés",
    )
    CONVOCATIONS_ELU_RATTACHEMENT_DEMANDE = (
        "convocations_elu_rattachement_demande",
        "Rattachement d'un autre compte demandé par un élu",
    )
    CONVOCATIONS_ELU_COMPTES_RATTACHES = (
        "convocations_elu_comptes_rattaches",
        "Mandats d'un autre compte rattachés au compte de l'élu",
    )
    CONVOCATIONS_ELU_NOTE_ENVOYEE = (
        "convocations_elu_note_envoyee",
        "Note d'un élu envoyée à la collectivité",
    )


class TypeGroupe(models.TextChoices):
    MANUEL = "manuel", "Manuel"
    AUTOMATIQUE = "automatique", "Automatique (suit les mandats)"


class Assemblee(models.TextChoices):
    CONSEIL_MUNICIPAL = "conseil_municipal", "Conseil municipal"
    CONSEIL_COMMUNAUTAIRE = "conseil_communautaire", "Conseil communautaire"
    COMMISSION = "commission", "Commission"


class Fonction(models.TextChoices):
    MAIRE = "maire", "Maire"
    ADJOINT = "adjoint", "Adjoint ou adjointe"
    CONSEILLER = "conseiller", "Conseiller ou conseillère"
    CONSEILLER_DELEGUE = "conseiller_delegue", "Conseiller délégué ou conseillère déléguée"
    PRESIDENT = "president", "Président ou présidente"
    VICE_PRESIDENT = "vice_president", "Vice-président ou vice-présidente"
    DELEGUE_TITULAIRE = "delegue_titulaire", "Délégué titulaire ou déléguée titulaire"
    DELEGUE_SUPPLEANT = "delegue_suppleant", "Délégué suppléant ou déléguée suppléante"
    MEMBRE = "membre", "Membre"


def nom_assemblee(assemblee: str, commission: str = "") -> str:
    """Le nom affiché d'une assemblée, qui est aussi celui de son groupe automatique."""
    if assemblee == Assemblee.COMMISSION:
        return f"Commission {commission}".strip()
    return Assemblee(assemblee).label


class Groupe(ModeleCollectivite):
    nom = models.CharField("nom", max_length=100)
    type = models.CharField(
        "type", max_length=20, choices=TypeGroupe.choices, default=TypeGroupe.MANUEL
    )
    # Groupe automatique : l'assemblée qu'il suit (et le libellé de la commission).
    assemblee = models.CharField("assemblée", max_length=30, choices=Assemblee.choices, blank=True)
    commission = models.CharField("commission", max_length=100, blank=True)

    class Meta:
        verbose_name = "groupe de contacts"
        verbose_name_plural = "groupes de contacts"
        ordering = ["nom", "pk"]
        constraints = [
            models.UniqueConstraint(
                "collectivite",
                Lower("nom"),
                name="convocations_groupe_nom_unique",
                violation_error_message="Un groupe porte déjà ce nom.",
            ),
            models.CheckConstraint(
                condition=Q(type=TypeGroupe.MANUEL, assemblee="")
                | Q(type=TypeGroupe.AUTOMATIQUE) & ~Q(assemblee=""),
                name="convocations_groupe_automatique_assemblee",
                violation_error_message="Un groupe automatique suit une assemblée.",
            ),
        ]

    def __str__(self) -> str:
        return self.nom

    @property
    def automatique(self) -> bool:
        return self.type == TypeGroupe.AUTOMATIQUE


class Contact(ModeleCollectivite):
    email = models.CharField("adresse électronique", max_length=254)
    description = models.CharField("description", max_length=200, blank=True)
    utilisateur = models.ForeignKey(
        Utilisateur,
        verbose_name="compte",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts_convocations",
    )
    compte_collectivite = models.BooleanField(
        "compte de la collectivité",
        default=False,
        help_text="Adresse de la collectivité elle-même (secrétariat, direction), convocable.",
    )
    groupes = models.ManyToManyField(
        Groupe, verbose_name="groupes", blank=True, related_name="contacts"
    )

    class Meta:
        verbose_name = "contact"
        verbose_name_plural = "contacts"
        ordering = ["description", "email", "pk"]
        constraints = [
            models.UniqueConstraint(
                "collectivite",
                Lower("email"),
                name="convocations_contact_email_unique",
                violation_error_message="Un contact du carnet porte déjà cette adresse.",
            ),
            models.UniqueConstraint(
                fields=["collectivite", "utilisateur"],
                name="convocations_contact_utilisateur_unique",
                violation_error_message="Cette personne a déjà sa fiche dans le carnet.",
            ),
        ]

    def __str__(self) -> str:
        return self.description or self.email


class Mandat(ModeleCollectivite):
    utilisateur = models.ForeignKey(
        Utilisateur, verbose_name="élu", on_delete=models.PROTECT, related_name="mandats"
    )
    assemblee = models.CharField("assemblée", max_length=30, choices=Assemblee.choices)
    commission = models.CharField(
        "nom de la commission", max_length=100, blank=True, help_text="Pour une commission."
    )
    fonction = models.CharField("fonction", max_length=30, choices=Fonction.choices)
    debut = models.DateField("début")
    fin = models.DateField("fin", null=True, blank=True)

    class Meta:
        verbose_name = "mandat"
        verbose_name_plural = "mandats"
        ordering = ["assemblee", "commission", "debut", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fin__isnull=True) | Q(fin__gte=models.F("debut")),
                name="convocations_mandat_dates",
                violation_error_message="La fin du mandat ne peut précéder son début.",
            ),
            models.CheckConstraint(
                condition=Q(assemblee=Assemblee.COMMISSION, commission__gt="")
                | ~Q(assemblee=Assemblee.COMMISSION) & Q(commission=""),
                name="convocations_mandat_commission",
                violation_error_message=(
                    "Donnez le nom de la commission (et seulement pour une commission)."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_fonction_display()}, {self.nom_assemblee}"

    @property
    def nom_assemblee(self) -> str:
        return nom_assemblee(self.assemblee, self.commission)

    def en_cours(self, jour: date) -> bool:
        return self.debut <= jour and (self.fin is None or self.fin >= jour)


def en_cours_q(jour: date, prefixe: str = "") -> Q:
    """Condition « mandat en cours le `jour` » (`prefixe` : chemin vers le mandat)."""
    return Q(**{f"{prefixe}debut__lte": jour}) & (
        Q(**{f"{prefixe}fin__isnull": True}) | Q(**{f"{prefixe}fin__gte": jour})
    )


class ImportContacts(ModeleCollectivite):
    """Un fichier déposé dont l'aperçu attend la confirmation de l'agent : le contenu reste ici,
    jamais dans le formulaire, et la confirmation relit ce fichier-là (son empreinte)."""

    par = models.ForeignKey(
        Utilisateur, verbose_name="déposé par", on_delete=models.CASCADE, related_name="+"
    )
    nom_fichier = models.CharField("nom du fichier", max_length=255)
    contenu = models.BinaryField("contenu")
    empreinte = models.CharField("empreinte SHA-256 du fichier", max_length=64)
    # L'aperçu montré à l'agent : s'il a changé à la confirmation (le carnet a bougé entre-temps),
    # on montre le nouveau au lieu d'écrire.
    empreinte_apercu = models.CharField("empreinte de l'aperçu", max_length=64)

    class Meta:
        verbose_name = "import de contacts"
        verbose_name_plural = "imports de contacts"
        ordering = ["-cree_le", "-pk"]

    def __str__(self) -> str:
        return self.nom_fichier


# Les modèles des séances vivent dans leur sous-paquet ; ils sont réexportés ici.
from convocations.seances.models import (  # noqa: E402
    CanalReponse,
    Destinataire,
    DocumentSeance,
    EnvoiConvocation,
    EtatSeance,
    MotifEnvoi,
    NatureDocument,
    PointOrdreDuJour,
    Pouvoir,
    Presence,
    Reponse,
    Seance,
    TypeSeance,
)

__all__ = [
    "ActionConvocations",
    "Assemblee",
    "CanalReponse",
    "Contact",
    "DocumentSeance",
    "Destinataire",
    "EnvoiConvocation",
    "EtatSeance",
    "Fonction",
    "Groupe",
    "ImportContacts",
    "Mandat",
    "MotifEnvoi",
    "NatureDocument",
    "PointOrdreDuJour",
    "Pouvoir",
    "Presence",
    "Reponse",
    "Seance",
    "TypeGroupe",
    "TypeSeance",
    "en_cours_q",
    "nom_assemblee",
]

from convocations.envoi.models import AbonnementResume, ActionEnvoi  # noqa: E402, F401

# Réponses des élus (convocations/reponses).
from convocations.reponses.models import PieceReponse  # noqa: E402

__all__ += ["PieceReponse"]
from convocations.elus.models import AccuseNotice, AdresseElu, CourrielElu, NoteElu, NoticeRgpd  # noqa: E402, F401, I001

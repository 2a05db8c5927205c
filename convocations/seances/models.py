"""Séances et leurs destinataires : le squelette que partagent préparation, envoi, réponses des
élus et éditions (issue 9).

Une `Seance` (conseil municipal, commission, bureau, conseil communautaire) a un ordre du jour
(`PointOrdreDuJour`), des documents (`DocumentSeance`, versionnés : la convocation, la note
explicative de synthèse, les annexes, puis le procès-verbal ou le compte rendu) et des
`Destinataire` : une ligne par personne convoquée ou informée, qui porte le suivi (envois,
lecture, réponse en cours). Chaque courriel parti est une `EnvoiConvocation` (ligne de statut de
`core.mail.lots` : jamais deux fois, incertain montré à l'agent). Chaque réponse validée est une
`Reponse` (l'historique : qui, quand, par quel canal) ; un pouvoir donné est un `Pouvoir`, dont
la base garantit qu'un membre n'en porte qu'un par séance (CGCT L2121-20).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from convocations.models import Assemblee, Contact, Mandat
from core.comptes.models import Utilisateur
from core.mail.models import LigneEnvoi
from core.tenancy.models import ModeleCollectivite


class TypeSeance(models.TextChoices):
    CONSEIL_MUNICIPAL = "conseil_municipal", "Conseil municipal"
    CONSEIL_COMMUNAUTAIRE = "conseil_communautaire", "Conseil communautaire"
    COMMISSION = "commission", "Commission"
    BUREAU = "bureau", "Bureau"


# Les assemblées délibérantes : un délai légal de convocation (CGCT L2121-11, L2121-12,
# L5211-1) ; les autres séances suivent le délai que la collectivité configure.
TYPES_DELIBERANTS = frozenset({TypeSeance.CONSEIL_MUNICIPAL, TypeSeance.CONSEIL_COMMUNAUTAIRE})


class EtatSeance(models.TextChoices):
    """Comme dans i-delibRE : brouillon → envoyée → reçue partiellement → reçue ; puis classée."""

    BROUILLON = "brouillon", "Brouillon"
    ENVOYEE = "envoyee", "Envoyée"
    RECUE_PARTIELLEMENT = "recue_partiellement", "Reçue partiellement"
    RECUE = "recue", "Reçue"
    CLASSEE = "classee", "Classée"


class Seance(ModeleCollectivite):
    type = models.CharField("type de séance", max_length=30, choices=TypeSeance.choices)
    titre = models.CharField("titre", max_length=200)
    # L'assemblée dont les membres sont convoqués : elle dit qui compte pour le quorum et qui peut
    # recevoir un pouvoir (les mandats en cours à la date de la séance).
    assemblee = models.CharField("assemblée", max_length=30, choices=Assemblee.choices)
    commission = models.CharField("nom de la commission", max_length=100, blank=True)
    date = models.DateTimeField("date et heure")
    lieu = models.CharField("lieu", max_length=200)
    distanciel_autorise = models.BooleanField("participation à distance autorisée", default=False)
    etat = models.CharField(
        "état", max_length=20, choices=EtatSeance.choices, default=EtatSeance.BROUILLON
    )
    # Message : objet et corps (gabarits à variables), copies.
    objet_message = models.CharField("objet du courriel", max_length=250, blank=True)
    corps_message = models.TextField("texte du courriel", blank=True)
    copie = models.TextField("copie (cc)", blank=True, help_text="Une adresse par ligne.")
    copie_cachee = models.TextField(
        "copie cachée (cci)", blank=True, help_text="Une adresse par ligne."
    )
    # Mot de passe facultatif qui protège le message et les documents (haché, jamais en clair).
    mot_de_passe = models.CharField("mot de passe (haché)", max_length=128, blank=True)
    # Urgence (CGCT L2121-12) : envoi après le dernier jour légal, justifié, journalisé, imprimé.
    urgence = models.BooleanField("urgence", default=False)
    urgence_justification = models.TextField("justification de l'urgence", blank=True)
    # Jusqu'à quand l'élu peut changer sa réponse.
    reponses_jusqu_au = models.DateTimeField("réponses modifiables jusqu'au", null=True, blank=True)
    cree_par = models.ForeignKey(
        Utilisateur,
        verbose_name="créée par",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    envoyee_le = models.DateTimeField("premier envoi le", null=True, blank=True)
    classee_le = models.DateTimeField("classée le", null=True, blank=True)

    class Meta:
        verbose_name = "séance"
        verbose_name_plural = "séances"
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["collectivite", "-date"], name="conv_seance_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(urgence=False) | ~Q(urgence_justification=""),
                name="convocations_seance_urgence_justifiee",
                violation_error_message="Justifiez l'urgence.",
            ),
        ]

    def __str__(self) -> str:
        return self.titre

    @property
    def deliberante(self) -> bool:
        return self.type in TYPES_DELIBERANTS

    @property
    def classee(self) -> bool:
        return self.etat == EtatSeance.CLASSEE


class PointOrdreDuJour(ModeleCollectivite):
    seance = models.ForeignKey(
        Seance, verbose_name="séance", on_delete=models.CASCADE, related_name="points"
    )
    numero = models.PositiveIntegerField("numéro")
    titre = models.CharField("intitulé", max_length=300)
    rapporteur = models.CharField("rapporteur", max_length=150, blank=True)
    description = models.TextField("description", blank=True)

    class Meta:
        verbose_name = "point de l'ordre du jour"
        verbose_name_plural = "points de l'ordre du jour"
        ordering = ["seance", "numero", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["seance", "numero"],
                name="convocations_point_numero_unique",
                violation_error_message="Ce numéro est déjà pris dans l'ordre du jour.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.numero}. {self.titre}"


class NatureDocument(models.TextChoices):
    CONVOCATION = "convocation", "Lettre de convocation"
    NOTE_SYNTHESE = "note_synthese", "Note explicative de synthèse"
    ANNEXE = "annexe", "Annexe"
    PROCES_VERBAL = "proces_verbal", "Procès-verbal"
    COMPTE_RENDU = "compte_rendu", "Compte rendu"


class DocumentSeance(ModeleCollectivite):
    """Un fichier joint à une séance. Une nouvelle version d'un PV ou d'un compte rendu est une
    nouvelle ligne (même nature, `version` + 1) : les anciennes restent consultables."""

    seance = models.ForeignKey(
        Seance, verbose_name="séance", on_delete=models.CASCADE, related_name="documents"
    )
    nature = models.CharField("nature", max_length=20, choices=NatureDocument.choices)
    titre = models.CharField("titre", max_length=200)
    fichier = models.FileField("fichier", upload_to="convocations/%Y/%m/", max_length=255)
    nom_fichier = models.CharField("nom du fichier d'origine", max_length=255)
    type_contenu = models.CharField("type de contenu", max_length=100)
    taille = models.PositiveBigIntegerField("taille (octets)")
    version = models.PositiveIntegerField("version", default=1)
    ordre = models.PositiveIntegerField("ordre", default=0)
    ajoute_par = models.ForeignKey(
        Utilisateur,
        verbose_name="ajouté par",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "document de séance"
        verbose_name_plural = "documents de séance"
        ordering = ["seance", "ordre", "nature", "-version", "pk"]

    def __str__(self) -> str:
        return self.titre


class Presence(models.TextChoices):
    PRESENT = "present", "Présent"
    PRESENT_DISTANCE = "present_distance", "Présent à distance"
    ABSENT = "absent", "Absent"
    POUVOIR = "pouvoir", "Absent, donne pouvoir"
    SUPPLEANT = "suppleant", "Remplacé par son suppléant"


class CanalReponse(models.TextChoices):
    LIEN = "lien", "Lien de la convocation"
    PORTAIL = "portail", "Espace élu"
    AGENT = "agent", "Saisie par un agent (téléphone, courrier)"


class Destinataire(ModeleCollectivite):
    """Une personne convoquée (membre de l'assemblée) ou informée (invité, agent, adresse tapée,
    compte de la collectivité). Porte le suivi d'i-delibRE/Pastell : envois, lecture, réponse."""

    seance = models.ForeignKey(
        Seance, verbose_name="séance", on_delete=models.CASCADE, related_name="destinataires"
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name="contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="convocations",
    )
    utilisateur = models.ForeignKey(
        Utilisateur,
        verbose_name="compte",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="convocations_recues",
    )
    mandat = models.ForeignKey(
        Mandat,
        verbose_name="mandat",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    email = models.CharField("adresse électronique", max_length=254)
    nom = models.CharField("nom", max_length=200, blank=True)
    # Membre de l'assemblée (compte pour le quorum, peut donner ou recevoir un pouvoir).
    membre = models.BooleanField("membre de l'assemblée", default=False)
    # Envoi papier demandé par l'élu (CGCT L2121-10) : la date est celle de la remise ou de l'envoi.
    papier = models.BooleanField("envoi papier", default=False)
    papier_le = models.DateField("envoyé sur papier le", null=True, blank=True)
    premier_envoi_le = models.DateTimeField("date d'envoi", null=True, blank=True)
    dernier_envoi_le = models.DateTimeField("dernier envoi", null=True, blank=True)
    nombre_envois = models.PositiveIntegerField("nombre d'envois", default=0)
    lu_le = models.DateTimeField("accusé de réception le", null=True, blank=True)
    rebondi_le = models.DateTimeField("non distribué le", null=True, blank=True)
    rebond_motif = models.TextField("motif de non-distribution", blank=True)
    # La réponse en vigueur (l'historique est dans `Reponse`).
    presence = models.CharField("réponse", max_length=20, choices=Presence.choices, blank=True)
    reponse_le = models.DateTimeField("répondu le", null=True, blank=True)
    reponse_commentaire = models.TextField("commentaire", blank=True)

    class Meta:
        verbose_name = "destinataire"
        verbose_name_plural = "destinataires"
        ordering = ["seance", "nom", "email", "pk"]
        constraints = [
            models.UniqueConstraint(
                "seance",
                models.functions.Lower("email"),
                name="convocations_destinataire_unique",
                violation_error_message="Cette adresse est déjà parmi les destinataires.",
            ),
        ]
        indexes = [models.Index(fields=["utilisateur", "seance"], name="conv_dest_utilisateur")]

    def __str__(self) -> str:
        return self.nom or self.email


class MotifEnvoi(models.TextChoices):
    CONVOCATION = "convocation", "Convocation"
    RELANCE = "relance", "Nouvel envoi"
    NOTIFICATION = "notification", "Nouvelle notification (procès-verbal, compte rendu)"


class EnvoiConvocation(LigneEnvoi, ModeleCollectivite):
    """Un courriel à un destinataire, envoyé par `core.mail.lots` (voir docs/envoi-en-nombre.md).
    Le lien personnel est créé dans le worker, au moment de l'envoi."""

    destinataire = models.ForeignKey(
        Destinataire, verbose_name="destinataire", on_delete=models.CASCADE, related_name="envois"
    )
    motif = models.CharField(
        "motif", max_length=20, choices=MotifEnvoi.choices, default=MotifEnvoi.CONVOCATION
    )
    par = models.ForeignKey(
        Utilisateur,
        verbose_name="demandé par",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "envoi de convocation"
        verbose_name_plural = "envois de convocation"
        ordering = ["-cree_le", "-pk"]
        indexes = [models.Index(fields=["statut", "prochain_essai"], name="envoi_convocation_file")]

    def __str__(self) -> str:
        return f"{self.get_motif_display()} à {self.destinataire} ({self.get_statut_display()})"


class Reponse(ModeleCollectivite):
    """Une réponse validée : l'historique complet (qui, quand, par quel canal)."""

    destinataire = models.ForeignKey(
        Destinataire, verbose_name="destinataire", on_delete=models.CASCADE, related_name="reponses"
    )
    presence = models.CharField("réponse", max_length=20, choices=Presence.choices)
    commentaire = models.TextField("commentaire", blank=True)
    mandataire = models.ForeignKey(
        Destinataire,
        verbose_name="pouvoir à",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    canal = models.CharField("canal", max_length=10, choices=CanalReponse.choices)
    par = models.ForeignKey(
        Utilisateur,
        verbose_name="saisie par",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "réponse"
        verbose_name_plural = "réponses"
        ordering = ["destinataire", "-cree_le", "-pk"]

    def __str__(self) -> str:
        return f"{self.destinataire} : {self.get_presence_display()}"


class Pouvoir(ModeleCollectivite):
    """Pouvoir écrit de voter (CGCT L2121-20). Un pouvoir en vigueur n'est pas révoqué.

    La base garantit : un mandataire ne porte qu'un pouvoir par séance, un mandant n'en donne
    qu'un, et personne ne se le donne à soi-même. Le reste (donner ET recevoir, trois séances
    consécutives) est vérifié par le service sous verrou."""

    seance = models.ForeignKey(
        Seance, verbose_name="séance", on_delete=models.CASCADE, related_name="pouvoirs"
    )
    mandant = models.ForeignKey(
        Destinataire,
        verbose_name="mandant",
        on_delete=models.CASCADE,
        related_name="pouvoirs_donnes",
    )
    mandataire = models.ForeignKey(
        Destinataire,
        verbose_name="mandataire",
        on_delete=models.CASCADE,
        related_name="pouvoirs_recus",
    )
    revoque_le = models.DateTimeField("révoqué le", null=True, blank=True)
    # Au-delà de trois séances consécutives : seulement pour maladie dûment constatée.
    exception_maladie = models.BooleanField("maladie dûment constatée", default=False)
    justification = models.TextField("justification", blank=True)
    piece = models.FileField(
        "pouvoir signé", upload_to="convocations/pouvoirs/%Y/%m/", max_length=255, blank=True
    )
    par = models.ForeignKey(
        Utilisateur,
        verbose_name="saisi par",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "pouvoir"
        verbose_name_plural = "pouvoirs"
        ordering = ["seance", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["seance", "mandataire"],
                condition=Q(revoque_le__isnull=True),
                name="convocations_pouvoir_un_par_mandataire",
                violation_error_message="Ce membre porte déjà un pouvoir pour cette séance.",
            ),
            models.UniqueConstraint(
                fields=["seance", "mandant"],
                condition=Q(revoque_le__isnull=True),
                name="convocations_pouvoir_un_par_mandant",
                violation_error_message="Ce membre a déjà donné un pouvoir pour cette séance.",
            ),
            models.CheckConstraint(
                condition=~Q(mandant=models.F("mandataire")),
                name="convocations_pouvoir_pas_a_soi",
                violation_error_message="On ne peut pas se donner pouvoir à soi-même.",
            ),
            models.CheckConstraint(
                condition=Q(exception_maladie=False) | ~Q(justification=""),
                name="convocations_pouvoir_maladie_justifiee",
                violation_error_message="Justifiez l'exception pour maladie.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mandant} donne pouvoir à {self.mandataire}"

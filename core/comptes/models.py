"""Personnes (agents, élus, personnel de la plateforme), leurs rôles et les invitations."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from core.comptes.garde import OubliALaMiseAJour
from core.tenancy.models import BaseModel, Collectivite, ModeleCollectivite, ScopedQuerySet


class UtilisateurQuerySet(OubliALaMiseAJour, models.QuerySet["Utilisateur"]):
    champ_compte = "pk"


class UtilisateurManager(UserManager.from_queryset(UtilisateurQuerySet)):  # type: ignore[misc]
    pass


class Utilisateur(AbstractUser):
    """Toute personne qui se connecte : agents, élus, personnel de la plateforme."""

    objects: ClassVar[UtilisateurManager] = UtilisateurManager()

    email = models.EmailField("courriel", blank=True)
    date_naissance = models.DateField("date de naissance", null=True, blank=True)
    departement_naissance = models.CharField("département de naissance", max_length=3, blank=True)
    telephone = models.CharField("téléphone", max_length=30, blank=True)

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.nom_affiche(
            prenom=self.first_name, nom=self.last_name, identifiant=self.username
        )

    @staticmethod
    def nom_affiche(*, prenom: str, nom: str, identifiant: str) -> str:
        """« MARTIN Claire », sinon l'identifiant : le nom d'une personne partout où il
        s'affiche, aussi depuis des valeurs lues sans le modèle (`values_list`)."""
        return f"{nom.upper()} {prenom}".strip() or identifiant


class TypeRole(models.TextChoices):
    ADMINISTRATEUR = "administrateur", "Administrateur"
    AGENT_ELECTIONS = "agent_elections", "Agent élections"
    SECRETARIAT = "secretariat", "Secrétariat des assemblées"
    LECTURE = "lecture", "Lecture seule"


class RoleQuerySet(OubliALaMiseAJour, ScopedQuerySet["Role"]):
    champ_compte = "utilisateur_id"


class Role(BaseModel):
    """Rôle d'agent d'une personne dans une collectivité (tableau de `core.permissions`)."""

    utilisateur = models.ForeignKey(
        Utilisateur, on_delete=models.CASCADE, related_name="roles", verbose_name="agent"
    )
    collectivite = models.ForeignKey(
        Collectivite, on_delete=models.CASCADE, related_name="roles", verbose_name="collectivité"
    )
    role = models.CharField("rôle", max_length=20, choices=TypeRole.choices)
    actif = models.BooleanField("actif", default=True)

    objects = RoleQuerySet.as_manager()

    class Meta:
        verbose_name = "rôle"
        verbose_name_plural = "rôles"
        ordering = ["collectivite__nom", "utilisateur__last_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["utilisateur", "collectivite"], name="role_unique_par_collectivite"
            )
        ]

    def __str__(self) -> str:
        return f"{self.utilisateur} — {self.get_role_display()} ({self.collectivite})"


class StatutInvitation(models.TextChoices):
    EN_ATTENTE = "en_attente", "En attente"
    ACCEPTEE = "acceptee", "Acceptée"
    REFUSEE = "refusee", "Refusée"
    ANNULEE = "annulee", "Annulée"


class Invitation(ModeleCollectivite):
    """Invitation à prendre un rôle dans une collectivité, adressée à un courriel saisi.

    L'administrateur ne saisit que nom, courriel et rôle : l'invitation ne désigne aucun
    compte, et l'écran, la liste et le courriel sont les mêmes qu'un compte existe ou non
    pour cette adresse. Le lien reçu (`core.liens`, objectif « invitation ») mène la
    personne à créer son compte ou à se connecter à un compte existant pour accepter ;
    `utilisateur` est le compte qui a accepté (jamais deviné d'après l'adresse)."""

    email = models.EmailField("courriel saisi")
    prenom = models.CharField("prénom saisi", max_length=150, blank=True)
    nom = models.CharField("nom saisi", max_length=150, blank=True)
    utilisateur = models.ForeignKey(
        Utilisateur,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name="compte qui a accepté",
    )
    role = models.CharField("rôle proposé", max_length=20, choices=TypeRole.choices)
    statut = models.CharField(
        "statut",
        max_length=20,
        choices=StatutInvitation.choices,
        default=StatutInvitation.EN_ATTENTE,
    )
    invite_par = models.ForeignKey(
        Utilisateur,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="invitée par",
    )
    envoyee_le = models.DateTimeField("dernier envoi le", null=True, blank=True)
    expire_le = models.DateTimeField("expire le")
    repondu_le = models.DateTimeField("réponse le", null=True, blank=True)

    class Meta:
        verbose_name = "invitation"
        verbose_name_plural = "invitations"
        ordering = ["-cree_le"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "collectivite",
                condition=Q(statut="en_attente"),
                name="invitation_en_attente_unique",
            )
        ]

    def __str__(self) -> str:
        return f"Invitation de {self.email} ({self.collectivite})"

    @property
    def expiree(self) -> bool:
        return self.expire_le <= timezone.now()

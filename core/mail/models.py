"""Comptes d'envoi (SMTP et boîte de réception), trace des messages envoyés, courriers relevés."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.comptes.models import Invitation, Utilisateur
from core.tenancy.models import ModeleCollectivite


class Securite(models.TextChoices):
    STARTTLS = "starttls", "STARTTLS"
    SSL = "ssl", "SSL/TLS"
    AUCUNE = "aucune", "Aucune (déconseillé)"


class ProtocoleBoite(models.TextChoices):
    AUCUN = "", "Aucune"
    POP3 = "pop3", "POP3"
    IMAP = "imap", "IMAP"


class CompteSMTP(ModeleCollectivite):
    """Compte d'envoi d'une personne pour une collectivité, ou compte par défaut de la
    collectivité (`utilisateur` vide). Le mot de passe est chiffré (Fernet)."""

    utilisateur = models.ForeignKey(
        Utilisateur,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comptes_smtp",
        verbose_name="agent",
        help_text="Vide : compte par défaut de la collectivité.",
    )
    adresse_expediteur = models.EmailField("adresse d'expédition")
    nom_affiche = models.CharField("nom affiché", max_length=200, blank=True)
    identifiant = models.CharField("nom d'utilisateur", max_length=254, blank=True)
    mot_de_passe_chiffre = models.TextField("mot de passe (chiffré)", blank=True, editable=False)
    hote = models.CharField("serveur SMTP", max_length=254)
    port = models.PositiveIntegerField(
        "port SMTP", default=587, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    securite = models.CharField(
        "sécurité", max_length=10, choices=Securite.choices, default=Securite.STARTTLS
    )
    boite_protocole = models.CharField(
        "boîte de réception", max_length=5, choices=ProtocoleBoite.choices, blank=True
    )
    boite_hote = models.CharField("serveur POP3 ou IMAP", max_length=254, blank=True)
    boite_port = models.PositiveIntegerField(
        "port de la boîte",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(65535)],
    )
    boite_securite = models.CharField(
        "sécurité de la boîte", max_length=10, choices=Securite.choices, default=Securite.SSL
    )
    derniere_verification = models.DateTimeField("dernier test", null=True, blank=True)
    dernier_resultat = models.CharField("résultat du dernier test", max_length=500, blank=True)
    dernier_test_reussi = models.BooleanField("dernier test réussi", null=True, blank=True)

    class Meta:
        verbose_name = "compte SMTP"
        verbose_name_plural = "comptes SMTP"
        ordering = ["collectivite__nom", "adresse_expediteur"]
        constraints = [
            models.UniqueConstraint(
                fields=["utilisateur", "collectivite"],
                condition=Q(utilisateur__isnull=False),
                name="compte_smtp_unique_par_agent",
            ),
            models.UniqueConstraint(
                fields=["collectivite"],
                condition=Q(utilisateur__isnull=True),
                name="compte_smtp_defaut_unique",
            ),
        ]

    def __str__(self) -> str:
        qui = str(self.utilisateur) if self.utilisateur_id else "compte de la collectivité"
        return f"{self.adresse_expediteur} ({qui})"


class StatutMessage(models.TextChoices):
    EN_COURS = "en_cours", "En cours"
    ENVOYE = "envoye", "Envoyé"
    ECHEC = "echec", "Échec"
    ECHEC_TEMPORAIRE = "echec_temporaire", "Échec temporaire"
    # Accepté par notre serveur, puis refusé plus loin : avis de non-remise lu dans la boîte.
    REBONDI = "rebondi", "Non remis (rebond)"


class MessageEnvoye(ModeleCollectivite):
    """Trace de chaque message remis à un serveur SMTP par `core.mail.envoyer`."""

    compte = models.ForeignKey(
        CompteSMTP, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="compte"
    )
    compte_libelle = models.CharField("compte utilisé", max_length=300)
    expediteur = models.CharField("expéditeur", max_length=300)
    destinataires = models.TextField("destinataires")
    sujet = models.CharField("objet", max_length=300)
    message_id = models.CharField("Message-ID", max_length=300, blank=True)
    statut = models.CharField(
        "statut", max_length=20, choices=StatutMessage.choices, default=StatutMessage.EN_COURS
    )
    code_smtp = models.PositiveIntegerField("code SMTP", null=True, blank=True)
    reponse_smtp = models.TextField("réponse du serveur", blank=True)
    envoye_le = models.DateTimeField("envoyé le", null=True, blank=True)
    demandeur = models.ForeignKey(
        Utilisateur, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rebond_code = models.CharField("code d'état du rebond", max_length=20, blank=True)
    rebond_diagnostic = models.TextField("motif du rebond", blank=True)
    rebond_le = models.DateTimeField("rebond reçu le", null=True, blank=True)

    class Meta:
        verbose_name = "message envoyé"
        verbose_name_plural = "messages envoyés"
        ordering = ["-cree_le"]

    def __str__(self) -> str:
        return f"{self.sujet} → {self.destinataires}"


class StatutCourrier(models.TextChoices):
    EN_COURS = "en_cours", "En cours"
    TRAITE = "traite", "Traité"
    IGNORE = "ignore", "Ignoré"
    ECHEC = "echec", "Échec"


class CourrierRecu(ModeleCollectivite):
    """Un message vu dans la boîte d'un compte SMTP, pris par un seul relevé.

    La contrainte unique (`compte`, `uid`) est le verrou : le relevé qui insère la ligne
    traite le message, l'autre passe. Le message reste sur le serveur jusqu'au traitement.
    """

    compte = models.ForeignKey(
        CompteSMTP, on_delete=models.CASCADE, related_name="courriers_recus", verbose_name="compte"
    )
    # UIDVALIDITY:UID (IMAP) ou UIDL (POP3) : stable d'un relevé à l'autre.
    uid = models.CharField("identifiant sur le serveur", max_length=200)
    statut = models.CharField(
        "statut", max_length=20, choices=StatutCourrier.choices, default=StatutCourrier.EN_COURS
    )
    nature = models.CharField("nature", max_length=40, blank=True)
    message_id = models.CharField("Message-ID", max_length=300, blank=True)
    message_envoye = models.ForeignKey(
        MessageEnvoye,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="courriers_recus",
        verbose_name="message envoyé concerné",
    )
    tentatives = models.PositiveIntegerField("tentatives", default=0)
    erreur = models.CharField("erreur", max_length=300, blank=True)
    traite_le = models.DateTimeField("traité le", null=True, blank=True)

    class Meta:
        verbose_name = "courrier reçu"
        verbose_name_plural = "courriers reçus"
        ordering = ["-cree_le"]
        constraints = [
            models.UniqueConstraint(fields=["compte", "uid"], name="courrier_recu_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_statut_display()} ({self.uid})"


class StatutEnvoi(models.TextChoices):
    """Sort d'un destinataire d'un envoi en nombre (`core.mail.lots`)."""

    EN_ATTENTE = "en_attente", "En attente"
    EN_COURS = "en_cours", "En cours"
    ENVOYE = "envoye", "Envoyé"
    ECHEC = "echec", "Échec"
    # Transmis peut-être (réponse finale jamais venue, ou envoi interrompu) : jamais renvoyé
    # automatiquement, montré à l'agent.
    INCERTAIN = "incertain", "Incertain"


class LigneEnvoi(models.Model):
    """Ligne de statut d'un destinataire, envoyée par `core.mail.lots.lot_envoyer`.

    Abstraite : un domaine (notifications, convocations) en hérite et ajoute ses clés
    (destinataire, séance…). La base est la file de référence : `prochain_essai` dit quand
    la ligne « en attente » doit partir, `en_cours_depuis` quand elle a été prise.
    """

    statut = models.CharField(
        "statut",
        max_length=12,
        choices=StatutEnvoi.choices,
        default=StatutEnvoi.EN_ATTENTE,
        db_index=True,
    )
    tentatives = models.PositiveIntegerField("tentatives", default=0)
    prochain_essai = models.DateTimeField("prochain essai", default=timezone.now)
    en_cours_depuis = models.DateTimeField("en cours depuis", null=True, blank=True)
    code_smtp = models.PositiveIntegerField("code SMTP", null=True, blank=True)
    reponse_smtp = models.TextField("réponse du serveur", blank=True)
    envoye_le = models.DateTimeField("envoyé le", null=True, blank=True)
    message = models.ForeignKey(
        MessageEnvoye,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="message envoyé",
    )

    class Meta:
        abstract = True


class EnvoiActivation(LigneEnvoi, ModeleCollectivite):
    """Un courriel d'activation à envoyer à une personne (`core.liens.services`).

    Chaque envoi crée son lien dans le worker : le jeton en clair ne passe jamais par Redis.
    """

    utilisateur = models.ForeignKey(
        Utilisateur, on_delete=models.CASCADE, related_name="+", verbose_name="personne"
    )
    par = models.ForeignKey(
        Utilisateur,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="demandé par",
    )

    class Meta:
        verbose_name = "envoi d'un lien d'activation"
        verbose_name_plural = "envois de liens d'activation"
        ordering = ["-cree_le"]
        indexes = [models.Index(fields=["statut", "prochain_essai"], name="envoi_activation_file")]

    def __str__(self) -> str:
        return f"Activation de {self.utilisateur} ({self.get_statut_display()})"


class EnvoiInvitation(LigneEnvoi, ModeleCollectivite):
    """Le courriel d'une invitation (`core.comptes.services.invitation_envoyer`).

    Comme l'activation : le lien naît dans le worker, chaque essai émet un lien neuf qui
    révoque le précédent, nouveaux essais et envois incertains suivent `core.mail.lots`.
    """

    invitation = models.ForeignKey(
        Invitation, on_delete=models.CASCADE, related_name="envois", verbose_name="invitation"
    )
    par = models.ForeignKey(
        Utilisateur,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="demandé par",
    )

    class Meta:
        verbose_name = "envoi d'une invitation"
        verbose_name_plural = "envois d'invitations"
        ordering = ["-cree_le"]
        indexes = [models.Index(fields=["statut", "prochain_essai"], name="envoi_invitation_file")]

    def __str__(self) -> str:
        return f"Invitation de {self.invitation.email} ({self.get_statut_display()})"

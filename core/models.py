"""Modèles du socle : collectivités, personnes et rôles, comptes SMTP, journal, travaux,
liens sécurisés et délais.

Chaque ligne « métier » appartient à une collectivité (`ModeleCollectivite`) ; les personnes
sont rattachées à plusieurs collectivités par leurs rôles (et, plus tard, leurs mandats).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


class BaseModel(models.Model):
    cree_le = models.DateTimeField("créé le", default=timezone.now, editable=False, db_index=True)
    modifie_le = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        abstract = True


class TypeCollectivite(models.TextChoices):
    COMMUNE = "commune", "Commune"
    EPCI = "epci", "EPCI"


class Collectivite(BaseModel):
    nom = models.CharField("nom", max_length=200)
    slug = models.SlugField("identifiant court", max_length=80, unique=True)
    type = models.CharField(
        "type", max_length=10, choices=TypeCollectivite.choices, default=TypeCollectivite.COMMUNE
    )
    code_insee = models.CharField(
        "code INSEE",
        max_length=5,
        blank=True,
        validators=[RegexValidator(r"^(\d{5}|2[AB]\d{3})$", "Code INSEE à 5 caractères.")],
    )
    siren = models.CharField(
        "SIREN",
        max_length=9,
        blank=True,
        validators=[RegexValidator(r"^\d{9}$", "Le SIREN compte 9 chiffres.")],
    )
    population_legale = models.PositiveIntegerField(
        "population légale",
        default=0,
        help_text="Population municipale en vigueur ; elle fixe les délais de convocation (CGCT).",
    )
    membre_3500_ou_plus = models.BooleanField(
        "au moins une commune membre de 3 500 habitants ou plus",
        default=False,
        help_text="EPCI seulement : CGCT L5211-1, les règles des communes de 3 500 habitants "
        "et plus s'appliquent alors.",
    )
    alsace_moselle = models.BooleanField(
        "droit local d'Alsace-Moselle",
        default=False,
        help_text="Bas-Rhin, Haut-Rhin, Moselle : convocation du conseil trois jours au moins "
        "avant la séance, la veille en cas d'urgence, sous 3 500 habitants (CGCT, art. L2541-2).",
    )
    adresse = models.TextField("adresse", blank=True)
    courriel = models.EmailField("courriel de la mairie", blank=True)
    telephone = models.CharField("téléphone", max_length=30, blank=True)
    commission_adresse = models.TextField(
        "adresse postale de la commission de contrôle", blank=True
    )
    commission_courriel = models.EmailField("courriel de la commission de contrôle", blank=True)
    signataire_nom = models.CharField("signataire par défaut", max_length=200, blank=True)
    signataire_qualite = models.CharField("qualité du signataire", max_length=200, blank=True)
    logo = models.FileField("logo", upload_to="logos/", blank=True)

    class Meta:
        verbose_name = "collectivité"
        verbose_name_plural = "collectivités"
        ordering = ["nom"]
        constraints = [
            models.CheckConstraint(
                condition=Q(type="epci") | Q(membre_3500_ou_plus=False),
                name="collectivite_membre_3500_epci_seulement",
            )
        ]

    def __str__(self) -> str:
        return self.nom

    def regime_3500_ou_plus(self, seuil: int) -> bool:
        """Vrai si les règles des communes de 3 500 habitants et plus s'appliquent (CGCT).

        Une commune les suit si sa population légale atteint `seuil` (le délai configuré
        `seuil_habitants_convocation`). Un EPCI les suit si et seulement si une commune membre
        compte 3 500 habitants ou plus (CGCT L5211-1), quelle que soit sa propre population.
        """
        if self.type == TypeCollectivite.EPCI:
            return self.membre_3500_ou_plus
        return self.population_legale >= seuil


class ScopedQuerySet(models.QuerySet[Any]):
    def pour(self, collectivite: Collectivite | int | None) -> ScopedQuerySet:
        """Les lignes d'une collectivité ; `None` ne rend rien (jamais tout)."""
        if collectivite is None:
            return self.none()
        return self.filter(collectivite=collectivite)


class ModeleCollectivite(BaseModel):
    """Base de toute ligne métier : elle appartient à exactement une collectivité."""

    collectivite = models.ForeignKey(
        Collectivite, verbose_name="collectivité", on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class Utilisateur(AbstractUser):
    """Toute personne qui se connecte : agents, élus, personnel de la plateforme."""

    email = models.EmailField("courriel", blank=True)
    date_naissance = models.DateField("date de naissance", null=True, blank=True)
    departement_naissance = models.CharField("département de naissance", max_length=3, blank=True)
    telephone = models.CharField("téléphone", max_length=30, blank=True)

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        nom = f"{self.last_name.upper()} {self.first_name}".strip()
        return nom or self.username


class TypeRole(models.TextChoices):
    ADMINISTRATEUR = "administrateur", "Administrateur"
    AGENT_ELECTIONS = "agent_elections", "Agent élections"
    SECRETARIAT = "secretariat", "Secrétariat des assemblées"
    LECTURE = "lecture", "Lecture seule"


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

    objects = ScopedQuerySet.as_manager()

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
    """Invitation d'une personne qui a déjà un compte à prendre un rôle dans une collectivité.

    Un administrateur ne rattache jamais lui-même un compte existant : la personne reçoit
    l'invitation à l'adresse de son propre compte et l'accepte connectée à ce compte
    (`core.services.invitation_accepter`)."""

    utilisateur = models.ForeignKey(
        Utilisateur, on_delete=models.CASCADE, related_name="invitations", verbose_name="personne"
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
    expire_le = models.DateTimeField("expire le")
    repondu_le = models.DateTimeField("réponse le", null=True, blank=True)

    class Meta:
        verbose_name = "invitation"
        verbose_name_plural = "invitations"
        ordering = ["-cree_le"]
        constraints = [
            models.UniqueConstraint(
                fields=["utilisateur", "collectivite"],
                condition=Q(statut="en_attente"),
                name="invitation_en_attente_unique",
            )
        ]

    def __str__(self) -> str:
        return f"Invitation de {self.utilisateur} ({self.collectivite})"


# --- Comptes SMTP ---------------------------------------------------------------------------


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


# --- Journal --------------------------------------------------------------------------------


class ChaineJournal(models.Model):
    """Tête d'une chaîne de hachage : une par collectivité, une pour la plateforme.

    Le verrou `select_for_update` sur cette ligne sérialise les ajouts concurrents.
    """

    collectivite = models.OneToOneField(
        Collectivite, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    plateforme = models.BooleanField(default=False)
    dernier_numero = models.PositiveBigIntegerField(default=0)
    dernier_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = "chaîne du journal"
        verbose_name_plural = "chaînes du journal"
        constraints = [
            models.UniqueConstraint(
                fields=["plateforme"], condition=Q(plateforme=True), name="chaine_plateforme_unique"
            ),
            models.CheckConstraint(
                condition=Q(plateforme=True, collectivite__isnull=True)
                | Q(plateforme=False, collectivite__isnull=False),
                name="chaine_plateforme_ou_collectivite",
            ),
        ]

    def __str__(self) -> str:
        return "plateforme" if self.plateforme else f"journal de {self.collectivite}"


class JournalInalterable(Exception):
    """Tentative de modifier ou de supprimer une entrée du journal."""

    def __init__(self) -> None:
        super().__init__(
            "Le journal est en ajout seul : une entrée ne se modifie ni ne se supprime."
        )


class EntreeJournalQuerySet(models.QuerySet["EntreeJournal"]):
    def update(self, **kwargs: Any) -> int:
        raise JournalInalterable()

    def delete(self) -> tuple[int, dict[str, int]]:
        raise JournalInalterable()


class EntreeJournal(models.Model):
    """Entrée du journal, jamais modifiée ni supprimée, scellée par HMAC-SHA256 et chaînée.

    `hash` est le sceau (HMAC de la clé dont `cle` est l'empreinte) ; une entrée d'avant les
    clés (`cle` vide) garde son empreinte SHA-256 simple.
    """

    chaine = models.ForeignKey(ChaineJournal, on_delete=models.PROTECT, related_name="entrees")
    collectivite = models.ForeignKey(
        Collectivite,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="collectivité",
    )
    numero = models.PositiveBigIntegerField("n°")
    horodatage = models.DateTimeField("date", default=timezone.now)
    acteur = models.ForeignKey(
        Utilisateur,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="auteur",
    )
    acteur_libelle = models.CharField("auteur (libellé)", max_length=300, blank=True)
    action = models.CharField("action", max_length=80, db_index=True)
    objet_type = models.CharField("type d'objet", max_length=80, blank=True)
    objet_id = models.CharField("identifiant de l'objet", max_length=64, blank=True)
    objet_libelle = models.CharField("objet", max_length=300, blank=True)
    sujet_type = models.CharField("type de sujet", max_length=80, blank=True)
    sujet_id = models.CharField("identifiant du sujet", max_length=64, blank=True)
    sujet_libelle = models.CharField("sujet", max_length=300, blank=True)
    details = models.JSONField("détails", default=dict, blank=True)
    hash_precedent = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # Empreinte courte de la clé qui a scellé l'entrée (jamais la clé) ; vide avant les clés.
    cle = models.CharField("clé de scellement", max_length=16, blank=True, default="")

    objects = EntreeJournalQuerySet.as_manager()

    class Meta:
        verbose_name = "entrée du journal"
        verbose_name_plural = "journal"
        ordering = ["-horodatage", "-numero"]
        constraints = [
            models.UniqueConstraint(fields=["chaine", "numero"], name="journal_numero_unique"),
        ]
        indexes = [
            models.Index(fields=["sujet_type", "sujet_id", "horodatage"], name="journal_sujet"),
            models.Index(fields=["objet_type", "objet_id", "horodatage"], name="journal_objet"),
            models.Index(fields=["collectivite", "horodatage"], name="journal_collectivite"),
            models.Index(fields=["acteur", "horodatage"], name="journal_acteur"),
        ]

    def __str__(self) -> str:
        return f"#{self.numero} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise JournalInalterable()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise JournalInalterable()

    # Lecture en français pour les gabarits (page du journal, chronologie, export).
    @property
    def libelle_action(self) -> str:
        from core.registry import registre

        return registre.libelle_action(self.action)

    @property
    def details_lisibles(self) -> str:
        from core.journal import details_en_francais

        return details_en_francais(self.details)


# --- Travaux suivis -------------------------------------------------------------------------


class StatutTravail(models.TextChoices):
    EN_ATTENTE = "en_attente", "En attente"
    EN_COURS = "en_cours", "En cours"
    TERMINE = "termine", "Terminé"
    ECHEC = "echec", "Échec"
    # Le worker s'est tu (arrêt brutal, redémarrage) : rien ne reprendra seul, l'agent relance.
    INTERROMPU = "interrompu", "Interrompu"


class Travail(ModeleCollectivite):
    """Un travail long (import, édition, lot d'envois) suivi sur une page unique."""

    type = models.CharField("type", max_length=80, db_index=True)
    libelle = models.CharField("libellé", max_length=300)
    statut = models.CharField(
        "statut", max_length=20, choices=StatutTravail.choices, default=StatutTravail.EN_ATTENTE
    )
    progression = models.PositiveIntegerField("avancement", default=0)
    total = models.PositiveIntegerField("total", default=0)
    message = models.CharField("message", max_length=500, blank=True)
    parametres = models.JSONField("paramètres", default=dict, blank=True)
    demandeur = models.ForeignKey(
        Utilisateur, on_delete=models.PROTECT, null=True, blank=True, verbose_name="demandeur"
    )
    fichier = models.FileField("fichier produit", upload_to="travaux/%Y/%m/", blank=True)
    fichier_nom = models.CharField("nom du fichier", max_length=200, blank=True)
    erreur = models.TextField("erreur", blank=True)
    tentatives = models.PositiveIntegerField("tentatives", default=0)
    commence_le = models.DateTimeField("commencé le", null=True, blank=True)
    termine_le = models.DateTimeField("terminé le", null=True, blank=True)
    # Battement de cœur de l'exécution en cours : un battement trop ancien veut dire que le
    # worker est mort (SIGKILL) ; le balayage déclare alors le travail interrompu.
    battement_le = models.DateTimeField("dernier signe de vie", null=True, blank=True)
    # Dernière mise en file de la tentative en cours et leur nombre : le balayage ne remet en
    # file qu'un travail oublié, jamais deux fois de suite un travail qui attend déjà.
    mis_en_file_le = models.DateTimeField("mis en file le", null=True, blank=True)
    mises_en_file = models.PositiveIntegerField("mises en file", default=0)

    class Meta:
        verbose_name = "travail"
        verbose_name_plural = "travaux"
        ordering = ["-cree_le"]
        indexes = [
            models.Index(fields=["collectivite", "statut"], name="travail_statut"),
            models.Index(fields=["statut"], name="travail_balayage"),
        ]

    def __str__(self) -> str:
        return self.libelle

    @property
    def pourcentage(self) -> int:
        if self.statut == StatutTravail.TERMINE:
            return 100
        if not self.total:
            return 0
        return min(100, round(100 * self.progression / self.total))


# --- Liens sécurisés ------------------------------------------------------------------------


class LienSecurise(ModeleCollectivite):
    """Lien personnel : seul le SHA-256 du jeton est stocké."""

    hash_jeton = models.CharField(max_length=64, unique=True, editable=False)
    objectif = models.CharField("objectif", max_length=60)
    cible_type = models.CharField("type de cible", max_length=80)
    cible_id = models.CharField("identifiant de la cible", max_length=64)
    expire_le = models.DateTimeField("expire le")
    usage_unique = models.BooleanField("usage unique", default=True)
    utilise_le = models.DateTimeField("utilisé le", null=True, blank=True)
    revoque_le = models.DateTimeField("révoqué le", null=True, blank=True)
    date_naissance_attendue = models.DateField(null=True, blank=True, editable=False)
    departement_attendu = models.CharField(max_length=3, blank=True, editable=False)
    tentatives = models.PositiveIntegerField("tentatives d'identification", default=0)
    tentatives_max = models.PositiveIntegerField("tentatives autorisées", default=5)
    verrouille_le = models.DateTimeField("verrouillé le", null=True, blank=True)
    identite_verifiee_le = models.DateTimeField(null=True, blank=True)
    cree_par = models.ForeignKey(
        Utilisateur, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "lien sécurisé"
        verbose_name_plural = "liens sécurisés"
        ordering = ["-cree_le"]
        indexes = [
            models.Index(fields=["objectif", "cible_type", "cible_id"], name="lien_cible"),
        ]

    def __str__(self) -> str:
        return f"{self.objectif} → {self.cible_type} {self.cible_id}"

    @property
    def verification_identite(self) -> bool:
        return self.date_naissance_attendue is not None


class CompteurIdentite(BaseModel):
    """Échecs de vérification d'identité d'une personne (la cible des liens), tous liens
    confondus : un nouveau lien ne remet pas le compteur à zéro. Le blocage tombe après
    `core.liens.DUREE_BLOCAGE_IDENTITE`, ou quand le personnel supprime la ligne."""

    cible_type = models.CharField("type de cible", max_length=80)
    cible_id = models.CharField("identifiant de la cible", max_length=64)
    echecs = models.PositiveIntegerField("échecs", default=0)
    dernier_echec = models.DateTimeField("dernier échec", null=True, blank=True)
    verrouille_le = models.DateTimeField("bloqué le", null=True, blank=True)

    class Meta:
        verbose_name = "compteur d'identification"
        verbose_name_plural = "compteurs d'identification"
        ordering = ["-modifie_le"]
        constraints = [
            models.UniqueConstraint(
                fields=["cible_type", "cible_id"], name="compteur_identite_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.cible_type} {self.cible_id} : {self.echecs} échec(s)"


# --- Délais ---------------------------------------------------------------------------------


class UniteDelai(models.TextChoices):
    JOURS_FRANCS = "jours_francs", "jours francs"
    JOURS = "jours", "jours calendaires"
    JOURS_AVANT = "jours_avant", "jours (non francs)"
    SEANCES = "seances", "séances"
    HABITANTS = "habitants", "habitants"


class Delai(BaseModel):
    """Délai ou seuil légal, daté, avec sa référence. `collectivite` vide : valeur nationale
    (éditée par le personnel de la plateforme) ; renseignée : surcharge locale, permise
    seulement quand la loi laisse le choix (`surchargeable` sur la valeur nationale)."""

    code = models.SlugField("code", max_length=80)
    libelle = models.CharField("libellé", max_length=300)
    valeur = models.PositiveIntegerField("valeur")
    unite = models.CharField("unité", max_length=20, choices=UniteDelai.choices)
    reference = models.CharField("référence légale", max_length=300)
    confirme = models.BooleanField(
        "règle confirmée",
        default=True,
        help_text="Décoché : les sources juridiques ne la confirment pas ; la page des délais "
        "invite alors à la vérifier sur Légifrance.",
    )
    surchargeable = models.BooleanField(
        "modifiable par la collectivité", default=False, help_text="La loi laisse le choix."
    )
    valide_du = models.DateField("en vigueur du")
    valide_au = models.DateField("jusqu'au", null=True, blank=True)
    collectivite = models.ForeignKey(
        Collectivite,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="delais",
        verbose_name="collectivité",
    )
    note = models.TextField("note", blank=True)

    class Meta:
        verbose_name = "délai"
        verbose_name_plural = "délais"
        ordering = ["code", "-valide_du"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "valide_du"],
                condition=Q(collectivite__isnull=True),
                name="delai_national_unique",
            ),
            models.UniqueConstraint(
                fields=["code", "collectivite", "valide_du"], name="delai_local_unique"
            ),
            models.CheckConstraint(
                condition=Q(valide_au__isnull=True) | Q(valide_au__gte=models.F("valide_du")),
                name="delai_periode_valide",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.libelle} : {self.valeur} {self.get_unite_display()}"


__all__ = [
    "BaseModel",
    "ChaineJournal",
    "Collectivite",
    "CompteSMTP",
    "CompteurIdentite",
    "Delai",
    "EntreeJournal",
    "Invitation",
    "LienSecurise",
    "MessageEnvoye",
    "ModeleCollectivite",
    "Role",
    "Travail",
    "Utilisateur",
]


# --- Boîte de réception (rebonds, courriers entrants) ---------------------------------------


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


__all__ += ["CourrierRecu", "StatutCourrier"]

"""Le fichier électoral de la commune : bureaux de vote, électeurs, inscriptions sur les listes.

Depuis 2019 le Répertoire électoral unique (REU, tenu par l'INSEE) fait foi ; la commune en
garde une copie de travail, alimentée par les extraits ELIRE et par ses propres décisions.
Les autres modèles de l'application (imports, mouvements, notifications du REU, commission de
contrôle) vivent dans leurs sous-paquets et sont réexportés ici.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.validators import RegexValidator
from django.db import models

from core.tenancy.models import ModeleCollectivite, champ_collectivite, champ_cree_le
from electeurs.identite import cle_homonymie, cle_identite, date_cle, normaliser


class ActionElecteurs(models.TextChoices):
    """Les actions journalisées par l'application (code unique dans tout le projet)."""

    ELECTEUR_CREE = "electeurs_electeur_cree", "Électeur créé"
    ELECTEUR_MODIFIE = "electeurs_electeur_modifie", "Fiche électeur modifiée"
    CONTACT_MODIFIE = "electeurs_contact_modifie", "Coordonnées de contact modifiées"
    BUREAU_CREE = "electeurs_bureau_cree", "Bureau de vote créé"
    BUREAU_MODIFIE = "electeurs_bureau_modifie", "Bureau de vote modifié"
    IMPORT_REU = "electeurs_import_reu", "Extrait de la liste électorale importé"


class Sexe(models.TextChoices):
    MASCULIN = "M", "Masculin"
    FEMININ = "F", "Féminin"


class TypeListe(models.TextChoices):
    # Codes d'au moins un éditeur (openElec : 01, 02, 03) ; ceux de l'INSEE ne sont pas publiés.
    PRINCIPALE = "LP", "Liste principale"
    COMPLEMENTAIRE_MUNICIPALE = "LCM", "Liste complémentaire municipale"
    COMPLEMENTAIRE_EUROPEENNE = "LCE", "Liste complémentaire européenne"


class StatutElecteur(models.TextChoices):
    INSCRIT = "inscrit", "Inscrit"
    EN_INSTANCE = "en_instance", "En instance"
    RADIE = "radie", "Radié"
    # Demande d'inscription refusée : la personne n'est sur aucune liste (procédure).
    REFUSE = "refuse", "Inscription refusée"


class BureauDeVote(ModeleCollectivite):
    code = models.CharField(
        "code",
        max_length=4,
        validators=[RegexValidator(r"^\d{4}$", "Le code d'un bureau a 4 chiffres, par ex. 0001.")],
        help_text="4 chiffres, comme dans le REU (0001, 0002…).",
    )
    libelle = models.CharField("libellé", max_length=200)
    adresse = models.TextField("adresse", blank=True)
    circonscription_code = models.CharField(
        "code de la circonscription législative", max_length=10, blank=True
    )
    circonscription_libelle = models.CharField(
        "circonscription législative", max_length=200, blank=True
    )
    canton_libelle = models.CharField("canton", max_length=200, blank=True)

    class Meta:
        verbose_name = "bureau de vote"
        verbose_name_plural = "bureaux de vote"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["collectivite", "code"],
                name="electeurs_bureau_code_unique",
                violation_error_message="Un bureau de vote porte déjà ce code.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.libelle}"


class Electeur(ModeleCollectivite):
    """Une personne du fichier électoral, inscrite sur une ou plusieurs listes."""

    # Sans index propres pour `collectivite` et `cree_le` : tous les index de `Meta` commencent
    # par la collectivité, rien ne trie ni ne filtre par date de création, et chaque index de
    # plus est reconstruit à chaque gros import (bench/README.md, issue 8).
    collectivite = champ_collectivite(db_index=False)
    cree_le = champ_cree_le(db_index=False)

    # État civil
    nom_naissance = models.CharField("nom de naissance", max_length=200)
    nom_usage = models.CharField("nom d'usage", max_length=200, blank=True)
    prenoms = models.CharField("prénoms", max_length=300)
    sexe = models.CharField("sexe", max_length=1, choices=Sexe.choices)
    # Une date de naissance peut être partielle (« 00/00/1953 » dans les extraits réels) : on
    # garde ce qui est connu, jour et mois vides quand ils manquent.
    naissance_jour = models.PositiveSmallIntegerField("jour de naissance", null=True, blank=True)
    naissance_mois = models.PositiveSmallIntegerField("mois de naissance", null=True, blank=True)
    naissance_annee = models.PositiveSmallIntegerField("année de naissance", null=True, blank=True)
    date_naissance = models.DateField(
        "date de naissance", null=True, blank=True, help_text="Vide si elle n'est pas complète."
    )
    commune_naissance_code = models.CharField(
        "code de la commune de naissance", max_length=10, blank=True
    )
    commune_naissance_libelle = models.CharField("commune de naissance", max_length=200, blank=True)
    departement_naissance = models.CharField("département de naissance", max_length=10, blank=True)
    pays_naissance = models.CharField("pays de naissance", max_length=100, blank=True)
    nationalite = models.CharField("nationalité", max_length=100, blank=True)
    ine = models.CharField(
        "identifiant national d'électeur (INE)",
        max_length=20,
        blank=True,
        help_text="Imprimé sur la carte électorale ; absent de l'extrait de la liste.",
    )

    # Adresse de rattachement (celle de la liste électorale)
    numero_voie = models.CharField("numéro de voie", max_length=20, blank=True)
    libelle_voie = models.CharField("libellé de voie", max_length=200, blank=True)
    complement_1 = models.CharField("complément 1", max_length=200, blank=True)
    complement_2 = models.CharField("complément 2", max_length=200, blank=True)
    lieu_dit = models.CharField("lieu-dit", max_length=200, blank=True)
    code_postal = models.CharField("code postal", max_length=10, blank=True)
    commune = models.CharField("commune", max_length=200, blank=True)
    pays = models.CharField("pays", max_length=100, blank=True)

    # Contact (saisi par la mairie : le REU ne le donne pas)
    courriel = models.EmailField("courriel", blank=True)
    telephone = models.CharField("téléphone", max_length=30, blank=True)
    adresse_contact = models.TextField("adresse postale de contact", blank=True)

    statut = models.CharField(
        "statut", max_length=12, choices=StatutElecteur.choices, default=StatutElecteur.INSCRIT
    )
    date_inscription = models.DateField("inscrit le", null=True, blank=True)
    date_radiation = models.DateField("radié le", null=True, blank=True)
    motif_radiation = models.CharField("motif de radiation", max_length=200, blank=True)

    # Champs calculés par `preparer()` : recherche par début de nom et reconnaissance à l'import.
    recherche_naissance = models.CharField(max_length=500, editable=False, default="")
    recherche_usage = models.CharField(max_length=500, editable=False, default="")
    # Index dans `Meta` (égalité seulement) : `db_index=True` ajoutait sur PostgreSQL un second
    # index `_like` (varchar_pattern_ops) que rien n'emploie et que l'import reconstruisait.
    cle_identite = models.CharField(max_length=800, editable=False, default="")
    cle_homonymie = models.CharField(max_length=700, editable=False, default="")

    class Meta:
        verbose_name = "électeur"
        verbose_name_plural = "électeurs"
        ordering = ["nom_naissance", "prenoms", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["collectivite", "ine"],
                condition=~models.Q(ine=""),
                name="electeurs_electeur_ine_unique",
                violation_error_message="Un autre électeur porte déjà cet INE.",
            ),
            models.CheckConstraint(
                condition=models.Q(naissance_jour__isnull=True)
                | models.Q(naissance_jour__gte=1, naissance_jour__lte=31),
                name="electeurs_electeur_jour_valide",
                violation_error_message="Le jour de naissance va de 1 à 31.",
            ),
            models.CheckConstraint(
                condition=models.Q(naissance_mois__isnull=True)
                | models.Q(naissance_mois__gte=1, naissance_mois__lte=12),
                name="electeurs_electeur_mois_valide",
                violation_error_message="Le mois de naissance va de 1 à 12.",
            ),
        ]
        # L'INE est servi par l'index de `electeurs_electeur_ine_unique` (un INE cherché n'est
        # jamais vide) ; voir bench/README.md pour ce que sert chaque index.
        indexes = [
            models.Index(
                fields=["collectivite", "naissance_annee", "naissance_mois", "naissance_jour"],
                name="electeurs_naissance_idx",
            ),
            models.Index(fields=["collectivite", "cle_identite"], name="electeurs_identite_idx"),
            models.Index(fields=["collectivite", "cle_homonymie"], name="electeurs_homonymie_idx"),
        ]

    def __str__(self) -> str:
        return self.nom_complet

    @property
    def nom_complet(self) -> str:
        """« DUPRÉ épouse MARTIN Hélène » : nom de naissance, nom d'usage s'il diffère, prénoms."""
        nom = self.nom_naissance
        if self.nom_usage and normaliser(self.nom_usage) != normaliser(self.nom_naissance):
            nom = f"{nom} ({self.nom_usage})"
        return f"{nom} {self.prenoms}".strip()

    @property
    def date_naissance_incomplete(self) -> bool:
        return self.date_naissance is None

    @property
    def date_naissance_affichee(self) -> str:
        """« 04/07/1953 », ou « 00/00/1953 » tel que le REU l'écrit quand jour et mois manquent."""
        return date_cle(self.naissance_jour, self.naissance_mois, self.naissance_annee)

    @property
    def lieu_naissance(self) -> str:
        return self.commune_naissance_code or self.commune_naissance_libelle or self.pays_naissance

    def preparer(self) -> None:
        """Calcule les champs dérivés. Appelé par `save()` ; un service qui écrit en nombre
        (`bulk_create`, `bulk_update`) l'appelle lui-même sur chaque objet."""
        self.date_naissance = None
        if self.naissance_jour and self.naissance_mois and self.naissance_annee:
            try:
                self.date_naissance = datetime.date(
                    self.naissance_annee, self.naissance_mois, self.naissance_jour
                )
            except ValueError:
                self.date_naissance = None
        self.recherche_naissance = normaliser(f"{self.nom_naissance} {self.prenoms}")
        self.recherche_usage = (
            normaliser(f"{self.nom_usage} {self.prenoms}") if self.nom_usage else ""
        )
        self.cle_homonymie = cle_homonymie(
            nom_naissance=self.nom_naissance,
            prenoms=self.prenoms,
            jour=self.naissance_jour,
            mois=self.naissance_mois,
            annee=self.naissance_annee,
        )
        self.cle_identite = cle_identite(
            nom_naissance=self.nom_naissance,
            prenoms=self.prenoms,
            sexe=self.sexe,
            jour=self.naissance_jour,
            mois=self.naissance_mois,
            annee=self.naissance_annee,
            lieu_naissance=self.lieu_naissance,
        )

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> Electeur:
        electeur = super().from_db(db, field_names, values)
        electeur._noms_retenus = electeur.noms_normalises()
        return electeur

    def noms_normalises(self) -> frozenset[str]:
        """Nom de naissance et nom d'usage normalisés : ce que retient `NomElecteur`."""
        noms = (normaliser(self.nom_naissance), normaliser(self.nom_usage))
        return frozenset(nom for nom in noms if nom)

    def save(self, *args: object, **kwargs: object) -> None:
        self.preparer()
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        # Un électeur créé ou renommé : ses noms entrent dans la table du mode approchant. Une
        # fiche relue puis enregistrée sans changer de nom ne coûte aucune requête de plus.
        noms = self.noms_normalises()
        if noms != getattr(self, "_noms_retenus", None):
            NomElecteur.retenir(collectivite_id=self.collectivite_id, noms=noms)
            self._noms_retenus = noms


class NomElecteur(models.Model):
    """Les noms (de naissance et d'usage) normalisés des électeurs d'une collectivité, une fois
    chacun : le mode approchant de la recherche y cherche les noms proches du texte tapé
    (index trigrammes, quelques dizaines de milliers de noms au lieu d'un million d'électeurs),
    puis les électeurs de ces noms par l'index de début de nom.

    Tenue par l'import (`INSERT … SELECT DISTINCT … ON CONFLICT DO NOTHING`) et par
    `Electeur.save()`. Un nom que plus personne ne porte y reste : il ne mène à aucun électeur.
    """

    # L'index de la contrainte d'unicité commence par la collectivité.
    collectivite = champ_collectivite(db_index=False, on_delete=models.CASCADE)
    nom = models.TextField("nom normalisé")

    class Meta:
        verbose_name = "nom d'électeur"
        verbose_name_plural = "noms d'électeurs"
        constraints = [
            models.UniqueConstraint(fields=["collectivite", "nom"], name="electeurs_nom_unique")
        ]

    def __str__(self) -> str:
        return self.nom

    @staticmethod
    def retenir(*, collectivite_id: int, noms: Iterable[str]) -> None:
        """Ajoute les noms qui manquent (`ON CONFLICT DO NOTHING`)."""
        NomElecteur.objects.bulk_create(
            [NomElecteur(collectivite_id=collectivite_id, nom=n) for n in sorted(set(noms)) if n],
            ignore_conflicts=True,
            batch_size=5000,
        )


class InscriptionListe(ModeleCollectivite):
    """L'inscription d'un électeur sur une liste : bureau et numéro d'ordre propres à la liste.

    Un ressortissant de l'Union peut être sur les deux listes complémentaires à la fois."""

    # Comme pour `Electeur` : l'index de `Meta` commence par la collectivité.
    collectivite = champ_collectivite(db_index=False)
    cree_le = champ_cree_le(db_index=False)
    # Pas d'index propre : l'index unique (electeur, type_liste) commence par l'électeur.
    electeur = models.ForeignKey(
        Electeur,
        verbose_name="électeur",
        on_delete=models.CASCADE,
        related_name="inscriptions",
        db_index=False,
    )
    type_liste = models.CharField("liste", max_length=3, choices=TypeListe.choices)
    bureau = models.ForeignKey(
        BureauDeVote,
        verbose_name="bureau de vote",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inscriptions",
    )
    numero_ordre = models.PositiveIntegerField("numéro d'ordre", null=True, blank=True)

    class Meta:
        verbose_name = "inscription sur une liste"
        verbose_name_plural = "inscriptions sur les listes"
        ordering = ["type_liste", "bureau__code", "numero_ordre"]
        constraints = [
            models.UniqueConstraint(
                fields=["electeur", "type_liste"],
                name="electeurs_inscription_liste_unique",
                violation_error_message="Cet électeur est déjà inscrit sur cette liste.",
            )
        ]
        indexes = [
            models.Index(
                fields=["collectivite", "type_liste", "bureau"], name="electeurs_liste_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_type_liste_display()} — {self.electeur}"


from electeurs.imports.models import EtatImport, ImportREU  # noqa: E402, F401
from electeurs.procedure.models import *  # noqa: E402, F403  (mouvements, procédure L18)
from electeurs.reu.models import NotificationREU  # noqa: E402, F401 — notifications du REU

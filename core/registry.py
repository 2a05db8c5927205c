"""Registre que chaque application remplit dans son `AppConfig.ready()`.

`core` n'importe aucune application métier : la navigation, les compteurs de l'Accueil,
les libellés de la chronologie et les types de travaux viennent d'ici. Une application qui
n'est pas installée n'apparaît nulle part.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from celery import Task
from django.db.models import Choices

from core.comptes.permissions import Action, Capacite


@dataclass(frozen=True)
class EntreeNavigation:
    libelle: str
    url_name: str
    capacite: Capacite
    action: Action = Action.LIRE
    ordre: int = 100
    # Préfixe d'URL qui marque l'entrée comme courante (aria-current).
    prefixe: str = ""


@dataclass(frozen=True)
class Compteur:
    """Compteur de l'Accueil : `calcul(collectivite, utilisateur)` rend un entier."""

    libelle: str
    calcul: Callable[[Any, Any], int]
    capacite: Capacite
    url_name: str = ""
    ordre: int = 100


@dataclass(frozen=True)
class TypeTravail:
    """Type de travail suivi : `tache` est l'objet tâche, décoré par
    `core.travaux.services.tache_travail(type=code, queue=...)`, appelé avec l'id du travail.

    Un objet, pas un chemin : une faute se voit à l'import, et le check `echarpe.E101`
    refuse au démarrage une tâche non décorée ou déclarée pour un autre type."""

    code: str
    libelle: str
    tache: Task[[int], None]
    capacite: Capacite
    action: Action = Action.LIRE

    @property
    def queue(self) -> str | None:
        """File Celery déclarée par la tâche."""
        return getattr(self.tache, "file_travail", None)


GestionnaireCourrier = Callable[[Any, EmailMessage], bool]
# Chargeur de données de démonstration d'une application, appelé par `charger_demo` dans sa
# transaction, après les données du socle : `chargeur(collectivites=, personnes=)` reçoit les
# collectivités (par slug) et les agents (par identifiant) ; il doit être idempotent.
ChargeurDemo = Callable[..., None]


@dataclass(frozen=True)
class ReceptionCourrier:
    """Lecteur du courrier entrant d'une application (hors rebonds).

    `gestionnaire(compte, message)` reçoit le `CompteSMTP` dont la boîte a été relevée et le
    message ; il rend True s'il l'a pris en charge (le message est alors retiré du serveur),
    False sinon (le suivant est essayé ; si aucun ne le prend, il reste sur le serveur).
    Une exception laisse le message sur le serveur : il sera repris au relevé suivant.
    """

    code: str
    gestionnaire: GestionnaireCourrier
    ordre: int = 100


@dataclass(frozen=True)
class EspacePersonnel:
    """Espace d'une personne hors de l'espace agent (le portail d'un élu).

    `concerne(utilisateur)` dit si la personne y a accès (une requête courte). La personne
    connectée sans rôle d'agent y arrive au lieu de l'Accueil ; celle qui a aussi un rôle
    d'agent passe de l'un à l'autre par le menu du compte."""

    code: str
    libelle: str
    url_name: str
    concerne: Callable[[Any], bool]
    ordre: int = 100


@dataclass(frozen=True)
class LienConnexion:
    """Lien montré sous le formulaire de connexion (« Élu : lien perdu ? »)."""

    libelle: str
    url_name: str


@dataclass
class Registre:
    navigation: list[EntreeNavigation] = field(default_factory=list)
    compteurs: list[Compteur] = field(default_factory=list)
    libelles_chronologie: dict[str, str] = field(default_factory=dict)
    types_travaux: dict[str, TypeTravail] = field(default_factory=dict)
    objectifs_liens: dict[str, str] = field(default_factory=dict)
    # Journal : clés de détails et valeurs codées en français, description d'un objet par modèle.
    libelles_details: dict[str, str] = field(default_factory=dict)
    libelles_valeurs: dict[str, str] = field(default_factory=dict)
    descriptions_journal: dict[str, Callable[[Any], str]] = field(default_factory=dict)
    receptions_courrier: dict[str, ReceptionCourrier] = field(default_factory=dict)
    # Les énumérations d'actions, par nom de classe : un test retrouve `ActionX.MEMBRE` écrit
    # dans le code sans supposer que le code soit le nom du membre en minuscules.
    enumerations_actions: dict[str, type[Choices]] = field(default_factory=dict)
    chargeurs_demo: dict[str, ChargeurDemo] = field(default_factory=dict)
    # Pages où demander un nouveau lien (url_name → libellé), proposées par la page d'un lien
    # refusé : un lien altéré ne dit pas son objectif, la page les propose donc toutes.
    demandes_nouveau_lien: dict[str, str] = field(default_factory=dict)
    espaces_personnels: dict[str, EspacePersonnel] = field(default_factory=dict)
    liens_connexion: list[LienConnexion] = field(default_factory=list)

    def ajouter_navigation(self, entree: EntreeNavigation) -> None:
        if entree not in self.navigation:
            self.navigation.append(entree)
            self.navigation.sort(key=lambda e: (e.ordre, e.libelle))

    def ajouter_compteur(self, compteur: Compteur) -> None:
        if compteur not in self.compteurs:
            self.compteurs.append(compteur)
            self.compteurs.sort(key=lambda c: (c.ordre, c.libelle))

    def ajouter_libelles_chronologie(self, libelles: dict[str, str]) -> None:
        self.libelles_chronologie.update(libelles)

    def ajouter_actions(self, actions: type[Choices]) -> None:
        """Les actions journalisées d'une application (`TextChoices` : code, libellé)."""
        self.libelles_chronologie.update({str(a.value): str(a.label) for a in actions})
        self.enumerations_actions[actions.__name__] = actions

    def ajouter_libelles_details(self, libelles: dict[str, str]) -> None:
        self.libelles_details.update(libelles)

    def ajouter_libelles_valeurs(self, libelles: dict[str, str]) -> None:
        self.libelles_valeurs.update(libelles)

    def ajouter_description_journal(self, modele: str, decrire: Callable[[Any], str]) -> None:
        """`decrire(instance)` rend l'objet en français (« le compte de Claire MARTIN »)."""
        self.descriptions_journal[modele] = decrire

    def libelle_action(self, action: str) -> str:
        return self.libelles_chronologie.get(action, action)

    def ajouter_type_travail(self, type_travail: TypeTravail) -> None:
        self.types_travaux[type_travail.code] = type_travail

    def ajouter_objectif_lien(self, objectif: str, url_name: str) -> None:
        """Un lien sécurisé d'objectif `objectif` mène, après vérification, à `url_name`."""
        self.objectifs_liens[objectif] = url_name

    def ajouter_demande_nouveau_lien(self, url_name: str, libelle: str) -> None:
        """Une page publique où demander un nouveau lien (réponse neutre), montrée sur la page
        d'un lien expiré, remplacé, annulé ou altéré."""
        self.demandes_nouveau_lien[url_name] = libelle

    def ajouter_reception_courrier(self, reception: ReceptionCourrier) -> None:
        self.receptions_courrier[reception.code] = reception

    def retirer_reception_courrier(self, code: str) -> None:
        self.receptions_courrier.pop(code, None)

    def ajouter_chargeur_demo(self, code: str, chargeur: ChargeurDemo) -> None:
        """Les données de démonstration d'une application (`charger_demo`), par code."""
        self.chargeurs_demo[code] = chargeur

    def retirer_chargeur_demo(self, code: str) -> None:
        self.chargeurs_demo.pop(code, None)

    def ajouter_espace_personnel(self, espace: EspacePersonnel) -> None:
        self.espaces_personnels[espace.code] = espace

    def ajouter_lien_connexion(self, lien: LienConnexion) -> None:
        if lien not in self.liens_connexion:
            self.liens_connexion.append(lien)

    def retirer_espace_personnel(self, code: str) -> None:
        self.espaces_personnels.pop(code, None)

    def espaces_de(self, utilisateur: Any) -> list[EspacePersonnel]:
        """Les espaces personnels ouverts à cette personne, dans l'ordre."""
        if not getattr(utilisateur, "is_authenticated", False):
            return []
        espaces = sorted(self.espaces_personnels.values(), key=lambda e: (e.ordre, e.code))
        return [e for e in espaces if e.concerne(utilisateur)]

    def receptions_ordonnees(self) -> list[ReceptionCourrier]:
        return sorted(self.receptions_courrier.values(), key=lambda r: (r.ordre, r.code))


registre = Registre()

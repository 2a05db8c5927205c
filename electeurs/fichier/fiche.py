"""Les sections de la fiche électeur : un registre où chaque sous-paquet ajoute la sienne.

La fiche (`electeurs:fiche`) montre, dans l'ordre de `ordre`, les sections enregistrées ici,
chacune avec son lien dans la barre des onglets (une liste de liens vers les sections de la
page : lisible au clavier et par un lecteur d'écran, sans JavaScript), puis la chronologie.

Ajouter une section (depuis `ElecteursConfig.ready()`, dans `electeurs/apps.py`) :

    from electeurs.fichier.fiche import SectionFiche, fiche_sections

    fiche_sections.ajouter(
        SectionFiche(
            cle="mouvements",                     # identifiant HTML et clé du registre
            titre="Mouvements",                   # titre de la section et de son onglet
            gabarit="electeurs/procedure/fiche_mouvements.html",
            ordre=40,
            contexte=mouvements_de_la_fiche,      # (electeur, request) -> dict, facultatif
            evenements=evenements_mouvements,     # (electeur) -> liste d'EvenementFiche, facult.
        )
    )

- Une clé déjà enregistrée est **remplacée** : les sections `mouvements`, `pieces`,
  `notifications` et `teledossiers` existent déjà ici avec un texte d'attente
  (`electeurs/fichier/fiche_a_venir.html`) ; leur propriétaire les remplace par la sienne.
- Le gabarit reçoit `electeur`, `section` (la `SectionFiche`), `donnees` (ce que rend
  `contexte`) et `peut_ecrire`. Il commence par son `<h2 id="{{ section.cle }}-titre">`
  (la fiche pose `<section id="{{ section.cle }}" aria-labelledby=…>` autour).
- `contexte` et `evenements` lisent en un **nombre fixe de requêtes** (une liste, un
  `select_related`) : la fiche vérifie qu'elle fait autant de requêtes pour 1 ou 50 lignes.
- La chronologie de la fiche réunit le journal de l'électeur (`journal_chronologie(sujet=…)` :
  tout service qui journalise avec `sujet=electeur` y apparaît sans rien déclarer) et les
  `EvenementFiche` des sections (une pièce reçue, un avis distribué…), du plus récent au plus
  ancien.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest

    from electeurs.models import Electeur


@dataclass(frozen=True)
class EvenementFiche:
    """Un événement daté de la chronologie qui ne vient pas du journal. Mêmes attributs que
    ceux que lit `components/chronologie.html` sur une entrée du journal."""

    horodatage: datetime
    libelle_action: str
    objet_libelle: str = ""
    acteur_libelle: str = ""
    details_lisibles: str = ""
    acteur: Any = None


@dataclass(frozen=True)
class SectionFiche:
    cle: str
    titre: str
    gabarit: str
    ordre: int = 100
    contexte: Callable[[Electeur, HttpRequest], dict[str, Any]] | None = None
    evenements: Callable[[Electeur], Iterable[EvenementFiche]] | None = None


class RegistreSections:
    def __init__(self) -> None:
        self._sections: dict[str, SectionFiche] = {}

    def ajouter(self, section: SectionFiche) -> None:
        """Ajoute la section, ou remplace celle de même clé."""
        self._sections[section.cle] = section

    def sections(self) -> list[SectionFiche]:
        return sorted(self._sections.values(), key=lambda s: (s.ordre, s.cle))


fiche_sections = RegistreSections()

A_VENIR = "electeurs/fichier/fiche_a_venir.html"
SECTIONS_DE_BASE = [
    SectionFiche("etat-civil", "État civil", "electeurs/fichier/fiche_etat_civil.html", 10),
    SectionFiche("adresse", "Adresse de rattachement", "electeurs/fichier/fiche_adresse.html", 20),
    SectionFiche("contact", "Contact", "electeurs/fichier/fiche_contact.html", 30),
    SectionFiche("listes", "Listes et bureaux", "electeurs/fichier/fiche_listes.html", 35),
    SectionFiche("mouvements", "Mouvements", A_VENIR, 40),
    SectionFiche("pieces", "Historique des pièces", A_VENIR, 50),
    SectionFiche("notifications", "Notifications", A_VENIR, 60),
    SectionFiche("teledossiers", "Télédossiers", A_VENIR, 70),
]


def sections_de_base_enregistrer() -> None:
    """Appelé par `ElecteursConfig.ready()` avant les sections des autres sous-paquets."""
    for section in SECTIONS_DE_BASE:
        fiche_sections.ajouter(section)

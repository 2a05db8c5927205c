"""Lecture d'une ligne de l'extrait ELIRE : contrôle des valeurs et calcul des clés.

Chemin de référence (toutes bases) : il donne les messages d'erreur précis, ligne et colonne.
Sur PostgreSQL, un gros fichier passe d'abord par `COPY` (voir `moteur.py`) ; au moindre doute,
c'est ce chemin-ci qui relit le fichier pour nommer les erreurs.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from electeurs.identite import normaliser
from electeurs.imports.colonnes import COLONNES
from electeurs.models import Electeur, Sexe, TypeListe

_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_BUREAU = re.compile(r"^\d{1,4}$")
_ENTIER = re.compile(r"^\d{1,9}$")
ANNEE_MIN = 1880

SEXES = {
    "m": Sexe.MASCULIN,
    "masculin": Sexe.MASCULIN,
    "h": Sexe.MASCULIN,
    "homme": Sexe.MASCULIN,
    "f": Sexe.FEMININ,
    "feminin": Sexe.FEMININ,
    "femme": Sexe.FEMININ,
}
CODES_LISTE = {"lp": TypeListe.PRINCIPALE, "lcm": TypeListe.COMPLEMENTAIRE_MUNICIPALE}
CODES_LISTE["lce"] = TypeListe.COMPLEMENTAIRE_EUROPEENNE
# Mot distinctif du libellé normalisé : « Liste complémentaire européenne », « LISTE COMPL.
# EUROPEENNE », « complémentaire européenne » se reconnaissent tous.
MOTS_LISTE = (
    ("principale", TypeListe.PRINCIPALE),
    ("municipale", TypeListe.COMPLEMENTAIRE_MUNICIPALE),
    ("europ", TypeListe.COMPLEMENTAIRE_EUROPEENNE),
)

# Champs de l'électeur copiés tels quels depuis le fichier.
CHAMPS_TEXTE = (
    "nom_naissance",
    "nom_usage",
    "prenoms",
    "commune_naissance_code",
    "commune_naissance_libelle",
    "departement_naissance",
    "pays_naissance",
    "nationalite",
    "numero_voie",
    "libelle_voie",
    "complement_1",
    "complement_2",
    "lieu_dit",
    "code_postal",
    "commune",
    "pays",
)
LONGUEURS = {
    nom: getattr(Electeur._meta.get_field(nom), "max_length", 0) or 0 for nom in CHAMPS_TEXTE
}


class ErreurLigne(Exception):
    def __init__(self, message: str, colonne: str) -> None:
        super().__init__(message)
        self.message = message
        self.colonne = colonne


def libelle_colonne(nom: str) -> str:
    return COLONNES[nom][0]


def type_liste(texte: str) -> str:
    normal = normaliser(texte)
    if normal.replace(" ", "") in CODES_LISTE:
        return CODES_LISTE[normal.replace(" ", "")]
    for mot, code in MOTS_LISTE:
        if mot in normal:
            return code
    raise ErreurLigne(
        f"type de liste inconnu « {texte} » : Écharpe attend « Liste principale », "
        "« Liste complémentaire municipale » ou « Liste complémentaire européenne ».",
        "type_liste",
    )


def date_naissance(texte: str) -> tuple[int | None, int | None, int]:
    """« 04/07/1953 » → (4, 7, 1953) ; « 00/00/1953 » → (None, None, 1953)."""
    trouve = _DATE.match(texte)
    if not trouve:
        raise ErreurLigne(
            f"date de naissance « {texte} » illisible : Écharpe attend jj/mm/aaaa "
            "(00/00/aaaa si le jour et le mois sont inconnus).",
            "date_naissance",
        )
    jour, mois, annee = (int(x) for x in trouve.groups())
    if not ANNEE_MIN <= annee <= datetime.date.today().year:
        raise ErreurLigne(f"année de naissance impossible ({texte}).", "date_naissance")
    if mois > 12:
        raise ErreurLigne(
            f"date de naissance impossible ({texte}) : mois {mois}.", "date_naissance"
        )
    if jour and mois:
        try:
            datetime.date(annee, mois, jour)
        except ValueError:
            raise ErreurLigne(
                f"date de naissance impossible ({texte}) : ce jour n'existe pas.",
                "date_naissance",
            ) from None
    elif jour > 31:
        raise ErreurLigne(
            f"date de naissance impossible ({texte}) : jour {jour}.", "date_naissance"
        )
    return jour or None, mois or None, annee


@dataclass
class Ligne:
    """Une ligne valide de l'extrait : l'électeur (non enregistré) et son inscription."""

    numero: int
    electeur: Electeur
    type_liste: str
    bureau_code: str
    bureau: dict[str, str]
    numero_ordre: int | None
    signalements: list[str] = field(default_factory=list)


def lire_ligne(numero: int, valeurs: dict[str, str], *, code_insee: str) -> Ligne:
    """Contrôle une ligne ; `ErreurLigne` (message, colonne) à la première valeur fautive."""
    code = valeurs.get("code_ugle", "")
    if code.zfill(5) != code_insee.zfill(5):
        raise ErreurLigne(
            f"ce fichier est l'extrait de la commune {code or 'sans code'}"
            f"{' (' + valeurs['libelle_ugle'] + ')' if valeurs.get('libelle_ugle') else ''}, "
            f"pas de la vôtre (code INSEE {code_insee}).",
            "code_ugle",
        )
    liste = type_liste(valeurs["type_liste"])
    if not valeurs["nom_naissance"]:
        raise ErreurLigne("le nom de naissance est vide.", "nom_naissance")
    sexe = SEXES.get(normaliser(valeurs["sexe"]))
    if sexe is None:
        raise ErreurLigne(f"sexe « {valeurs['sexe']} » inconnu : M ou F attendu.", "sexe")
    jour, mois, annee = date_naissance(valeurs["date_naissance"])
    for nom, longueur in LONGUEURS.items():
        if len(valeurs.get(nom, "")) > longueur:
            raise ErreurLigne(f"valeur trop longue (plus de {longueur} caractères).", nom)
    bureau_code = valeurs["bureau_code"]
    signalements = []
    if bureau_code:
        if not _BUREAU.match(bureau_code):
            raise ErreurLigne(
                f"code de bureau « {bureau_code} » illisible : 4 chiffres attendus (0001).",
                "bureau_code",
            )
        # Un tableur enlève les zéros de tête (« 0001 » devient « 1 ») : on les remet.
        bureau_code = bureau_code.zfill(4)
    else:
        signalements.append("sans bureau")
    numero_ordre = None
    if valeurs["numero_ordre"]:
        if not _ENTIER.match(valeurs["numero_ordre"]):
            raise ErreurLigne(
                f"numéro d'ordre « {valeurs['numero_ordre']} » illisible : un nombre attendu.",
                "numero_ordre",
            )
        numero_ordre = int(valeurs["numero_ordre"])
    if jour is None or mois is None:
        signalements.append("date de naissance incomplète")
    # Une valeur qui ressemble à une formule (« =HYPERLINK(…) ») reste du texte : ce sont les
    # exports qui la neutralisent (`core.documents.csv`).
    electeur = Electeur(
        **{nom: valeurs.get(nom, "") for nom in CHAMPS_TEXTE},
        sexe=sexe,
        naissance_jour=jour,
        naissance_mois=mois,
        naissance_annee=annee,
        ine=valeurs.get("ine", "").replace(" ", ""),
    )
    electeur.preparer()
    return Ligne(
        numero=numero,
        electeur=electeur,
        type_liste=liste,
        bureau_code=bureau_code,
        bureau={
            "libelle": valeurs.get("bureau_libelle", "")[:200],
            "circonscription_code": valeurs.get("circonscription_code", "")[:10],
            "circonscription_libelle": valeurs.get("circonscription_libelle", "")[:200],
            "canton_libelle": valeurs.get("canton_libelle", "")[:200],
        },
        numero_ordre=numero_ordre,
        signalements=signalements,
    )

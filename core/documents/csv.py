"""CSV pour les tableurs français : écriture sûre, lecture tolérante et en flux.

Écriture (`iter_csv`, `csv_bytes`) : UTF-8 avec BOM (Excel reconnaît alors les accents), `;`,
toutes les cellules entre guillemets, fins de ligne CRLF, dates jj/mm/aaaa ; une cellule de
texte qui commence par `=`, `+`, `-`, `@`, une tabulation ou un retour chariot reçoit une
apostrophe devant, pour qu'aucun tableur ne l'exécute comme une formule.

Lecture (`lire_csv`) : BOM, UTF-8 ou cp1252 (Excel « CSV séparateur point-virgule »), `;` ou
`,`, en-têtes reconnus sans casse ni accents ni espaces, colonnes en trop ignorées. Le fichier
est lu en flux (un extrait de liste électorale peut peser 500 Mo). Rien n'est jamais évalué.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import BinaryIO

from django.utils import timezone

from core.dates import parser_date_fr
from core.documents import ErreurCsv

__all__ = [
    "EnteteCsv",
    "ErreurCsv",
    "LigneCsv",
    "csv_bytes",
    "iter_csv",
    "lire_csv",
    "lire_date",
    "lire_entete",
]

BOM = "\ufeff"
# Premiers caractères qu'un tableur interprète comme le début d'une formule (OWASP, « CSV
# injection ») ; la tabulation et le retour chariot servent à les masquer.
_DEBUTS_FORMULE = ("=", "+", "-", "@", "\t", "\r")
TAILLE_ECHANTILLON = 64 * 1024
_SEPARATEURS = {
    ";": "points-virgules",
    ",": "virgules",
    "\t": "tabulations",
    "|": "barres verticales",
}


# --- Écriture ----------------------------------------------------------------------------------


def _cellule(valeur: object) -> str:
    if valeur is None:
        return ""
    if isinstance(valeur, bool):
        return "Oui" if valeur else "Non"
    if isinstance(valeur, datetime):
        if timezone.is_aware(valeur):
            valeur = timezone.localtime(valeur)
        return valeur.strftime("%d/%m/%Y %H:%M")
    if isinstance(valeur, date):
        return valeur.strftime("%d/%m/%Y")
    if isinstance(valeur, int | float | Decimal):
        # Un nombre n'est jamais une formule : « -5 » reste « -5 ».
        return str(valeur)
    texte = str(valeur)
    if texte.startswith(_DEBUTS_FORMULE):
        return "'" + texte
    return texte


class _Echo:
    """Pseudo-fichier dont `write` rend la ligne écrite (recette de la doc de Django)."""

    def write(self, valeur: str) -> str:
        return valeur


def iter_csv(lignes: Iterable[Sequence[object]], *, entetes: Sequence[str]) -> Iterator[bytes]:
    """Les octets du CSV, morceau par morceau : le BOM, l'en-tête, puis une ligne par morceau.

    Convient à `StreamingHttpResponse(iter_csv(...), content_type="text/csv; charset=utf-8")`
    comme à l'écriture d'un fichier (`fichier.writelines(iter_csv(...))`).
    """
    ecrivain = csv.writer(_Echo(), delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    yield BOM.encode("utf-8")
    yield ecrivain.writerow([_cellule(entete) for entete in entetes]).encode("utf-8")
    for ligne in lignes:
        yield ecrivain.writerow([_cellule(valeur) for valeur in ligne]).encode("utf-8")


def csv_bytes(lignes: Iterable[Sequence[object]], *, entetes: Sequence[str]) -> bytes:
    """Le CSV entier en octets (petits exports, pièces jointes)."""
    return b"".join(iter_csv(lignes, entetes=entetes))


# --- Lecture -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LigneCsv:
    """Une ligne lue : `numero` est la ligne physique où elle commence (1 = l'en-tête)."""

    numero: int
    valeurs: dict[str, str]


class _Recolle(io.RawIOBase):
    """Rend d'abord l'échantillon déjà lu, puis la suite du flux d'origine."""

    def __init__(self, debut: bytes, suite: BinaryIO) -> None:
        self._debut = debut
        self._suite = suite

    def readable(self) -> bool:
        return True

    def readinto(self, tampon: memoryview | bytearray) -> int:  # type: ignore[override]
        if self._debut:
            n = min(len(tampon), len(self._debut))
            tampon[:n] = self._debut[:n]
            self._debut = self._debut[n:]
            return n
        donnees = self._suite.read(len(tampon))
        n = len(donnees)
        tampon[:n] = donnees
        return n


def _encodage(echantillon: bytes) -> tuple[str, int]:
    """L'encodage du fichier et la longueur de son BOM, d'après les premiers 64 Kio."""
    if echantillon.startswith(codecs.BOM_UTF8):
        return "utf-8", len(codecs.BOM_UTF8)
    if echantillon.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", 0
    try:
        # Un échantillon peut couper un caractère de plusieurs octets : décodage incrémental.
        codecs.getincrementaldecoder("utf-8")().decode(echantillon, final=False)
    except UnicodeDecodeError:
        return "cp1252", 0
    return "utf-8", 0


def _verifier_binaire(echantillon: bytes) -> None:
    if echantillon.startswith(b"PK\x03\x04"):
        raise ErreurCsv(
            "Ce fichier est un classeur (Excel, LibreOffice), pas un fichier CSV : "
            "enregistrez-le au format « CSV (séparateur : point-virgule) »."
        )
    if b"\x00" in echantillon:
        raise ErreurCsv(
            "Ce fichier n'est pas un fichier CSV (contenu binaire) : enregistrez-le au format "
            "« CSV (séparateur : point-virgule) » depuis votre tableur."
        )


def _separateur(premiere_ligne: str) -> str:
    """`;`, `,` ou tabulation : le plus fréquent hors guillemets dans la première ligne."""
    hors_guillemets = re.sub(r'"[^"]*"', "", premiere_ligne)
    comptes = {sep: hors_guillemets.count(sep) for sep in (";", ",", "\t")}
    meilleur = max(comptes, key=lambda sep: comptes[sep])
    return meilleur if comptes[meilleur] else ";"


def normaliser_entete(texte: str) -> str:
    """« Nom d'usage », « NOM_D_USAGE », « nom d’usage » → « nomdusage »."""
    sans_accents = unicodedata.normalize("NFKD", texte)
    sans_accents = "".join(c for c in sans_accents if not unicodedata.combining(c))
    return re.sub(r"[\W_]+", "", sans_accents.casefold())


def _sans_vides_finales(cellules: list[str], minimum: int = 0) -> list[str]:
    while len(cellules) > minimum and not cellules[-1].strip():
        cellules = cellules[:-1]
    return cellules


def _associer(entetes: list[str], colonnes: dict[str, list[str]]) -> dict[str, int]:
    """Nom canonique → indice de la colonne du fichier (la première graphie trouvée gagne)."""
    normalises = [normaliser_entete(entete) for entete in entetes]
    pris: set[int] = set()
    positions: dict[str, int] = {}
    for canonique, graphies in colonnes.items():
        for graphie in [canonique, *graphies]:
            cible = normaliser_entete(graphie)
            indice = next(
                (i for i, n in enumerate(normalises) if n == cible and i not in pris), None
            )
            if indice is not None:
                positions[canonique] = indice
                pris.add(indice)
                break
    return positions


def _libelle(canonique: str, colonnes: dict[str, list[str]]) -> str:
    graphies = colonnes.get(canonique) or [canonique.replace("_", " ")]
    return graphies[0]


def _liste(noms: Iterable[str]) -> str:
    return ", ".join(f"« {nom} »" for nom in noms)


def _verifier_entete(
    entetes: list[str], colonnes: dict[str, list[str]], obligatoires: set[str] | frozenset[str]
) -> dict[str, int]:
    positions = _associer(entetes, colonnes)
    if len(entetes) == 1 and len(colonnes) > 1:
        attendus = "points-virgules (;) ou virgules (,)"
        trouves = [(sep, nom) for sep, nom in _SEPARATEURS.items() if sep in entetes[0]]
        if trouves:
            sep, nom = trouves[0]
            if sep in ";,":
                # Le caractère est bien un séparateur accepté : c'est la ligne entière qui est
                # entre guillemets (export mal réglé).
                cause = f"elle contient des {nom} ({sep}) mais toute la ligne est entre guillemets"
            else:
                cause = f"les colonnes y sont séparées par des {nom} ({sep})"
            raise ErreurCsv(
                f"Une seule colonne trouvée (« {entetes[0][:80]} ») : {cause}. Écharpe attend "
                f"des colonnes séparées par des {attendus} : enregistrez le fichier au format "
                "« CSV (séparateur : point-virgule) ».",
                ligne=1,
            )
    absentes = [nom for nom in colonnes if nom in obligatoires and nom not in positions]
    if absentes:
        libelles = [_libelle(nom, colonnes) for nom in absentes]
        debut = (
            "Colonne obligatoire absente : "
            if len(absentes) == 1
            else "Colonnes obligatoires absentes : "
        )
        raise ErreurCsv(
            f"{debut}{_liste(libelles)}. Colonnes trouvées : "
            f"{_liste(e for e in entetes if e.strip()) or 'aucune'}."
            f"{_suggestions(absentes, entetes, positions, colonnes)}",
            ligne=1,
            colonne=absentes[0],
        )
    return positions


def _suggestions(
    absentes: list[str],
    entetes: list[str],
    positions: dict[str, int],
    colonnes: dict[str, list[str]],
) -> str:
    """« Vouliez-vous dire … ? » : l'en-tête non reconnu le plus proche de chaque colonne absente
    (une faute de frappe, un mot en trop)."""
    libres = {
        normaliser_entete(e): e
        for i, e in enumerate(entetes)
        if e.strip() and i not in positions.values()
    }
    phrases = []
    for nom in absentes:
        graphies = [normaliser_entete(g) for g in [nom, *colonnes[nom]]]
        meilleur: tuple[float, str] | None = None
        for normalise, brut in libres.items():
            score = max(difflib.SequenceMatcher(None, g, normalise).ratio() for g in graphies)
            if score >= 0.75 and (meilleur is None or score > meilleur[0]):
                meilleur = (score, brut)
        if meilleur:
            phrases.append(
                f" La colonne « {meilleur[1]} » est-elle « {_libelle(nom, colonnes)} » "
                "mal orthographiée ?"
            )
    return "".join(phrases)


@dataclass(frozen=True)
class EnteteCsv:
    """L'en-tête d'un fichier, reconnu sans lire la suite : de quoi confier le reste du fichier
    à un autre lecteur (le `COPY` de PostgreSQL pour un gros import).

    `longueur_bom` : octets à sauter au début ; `largeur` : cellules de l'en-tête, vides
    finales comprises ; `positions` : nom canonique → indice de la colonne."""

    encodage: str
    longueur_bom: int
    separateur: str
    largeur: int
    positions: dict[str, int]


def lire_entete(
    fichier: BinaryIO,
    *,
    colonnes: dict[str, list[str]],
    obligatoires: set[str] | frozenset[str] = frozenset(),
) -> EnteteCsv:
    """Reconnaît l'en-tête (première ligne non vide) comme `lire_csv`, mêmes erreurs.

    Lit seulement le début du fichier ; le curseur du fichier n'est pas remis au début."""
    echantillon = fichier.read(TAILLE_ECHANTILLON)
    encodage, longueur_bom = _encodage(echantillon)
    if encodage != "utf-16":
        _verifier_binaire(echantillon)
    texte = echantillon[longueur_bom:].decode(encodage, errors="replace")
    premiere = next((ligne for ligne in texte.splitlines() if ligne.strip()), "")
    if not premiere:
        raise ErreurCsv("Le fichier est vide.")
    separateur = _separateur(premiere)
    cellules = next(csv.reader([premiere], delimiter=separateur, quotechar='"', strict=False))
    entetes = [cellule.strip() for cellule in _sans_vides_finales(cellules)]
    positions = _verifier_entete(entetes, colonnes, obligatoires)
    return EnteteCsv(encodage, longueur_bom, separateur, len(cellules), positions)


def lire_csv(
    fichier: BinaryIO | bytes,
    *,
    colonnes: dict[str, list[str]],
    obligatoires: set[str] | frozenset[str] = frozenset(),
    entete: bool | None = True,
    largeur_variable: bool = False,
) -> Iterator[LigneCsv]:
    """Lit un CSV en flux et rend ses lignes (valeurs nettoyées des espaces).

    `colonnes` : nom canonique → graphies acceptées de l'en-tête (`{"nom_naissance":
    ["nom de naissance", "nom"]}`) ; le nom canonique est lui-même accepté. Les valeurs sont
    rangées sous le nom canonique ; les colonnes inconnues sont ignorées.
    `entete=False` : pas de ligne d'en-tête, les valeurs sont rangées sous "1", "2"…
    `entete=None` : en-tête reconnu si une cellule de la première ligne est une graphie connue.
    `largeur_variable=True` (avec `entete=False`) : fichier positionnel dont les lignes n'ont
    pas toutes le même nombre de colonnes (carnet d'adresses : un groupe par colonne après la
    deuxième) ; les cellules vides en fin de ligne sont retirées.
    Lève `ErreurCsv` (message en français, `ligne`, `colonne`) à la première erreur.
    """
    inconnues = set(obligatoires) - set(colonnes)
    if inconnues:
        raise ValueError(f"colonnes obligatoires non décrites : {sorted(inconnues)}")
    flux: BinaryIO = io.BytesIO(fichier) if isinstance(fichier, bytes | bytearray) else fichier
    echantillon = flux.read(TAILLE_ECHANTILLON)
    encodage, longueur_bom = _encodage(echantillon)
    if encodage != "utf-16":
        _verifier_binaire(echantillon)
    lignes = _Lignes(
        io.BufferedReader(_Recolle(echantillon[longueur_bom:], flux)),
        encodage,
        # UTF-8 deviné sur l'échantillon (pas de BOM) : la suite peut encore révéler du cp1252.
        repli_cp1252=encodage == "utf-8" and not longueur_bom,
    )
    # Le séparateur se déduit de la première ligne non vide, gardée pour le lecteur CSV.
    premiere = ""
    while not premiere.strip():
        premiere = lignes.lire()
        if not premiere:
            raise ErreurCsv("Le fichier est vide.")
        lignes.en_attente.append(premiere)
    lecteur = csv.reader(lignes, delimiter=_separateur(premiere), quotechar='"', strict=False)
    yield from _parcourir(
        lecteur,
        lignes,
        colonnes=colonnes,
        obligatoires=obligatoires,
        entete=entete,
        largeur_variable=largeur_variable,
    )


TAILLE_LIGNE_MAX = 1024 * 1024


class _Lignes:
    """Les lignes physiques du fichier, décodées une à une et comptées.

    En UTF-8 et cp1252, `\n` est toujours l'octet 0x0A : on découpe les octets puis on décode
    chaque ligne, ce qui situe exactement une erreur d'encodage. L'UTF-16 passe par
    `TextIOWrapper`.

    `repli_cp1252` : l'UTF-8 a été deviné sur les premiers 64 Kio, sans BOM. Tant qu'aucune
    séquence UTF-8 de plusieurs octets n'a été lue, tout ce qui précède est de l'ASCII, identique
    en cp1252 : au premier octet qui n'est pas de l'UTF-8, on passe au cp1252 (un export Excel
    dont les accents n'arrivent qu'après 64 Kio). Après un vrai caractère UTF-8, un octet
    illisible reste une erreur.
    """

    def __init__(
        self, brut: io.BufferedReader, encodage: str, *, repli_cp1252: bool = False
    ) -> None:
        self.encodage = encodage
        self.repli_cp1252 = repli_cp1252
        self.brut = brut
        self.texte = (
            io.TextIOWrapper(brut, encoding=encodage, newline="")
            if (encodage == "utf-16")
            else None
        )
        self.en_attente: list[str] = []
        self.lues = 0  # lignes lues dans le fichier
        self.rendues = 0  # lignes passées au lecteur CSV

    def lire(self) -> str:
        numero = self.lues + 1
        if self.texte is not None:
            try:
                ligne = self.texte.readline(TAILLE_LIGNE_MAX + 1)
            except UnicodeDecodeError as exc:
                raise ErreurCsv(_message_encodage(numero), ligne=numero) from exc
        else:
            octets = self.brut.readline(TAILLE_LIGNE_MAX + 1)
            ligne = self._decoder(octets, numero)
        if len(ligne) > TAILLE_LIGNE_MAX:
            raise ErreurCsv(
                f"Ligne {numero} : ligne trop longue (plus d'un million de caractères).",
                ligne=numero,
            )
        if ligne:
            self.lues += 1
        return ligne

    def _decoder(self, octets: bytes, numero: int) -> str:
        try:
            ligne = octets.decode(self.encodage)
        except UnicodeDecodeError as exc:
            # Le début de la ligne, avant l'octet fautif, a pu contenir de l'UTF-8 véritable.
            if self.repli_cp1252 and octets[: exc.start].isascii():
                self.encodage = "cp1252"
                self.repli_cp1252 = False
                return self._decoder(octets, numero)
            raise ErreurCsv(_message_encodage(numero), ligne=numero) from exc
        if self.repli_cp1252 and not octets.isascii():
            # Une séquence UTF-8 de plusieurs octets : le fichier est bien en UTF-8.
            self.repli_cp1252 = False
        return ligne

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        ligne = self.en_attente.pop(0) if self.en_attente else self.lire()
        if not ligne:
            raise StopIteration
        self.rendues += 1
        return ligne


def _message_encodage(numero: int) -> str:
    return (
        f"Ligne {numero} : caractères illisibles. Enregistrez le fichier au format « CSV UTF-8 » "
        "ou « CSV (séparateur : point-virgule) » depuis votre tableur."
    )


def _parcourir(
    lecteur: Iterator[list[str]],
    lignes: _Lignes,
    *,
    colonnes: dict[str, list[str]],
    obligatoires: set[str] | frozenset[str],
    entete: bool | None,
    largeur_variable: bool = False,
) -> Iterator[LigneCsv]:
    largeur: int | None = None
    positions: dict[str, int] | None = None
    while True:
        numero = lignes.rendues + 1
        try:
            cellules = next(lecteur)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ErreurCsv(
                f"Ligne {numero} : le fichier est mal formé ({exc}).", ligne=numero
            ) from exc
        if not any(cellule.strip() for cellule in cellules):
            continue  # ligne vide
        if largeur_variable and not entete:
            cellules = _sans_vides_finales(cellules)
            valeurs = {str(i): cellule.strip() for i, cellule in enumerate(cellules, start=1)}
            yield LigneCsv(numero=numero, valeurs=valeurs)
            continue
        if largeur is None:
            cellules = _sans_vides_finales(cellules)
            largeur = len(cellules)
            entetes = [cellule.strip() for cellule in cellules]
            if entete or (entete is None and _associer(entetes, colonnes)):
                positions = _verifier_entete(entetes, colonnes, obligatoires)
                continue
        if len(cellules) > largeur:
            cellules = _sans_vides_finales(cellules, minimum=largeur)
        if len(cellules) != largeur:
            raise ErreurCsv(
                f"Ligne {numero} : {len(cellules)} valeur{'s' if len(cellules) > 1 else ''} "
                f"pour {largeur} colonne{'s' if largeur > 1 else ''}.",
                ligne=numero,
            )
        if positions is None:
            valeurs = {str(i): cellule.strip() for i, cellule in enumerate(cellules, start=1)}
        else:
            valeurs = {nom: cellules[i].strip() for nom, i in positions.items()}
        yield LigneCsv(numero=numero, valeurs=valeurs)


# --- Valeurs -----------------------------------------------------------------------------------


def lire_date(texte: str) -> date:
    """« 25/11/2026 », « 5/1/2026 » ou « 2026-11-25 » → date ; sinon `ValueError` en français.

    L'analyseur commun `core.dates.parser_date_fr` (années 1900 à 2100).
    """
    return parser_date_fr(texte)

"""Le moteur de l'import : l'extrait passe par une table d'étape, puis tout se fait en SQL.

1. Remplir l'étape (`electeurs_import_etape`, table temporaire de la connexion) : une ligne
   par ligne valide du fichier, champs de l'électeur déjà calculés (clés d'identité, textes de
   recherche, date complète). Deux chemins :
   - **PostgreSQL** : `COPY` du fichier brut dans une table de textes, puis un seul
     `INSERT … SELECT` qui contrôle et normalise en SQL (`_remplir_postgresql`). Si le
     moindre contrôle échoue (ou si `COPY` refuse le fichier), on revient au chemin suivant,
     qui sait nommer chaque erreur par sa ligne et sa colonne ;
   - **Python** (`_remplir_python`, toutes bases) : `core.documents.csv.lire_csv` en flux, une
     ligne contrôlée par `lecture.lire_ligne`, insérée par lots.
2. Contrôles d'ensemble en SQL : même personne deux fois sur une liste (erreur), homonymes
   possibles, numéros d'ordre répétés.
3. Comparaison avec le fichier de la commune (nouveaux, modifiés, inchangés, absents).
4. Application (`appliquer`) : bureaux, électeurs, inscriptions, en SQL ensembliste.

Le tout tourne dans la transaction de l'appelant : l'aperçu l'annule, l'application la valide.
Rien ne tient le million de lignes en mémoire.
"""

# Tout le SQL de ce module est assemblé à partir de noms fixes (tables, colonnes du modèle) ;
# les valeurs du fichier passent toujours en paramètres ou par COPY.
# ruff: noqa: S608

from __future__ import annotations

import datetime
import logging
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import psycopg
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from core.documents import ErreurCsv
from core.documents.csv import lire_csv, lire_entete
from electeurs.identite import normaliser
from electeurs.imports.colonnes import COLONNES, OBLIGATOIRES
from electeurs.imports.lecture import (
    CHAMPS_TEXTE,
    LONGUEURS,
    ErreurLigne,
    libelle_colonne,
    lire_ligne,
)
from electeurs.models import BureauDeVote, Electeur, InscriptionListe, StatutElecteur

journal = logging.getLogger(__name__)

ETAPE = "electeurs_import_etape"
BRUT = "electeurs_import_brut"
TAILLE_LOT = 2000
MAX_ERREURS = 200
MAX_EXEMPLES = 50
MEMOIRE_TRAVAIL_PG = "256MB"
MEMOIRE_INDEX_PG = "512MB"

# Reçoit un message d'avancement (« 120 000 lignes lues »).
Avancer = Callable[[str], None]

# Colonnes de l'étape, dans l'ordre d'insertion.
COLONNES_ETAPE: list[tuple[str, str]] = [
    ("ligne", "bigint"),
    ("type_liste", "varchar(3)"),
    ("cle_identite", "text"),
    ("cle_homonymie", "text"),
    ("ine", "text"),
    ("sexe", "text"),
    *[(nom, "text") for nom in CHAMPS_TEXTE],
    ("naissance_jour", "integer"),
    ("naissance_mois", "integer"),
    ("naissance_annee", "integer"),
    ("date_naissance", "date"),
    ("recherche_naissance", "text"),
    ("recherche_usage", "text"),
    # Noms normalisés (table des noms du mode approchant, `NomElecteur`).
    ("nom_normalise", "text"),
    ("usage_normalise", "text"),
    ("bureau_code", "text"),
    ("bureau_libelle", "text"),
    ("circonscription_code", "text"),
    ("circonscription_libelle", "text"),
    ("canton_libelle", "text"),
    ("numero_ordre", "integer"),
]
NOMS_ETAPE = [nom for nom, _ in COLONNES_ETAPE]
# Champs de l'électeur que l'extrait donne (et peut donc modifier).
CHAMPS_ELECTEUR = [
    "nom_naissance",
    "nom_usage",
    "prenoms",
    "sexe",
    "naissance_jour",
    "naissance_mois",
    "naissance_annee",
    "date_naissance",
    *[nom for nom in CHAMPS_TEXTE if nom not in ("nom_naissance", "nom_usage", "prenoms")],
    "recherche_naissance",
    "recherche_usage",
    "cle_identite",
    "cle_homonymie",
]


@dataclass(frozen=True)
class Erreur:
    ligne: int | None
    colonne: str
    message: str

    def __str__(self) -> str:
        ou = f"Ligne {self.ligne}" if self.ligne else "Fichier"
        if self.colonne:
            ou += f", colonne « {self.colonne} »"
        return f"{ou} : {self.message}"


@dataclass
class Bilan:
    """Ce que l'import ferait (aperçu) ou a fait (application)."""

    lignes: int = 0
    nouveaux: int = 0
    modifies: int = 0
    inchanges: int = 0
    absents: int = 0
    rejetes: int = 0
    bureaux_crees: int = 0
    bureaux_modifies: int = 0
    dates_incompletes: int = 0
    sans_bureau: int = 0
    numeros_repetes: int = 0
    erreurs: list[Erreur] = field(default_factory=list)
    homonymes: list[list[dict[str, Any]]] = field(default_factory=list)
    absents_exemples: list[dict[str, Any]] = field(default_factory=list)
    retrouves: int = 0

    @property
    def valide(self) -> bool:
        return not self.erreurs

    def comptes(self) -> dict[str, int]:
        return {
            nom: getattr(self, nom)
            for nom in (
                "lignes",
                "nouveaux",
                "modifies",
                "inchanges",
                "absents",
                "rejetes",
                "bureaux_crees",
                "bureaux_modifies",
                "dates_incompletes",
                "sans_bureau",
                "numeros_repetes",
            )
        }


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _executer(sql: str, params: list[Any] | tuple[Any, ...] = ()) -> int:
    debut = time.perf_counter()
    with connection.cursor() as curseur:
        curseur.execute(sql, params)
        journal.debug("%.2f s — %s", time.perf_counter() - debut, " ".join(sql.split())[:90])
        return curseur.rowcount


def _lignes(sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    debut = time.perf_counter()
    with connection.cursor() as curseur:
        curseur.execute(sql, params)
        journal.debug("%.2f s — %s", time.perf_counter() - debut, " ".join(sql.split())[:90])
        return list(curseur.fetchall())


def _valeur(sql: str, params: list[Any] | tuple[Any, ...] = ()) -> Any:
    return _lignes(sql, params)[0][0]


def _creer_etape() -> None:
    _executer(f"DROP TABLE IF EXISTS {ETAPE}")
    colonnes = ", ".join(f"{nom} {type_}" for nom, type_ in COLONNES_ETAPE)
    _executer(
        f"CREATE TEMPORARY TABLE {ETAPE} ({colonnes}, premiere integer NOT NULL DEFAULT 1,"
        " electeur_id bigint, bureau_id bigint, faute boolean)"
    )


# --- 1. Remplir l'étape ----------------------------------------------------------------------


class _Repli(Exception):
    """Le chemin rapide renonce : le chemin Python relira le fichier pour nommer l'erreur."""


def remplir(
    ouvrir: Callable[[], BinaryIO], *, code_insee: str, bilan: Bilan, avancer: Avancer
) -> None:
    _creer_etape()
    if _pg():
        # Tris et hachages de l'import en mémoire du serveur plutôt que sur disque (la valeur
        # par défaut, 4 Mo, fait trier sur disque un million de lignes) ; rendu par `nettoyer`.
        _executer(f"SET work_mem = '{MEMOIRE_TRAVAIL_PG}'")
        try:
            with transaction.atomic():
                bilan.lignes = _remplir_postgresql(ouvrir, code_insee=code_insee)
        except (_Repli, ErreurCsv, DatabaseError, psycopg.Error):
            _creer_etape()
        else:
            avancer(f"{bilan.lignes} lignes lues")
            return
    _remplir_python(ouvrir, code_insee=code_insee, bilan=bilan, avancer=avancer)


def _remplir_python(
    ouvrir: Callable[[], BinaryIO], *, code_insee: str, bilan: Bilan, avancer: Avancer
) -> None:
    marques = ", ".join(["%s"] * len(NOMS_ETAPE))
    sql = f"INSERT INTO {ETAPE} ({', '.join(NOMS_ETAPE)}) VALUES ({marques})"
    lot: list[list[Any]] = []
    adapter = connection.ops.adapt_datefield_value

    def vider() -> None:
        if lot:
            with connection.cursor() as curseur:
                curseur.executemany(sql, lot)
            avancer(f"{bilan.lignes} lignes lues")
            lot.clear()

    with ouvrir() as fichier:
        try:
            for brute in lire_csv(fichier, colonnes=COLONNES, obligatoires=OBLIGATOIRES):
                bilan.lignes += 1
                try:
                    ligne = lire_ligne(brute.numero, brute.valeurs, code_insee=code_insee)
                except ErreurLigne as exc:
                    bilan.rejetes += 1
                    if len(bilan.erreurs) < MAX_ERREURS:
                        bilan.erreurs.append(
                            Erreur(brute.numero, libelle_colonne(exc.colonne), exc.message)
                        )
                    if exc.colonne == "code_ugle":
                        # Le fichier d'une autre commune : inutile de lire la suite.
                        return
                    continue
                if bilan.erreurs:
                    continue  # le fichier est déjà refusé : on ne fait plus que compter
                e = ligne.electeur
                lot.append(
                    [
                        ligne.numero,
                        ligne.type_liste,
                        e.cle_identite,
                        e.cle_homonymie,
                        e.ine,
                        e.sexe,
                        *[getattr(e, nom) for nom in CHAMPS_TEXTE],
                        e.naissance_jour,
                        e.naissance_mois,
                        e.naissance_annee,
                        adapter(e.date_naissance),
                        e.recherche_naissance,
                        e.recherche_usage,
                        normaliser(e.nom_naissance),
                        normaliser(e.nom_usage),
                        ligne.bureau_code,
                        ligne.bureau["libelle"],
                        ligne.bureau["circonscription_code"],
                        ligne.bureau["circonscription_libelle"],
                        ligne.bureau["canton_libelle"],
                        ligne.numero_ordre,
                    ]
                )
                if len(lot) >= TAILLE_LOT:
                    vider()
        except ErreurCsv as exc:
            colonne = libelle_colonne(exc.colonne) if exc.colonne in COLONNES else ""
            bilan.erreurs.append(Erreur(exc.ligne, colonne, _sans_prefixe(exc.message)))
            bilan.rejetes += 1
            return
    vider()


def _sans_prefixe(message: str) -> str:
    """« Ligne 3 : … » → « … » (la ligne est déjà dans `Erreur`)."""
    if message.startswith("Ligne ") and " : " in message:
        return message.split(" : ", 1)[1]
    return message


# PostgreSQL : la même normalisation que `electeurs.identite.normaliser`, en SQL. `normalize()`
# (NFKD) coûte cher ligne à ligne : le cas courant (ASCII et lettres latines accentuées) passe
# par `translate()`, table calculée ici avec `normaliser` lui-même, donc identique par
# construction ; une valeur qui contient un autre caractère passe par `normalize()`.
_LIGATURES_SQL = (("œ", "oe"), ("Œ", "oe"), ("æ", "ae"), ("Æ", "ae"), ("ß", "ss"), ("ẞ", "ss"))


def _translitteration() -> tuple[str, str, str]:
    """Minuscules accentuées de l'Europe de l'Ouest (Latin-1) → lettre ASCII ; les majuscules
    passent d'abord par `lower()`. Table courte : `translate()` la parcourt pour chaque
    caractère. Une lettre n'y entre que si sa décomposition est la lettre ASCII suivie
    d'accents, ce qui donne le même résultat que `normaliser`."""
    sources, cibles, autorises = [], [], []
    for code in (*map(ord, "éèêàçëïîôûùâüÿ"), *range(0xE0, 0x100)):
        caractere = chr(code)
        base = "".join(
            c for c in unicodedata.normalize("NFKD", caractere) if not unicodedata.combining(c)
        )
        if caractere not in sources and len(base) == 1 and base.isascii() and base.isalnum():
            sources.append(caractere)
            cibles.append(base)
    for code in range(0xC0, 0xE0):
        # Une majuscule est sûre si sa minuscule est dans la table.
        if chr(code).lower() in sources:
            autorises.append(chr(code))
    for caractere in "’‘ʼ«»–—°":
        if normaliser(caractere) == "":
            autorises.append(caractere)
    return "".join(sources), "".join(cibles), "".join(autorises)


_SOURCES, _CIBLES, _AUTORISES = _translitteration()
# Une valeur qui contient un caractère hors de cette classe passe par `normalize()`.
_RARE = "[^ -~" + _SOURCES + "".join(c for c, _ in _LIGATURES_SQL) + _AUTORISES + "]"


def _ligatures(expr: str) -> str:
    for lig, rempl in _LIGATURES_SQL:
        expr = f"replace({expr}, '{lig}', '{rempl}')"
    return expr


def _norm(expr: str) -> str:
    """Normalisation complète (NFKD) : pour les valeurs rares."""
    return (
        "btrim(regexp_replace(lower(regexp_replace(normalize("
        f"{_ligatures(expr)}, NFKD), '[\\u0300-\\u036f]', '', 'g')), '[^a-z0-9]+', ' ', 'g'))"
    )


def _norm_rapide(expr: str) -> str:
    return (
        f"btrim(regexp_replace(translate(lower({_ligatures(expr)}), '{_SOURCES}', '{_CIBLES}'), "
        "'[^a-z0-9]+', ' ', 'g'))"
    )


def _norm_choisie(expr: str, *, rapide: bool) -> str:
    if not rapide:
        return _norm(expr)
    return f"CASE WHEN rare THEN {_norm(expr)} ELSE {_norm_rapide(expr)} END"


def _lower_unicode() -> bool:
    """`lower()` de PostgreSQL suit-il les majuscules accentuées (locale UTF-8, pas « C ») ?"""
    return bool(_valeur("SELECT lower('ÉÇÀÜ') = 'éçàü'"))


NOMS = "electeurs_import_noms"


def _a_rogner(fenetre: bytes, sep: bytes) -> bool:
    """Une valeur du bloc commence-t-elle ou finit-elle par un blanc (espace, tabulation, saut
    de ligne dans une valeur entre guillemets) ? Recherche d'octets fixes, au plus quelques
    faux positifs (un `" ` au milieu d'une valeur) qui ne coûtent que le rognage."""
    if b"\t" in fenetre:
        return True
    motifs = (
        sep + b" ",
        b" " + sep,
        b"\n ",
        b" \n",
        b" \r",
        b'" ',
        b' "',
        sep + b'"\n',
        sep + b'"\r',
        b'\n"' + sep,
        b'\r"' + sep,
        b'\n"\n',
        b'\n"\r',
        b'\r"\n',
        b'\r"\r',
    )
    return any(motif in fenetre for motif in motifs)


def _remplir_postgresql(ouvrir: Callable[[], BinaryIO], *, code_insee: str) -> int:
    with ouvrir() as fichier:
        entete = lire_entete(fichier, colonnes=COLONNES, obligatoires=OBLIGATOIRES)
    if entete.encodage == "utf-16":
        raise _Repli
    brutes = [f"c{i}" for i in range(entete.largeur)]
    _executer(f"DROP TABLE IF EXISTS {BRUT}")
    _executer(
        f"CREATE TEMPORARY TABLE {BRUT} (n bigint GENERATED ALWAYS AS IDENTITY, "
        + ", ".join(f"{c} text" for c in brutes)
        + ")"
    )
    encodage = "UTF8" if entete.encodage == "utf-8" else "WIN1252"
    sep = entete.separateur.replace("'", "''")
    # FORCE_NOT_NULL : une cellule vide arrive en '' (pas de `coalesce` par valeur ensuite).
    copie = (
        f"COPY {BRUT} ({', '.join(brutes)}) FROM STDIN "
        f"(FORMAT csv, DELIMITER '{sep}', HEADER true, ENCODING '{encodage}', "
        f"FORCE_NOT_NULL ({', '.join(brutes)}))"
    )
    # Rogner chaque valeur (`btrim`) coûtait autant que tout le reste du découpage : on ne le
    # fait que si le fichier a au moins une valeur bordée de blancs (Excel, saisie à la main),
    # ce que les octets disent pendant la copie.
    octets_sep = entete.separateur.encode("cp1252" if encodage == "WIN1252" else "utf-8")
    rogner = False
    queue = b"\n"
    with ouvrir() as fichier, connection.cursor() as curseur:
        fichier.seek(entete.longueur_bom)
        with curseur.cursor.copy(copie) as flux:  # type: ignore[attr-defined]
            while bloc := fichier.read(1 << 20):
                flux.write(bloc)
                if not rogner:
                    rogner = _a_rogner(queue + bloc, octets_sep)
                queue = bloc[-3:]
    if queue.rstrip(b"\r\n").endswith((b" ", b'" ')):
        rogner = True

    def col(nom: str) -> str:
        if nom not in entete.positions:
            return "''"
        brute = f"c{entete.positions[nom]}"
        return f"btrim({brute}, E' \\t\\r\\n')" if rogner else brute

    lieu = (
        f"coalesce(nullif({col('commune_naissance_code')}, ''), "
        f"nullif({col('commune_naissance_libelle')}, ''), {col('pays_naissance')})"
    )
    rapide = _lower_unicode()

    def norm(expr: str) -> str:
        if not rapide:
            return _norm(expr)
        return f"CASE WHEN {expr} ~ '{_RARE}' THEN {_norm(expr)} ELSE {_norm_rapide(expr)} END"

    # Noms de famille et lieux de naissance se répètent (quelques milliers de valeurs pour un
    # million de lignes) : chaque valeur distincte est normalisée une fois, puis jointe.
    _executer(f"DROP TABLE IF EXISTS {NOMS}")
    _executer(
        f"CREATE TEMPORARY TABLE {NOMS} AS SELECT v, {norm('v')} AS n FROM ("
        f"SELECT DISTINCT v FROM {BRUT}, LATERAL (VALUES ({col('nom_naissance')}), "
        f"({col('nom_usage')}), ({lieu})) x(v)) d"
    )
    _executer(f"ANALYZE {NOMS}")
    # Prénoms : presque toujours distincts. Lettres ASCII et espaces simples : `lower()` suffit
    # (même résultat que `normaliser`) ; sinon la normalisation complète.
    prenoms = (
        "CASE WHEN prenoms !~ '[^A-Za-z0-9 ]' AND strpos(prenoms, '  ') = 0 "
        f"THEN lower(prenoms) ELSE {norm('prenoms')} END"
    )
    # Libellés de liste et sexe : minuscules suffisent (les mots cherchés sont sans accent) ;
    # un libellé que ce filtre ne reconnaît pas renvoie au chemin Python, qui nomme l'erreur.
    # `lower()` d'un texte non ASCII coûte : le libellé d'ELIRE le plus courant (« Liste
    # principale ») et les lettres M/F sont reconnus tels quels.
    textes = ", ".join(f"{col(nom)} AS {nom}" for nom in CHAMPS_TEXTE)
    # `length()` compte les caractères (parcours de la valeur) : `octet_length()`, lu dans
    # l'en-tête de la valeur, l'écarte presque toujours avant.
    longueurs = " OR ".join(
        f"(octet_length({nom}) > {longueur} AND length({nom}) > {longueur})"
        for nom, longueur in LONGUEURS.items()
    )
    annee_max = datetime.date.today().year
    champs = ", ".join(CHAMPS_TEXTE)
    # Une seule passe : découpage (sous-requête `b`), noms joints et prénoms normalisés (`n`),
    # clés et contrôles (`h`), insertion. `OFFSET 0` empêche PostgreSQL d'aplatir les
    # sous-requêtes : aplaties, chaque usage d'une colonne recopiait son expression (la
    # normalisation d'un nom était calculée trois fois par ligne). Une ligne fautive (colonne
    # `faute`), ou une erreur SQL (date impossible, nombre illisible), renvoie au chemin Python
    # qui nomme chaque erreur par sa ligne et sa colonne.
    # `regexp_match` avec groupes de capture coûtait 47 µs par ligne (retours en arrière du
    # moteur d'expressions) ; un `~` sans capture puis `string_to_array`, 3 µs.
    date = col("date_naissance")
    nombre, fautes = _lignes(
        f"""
        WITH ins AS (
        INSERT INTO {ETAPE} ({", ".join(NOMS_ETAPE)}, faute)
        SELECT ligne, type_liste, cle_homonymie || '|' || sexe || '|' || nl, cle_homonymie,
          ine, sexe, {champs},
          nullif(d[1]::int, 0), nullif(d[2]::int, 0), d[3]::int,
          CASE WHEN d[1]::int > 0 AND d[2]::int > 0
               THEN make_date(d[3]::int, d[2]::int, d[1]::int) END,
          concat_ws(' ', nullif(nn, ''), nullif(np, '')),
          CASE WHEN nom_usage <> '' THEN concat_ws(' ', nullif(nu, ''), nullif(np, ''))
               ELSE '' END,
          nn, nu,
          CASE WHEN bureau_code = '' THEN '' ELSE lpad(bureau_code, 4, '0') END,
          bureau_libelle, circonscription_code, circonscription_libelle, canton_libelle,
          nullif(numero_ordre, '')::int,
          type_liste IS NULL OR sexe IS NULL OR d IS NULL OR ugle <> %s OR nom_naissance = ''
          OR d[3]::int NOT BETWEEN 1880 AND {annee_max} OR d[2]::int > 12
          OR CASE WHEN d[1]::int <= 28 THEN false
                  WHEN d[2]::int BETWEEN 1 AND 12 AND d[3]::int BETWEEN 1880 AND {annee_max}
                  THEN d[1]::int > extract(day from make_date(d[3]::int, d[2]::int, 1)
                       + interval '1 month' - interval '1 day')
                  ELSE d[1]::int > 31 END
          OR (bureau_code <> '' AND bureau_code !~ '^[0-9]{{1,4}}$')
          OR (numero_ordre <> '' AND numero_ordre !~ '^[0-9]{{1,9}}$')
          OR {longueurs}
        FROM (
          SELECT *, nn || '|' || np || '|' || lpad(d[1], 2, '0') || '/'
                 || lpad(d[2], 2, '0') || '/' || d[3] AS cle_homonymie
          FROM (
            SELECT b.*, coalesce(a.n, '') AS nn, coalesce(u.n, '') AS nu,
              coalesce(l.n, '') AS nl, {prenoms} AS np,
              CASE WHEN tl_brut = 'Liste principale' THEN 'LP'
                   WHEN tl IN ('lp', 'l p') OR tl LIKE '%%principale%%' THEN 'LP'
                   WHEN tl IN ('lcm', 'l c m') OR tl LIKE '%%municipale%%' THEN 'LCM'
                   WHEN tl IN ('lce', 'l c e') OR tl LIKE '%%europ%%' THEN 'LCE'
              END AS type_liste,
              CASE WHEN sx = 'M' THEN 'M' WHEN sx = 'F' THEN 'F'
                   WHEN lower(sx) IN ('m', 'masculin', 'h', 'homme') THEN 'M'
                   WHEN lower(sx) IN ('f', 'féminin', 'feminin', 'femme') THEN 'F' END AS sexe
            FROM (
              SELECT n + 1 AS ligne, {col("type_liste")} AS tl_brut,
                CASE WHEN {col("type_liste")} <> 'Liste principale'
                     THEN lower({col("type_liste")}) END AS tl,
                {col("sexe")} AS sx,
                CASE WHEN {date} ~ '^[0-9]{{1,2}}/[0-9]{{1,2}}/[0-9]{{4}}$'
                     THEN string_to_array({date}, '/') END AS d,
                lpad({col("code_ugle")}, 5, '0') AS ugle,
                {textes}, {lieu} AS lieu,
                replace({col("ine")}, ' ', '') AS ine,
                {col("bureau_code")} AS bureau_code,
                left({col("bureau_libelle")}, 200) AS bureau_libelle,
                left({col("circonscription_code")}, 10) AS circonscription_code,
                left({col("circonscription_libelle")}, 200) AS circonscription_libelle,
                left({col("canton_libelle")}, 200) AS canton_libelle,
                {col("numero_ordre")} AS numero_ordre
              FROM {BRUT} OFFSET 0
            ) b
            LEFT JOIN {NOMS} a ON a.v = b.nom_naissance
            LEFT JOIN {NOMS} u ON u.v = b.nom_usage
            LEFT JOIN {NOMS} l ON l.v = b.lieu
            OFFSET 0
          ) n
          OFFSET 0
        ) h
        RETURNING faute
        )
        SELECT count(*), count(*) FILTER (WHERE faute) FROM ins
        """,
        [code_insee.zfill(5)],
    )[0]
    _executer(f"DROP TABLE {BRUT}")
    _executer(f"DROP TABLE {NOMS}")
    if fautes:
        raise _Repli
    return int(nombre)


# --- 2. Contrôles d'ensemble -----------------------------------------------------------------

NOMS_LISTES = {
    "LP": "la liste principale",
    "LCM": "la liste complémentaire municipale",
    "LCE": "la liste complémentaire européenne",
}


def _distinct() -> str:
    """Comparaison qui tient compte de NULL : `a IS DISTINCT FROM b`."""
    return "IS DISTINCT FROM" if _pg() else "IS NOT"


def controler(*, collectivite_id: int, bilan: Bilan) -> None:
    if not _pg():
        _executer(f"CREATE INDEX {ETAPE}_cle ON {ETAPE} (cle_identite)")
        _executer(f"CREATE INDEX {ETAPE}_homonymie ON {ETAPE} (cle_homonymie)")
    else:
        # Statistiques des seules colonnes de jointure : de quoi choisir des jointures par
        # hachage, sans le coût d'une analyse complète de lignes larges.
        _executer(f"ANALYZE {ETAPE} (cle_identite, cle_homonymie, electeur_id, premiere)")
    ensemble = _ensemble_pg() if _pg() else _ensemble()
    for type_liste, premiere, derniere, nombre in ensemble.doublons:
        bilan.rejetes += nombre - 1
        if len(bilan.erreurs) < MAX_ERREURS:
            autres = "" if nombre == 2 else f" (et {nombre - 2} autre{'s' if nombre > 3 else ''})"
            bilan.erreurs.append(
                Erreur(
                    derniere,
                    "",
                    f"la même personne figure deux fois sur {NOMS_LISTES[type_liste]} : "
                    f"lignes {premiere} et {derniere}{autres}.",
                )
            )
    if bilan.erreurs:
        return
    # Une personne a une ligne par liste : seule sa première ligne porte l'électeur. Les
    # lignes suivantes sont rares (listes complémentaires) : on ne réécrit qu'elles.
    if ensemble.multiples:
        cles, premieres = zip(*ensemble.multiples, strict=True)
        if _pg():
            _executer(
                f"UPDATE {ETAPE} SET premiere = 0 FROM unnest(%s::text[], %s::bigint[]) "
                f"d(cle, m) WHERE {ETAPE}.cle_identite = d.cle AND {ETAPE}.ligne <> d.m",
                [list(cles), list(premieres)],
            )
        else:
            _executer(
                f"UPDATE {ETAPE} SET premiere = 0 FROM (SELECT cle_identite, min(ligne) AS m "
                f"FROM {ETAPE} GROUP BY cle_identite HAVING count(*) > 1) d "
                f"WHERE {ETAPE}.cle_identite = d.cle_identite AND {ETAPE}.ligne <> d.m"
            )
    bilan.dates_incompletes = ensemble.dates_incompletes
    bilan.sans_bureau = ensemble.sans_bureau
    bilan.numeros_repetes = ensemble.numeros_repetes
    _executer(
        f"UPDATE {ETAPE} SET electeur_id = e.id FROM electeurs_electeur e "
        f"WHERE e.collectivite_id = %s AND {ETAPE}.ine <> '' AND e.ine = {ETAPE}.ine",
        [collectivite_id],
    )
    _executer(
        f"UPDATE {ETAPE} SET electeur_id = e.id FROM electeurs_electeur e "
        f"WHERE {ETAPE}.electeur_id IS NULL AND e.collectivite_id = %s "
        f"AND e.cle_identite = {ETAPE}.cle_identite",
        [collectivite_id],
    )
    _homonymes(collectivite_id=collectivite_id, bilan=bilan)


@dataclass
class _Ensemble:
    """Ce que les contrôles d'ensemble ont trouvé dans l'étape."""

    # (liste, première ligne, dernière ligne, nombre) : même personne deux fois sur une liste.
    doublons: list[tuple[str, int, int, int]]
    # (clé d'identité, première ligne) des personnes qui ont plusieurs lignes.
    multiples: list[tuple[str, int]]
    dates_incompletes: int
    sans_bureau: int
    numeros_repetes: int


def _ensemble_pg() -> _Ensemble:
    """Les contrôles d'ensemble en trois lectures de l'étape au lieu de six : un regroupement
    par personne (personnes à plusieurs lignes, deux fois sur une liste, dates incomplètes en
    trop), un comptage (dates incomplètes, lignes sans bureau) et les numéros répétés ; les
    homonymes du fichier restent lus par `_homonymes`.

    Un seul `GROUPING SETS` pour tout a été mesuré plus lent (200 000 lignes : 2,3 s de
    processeur contre 1,7 s, 230 Mo de tables de hachage tenues ensemble, qui déborderaient
    sur disque à 1 000 000 de lignes)."""
    multiples: list[tuple[str, int]] = []
    incompletes_en_trop = 0
    deux_fois = False
    for cle, premiere, nombre, meme_liste, sans_date in _lignes(
        f"SELECT cle_identite, min(ligne), count(*), "
        "greatest(count(*) FILTER (WHERE type_liste = 'LP'), "
        "count(*) FILTER (WHERE type_liste = 'LCM'), "
        "count(*) FILTER (WHERE type_liste = 'LCE')) > 1, "
        "bool_or(naissance_jour IS NULL OR naissance_mois IS NULL) "
        f"FROM {ETAPE} GROUP BY cle_identite HAVING count(*) > 1"
    ):
        multiples.append((cle, premiere))
        deux_fois = deux_fois or meme_liste
        # Les lignes d'une personne ont la même date : seule la première compte.
        if sans_date:
            incompletes_en_trop += nombre - 1
    incompletes, sans_bureau = _lignes(
        "SELECT count(*) FILTER (WHERE naissance_jour IS NULL OR naissance_mois IS NULL), "
        f"count(*) FILTER (WHERE bureau_code = '') FROM {ETAPE}"
    )[0]
    return _Ensemble(
        # Fichier refusé (rare) : les lignes de chaque doublon, pour le message.
        doublons=_doublons() if deux_fois else [],
        multiples=multiples,
        dates_incompletes=int(incompletes) - incompletes_en_trop,
        sans_bureau=int(sans_bureau),
        numeros_repetes=_numeros_repetes(),
    )


def _doublons() -> list[tuple[str, int, int, int]]:
    return [
        (t, int(p), int(d), int(n))
        for t, p, d, n in _lignes(
            f"SELECT type_liste, min(ligne), max(ligne), count(*) FROM {ETAPE} "
            "GROUP BY cle_identite, type_liste HAVING count(*) > 1 ORDER BY min(ligne)"
        )
    ]


def _ensemble() -> _Ensemble:
    """Les mêmes contrôles, une requête chacun (SQLite n'a ni `bool_or` ni `greatest`)."""
    multiples = _lignes(
        f"SELECT cle_identite, min(ligne) FROM {ETAPE} GROUP BY cle_identite HAVING count(*) > 1"
    )
    incompletes = _valeur(
        f"SELECT count(*) FROM {ETAPE} WHERE (naissance_jour IS NULL OR naissance_mois IS NULL) "
        f"AND ligne IN (SELECT min(ligne) FROM {ETAPE} GROUP BY cle_identite)"
    )
    return _Ensemble(
        doublons=_doublons(),
        multiples=[(c, int(m)) for c, m in multiples],
        dates_incompletes=int(incompletes),
        sans_bureau=int(_valeur(f"SELECT count(*) FROM {ETAPE} WHERE bureau_code = ''")),
        numeros_repetes=_numeros_repetes(),
    )


def _numeros_repetes() -> int:
    return int(
        _valeur(
            f"SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM {ETAPE} "
            "WHERE numero_ordre IS NOT NULL AND bureau_code <> '' "
            "GROUP BY type_liste, bureau_code, numero_ordre HAVING count(*) > 1) t"
        )
    )


def _homonymes(*, collectivite_id: int, bilan: Bilan) -> None:
    """Mêmes noms, prénoms et date de naissance, autre lieu (ou sexe) : côte à côte."""
    cles = [
        cle
        for (cle,) in _lignes(
            f"""
            SELECT cle_homonymie FROM {ETAPE} WHERE premiere = 1
            GROUP BY cle_homonymie HAVING count(*) > 1
            UNION
            SELECT s.cle_homonymie FROM {ETAPE} s JOIN electeurs_electeur e
              ON e.collectivite_id = %s AND e.cle_homonymie = s.cle_homonymie
              AND e.cle_identite <> s.cle_identite
            WHERE s.premiere = 1
            ORDER BY 1
            """,
            [collectivite_id],
        )
    ]
    for cle in cles[:MAX_EXEMPLES]:
        groupe: list[dict[str, Any]] = []
        for ligne, nom, usage, prenoms, sexe, j, m, a, code, commune, pays in _lignes(
            "SELECT ligne, nom_naissance, nom_usage, prenoms, sexe, naissance_jour, "
            "naissance_mois, naissance_annee, commune_naissance_code, "
            f"commune_naissance_libelle, pays_naissance FROM {ETAPE} "
            "WHERE premiere = 1 AND cle_homonymie = %s ORDER BY ligne",
            [cle],
        ):
            groupe.append(
                _personne(f"ligne {ligne}", nom, usage, prenoms, sexe, j, m, a, code, commune, pays)
            )
        for pk, nom, usage, prenoms, sexe, j, m, a, code, commune, pays in _lignes(
            "SELECT id, nom_naissance, nom_usage, prenoms, sexe, naissance_jour, "
            "naissance_mois, naissance_annee, commune_naissance_code, "
            "commune_naissance_libelle, pays_naissance FROM electeurs_electeur "
            "WHERE collectivite_id = %s AND cle_homonymie = %s "
            f"AND id NOT IN (SELECT electeur_id FROM {ETAPE} "
            "WHERE electeur_id IS NOT NULL AND cle_homonymie = %s) ORDER BY id",
            [collectivite_id, cle, cle],
        ):
            personne = _personne("fichier électoral", nom, usage, prenoms, sexe, j, m, a, code)
            personne.update(
                _personne("", nom, usage, prenoms, sexe, j, m, a, code, commune, pays),
                origine="déjà dans le fichier électoral",
                electeur_id=pk,
            )
            groupe.append(personne)
        bilan.homonymes.append(groupe)


def _personne(
    origine: str, nom: str, usage: str, prenoms: str, sexe: str, *date_lieu: Any
) -> dict[str, Any]:
    jour, mois, annee, code, commune, pays = (list(date_lieu) + [""] * 6)[:6]
    return {
        "origine": origine,
        "nom": f"{nom} ({usage})" if usage and usage != nom else nom,
        "prenoms": prenoms,
        "sexe": sexe,
        "naissance": f"{jour or 0:02d}/{mois or 0:02d}/{annee or 0:04d}",
        "lieu": " ".join(x for x in (commune, f"({code})" if code else "", pays) if x),
    }


# --- 3. Comparaison ---------------------------------------------------------------------------


def _difference_electeur(alias_e: str = "e", alias_s: str = "s") -> str:
    op = _distinct()
    champs = [c for c in CHAMPS_ELECTEUR if c not in ("cle_homonymie", "recherche_naissance")]
    conditions = [f"{alias_e}.{c} {op} {alias_s}.{c}" for c in champs]
    conditions.append(f"({alias_s}.ine <> '' AND {alias_e}.ine <> {alias_s}.ine)")
    return "(" + " OR ".join(conditions) + ")"


def _inscription_differente(alias_s: str = "s") -> str:
    op = _distinct()
    return (
        "NOT EXISTS (SELECT 1 FROM electeurs_inscriptionliste i "
        "LEFT JOIN electeurs_bureaudevote b ON b.id = i.bureau_id "
        f"WHERE i.electeur_id = {alias_s}.electeur_id AND i.type_liste = {alias_s}.type_liste "
        f"AND coalesce(b.code, '') = {alias_s}.bureau_code "
        f"AND NOT (i.numero_ordre {op} {alias_s}.numero_ordre))"
    )


def comparer(*, collectivite_id: int, bilan: Bilan) -> None:
    bilan.nouveaux = _valeur(
        f"SELECT count(*) FROM {ETAPE} WHERE premiere = 1 AND electeur_id IS NULL"
    )
    retrouves = bilan.retrouves = _valeur(
        f"SELECT count(DISTINCT electeur_id) FROM {ETAPE} WHERE electeur_id IS NOT NULL"
    )
    bilan.modifies = _valeur(
        f"SELECT count(DISTINCT s.electeur_id) FROM {ETAPE} s "
        "JOIN electeurs_electeur e ON e.id = s.electeur_id "
        f"WHERE (s.premiere = 1 AND {_difference_electeur()}) OR {_inscription_differente()}"
    )
    bilan.inchanges = retrouves - bilan.modifies
    absents = (
        "FROM electeurs_electeur e WHERE e.collectivite_id = %s AND e.statut = %s "
        f"AND NOT EXISTS (SELECT 1 FROM {ETAPE} s WHERE s.electeur_id = e.id)"
    )
    params = [collectivite_id, StatutElecteur.INSCRIT.value]
    bilan.absents = _valeur(f"SELECT count(*) {absents}", params)
    bilan.absents_exemples = [
        {"electeur_id": pk, **_personne("", nom, usage, prenoms, sexe, j, m, a)}
        for pk, nom, usage, prenoms, sexe, j, m, a in _lignes(
            "SELECT e.id, e.nom_naissance, e.nom_usage, e.prenoms, e.sexe, e.naissance_jour, "
            f"e.naissance_mois, e.naissance_annee {absents} "
            f"ORDER BY e.nom_naissance, e.prenoms, e.id LIMIT {MAX_EXEMPLES}",
            params,
        )
    ]
    bureaux = _bureaux_du_fichier()
    bilan.bureaux_crees = _valeur(
        f"SELECT count(*) FROM ({bureaux}) f WHERE NOT EXISTS (SELECT 1 FROM "
        "electeurs_bureaudevote b WHERE b.collectivite_id = %s AND b.code = f.code)",
        [collectivite_id],
    )
    bilan.bureaux_modifies = _valeur(
        f"SELECT count(*) FROM ({bureaux}) f JOIN electeurs_bureaudevote b "
        f"ON b.collectivite_id = %s AND b.code = f.code WHERE {_bureau_different()}",
        [collectivite_id],
    )


def _bureaux_du_fichier() -> str:
    return (
        "SELECT bureau_code AS code, max(bureau_libelle) AS libelle, "
        "max(circonscription_code) AS circonscription_code, "
        "max(circonscription_libelle) AS circonscription_libelle, "
        f"max(canton_libelle) AS canton_libelle FROM {ETAPE} "
        "WHERE bureau_code <> '' GROUP BY bureau_code"
    )


def _bureau_different() -> str:
    return (
        "((f.libelle <> '' AND b.libelle <> f.libelle) "
        "OR b.circonscription_code <> f.circonscription_code "
        "OR b.circonscription_libelle <> f.circonscription_libelle "
        "OR b.canton_libelle <> f.canton_libelle)"
    )


# --- 4. Application ---------------------------------------------------------------------------


def _insertion(
    modele: Any, valeurs: dict[str, str], params: dict[str, Any]
) -> tuple[str, list[Any]]:
    """`INSERT INTO table (toutes les colonnes) SELECT …` : les colonnes que l'import ne
    connaît pas reçoivent leur valeur par défaut du modèle (Django ne pose pas de défaut en
    base), pour qu'un champ ajouté plus tard ne casse pas l'import."""
    colonnes, expressions, arguments = [], [], []
    for champ in modele._meta.concrete_fields:
        if champ.primary_key:
            continue
        colonnes.append(champ.column)
        if champ.attname in valeurs:
            expressions.append(valeurs[champ.attname])
        elif champ.attname in params:
            expressions.append("%s")
            arguments.append(params[champ.attname])
        elif champ.has_default():
            expressions.append("%s")
            arguments.append(champ.get_db_prep_save(champ.get_default(), connection))
        elif champ.null:
            expressions.append("NULL")
        else:
            expressions.append("''")
    table = modele._meta.db_table
    return f"INSERT INTO {table} ({', '.join(colonnes)}) SELECT {', '.join(expressions)}", arguments


def appliquer(*, collectivite_id: int, bilan: Bilan, avancer: Avancer) -> None:
    """Écrit l'étape dans le fichier électoral (l'étape est contrôlée et comparée)."""
    maintenant = timezone.now()
    horodatage = connection.ops.adapt_datetimefield_value(maintenant)
    communs = {"collectivite_id": collectivite_id, "cree_le": horodatage, "modifie_le": horodatage}
    bureaux = _bureaux_du_fichier()
    sql, args = _insertion(
        BureauDeVote,
        {
            "code": "f.code",
            "libelle": "coalesce(nullif(f.libelle, ''), 'Bureau ' || f.code)",
            "circonscription_code": "f.circonscription_code",
            "circonscription_libelle": "f.circonscription_libelle",
            "canton_libelle": "f.canton_libelle",
        },
        communs,
    )
    _executer(
        f"{sql} FROM ({bureaux}) f WHERE NOT EXISTS (SELECT 1 FROM electeurs_bureaudevote b "
        "WHERE b.collectivite_id = %s AND b.code = f.code)",
        [*args, collectivite_id],
    )
    _executer(
        "UPDATE electeurs_bureaudevote AS b SET "
        "libelle = coalesce(nullif(f.libelle, ''), b.libelle), "
        "circonscription_code = f.circonscription_code, "
        "circonscription_libelle = f.circonscription_libelle, "
        "canton_libelle = f.canton_libelle, modifie_le = %s "
        f"FROM ({bureaux}) f WHERE b.collectivite_id = %s AND b.code = f.code "
        f"AND {_bureau_different()}",
        [horodatage, collectivite_id],
    )
    avancer("Bureaux de vote à jour")
    # Les noms du fichier entrent dans la table du mode approchant (ceux qu'elle a déjà restent).
    _executer(
        "INSERT INTO electeurs_nomelecteur (collectivite_id, nom) SELECT %s, n FROM "
        f"(SELECT nom_normalise AS n FROM {ETAPE} UNION SELECT usage_normalise FROM {ETAPE}) x "
        "WHERE n <> '' ON CONFLICT DO NOTHING",
        [collectivite_id],
    )
    if _pg():
        # Table courte : ses statistiques à jour, le mode approchant passe par son index
        # trigrammes dès le premier import (sans elles, PostgreSQL la croit vide et la lit).
        _executer("ANALYZE electeurs_nomelecteur")
        # Les noms ajoutés attendent dans la liste d'attente de l'index GIN (`fastupdate`),
        # relue en entier à chaque recherche : on les range dans l'index tout de suite.
        _executer("SELECT gin_clean_pending_list('electeurs_nom_trgm'::regclass)")
    if bilan.retrouves:
        # Électeurs retrouvés dont l'état civil ou l'adresse a changé.
        affectations = ", ".join(f"{c} = s.{c}" for c in CHAMPS_ELECTEUR)
        _executer(
            f"UPDATE electeurs_electeur AS e SET {affectations}, "
            "ine = CASE WHEN s.ine <> '' THEN s.ine ELSE e.ine END, modifie_le = %s "
            f"FROM {ETAPE} s WHERE s.electeur_id = e.id AND s.premiere = 1 "
            f"AND {_difference_electeur()}",
            [horodatage],
        )
    with _index_suspendus(
        ["electeurs_electeur", "electeurs_inscriptionliste"], suspendre=_gros_ajout(bilan)
    ):
        # Nouveaux électeurs, puis leurs inscriptions : l'électeur retrouvé, sinon celui qui
        # vient d'être créé (même clé d'identité).
        sql_e, args_e = _insertion(
            Electeur,
            {c: f"s.{c}" for c in [*CHAMPS_ELECTEUR, "ine"]},
            {**communs, "statut": StatutElecteur.INSCRIT.value},
        )
        nouveaux = f"{sql_e} FROM {ETAPE} s WHERE s.premiere = 1 AND s.electeur_id IS NULL"
        sql_i, args_i = _insertion(
            InscriptionListe,
            {
                "electeur_id": "x.electeur_id",
                "type_liste": "x.type_liste",
                "bureau_id": "x.bureau_id",
                "numero_ordre": "x.numero_ordre",
            },
            communs,
        )
        bureau = (
            "LEFT JOIN electeurs_bureaudevote b ON b.collectivite_id = %s "
            "AND b.code = s.bureau_code"
        )
        # Un électeur créé à l'instant n'a pas d'inscription : la sous-requête ne sert qu'aux
        # électeurs retrouvés (une lecture de l'index unique chacun). Écrite en `NOT EXISTS`
        # seul, PostgreSQL en faisait une anti-jointure par boucle imbriquée sur une table
        # estimée vide, relue en entier pour chaque ligne.
        sans_doublon = (
            "WHERE x.nouveau OR NOT EXISTS (SELECT 1 FROM electeurs_inscriptionliste i "
            "WHERE i.electeur_id = x.electeur_id AND i.type_liste = x.type_liste)"
        )
        if bilan.retrouves:
            op = _distinct()
            _executer(
                "UPDATE electeurs_inscriptionliste AS i SET bureau_id = x.bureau_id, "
                "numero_ordre = x.numero_ordre, modifie_le = %s FROM "
                "(SELECT s.electeur_id, s.type_liste, b.id AS bureau_id, s.numero_ordre "
                f"FROM {ETAPE} s {bureau} WHERE s.electeur_id IS NOT NULL) x "
                "WHERE i.electeur_id = x.electeur_id AND i.type_liste = x.type_liste "
                f"AND (i.bureau_id {op} x.bureau_id OR i.numero_ordre {op} x.numero_ordre)",
                [horodatage, collectivite_id],
            )
        if _pg():
            # Une seule requête : les identifiants des nouveaux électeurs reviennent par
            # `RETURNING`, joints à l'étape (dont les statistiques sont à jour). Relire
            # `electeurs_electeur` juste après l'avoir rempli exposait le plan aux statistiques
            # d'une table encore vide : boucle imbriquée, 222 s au lieu d'une seconde pour
            # 100 000 lignes.
            _executer(
                f"WITH n AS ({nouveaux} RETURNING id, cle_identite) {sql_i} FROM "
                "(SELECT coalesce(s.electeur_id, n.id) AS electeur_id, s.type_liste, "
                "b.id AS bureau_id, s.numero_ordre, s.electeur_id IS NULL AS nouveau "
                f"FROM {ETAPE} s LEFT JOIN n "
                f"ON s.electeur_id IS NULL AND n.cle_identite = s.cle_identite {bureau}) x "
                f"{sans_doublon}",
                [*args_e, *args_i, collectivite_id],
            )
        else:
            _executer(nouveaux, args_e)
            _executer(
                f"{sql_i} FROM (SELECT coalesce(s.electeur_id, n.id) AS electeur_id, "
                "s.type_liste, b.id AS bureau_id, s.numero_ordre, "
                f"s.electeur_id IS NULL AS nouveau FROM {ETAPE} s "
                "LEFT JOIN electeurs_electeur n ON s.electeur_id IS NULL "
                f"AND n.collectivite_id = %s AND n.cle_identite = s.cle_identite {bureau}) x "
                f"{sans_doublon}",
                [*args_i, collectivite_id, collectivite_id],
            )
        avancer("Électeurs à jour")
    avancer("Inscriptions à jour")


SEUIL_REINDEXATION = 50_000


def _gros_ajout(bilan: Bilan) -> bool:
    """Beaucoup de lignes nouvelles (premier import d'une grande commune) : sur PostgreSQL,
    reconstruire les index après l'ajout coûte bien moins que les tenir à jour ligne à ligne."""
    return _pg() and bilan.nouveaux >= SEUIL_REINDEXATION and bilan.nouveaux > bilan.retrouves


@contextmanager
def _index_suspendus(tables: list[str], *, suspendre: bool) -> Iterator[None]:
    """Ôte les index simples et les clés étrangères des tables, puis les recrée à l'identique,
    dans la même transaction : un index se construit d'un coup bien plus vite qu'il ne se
    tient à jour ligne à ligne, et une clé étrangère se vérifie en une jointure au lieu d'un
    déclencheur par ligne. Les index des contraintes (clé primaire, unicité) restent."""
    if not suspendre:
        yield
        return
    index = _lignes(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
        "AND tablename = ANY(%s) AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE conindid <> 0)",
        [tables],
    )
    cles = _lignes(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
        [tables],
    )
    # Les clés étrangères de Django sont vérifiées au commit (DEFERRABLE) : PostgreSQL refuse
    # de modifier une table tant que des vérifications attendent ; on les fait passer.
    _executer("SET CONSTRAINTS ALL IMMEDIATE")
    _executer("SET CONSTRAINTS ALL DEFERRED")
    for table, nom, _definition in cles:
        _executer(f'ALTER TABLE {table} DROP CONSTRAINT "{nom}"')
    for nom, _definition in index:
        _executer(f'DROP INDEX "{nom}"')
    yield
    _executer("SET CONSTRAINTS ALL IMMEDIATE")
    _executer("SET CONSTRAINTS ALL DEFERRED")
    # Mémoire de construction des index, le temps de cette transaction : le tri d'un index
    # B-tree d'un million de clés et l'accumulation d'un index GIN tiennent alors en mémoire
    # (la valeur par défaut, 64 Mo, fait trier sur disque et vider le GIN par morceaux).
    _executer(f"SET LOCAL maintenance_work_mem = '{MEMOIRE_INDEX_PG}'")
    for _nom, definition in index:
        _executer(definition.replace("%", "%%"))
    for table, nom, definition in cles:
        _executer(f'ALTER TABLE {table} ADD CONSTRAINT "{nom}" {definition.replace("%", "%%")}')


def nettoyer() -> None:
    _executer(f"DROP TABLE IF EXISTS {ETAPE}")
    if _pg():
        _executer("RESET work_mem")


def lignes_etape() -> Iterator[tuple[Any, ...]]:
    """Pour les tests : le contenu de l'étape."""
    with connection.cursor() as curseur:
        curseur.execute(f"SELECT {', '.join(NOMS_ETAPE)} FROM {ETAPE} ORDER BY ligne")
        yield from curseur.fetchall()

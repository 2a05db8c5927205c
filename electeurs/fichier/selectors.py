"""Lectures du fichier électoral : recherche d'électeurs, fiche, bureaux de vote.

Toutes les lectures partent de `Modele.objects.pour(collectivite)` : un électeur d'une autre
collectivité n'apparaît jamais, quel que soit le texte cherché.

La recherche (`electeurs_rechercher`) lit une seule boîte :
- un **nom** : début du nom de naissance ou du nom d'usage suivi des prénoms, sans accents ni
  casse (« dupre hel » trouve DUPRÉ Hélène), sur `recherche_naissance` / `recherche_usage`
  déjà normalisés par `electeurs.identite.normaliser` ;
- une **date de naissance** jj/mm/aaaa, mm/aaaa ou aaaa (un 00 vaut « inconnu » : 00/00/1953
  trouve toutes les personnes nées en 1953, dates partielles comprises), seule ou après le nom ;
- un **INE** (6 à 20 lettres et chiffres, au moins moitié de chiffres).
Quand un nom ne trouve rien, la recherche passe en **mode approchant** (fautes de frappe) :
similarité de trigrammes `pg_trgm` sur PostgreSQL, comparaison en Python sur SQLite (démo).

Le compte est **plafonné** (`PLAFOND`) : au-delà, la page dit « plus de 1 000 résultats » et
le compte ne parcourt jamais le million de lignes d'une grande ville.

Index (migration `0004_fichier`, PostgreSQL seulement) et requêtes qu'ils servent :
- `electeurs_rech_naissance_c` `(collectivite_id, recherche_naissance COLLATE "C", id)` : le
  début de nom de naissance (intervalle `>= p AND < p'`, équivalent au préfixe en collation C)
  ET l'ordre de la page, lus dans l'index (parcours arrêté à la 25e ligne, compte plafonné en
  parcours d'index seul) ; aussi la liste sans recherche ;
- `electeurs_rech_usage_c` : le même pour le nom d'usage (index partiel, lignes qui en ont un ;
  `INCLUDE (recherche_naissance)` pour écarter sans lire la table ceux que le nom de naissance
  a déjà trouvés) ;
- `electeurs_nom_trgm` (GIN `gin_trgm_ops` sur `electeurs_nomelecteur`, les noms distincts
  de chaque collectivité) : le mode approchant trouve d'abord les noms proches (opérateur `%>`
  de similarité de mots), puis leurs électeurs par les deux index précédents.
Les deux branches (naissance, usage) sont deux parcours d'index ordonnés réunis par
`UNION ALL` : un `OR` forcerait PostgreSQL à lire puis trier toutes les lignes trouvées
(des dizaines de milliers pour « mar » à un million d'électeurs).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, overload

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    prefetch_related_objects,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Collate
from django.db.models.lookups import GreaterThanOrEqual, LessThan

from core.tenancy.models import Collectivite
from electeurs.identite import normaliser
from electeurs.models import (
    BureauDeVote,
    Electeur,
    InscriptionListe,
    NomElecteur,
    StatutElecteur,
    TypeListe,
)

PLAFOND = 1_000
PAR_PAGE = 25
# Au-delà, le mode approchant de SQLite (démo) ne compare pas : la démo a 2 000 électeurs.
PLAFOND_APPROCHANT_PYTHON = 50_000
# Similarité de mots minimale (pg_trgm) du mode approchant sur PostgreSQL.
SEUIL_APPROCHANT_PG = 0.4
# Similarité de mots minimale entre le texte tapé entier (plusieurs mots) et un nom (table des
# noms) : plus basse que la précédente, parce que les prénoms tapés après le nom n'y trouvent
# rien. C'est aussi le seuil de l'opérateur `%>` (index trigrammes) pendant la recherche.
SEUIL_NOMS_PG = 0.3
# Similarité de mots minimale entre un début du texte tapé (un à trois mots) et un nom.
SEUIL_DEBUT_PG = 0.35
# Ratio minimal (difflib) du mode approchant sur SQLite.
SEUIL_APPROCHANT_PYTHON = 0.7

_DATE = re.compile(r"(?<![\d/])(?:(\d{1,2})/)?(?:(\d{1,2})/)?(\d{4})(?![\d/])")
_INE = re.compile(r"^[0-9A-Za-z]{6,20}$")
_ANNEES = range(1850, 2101)


@dataclass(frozen=True)
class Critere:
    """Ce que la boîte de recherche a compris (voir le docstring du module)."""

    nom: str = ""  # normalisé
    jour: int | None = None
    mois: int | None = None
    annee: int | None = None
    ine: str = ""

    @property
    def date(self) -> bool:
        return self.annee is not None


def recherche_analyser(texte: str) -> Critere:
    """« Dupré hél 04/07/1953 » → nom « dupre hel », 4, 7, 1953 ; « 1234567890 » → INE."""
    texte = (texte or "").strip()
    if not texte:
        return Critere()
    compact = texte.replace(" ", "")
    # Un INE est fait surtout de chiffres : « martin1 » reste un nom.
    chiffres = sum(c.isdigit() for c in compact)
    if _INE.match(compact) and 2 * chiffres >= len(compact) and not _DATE.fullmatch(compact):
        return Critere(ine=compact.upper())
    jour = mois = annee = None
    trouvee = _DATE.search(texte)
    if trouvee:
        a, b, c = trouvee.groups()
        if int(c) in _ANNEES:
            # « 07/1953 » : deux nombres, le premier est le mois.
            if a is not None and b is None:
                a, b = None, a
            jour = int(a) if a and int(a) else None
            mois = int(b) if b and int(b) else None
            annee = int(c)
            texte = texte[: trouvee.start()] + " " + texte[trouvee.end() :]
    return Critere(nom=normaliser(texte), jour=jour, mois=mois, annee=annee)


def _cle(champ: str) -> Combinable:
    """Le champ de recherche en collation C sur PostgreSQL (ordre des octets : celui des index
    `*_c`, où un intervalle est exactement un préfixe) ; SQLite compare déjà ainsi (BINARY)."""
    if connection.vendor == "postgresql":
        return Collate(F(champ), "C")
    return F(champ)


def _intervalle(champ: str, prefixe: str) -> Q:
    """`champ` commence par `prefixe` : `prefixe <= cle < prefixe'`, où `prefixe'` remplace
    le dernier caractère par le suivant. Exact en collation C ; `prefixe` est normalisé
    (`[a-z0-9 ]`), jamais vide."""
    suivant = prefixe[:-1] + chr(ord(prefixe[-1]) + 1)
    cle = _cle(champ)
    return Q(GreaterThanOrEqual(cle, prefixe), LessThan(cle, suivant))


@dataclass
class ResultatsRecherche:
    """Les électeurs trouvés, lus page par page : `count()` est plafonné à `PLAFOND + 1`,
    une tranche (`[0:25]`) lit une page. `Paginator` s'en sert comme d'un QuerySet (il
    appelle `count()` puis prend une tranche)."""

    collectivite: Collectivite
    critere: Critere
    base: QuerySet[Electeur]
    approchant: bool = False
    _compte: int | None = None
    _ids_approchants: list[int] | None = None
    _prefetch: bool = True
    _pages: dict[tuple[int, int], list[Electeur]] = field(default_factory=dict)

    # --- requêtes ---------------------------------------------------------------------
    def _branches(self) -> tuple[QuerySet[Electeur], QuerySet[Electeur] | None]:
        """Sans nom : une seule requête. Avec un nom : la branche du nom de naissance et
        celle du nom d'usage (qui écarte ceux que la première a trouvés)."""
        base = self.base.annotate(cle=_cle("recherche_naissance"))
        nom = self.critere.nom
        if not nom:
            return base, None
        naissance = base.filter(_intervalle("recherche_naissance", nom))
        usage = (
            self.base.exclude(recherche_usage="")
            .annotate(cle=_cle("recherche_usage"))
            .filter(_intervalle("recherche_usage", nom))
            .exclude(_intervalle("recherche_naissance", nom))
        )
        return naissance, usage

    def _union_sql(self, *, colonnes: str, limite: int) -> tuple[str, list[Any]]:
        """Les deux branches d'une recherche par nom, en SQL écrit ici (PostgreSQL) : chacune
        est un parcours ordonné de son index `*_c` arrêté à `limite` lignes. Les filtres
        (collectivité, date, statut, bureau, liste) viennent de l'ORM (`self.base`), compilés
        une fois ; le reste est fixe. Compiler la réunion par l'ORM coûtait plus que la
        requête elle-même (bench/recherche_electeurs.py)."""
        try:
            compilateur = self.base.query.get_compiler(connection=connection)
            where, parametres = compilateur.compile(self.base.query.where)
        except EmptyResultSet:
            where, parametres = "1 = 0", []
        nom = self.critere.nom
        suivant = nom[:-1] + chr(ord(nom[-1]) + 1)
        table = connection.ops.quote_name(Electeur._meta.db_table)
        cle_n = f'{table}.recherche_naissance COLLATE "C"'
        cle_u = f'{table}.recherche_usage COLLATE "C"'
        # Aucune saisie dans ce texte : `where` vient du compilateur de l'ORM (valeurs en
        # paramètres), le reste est écrit ici ; le nom cherché passe en paramètre.
        naissance = (
            f"SELECT {colonnes.format(cle=cle_n)} FROM {table} WHERE ({where}) "  # noqa: S608
            f"AND {cle_n} >= %s AND {cle_n} < %s ORDER BY {cle_n}, {table}.id LIMIT %s"
        )
        usage = (
            f"SELECT {colonnes.format(cle=cle_u)} FROM {table} WHERE ({where}) "  # noqa: S608
            f"AND {table}.recherche_usage <> '' AND {cle_u} >= %s AND {cle_u} < %s "
            f"AND NOT ({cle_n} >= %s AND {cle_n} < %s) ORDER BY {cle_u}, {table}.id LIMIT %s"
        )
        return f"({naissance}) UNION ALL ({usage})", [
            *parametres,
            nom,
            suivant,
            limite,
            *parametres,
            nom,
            suivant,
            nom,
            suivant,
            limite,
        ]

    def _par_union(self) -> bool:
        return bool(self.critere.nom) and connection.vendor == "postgresql"

    def count(self) -> int:
        if self._compte is None:
            if self.approchant:
                self._compte = len(self._approchants())
                return self._compte
            limite = PLAFOND + 1
            if self._par_union():
                sql, parametres = self._union_sql(colonnes="1", limite=limite)
                with connection.cursor() as curseur:
                    requete = f"SELECT COUNT(*) FROM ({sql}) AS trouves"  # noqa: S608
                    curseur.execute(requete, parametres)
                    self._compte = min(curseur.fetchone()[0], limite)
                return self._compte
            branche, usage = self._branches()
            if usage is None:
                self._compte = branche.values("pk")[:limite].count()
            else:
                self._compte = min(
                    branche.values("pk")[:limite].count() + usage.values("pk")[:limite].count(),
                    limite,
                )
        return self._compte

    @property
    def plafonne(self) -> bool:
        return self.count() > PLAFOND

    def __len__(self) -> int:
        return self.count()

    def _page(self, debut: int, fin: int) -> list[Electeur]:
        electeurs = self._page_sans_inscriptions(debut, fin)
        if self._prefetch:
            prefetch_related_objects(electeurs, _inscriptions())
        return electeurs

    def _page_sans_inscriptions(self, debut: int, fin: int) -> list[Electeur]:
        if self.approchant:
            ids = self._approchants()[debut:fin]
            parids = {e.pk: e for e in self.base.filter(pk__in=ids)}
            return [parids[i] for i in ids if i in parids]
        if self._par_union():
            # Chaque branche s'arrête à `fin` lignes dans son index ; PostgreSQL fusionne les
            # deux parcours ordonnés (Merge Append) et s'arrête à la dernière ligne de la page.
            table = connection.ops.quote_name(Electeur._meta.db_table)
            sql, parametres = self._union_sql(colonnes=f"{table}.*, {{cle}} AS cle", limite=fin)
            requete = f"{sql} ORDER BY cle, id LIMIT %s OFFSET %s"
            return list(Electeur.objects.raw(requete, [*parametres, fin - debut, debut]))
        branche, usage = self._branches()
        if usage is None:
            return list(branche.order_by("cle", "pk")[debut:fin])
        # SQLite (démo) : un OR suffit à 2 000 électeurs.
        nom = self.critere.nom
        combine = self.base.annotate(cle=_cle("recherche_naissance")).filter(
            _intervalle("recherche_naissance", nom)
            | (~Q(recherche_usage="") & _intervalle("recherche_usage", nom))
        )
        return list(combine.order_by("cle", "pk")[debut:fin])

    def _approchants(self) -> list[int]:
        """Les identifiants du mode approchant, du plus ressemblant au moins ressemblant,
        plafonnés à `PLAFOND + 1`."""
        if self._ids_approchants is None:
            nom = self.critere.nom
            if connection.vendor == "postgresql":
                self._ids_approchants = self._approchants_pg(nom)
            else:
                self._ids_approchants = _approchants_python(self.base, nom)
        return self._ids_approchants

    def _approchants_pg(self, nom: str) -> list[int]:
        """Mode approchant sur PostgreSQL, en deux temps :

        1. les noms proches du texte tapé dans `electeurs_nomelecteur` (noms distincts de la
           collectivité, index GIN `electeurs_nom_trgm`, opérateur `%>` de similarité de mots,
           seuil `SEUIL_NOMS_PG`) ;
        2. les électeurs qui portent ces noms (nom de naissance ou d'usage), par les index de
           début de nom `electeurs_rech_naissance_c` / `electeurs_rech_usage_c` : le nom suivi
           des prénoms est l'intervalle `[nom, nom || '!')` en collation C (`'!'` suit
           l'espace).
        Les électeurs trouvés passent ensuite le même filtre et le même ordre que lorsque le
        mode approchant lisait tout le fichier : similarité de mots du texte tapé avec
        « nom prénoms » d'au moins `SEUIL_APPROCHANT_PG`, les plus ressemblants d'abord."""
        try:
            sql, parametres = self.approchant_sql(nom)
        except EmptyResultSet:
            return []
        with connection.cursor() as curseur:
            # Seuil de l'opérateur `%>` sur les noms (réglage de la session, relu à chaque
            # recherche approchante).
            curseur.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)",
                [str(SEUIL_NOMS_PG)],
            )
            curseur.execute(sql, parametres)
            return [pk for (pk,) in curseur.fetchall()]

    def approchant_sql(self, nom: str) -> tuple[str, list[Any]]:
        """La requête du mode approchant (PostgreSQL) ; `EmptyResultSet` si les filtres ne
        peuvent rien trouver."""
        compilateur = self.base.query.get_compiler(connection=connection)
        where, parametres = compilateur.compile(self.base.query.where)
        table = connection.ops.quote_name(Electeur._meta.db_table)
        noms = connection.ops.quote_name(NomElecteur._meta.db_table)
        # Le nom est au début du texte tapé, suivi ou non du début des prénoms : chaque début
        # d'un à trois mots (d'au moins 4 caractères : « le », « de » ramèneraient tous les
        # noms composés) est comparé aux noms (`SEUIL_DEBUT_PG`), et le texte entier
        # de plusieurs mots à un seuil plus bas (`SEUIL_NOMS_PG`, celui de l'index) : les
        # prénoms tapés après le nom n'y trouvent rien. Mesuré à 1 000 000 : au seuil bas, un
        # nom court de six lettres ramenait 5 000 noms proches et 7 000 électeurs à relire.
        mots = nom.split()
        seuils = {d: SEUIL_DEBUT_PG for k in range(1, 4) if len(d := " ".join(mots[:k])) >= 4}
        seuils.setdefault(nom, SEUIL_NOMS_PG if len(mots) > 1 else SEUIL_APPROCHANT_PG)
        debuts = [v for debut, seuil in seuils.items() for v in (debut, debut, seuil)]
        cle_n = 'e.recherche_naissance COLLATE "C"'
        cle_u = 'e.recherche_usage COLLATE "C"'
        # `where` vient du compilateur de l'ORM (valeurs en paramètres) ; le texte tapé passe
        # en paramètre.
        # `collectivite_id + 0` : la collectivité filtre les noms que l'index trigrammes a
        # trouvés ; sans cela, PostgreSQL préférait lire tous les noms de la collectivité par
        # l'index unique et calculer la similarité de chacun. Les électeurs de chaque nom sont
        # lus par les index de début de nom, puis chacun est relu par sa clé primaire pour les
        # filtres de la page : `LATERAL … OFFSET 0`, une boucle par nom et par candidat
        # (mesuré : PostgreSQL, qui croyait n'avoir qu'un nom, lisait sinon toute la
        # collectivité pour la joindre aux noms).
        requete = f"""
            WITH proches AS MATERIALIZED (
              SELECT nom, nom || '!' AS fin FROM {noms}
              WHERE collectivite_id + 0 = %s AND ({
            " OR ".join(["(nom %%> %s AND word_similarity(%s, nom) >= %s)"] * len(seuils))
        })
            ), candidats AS MATERIALIZED (
              SELECT id, rn, greatest(word_similarity(%s, rn), word_similarity(%s, ru)) AS score,
                word_similarity(%s, rn) >= %s OR (ru <> '' AND word_similarity(%s, ru) >= %s)
                  AS proche
              FROM (
                SELECT n.* FROM proches, LATERAL (
                  SELECT e.id, e.recherche_naissance AS rn, e.recherche_usage AS ru
                  FROM {table} e WHERE e.collectivite_id = %s
                    AND {cle_n} >= proches.nom AND {cle_n} < proches.fin OFFSET 0
                ) n
                UNION
                SELECT u.* FROM proches, LATERAL (
                  SELECT e.id, e.recherche_naissance, e.recherche_usage
                  FROM {table} e WHERE e.collectivite_id = %s
                    AND e.recherche_usage <> '' AND {cle_u} >= proches.nom
                    AND {cle_u} < proches.fin OFFSET 0
                ) u
              ) trouves
            )
            SELECT c.id FROM candidats c, LATERAL (
              SELECT 1 FROM {table} WHERE {table}.id = c.id AND ({where}) OFFSET 0
            ) filtres
            WHERE c.proche
            ORDER BY c.score DESC, c.rn, c.id
            LIMIT %s
        """  # noqa: S608
        cid = self.collectivite.pk
        seuil = SEUIL_APPROCHANT_PG
        return requete, [
            cid,
            *debuts,
            nom,
            nom,
            nom,
            seuil,
            nom,
            seuil,
            cid,
            cid,
            *parametres,
            PLAFOND + 1,
        ]

    # --- Sequence -----------------------------------------------------------------------
    @overload
    def __getitem__(self, index: int) -> Electeur: ...

    @overload
    def __getitem__(self, index: slice) -> list[Electeur]: ...

    def __getitem__(self, index: int | slice) -> Electeur | list[Electeur]:
        if isinstance(index, int):
            return self._page(index, index + 1)[0]
        debut, fin = index.start or 0, index.stop if index.stop is not None else PLAFOND + 1
        if (debut, fin) not in self._pages:
            self._pages[(debut, fin)] = self._page(debut, fin)
        return self._pages[(debut, fin)]

    def __iter__(self) -> Iterator[Electeur]:
        return iter(self[0 : self.count()])


def _inscriptions() -> Prefetch[Any]:
    """Les inscriptions d'électeurs et leur bureau, en une requête pour toute une page."""
    return Prefetch(
        "inscriptions",
        queryset=InscriptionListe.objects.select_related("bureau").order_by("type_liste"),
    )


def _approchants_python(base: QuerySet[Electeur], nom: str) -> list[int]:
    """Mode approchant sans `pg_trgm` (SQLite de la démo) : chaque nom est comparé au texte
    tapé (début de même longueur, `difflib`), les plus ressemblants d'abord."""
    scores: list[tuple[float, str, int]] = []
    lignes = base.values_list("pk", "recherche_naissance", "recherche_usage")
    for pk, naissance, usage in lignes[:PLAFOND_APPROCHANT_PYTHON]:
        meilleur = 0.0
        for cle in (naissance, usage):
            if cle:
                ratio = difflib.SequenceMatcher(None, nom, cle[: len(nom)]).ratio()
                meilleur = max(meilleur, ratio)
        if meilleur >= SEUIL_APPROCHANT_PYTHON:
            scores.append((-meilleur, naissance, pk))
    scores.sort()
    return [pk for _, _, pk in scores[: PLAFOND + 1]]


def electeurs_rechercher(
    *,
    collectivite: Collectivite,
    texte: str = "",
    bureau: BureauDeVote | None = None,
    liste: TypeListe | str | None = None,
    statut: StatutElecteur | str | None = None,
    approchant: bool = True,
    inscriptions: bool = True,
) -> ResultatsRecherche:
    """Les électeurs de `collectivite` que désigne `texte` (nom, date, INE), filtrés par
    bureau, liste et statut, dans l'ordre alphabétique ; lus page par page, compte plafonné.

    Un nom qui ne trouve rien passe en mode approchant (`resultats.approchant`) si
    `approchant`. `inscriptions` : charger les inscriptions et bureaux de chaque page."""
    critere = recherche_analyser(texte)
    base = Electeur.objects.pour(collectivite)
    if critere.ine:
        base = base.filter(ine=critere.ine)
    if critere.annee is not None:
        base = base.filter(naissance_annee=critere.annee)
        if critere.mois is not None:
            base = base.filter(naissance_mois=critere.mois)
        if critere.jour is not None:
            base = base.filter(naissance_jour=critere.jour)
    if statut:
        base = base.filter(statut=statut)
    if bureau is not None or liste:
        inscrits = InscriptionListe.objects.filter(electeur=OuterRef("pk"))
        if bureau is not None:
            inscrits = inscrits.filter(bureau=bureau)
        if liste:
            inscrits = inscrits.filter(type_liste=liste)
        base = base.filter(Exists(inscrits))
    resultats = ResultatsRecherche(
        collectivite=collectivite, critere=critere, base=base, _prefetch=inscriptions
    )
    if approchant and len(critere.nom) >= 3 and resultats.count() == 0:
        resultats = ResultatsRecherche(
            collectivite=collectivite,
            critere=critere,
            base=base,
            approchant=True,
            _prefetch=inscriptions,
        )
    return resultats


class PaginateurPlafonne(Paginator):  # type: ignore[type-arg]
    """Paginator sur `ResultatsRecherche` : le composant de pagination lit `plafond_atteint`
    et `plafond` pour écrire « plus de 1 000 résultats »."""

    plafond = PLAFOND

    @property
    def plafond_atteint(self) -> bool:
        return bool(self.count > self.plafond)

    @property
    def num_pages(self) -> int:
        # Le compte s'arrête à plafond + 1 : pas de page faite de ce seul électeur de trop.
        pages = super().num_pages
        if self.plafond_atteint:
            return min(pages, max(1, self.plafond // self.per_page))
        return pages


def electeur_fiche(*, collectivite: Collectivite, pk: int) -> Electeur:
    """L'électeur de la fiche, avec ses inscriptions et leurs bureaux (404 ailleurs : lu par
    `get_object()` de la vue, qui passe par ce queryset)."""
    return electeurs_fiche_queryset(collectivite=collectivite).get(pk=pk)


def electeurs_fiche_queryset(*, collectivite: Collectivite) -> QuerySet[Electeur]:
    """Les électeurs de la collectivité, inscriptions et bureaux chargés avec chacun."""
    return Electeur.objects.pour(collectivite).prefetch_related(_inscriptions())


def bureaux_lister(*, collectivite: Collectivite) -> QuerySet[BureauDeVote]:
    """Les bureaux de la collectivité avec leur nombre d'électeurs inscrits (personnes
    distinctes, toutes listes), en une requête."""
    return (
        BureauDeVote.objects.pour(collectivite)
        .annotate(
            nb_electeurs=Count(
                "inscriptions__electeur",
                filter=Q(inscriptions__electeur__statut=StatutElecteur.INSCRIT),
                distinct=True,
            )
        )
        .order_by("code")
    )


def bureaux_choix(*, collectivite: Collectivite) -> QuerySet[BureauDeVote]:
    return BureauDeVote.objects.pour(collectivite).order_by("code")


__all__: list[Any] = [
    "PLAFOND",
    "Critere",
    "PaginateurPlafonne",
    "ResultatsRecherche",
    "bureaux_lister",
    "electeur_fiche",
    "electeurs_rechercher",
    "recherche_analyser",
]

"""Pages de liste du back-office : une déclaration, un composant (`components/liste.html`).

Une vue de liste hérite de `ListeMixin` et déclare ses colonnes (libellé, clé de la cellule,
champs de tri), ses champs de recherche, son tri par défaut et sa taille de page. Elle lit
ses lignes par UN sélecteur (`lignes()`), et `cellules()` les met en texte affichable : le
gabarit ne fait plus que recopier des chaînes, sans filtre ni `include` par ligne (la liste
du journal passait les deux tiers de son temps dans le rendu, voir bench/README.md).

Paramètres d'URL : `q` (recherche), `tri` (clé d'une colonne, `-clé` pour l'ordre inverse ;
une clé inconnue revient au tri par défaut, jamais d'erreur), `page`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Page, Paginator
from django.db.models import F, IntegerField, Model, Q, QuerySet, Subquery
from django.db.models.query import ModelIterable, ValuesIterable
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from core.formulaires import echapper
from core.tenancy.mixins import texte_de_recherche


@dataclass(frozen=True)
class Colonne:
    """Une colonne : `cle` nomme la cellule dans ce que rend `cellules()` ; `tri` liste les
    champs de `order_by` (vide : colonne non triable) ; `masque` cache le libellé à l'œil
    (colonne d'actions) sans le cacher aux lecteurs d'écran."""

    cle: str
    libelle: str
    tri: tuple[str, ...] = ()
    masque: bool = False


@dataclass(frozen=True)
class EnTete:
    colonne: Colonne
    url_tri: str = ""
    aria_sort: str = ""


@dataclass
class Liste:
    """Ce que lit `components/liste.html`."""

    legende: str
    entetes: list[EnTete]
    lignes: list[list[tuple[str, str]]]
    corps: str
    page_obj: Page[Any]
    paginator: Paginator[Any]
    q: str = ""
    recherche_libelle: str = ""
    vide: str = ""
    vide_recherche: str = ""
    export_url: str = ""
    export_libelle: str = "Exporter (CSV)"
    champs_caches: list[tuple[str, str]] = field(default_factory=list)
    # Page gardée en cache (`ListeMixin.cle_page_gardee`) : son rendu l'est sous la même clé.
    cle_rendu: str = ""
    duree_rendu: int = 0

    @property
    def entete_html(self) -> SafeString:
        """Les `<th>` de l'en-tête, assemblés en Python comme les lignes (`corps`) : cinq
        nœuds de gabarit par colonne, le plus gros du rendu une fois les lignes assemblées."""
        morceaux = []
        for entete in self.entetes:
            libelle = echapper(entete.colonne.libelle)
            if entete.colonne.masque:
                contenu = f'<span class="sr-only">{libelle}</span>'
            elif entete.url_tri:
                if entete.aria_sort == "ascending":
                    aide = " (tri croissant, cliquer pour inverser)"
                elif entete.aria_sort:
                    aide = " (tri décroissant, cliquer pour inverser)"
                else:
                    aide = " (trier)"
                contenu = (
                    f'<a href="{echapper(entete.url_tri)}">{libelle}'
                    f'<span class="sr-only">{aide}</span></a>'
                )
            else:
                contenu = libelle
            tri = f' aria-sort="{echapper(entete.aria_sort)}"' if entete.aria_sort else ""
            morceaux.append(f'<th scope="col"{tri}>{contenu}</th>')
        # Chaque valeur variable est échappée ci-dessus.
        return mark_safe("".join(morceaux))  # noqa: S308


# Nom de l'annotation qui porte le total sur chaque ligne de la page (voir `_CompteTotal`).
_TOTAL = "liste_total"


class _CompteTotal(Subquery):
    """`(SELECT COUNT(*) FROM (…) )` : le nombre de lignes de la liste, calculé une fois par
    PostgreSQL (sous-requête non corrélée) et rendu sur chaque ligne de la page. Le total et
    la page viennent ainsi d'un seul aller-retour au lieu de deux (`COUNT`, puis la page)."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) liste_compte)"
    output_field = IntegerField()


def _peut_etre_vide(modele: type[Model], chemin: str) -> bool:
    """Vrai si le champ `chemin` (lookup ORM) peut valoir NULL. Dans le doute (annotation,
    relation inverse), vrai : le tri garde alors `NULLS LAST`."""
    noms = chemin.split("__")
    for position, nom in enumerate(noms):
        try:
            champ = modele._meta.get_field(nom)
        except FieldDoesNotExist:
            return True
        if getattr(champ, "null", True) or champ.one_to_many or champ.many_to_many:
            return True
        if position < len(noms) - 1:
            if champ.related_model is None or isinstance(champ.related_model, str):
                return True
            modele = champ.related_model
    return False


def _parametres(request: HttpRequest, **valeurs: str) -> str:
    """Les paramètres de la page courante, avec `valeurs` remplacées (page remise à 1)."""
    parametres = request.GET.copy()
    parametres.pop("page", None)
    for cle, valeur in valeurs.items():
        if valeur:
            parametres[cle] = valeur
        else:
            parametres.pop(cle, None)
    return parametres.urlencode()


class _LignesDifferees(Sequence[Any]):
    """Les objets d'une page gardée (`ListeMixin.cle_page_gardee`), lus seulement si quelqu'un
    les demande : la page rendue n'en a pas besoin (ses cellules sont gardées avec elle), un
    test ou une vue qui les lit les obtient dans l'ordre de la page, en une requête."""

    def __init__(self, pks: list[Any], lire: Callable[[list[Any]], Mapping[Any, Any]]) -> None:
        self._pks = pks
        self._lire = lire
        self._objets: list[Any] | None = None

    def _liste(self) -> list[Any]:
        if self._objets is None:
            trouves = self._lire(self._pks)
            self._objets = [trouves[pk] for pk in self._pks if pk in trouves]
        return self._objets

    def __len__(self) -> int:
        return len(self._pks)

    def __getitem__(self, index: Any) -> Any:
        return self._liste()[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._liste())

    def __eq__(self, autre: object) -> bool:
        return self._liste() == list(autre) if isinstance(autre, Sequence) else NotImplemented

    __hash__ = None  # type: ignore[assignment]


class ListeMixin:
    """Déclaration d'une page de liste. À combiner avec `EspaceAgentMixin` (ou toute vue qui
    pose `self.request`)."""

    colonnes: ClassVar[Sequence[Colonne]] = ()
    # Champs (lookups ORM, ou attributs pour une liste Python) où chercher `q` ; vide : pas de
    # boîte de recherche.
    recherche: ClassVar[Sequence[str]] = ()
    recherche_libelle: ClassVar[str] = "Rechercher"
    tri_defaut: ClassVar[str] = ""
    par_page: ClassVar[int] = 25
    legende: ClassVar[str] = ""
    vide: ClassVar[str] = "Aucune ligne pour l'instant."
    vide_recherche: ClassVar[str] = "Aucune ligne ne correspond. Essayez une autre recherche."
    request: HttpRequest

    # --- à fournir par la vue -----------------------------------------------------------
    def lignes(self) -> QuerySet[Any] | list[Any]:
        """Les lignes de la liste, lues par un seul sélecteur."""
        raise NotImplementedError

    def cellules(self, objet: Any) -> Mapping[str, str]:
        """Le texte affichable de chaque cellule (`SafeString` pour du HTML déjà échappé)."""
        raise NotImplementedError

    def export_url(self) -> str:
        """Adresse de l'export CSV, s'il y en a un (bouton sous la liste)."""
        return ""

    def legende_liste(self) -> str:
        return self.legende

    def cle_page_gardee(self) -> str | None:
        """Clé sous laquelle la page calculée (lignes rendues, total) peut être gardée en cache,
        ou None (défaut) : rien n'est gardé. Seulement pour des lignes qui ne changent plus une
        fois écrites (le journal) : la clé doit changer dès qu'une ligne s'ajoute (la tête de
        la chaîne du journal) et nommer tout ce dont la page dépend (filtres, tri, page,
        périmètre de la personne)."""
        return None

    # Une page gardée ne survit pas au-delà : un libellé changé par une nouvelle version se
    # voit au plus tard après ce délai.
    duree_page_gardee: ClassVar[int] = 600

    # --- mécanique commune --------------------------------------------------------------
    def paginateur(self, lignes: Any) -> Paginator[Any]:
        """Le paginateur de la liste ; une vue sur des millions de lignes en donne un dont le
        compte est plafonné (attribut `plafond_atteint`, lu par `components/pagination.html`)."""
        return Paginator(lignes, self.par_page)

    def _tri(self) -> tuple[Colonne | None, bool]:
        """La colonne triée et le sens (True : décroissant). Clé inconnue → tri par défaut.
        Aucune colonne triable : l'ordre est celui du sélecteur (None)."""
        triables = {c.cle: c for c in self.colonnes if c.tri}
        if not triables:
            return None, False
        demande = self.request.GET.get("tri", "") or self.tri_defaut
        for valeur in (demande, self.tri_defaut):
            cle = valeur.removeprefix("-")
            if cle in triables:
                return triables[cle], valeur.startswith("-")
        raise LookupError(f"{type(self).__name__} : tri_defaut « {self.tri_defaut} » inconnu.")

    def _chercher(self, lignes: QuerySet[Any] | list[Any], q: str) -> QuerySet[Any] | list[Any]:
        if not q or not self.recherche:
            return lignes
        if isinstance(lignes, QuerySet):
            condition = Q()
            for champ in self.recherche:
                condition |= Q(**{f"{champ}__icontains": q})
            return lignes.filter(condition)
        texte = q.casefold()
        return [
            ligne
            for ligne in lignes
            if any(
                texte in str(getattr(ligne, champ, "") or "").casefold() for champ in self.recherche
            )
        ]

    @staticmethod
    def _trier(
        lignes: QuerySet[Any] | list[Any], colonne: Colonne | None, inverse: bool
    ) -> QuerySet[Any] | list[Any]:
        if colonne is None:
            return lignes
        if isinstance(lignes, QuerySet):
            ordres = []
            for champ in colonne.tri:
                nom = champ.removeprefix("-")
                # Les valeurs vides (une échéance qui n'existe plus…) restent en fin de liste,
                # dans un sens comme dans l'autre. Seulement pour un champ qui peut être vide :
                # `NULLS LAST` sur une colonne NOT NULL empêche PostgreSQL de lire la page dans
                # l'ordre d'un index (journal : tri de toutes les entrées pour en montrer 25).
                vides = _peut_etre_vide(lignes.model, nom) or None
                if champ.startswith("-") != inverse:
                    ordres.append(F(nom).desc(nulls_last=vides))
                else:
                    ordres.append(F(nom).asc(nulls_last=vides))
            # La clé primaire départage les égalités : une page ne change pas d'un affichage
            # à l'autre.
            return lignes.order_by(*ordres, "-pk" if inverse else "pk")
        premier = colonne.tri[0].removeprefix("-")
        descendant = inverse != colonne.tri[0].startswith("-")

        def cle(ligne: Any) -> tuple[bool, Any]:
            valeur = getattr(ligne, premier)
            # Les valeurs absentes ensemble, en fin de liste croissante.
            return (valeur is None, "" if valeur is None else valeur)

        return sorted(lignes, key=cle, reverse=descendant)

    @staticmethod
    def _page(paginator: Paginator[Any], numero: Any) -> Page[Any]:
        """La page demandée. Sur un `QuerySet` et un `Paginator` ordinaire, la page et le total
        viennent d'une seule requête (`_CompteTotal`) ; une page hors limites (rare : lien
        ancien, adresse tapée) repasse par `get_page`, qui compte puis montre la dernière."""
        lignes = paginator.object_list
        if (
            type(paginator) is not Paginator
            or not isinstance(lignes, QuerySet)
            or lignes._iterable_class not in (ModelIterable, ValuesIterable)
            or paginator.orphans
            or lignes.query.combinator
            or lignes.query.is_sliced
            or lignes.query.distinct_fields
        ):
            return paginator.get_page(numero)
        try:
            rang = int(numero) if numero is not None else 1
        except (TypeError, ValueError):
            rang = 1
        if rang < 1:
            return paginator.get_page(numero)
        debut = (rang - 1) * paginator.per_page
        total = _CompteTotal(lignes.order_by().values("pk"))
        rangees = list(lignes.annotate(**{_TOTAL: total})[debut : debut + paginator.per_page])
        if rangees:
            premiere = rangees[0]
            compte = premiere[_TOTAL] if isinstance(premiere, dict) else getattr(premiere, _TOTAL)
        elif rang == 1 and paginator.allow_empty_first_page:
            compte = 0
        else:
            return paginator.get_page(numero)
        # `count` est une `cached_property` : le total lu avec la page la remplit.
        vars(paginator)["count"] = compte
        return Page(rangees, rang, paginator)

    def _entetes(self, courante: Colonne | None, inverse: bool) -> list[EnTete]:
        entetes = []
        for colonne in self.colonnes:
            if not colonne.tri:
                entetes.append(EnTete(colonne))
                continue
            actif = colonne is courante
            suivant = f"-{colonne.cle}" if actif and not inverse else colonne.cle
            entetes.append(
                EnTete(
                    colonne,
                    url_tri="?" + _parametres(self.request, tri=suivant),
                    aria_sort=("descending" if inverse else "ascending") if actif else "",
                )
            )
        return entetes

    def _rendre(self, objets: Iterable[Any]) -> list[list[tuple[str, str]]]:
        cles = [(c.cle, "" if c.masque else c.libelle) for c in self.colonnes]
        rendues: list[list[tuple[str, str]]] = []
        for objet in objets:
            valeurs = self.cellules(objet)
            rendues.append(
                [
                    (libelle, SafeString(echapper(valeurs.get(cle, "") or "—")))
                    for cle, libelle in cles
                ]
            )
        return rendues

    @staticmethod
    def _corps(lignes: list[list[tuple[str, str]]]) -> str:
        """Les `<tr>` du tableau, assemblés ici : dans le gabarit, chaque cellule coûtait deux
        résolutions de variable (libellé, valeur), 350 par page, le plus gros du rendu. Les
        valeurs sont déjà échappées (`_rendre`) ; `data-label` empile les lignes à 360 px."""
        if not lignes:
            return ""
        etiquettes = [echapper(libelle) for libelle, _ in lignes[0]]
        return mark_safe(  # noqa: S308 — chaque morceau est échappé ci-dessus.
            "\n".join(
                "<tr>"
                + "".join(
                    f'<td data-label="{etiquette}">{valeur}</td>'
                    for etiquette, (_, valeur) in zip(etiquettes, ligne, strict=True)
                )
                + "</tr>"
                for ligne in lignes
            )
        )

    def contexte_liste(self) -> dict[str, Any]:
        """`liste` pour le composant ; `page_obj` et `paginator` pour qui les lit encore."""
        liste = self.liste()
        return {"liste": liste, "page_obj": liste.page_obj, "paginator": liste.paginator}

    def _page_calculee(
        self, q: str, colonne: Colonne | None, inverse: bool
    ) -> tuple[Page[Any], Paginator[Any], list[list[tuple[str, str]]], str]:
        lignes = self._trier(self._chercher(self.lignes(), q), colonne, inverse)
        paginator = self.paginateur(lignes)
        page_obj = self._page(paginator, self.request.GET.get("page"))
        rendues = self._rendre(page_obj.object_list)
        return page_obj, paginator, rendues, self._corps(rendues)

    def _page_gardee(
        self, cle: str | None, q: str, colonne: Colonne | None, inverse: bool
    ) -> tuple[Page[Any], Paginator[Any], list[list[tuple[str, str]]], str]:
        """La page lue dans le cache si sa clé y est, sinon calculée puis gardée. Une page
        gardée ne relit pas ses lignes : ni requête de la page, ni mise en texte des cellules."""
        if cle is None:
            return self._page_calculee(q, colonne, inverse)
        gardee = cache.get(cle)
        if gardee is None:
            page_obj, paginator, rendues, corps = self._page_calculee(q, colonne, inverse)
            cache.set(
                cle,
                {
                    "rang": page_obj.number,
                    "compte": paginator.count,
                    "pks": [objet.pk for objet in page_obj.object_list],
                    # Des `SafeString` : le cache (pickle) garde leur type, donc leur
                    # échappement déjà fait.
                    "lignes": rendues,
                    "corps": corps,
                },
                self.duree_page_gardee,
            )
            return page_obj, paginator, rendues, corps
        objets = _LignesDifferees(gardee["pks"], self._lire_par_cles)
        paginator = self.paginateur(objets)
        vars(paginator)["count"] = gardee["compte"]
        page_obj = Page(objets, gardee["rang"], paginator)
        return page_obj, paginator, gardee["lignes"], gardee["corps"]

    def _lire_par_cles(self, pks: list[Any]) -> Mapping[Any, Any]:
        lignes = self.lignes()
        if isinstance(lignes, QuerySet):
            return lignes.in_bulk(pks)
        voulues = set(pks)
        return {ligne.pk: ligne for ligne in lignes if ligne.pk in voulues}

    def liste(self) -> Liste:
        q = texte_de_recherche(self.request) if self.recherche else ""
        colonne, inverse = self._tri()
        cle = self.cle_page_gardee()
        page_obj, paginator, rendues, corps = self._page_gardee(cle, q, colonne, inverse)
        return Liste(
            legende=self.legende_liste(),
            entetes=self._entetes(colonne, inverse),
            lignes=rendues,
            corps=corps,
            page_obj=page_obj,
            paginator=paginator,
            q=q,
            recherche_libelle=self.recherche_libelle if self.recherche else "",
            vide=self.vide,
            vide_recherche=self.vide_recherche,
            export_url=self.export_url(),
            champs_caches=[
                (nom, str(valeur))
                for nom, valeur in self.request.GET.items()
                if nom not in {"q", "page"} and valeur
            ],
            cle_rendu=cle or "",
            duree_rendu=self.duree_page_gardee,
        )

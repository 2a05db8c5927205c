"""Modèles Word : validation du fichier, lecture des variables, rendu « sandboxé ».

Un modèle Word déposé par un agent est du code écrit par un utilisateur : il est rendu par
docxtpl dans un `SandboxedEnvironment` de Jinja, après une vérification du ZIP (taille, nombre
d'entrées, chemins, taille décompressée comptée en lisant). Les erreurs nomment la balise et le
paragraphe (« Paragraphe 3 : la variable « nom » n'est pas définie »).

Le rendu est borné (réglages `ECHARPE_DOCX_*`) : durée, caractères produits (balises XML
comprises, et toute chaîne ou liste fabriquée par le modèle), taille d'un `range`. Les bornes se
vérifient dans les points d'entrée du bac à sable (appels, attributs, filtres, opérateurs, chaque
tour de boucle), jamais par un signal : le rendu tourne dans des workers Celery et des fils.

Les variables se lisent dans le texte des paragraphes, pas dans les « runs » : Word coupe
souvent une balise en plusieurs morceaux (`{{` dans un run, `nom` dans le suivant).
"""

from __future__ import annotations

import functools
import io
import re
import time
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import docx
from defusedxml import ElementTree as DefusedET
from django.conf import settings
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from jinja2 import TemplateSyntaxError, meta, nodes, pass_eval_context
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.filters import do_join, make_attrgetter
from jinja2.nodes import EvalContext
from jinja2.runtime import StrictUndefined, markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment

from core.documents import DocumentInvalide, ErreurDocument, ErreurModele
from core.templatetags.echarpe import nombre

ENTREES_MAX = 2000
TAILLE_DECOMPRESSEE_MAX = 50 * 1024 * 1024
# Longueur maximale d'une chaîne ou d'une liste produite par `*` dans un modèle.
PRODUIT_MAX = 100_000

_SIGNATURE_ZIP = b"PK\x03\x04"
_BLOC_LECTURE = 1024 * 1024
# Un DTD permet les entités (« billion laughs », entités externes) : aucun n'a sa place
# dans un document Word ; on les cherche aussi en UTF-16, qu'un parseur XML accepterait.
_MARQUES_DTD = tuple(
    marque.encode(encodage)
    for marque in ("<!DOCTYPE", "<!ENTITY")
    for encodage in ("utf-8", "utf-16-le", "utf-16-be")
)
_EXTENSIONS_XML = (".xml", ".rels", ".vml")
# Liens externes tolérés : un lien hypertexte n'est jamais suivi à la conversion, et Word
# enregistre le chemin de son modèle Normal.dotm dans beaucoup de documents.
_RELATIONS_EXTERNES_PERMISES = ("/hyperlink", "/attachedTemplate")

_TYPES_PARTIES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml": "En-tête",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml": "Pied de page",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml": (
        "Notes de bas de page"
    ),
}
# Propriétés du document que docxtpl rend aussi (DocxTemplate.render_properties).
_PROPRIETES = ("author", "comments", "identifier", "language", "subject", "title")

# Un modèle Word n'a ni bibliothèque de gabarits ni héritage : ces balises n'y ont pas de sens.
_BALISES_INTERDITES = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)

_W_P = qn("w:p")
_W_T = qn("w:t")
_RE_BALISE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_GUILLEMETS = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


# --- Validation du fichier ---------------------------------------------------------------------


def _taille_lisible(octets: int) -> str:
    return f"{octets / (1024 * 1024):.0f} Mo" if octets >= 1024 * 1024 else f"{octets} octets"


def _verifier_nom(info: zipfile.ZipInfo) -> None:
    nom = info.filename
    morceaux = re.split(r"[\\/]", nom)
    if (
        nom.startswith(("/", "\\"))
        or re.match(r"^[A-Za-z]:", nom)
        or ".." in morceaux
        or "\x00" in nom
    ):
        raise DocumentInvalide(
            f"Le document contient un chemin interdit (« {nom[:100]} ») : il est refusé."
        )
    # Les bits de type Unix sont dans les 16 bits hauts ; 0o120000 est un lien symbolique.
    if (info.external_attr >> 16) & 0o170000 == 0o120000:
        raise DocumentInvalide(
            f"Le document contient un lien symbolique (« {nom[:100]} ») : il est refusé."
        )
    if info.flag_bits & 0x1:
        raise DocumentInvalide(
            "Le document est protégé par un mot de passe : enregistrez-le sans protection."
        )


def _verifier_relations(nom: str, donnees: bytes) -> None:
    try:
        racine = DefusedET.fromstring(donnees)
    except Exception as exc:  # defusedxml lève ses propres erreurs ou celles d'expat
        raise DocumentInvalide(
            f"Le document Word est endommagé (« {nom} » illisible) : réenregistrez-le dans Word."
        ) from exc
    for relation in racine:
        if relation.get("TargetMode") != "External":
            continue
        type_relation = relation.get("Type", "")
        if not type_relation.endswith(_RELATIONS_EXTERNES_PERMISES):
            cible = (relation.get("Target") or "")[:100]
            raise DocumentInvalide(
                f"Le document fait référence à une ressource extérieure (« {cible} ») : "
                "insérez l'image ou l'objet dans le document au lieu d'un lien, puis "
                "réenregistrez-le."
            )


def _lire_entree(archive: zipfile.ZipFile, info: zipfile.ZipInfo, deja_lus: int) -> int:
    """Lit l'entrée en comptant les octets réellement décompressés (pas ceux annoncés)."""
    total = deja_lus
    est_xml = info.filename.lower().endswith(_EXTENSIONS_XML)
    est_relations = info.filename.lower().endswith(".rels")
    morceaux: list[bytes] = []
    fin_precedente = b""
    with archive.open(info) as flux:
        while bloc := flux.read(_BLOC_LECTURE):
            total += len(bloc)
            if total > TAILLE_DECOMPRESSEE_MAX:
                raise DocumentInvalide(
                    "Le document décompressé dépasse "
                    f"{_taille_lisible(TAILLE_DECOMPRESSEE_MAX)} : il est refusé "
                    "(archive suspecte)."
                )
            if est_xml:
                fenetre = fin_precedente + bloc
                if any(marque in fenetre for marque in _MARQUES_DTD):
                    raise DocumentInvalide(
                        f"Le document contient une déclaration DTD interdite (« {info.filename} »)."
                    )
                fin_precedente = bloc[-32:]
            if est_relations:
                morceaux.append(bloc)
    if est_relations:
        _verifier_relations(info.filename, b"".join(morceaux))
    return total


def docx_valider(contenu: bytes) -> None:
    """Lève `DocumentInvalide` sauf pour un vrai DOCX de taille raisonnable et sans piège.

    Vérifie : signature ZIP, taille ≤ `ECHARPE_LIMITE_PIECE`, ≤ 2 000 entrées, aucun chemin
    absolu ni `..`, aucun lien symbolique ni chiffrement, taille décompressée ≤ 50 Mo comptée
    en lisant, aucun DTD, aucun lien vers une ressource extérieure (image, objet), et la
    présence de `word/document.xml`.
    """
    limite = settings.ECHARPE_LIMITE_PIECE
    if len(contenu) > limite:
        raise DocumentInvalide(
            f"Le fichier dépasse la taille autorisée ({_taille_lisible(limite)})."
        )
    if not contenu.startswith(_SIGNATURE_ZIP):
        raise DocumentInvalide(
            "Ce fichier n'est pas un document Word (.docx) : enregistrez-le au format "
            "« Document Word (*.docx) »."
        )
    try:
        with zipfile.ZipFile(io.BytesIO(contenu)) as archive:
            infos = archive.infolist()
            if len(infos) > ENTREES_MAX:
                raise DocumentInvalide(
                    f"Le document contient trop de fichiers internes ({len(infos)}, au plus "
                    f"{ENTREES_MAX}) : il est refusé."
                )
            total = 0
            for info in infos:
                _verifier_nom(info)
                total = _lire_entree(archive, info, total)
            if "word/document.xml" not in {info.filename for info in infos}:
                raise DocumentInvalide(
                    "Ce fichier n'est pas un document Word (.docx) : le texte du document "
                    "(word/document.xml) est absent."
                )
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError) as exc:
        raise DocumentInvalide(
            "Le document Word est endommagé ou illisible : ouvrez-le dans Word et "
            "réenregistrez-le au format .docx."
        ) from exc


# --- Lecture des paragraphes -------------------------------------------------------------------


@dataclass(frozen=True)
class _Partie:
    """Une partie rendue par docxtpl (corps, en-tête…) et ses paragraphes, en texte."""

    nom: str
    paragraphes: list[str]

    def lieu(self, numero: int) -> str:
        if self.nom == "corps":
            return f"Paragraphe {numero}"
        return f"{self.nom}, paragraphe {numero}"

    @property
    def source(self) -> str:
        # Une ligne par paragraphe : le numéro de ligne de Jinja est le numéro du paragraphe.
        return "\n".join(_vers_jinja(texte) for texte in self.paragraphes)


def _texte_paragraphes(element: Any) -> list[str]:
    textes = []
    for paragraphe in element.iter(_W_P):
        morceaux = []
        for texte in paragraphe.iter(_W_T):
            # Le texte d'un paragraphe imbriqué (zone de texte) compte pour celui-ci seulement.
            parent = texte.getparent()
            while parent is not None and parent.tag != _W_P:
                parent = parent.getparent()
            if parent is paragraphe:
                morceaux.append(texte.text or "")
        textes.append("".join(morceaux).replace("\n", " "))
    return textes


def _vers_jinja(texte: str) -> str:
    """Le texte d'un paragraphe tel que docxtpl le donne à Jinja (balises propres à docxtpl)."""
    texte = _RE_BALISE.sub(lambda m: m.group(0).translate(_GUILLEMETS), texte)
    texte = re.sub(r"\{%\s*(?:colspan|cellbg)\s+([^%]*?)\s*%\}", r"{{ \1 }}", texte)
    texte = re.sub(r"\{%\s*(?:vm|hm)\s*%\}", "", texte)
    return re.sub(r"\{([{%#])-?(?:p|tr|tc|r) ", r"{\1 ", texte)


def _ouvrir(contenu: bytes) -> Any:
    docx_valider(contenu)
    try:
        return docx.Document(io.BytesIO(contenu))
    except Exception as exc:  # python-docx lève KeyError, ValueError, erreurs lxml…
        raise DocumentInvalide(
            "Le document Word est illisible : ouvrez-le dans Word et réenregistrez-le au "
            "format .docx."
        ) from exc


def _parties(document: Any) -> list[_Partie]:
    parties = [_Partie("corps", _texte_paragraphes(document.element.body))]
    autres = sorted(
        (
            part
            for part in document.part.package.iter_parts()
            if part.content_type in _TYPES_PARTIES
        ),
        key=lambda part: str(part.partname),
    )
    for part in autres:
        element = getattr(part, "element", None)
        if element is None:
            element = parse_xml(part.blob)
        parties.append(_Partie(_TYPES_PARTIES[part.content_type], _texte_paragraphes(element)))
    proprietes = document.core_properties
    parties.append(
        _Partie(
            "Propriétés du document",
            [str(getattr(proprietes, nom) or "") for nom in _PROPRIETES],
        )
    )
    return parties


# --- Environnement Jinja -----------------------------------------------------------------------


class _LimiteDepassee(Exception):
    """Un modèle qui dépasse une borne du rendu ; `message` est destiné à l'agent.

    `situable` : faux quand le budget du rendu est épuisé (durée, taille) ; rejouer le rendu
    paragraphe par paragraphe nommerait alors un paragraphe au hasard.
    """

    def __init__(self, message: str, *, situable: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.situable = situable


def _trop_grand(limite: int) -> _LimiteDepassee:
    return _LimiteDepassee(f"résultat trop grand (plus de {nombre(limite)} éléments ou caractères)")


class _Budget:
    """Les bornes d'un rendu : une échéance (horloge monotone) et des caractères à produire.

    Vérifié dans les points d'entrée du bac à sable (appels, attributs, filtres, opérateurs,
    chaque tour de boucle, chaque morceau produit) plutôt que par un signal, qui ne marche que
    dans le fil principal : le rendu tourne dans des workers Celery et des fils.
    """

    def __init__(self) -> None:
        self.duree_max: int = settings.ECHARPE_DOCX_DUREE_MAX
        self.sortie_max: int = settings.ECHARPE_DOCX_SORTIE_MAX
        self.range_max: int = settings.ECHARPE_DOCX_RANGE_MAX
        self.echeance = time.monotonic() + self.duree_max
        self.restant = self.sortie_max

    def temps(self) -> None:
        if time.monotonic() > self.echeance:
            unite = "seconde" if self.duree_max <= 1 else "secondes"
            raise _LimiteDepassee(
                "Le modèle demande trop de calculs : son rendu dépasse "
                f"{nombre(self.duree_max)} {unite}. Vérifiez les boucles « for » imbriquées "
                "et les macros qui s'appellent elles-mêmes.",
                situable=False,
            )

    def trop_long(self) -> _LimiteDepassee:
        return _LimiteDepassee(
            f"Le modèle produit un document trop long (plus de {nombre(self.sortie_max)} "
            "caractères) : vérifiez les boucles « for » et les répétitions.",
            situable=False,
        )

    def produire(self, taille: int) -> None:
        """Compte `taille` caractères (ou éléments) produits ; toute production compte."""
        self.restant -= taille
        if self.restant < 0:
            raise self.trop_long()
        self.temps()

    def tenir(self, taille: int) -> None:
        """Refuse avant de la construire une valeur plus grande que ce qu'il reste à produire."""
        if taille > self.restant:
            raise self.trop_long()

    def poids(self, valeur: Any) -> int:
        """La taille de `valeur` une fois écrite, bornée par ce qu'il reste à produire.

        Une liste peut contenir dix fois la même liste, qui en contient dix… : quelques lignes
        de modèle décrivent ainsi un texte de plusieurs gigaoctets, qu'on mesure ici sans
        l'écrire, en s'arrêtant dès que la borne est dépassée.
        """
        total = 0
        pile = [valeur]
        while pile:
            courant = pile.pop()
            if isinstance(courant, str | bytes):
                total += len(courant) + 2
            elif isinstance(courant, dict):
                total += 2
                for cle, element in courant.items():
                    pile.append(cle)
                    pile.append(element)
            elif isinstance(courant, list | tuple | set | frozenset):
                total += 2 + len(courant)
                pile.extend(courant)
            else:
                total += 8
            if total > self.restant:
                raise self.trop_long()
            if len(pile) % 4096 == 0:
                self.temps()
        return total

    def range(self, *args: int) -> range:
        intervalle = range(*args)
        if len(intervalle) > self.range_max:
            raise _LimiteDepassee(
                f"« range » est limité à {nombre(self.range_max)} éléments dans un modèle "
                f"Word ({nombre(len(intervalle))} demandés)"
            )
        return intervalle


class _Boucle:
    """L'itérable d'un `{% for %}`, qui vérifie l'échéance à chaque tour."""

    def __init__(self, budget: _Budget, source: Any) -> None:
        self._budget = budget
        self._source = source
        self._iterateur = iter(source)

    def __iter__(self) -> _Boucle:
        return self

    def __next__(self) -> Any:
        self._budget.temps()
        return next(self._iterateur)

    def __len__(self) -> int:
        return len(self._source)  # TypeError sans longueur : LoopContext sait s'en passer


class _Generateur(CodeGenerator):
    """Compile chaque `for` et chaque `~` à travers le budget du rendu."""

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        node.iter = nodes.Call(
            nodes.EnvironmentAttribute("boucler"), [node.iter], [], None, None, lineno=node.lineno
        )
        super().visit_For(node, frame)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.joindre((")
        for argument in node.nodes:
            self.visit(argument, frame)
            self.write(", ")
        self.write("), context.eval_ctx.autoescape)")


# Une largeur, un nombre de groupes ou un retrait : un petit nombre qui fabrique un grand texte.
_FILTRES_LARGEUR = {"center": 1, "indent": 1, "batch": 1, "slice": 1, "tojson": 1}
_METHODES_LARGEUR = {"center", "ljust", "rjust", "zfill", "expandtabs"}
_RE_POURCENT = re.compile(r"%[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")
_RE_ACCOLADES = re.compile(r"\{[^{}]*:[^{}]*\}")


def _verifier_gabarit_pourcent(gabarit: str) -> None:
    for largeur, precision in _RE_POURCENT.findall(gabarit):
        for nombre_lu in (largeur, precision):
            if nombre_lu == "*" or (nombre_lu and int(nombre_lu) > PRODUIT_MAX):
                raise _trop_grand(PRODUIT_MAX)


def _verifier_gabarit_accolades(gabarit: str) -> None:
    for champ in _RE_ACCOLADES.findall(gabarit):
        specification = champ.split(":", 1)[1]
        if any(int(n) > PRODUIT_MAX for n in re.findall(r"\d+", specification)):
            raise _trop_grand(PRODUIT_MAX)


def _taille_remplacement(texte: str, ancien: Any, nouveau: Any) -> int:
    ancien, nouveau = str(ancien), str(nouveau)
    occurrences = texte.count(ancien) if ancien else len(texte) + 1
    return len(texte) + occurrences * max(len(nouveau) - len(ancien), 0)


class _Bac(ImmutableSandboxedEnvironment):
    """Le bac à sable de Jinja, borné en durée et en taille produite (voir `_Budget`).

    « Immutable » : un modèle ne modifie pas les données qu'il reçoit (`lignes.append`,
    `lignes.extend(lignes)` qui doublerait une liste à chaque tour).
    """

    code_generator_class = _Generateur
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.budget = _Budget()
        self.globals["range"] = self.budget.range
        # Des paragraphes de faux latin n'ont rien à faire dans un courrier de mairie.
        del self.globals["lipsum"]
        self.filters = {nom: self._filtre_borne(nom, f) for nom, f in self.filters.items()}
        self.filters["join"] = self._filtre_borne("join", _joindre_filtre)
        self.finalize = self._finaliser

    def _finaliser(self, valeur: Any) -> Any:
        # Une valeur absente (None) laisse un blanc dans le courrier, pas le mot « None ».
        if valeur is None:
            return ""
        if not isinstance(valeur, str):
            self.budget.tenir(self.budget.poids(valeur))
        return valeur

    # Chaque morceau du document, d'une macro ou d'un `{% set %}` passe par `concat`.
    def concat(self, morceaux: Iterable[str]) -> str:  # type: ignore[override]
        budget = self.budget
        liste = []
        for morceau in morceaux:
            budget.produire(len(morceau))
            liste.append(morceau)
        return "".join(liste)

    def boucler(self, source: Any) -> _Boucle:
        return _Boucle(self.budget, source)

    def joindre(self, valeurs: tuple[Any, ...], autoescape: bool) -> str:
        total = sum(self.budget.poids(valeur) for valeur in valeurs)
        self.budget.tenir(total)
        resultat = markup_join(valeurs) if autoescape else str_join(valeurs)
        self.budget.produire(len(resultat))
        return resultat

    def _filtre_borne(self, nom: str, filtre: Any) -> Any:
        budget = self.budget
        position = _FILTRES_LARGEUR.get(nom)
        pass_arg = getattr(filtre, "jinja_pass_arg", None)

        @functools.wraps(filtre)
        def borne(*args: Any, **kwargs: Any) -> Any:
            budget.temps()
            valeurs = args[1:] if pass_arg is not None else args
            if valeurs:
                budget.tenir(budget.poids(valeurs[0]))
            if position is not None:
                largeurs = list(valeurs[position : position + 1]) + list(kwargs.values())
                if any(isinstance(n, int) and n > PRODUIT_MAX for n in largeurs):
                    raise _trop_grand(PRODUIT_MAX)
            if nom == "format" and valeurs:
                _verifier_gabarit_pourcent(str(valeurs[0]))
            if nom == "replace" and len(valeurs) >= 3:
                budget.tenir(_taille_remplacement(str(valeurs[0]), valeurs[1], valeurs[2]))
            if nom == "wordwrap" and valeurs:
                separateur = kwargs.get("wrapstring") or (valeurs[4:5] or ["\n"])[0]
                budget.tenir(len(str(valeurs[0])) * (1 + len(str(separateur))))
            resultat = filtre(*args, **kwargs)
            if isinstance(resultat, str | list | tuple | dict):
                budget.produire(len(resultat))
            return resultat

        return borne

    def getattr(self, obj: Any, attribute: str) -> Any:
        self.budget.temps()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        self.budget.temps()
        return super().getitem(obj, argument)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        budget = __self.budget
        budget.temps()
        for valeur in (*args, *kwargs.values()):
            budget.tenir(budget.poids(valeur))
        proprietaire = getattr(__obj, "__self__", None)
        methode = getattr(__obj, "__name__", "")
        if isinstance(proprietaire, str):
            if methode in _METHODES_LARGEUR and any(
                isinstance(n, int) and n > PRODUIT_MAX for n in args[:1]
            ):
                raise _trop_grand(PRODUIT_MAX)
            if methode == "replace" and len(args) >= 2:
                budget.tenir(_taille_remplacement(proprietaire, args[0], args[1]))
            if methode == "translate" and args and isinstance(args[0], dict):
                plus_long = max((len(str(v)) for v in args[0].values()), default=1)
                budget.tenir(len(proprietaire) * max(plus_long, 1))
        resultat = super().call(__context, __obj, *args, **kwargs)
        if isinstance(resultat, str | list | tuple | dict):
            budget.produire(len(resultat))
        return resultat

    def wrap_str_format(self, value: Any) -> Any:
        # `'{:>999999999}'.format(1)` : la largeur se lit avant d'écrire le résultat.
        enveloppe = super().wrap_str_format(value)
        if enveloppe is not None:
            _verifier_gabarit_accolades(value.__self__)
        return enveloppe

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        budget = self.budget
        budget.temps()
        if operator == "**":
            if isinstance(right, int | float) and abs(right) > 100:
                raise _trop_grand(PRODUIT_MAX)
            # 2 ** 100 est permis ; (2 ** 100) ** 100 ** … ferait un entier géant.
            if (
                isinstance(left, int)
                and isinstance(right, int)
                and left.bit_length() * right > 100_000
            ):
                raise _trop_grand(PRODUIT_MAX)
        if operator == "*":
            for sequence, facteur in ((left, right), (right, left)):
                if isinstance(sequence, str | list | tuple) and isinstance(facteur, int):
                    taille = len(sequence) if isinstance(sequence, str) else budget.poids(sequence)
                    if taille * facteur > PRODUIT_MAX:
                        raise _trop_grand(PRODUIT_MAX)
            if (
                isinstance(left, int)
                and isinstance(right, int)
                and left.bit_length() + right.bit_length() > 100_000
            ):
                raise _trop_grand(PRODUIT_MAX)
        if operator == "+" and isinstance(left, str | list | tuple):
            budget.tenir(budget.poids(left) + budget.poids(right))
        if operator == "%" and isinstance(left, str):
            _verifier_gabarit_pourcent(left)
            budget.tenir(budget.poids(left) + budget.poids(right))
        resultat = super().call_binop(context, operator, left, right)
        if isinstance(resultat, str | list | tuple):
            budget.produire(len(resultat))
        return resultat


@pass_eval_context
def _joindre_filtre(
    eval_ctx: EvalContext, value: Iterable[Any], d: str = "", attribute: Any = None
) -> str:
    """Le filtre `join` de Jinja, qui mesure ce qu'il va écrire avant de l'écrire."""
    if attribute is not None:
        value = map(make_attrgetter(eval_ctx.environment, attribute), value)
    elements = list(value)
    environnement = eval_ctx.environment
    assert isinstance(environnement, _Bac)
    budget = environnement.budget
    budget.tenir(sum(budget.poids(e) for e in elements) + len(d) * len(elements))
    return str(do_join(eval_ctx, elements, d))


class _Modele(DocxTemplate):
    def render_properties(self, context: dict[str, Any], jinja_env: Any = None) -> None:
        # python-docx échappe lui-même les propriétés (titre, sujet…) : rendues avec
        # l'échappement XML, « & » y deviendrait « &amp; ».
        if jinja_env is not None:
            jinja_env = jinja_env.overlay(autoescape=False)
        super().render_properties(context, jinja_env)


def _environnement() -> _Bac:
    return _Bac(autoescape=True, undefined=StrictUndefined)


# --- Variables du modèle -----------------------------------------------------------------------


def _chemin(noeud: nodes.Node) -> list[str] | None:
    """`electeur.adresse.ville` → ["electeur", "adresse", "ville"] ; None si non statique."""
    morceaux: list[str] = []
    while True:
        if isinstance(noeud, nodes.Getattr):
            morceaux.append(noeud.attr)
            noeud = noeud.node
        elif (
            isinstance(noeud, nodes.Getitem)
            and isinstance(noeud.arg, nodes.Const)
            and isinstance(noeud.arg.value, str)
        ):
            morceaux.append(noeud.arg.value)
            noeud = noeud.node
        elif isinstance(noeud, nodes.Name):
            morceaux.append(noeud.name)
            return list(reversed(morceaux))
        else:
            return None


@dataclass(frozen=True)
class _Usage:
    nom: str
    ligne: int


def _usages(arbre: nodes.Template, globales: set[str]) -> Iterator[_Usage]:
    def visiter(noeud: nodes.Node) -> Iterator[_Usage]:
        if isinstance(noeud, nodes.Call) and isinstance(noeud.node, nodes.Getattr):
            # `{{ nom.upper() }}` utilise `nom`, pas une variable `nom.upper`.
            for enfant in noeud.iter_child_nodes(exclude=("node",)):
                yield from visiter(enfant)
            yield from visiter(noeud.node.node)
            return
        if isinstance(noeud, nodes.Getattr | nodes.Getitem | nodes.Name):
            chemin = _chemin(noeud)
            if chemin is not None:
                # Une chaîne statique (`a.b["c"]`) ne contient pas d'autre variable ; un nom
                # affecté (`{% for a in … %}`, `{% set a = … %}`) n'est pas une variable du
                # contexte.
                est_lu = not isinstance(noeud, nodes.Name) or noeud.ctx == "load"
                if est_lu and chemin[0] in globales:
                    yield _Usage(".".join(chemin), noeud.lineno)
                return
        for enfant in noeud.iter_child_nodes():
            yield from visiter(enfant)

    yield from visiter(arbre)


def _acces_interdits(arbre: nodes.Template) -> Iterator[tuple[str, int]]:
    for noeud in arbre.find_all((nodes.Getattr, nodes.Getitem)):
        if isinstance(noeud, nodes.Getattr):
            attribut: Any = noeud.attr
        elif isinstance(noeud, nodes.Getitem) and isinstance(noeud.arg, nodes.Const):
            attribut = noeud.arg.value
        else:
            continue
        if isinstance(attribut, str) and attribut.startswith("_"):
            yield attribut, noeud.lineno


def _balise(texte: str, indice: str | None = None) -> str:
    """La balise du paragraphe qui contient `indice` (ou le début du paragraphe)."""
    balises = _RE_BALISE.findall(texte)
    for balise in balises:
        if indice is None or indice in balise:
            return balise[:120]
    return texte.strip()[:120]


def _analyser(parties: list[_Partie], env: _Bac) -> list[tuple[_Partie, nodes.Template]]:
    analyses = []
    for partie in parties:
        try:
            arbre = env.parse(partie.source)
        except TemplateSyntaxError as exc:
            raise _erreur_syntaxe(partie, exc) from exc
        analyses.append((partie, arbre))
    return analyses


def _paragraphe(partie: _Partie, ligne: int | None) -> str:
    if ligne is None or not 1 <= ligne <= len(partie.paragraphes):
        return ""
    return partie.paragraphes[ligne - 1]


def _erreur_syntaxe(partie: _Partie, exc: TemplateSyntaxError) -> ErreurModele:
    detail = exc.message or ""
    if "Unexpected end of template" in detail:
        bloc = re.search(r"needs to be closed is '(\w+)'", detail)
        nom = bloc.group(1) if bloc else "if"
        return ErreurModele(
            f"Un bloc « {nom} » n'est jamais fermé : ajoutez la balise {{% end{nom} %}} "
            "à l'endroit voulu.",
        )
    lieu = partie.lieu(exc.lineno)
    if fin := re.search(r"unknown tag '(end\w+)'", detail):
        explication = f"la balise « {fin.group(1)} » ne ferme aucun bloc ouvert"
    elif inconnue := re.search(r"unknown tag '(\w+)'", detail):
        explication = f"la balise « {inconnue.group(1)} » est inconnue"
    else:
        explication = f"la syntaxe d'une balise est incorrecte ({detail})"
    extrait = _balise(_paragraphe(partie, exc.lineno))
    return ErreurModele(f"{lieu} : {explication} (« {extrait} »).", paragraphe=lieu)


def _verifier(
    parties: list[_Partie], env: _Bac, variables_autorisees: set[str] | None
) -> list[str]:
    analyses = _analyser(parties, env)
    noms: set[str] = set()
    for partie, arbre in analyses:
        interdits = list(_acces_interdits(arbre))
        if interdits:
            ligne = min(ligne for _attribut, ligne in interdits)
            # find_all() rend l'accès extérieur d'abord (`__mro__` avant `__class__`).
            attributs = list(
                dict.fromkeys(attribut for attribut, num in reversed(interdits) if num == ligne)
            )
            lieu = partie.lieu(ligne)
            balise = _balise(_paragraphe(partie, ligne), attributs[0])
            raise ErreurModele(
                f"{lieu} : « {balise} » tente un accès interdit ("
                + ", ".join(f"« {attribut} »" for attribut in attributs)
                + ") ; seules les variables documentées sont permises.",
                paragraphe=lieu,
            )
        for balise_interdite in arbre.find_all(_BALISES_INTERDITES):
            lieu = partie.lieu(balise_interdite.lineno)
            nom = type(balise_interdite).__name__.lower().replace("fromimport", "from")
            raise ErreurModele(
                f"{lieu} : la balise « {nom} » n'est pas permise dans un modèle Word "
                f"(« {_balise(_paragraphe(partie, balise_interdite.lineno), nom)} »).",
                paragraphe=lieu,
            )
        globales = _globales(arbre)
        noms.update(usage.nom for usage in _usages(arbre, globales))
    if variables_autorisees is not None:
        inconnues = sorted(nom for nom in noms if not _autorisee(nom, variables_autorisees))
        if inconnues:
            raise ErreurModele(
                "Variables inconnues dans le modèle : "
                + ", ".join(f"« {nom} »" for nom in inconnues)
                + ". Vérifiez leur orthographe dans la liste des variables disponibles.",
                variables=inconnues,
            )
    return sorted(noms)


def _globales(arbre: nodes.Template) -> set[str]:
    return set(meta.find_undeclared_variables(arbre))


def _autorisee(nom: str, variables_autorisees: set[str]) -> bool:
    """`electeur.nom` est permise si `electeur.nom` ou `electeur` figure dans la liste."""
    morceaux = nom.split(".")
    return any(".".join(morceaux[:i]) in variables_autorisees for i in range(1, len(morceaux) + 1))


def docx_placeholders(contenu: bytes) -> list[str]:
    """Les variables utilisées par le modèle, triées : `nom`, `electeur.nom`, `lignes`…

    Les variables locales (`a` dans `{% for a in lignes %}`) n'y figurent pas ; les
    en-têtes, pieds de page, tableaux et notes sont lus. Lève `DocumentInvalide` ou
    `ErreurModele` (syntaxe incorrecte).
    """
    document = _ouvrir(contenu)
    env = _environnement()
    noms: set[str] = set()
    for _partie, arbre in _analyser(_parties(document), env):
        noms.update(usage.nom for usage in _usages(arbre, _globales(arbre)))
    return sorted(noms)


def docx_verifier(contenu: bytes, *, variables_autorisees: set[str] | None = None) -> list[str]:
    """Vérifie un modèle déposé et rend ses variables (voir `docx_placeholders`).

    En plus de `docx_valider` : syntaxe, accès interdits (`__class__`…) et, si
    `variables_autorisees` est donnée, variables hors de la liste (`electeur` y autorise
    `electeur.nom` ; `electeur.nom` n'autorise que celle-ci).
    """
    return _verifier(_parties(_ouvrir(contenu)), _environnement(), variables_autorisees)


# --- Rendu -------------------------------------------------------------------------------------


def _ligne_template(exc: BaseException) -> int | None:
    """La ligne du gabarit Jinja où l'erreur s'est produite (cadre « <template> »)."""
    ligne = getattr(exc, "lineno", None)
    trace = exc.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == "<template>":
            ligne = trace.tb_lineno
        trace = trace.tb_next
    return ligne


def _explication(exc: BaseException) -> tuple[str, str | None]:
    """Le problème en français et un indice pour retrouver la balise."""
    texte = str(exc)
    if isinstance(exc, _LimiteDepassee):
        return exc.message, None
    if isinstance(exc, RecursionError):
        return _RECURSION, None
    if isinstance(exc, SecurityError):
        attribut = re.search(r"attribute '([^']+)'", texte)
        if attribut:
            return f"accès interdit (« {attribut.group(1)} »)", attribut.group(1)
        return f"opération interdite ({texte})", None
    if non_definie := re.fullmatch(r"'([^']+)' is undefined", texte):
        nom = non_definie.group(1)
        return f"la variable « {nom} » n'est pas définie", nom
    if absent := re.search(r"has no attribute '([^']+)'", texte):
        nom = absent.group(1)
        return f"« {nom} » n'existe pas pour cette variable", nom
    return f"l'expression ne peut pas être calculée ({type(exc).__name__} : {texte})", None


_RECURSION = (
    "le modèle s'appelle lui-même sans fin (macro ou boucle « recursive ») : ajoutez une "
    "condition d'arrêt"
)


def _sans_lieu(exc: BaseException) -> ErreurModele | None:
    """L'erreur d'un budget épuisé, qu'on ne situe pas (le rejeu la retrouverait au hasard)."""
    if isinstance(exc, _LimiteDepassee) and not exc.situable:
        return ErreurModele(exc.message)
    if isinstance(exc, RecursionError):
        return ErreurModele(_RECURSION[0].upper() + _RECURSION[1:] + ".")
    return None


def _localiser(
    parties: list[_Partie], contexte: dict[str, Any], env: _Bac, cause: BaseException
) -> ErreurModele:
    """Rejoue le rendu sur le texte des paragraphes pour nommer le paragraphe en faute."""
    for partie in parties:
        try:
            env.from_string(partie.source).render(contexte)
        except Exception as exc:  # toute erreur d'un modèle utilisateur est une erreur de modèle
            if (erreur := _sans_lieu(exc)) is not None:
                return erreur
            explication, indice = _explication(exc)
            ligne = _ligne_template(exc)
            if ligne is None:
                return ErreurModele(f"Le modèle ne peut pas être rendu : {explication}.")
            lieu = partie.lieu(ligne)
            balise = _balise(_paragraphe(partie, ligne), indice)
            return ErreurModele(f"{lieu} : {explication} (« {balise} »).", paragraphe=lieu)
    explication, _indice = _explication(cause)
    return ErreurModele(f"Le modèle ne peut pas être rendu : {explication}.")


def docx_rendre(
    contenu: bytes,
    contexte: dict[str, Any],
    *,
    variables_autorisees: set[str] | None = None,
) -> bytes:
    """Rend le modèle Word avec `contexte` dans un Jinja « sandboxé » ; rend le DOCX en octets.

    Lève `DocumentInvalide` (fichier refusé) ou `ErreurModele` : accès interdit, variable
    non définie, syntaxe incorrecte (en nommant le paragraphe), variables hors de
    `variables_autorisees`. Une valeur `None` s'affiche comme un blanc.
    """
    parties = _parties(_ouvrir(contenu))
    env = _environnement()
    _verifier(parties, env, variables_autorisees)
    modele = _Modele(io.BytesIO(contenu))
    sortie = io.BytesIO()
    try:
        modele.render(contexte, jinja_env=env, autoescape=True)
        modele.save(sortie)
    except ErreurDocument:
        raise
    except Exception as exc:  # le modèle est du code utilisateur : toute erreur est la sienne
        if (erreur := _sans_lieu(exc)) is not None:
            raise erreur from exc
        raise _localiser(parties, contexte, env, exc) from exc
    return sortie.getvalue()

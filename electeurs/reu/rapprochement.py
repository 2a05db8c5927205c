"""Reconnaître l'électeur dont parle une notification du REU.

D'abord par l'INE : le REU ne publie pas son format ; on suppose [?] un nombre de 9 ou 10
chiffres, de préférence précédé du mot « INE ». Ensuite par l'état civil : une date de
naissance jj/mm/aaaa citée dans le texte, et un électeur né ce jour-là dont le nom (de naissance
ou d'usage) et le premier prénom figurent aussi dans le texte. Un seul candidat : il est
rattaché ; plusieurs (homonymes) ou aucun : l'agent choisit à la main.
"""

from __future__ import annotations

import datetime
import html
import re
from dataclasses import dataclass
from email.message import EmailMessage

from django.db.models import Q

from core.tenancy.models import Collectivite
from electeurs.identite import normaliser
from electeurs.models import Electeur

# « INE : 123456789 », « n° INE 1234567890 » : l'hypothèse la plus sûre.
_INE_NOMME = re.compile(r"\bINE\b\D{0,20}?(\d{9,10})(?!\d)", re.IGNORECASE)
# Sinon un nombre isolé de 9 ou 10 chiffres qui ne commence pas par 0 (un téléphone français
# commence par 0, un code postal n'a que 5 chiffres).
_INE_NU = re.compile(r"(?<![\d/.-])([1-9]\d{8,9})(?![\d/.-])")
_DATE = re.compile(r"(?<!\d)(\d{1,2})/(\d{1,2})/(\d{4})(?!\d)")
_BALISES_IGNOREES = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_BALISE = re.compile(r"<[^>]*>")
_FIN_BLOC = re.compile(r"<\s*(br|/p|/div|/tr|/li|/h\d)\b[^>]*>", re.IGNORECASE)


def ine_trouve(texte: str) -> str:
    """Le premier INE cité dans le texte, ou ""."""
    return _ine_nomme(texte) or _ine_nu(texte)


def _ine_nomme(texte: str) -> str:
    trouve = _INE_NOMME.search(texte)
    return trouve.group(1) if trouve else ""


def _ine_nu(texte: str) -> str:
    trouve = _INE_NU.search(texte)
    return trouve.group(1) if trouve else ""


def dates_citees(texte: str) -> list[datetime.date]:
    dates = []
    for jour, mois, annee in _DATE.findall(texte):
        try:
            dates.append(datetime.date(int(annee), int(mois), int(jour)))
        except ValueError:
            continue
    return dates


@dataclass(frozen=True)
class Rapprochement:
    electeur: Electeur | None
    ine: str


def rapprocher(*, collectivite: Collectivite, texte: str) -> Rapprochement:
    """L'électeur (de la collectivité) dont parle le texte, s'il est reconnu sans ambiguïté."""
    electeurs = Electeur.objects.pour(collectivite)
    # Un INE précédé du mot « INE » est gardé même sans électeur connu ; un nombre nu (un
    # SIREN, une référence…) seulement s'il désigne un électeur de la commune.
    ine = _ine_nomme(texte)
    for candidat in (ine, _ine_nu(texte)):
        if candidat:
            electeur = electeurs.filter(ine=candidat).first()
            if electeur is not None:
                return Rapprochement(electeur, candidat)
    mots = f" {normaliser(texte)} "
    candidats: dict[int, Electeur] = {}
    for date in dates_citees(texte)[:5]:
        for electeur in electeurs.filter(
            Q(date_naissance=date) | Q(naissance_annee=date.year, naissance_jour__isnull=True)
        )[:50]:
            if _nomme(electeur, mots):
                candidats[electeur.pk] = electeur
    if len(candidats) == 1:
        return Rapprochement(next(iter(candidats.values())), ine)
    return Rapprochement(None, ine)


def _nomme(electeur: Electeur, mots: str) -> bool:
    """Vrai si le nom (de naissance ou d'usage) et le premier prénom figurent dans le texte."""
    prenoms = normaliser(electeur.prenoms).split()
    if not prenoms or f" {prenoms[0]} " not in mots:
        return False
    noms = [normaliser(electeur.nom_naissance), normaliser(electeur.nom_usage)]
    return any(nom and f" {nom} " in mots for nom in noms)


# Mots du texte (normalisé) qui désignent le type d'avis, du plus précis au plus général.
_TYPES_PAR_MOTS: list[tuple[tuple[str, ...], str]] = [
    (("service public", "demande d inscription", "teleprocedure"), "demande_en_ligne"),
    (("deces", "decede"), "radiation_deces"),
    (("naturalis",), "inscription_office_naturalise"),
    (("jeune", "majorite", "18 ans", "recensement"), "inscription_office_jeune"),
    (("autre commune", "nouvelle commune", "inscrit a "), "inscription_autre_commune"),
    (("perte", "incapacite", "privation", "condamnation"), "perte_droits"),
    (("correction", "rectification", "modification de l etat civil"), "correction_insee"),
]


def type_devine(texte: str) -> str:
    """Le type d'avis que suggèrent les mots du texte ; « autre » si rien ne les désigne."""
    mots = normaliser(texte)
    for indices, code in _TYPES_PAR_MOTS:
        if any(indice in mots for indice in indices):
            return code
    return "autre"


def texte_du_courriel(message: EmailMessage) -> str:
    """Le texte d'un courriel : la partie texte brut, sinon la partie HTML dépouillée de ses
    balises (jamais interprétée : ni script, ni style, ni lien suivi)."""
    partie = message.get_body(preferencelist=("plain",))
    if partie is not None:
        return str(partie.get_content()).strip()
    partie = message.get_body(preferencelist=("html",))
    if partie is None:
        return ""
    return html_en_texte(str(partie.get_content()))


def html_en_texte(contenu: str) -> str:
    contenu = _BALISES_IGNOREES.sub(" ", contenu)
    contenu = _FIN_BLOC.sub("\n", contenu)
    contenu = _BALISE.sub(" ", contenu)
    contenu = html.unescape(contenu)
    lignes = [" ".join(ligne.split()) for ligne in contenu.splitlines()]
    return "\n".join(ligne for ligne in lignes if ligne).strip()

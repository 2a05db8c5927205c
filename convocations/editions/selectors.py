"""Lectures des éditions d'une séance : liste d'émargement, quorum, règle de délai appliquée et
pièces du dossier de preuve (envois, accusés de réception, sceaux du journal).

Tout se lit en un nombre fixe de requêtes, quel que soit le nombre de destinataires.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import F, Q
from django.utils import timezone

from convocations.models import Fonction, Mandat, en_cours_q
from convocations.seances.models import (
    Destinataire,
    EnvoiConvocation,
    MotifEnvoi,
    Pouvoir,
    Presence,
    Reponse,
    Seance,
)
from core.delais.models import Delai
from core.delais.services import (
    DelaiIntrouvable,
    code_delai_convocation,
    date_limite_avant,
    delai_en_vigueur,
    regime_3500_ou_plus,
    valeur_affichee,
)
from core.journal.models import EntreeJournal
from core.journal.services import cles_journal, hash_entree
from core.mail.models import StatutEnvoi

# Ordre du tableau : l'exécutif d'abord, puis les conseillers ; les suppléants à part.
_RANG_FONCTION = {
    Fonction.MAIRE: 0,
    Fonction.PRESIDENT: 0,
    Fonction.ADJOINT: 1,
    Fonction.VICE_PRESIDENT: 1,
    Fonction.CONSEILLER_DELEGUE: 2,
}
PRESENTS = (Presence.PRESENT, Presence.PRESENT_DISTANCE)


def nom_prenom(destinataire: Destinataire) -> tuple[str, str]:
    """Nom et prénom : ceux du compte s'il les sépare, sinon le nom du destinataire entier."""
    utilisateur = destinataire.utilisateur
    if utilisateur is not None and utilisateur.first_name and utilisateur.last_name:
        return utilisateur.last_name, utilisateur.first_name
    return destinataire.nom or destinataire.email, ""


def est_suppleant(destinataire: Destinataire) -> bool:
    mandat = destinataire.mandat
    return mandat is not None and mandat.fonction == Fonction.DELEGUE_SUPPLEANT


@dataclass
class LigneEmargement:
    destinataire: Destinataire
    nom: str
    prenom: str
    fonction: str
    qualite: str
    # Pouvoir en vigueur donné par ce membre (son mandataire) ou reçu (son mandant).
    mandataire: Destinataire | None = None
    mandant: Destinataire | None = None

    @property
    def nom_complet(self) -> str:
        return f"{self.prenom} {self.nom}".strip()


@dataclass(frozen=True)
class Quorum:
    """CGCT L2121-17 : la majorité des membres en exercice doit être présente ; les pouvoirs ne
    comptent pas. Un délégué remplacé par son suppléant compte présent (le suppléant siège)."""

    en_exercice: int
    requis: int
    presents_annonces: int
    pouvoirs: int

    @property
    def atteint(self) -> bool:
        return self.presents_annonces >= self.requis


@dataclass
class Emargement:
    seance: Seance
    membres: list[LigneEmargement]
    suppleants: list[LigneEmargement]
    autres: list[LigneEmargement]
    pouvoirs: list[Pouvoir]
    quorum: Quorum

    @property
    def toutes(self) -> list[LigneEmargement]:
        return [*self.membres, *self.suppleants, *self.autres]


def _cle_tri(ligne: LigneEmargement) -> tuple[int, str, str]:
    mandat = ligne.destinataire.mandat
    rang = _RANG_FONCTION.get(Fonction(mandat.fonction), 3) if mandat else 3
    return rang, ligne.nom.casefold(), ligne.prenom.casefold()


def pouvoirs_en_vigueur(seance: Seance) -> list[Pouvoir]:
    return list(
        Pouvoir.objects.pour(seance.collectivite_id)
        .filter(seance=seance, revoque_le__isnull=True)
        .select_related("mandant__utilisateur", "mandataire__utilisateur")
        .order_by("pk")
    )


def emargement_lire(seance: Seance) -> Emargement:
    """Les lignes de la liste d'émargement (trois requêtes)."""
    destinataires = list(
        Destinataire.objects.pour(seance.collectivite_id)
        .filter(seance=seance)
        .select_related("utilisateur", "mandat")
    )
    pouvoirs = pouvoirs_en_vigueur(seance)
    donne = {p.mandant_id: p.mandataire for p in pouvoirs}
    recu = {p.mandataire_id: p.mandant for p in pouvoirs}
    membres, suppleants, autres = [], [], []
    for d in destinataires:
        nom, prenom = nom_prenom(d)
        ligne = LigneEmargement(
            destinataire=d,
            nom=nom,
            prenom=prenom,
            fonction=d.mandat.get_fonction_display() if d.mandat else "",
            qualite="Invité",
            mandataire=donne.get(d.pk),
            mandant=recu.get(d.pk),
        )
        if d.membre and est_suppleant(d):
            ligne.qualite = "Suppléant"
            suppleants.append(ligne)
        elif d.membre:
            ligne.qualite = "Membre"
            membres.append(ligne)
        else:
            autres.append(ligne)
    for groupe in (membres, suppleants, autres):
        groupe.sort(key=_cle_tri)
    return Emargement(
        seance=seance,
        membres=membres,
        suppleants=suppleants,
        autres=autres,
        pouvoirs=pouvoirs,
        quorum=_quorum(seance, membres, pouvoirs),
    )


def membres_en_exercice(seance: Seance) -> int:
    """Les titulaires d'un mandat en cours dans l'assemblée le jour de la séance (un suppléant
    n'est pas membre en exercice)."""
    mandats = Mandat.objects.pour(seance.collectivite_id).filter(
        en_cours_q(timezone.localdate(seance.date)), assemblee=seance.assemblee
    )
    if seance.commission:
        mandats = mandats.filter(commission__iexact=seance.commission)
    return (
        mandats.exclude(fonction=Fonction.DELEGUE_SUPPLEANT)
        .values("utilisateur")
        .distinct()
        .count()
    )


def _quorum(seance: Seance, membres: list[LigneEmargement], pouvoirs: list[Pouvoir]) -> Quorum:
    # Les mandats font foi ; une séance convoquée sans eux (adresses tapées) compte ses membres.
    en_exercice = membres_en_exercice(seance) or len(membres)
    presents = sum(
        1
        for m in membres
        if m.destinataire.presence in PRESENTS or m.destinataire.presence == Presence.SUPPLEANT
    )
    return Quorum(
        en_exercice=en_exercice,
        requis=en_exercice // 2 + 1 if en_exercice else 0,
        presents_annonces=presents,
        pouvoirs=len(pouvoirs),
    )


# --- Règle de délai -------------------------------------------------------------------------


@dataclass(frozen=True)
class RegleDelai:
    """Le délai de convocation qui s'applique à la séance, tel que configuré à sa date."""

    delai: Delai | None
    date_limite: date | None
    explication: str

    @property
    def reference(self) -> str:
        return self.delai.reference if self.delai else ""

    def dans_le_delai(self, envoye_le: datetime | date | None) -> bool | None:
        if envoye_le is None or self.date_limite is None:
            return None
        jour = timezone.localdate(envoye_le) if isinstance(envoye_le, datetime) else envoye_le
        return jour <= self.date_limite


def regle_delai(seance: Seance) -> RegleDelai:
    collectivite = seance.collectivite
    jour = timezone.localdate(seance.date)
    try:
        if seance.deliberante:
            code = code_delai_convocation(
                regime_3500_ou_plus=regime_3500_ou_plus(seance=jour, collectivite=collectivite),
                urgence=seance.urgence,
                alsace_moselle=collectivite.alsace_moselle,
            )
        else:
            # Commissions et bureau : pas de délai légal (L2121-22), celui de la collectivité.
            code = "convocation_commission"
        delai = delai_en_vigueur(code, le=jour, collectivite=collectivite)
    except DelaiIntrouvable as erreur:
        return RegleDelai(delai=None, date_limite=None, explication=str(erreur))
    limite = date_limite_avant(jour, delai)
    explication = f"{delai.libelle} : {valeur_affichee(delai)} ({delai.reference})."
    if seance.urgence:
        explication += f" Urgence invoquée : {seance.urgence_justification}"
    return RegleDelai(delai=delai, date_limite=limite, explication=explication)


# --- Dossier de preuve ----------------------------------------------------------------------


@dataclass
class PreuveDestinataire:
    destinataire: Destinataire
    nom: str
    prenom: str
    qualite: str
    envois: list[EnvoiConvocation] = field(default_factory=list)
    reponses: list[Reponse] = field(default_factory=list)
    dans_le_delai: bool | None = None

    @property
    def premier_envoi(self) -> date | None:
        """Le jour du premier envoi qui prouve la convocation : un courriel de convocation
        accepté par le serveur (ni un échec, ni la notification du procès-verbal), ou l'envoi
        papier. Sans ligne d'envoi (reprise d'un autre logiciel), le compteur du destinataire."""
        d = self.destinataire
        dates = [
            timezone.localdate(e.envoye_le)
            for e in self.envois
            if e.envoye_le
            and e.statut == StatutEnvoi.ENVOYE
            and e.motif in (MotifEnvoi.CONVOCATION, MotifEnvoi.RELANCE)
        ]
        if not self.envois and d.premier_envoi_le:
            dates.append(timezone.localdate(d.premier_envoi_le))
        if d.papier_le:
            dates.append(d.papier_le)
        return min(dates) if dates else None


def preuves_lire(seance: Seance, regle: RegleDelai) -> list[PreuveDestinataire]:
    """Chaque destinataire avec ses envois (réponse du serveur) et ses réponses (4 requêtes)."""
    emargement = emargement_lire(seance)
    envois: dict[int, list[EnvoiConvocation]] = defaultdict(list)
    for envoi in (
        EnvoiConvocation.objects.pour(seance.collectivite_id)
        .filter(destinataire__seance=seance)
        .order_by("cree_le", "pk")
    ):
        envois[envoi.destinataire_id].append(envoi)
    reponses: dict[int, list[Reponse]] = defaultdict(list)
    for reponse in (
        Reponse.objects.pour(seance.collectivite_id)
        .filter(destinataire__seance=seance)
        .select_related("mandataire")
        .order_by("cree_le", "pk")
    ):
        reponses[reponse.destinataire_id].append(reponse)
    preuves = []
    for ligne in emargement.toutes:
        d = ligne.destinataire
        preuve = PreuveDestinataire(
            destinataire=d,
            nom=ligne.nom,
            prenom=ligne.prenom,
            qualite=ligne.qualite,
            envois=envois[d.pk],
            reponses=reponses[d.pk],
        )
        preuve.dans_le_delai = regle.dans_le_delai(preuve.premier_envoi)
        preuves.append(preuve)
    return preuves


@dataclass(frozen=True)
class SceauJournal:
    entree: EntreeJournal
    verifie: bool


def sceaux_lire(seance: Seance) -> list[SceauJournal]:
    """Les entrées du journal de la collectivité qui nomment la séance ou un de ses
    destinataires, envois, réponses ou pouvoirs, dans l'ordre de la chaîne, avec leur sceau
    recalculé. Seulement celles que couvre la tête de la chaîne (une ligne glissée en base
    sans passer par le journal n'est pas une preuve)."""
    references: list[tuple[str, list[str]]] = [(Seance._meta.label_lower, [str(seance.pk)])]
    for modele, filtre in (
        (Destinataire, Q(seance=seance)),
        (EnvoiConvocation, Q(destinataire__seance=seance)),
        (Reponse, Q(destinataire__seance=seance)),
        (Pouvoir, Q(seance=seance)),
    ):
        ids = [
            str(pk)
            for pk in modele.objects.pour(seance.collectivite_id)  # type: ignore[attr-defined]
            .filter(filtre)
            .values_list("pk", flat=True)
        ]
        if ids:
            references.append((modele._meta.label_lower, ids))
    condition = Q()
    for type_, ids in references:
        condition |= Q(sujet_type=type_, sujet_id__in=ids) | Q(objet_type=type_, objet_id__in=ids)
    entrees = (
        EntreeJournal.objects.filter(condition, collectivite_id=seance.collectivite_id)
        .filter(numero__lte=F("chaine__dernier_numero"))
        .order_by("numero")
    )
    cles = cles_journal()
    return [SceauJournal(entree=e, verifie=hash_entree(e, cles) == e.hash) for e in entrees]

"""Lectures de la page « Envoi et suivi » : compteurs, quorum, lignes. Un nombre de requêtes
fixe, quel que soit le nombre de destinataires (10 ou 1 000)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from convocations.seances.models import (
    Destinataire,
    EnvoiConvocation,
    Pouvoir,
    Presence,
    Seance,
)
from core.mail.models import StatutEnvoi

# Filtres de la page : clé d'URL → (libellé, condition sur les lignes annotées).
FILTRES: dict[str, tuple[str, Q]] = {
    "non_lus": ("Sans accusé de réception", Q(lu_le__isnull=True)),
    "lus": ("Accusé de réception reçu", Q(lu_le__isnull=False)),
    "sans_reponse": ("Sans réponse", Q(presence="")),
    "repondu": ("Ont répondu", ~Q(presence="")),
    "non_distribues": ("Non distribués", Q(rebondi_le__isnull=False)),
    "incertains": ("Envoi incertain", Q(dernier_statut=StatutEnvoi.INCERTAIN)),
    "echecs": ("Courriel non parti", Q(dernier_statut=StatutEnvoi.ECHEC)),
    "papier": ("Envoi papier", Q(papier=True)),
    "membres": ("Membres de l'assemblée", Q(membre=True)),
}


@dataclass(frozen=True)
class Compteurs:
    destinataires: int
    membres: int
    envoyes: int
    lus: int
    repondus: int
    non_distribues: int
    papier: int
    en_file: int
    incertains: int
    echecs: int


@dataclass(frozen=True)
class Quorum:
    """Aperçu du quorum (CGCT L2121-17) : les membres annoncés présents contre la majorité
    des membres en exercice ; les pouvoirs ne comptent pas."""

    en_exercice: int
    presents: int
    pouvoirs: int
    requis: int

    @property
    def atteint(self) -> bool:
        return self.en_exercice > 0 and self.presents >= self.requis


def presences_comptees(seance: Seance) -> list[str]:
    presences: list[str] = [Presence.PRESENT, Presence.SUPPLEANT]
    if seance.distanciel_autorise:
        presences.append(Presence.PRESENT_DISTANCE)
    return presences


def suivi_compter(*, seance: Seance) -> tuple[Compteurs, Quorum]:
    """Deux requêtes : les destinataires (avec le sort de leur dernier courriel), puis les
    courriels qui restent à partir."""
    envoye = Q(nombre_envois__gt=0) | Q(papier_le__isnull=False)
    membre = Q(membre=True)
    d = suivi_lignes(seance=seance).aggregate(
        destinataires=Count("pk"),
        membres=Count("pk", filter=membre),
        envoyes=Count("pk", filter=envoye),
        lus=Count("pk", filter=Q(lu_le__isnull=False)),
        repondus=Count("pk", filter=~Q(presence="")),
        non_distribues=Count("pk", filter=Q(rebondi_le__isnull=False)),
        papier=Count("pk", filter=Q(papier_le__isnull=False)),
        presents=Count("pk", filter=membre & Q(presence__in=presences_comptees(seance))),
        pouvoirs=Count("pk", filter=membre & Q(presence=Presence.POUVOIR)),
        incertains=Count("pk", filter=Q(dernier_statut=StatutEnvoi.INCERTAIN)),
        echecs=Count("pk", filter=Q(dernier_statut=StatutEnvoi.ECHEC)),
    )
    e = EnvoiConvocation.objects.filter(destinataire__seance=seance).aggregate(
        en_file=Count("pk", filter=Q(statut__in=[StatutEnvoi.EN_ATTENTE, StatutEnvoi.EN_COURS])),
    )
    compteurs = Compteurs(
        destinataires=d["destinataires"],
        membres=d["membres"],
        envoyes=d["envoyes"],
        lus=d["lus"],
        repondus=d["repondus"],
        non_distribues=d["non_distribues"],
        papier=d["papier"],
        en_file=e["en_file"],
        incertains=d["incertains"],
        echecs=d["echecs"],
    )
    quorum = Quorum(
        en_exercice=d["membres"],
        presents=d["presents"],
        pouvoirs=d["pouvoirs"],
        requis=d["membres"] // 2 + 1,
    )
    return compteurs, quorum


def suivi_lignes(*, seance: Seance, filtre: str = "") -> QuerySet[Destinataire]:
    """Les destinataires, annotés du sort de leur dernier courriel et de leur mandataire."""
    dernier = EnvoiConvocation.objects.filter(destinataire=OuterRef("pk")).order_by("-pk")
    mandataire = Pouvoir.objects.filter(
        mandant=OuterRef("pk"), revoque_le__isnull=True
    ).select_related("mandataire")
    lignes = Destinataire.objects.filter(seance=seance).annotate(
        dernier_statut=Subquery(dernier.values("statut")[:1]),
        dernier_reponse=Subquery(dernier.values("reponse_smtp")[:1]),
        dernier_motif=Subquery(dernier.values("motif")[:1]),
        mandataire_nom=Subquery(mandataire.values("mandataire__nom")[:1]),
    )
    if filtre in FILTRES:
        lignes = lignes.filter(FILTRES[filtre][1])
    return lignes


def incertains_lister(*, seance: Seance, limite: int = 100) -> list[Destinataire]:
    """Les destinataires dont le dernier courriel est « incertain » (worker arrêté pendant
    l'envoi, réponse du serveur jamais venue) : à montrer à l'agent, jamais renvoyés seuls."""
    return list(suivi_lignes(seance=seance, filtre="incertains").order_by("nom", "pk")[:limite])

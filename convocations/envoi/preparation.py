"""Ce qui tourne dans le worker : la préparation du courriel d'un `EnvoiConvocation` (lien
personnel créé ici, jamais dans le broker) et la tenue des compteurs des destinataires.

Les compteurs (`premier_envoi_le`, `dernier_envoi_le`, `nombre_envois`) et le rebond immédiat
(5xx) sont recalculés depuis les lignes d'envoi, en une requête par lot : le calcul est
idempotent, si bien qu'un worker tué entre l'envoi et la mise à jour ne laisse qu'un retard,
que le balayage (`destinataires_actualiser` sans identifiants) rattrape.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import F, Q
from django.utils import timezone

from convocations.envoi.message import (
    OBJET_DEFAUT,
    OBJET_NOTIFICATION,
    TEXTE_DEFAUT,
    TEXTE_NOTIFICATION,
    courriel_rendre,
    ics_rendre,
    variables_seance,
)
from convocations.seances.etat import seance_etat_recalculer
from convocations.seances.models import (
    Destinataire,
    EnvoiConvocation,
    MotifEnvoi,
    PointOrdreDuJour,
    Seance,
)
from core.comptes.models import Utilisateur
from core.liens.models import LienSecurise
from core.liens.services import lien_creer, lien_url_absolue, liens_creer_en_lot
from core.mail.lots import BilanLot, EnvoiSansObjet, MessagePrepare
from core.mail.models import StatutEnvoi, StatutMessage

OBJECTIF_LIEN = "convocation"


def duree_lien(seance: Seance) -> timedelta:
    """Le lien vit jusqu'à quelques semaines après la séance (ou après aujourd'hui, pour une
    notification du procès-verbal envoyée longtemps après)."""
    semaines = int(getattr(settings, "ECHARPE_CONVOCATIONS_LIEN_SEMAINES", 8))
    maintenant = timezone.now()
    return max(seance.date, maintenant) + timedelta(weeks=semaines) - maintenant


class Preparateur:
    """Préparation des courriels d'un morceau d'`EnvoiConvocation` : destinataires, agents,
    séances et ordres du jour lus une fois pour tout le morceau, pas à chaque message.
    `creer_liens` (appelée par `core.mail.lots` après la prise du morceau) crée les liens
    personnels des lignes réservées, chacun remplaçant le précédent du destinataire (le dernier
    émis gagne) ; `__call__` rend le courriel d'une ligne (et crée son lien s'il manque)."""

    def __init__(self, ids: Iterable[int]) -> None:
        couples = list(
            EnvoiConvocation.objects.filter(pk__in=list(ids)).values_list(
                "destinataire_id", "par_id"
            )
        )
        destinataire_ids = {destinataire_id for destinataire_id, _ in couples}
        # Les agents qui envoient (`envoi.par`) : lus une fois, pas une fois par message.
        self.agents = {
            agent.pk: agent
            for agent in Utilisateur.objects.filter(
                pk__in={par_id for _, par_id in couples if par_id is not None}
            )
        }
        self.destinataires = {
            d.pk: d
            for d in Destinataire.objects.select_related(
                "seance__collectivite", "seance__cree_par"
            ).filter(pk__in=destinataire_ids)
        }
        self.points: dict[int, list[PointOrdreDuJour]] = {}
        seance_ids = {d.seance_id for d in self.destinataires.values()}
        for point in PointOrdreDuJour.objects.filter(seance_id__in=seance_ids).order_by(
            "numero", "pk"
        ):
            self.points.setdefault(point.seance_id, []).append(point)
        self.liens: dict[int, tuple[LienSecurise, str]] = {}
        # Variables communes d'une séance (date, lieu, ordre du jour…) : une fois par séance.
        self.variables: dict[int, dict[str, str]] = {}

    def creer_liens(self, envois: list[EnvoiConvocation]) -> None:
        """Les liens personnels des lignes réservées du morceau, en une fois par séance et par
        agent (`liens_creer_en_lot` : une révocation, une insertion, une entrée de journal).
        Appelée par `core.mail.lots` après la prise : jamais de lien pour une ligne qu'un autre
        worker envoie. Une ligne sans lien ici (destinataire retiré, séance classée) est
        traitée par `__call__`."""
        groupes: dict[tuple[int, int | None], list[Destinataire]] = {}
        for envoi in envois:
            destinataire = self.destinataires.get(envoi.destinataire_id)
            if destinataire is None or destinataire.seance.classee:
                continue
            cle = (destinataire.seance_id, envoi.par_id)
            groupes.setdefault(cle, []).append(destinataire)
        for cle, destinataires in groupes.items():
            seance = destinataires[0].seance
            self.liens.update(
                liens_creer_en_lot(
                    collectivite=seance.collectivite,
                    objectif=OBJECTIF_LIEN,
                    cibles=destinataires,
                    duree=duree_lien(seance),
                    usage_unique=False,
                    par=self._agent(cle[1]),
                    sujet=seance,
                )
            )

    def _agent(self, par_id: int | None) -> Utilisateur | None:
        if par_id is None:
            return None
        return self.agents.get(par_id) or Utilisateur.objects.filter(pk=par_id).first()

    def __call__(self, envoi: EnvoiConvocation) -> MessagePrepare:
        agent = self._agent(envoi.par_id)
        destinataire = self.destinataires.get(envoi.destinataire_id)
        if destinataire is None:
            raise EnvoiSansObjet("Ce destinataire a été retiré de la séance : rien n'est envoyé.")
        seance = destinataire.seance
        if seance.classee:
            raise EnvoiSansObjet("La séance a été classée entre-temps : rien n'est envoyé.")
        cree = self.liens.pop(destinataire.pk, None)
        if cree is None:
            cree = lien_creer(
                collectivite=seance.collectivite,
                objectif=OBJECTIF_LIEN,
                cible=destinataire,
                duree=duree_lien(seance),
                usage_unique=False,
                par=agent,
            )
        _lien, jeton = cree
        adresse = lien_url_absolue(jeton)
        communes = self.variables.get(seance.pk)
        if communes is None:
            communes = self.variables[seance.pk] = variables_seance(
                seance=seance, points=self.points.get(seance.pk, [])
            )
        valeurs = {**communes, "nom": destinataire.nom or destinataire.email, "lien": adresse}
        if envoi.motif == MotifEnvoi.NOTIFICATION:
            courriel = courriel_rendre(
                objet="",
                corps="",
                valeurs=valeurs,
                defaut_objet=OBJET_NOTIFICATION,
                defaut_corps=TEXTE_NOTIFICATION,
            )
            pieces: list[tuple[str, bytes, str]] = []
        else:
            courriel = courriel_rendre(
                objet=seance.objet_message,
                corps=seance.corps_message,
                valeurs=valeurs,
                defaut_objet=OBJET_DEFAUT,
                defaut_corps=TEXTE_DEFAUT,
            )
            ics = ics_rendre(seance=seance, lien=adresse, sequence=destinataire.nombre_envois)
            pieces = [("seance.ics", ics, "text/calendar")]
        return MessagePrepare(
            collectivite=seance.collectivite,
            expediteur=agent or seance.cree_par,
            destinataires=[destinataire.email],
            sujet=courriel.sujet,
            texte=courriel.texte,
            pieces_jointes=pieces,
        )


def convocation_preparer(envoi: EnvoiConvocation) -> MessagePrepare:
    """Le courriel d'une seule ligne (voir `Preparateur`)."""
    return Preparateur([envoi.pk])(envoi)


def _neutre(envoi: dict[str, Any]) -> bool:
    """Échec sans réponse d'un serveur (préparation sans objet, aucun compte) : l'envoi ne dit
    ni remis ni rebondi."""
    code = envoi["code_smtp"]
    return envoi["statut"] == StatutEnvoi.ECHEC and not (code is not None and 500 <= code < 600)


def _rebond(envoi: dict[str, Any]) -> tuple[datetime | None, str]:
    """(quand, motif) si cet envoi a rebondi (5xx, ou avis de non-remise) ; (None, "") s'il
    est arrivé."""
    if envoi["statut"] == StatutEnvoi.ECHEC:
        return envoi["modifie_le"], envoi["reponse_smtp"]
    if envoi["message__statut"] == StatutMessage.REBONDI:
        quand = envoi["message__rebond_le"] or envoi["modifie_le"]
        return quand, envoi["message__rebond_diagnostic"]
    return None, ""


def destinataires_actualiser(*, destinataire_ids: Iterable[int]) -> set[int]:
    """Recalcule, depuis leurs lignes d'envoi, les compteurs des destinataires et leur rebond :
    celui du dernier envoi terminé (5xx au moment de l'envoi, ou avis de non-remise relevé
    dans la boîte du compte par `core.mail.boite`) ; un envoi arrivé depuis l'efface. Rend les
    séances touchées. Trois requêtes, quel que soit le nombre de destinataires."""
    ids = sorted({int(pk) for pk in destinataire_ids})
    if not ids:
        return set()
    termines = EnvoiConvocation.objects.filter(
        destinataire_id__in=ids, statut__in=[StatutEnvoi.ENVOYE, StatutEnvoi.ECHEC]
    ).order_by("pk")
    par_destinataire: dict[int, list[dict[str, Any]]] = {}
    for envoi in termines.values(
        "destinataire_id",
        "statut",
        "code_smtp",
        "reponse_smtp",
        "envoye_le",
        "modifie_le",
        "message__statut",
        "message__rebond_le",
        "message__rebond_diagnostic",
    ):
        par_destinataire.setdefault(envoi["destinataire_id"], []).append(dict(envoi))
    a_ecrire = []
    seances: set[int] = set()
    champs = ["nombre_envois", "premier_envoi_le", "dernier_envoi_le", "rebondi_le", "rebond_motif"]
    for destinataire in Destinataire.objects.filter(pk__in=ids).only("seance_id", *champs):
        envois = par_destinataire.get(destinataire.pk, [])
        partis = [e["envoye_le"] for e in envois if e["statut"] == StatutEnvoi.ENVOYE]
        avant = [getattr(destinataire, champ) for champ in champs]
        destinataire.nombre_envois = len(partis)
        destinataire.premier_envoi_le = min(partis) if partis else None
        destinataire.dernier_envoi_le = max(partis) if partis else None
        decisifs = [envoi for envoi in envois if not _neutre(envoi)]
        if decisifs:
            destinataire.rebondi_le, destinataire.rebond_motif = _rebond(decisifs[-1])
        if [getattr(destinataire, champ) for champ in champs] != avant:
            a_ecrire.append(destinataire)
            seances.add(destinataire.seance_id)
    _ecrire_compteurs(a_ecrire)
    return seances


def _ecrire_compteurs(destinataires: list[Destinataire]) -> None:
    """Les compteurs recalculés, en un `UPDATE … FROM (VALUES …)` par tranche de 500 :
    `bulk_update` construit un `CASE WHEN` par ligne et par champ, dont la compilation coûtait
    plusieurs millisecondes par destinataire dans le worker."""
    if connection.vendor != "postgresql":
        # La démonstration (SQLite) : peu de destinataires, la forme générique suffit.
        Destinataire.objects.bulk_update(
            destinataires,
            ["nombre_envois", "premier_envoi_le", "dernier_envoi_le", "rebondi_le", "rebond_motif"],
        )
        return
    table = connection.ops.quote_name(Destinataire._meta.db_table)
    for debut in range(0, len(destinataires), 500):
        tranche = destinataires[debut : debut + 500]
        valeurs = ", ".join(
            ["(%s::bigint, %s::integer, %s::timestamptz, %s::timestamptz, %s::timestamptz, %s)"]
            * len(tranche)
        )
        parametres: list[Any] = []
        for d in tranche:
            parametres += [
                d.pk,
                d.nombre_envois,
                d.premier_envoi_le,
                d.dernier_envoi_le,
                d.rebondi_le,
                d.rebond_motif,
            ]
        with connection.cursor() as curseur:
            curseur.execute(
                f"UPDATE {table} AS d SET nombre_envois = v.n, premier_envoi_le = v.p, "  # noqa: S608
                "dernier_envoi_le = v.dern, rebondi_le = v.reb, rebond_motif = v.motif "
                f"FROM (VALUES {valeurs}) AS v(id, n, p, dern, reb, motif) WHERE d.id = v.id",
                parametres,
            )


def destinataires_en_retard(*, limite: int = 5000) -> list[int]:
    """Les destinataires dont un envoi ou un rebond n'est pas encore compté (worker tué entre
    l'envoi et la mise à jour, avis de non-remise relevé depuis)."""
    recent = timezone.now() - timedelta(days=1)
    envoi_non_compte = Q(envois__statut=StatutEnvoi.ENVOYE) & (
        Q(dernier_envoi_le__isnull=True) | Q(envois__envoye_le__gt=F("dernier_envoi_le"))
    )
    rebond_non_compte = Q(envois__message__statut=StatutMessage.REBONDI) & (
        Q(rebondi_le__isnull=True) | Q(envois__message__rebond_le__gt=F("rebondi_le"))
    )
    echec_recent = Q(
        envois__statut=StatutEnvoi.ECHEC,
        envois__code_smtp__gte=500,
        envois__modifie_le__gte=recent,
        rebondi_le__isnull=True,
    )
    return list(
        Destinataire.objects.filter(envoi_non_compte | rebond_non_compte | echec_recent)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()[:limite]
    )


def seances_recalculer(seance_ids: Iterable[int]) -> None:
    for seance in Seance.objects.filter(pk__in=set(seance_ids)):
        seance_etat_recalculer(seance=seance)


def apres_lot(bilan: BilanLot) -> None:
    """Après un lot : compteurs et rebonds des destinataires touchés, état des séances."""
    touches = bilan.envoyes + bilan.echecs + bilan.incertains
    if not touches:
        return
    ids = EnvoiConvocation.objects.filter(pk__in=touches).values_list("destinataire_id", flat=True)
    seances_recalculer(destinataires_actualiser(destinataire_ids=set(ids)))

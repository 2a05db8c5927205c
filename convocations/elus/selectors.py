"""Lectures de l'espace élu : ses séances (tous mandats, toutes collectivités), sa notice."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from convocations.elus.models import AccuseNotice, AdresseElu, NoticeRgpd
from convocations.models import Contact, Destinataire, EtatSeance, Mandat, Seance, en_cours_q
from core.comptes.models import Utilisateur
from core.tenancy.models import Collectivite


def est_elu(utilisateur: Utilisateur) -> bool:
    """A (ou a eu) un mandat : son espace élu lui est ouvert."""
    return Mandat.objects.filter(utilisateur_id=utilisateur.pk).exists()


def collectivite_principale(utilisateur: Utilisateur) -> Collectivite | None:
    """La collectivité de son mandat le plus récent : celle qui écrit ses courriels et liens."""
    mandat = (
        Mandat.objects.filter(utilisateur_id=utilisateur.pk)
        .select_related("collectivite")
        .order_by("-debut", "-pk")
        .first()
    )
    return mandat.collectivite if mandat else None


def collectivites_de(utilisateur: Utilisateur) -> list[Collectivite]:
    """Les collectivités où la personne a un mandat ou une convocation envoyée."""
    ids = set(
        Mandat.objects.filter(utilisateur_id=utilisateur.pk).values_list(
            "collectivite_id", flat=True
        )
    )
    ids |= set(
        Destinataire.objects.filter(utilisateur_id=utilisateur.pk)
        .exclude(seance__etat=EtatSeance.BROUILLON)
        .values_list("collectivite_id", flat=True)
    )
    return list(Collectivite.objects.filter(pk__in=ids).order_by("nom"))


def elus_jamais_actives(collectivite: Collectivite) -> QuerySet[Utilisateur]:
    """Les élus en fonction ici qui n'ont encore jamais choisi de mot de passe."""
    mandats = Mandat.objects.pour(collectivite).filter(
        en_cours_q(timezone.localdate()), utilisateur=OuterRef("pk")
    )
    return (
        Utilisateur.objects.filter(Exists(mandats), is_active=True, last_login__isnull=True)
        .filter(password__startswith="!")
        .order_by("last_name", "first_name", "pk")
    )


@dataclass(frozen=True)
class LigneAcces:
    utilisateur: Utilisateur
    contact: Contact | None
    etat: str


def acces_des_elus(collectivite: Collectivite) -> list[LigneAcces]:
    """Les élus en fonction ici et l'état de leur accès (deux requêtes)."""
    mandats = Mandat.objects.pour(collectivite).filter(
        en_cours_q(timezone.localdate()), utilisateur=OuterRef("pk")
    )
    utilisateurs = list(
        Utilisateur.objects.filter(Exists(mandats)).order_by("last_name", "first_name", "pk")
    )
    contacts = {
        c.utilisateur_id: c
        for c in Contact.objects.pour(collectivite).filter(utilisateur__in=utilisateurs)
    }
    lignes = []
    for u in utilisateurs:
        if not u.is_active:
            etat = "Compte désactivé"
        elif u.has_usable_password():
            etat = "Accès activé"
        elif u.date_naissance is None:
            etat = "Date de naissance à enregistrer"
        else:
            etat = "Pas encore activé"
        lignes.append(LigneAcces(u, contacts.get(u.pk), etat))
    return lignes


# --- Portail --------------------------------------------------------------------------------


def seances_de_l_elu(utilisateur: Utilisateur) -> tuple[list[Destinataire], list[Destinataire]]:
    """Ses convocations envoyées (jamais les brouillons), toutes collectivités : à venir (la
    plus proche d'abord), puis passées (la plus récente d'abord). Une requête."""
    lignes = list(
        Destinataire.objects.filter(utilisateur_id=utilisateur.pk)
        .exclude(seance__etat=EtatSeance.BROUILLON)
        .select_related("seance", "collectivite")
        .order_by("seance__date", "pk")
    )
    maintenant: datetime = timezone.now()
    a_venir = [d for d in lignes if d.seance.date >= maintenant]
    passees = [d for d in lignes if d.seance.date < maintenant]
    passees.reverse()
    return a_venir, passees


def destinataire_de_l_elu(utilisateur: Utilisateur, pk: int) -> Destinataire | None:
    """Sa convocation `pk`, envoyée ; None pour celle d'un autre (la vue répond 404)."""
    return (
        Destinataire.objects.filter(pk=pk, utilisateur_id=utilisateur.pk)
        .exclude(seance__etat=EtatSeance.BROUILLON)
        .select_related("seance", "collectivite")
        .first()
    )


def comptes_collectivite_de_seance(seance: Seance) -> list[Contact]:
    """Les comptes de la collectivité qui peuvent recevoir une note : d'abord ceux convoqués à
    la séance (i-delibRE), sinon ceux du carnet."""
    convoques = list(
        Contact.objects.filter(compte_collectivite=True, convocations__seance=seance).order_by("pk")
    )
    if convoques:
        return convoques
    return list(
        Contact.objects.pour(seance.collectivite_id).filter(compte_collectivite=True).order_by("pk")
    )


def adresse_en_vigueur(utilisateur: Utilisateur) -> AdresseElu | None:
    """L'adresse personnelle confirmée (celle où partent ses convocations), s'il en a une."""
    return (
        AdresseElu.objects.filter(
            utilisateur_id=utilisateur.pk, confirmee_le__isnull=False, remplacee_le__isnull=True
        )
        .order_by("-confirmee_le")
        .first()
    )


def adresses_convocation(utilisateur_ids: Iterable[int]) -> dict[int, str]:
    """Les adresses personnelles confirmées de ces élus (id → adresse), en une requête : la
    préparation d'une séance convoque chacun là où il l'a demandé."""
    adresses: dict[int, str] = {}
    for utilisateur_id, email in (
        AdresseElu.objects.filter(
            utilisateur_id__in=list(utilisateur_ids),
            confirmee_le__isnull=False,
            remplacee_le__isnull=True,
        )
        .order_by("utilisateur_id", "confirmee_le")
        .values_list("utilisateur_id", "email")
    ):
        adresses[utilisateur_id] = email  # la plus récente l'emporte
    return adresses


def adresse_convocation(utilisateur: Utilisateur, defaut: str) -> str:
    """L'adresse où convoquer cet élu : sa personnelle confirmée, sinon `defaut` (à appeler en
    créant les destinataires d'une séance)."""
    adresse = adresse_en_vigueur(utilisateur)
    return adresse.email if adresse else defaut


# --- Notice RGPD ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    collectivite: Collectivite
    texte: str
    adresse_dpd: str
    personnalisee: bool

    @property
    def texte_complet(self) -> str:
        return f"{self.texte}\n\n{self.adresse_dpd}"


def texte_par_defaut(collectivite: Collectivite) -> str:
    """Le modèle de mention du seed i-delibRE, au nom de la collectivité."""
    return render_to_string(
        "convocations/elus/notice_defaut.txt", {"collectivite": collectivite}
    ).strip()


def notice_de(collectivite: Collectivite) -> Notice:
    notice = NoticeRgpd.objects.pour(collectivite).first()
    if notice is None:
        return Notice(
            collectivite,
            texte_par_defaut(collectivite),
            "Adresse du délégué à la protection des données : à demander à votre mairie.",
            False,
        )
    return Notice(collectivite, notice.texte, notice.adresse_dpd, True)


def notices_a_lire(utilisateur: Utilisateur) -> list[Notice]:
    """Les notices de ses collectivités dont il n'a pas encore pris connaissance."""
    lues = set(
        AccuseNotice.objects.filter(utilisateur_id=utilisateur.pk).values_list(
            "collectivite_id", flat=True
        )
    )
    return [notice_de(c) for c in collectivites_de(utilisateur) if c.pk not in lues]


def accuses_de(utilisateur: Utilisateur) -> list[AccuseNotice]:
    return list(
        AccuseNotice.objects.filter(utilisateur_id=utilisateur.pk)
        .select_related("collectivite")
        .order_by("collectivite__nom")
    )

"""Lectures du carnet d'adresses : toujours par `pour(collectivite)`, requêtes en nombre fixe."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from convocations.models import Contact, Groupe, ImportContacts, Mandat, TypeGroupe, en_cours_q
from core.tenancy.models import Collectivite


def aujourd_hui() -> Any:
    return timezone.localdate()


def _mandats_en_cours(collectivite: Collectivite | int) -> QuerySet[Mandat]:
    return Mandat.objects.pour(collectivite).filter(en_cours_q(aujourd_hui()))


def contacts_du_carnet(
    collectivite: Collectivite, *, groupe: Groupe | None = None
) -> QuerySet[Contact]:
    """Les contacts, leurs groupes manuels et les mandats en cours de leur personne chargés
    (trois requêtes quel que soit leur nombre) ; `groupe` filtre sur un groupe, manuel ou
    automatique."""
    contacts = (
        Contact.objects.pour(collectivite)
        .select_related("utilisateur")
        .prefetch_related(
            Prefetch("groupes", queryset=Groupe.objects.order_by("nom")),
            Prefetch(
                "utilisateur__mandats",
                queryset=_mandats_en_cours(collectivite),
                to_attr="mandats_en_cours",
            ),
        )
    )
    if groupe is not None:
        contacts = contacts.filter(membres_q(groupe))
    return contacts


def membres_q(groupe: Groupe) -> Q:
    """Condition « le contact est membre du groupe » : par la liste pour un groupe manuel,
    par un mandat en cours dans l'assemblée pour un groupe automatique."""
    if groupe.type == TypeGroupe.MANUEL:
        return Q(groupes=groupe)
    mandats = _mandats_en_cours(groupe.collectivite_id).filter(
        utilisateur=OuterRef("utilisateur"),
        assemblee=groupe.assemblee,
        commission__iexact=groupe.commission,
    )
    return Q(Exists(mandats))


def noms_des_groupes(contact: Contact) -> list[str]:
    """Les groupes du contact, manuels puis automatiques (d'après `contacts_du_carnet`)."""
    noms = [g.nom for g in contact.groupes.all()]
    mandats: Iterable[Mandat] = (
        getattr(contact.utilisateur, "mandats_en_cours", ()) if contact.utilisateur else ()
    )
    for mandat in mandats:
        if mandat.nom_assemblee not in noms:
            noms.append(mandat.nom_assemblee)
    return noms


def groupes_du_carnet(collectivite: Collectivite) -> QuerySet[Groupe]:
    return Groupe.objects.pour(collectivite).order_by("nom", "pk")


def groupes_avec_effectifs(collectivite: Collectivite) -> list[tuple[Groupe, int]]:
    """Chaque groupe et son nombre de membres aujourd'hui (deux requêtes)."""
    groupes = list(groupes_du_carnet(collectivite).annotate(manuels=Count("contacts")))
    automatiques: dict[tuple[str, str], set[int]] = {}
    for assemblee, commission, utilisateur_id in _mandats_en_cours(collectivite).values_list(
        "assemblee", "commission", "utilisateur_id"
    ):
        automatiques.setdefault((assemblee, commission.casefold()), set()).add(utilisateur_id)
    avec_contact = set(
        Contact.objects.pour(collectivite)
        .filter(utilisateur__isnull=False)
        .values_list("utilisateur_id", flat=True)
    )
    resultat: list[tuple[Groupe, int]] = []
    for groupe in groupes:
        if groupe.automatique:
            elus = automatiques.get((groupe.assemblee, groupe.commission.casefold()), set())
            resultat.append((groupe, len(elus & avec_contact)))
        else:
            resultat.append((groupe, groupe.manuels))  # type: ignore[attr-defined]
    return resultat


def mandats_de_la_collectivite(collectivite: Collectivite) -> QuerySet[Mandat]:
    return Mandat.objects.pour(collectivite).select_related("utilisateur")


def contacts_compter(collectivite: Collectivite, utilisateur: Any) -> int:
    """Compteur de l'Accueil."""
    return Contact.objects.pour(collectivite).count()


def import_en_attente(*, collectivite: Collectivite, par: Any, pk: int) -> ImportContacts | None:
    """L'aperçu d'import déposé par cet agent : celui d'un collègue reste invisible (404), car
    confirmer, c'est endosser le fichier qu'un autre a choisi."""
    return ImportContacts.objects.pour(collectivite).filter(pk=pk, par=par).first()

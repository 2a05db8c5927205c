"""Matrice rôle × vue : chaque URL du back-office, chaque profil, le statut attendu.

Le tableau des rôles de `core.comptes.permissions` en est la source. Un test vérifie aussi que toute
URL nommée du projet figure ici (ou dans la liste des exceptions justifiées) : une vue
ajoutée sans sa ligne dans la matrice fait échouer la suite.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from core.models import CompteSMTP, Invitation, Role, Travail, TypeRole
from tests.conftest import PROFILS, Monde

A = TypeRole.ADMINISTRATEUR
E = TypeRole.AGENT_ELECTIONS
S = TypeRole.SECRETARIAT
L = TypeRole.LECTURE


def attendus(autorises: set[str], *, ok: int = 200, autre: int | None = None) -> dict[str, int]:
    """Statut par profil : `ok` pour les rôles autorisés, 403 pour les autres agents et les
    personnes sans rôle, redirection vers la connexion pour l'anonyme. `autre` : statut pour
    l'administrateur d'une autre collectivité (404 pour un objet qui n'est pas à lui)."""
    resultat = {"anonyme": 302, "sans_role": 403, "elu": 403}
    for role in (A, E, S, L):
        resultat[role] = ok if role in autorises else 403
    resultat["autre_collectivite"] = autre if autre is not None else ok if A in autorises else 403
    return resultat


def _role_agent(monde: Monde) -> dict[str, Any]:
    return {"pk": Role.objects.get(utilisateur=monde.personnes[E]).pk}


def _compte_agent(monde: Monde) -> dict[str, Any]:
    compte, _ = CompteSMTP.objects.get_or_create(
        collectivite=monde.collectivite,
        utilisateur=monde.personnes[E],
        defaults={"adresse_expediteur": "e@exemple.test", "hote": "127.0.0.1", "port": 1},
    )
    return {"pk": compte.pk}


def _travail_export(monde: Monde) -> dict[str, Any]:
    travail = Travail.objects.create(
        collectivite=monde.collectivite,
        type="journal_export",
        libelle="Export du journal",
        statut="echec",
        demandeur=monde.personnes[A],
        erreur="Erreur de test",
    )
    return {"pk": travail.pk}


def _travail_termine(monde: Monde) -> dict[str, Any]:
    from django.core.files.base import ContentFile

    travail = Travail.objects.create(
        collectivite=monde.collectivite,
        type="journal_export",
        libelle="Export du journal",
        statut="termine",
        demandeur=monde.personnes[A],
        fichier_nom="journal.csv",
    )
    travail.fichier.save("journal.csv", ContentFile(b"N\r\n"))
    return {"pk": travail.pk}


def _role_lecture(monde: Monde) -> dict[str, Any]:
    return {"pk": Role.objects.get(utilisateur=monde.personnes[L]).pk}


def _invitation(monde: Monde) -> dict[str, Any]:
    invitation = Invitation.objects.create(
        collectivite=monde.collectivite,
        email="invite@exemple.test",
        role=L,
        expire_le=timezone.now() + timedelta(days=14),
    )
    return {"pk": invitation.pk}


@dataclass(frozen=True)
class Cas:
    nom: str
    attendu: dict[str, int]
    kwargs: Callable[[Monde], dict[str, Any]] | None = None
    methode: str = "get"
    donnees: dict[str, Any] = field(default_factory=dict)


TOUS_AGENTS = {A, E, S, L}
AVEC_SMTP = {A, E, S}

CAS: list[Cas] = [
    # Sans rôle, l'Accueil explique pourquoi et propose la déconnexion (pas d'impasse 403).
    Cas("pages:accueil", {**attendus(TOUS_AGENTS), "sans_role": 200, "elu": 200}),
    Cas("pages:parametres", attendus(AVEC_SMTP)),
    Cas("comptes:agents", attendus({A})),
    Cas("comptes:agent_ajouter", attendus({A})),
    Cas("comptes:agent_modifier", attendus({A}, autre=404), kwargs=_role_agent),
    Cas("tenancy:collectivite", attendus({A})),
    # Sans logo enregistré, la vue répond 404 à qui a le droit de la voir.
    Cas("tenancy:logo", attendus(TOUS_AGENTS, ok=404)),
    Cas("mail:mon_compte", attendus(AVEC_SMTP)),
    Cas("mail:comptes", attendus({A})),
    Cas("mail:compte_defaut", attendus({A})),
    Cas("mail:compte_modifier", attendus({A}, autre=404), kwargs=_compte_agent),
    Cas("delais:liste", attendus({A})),
    Cas("journal:liste", attendus({A, E, S})),
    Cas("travaux:detail", attendus({A}, autre=404), kwargs=_travail_export),
    Cas("travaux:etat", attendus({A}, autre=404), kwargs=_travail_export),
    Cas("travaux:telecharger", attendus({A}, autre=404), kwargs=_travail_termine),
    # Actions (POST) : la réponse normale est une redirection avec un message.
    Cas(
        "pages:collectivite_choisir",
        {**attendus(TOUS_AGENTS, ok=302), "sans_role": 302, "elu": 302},
        methode="post",
    ),
    Cas(
        "mail:tester",
        # Un agent teste son propre compte ; l'administrateur tous ceux de la collectivité.
        {**attendus({A, E, S}, ok=302, autre=404), S: 403},
        kwargs=_compte_agent,
        methode="post",
        donnees={"test-destinataire": "essai@exemple.test"},
    ),
    Cas(
        "delais:surcharger",
        attendus({A}, ok=302),
        kwargs=lambda monde: {"code": "convocation_commission"},
        methode="post",
        donnees={"valeur": "4", "valide_du": "31/12/2099"},
    ),
    Cas("journal:exporter", attendus({A}, ok=302), methode="post"),
    Cas(
        "travaux:relancer",
        attendus({A}, ok=302, autre=404),
        kwargs=_travail_export,
        methode="post",
    ),
    Cas(
        "comptes:agent_activation",
        attendus({A}, ok=302, autre=404),
        kwargs=_role_lecture,
        methode="post",
    ),
    Cas(
        "comptes:invitation_renvoyer",
        attendus({A}, ok=302, autre=404),
        kwargs=_invitation,
        methode="post",
    ),
    Cas(
        "comptes:invitation_annuler",
        attendus({A}, ok=302, autre=404),
        kwargs=_invitation,
        methode="post",
    ),
]

# URL hors matrice, et pourquoi.
EXCEPTIONS = {
    # Authentification : publiques par nature, testées dans test_auth.py.
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    # Liens sécurisés : l'accès se fait par jeton, testé dans test_views_liens.py.
    "liens:ouvrir",
    "liens:accueil",
    "liens:activation",
    # Page du lien d'invitation : l'accès se fait par jeton, testé dans
    # comptes/test_invitations.py et comptes/test_securite.py.
    "comptes:invitation",
    # Boîte d'envoi de démonstration : 404 hors démo, test_outbox.py.
    "mail:outbox",
    "mail:outbox_message",
}


@pytest.mark.django_db
@pytest.mark.parametrize("profil", PROFILS)
@pytest.mark.parametrize("cas", CAS, ids=[c.nom for c in CAS])
def test_matrice_role_vue(monde: Monde, cas: Cas, profil: str) -> None:
    kwargs = cas.kwargs(monde) if cas.kwargs else {}
    url = reverse(cas.nom, kwargs=kwargs)
    reponse = getattr(monde.client(profil), cas.methode)(url, cas.donnees)
    assert reponse.status_code == cas.attendu[profil], (
        f"{cas.nom} en {profil} : {reponse.status_code}, attendu {cas.attendu[profil]}"
    )
    if profil == "anonyme":
        assert reponse["Location"].startswith(reverse("login"))


def _noms(resolver: URLResolver, prefixe: str = "") -> set[str]:
    """Noms complets (`comptes:agents`), espace de noms compris."""
    noms: set[str] = set()
    for motif in resolver.url_patterns:
        if isinstance(motif, URLResolver):
            if motif.app_name == "admin":
                continue
            noms |= _noms(motif, f"{prefixe}{motif.namespace}:" if motif.namespace else prefixe)
        elif isinstance(motif, URLPattern) and motif.name:
            noms.add(prefixe + motif.name)
    return noms


def test_toute_url_nommee_est_dans_la_matrice() -> None:
    couvertes = {c.nom for c in CAS} | EXCEPTIONS
    manquantes = _noms(get_resolver()) - couvertes
    assert not manquantes, f"URL absentes de la matrice d'accès : {sorted(manquantes)}"

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse

from core.registry import EntreeNavigation, EspacePersonnel, registre
from core.tenancy.acces import acces
from core.tenancy.mixins import peut


def contexte_demo() -> dict[str, Any]:
    """Bandeau de démonstration : sur toutes les pages, pages d'erreur sans requête comprises
    (500, 503), pour que personne ne prenne la démo pour un vrai service."""
    if not getattr(settings, "ECHARPE_DEMO_AUTORISEE", False):
        return {"demo": False}
    # La boîte d'envoi n'existe que si la démo écrit ses courriels (ECHARPE_BOITE_DEMO).
    boite = reverse("mail:outbox") if getattr(settings, "ECHARPE_BOITE_DEMO", None) else ""
    return {"demo": True, "demo_outbox_url": boite}


@dataclass(frozen=True)
class LienNavigation:
    """Une entrée de la navigation avec son adresse, calculée une fois par page (elle servait
    deux fois : entrée courante, puis `{% url %}` dans `base.html`)."""

    libelle: str
    url_name: str
    url: str
    prefixe: str


@lru_cache(maxsize=1024)
def _adresse(url_name: str, prefixe: str, urlconf: str) -> str:
    """L'adresse d'une entrée de la navigation : sans argument, elle ne dépend que de la
    configuration des adresses et du préfixe du site, pas de la requête."""
    return reverse(url_name, urlconf=urlconf)


def _liens(navigation: list[EntreeNavigation]) -> list[LienNavigation]:
    prefixe, urlconf = get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF
    return [
        LienNavigation(e.libelle, e.url_name, _adresse(e.url_name, prefixe, urlconf), e.prefixe)
        for e in navigation
    ]


def _entree_courante(chemin: str, navigation: list[LienNavigation]) -> str:
    """L'entrée de la page : celle dont l'adresse est la page, sinon celle du plus long préfixe
    qui commence le chemin (« /electeurs/reu/3/ » va à « /electeurs/reu/ », pas à
    « /electeurs/ ») ; une seule entrée porte `aria-current`."""
    exacte = ""
    meilleure, longueur = "", 0
    for entree in navigation:
        if entree.url == chemin:
            exacte = entree.url_name
        prefixe = entree.prefixe
        if prefixe and prefixe != "/" and chemin.startswith(prefixe) and len(prefixe) > longueur:
            meilleure, longueur = entree.url_name, len(prefixe)
    return exacte or meilleure


# Les espaces personnels de la personne, calculés une fois par session (une requête de moins
# sur chaque page d'agent) : un mandat ajouté en cours de session apparaît à la connexion
# suivante.
CLE_ESPACES = "espaces_personnels"


def retenir_espaces(request: HttpRequest, utilisateur: Any) -> list[str]:
    codes = [e.code for e in registre.espaces_de(utilisateur)]
    request.session[CLE_ESPACES] = codes
    return codes


def espaces_personnels(request: HttpRequest) -> list[EspacePersonnel]:
    # Retenus à la connexion (core/pages/signals.py) ; une session plus ancienne les calcule ici.
    codes = request.session.get(CLE_ESPACES)
    if not isinstance(codes, list):
        codes = retenir_espaces(request, request.user)
    return [registre.espaces_personnels[c] for c in codes if c in registre.espaces_personnels]


def echarpe(request: HttpRequest) -> dict[str, Any]:
    contexte = contexte_demo()
    # Sous le formulaire de connexion : les liens des applications (« Élu : lien perdu ? »).
    contexte["liens_connexion"] = registre.liens_connexion
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return contexte
    if not hasattr(request, "session"):
        return contexte
    acces_courant = acces(request)
    navigation = _liens([e for e in registre.navigation if peut(request, e.capacite, e.action)])
    return {
        "navigation_courante": _entree_courante(request.path, navigation),
        **contexte,
        "collectivite_courante": acces_courant.collectivite,
        "roles_actifs": acces_courant.roles,
        "role_courant": acces_courant.role,
        "navigation": navigation,
        # Calculé seulement si le gabarit s'en sert (menu du compte) : passer d'un espace à
        # l'autre pour qui est à la fois agent et élu.
        "espaces_personnels": lambda: espaces_personnels(request),
    }

"""Matrice rôle × vue : les cas que chaque application déclare dans ses `matrice.py`.

Voir `tests/matrice.py`. Un test vérifie aussi que toute URL nommée du projet figure dans un
`CAS_MATRICE` ou un `HORS_MATRICE` : une vue ajoutée sans ses cas fait échouer la suite.
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import PROFILS, Monde
from tests.matrice import Cas, cas_declares, hors_matrice

CAS = cas_declares()


@pytest.mark.django_db
@pytest.mark.parametrize("profil", PROFILS)
@pytest.mark.parametrize(
    "cas", CAS, ids=[c.nom if c.methode == "get" else f"{c.nom}-{c.methode}" for c in CAS]
)
def test_matrice_role_vue(monde: Monde, cas: Cas, profil: str) -> None:
    kwargs = cas.kwargs(monde) if cas.kwargs else {}
    url = reverse(cas.nom, kwargs=kwargs)
    reponse = getattr(monde.client(profil), cas.methode)(url, cas.donnees)
    assert reponse.status_code == cas.attendu[profil], (
        f"{cas.nom} en {profil} : {reponse.status_code}, attendu {cas.attendu[profil]}"
    )
    if profil == "anonyme":
        assert reponse["Location"].startswith(reverse("login"))


def _noms(resolver: URLResolver, espace: str = "") -> set[str]:
    """Les noms complets (`espace:nom`) de toutes les URL, hors administration Django."""
    noms: set[str] = set()
    for motif in resolver.url_patterns:
        if isinstance(motif, URLResolver):
            if motif.app_name == "admin":
                continue
            sous_espace = f"{espace}{motif.namespace}:" if motif.namespace else espace
            noms |= _noms(motif, sous_espace)
        elif isinstance(motif, URLPattern) and motif.name:
            noms.add(f"{espace}{motif.name}")
    return noms


def test_toute_url_nommee_est_dans_la_matrice() -> None:
    couvertes = {c.nom for c in CAS} | set(hors_matrice())
    manquantes = _noms(get_resolver()) - couvertes
    assert not manquantes, f"URL absentes de la matrice d'accès : {sorted(manquantes)}"


def test_la_matrice_ne_nomme_que_des_url_existantes() -> None:
    """Une URL renommée ou retirée ne laisse pas derrière elle un cas ou une exception morts."""
    existantes = _noms(get_resolver())
    mortes = ({c.nom for c in CAS} | set(hors_matrice())) - existantes
    assert not mortes, f"La matrice nomme des URL qui n'existent pas : {sorted(mortes)}"


def test_chaque_url_n_a_qu_une_ligne_par_methode() -> None:
    doublons = [cle for cle, n in Counter((c.nom, c.methode) for c in CAS).items() if n > 1]
    assert not doublons, f"URL déclarées deux fois dans la matrice : {doublons}"
    assert not {c.nom for c in CAS} & set(hors_matrice())


def test_chaque_cas_donne_un_statut_a_chaque_profil() -> None:
    incomplets = [c.nom for c in CAS if set(c.attendu) != set(PROFILS)]
    assert not incomplets, f"Cas sans statut pour tous les profils : {incomplets}"

"""Matrice d'accès du fichier électoral : liste et recherche, fiche, contact, INE, bureaux.

Capacité « électeurs » : l'administrateur et l'agent élections lisent et écrivent, la lecture
seule lit (fiche comprise) mais ne modifie ni le contact ni l'INE, le secrétariat ne voit rien ;
l'administrateur d'une autre collectivité reçoit 404 sur l'électeur ou le bureau d'ici.
(`electeurs:liste` sans paramètre est déjà dans tests/electeurs/matrice.py.)
"""

from __future__ import annotations

from typing import Any

from tests.conftest import Monde
from tests.electeurs.factories import BureauDeVoteFactory, ElecteurFactory
from tests.matrice import A, Cas, E, L, attendus


def _electeur(monde: Monde) -> dict[str, Any]:
    return {"pk": ElecteurFactory(collectivite=monde.collectivite).pk}


def _bureau(monde: Monde) -> dict[str, Any]:
    return {"pk": BureauDeVoteFactory(collectivite=monde.collectivite).pk}


_CONTACT = {"courriel": "helene@exemple.fr", "telephone": "0102030405", "adresse_contact": ""}

CAS_MATRICE = [
    Cas("electeurs:liste", attendus({A, E, L}), donnees={"q": "dupre hel", "statut": "inscrit"}),
    Cas("electeurs:fiche", attendus({A, E, L}, autre=404), kwargs=_electeur),
    Cas("electeurs:contact_modifier", attendus({A, E}, autre=404), kwargs=_electeur),
    Cas(
        "electeurs:contact_modifier",
        attendus({A, E}, ok=302, autre=404),
        kwargs=_electeur,
        methode="post",
        donnees=_CONTACT,
    ),
    Cas("electeurs:ine_modifier", attendus({A, E}, autre=404), kwargs=_electeur),
    Cas(
        "electeurs:ine_modifier",
        attendus({A, E}, ok=302, autre=404),
        kwargs=_electeur,
        methode="post",
        donnees={"ine": "123456789"},
    ),
    Cas("electeurs:bureaux", attendus({A, E, L})),
    Cas("electeurs:bureau_creer", attendus({A, E})),
    Cas(
        "electeurs:bureau_creer",
        attendus({A, E}, ok=302),
        methode="post",
        donnees={"code": "0042", "libelle": "Salle des fêtes"},
    ),
    Cas("electeurs:bureau_modifier", attendus({A, E}, autre=404), kwargs=_bureau),
    Cas(
        "electeurs:bureau_modifier",
        attendus({A, E}, ok=302, autre=404),
        kwargs=_bureau,
        methode="post",
        donnees={"code": "0043", "libelle": "École"},
    ),
]

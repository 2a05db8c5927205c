"""Matrice d'accès du carnet d'adresses des convocations (voir `tests/matrice.py`).

Capacité « convocations » : l'administrateur et le secrétariat lisent, écrivent et exportent,
la lecture seule lit, l'agent élections ne voit rien. Un objet d'une autre collectivité : 404.
"""

from __future__ import annotations

from typing import Any

from convocations.models import ImportContacts
from tests.conftest import Monde
from tests.convocations.factories import ContactFactory, GroupeFactory, MandatFactory
from tests.matrice import A, Cas, L, S, attendus


def _contact(monde: Monde) -> dict[str, Any]:
    return {"pk": ContactFactory(collectivite=monde.collectivite).pk}


def _groupe(monde: Monde) -> dict[str, Any]:
    return {"pk": GroupeFactory(collectivite=monde.collectivite).pk}


def _mandat(monde: Monde) -> dict[str, Any]:
    return {"pk": MandatFactory(collectivite=monde.collectivite).pk}


def _import(monde: Monde) -> dict[str, Any]:
    depot = ImportContacts.objects.create(
        collectivite=monde.collectivite,
        par=monde.personnes[S],
        nom_fichier="carnet.csv",
        contenu=b"a@exemple.fr;Alice\n",
        empreinte="-",
        empreinte_apercu="-",
    )
    return {"pk": depot.pk}


CAS_MATRICE = [
    Cas("convocations:contacts", attendus({A, S, L})),
    Cas("convocations:contact", attendus({A, S, L}, autre=404), kwargs=_contact),
    Cas("convocations:contact_creer", attendus({A, S})),
    Cas(
        "convocations:contact_creer",
        attendus({A, S}, ok=302),
        methode="post",
        donnees={"email": "nouveau@exemple.fr", "description": "Nouveau"},
    ),
    Cas("convocations:contact_modifier", attendus({A, S}, autre=404), kwargs=_contact),
    Cas(
        "convocations:contact_modifier",
        attendus({A, S}, ok=302, autre=404),
        kwargs=_contact,
        methode="post",
        donnees={"email": "modifie@exemple.fr", "description": "Modifié"},
    ),
    Cas("convocations:contact_supprimer", attendus({A, S}, autre=404), kwargs=_contact),
    Cas(
        "convocations:contact_supprimer",
        attendus({A, S}, ok=302, autre=404),
        kwargs=_contact,
        methode="post",
    ),
    Cas("convocations:mandat_creer", attendus({A, S}, autre=404), kwargs=_contact),
    Cas(
        "convocations:mandat_creer",
        attendus({A, S}, ok=302, autre=404),
        kwargs=_contact,
        methode="post",
        donnees={"assemblee": "conseil_municipal", "fonction": "conseiller", "debut": "22/03/2026"},
    ),
    Cas("convocations:groupes", attendus({A, S, L})),
    Cas("convocations:groupes", attendus({A, S}, ok=302), methode="post", donnees={"nom": "ENN"}),
    Cas("convocations:groupe_renommer", attendus({A, S}, autre=404), kwargs=_groupe),
    Cas(
        "convocations:groupe_renommer",
        attendus({A, S}, ok=302, autre=404),
        kwargs=_groupe,
        methode="post",
        donnees={"nom": "Renommé"},
    ),
    Cas("convocations:groupe_supprimer", attendus({A, S}, autre=404), kwargs=_groupe),
    Cas(
        "convocations:groupe_supprimer",
        attendus({A, S}, ok=302, autre=404),
        kwargs=_groupe,
        methode="post",
    ),
    Cas("convocations:mandats", attendus({A, S, L})),
    Cas("convocations:mandat_modifier", attendus({A, S}, autre=404), kwargs=_mandat),
    Cas(
        "convocations:mandat_modifier",
        attendus({A, S}, ok=302, autre=404),
        kwargs=_mandat,
        methode="post",
        donnees={"assemblee": "conseil_municipal", "fonction": "adjoint", "debut": "22/03/2026"},
    ),
    Cas("convocations:mandat_terminer", attendus({A, S}, autre=404), kwargs=_mandat),
    Cas(
        "convocations:mandat_terminer",
        attendus({A, S}, ok=302, autre=404),
        kwargs=_mandat,
        methode="post",
        donnees={"fin": "30/04/2026"},
    ),
    Cas("convocations:import", attendus({A, S})),
    # L'aperçu est celui du secrétariat qui a déposé le fichier : l'administrateur, qui peut
    # importer, n'y voit pas celui d'un collègue (404, comme un autre dépôt inconnu).
    Cas(
        "convocations:import_apercu",
        {**attendus({S}, autre=404), A: 404},
        kwargs=_import,
    ),
    Cas("convocations:export", attendus({A, S})),
]

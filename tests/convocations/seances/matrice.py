"""Matrice d'accès des séances (préparation) : voir `tests/matrice.py`.

Capacité « convocations » : l'administrateur et le secrétariat lisent et écrivent, la lecture
seule lit, l'agent élections ne voit rien. Une séance d'une autre collectivité : 404.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from convocations.models import DocumentSeance, NatureDocument, PointOrdreDuJour
from tests.conftest import Monde
from tests.convocations.factories import DestinataireFactory, SeanceFactory
from tests.matrice import A, Cas, L, S, attendus

PDF = b"%PDF-1.4\n%%EOF\n"


def _seance(monde: Monde) -> dict[str, Any]:
    return {"pk": SeanceFactory(collectivite=monde.collectivite).pk}


def _seance_passee(monde: Monde) -> dict[str, Any]:
    seance = SeanceFactory(
        collectivite=monde.collectivite, date=timezone.now() - datetime.timedelta(days=2)
    )
    return {"pk": seance.pk}


def _point(monde: Monde) -> dict[str, Any]:
    seance = SeanceFactory(collectivite=monde.collectivite)
    point = PointOrdreDuJour.objects.create(
        collectivite=monde.collectivite, seance=seance, numero=1, titre="Budget"
    )
    PointOrdreDuJour.objects.create(
        collectivite=monde.collectivite, seance=seance, numero=2, titre="Voirie"
    )
    return {"pk": seance.pk, "point": point.pk}


def _document(monde: Monde) -> dict[str, Any]:
    seance = SeanceFactory(collectivite=monde.collectivite)
    document = DocumentSeance(
        collectivite=monde.collectivite,
        seance=seance,
        nature=NatureDocument.ANNEXE,
        titre="Annexe",
        nom_fichier="annexe.pdf",
        type_contenu="application/pdf",
        taille=len(PDF),
    )
    document.fichier.save("matrice.pdf", ContentFile(PDF))
    return {"pk": seance.pk, "document": document.pk}


def _destinataire(monde: Monde) -> dict[str, Any]:
    destinataire = DestinataireFactory(seance__collectivite=monde.collectivite)
    return {"pk": destinataire.seance_id, "destinataire": destinataire.pk}


SEANCE = {
    "type": "conseil_municipal",
    "titre": "Conseil de printemps",
    "jour": "20/03/2027",
    "heure": "18 h 30",
    "lieu": "Salle du conseil",
}
E = attendus({A, S}, ok=302, autre=404)

CAS_MATRICE = [
    Cas("convocations:seances", attendus({A, S, L})),
    Cas("convocations:seance_creer", attendus({A, S})),
    Cas("convocations:seance_creer", attendus({A, S}, ok=302), methode="post", donnees=SEANCE),
    Cas("convocations:seance", attendus({A, S, L}, autre=404), kwargs=_seance),
    Cas("convocations:seance_modifier", attendus({A, S}, autre=404), kwargs=_seance),
    Cas("convocations:seance_modifier", E, kwargs=_seance, methode="post", donnees=SEANCE),
    Cas("convocations:seance_classer", attendus({A, S}, autre=404), kwargs=_seance_passee),
    Cas("convocations:seance_classer", E, kwargs=_seance_passee, methode="post"),
    Cas("convocations:seance_lettre", E, kwargs=_seance, methode="post"),
    Cas(
        "convocations:seance_point_ajouter",
        E,
        kwargs=_seance,
        methode="post",
        donnees={"titre": "Budget primitif"},
    ),
    Cas("convocations:seance_point_modifier", attendus({A, S}, autre=404), kwargs=_point),
    Cas(
        "convocations:seance_point_modifier",
        E,
        kwargs=_point,
        methode="post",
        donnees={"titre": "Budget supplémentaire"},
    ),
    Cas("convocations:seance_point_supprimer", E, kwargs=_point, methode="post"),
    Cas(
        "convocations:seance_point_deplacer",
        E,
        kwargs=_point,
        methode="post",
        donnees={"sens": "bas"},
    ),
    Cas("convocations:seance_document_ajouter", attendus({A, S}, autre=404), kwargs=_seance),
    Cas("convocations:seance_document", attendus({A, S, L}, autre=404), kwargs=_document),
    Cas("convocations:seance_document_retirer", E, kwargs=_document, methode="post"),
    Cas("convocations:seance_destinataires", attendus({A, S, L}, autre=404), kwargs=_seance),
    Cas(
        "convocations:seance_destinataires",
        E,
        kwargs=_seance,
        methode="post",
        donnees={"adresses": "invite@exemple.fr"},
    ),
    Cas("convocations:seance_destinataire_retirer", E, kwargs=_destinataire, methode="post"),
]

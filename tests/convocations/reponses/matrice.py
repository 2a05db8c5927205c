"""Matrice d'accès des réponses des élus (voir `tests/matrice.py`).

Les pages de l'élu ne dépendent d'aucun rôle d'agent : seul le titulaire du destinataire (ou
le lien de la session) les ouvre ; tout autre compte connecté reçoit 404, l'anonyme est mené à
la connexion. La saisie par un agent demande l'écriture sur les convocations.
"""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from convocations.models import EtatSeance, PieceReponse
from tests.conftest import Monde
from tests.convocations.factories import DestinataireFactory, SeanceFactory
from tests.matrice import A, Cas, S, attendus
from tests.matrice import E as AGENT_ELECTIONS
from tests.matrice import L as LECTURE


def _de_l_elu(monde: Monde) -> dict[str, Any]:
    seance = SeanceFactory(collectivite=monde.collectivite, etat=EtatSeance.ENVOYEE)
    destinataire = DestinataireFactory(
        seance=seance, utilisateur=monde.personnes["elu"], nombre_envois=1, lu_le=timezone.now()
    )
    return {"pk": destinataire.pk}


def _destinataire(monde: Monde) -> dict[str, Any]:
    seance = SeanceFactory(collectivite=monde.collectivite, etat=EtatSeance.ENVOYEE)
    return {"pk": DestinataireFactory(seance=seance, nombre_envois=1).pk}


def _seulement_l_elu(ok: int = 200) -> dict[str, int]:
    statuts = dict.fromkeys((A, S, LECTURE, AGENT_ELECTIONS), 404)
    statuts.update({"anonyme": 302, "sans_role": 404, "elu": ok, "autre_collectivite": 404})
    return statuts


def _piece(monde: Monde) -> dict[str, Any]:
    seance = SeanceFactory(collectivite=monde.collectivite, etat=EtatSeance.ENVOYEE)
    piece = PieceReponse.objects.create(
        collectivite=monde.collectivite,
        destinataire=DestinataireFactory(seance=seance),
        fichier=ContentFile(b"%PDF-1.4\n", name="pouvoir.pdf"),
        nom_fichier="pouvoir signé.pdf",
        type_contenu="application/pdf",
        taille=9,
    )
    return {"pk": piece.pk}


CAS_MATRICE = [
    Cas("convocations:reponse_portail", _seulement_l_elu(), kwargs=_de_l_elu),
    Cas("convocations:reponse_repondre", _seulement_l_elu(), kwargs=_de_l_elu),
    Cas("convocations:reponse_documents_zip", _seulement_l_elu(404), kwargs=_de_l_elu),
    Cas("convocations:reponse_accuser", _seulement_l_elu(302), kwargs=_de_l_elu, methode="post"),
    Cas("convocations:reponse_saisir", attendus({A, S}, autre=404), kwargs=_destinataire),
    Cas("convocations:reponse_piece", attendus({A, S, LECTURE}, autre=404), kwargs=_piece),
]

_ELU = "Côté de l'élu : testé dans tests/convocations/reponses/test_vues_elu.py."
HORS_MATRICE = {
    "convocations:reponse_lien": "Page d'un lien (jeton) : testée dans test_vues_elu.py.",
    "convocations:reponse_nouveau_lien": "Page publique à réponse neutre : test_vues_elu.py.",
    "convocations:reponse_mot_de_passe": _ELU,
    "convocations:reponse_document": _ELU,
    "convocations:reponse_valider": _ELU,
    "convocations:reponse_confirmation": _ELU,
}

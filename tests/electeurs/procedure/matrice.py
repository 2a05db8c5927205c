"""Matrice d'accès de la procédure (voir `tests/matrice.py`).

Capacité « électeurs » : l'administrateur et l'agent élections lisent et écrivent, la lecture
seule lit sans écrire ni exporter, le secrétariat ne voit rien ; un mouvement, une pièce ou une
réunion d'une autre collectivité répond 404.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.files.base import ContentFile

from electeurs.procedure.models import MembreCommission, Piece, ReunionCommission
from tests.conftest import Monde
from tests.electeurs.factories import InscriptionListeFactory, MouvementFactory
from tests.matrice import A, Cas, E, L, attendus

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class PdfRejouable:
    """Fichier téléversé que chaque cas relit depuis le début (les cas partagent `donnees`)."""

    name = "cerfa.pdf"
    content_type = "application/pdf"

    def read(self, *args: Any) -> bytes:
        return PDF


def _mouvement(monde: Monde) -> dict[str, Any]:
    return {"pk": MouvementFactory(electeur__collectivite=monde.collectivite).pk}


def _etape_decider(monde: Monde) -> dict[str, Any]:
    return {**_mouvement(monde), "etape": "decider"}


def _piece(monde: Monde) -> dict[str, Any]:
    mouvement = MouvementFactory(electeur__collectivite=monde.collectivite)
    piece = Piece.objects.create(
        collectivite=monde.collectivite,
        electeur=mouvement.electeur,
        mouvement=mouvement,
        type="demande",
        date=date(2026, 11, 25),
        fichier=ContentFile(PDF, name="matrice.pdf"),
        nom_original="cerfa.pdf",
        type_mime="application/pdf",
        taille=len(PDF),
    )
    return {"pk": piece.pk}


def _electeur_inscrit(monde: Monde) -> dict[str, Any]:
    return {"pk": InscriptionListeFactory(electeur__collectivite=monde.collectivite).electeur.pk}


def _reunion(monde: Monde) -> dict[str, Any]:
    reunion = ReunionCommission.objects.create(
        collectivite=monde.collectivite, date=date(2026, 11, 26), nombre_membres=3
    )
    return {"pk": reunion.pk}


def _saisie(sorte: str) -> Any:
    def kwargs(monde: Monde) -> dict[str, Any]:
        return {**_electeur_inscrit(monde), "sorte": sorte}

    return kwargs


def _membre(monde: Monde) -> dict[str, Any]:
    membre = MembreCommission.objects.create(
        collectivite=monde.collectivite, nom="Anne Membre", qualite="Conseillère municipale"
    )
    return {"pk": membre.pk}


DEMANDE = {
    "nom_naissance": "MARTIN",
    "prenoms": "Claire",
    "sexe": "F",
    "naissance_jour": "3",
    "naissance_mois": "5",
    "naissance_annee": "1990",
    "liste": "LP",
    "recue_le": "26/11/2026",
}
DECISION = {
    "decider-decision": "favorable",
    "decider-decide_le": "26/11/2026",
    "decider-decideur": "Jeanne Maire",
    "decider-delegation": "maire",
}
INTENTION = {
    "liste": "LP",
    "motif": "Logement vendu.",
    "envoyee_le": "26/11/2026",
    "canal": "courrier",
}

CAS_MATRICE = [
    Cas("electeurs:procedure_mouvements", attendus({A, E, L})),
    Cas("electeurs:procedure_demande_nouvelle", attendus({A, E})),
    Cas(
        "electeurs:procedure_demande_nouvelle",
        attendus({A, E}, ok=302),
        methode="post",
        donnees=DEMANDE,
    ),
    Cas("electeurs:procedure_mouvement", attendus({A, E, L}, autre=404), kwargs=_mouvement),
    Cas(
        "electeurs:procedure_etape",
        attendus({A, E}, ok=302, autre=404),
        kwargs=_etape_decider,
        methode="post",
        donnees=DECISION,
    ),
    Cas(
        "electeurs:procedure_piece_ajouter",
        attendus({A, E}, ok=302, autre=404),
        kwargs=_mouvement,
        methode="post",
        donnees={"type": "demande", "date": "26/11/2026", "fichier": PdfRejouable()},
    ),
    Cas("electeurs:procedure_piece", attendus({A, E, L}, autre=404), kwargs=_piece),
    Cas(
        "electeurs:procedure_intention",
        attendus({A, E}, autre=404),
        kwargs=_electeur_inscrit,
    ),
    Cas(
        "electeurs:procedure_intention",
        attendus({A, E}, ok=302, autre=404),
        kwargs=_electeur_inscrit,
        methode="post",
        donnees=INTENTION,
    ),
    Cas(
        "electeurs:procedure_commission_electeur",
        attendus({A, E}, autre=404),
        kwargs=_electeur_inscrit,
    ),
    Cas(
        "electeurs:procedure_commission_electeur",
        attendus({A, E}, ok=400, autre=404),
        kwargs=_electeur_inscrit,
        methode="post",
        donnees={"decision": "radiation", "liste": "LP", "motif": ""},
    ),
    Cas("electeurs:procedure_commission", attendus({A, E, L})),
    Cas(
        "electeurs:procedure_commission",
        attendus({A, E}, ok=302),
        methode="post",
        donnees={"membre-nom": "Anne Membre", "membre-qualite": "Conseillère municipale"},
    ),
    Cas("electeurs:procedure_reunion", attendus({A, E, L}, autre=404), kwargs=_reunion),
    Cas(
        "electeurs:procedure_reunion_tableau",
        attendus({A, E}, ok=302, autre=404),
        kwargs=_reunion,
        methode="post",
    ),
    Cas(
        "electeurs:procedure_mouvement_saisie",
        attendus({A, E}, autre=404),
        kwargs=_saisie("modification"),
    ),
    Cas(
        "electeurs:procedure_mouvement_saisie",
        attendus({A, E}, ok=302, autre=404),
        kwargs=_saisie("modification"),
        methode="post",
        donnees={
            "liste": "LP",
            "nature": "adresse",
            "recue_le": "20/11/2026",
            "libelle_voie": "rue des Lilas",
        },
    ),
    Cas("electeurs:procedure_membre_fin", attendus({A, E}, autre=404), kwargs=_membre),
    Cas(
        "electeurs:procedure_membre_fin",
        attendus({A, E}, ok=302, autre=404),
        kwargs=_membre,
        methode="post",
        donnees={"fin_le": "20/11/2026"},
    ),
    Cas("electeurs:procedure_scrutins", attendus({A, E, L})),
    Cas(
        "electeurs:procedure_scrutins",
        attendus({A, E}, ok=302),
        methode="post",
        donnees={"libelle": "Municipales", "premier_tour": "15/03/2026"},
    ),
]

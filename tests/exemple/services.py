from __future__ import annotations

from django.db import transaction

from core.comptes.models import Utilisateur
from core.documents.csv import csv_bytes
from core.journal.services import journaliser
from core.templatetags.echarpe import pluriel
from core.tenancy.models import Collectivite
from core.travaux.services import ResultatTravail, Suivi
from tests.exemple.models import ActionExemple, Dossier


@transaction.atomic
def dossier_ouvrir(*, collectivite: Collectivite, titre: str, par: Utilisateur) -> Dossier:
    dossier = Dossier(collectivite=collectivite, titre=titre)
    dossier.full_clean()
    dossier.save()
    # En dernier dans la transaction : journaliser verrouille la tête de chaîne jusqu'au commit.
    journaliser(
        action=ActionExemple.DOSSIER_OUVERT,
        collectivite=collectivite,
        par=par,
        objet=dossier,
        sujet=dossier,
    )
    return dossier


def dossiers_recapituler(*, suivi: Suivi) -> ResultatTravail:
    """Le CSV des dossiers de la collectivité du travail (travail suivi)."""
    dossiers = Dossier.objects.pour(suivi.travail.collectivite_id).order_by("titre", "pk")
    suivi.definir_total(dossiers.count())
    lignes = []
    for dossier in dossiers.iterator():
        lignes.append([dossier.titre, "clos" if dossier.clos else "ouvert", dossier.cree_le])
        suivi.avancer()
    return ResultatTravail(
        message=f"{pluriel(len(lignes), 'dossier récapitulé', 'dossiers récapitulés')}.",
        fichier_nom="dossiers.csv",
        contenu=csv_bytes(lignes, entetes=["Titre", "État", "Ouvert le"]),
    )

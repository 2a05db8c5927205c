"""L'état affiché d'une séance envoyée suit la lecture de ses destinataires (i-delibRE) :
envoyée (aucun accusé de réception), reçue partiellement, reçue (tous). Appelez
`seance_etat_recalculer` après tout changement d'envoi ou d'accusé de réception."""

from __future__ import annotations

from django.db.models import Count, Q

from convocations.seances.models import Destinataire, EtatSeance, Seance


def seance_etat_recalculer(*, seance: Seance) -> Seance:
    if seance.etat in (EtatSeance.BROUILLON, EtatSeance.CLASSEE):
        return seance
    envoyes = Q(nombre_envois__gt=0) | Q(papier_le__isnull=False)
    compte = Destinataire.objects.filter(seance=seance).aggregate(
        envoyes=Count("pk", filter=envoyes),
        lus=Count("pk", filter=envoyes & Q(lu_le__isnull=False)),
    )
    if compte["envoyes"] and compte["lus"] >= compte["envoyes"]:
        etat = EtatSeance.RECUE
    elif compte["lus"]:
        etat = EtatSeance.RECUE_PARTIELLEMENT
    else:
        etat = EtatSeance.ENVOYEE
    if etat != seance.etat:
        Seance.objects.filter(pk=seance.pk).exclude(etat=EtatSeance.CLASSEE).update(etat=etat)
        seance.etat = etat
    return seance

"""Résumé quotidien des nouvelles réponses des élus, par courriel, aux agents abonnés."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.utils import timezone

from convocations.envoi.message import heure_fr
from convocations.envoi.models import AbonnementResume
from convocations.seances.models import Reponse
from core.comptes.models import Role
from core.comptes.permissions import Action, Capacite, role_peut
from core.mail.erreurs import ErreurEnvoi
from core.mail.services import envoyer

logger = logging.getLogger(__name__)

# Un résumé par jour : le beat peut repasser, l'agent n'en reçoit pas deux.
INTERVALLE_MIN = timedelta(hours=20)


def _texte(reponses: list[Reponse], collectivite_nom: str) -> str:
    lignes = [f"Nouvelles réponses aux convocations ({collectivite_nom}) :", ""]
    seance_pk = None
    for reponse in reponses:
        seance = reponse.destinataire.seance
        if seance.pk != seance_pk:
            seance_pk = seance.pk
            local = timezone.localtime(seance.date)
            lignes += ["", f"{seance.titre} du {local:%d/%m/%Y} à {heure_fr(seance.date)}"]
        quand = timezone.localtime(reponse.cree_le)
        ligne = (
            f"- {reponse.destinataire} : {reponse.get_presence_display()}"
            f" (le {quand:%d/%m/%Y} à {heure_fr(reponse.cree_le)})"
        )
        if reponse.mandataire_id:
            ligne += f", pouvoir à {reponse.mandataire}"
        lignes.append(ligne)
    return "\n".join(lignes) + "\n"


def resumes_envoyer(*, maintenant: datetime) -> int:
    """Envoie les résumés dus ; rend le nombre de courriels partis. Un agent qui n'a plus le
    droit de lire les convocations dans la collectivité ne reçoit plus rien."""
    partis = 0
    abonnements = AbonnementResume.objects.select_related("collectivite", "utilisateur").filter(
        utilisateur__is_active=True
    )
    for abonnement in abonnements:
        dernier = abonnement.dernier_envoi_le
        if dernier and dernier > maintenant - INTERVALLE_MIN:
            continue
        roles = Role.objects.filter(
            utilisateur=abonnement.utilisateur, collectivite=abonnement.collectivite, actif=True
        ).values_list("role", flat=True)
        if not any(role_peut(r, Capacite.CONVOCATIONS, Action.LIRE) for r in roles):
            continue
        depuis = abonnement.dernier_envoi_le or maintenant - timedelta(days=1)
        reponses = list(
            Reponse.objects.pour(abonnement.collectivite)
            .filter(cree_le__gt=depuis, cree_le__lte=maintenant)
            .select_related("destinataire__seance", "mandataire")
            .order_by("destinataire__seance__date", "destinataire__seance_id", "cree_le", "pk")
        )
        if reponses and abonnement.utilisateur.email:
            try:
                envoyer(
                    collectivite=abonnement.collectivite,
                    expediteur=None,
                    destinataires=[abonnement.utilisateur.email],
                    sujet=f"Convocations : {len(reponses)} nouvelle(s) réponse(s)",
                    texte=_texte(reponses, abonnement.collectivite.nom),
                )
            except (ErreurEnvoi, ValueError) as erreur:
                # Pas de date : la fenêtre s'élargit, le résumé suivant les reprendra.
                logger.warning("Résumé des réponses %s non envoyé (%s)", abonnement.pk, erreur)
                continue
            partis += 1
        AbonnementResume.objects.filter(pk=abonnement.pk).update(dernier_envoi_le=maintenant)
    return partis

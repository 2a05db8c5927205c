"""Moteur d'authentification d'Écharpe : celui de Django, dont la lecture du compte à chaque
requête rapporte aussi ses rôles actifs.

Chaque page du back-office lit le compte (session), puis ses rôles (`core.tenancy.acces`) :
deux allers-retours vers la base. Ici, une seule requête lit les rôles actifs avec leur compte
et leur collectivité ; `acces(request)` les retrouve sans relire la base. Un compte sans rôle
actif (personnel de la plateforme, agent retiré) est lu comme le fait Django.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from core.comptes.models import Role, Utilisateur
from core.tenancy.acces import memoriser_roles_actifs

BACKEND_COMPTES = "core.comptes.backends.ComptesBackend"


class ComptesBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Utilisateur | None:
        roles = list(
            Role.objects.filter(utilisateur_id=user_id, actif=True)
            .select_related("utilisateur", "collectivite")
            .order_by("collectivite__nom")
        )
        if not roles:
            return super().get_user(user_id)  # type: ignore[return-value]
        utilisateur = roles[0].utilisateur
        if not self.user_can_authenticate(utilisateur):
            return None
        for role in roles:
            role.utilisateur = utilisateur
        memoriser_roles_actifs(utilisateur, roles)
        return utilisateur

from typing import Any

from django.http import HttpRequest

from core.registry import registre
from core.tenancy import collectivite_courante, peut


def echarpe(request: HttpRequest) -> dict[str, Any]:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    if not hasattr(request, "role_courant"):
        return {}
    collectivite = collectivite_courante(request)
    navigation = [e for e in registre.navigation if peut(request, e.capacite, e.action)]
    return {
        "collectivite_courante": collectivite,
        "roles_actifs": request.roles_actifs,  # type: ignore[attr-defined]
        "role_courant": request.role_courant,  # type: ignore[attr-defined]
        "navigation": navigation,
    }

from django.urls import path

from core.comptes.views import (
    AgentActivationView,
    AgentAjouterView,
    AgentModifierView,
    AgentsView,
)
from core.comptes.views_invitations import invitation_repondre, invitations

app_name = "comptes"

urlpatterns = [
    path("parametres/agents/", AgentsView.as_view(), name="agents"),
    path("parametres/agents/ajouter/", AgentAjouterView.as_view(), name="agent_ajouter"),
    path("parametres/agents/<int:pk>/", AgentModifierView.as_view(), name="agent_modifier"),
    path(
        "parametres/agents/<int:pk>/activation/",
        AgentActivationView.as_view(),
        name="agent_activation",
    ),
    path("compte/invitations/", invitations, name="invitations"),
    path(
        "compte/invitations/<int:pk>/accepter/",
        invitation_repondre,
        {"reponse": "accepter"},
        name="invitation_accepter",
    ),
    path(
        "compte/invitations/<int:pk>/refuser/",
        invitation_repondre,
        {"reponse": "refuser"},
        name="invitation_refuser",
    ),
]

from django.urls import path

from core.comptes.views import (
    AgentActivationView,
    AgentAjouterView,
    AgentModifierView,
    AgentsView,
)
from core.comptes.views_invitations import InvitationActionView, invitation

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
    path(
        "parametres/agents/invitations/<int:pk>/renvoyer/",
        InvitationActionView.as_view(operation="renvoyer"),
        name="invitation_renvoyer",
    ),
    path(
        "parametres/agents/invitations/<int:pk>/annuler/",
        InvitationActionView.as_view(operation="annuler"),
        name="invitation_annuler",
    ),
    # Page du lien d'invitation (`core.liens.services`, objectif « invitation »).
    path("compte/invitation/", invitation, name="invitation"),
]

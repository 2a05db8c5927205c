"""Invitations reçues : la personne, connectée à son propre compte, accepte ou refuse de
prendre un rôle dans une collectivité. Ouverte à tout compte connecté (même sans rôle) :
chacun n'y voit que ses propres invitations."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.comptes.models import Invitation, StatutInvitation, Utilisateur
from core.comptes.services import invitation_accepter, invitation_refuser
from core.tenancy.acces import CLE_SESSION


def _mes_invitations(request: HttpRequest) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        utilisateur=cast(Utilisateur, request.user),
        statut=StatutInvitation.EN_ATTENTE,
        expire_le__gt=timezone.now(),
    ).select_related("collectivite", "invite_par")


@login_required
def invitations(request: HttpRequest) -> HttpResponse:
    return render(
        request, "core/invitations.html", {"invitations": list(_mes_invitations(request))}
    )


@login_required
@require_POST
def invitation_repondre(request: HttpRequest, pk: int, reponse: str) -> HttpResponse:
    # Une invitation adressée à quelqu'un d'autre répond 404, comme une invitation inconnue.
    invitation = get_object_or_404(_mes_invitations(request), pk=pk)
    personne = cast(Utilisateur, request.user)
    try:
        if reponse == "accepter":
            role = invitation_accepter(invitation=invitation, par=personne)
            request.session[CLE_SESSION] = role.collectivite_id
            messages.success(
                request,
                f"Invitation acceptée : vous travaillez maintenant pour "
                f"{invitation.collectivite.nom} ({role.get_role_display().lower()}).",
            )
            return redirect("pages:accueil")
        invitation_refuser(invitation=invitation, par=personne)
        messages.success(request, f"Invitation de {invitation.collectivite.nom} refusée.")
    except ValidationError as erreur:
        messages.error(request, " ".join(erreur.messages))
    return redirect("comptes:invitations")

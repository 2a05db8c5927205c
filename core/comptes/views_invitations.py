"""Invitations : la page du lien reçu par la personne invitée, et les actions de
l'administrateur sur une invitation en attente (« Renvoyer », « Annuler »).

La page du lien (`/compte/invitation/`) est ouverte par `core.liens.services` (objectif
« invitation ») : sans lien valable en session, elle renvoie à `liens:accueil`, qui explique
pourquoi. La personne y crée son compte ou, connectée à son propre compte, accepte ; le
rôle n'est créé qu'à ce moment, par elle.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.comptes.backends import BACKEND_COMPTES
from core.comptes.forms import InvitationCompteForm
from core.comptes.models import Invitation, StatutInvitation, Utilisateur
from core.comptes.permissions import Action, Capacite
from core.comptes.services import (
    OBJECTIF_INVITATION,
    invitation_accepter,
    invitation_annuler,
    invitation_creer_compte,
    invitation_refuser,
    invitation_renvoyer,
)
from core.comptes.views import AUCUN_COMPTE_INVITATION
from core.liens.services import LienInvalide, cible_du_lien, lien_de_session, oublier_lien
from core.mail.comptes import compte_existe
from core.tenancy.acces import CLE_SESSION
from core.tenancy.mixins import EspaceAgentMixin


def _erreur(request: HttpRequest, titre: str, message: str, status: int) -> HttpResponse:
    return render(
        request, "core/lien_erreur.html", {"titre": titre, "message": message}, status=status
    )


def _champs_en_erreur(form: InvitationCompteForm, erreur: ValidationError) -> None:
    if hasattr(erreur, "error_dict"):
        for champ, textes in erreur.message_dict.items():
            form.add_error(champ if champ in form.fields else None, textes)
    else:
        form.add_error(None, erreur.messages)


def _bienvenue(request: HttpRequest, invitation: Invitation, role_libelle: str) -> HttpResponse:
    oublier_lien(request)
    request.session[CLE_SESSION] = invitation.collectivite_id
    messages.success(
        request,
        f"Invitation acceptée : vous travaillez maintenant pour {invitation.collectivite.nom} "
        f"({role_libelle}).",
    )
    return redirect("pages:accueil")


@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest) -> HttpResponse:
    lien = lien_de_session(request, OBJECTIF_INVITATION)
    if lien is None:
        return redirect("liens:accueil")
    ligne = cible_du_lien(lien, Invitation)
    if ligne is None or ligne.statut != StatutInvitation.EN_ATTENTE:
        return _erreur(
            request,
            "Invitation close",
            "Cette invitation n'est plus en attente : elle a reçu une réponse ou a été annulée.",
            410,
        )
    connecte = request.user.is_authenticated
    form = InvitationCompteForm(
        initial={"prenom": ligne.prenom, "nom": ligne.nom}, email=ligne.email
    )
    status = 200
    if request.method == "POST":
        choix = request.POST.get("choix")
        try:
            if choix == "refuser":
                invitation_refuser(invitation=ligne, lien=lien)
                oublier_lien(request)
                messages.success(request, f"Invitation de {ligne.collectivite.nom} refusée.")
                return redirect("pages:accueil" if connecte else "login")
            if choix == "accepter" and connecte:
                role = invitation_accepter(
                    invitation=ligne, lien=lien, par=cast(Utilisateur, request.user)
                )
                return _bienvenue(request, ligne, role.get_role_display().lower())
            if choix == "creer" and not connecte:
                form = InvitationCompteForm(request.POST, email=ligne.email)
                if form.is_valid():
                    donnees = form.cleaned_data
                    role = invitation_creer_compte(
                        invitation=ligne,
                        lien=lien,
                        identifiant=donnees["identifiant"],
                        mot_de_passe=donnees["mot_de_passe1"],
                        prenom=donnees["prenom"],
                        nom=donnees["nom"],
                    )
                    login(
                        request,
                        role.utilisateur,
                        backend=BACKEND_COMPTES,
                    )
                    messages.info(
                        request,
                        "Votre compte est créé. Votre identifiant de connexion est "
                        f"« {role.utilisateur.username} ».",
                    )
                    return _bienvenue(request, ligne, role.get_role_display().lower())
            else:
                messages.error(request, "Choisissez l'une des actions proposées.")
            status = 400
        except ValidationError as erreur:
            if choix == "creer":
                _champs_en_erreur(form, erreur)
            else:
                messages.error(request, " ".join(erreur.messages))
            status = 400
        except LienInvalide as erreur:
            return _erreur(request, erreur.titre, erreur.message, erreur.statut)
    contexte: dict[str, Any] = {
        "invitation": ligne,
        "form": form,
        "connexion": f"{reverse('login')}?next={reverse('comptes:invitation')}",
    }
    reponse = render(request, "core/invitation.html", contexte, status=status)
    reponse["Referrer-Policy"] = "same-origin"
    return reponse


class InvitationActionView(EspaceAgentMixin, View):
    """« Renvoyer » ou « Annuler » une invitation en attente de la collectivité."""

    capacite = Capacite.PARAMETRES
    action = Action.ECRIRE
    operation = ""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        ligne = get_object_or_404(Invitation.objects.pour(self.collectivite), pk=pk)
        try:
            if self.operation == "renvoyer":
                if not compte_existe(collectivite=self.collectivite, utilisateur=self.agent):
                    messages.error(request, AUCUN_COMPTE_INVITATION)
                    return redirect("comptes:agents")
                invitation_renvoyer(invitation=ligne, par=self.agent)
                messages.success(
                    request,
                    f"Invitation renvoyée à {ligne.email} ; le lien précédent ne fonctionne plus.",
                )
            else:
                invitation_annuler(invitation=ligne, par=self.agent)
                messages.success(
                    request, f"Invitation à {ligne.email} annulée : son lien ne sert plus."
                )
        except ValidationError as erreur:
            messages.error(request, " ".join(erreur.messages))
        return redirect("comptes:agents")

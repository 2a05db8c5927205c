"""Paramètres de la collectivité : agents et rôles, fiche de la collectivité, logo."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import TemplateView

from core.comptes.forms import AgentAjouterForm, RoleModifierForm
from core.comptes.models import Role
from core.comptes.permissions import Action, Capacite
from core.comptes.selectors import (
    activation_renvoyable,
    agents_de_la_collectivite,
    invitations_en_attente,
)
from core.comptes.services import agent_ajouter, role_modifier
from core.liens.services import activation_envoyer
from core.mail.comptes import compte_existe
from core.tenancy.mixins import EspaceAgentMixin, texte_de_recherche


def _ajouter_erreurs(form: Any, erreur: ValidationError) -> None:
    if hasattr(erreur, "error_dict"):
        for champ, erreurs in erreur.message_dict.items():
            form.add_error(champ if champ in form.fields else None, erreurs)
    else:
        form.add_error(None, erreur.messages)


class AgentsView(EspaceAgentMixin, TemplateView):
    template_name = "core/parametres_agents.html"
    capacite = Capacite.PARAMETRES

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        roles = agents_de_la_collectivite(collectivite=self.collectivite)
        texte = texte_de_recherche(self.request)
        if texte:
            roles = roles.filter(
                Q(utilisateur__last_name__icontains=texte)
                | Q(utilisateur__first_name__icontains=texte)
                | Q(utilisateur__username__icontains=texte)
                | Q(utilisateur__email__icontains=texte)
            )
        ordre = self.request.GET.get("tri", "nom")
        ordres = {
            "nom": ["utilisateur__last_name", "utilisateur__first_name"],
            "role": ["role", "utilisateur__last_name"],
            "connexion": ["-utilisateur__last_login"],
        }
        roles = roles.order_by(*ordres.get(ordre, ordres["nom"]), "pk")
        paginator = Paginator(roles, 25)
        page_obj = paginator.get_page(self.request.GET.get("page"))
        # Invitations en attente : lignes en plus, en tête de la première page.
        invitations = (
            invitations_en_attente(collectivite=self.collectivite, texte=texte)
            if page_obj.number == 1
            else []
        )
        context.update(
            {
                "page_obj": page_obj,
                "paginator": paginator,
                "q": texte,
                "tri": ordre,
                "invitations": invitations,
            }
        )
        return context


class AgentAjouterView(EspaceAgentMixin, View):
    """Invite une personne (nom, courriel, rôle) : toujours une invitation en attente, jamais
    de compte cherché ni créé, donc rien à apprendre sur les comptes existants."""

    capacite = Capacite.PARAMETRES
    action = Action.ECRIRE
    template_name = "core/parametres_agent_ajouter.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": AgentAjouterForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = AgentAjouterForm(request.POST)
        if form.is_valid():
            try:
                invitation = agent_ajouter(
                    collectivite=self.collectivite, par=self.agent, **form.cleaned_data
                )
            except ValidationError as erreur:
                _ajouter_erreurs(form, erreur)
            else:
                messages.success(
                    request,
                    f"Invitation envoyée à {invitation.email}. La personne crée son compte, ou "
                    "accepte avec son compte Écharpe si elle en a un, en ouvrant le lien reçu ; "
                    "elle apparaîtra parmi les agents quand elle aura accepté.",
                )
                if not compte_existe(collectivite=self.collectivite, utilisateur=self.agent):
                    messages.warning(request, AUCUN_COMPTE_INVITATION)
                return redirect("comptes:agents")
        return render(request, self.template_name, {"form": form}, status=400)


class AgentModifierView(EspaceAgentMixin, View):
    capacite = Capacite.PARAMETRES
    action = Action.ECRIRE
    template_name = "core/parametres_agent_modifier.html"

    def get_role(self, pk: int) -> Role:
        return get_object_or_404(
            Role.objects.pour(self.collectivite).select_related("utilisateur"), pk=pk
        )

    def contexte(self, role: Role, form: RoleModifierForm) -> dict[str, Any]:
        return {
            "form": form,
            "role": role,
            "peut_renvoyer": activation_renvoyable(role=role),
        }

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        role = self.get_role(pk)
        form = RoleModifierForm(initial={"role": role.role, "actif": role.actif})
        return render(request, self.template_name, self.contexte(role, form))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        role = self.get_role(pk)
        form = RoleModifierForm(request.POST)
        if form.is_valid():
            avant = role.actif
            try:
                role = role_modifier(
                    role=role,
                    par=self.agent,
                    nouveau_role=form.cleaned_data["role"],
                    actif=form.cleaned_data["actif"],
                )
            except ValidationError as erreur:
                _ajouter_erreurs(form, erreur)
            else:
                personne = role.utilisateur
                if avant and not role.actif:
                    texte = f"Accès de {personne} retiré : il ne peut plus ouvrir Écharpe ici."
                elif not avant and role.actif:
                    texte = f"Accès de {personne} rétabli ({role.get_role_display().lower()})."
                else:
                    texte = f"Rôle de {personne} enregistré."
                messages.success(request, texte)
                return redirect("comptes:agents")
        return render(request, self.template_name, self.contexte(role, form), status=400)


AUCUN_COMPTE_INVITATION = (
    "Aucun compte d'envoi n'est configuré : l'invitation n'a pas pu partir. Renseignez un "
    "compte dans Paramètres › Comptes d'envoi, puis utilisez « Renvoyer » sur la ligne de "
    "l'invitation."
)

AUCUN_COMPTE = (
    "Aucun compte d'envoi n'est configuré : le lien d'activation n'a pas pu partir. "
    "Renseignez un compte dans Paramètres › Comptes d'envoi, puis utilisez « Renvoyer le lien "
    "d'activation » sur la fiche de l'agent."
)


class AgentActivationView(EspaceAgentMixin, View):
    """Renvoie le lien d'activation à un agent qui n'a pas encore choisi son mot de passe."""

    capacite = Capacite.PARAMETRES
    action = Action.ECRIRE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        role = get_object_or_404(
            Role.objects.pour(self.collectivite).select_related("utilisateur"), pk=pk
        )
        personne = role.utilisateur
        if not activation_renvoyable(role=role):
            # Compte rattaché aussi ailleurs (ou personnel de la plateforme) : jamais d'action
            # d'ici sur son activation, et rien n'en est dit.
            messages.error(
                request,
                f"Le lien d'activation de {personne} ne peut pas être renvoyé d'ici. "
                "La personne peut utiliser « Mot de passe oublié ? » sur la page de connexion.",
            )
        elif personne.has_usable_password():
            messages.error(request, f"{personne} a déjà choisi son mot de passe.")
        elif not personne.email:
            messages.error(request, f"{personne} n'a pas d'adresse de courriel.")
        elif not compte_existe(collectivite=self.collectivite, utilisateur=self.agent):
            messages.error(request, AUCUN_COMPTE)
        else:
            activation_envoyer(utilisateur=personne, collectivite=self.collectivite, par=self.agent)
            messages.success(
                request,
                f"Nouveau lien d'activation envoyé à {personne.email} ; le précédent ne "
                "fonctionne plus.",
            )
        suivant = request.POST.get("suivant")
        if suivant == "liste":
            return redirect("comptes:agents")
        return redirect("comptes:agent_modifier", pk=role.pk)

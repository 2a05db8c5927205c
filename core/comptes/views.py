"""Paramètres de la collectivité : agents et rôles, fiche de la collectivité, logo."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
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
from core.formulaires import erreurs_vers_formulaire
from core.liens.services import activation_envoyer
from core.listes import Colonne, ListeMixin
from core.mail.comptes import compte_existe
from core.templatetags.echarpe import date_fr, etat_envoi
from core.tenancy.mixins import EspaceAgentMixin, texte_de_recherche


class AgentsView(ListeMixin, EspaceAgentMixin, TemplateView):
    template_name = "core/parametres_agents.html"
    capacite = Capacite.PARAMETRES
    colonnes = (
        Colonne("nom", "Nom", tri=("utilisateur__last_name", "utilisateur__first_name")),
        Colonne("identifiant", "Identifiant", tri=("utilisateur__username",)),
        Colonne("courriel", "Courriel"),
        Colonne("role", "Rôle", tri=("role", "utilisateur__last_name")),
        Colonne("acces", "Accès"),
        Colonne("connexion", "Dernière connexion", tri=("-utilisateur__last_login",)),
        Colonne("actions", "Actions", masque=True),
    )
    recherche = (
        "utilisateur__last_name",
        "utilisateur__first_name",
        "utilisateur__username",
        "utilisateur__email",
    )
    recherche_libelle = "Rechercher un agent"
    tri_defaut = "nom"
    vide_recherche = "Aucun agent ne correspond. Essayez une autre recherche."

    def legende_liste(self) -> str:
        return f"Agents de {self.collectivite.nom}"

    def lignes(self) -> QuerySet[Role]:
        return agents_de_la_collectivite(collectivite=self.collectivite)

    def cellules(self, objet: Role) -> dict[str, str]:
        personne = objet.utilisateur
        active = personne.has_usable_password()
        if not objet.actif:
            acces = format_html(
                '<span class="etiquette etiquette--echec">{}</span>', "Accès retiré"
            )
        elif not active:
            envoi = objet.invitation_envoyee_le or objet.cree_le  # type: ignore[attr-defined]
            acces = format_html(
                '<span class="etiquette">Invitation envoyée le {}, non activé</span>{}',
                date_fr(timezone.localtime(envoi).date()),
                etat_envoi(
                    objet.dernier_envoi_statut,  # type: ignore[attr-defined]
                    objet.dernier_envoi_reponse,  # type: ignore[attr-defined]
                ),
            )
            if not objet.rattache_ailleurs:  # type: ignore[attr-defined]
                acces = format_html(
                    '{}<form method="post" action="{}"><input type="hidden" '
                    'name="csrfmiddlewaretoken" value="{}"><input type="hidden" '
                    'name="suivant" value="liste"><button type="submit" class="bouton '
                    'bouton--secondaire">Renvoyer<span class="sr-only"> le lien '
                    "d'activation à {}</span></button></form>",
                    acces,
                    reverse("comptes:agent_activation", args=[objet.pk]),
                    self._jeton,
                    personne,
                )
        else:
            acces = format_html('<span class="etiquette etiquette--succes">{}</span>', "Actif")
        if personne.last_login:
            connexion = date_fr(personne.last_login)
        else:
            connexion = "jamais" if active else ""
        return {
            "nom": str(personne),
            "identifiant": personne.username,
            "courriel": personne.email,
            "role": objet.get_role_display(),
            "acces": acces,
            "connexion": connexion,
            "actions": format_html(
                '<a href="{}">Modifier<span class="sr-only"> {}</span></a>',
                reverse("comptes:agent_modifier", args=[objet.pk]),
                personne,
            ),
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        self._jeton = get_token(self.request)
        # Invitations en attente : ce que l'administrateur a saisi, au-dessus de la liste.
        invitations = invitations_en_attente(
            collectivite=self.collectivite, texte=texte_de_recherche(self.request)
        )
        return {
            **super().get_context_data(**kwargs),
            **self.contexte_liste(),
            "invitations": list(invitations),
        }


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
                erreurs_vers_formulaire(form, erreur)
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
                erreurs_vers_formulaire(form, erreur)
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

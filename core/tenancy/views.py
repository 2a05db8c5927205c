"""Paramètres › Collectivité : la fiche de la collectivité et son logo."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from core.comptes.forms import CollectiviteForm, type_logo
from core.comptes.permissions import Action, Capacite
from core.formulaires import erreurs_vers_formulaire
from core.tenancy.mixins import EspaceAgentMixin
from core.tenancy.models import Collectivite
from core.tenancy.services import collectivite_modifier


class CollectiviteView(EspaceAgentMixin, View):
    capacite = Capacite.PARAMETRES
    action = Action.LIRE
    action_post = Action.ECRIRE
    template_name = "core/parametres_collectivite.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = CollectiviteForm(instance=self.collectivite)
        return render(request, self.template_name, {"form": form})

    def post(self, request: HttpRequest) -> HttpResponse:
        # Le ModelForm modifie l'instance qu'il reçoit : on lui en donne une copie pour que le
        # service voie les vraies différences (journal) et fasse l'unique écriture.
        copie = Collectivite.objects.get(pk=self.collectivite.pk)
        form = CollectiviteForm(request.POST, request.FILES, instance=copie)
        if form.is_valid():
            try:
                collectivite_modifier(
                    collectivite=self.collectivite,
                    par=self.agent,
                    donnees=form.donnees_modifiees(),
                )
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                messages.success(request, f"Fiche de {self.collectivite.nom} enregistrée.")
                return redirect("tenancy:collectivite")
        return render(request, self.template_name, {"form": form}, status=400)


class LogoView(EspaceAgentMixin, View):
    """Le logo passe par une vue authentifiée : aucun fichier téléversé n'est public."""

    def get(self, request: HttpRequest) -> FileResponse:
        logo = self.collectivite.logo
        if not logo:
            raise Http404("Aucun logo.")
        fichier = logo.open("rb")
        extension = type_logo(fichier.read(8))
        fichier.seek(0)
        if extension is None:
            fichier.close()
            raise Http404("Le logo enregistré n'est pas une image reconnue.")
        # Type déduit du contenu, jamais du nom ; sandbox au cas où un navigateur insisterait.
        reponse = FileResponse(
            fichier,
            content_type="image/png" if extension == "png" else "image/jpeg",
            as_attachment=False,
            filename=f"logo.{extension}",
        )
        reponse["X-Content-Type-Options"] = "nosniff"
        reponse["Content-Security-Policy"] = "sandbox"
        return reponse

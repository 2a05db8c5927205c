"""Page « Éditions » : un formulaire qui lance un travail suivi, puis la page du travail."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.generic import TemplateView

from core.comptes.permissions import Action, Capacite
from core.tenancy.mixins import EspaceAgentMixin
from core.travaux.services import travail_creer
from electeurs.editions.forms import EditionForm
from electeurs.editions.services import TypeEdition
from electeurs.editions.tasks import TYPE_EDITION
from electeurs.models import TypeListe


class EditionsView(EspaceAgentMixin, TemplateView):
    capacite = Capacite.ELECTEURS
    action = Action.EXPORTER
    template_name = "electeurs/editions/editions.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", EditionForm(collectivite=self.collectivite))
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        form = EditionForm(request.POST, collectivite=self.collectivite)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        parametres = form.parametres()
        bureau = form.cleaned_data.get("bureau")
        libelle = (
            f"{TypeEdition(parametres.edition).label.replace(' par bureau', '')}, "
            f"{TypeListe(parametres.liste).label.lower()}, "
            f"{f'bureau {bureau.code}' if bureau else 'tous les bureaux'} "
            f"({parametres.format.upper()})"
        )
        travail = travail_creer(
            collectivite=self.collectivite,
            type=TYPE_EDITION,
            libelle=libelle,
            par=self.agent,
            parametres=parametres.en_json(),
        )
        messages.success(request, "Édition demandée : le fichier vous attendra ici.")
        return redirect("travaux:detail", pk=travail.pk)

"""Paramètres › Délais : les délais légaux en vigueur et les valeurs locales permises."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from core.comptes.permissions import Action, Capacite
from core.delais.forms import DelaiSurchargerForm
from core.delais.models import Delai
from core.delais.services import (
    DelaiIntrouvable,
    delai_en_vigueur,
    delai_surcharger,
    delais_a_venir,
    delais_en_vigueur,
    valeur_affichee,
)
from core.formulaires import erreurs_vers_formulaire
from core.tenancy.mixins import EspaceAgentMixin


def _ligne(
    national: Delai, local: Delai | None, a_venir: list[Delai], aujourdhui: date
) -> dict[str, Any]:
    en_vigueur = local or national
    ligne: dict[str, Any] = {
        "national": national,
        "local": local,
        "valeur": valeur_affichee(en_vigueur),
        "valeur_nationale": valeur_affichee(national),
        "a_venir": [
            {
                "valide_du": delai.valide_du,
                "valeur": valeur_affichee(delai),
                "locale": delai.collectivite_id is not None,
            }
            for delai in a_venir
        ],
    }
    if national.surchargeable:
        # Un identifiant par délai : plusieurs formulaires sur la même page.
        ligne["form"] = DelaiSurchargerForm(
            initial={"valeur": en_vigueur.valeur, "valide_du": aujourdhui},
            unite=national.get_unite_display(),
            auto_id=f"id_{national.code}_%s",
        )
    return ligne


class DelaisView(EspaceAgentMixin, TemplateView):
    template_name = "core/delais_liste.html"
    capacite = Capacite.PARAMETRES

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        aujourdhui = timezone.localdate()
        a_venir = delais_a_venir(apres=aujourdhui, collectivite=self.collectivite)
        lignes = [
            _ligne(national, local, a_venir.get(national.code, []), aujourdhui)
            for national, local in delais_en_vigueur(le=aujourdhui, collectivite=self.collectivite)
        ]
        context.update(
            {
                "aujourdhui": aujourdhui,
                "assemblees": [
                    ligne for ligne in lignes if ligne["national"].reference.startswith("CGCT")
                ],
                "electoral": [
                    ligne for ligne in lignes if not ligne["national"].reference.startswith("CGCT")
                ],
                "modifiables": [ligne for ligne in lignes if "form" in ligne],
            }
        )
        return context


class DelaiSurchargerView(EspaceAgentMixin, View):
    """POST seulement : la valeur locale d'un délai `surchargeable`."""

    capacite = Capacite.PARAMETRES
    action = Action.ECRIRE
    http_method_names = ["post"]
    template_name = "core/delais_surcharger.html"

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        aujourdhui = timezone.localdate()
        try:
            national = delai_en_vigueur(code, le=aujourdhui)
        except DelaiIntrouvable:
            raise Http404("Ce délai n'existe pas.") from None
        if not national.surchargeable:
            return render(
                request,
                "erreur.html",
                {
                    "titre": "Délai non modifiable",
                    "texte": f"« {national.libelle} » est fixé par la loi "
                    f"({national.reference}) : la collectivité ne peut pas le modifier.",
                },
                status=400,
            )
        form = DelaiSurchargerForm(request.POST, unite=national.get_unite_display())
        if form.is_valid():
            try:
                local = delai_surcharger(
                    collectivite=self.collectivite,
                    code=code,
                    valeur=form.cleaned_data["valeur"],
                    valide_du=form.cleaned_data["valide_du"],
                    par=request.user,  # type: ignore[arg-type]
                )
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                messages.success(
                    request,
                    f"{local.libelle} : {valeur_affichee(local)} à partir du "
                    f"{local.valide_du:%d/%m/%Y} pour {self.collectivite.nom}.",
                )
                return redirect("delais:liste")
        return render(
            request,
            self.template_name,
            {"form": form, "national": national, "valeur_nationale": valeur_affichee(national)},
            status=400,
        )

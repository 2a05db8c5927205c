"""Vues de l'import : dépôt, aperçu, confirmation, historique. Minces : les services écrivent."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.views import View
from django.views.generic import DetailView, TemplateView

from core.comptes.permissions import Action, Capacite
from core.listes import Colonne, ListeMixin
from core.templatetags.echarpe import date_fr, nombre
from core.tenancy.mixins import EspaceAgentMixin, peut
from electeurs.imports.forms import DepotExtraitForm
from electeurs.imports.models import EtatImport, ImportREU
from electeurs.imports.selectors import imports_lister
from electeurs.imports.services import (
    ErreurImport,
    import_confirmer,
    import_deposer,
    limite_extrait,
    taille_lisible,
)

# Au-delà, la requête est refusée avant d'être lue (l'en-tête Content-Length suffit).
MARGE_FORMULAIRE = 1024 * 1024


class ImportListeView(ListeMixin, EspaceAgentMixin, TemplateView):
    capacite = Capacite.ELECTEURS
    model = ImportREU
    template_name = "electeurs/imports/import_liste.html"
    colonnes = (
        Colonne("fichier", "Fichier"),
        Colonne("depose", "Déposé le", tri=("cree_le", "pk")),
        Colonne("par", "Par"),
        Colonne("etat", "État"),
        Colonne("nouveaux", "Nouveaux"),
        Colonne("absents", "Absents de l'extrait"),
    )
    tri_defaut = "-depose"
    vide = "Aucun extrait importé pour l'instant."

    def legende_liste(self) -> str:
        return f"Imports de l'extrait REU de {self.collectivite.nom}"

    def lignes(self) -> QuerySet[ImportREU]:
        return imports_lister(collectivite=self.collectivite)

    def cellules(self, objet: ImportREU) -> dict[str, str]:
        return {
            "fichier": format_html(
                '<a href="{}">{}</a>',
                reverse("electeurs:import_detail", args=[objet.pk]),
                objet.nom_fichier,
            ),
            "depose": date_fr(objet.cree_le),
            "par": str(objet.depose_par or "—"),
            "etat": objet.get_etat_display(),
            "nouveaux": nombre(objet.compte("nouveaux")),
            "absents": nombre(objet.compte("absents")),
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = {**super().get_context_data(**kwargs), **self.contexte_liste()}
        context["peut_ecrire"] = peut(self.request, Capacite.ELECTEURS, Action.ECRIRE)
        return context


class ImportNouveauView(EspaceAgentMixin, TemplateView):
    capacite = Capacite.ELECTEURS
    action = Action.ECRIRE
    template_name = "electeurs/imports/import_nouveau.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", DepotExtraitForm())
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        longueur = request.META.get("CONTENT_LENGTH") or "0"
        if longueur.isdigit() and int(longueur) > limite_extrait() + MARGE_FORMULAIRE:
            # Refusé avant de lire le corps : un fichier trop gros n'arrive jamais sur le disque.
            form = DepotExtraitForm(data={}, files={})
            form.full_clean()
            form.errors["fichier"] = form.error_class(
                [
                    f"Le fichier dépasse la limite de {taille_lisible(limite_extrait())} : "
                    "déposez l'extrait tel qu'ELIRE le donne."
                ]
            )
            return self.render_to_response(self.get_context_data(form=form), status=413)
        form = DepotExtraitForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                import_reu = import_deposer(
                    collectivite=self.collectivite,
                    par=self.agent,
                    fichier=form.cleaned_data["fichier"],
                )
            except ErreurImport as exc:
                form.add_error("fichier", exc.message)
            else:
                messages.success(request, "Fichier reçu : l'aperçu se prépare.")
                return redirect("electeurs:import_detail", pk=import_reu.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ImportDetailView(EspaceAgentMixin, DetailView):  # type: ignore[type-arg]
    capacite = Capacite.ELECTEURS
    model = ImportREU
    template_name = "electeurs/imports/import_detail.html"
    context_object_name = "import_reu"

    def get_queryset(self) -> QuerySet[ImportREU]:
        return (
            super()
            .get_queryset()
            .select_related("depose_par", "travail_analyse", "travail_application")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        import_reu: ImportREU = self.object
        context["peut_ecrire"] = peut(self.request, Capacite.ELECTEURS, Action.ECRIRE)
        context["en_analyse"] = import_reu.etat == EtatImport.ANALYSE
        context["pret"] = import_reu.etat == EtatImport.PRET
        context["comptes"] = [
            (libelle, import_reu.compte(nom))
            for nom, libelle in (
                ("nouveaux", "Nouveaux électeurs"),
                ("modifies", "Électeurs modifiés"),
                ("inchanges", "Électeurs inchangés"),
                ("absents", "Absents de l'extrait"),
                ("rejetes", "Lignes rejetées"),
                ("bureaux_crees", "Bureaux de vote créés"),
                ("bureaux_modifies", "Bureaux de vote modifiés"),
                ("dates_incompletes", "Dates de naissance incomplètes (00/00/aaaa)"),
                ("sans_bureau", "Lignes sans bureau de vote"),
                ("numeros_repetes", "Lignes au numéro d'ordre répété"),
            )
        ]
        return context


class ImportConfirmerView(EspaceAgentMixin, View):
    capacite = Capacite.ELECTEURS
    action = Action.ECRIRE
    model = ImportREU
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        import_reu = self.get_object()
        try:
            travail = import_confirmer(import_reu=import_reu, par=self.agent)
        except ErreurImport as exc:
            messages.error(request, exc.message)
            return redirect("electeurs:import_detail", pk=import_reu.pk)
        messages.success(request, "Import confirmé : il s'applique, suivez-le ici.")
        return redirect("travaux:detail", pk=travail.pk)

"""Pages de la boîte des notifications du REU : liste, fiche, saisie, import."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.html import format_html
from django.views.generic import DetailView, TemplateView

from core.comptes.permissions import Action, Capacite
from core.documents.csv import ErreurCsv
from core.formulaires import erreurs_vers_formulaire
from core.journal.services import journal_chronologie
from core.listes import Colonne, ListeMixin
from core.templatetags.echarpe import date_fr
from core.tenancy.mixins import EspaceAgentMixin, peut, texte_de_recherche
from electeurs.models import Electeur
from electeurs.reu.forms import FiltresForm, ImportForm, LierForm, NotificationForm
from electeurs.reu.models import NotificationREU
from electeurs.reu.selectors import electeurs_candidats, notifications_lister
from electeurs.reu.services import (
    COLONNES_FICHIER,
    notification_lier,
    notification_rouvrir,
    notification_saisir,
    notification_traiter,
    notifications_importer,
)


class NotificationListeView(ListeMixin, EspaceAgentMixin, TemplateView):
    capacite = Capacite.ELECTEURS
    model = NotificationREU
    template_name = "electeurs/reu/notification_liste.html"
    colonnes = (
        Colonne("recue", "Reçue le", tri=("recue_le",)),
        Colonne("type", "Type", tri=("type",)),
        Colonne("electeur", "Électeur"),
        Colonne("source", "Source"),
        Colonne("etat", "État", tri=("etat",)),
    )
    recherche = ("texte",)
    recherche_libelle = "Rechercher dans le texte"
    tri_defaut = "-recue"
    vide = "Aucune notification du REU pour l'instant."
    vide_recherche = "Aucune notification ne correspond. Essayez d'autres filtres."

    def legende_liste(self) -> str:
        return f"Notifications du REU pour {self.collectivite.nom}"

    def filtres(self) -> FiltresForm:
        return FiltresForm(self.request.GET or None)

    def lignes(self) -> QuerySet[NotificationREU]:
        form = self.filtres()
        valeurs = form.cleaned_data if form.is_valid() else {}
        return notifications_lister(
            collectivite=self.collectivite,
            etat=valeurs.get("etat", ""),
            type=valeurs.get("type", ""),
        )

    def cellules(self, objet: NotificationREU) -> dict[str, str]:
        electeur = objet.electeur
        return {
            "recue": format_html(
                '<a href="{}">{}</a>',
                reverse("electeurs:reu_detail", args=[objet.pk]),
                date_fr(objet.recue_le),
            ),
            "type": objet.get_type_display(),
            "electeur": electeur.nom_complet if electeur else "Non rattachée",
            "source": objet.get_source_display(),
            "etat": objet.get_etat_display(),
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(self.contexte_liste())
        context["filtres"] = self.filtres()
        context["peut_ecrire"] = peut(self.request, Capacite.ELECTEURS, Action.ECRIRE)
        return context


class NotificationDetailView(EspaceAgentMixin, DetailView):  # type: ignore[type-arg]
    capacite = Capacite.ELECTEURS
    model = NotificationREU
    template_name = "electeurs/reu/notification_detail.html"
    context_object_name = "notification"

    def get_queryset(self) -> QuerySet[NotificationREU]:
        return super().get_queryset().select_related("electeur", "traitee_par")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["chronologie"] = journal_chronologie(sujet=self.object)[:50]
        context["peut_ecrire"] = peut(self.request, Capacite.ELECTEURS, Action.ECRIRE)
        q = texte_de_recherche(self.request)
        context["q"] = q
        context["candidats"] = (
            list(electeurs_candidats(collectivite=self.collectivite, q=q)) if q else []
        )
        return context


class _ActionNotificationView(EspaceAgentMixin, TemplateView):
    """Un POST sur une notification (droit d'écriture), puis retour à sa fiche."""

    capacite = Capacite.ELECTEURS
    action = Action.ECRIRE
    model = NotificationREU
    http_method_names = ["post"]

    def agir(self, notification: NotificationREU) -> str:
        raise NotImplementedError

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        notification = self.get_object()
        try:
            message = self.agir(notification)
        except ValidationError as erreur:
            messages.error(request, " ".join(erreur.messages))
        else:
            messages.success(request, message)
        return redirect("electeurs:reu_detail", pk=notification.pk)


class NotificationTraiterView(_ActionNotificationView):
    def agir(self, notification: NotificationREU) -> str:
        notification_traiter(notification=notification, par=self.agent)
        return "Notification marquée comme traitée."


class NotificationRouvrirView(_ActionNotificationView):
    def agir(self, notification: NotificationREU) -> str:
        notification_rouvrir(notification=notification, par=self.agent)
        return "Notification remise à traiter."


class NotificationLierView(_ActionNotificationView):
    def agir(self, notification: NotificationREU) -> str:
        form = LierForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError("Choisissez un électeur dans la liste.")
        electeur = get_object_or_404(
            Electeur.objects.pour(self.collectivite), pk=form.cleaned_data["electeur"]
        )
        notification_lier(notification=notification, electeur=electeur, par=self.agent)
        return f"Notification rattachée à {electeur.nom_complet}."


class NotificationNouvelleView(EspaceAgentMixin, TemplateView):
    capacite = Capacite.ELECTEURS
    action = Action.ECRIRE
    template_name = "electeurs/reu/notification_nouvelle.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", NotificationForm())
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        form = NotificationForm(request.POST)
        if form.is_valid():
            try:
                notification = notification_saisir(
                    collectivite=self.collectivite,
                    type=form.cleaned_data["type"],
                    recue_le=form.cleaned_data["recue_le"],
                    texte=form.cleaned_data["texte"],
                    par=self.agent,
                )
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                messages.success(request, "Notification enregistrée.")
                return redirect("electeurs:reu_detail", pk=notification.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class NotificationImporterView(EspaceAgentMixin, TemplateView):
    capacite = Capacite.ELECTEURS
    action = Action.ECRIRE
    template_name = "electeurs/reu/notification_importer.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ImportForm())
        context["colonnes"] = [graphies[0] for graphies in COLONNES_FICHIER.values()]
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                resultat = notifications_importer(
                    collectivite=self.collectivite,
                    fichier=form.cleaned_data["fichier"].file,
                    par=self.agent,
                )
            except ErreurCsv as erreur:
                form.add_error("fichier", f"{erreur} Aucune notification n'a été enregistrée.")
            else:
                nombre = len(resultat.creees)
                messages.success(
                    request,
                    f"{nombre} notification{'s' if nombre > 1 else ''} importée"
                    f"{'s' if nombre > 1 else ''}, dont {resultat.rattachees} rattachée"
                    f"{'s' if resultat.rattachees > 1 else ''} à un électeur.",
                )
                return redirect(reverse("electeurs:reu_liste") + "?etat=a_traiter")
        return self.render_to_response(self.get_context_data(form=form), status=400)

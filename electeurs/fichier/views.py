"""Vues du fichier électoral : liste et recherche, fiche électeur, contact, INE, bureaux.

Minces : un formulaire, un sélecteur ou un service, puis une page ou une redirection. Toutes
limitées à la collectivité courante par `EspaceAgentMixin` (404 pour l'électeur ou le bureau
d'une autre collectivité).
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.views import View

from core.comptes.permissions import Action, Capacite
from core.formulaires import erreurs_vers_formulaire
from core.journal.services import journal_chronologie
from core.listes import Colonne, ListeMixin
from core.templatetags.echarpe import nombre
from core.tenancy.mixins import EspaceAgentMixin, peut
from electeurs.fichier.fiche import fiche_sections
from electeurs.fichier.forms import BureauForm, ContactForm, FiltresElecteursForm, IneForm
from electeurs.fichier.selectors import (
    PaginateurPlafonne,
    ResultatsRecherche,
    bureaux_lister,
    electeurs_fiche_queryset,
    electeurs_rechercher,
)
from electeurs.fichier.services import (
    bureau_creer,
    bureau_modifier,
    electeur_contact_modifier,
    electeur_ine_modifier,
)
from electeurs.models import BureauDeVote, Electeur

# Les entrées de la chronologie montrées sur la fiche (les plus récentes).
CHRONOLOGIE_MAX = 50


class ElecteurListeView(ListeMixin, EspaceAgentMixin, View):
    """La liste des électeurs : une boîte de recherche, des filtres, 25 par page, compte
    plafonné (voir `electeurs_rechercher`)."""

    capacite = Capacite.ELECTEURS
    model = Electeur
    colonnes = (
        Colonne("nom", "Nom et prénoms"),
        Colonne("naissance", "Date de naissance"),
        Colonne("listes", "Listes et bureau"),
        Colonne("statut", "Statut"),
    )
    vide = "Aucun électeur pour l'instant : importez l'extrait de la liste électorale."
    vide_recherche = "Aucun électeur ne correspond. Vérifiez l'orthographe ou effacez les filtres."
    resultats: ResultatsRecherche

    def get(self, request: HttpRequest) -> HttpResponse:
        form = FiltresElecteursForm(request.GET, collectivite=self.collectivite)
        status = 200 if form.is_valid() else 400
        filtres = form.filtres()
        self.resultats = electeurs_rechercher(collectivite=self.collectivite, **filtres)
        liste = self.liste()
        filtre_actif = any(filtres.values())
        if filtre_actif:
            liste.vide = self.vide_recherche
        context = {
            "form": form,
            "liste": liste,
            "filtre_actif": filtre_actif,
            "approchant": self.resultats.approchant,
        }
        return render(request, "electeurs/fichier/electeur_liste.html", context, status=status)

    def legende_liste(self) -> str:
        return f"Électeurs de {self.collectivite.nom}"

    def lignes(self) -> Any:
        return self.resultats

    def paginateur(self, lignes: Any) -> PaginateurPlafonne:
        return PaginateurPlafonne(lignes, self.par_page)

    def cellules(self, objet: Electeur) -> dict[str, str]:
        naissance = objet.date_naissance_affichee
        if objet.date_naissance_incomplete:
            naissance = format_html(
                '{} <span class="etiquette etiquette--attente">incomplète</span>', naissance
            )
        inscriptions = list(objet.inscriptions.all())
        return {
            "nom": format_html(
                '<a href="{}">{}</a>',
                reverse("electeurs:fiche", args=[objet.pk]),
                objet.nom_complet,
            ),
            "naissance": naissance,
            "listes": format_html_join(
                mark_safe("<br>"),
                "{} — {}",
                (
                    (
                        i.get_type_liste_display(),
                        f"bureau {i.bureau.code}" if i.bureau else "sans bureau",
                    )
                    for i in inscriptions
                ),
            )
            or "Aucune liste",
            "statut": objet.get_statut_display(),
        }


class ElecteurFicheView(EspaceAgentMixin, View):
    """La fiche d'un électeur : ses sections (registre `electeurs.fichier.fiche`) puis la
    chronologie qui réunit le journal de l'électeur et les événements des sections."""

    capacite = Capacite.ELECTEURS
    model = Electeur

    def get_queryset(self) -> QuerySet[Electeur]:
        return electeurs_fiche_queryset(collectivite=self.collectivite)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        electeur: Electeur = self.get_object()
        peut_ecrire = peut(request, Capacite.ELECTEURS, Action.ECRIRE)
        sections = []
        evenements: list[Any] = []
        for section in fiche_sections.sections():
            donnees = section.contexte(electeur, request) if section.contexte else {}
            sections.append({"section": section, "donnees": donnees})
            if section.evenements:
                evenements.extend(section.evenements(electeur))
        journal = list(journal_chronologie(sujet=electeur)[:CHRONOLOGIE_MAX])
        chronologie = sorted(chain(journal, evenements), key=lambda e: e.horodatage, reverse=True)[
            :CHRONOLOGIE_MAX
        ]
        context = {
            "electeur": electeur,
            "sections": sections,
            "chronologie": chronologie,
            "peut_ecrire": peut_ecrire,
        }
        return render(request, "electeurs/fichier/electeur_fiche.html", context)


class ElecteurContactModifierView(EspaceAgentMixin, View):
    """Courriel, téléphone et adresse de contact : la seule partie de la fiche que la mairie
    saisit elle-même (le REU ne les donne pas)."""

    capacite = Capacite.ELECTEURS
    action = Action.ECRIRE
    model = Electeur

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        electeur = self.get_object()
        return self.page(electeur, ContactForm(instance=electeur))

    def page(self, electeur: Electeur, form: ContactForm, status: int = 200) -> HttpResponse:
        context = {"electeur": electeur, "form": form}
        return render(request=self.request, template_name=_CONTACT, context=context, status=status)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        electeur = self.get_object()
        # Le ModelForm valide sur une copie : le service compare avec l'électeur enregistré.
        form = ContactForm(request.POST, instance=self.get_object())
        if form.is_valid():
            try:
                changes = electeur_contact_modifier(
                    electeur=electeur,
                    courriel=form.cleaned_data["courriel"],
                    telephone=form.cleaned_data["telephone"],
                    adresse_contact=form.cleaned_data["adresse_contact"],
                    par=self.agent,
                )
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                if changes:
                    messages.success(request, f"Contact enregistré ({', '.join(changes)}).")
                else:
                    messages.info(request, "Rien n'a changé : le contact est resté le même.")
                return redirect(reverse("electeurs:fiche", args=[electeur.pk]) + "#contact")
        return self.page(electeur, form, status=400)


_CONTACT = "electeurs/fichier/electeur_contact.html"


class ElecteurIneModifierView(EspaceAgentMixin, View):
    capacite = Capacite.ELECTEURS
    action = Action.ECRIRE
    model = Electeur

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        electeur = self.get_object()
        return self.page(electeur, IneForm(initial={"ine": electeur.ine}))

    def page(self, electeur: Electeur, form: IneForm, status: int = 200) -> HttpResponse:
        context = {"electeur": electeur, "form": form}
        return render(self.request, "electeurs/fichier/electeur_ine.html", context, status=status)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        electeur = self.get_object()
        form = IneForm(request.POST)
        if form.is_valid():
            try:
                change = electeur_ine_modifier(
                    electeur=electeur, ine=form.cleaned_data["ine"], par=self.agent
                )
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
                if form.errors and "ine" not in form.errors:
                    # L'INE unique est une contrainte du modèle : son message va sous le champ.
                    form.errors["ine"] = form.errors.pop("__all__")
            else:
                if change:
                    messages.success(request, "INE enregistré.")
                return redirect(reverse("electeurs:fiche", args=[electeur.pk]) + "#etat-civil")
        return self.page(electeur, form, status=400)


class BureauListeView(ListeMixin, EspaceAgentMixin, View):
    capacite = Capacite.ELECTEURS
    model = BureauDeVote
    colonnes = (
        Colonne("code", "Code", tri=("code",)),
        Colonne("libelle", "Libellé", tri=("libelle",)),
        Colonne("circonscription", "Circonscription"),
        Colonne("canton", "Canton"),
        Colonne("electeurs", "Électeurs inscrits", tri=("nb_electeurs",)),
    )
    tri_defaut = "code"
    vide = "Aucun bureau de vote pour l'instant."

    peut_ecrire = False

    def get(self, request: HttpRequest) -> HttpResponse:
        self.peut_ecrire = peut(request, Capacite.ELECTEURS, Action.ECRIRE)
        context = {"liste": self.liste(), "peut_ecrire": self.peut_ecrire}
        return render(request, "electeurs/fichier/bureau_liste.html", context)

    def legende_liste(self) -> str:
        return f"Bureaux de vote de {self.collectivite.nom}"

    def lignes(self) -> QuerySet[BureauDeVote]:
        return bureaux_lister(collectivite=self.collectivite)

    def cellules(self, objet: BureauDeVote) -> dict[str, str]:
        code = objet.code
        if self.peut_ecrire:
            lien = reverse("electeurs:bureau_modifier", args=[objet.pk])
            code = format_html(
                '<a href="{}">{}<span class="sr-only"> (modifier)</span></a>', lien, code
            )
        return {
            "code": code,
            "libelle": objet.libelle,
            "circonscription": " ".join(
                v for v in (objet.circonscription_code, objet.circonscription_libelle) if v
            ),
            "canton": objet.canton_libelle,
            "electeurs": nombre(objet.nb_electeurs),  # type: ignore[attr-defined]
        }


class BureauCreerView(EspaceAgentMixin, View):
    capacite = Capacite.ELECTEURS
    action = Action.ECRIRE
    model = BureauDeVote

    def get(self, request: HttpRequest) -> HttpResponse:
        form = BureauForm(instance=BureauDeVote(collectivite=self.collectivite))
        return _page_bureau(request, form, None)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = BureauForm(request.POST, instance=BureauDeVote(collectivite=self.collectivite))
        if form.is_valid():
            try:
                bureau = bureau_creer(
                    collectivite=self.collectivite, par=self.agent, **_valeurs_bureau(form)
                )
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                messages.success(request, f"Bureau de vote {bureau.code} créé.")
                return redirect("electeurs:bureaux")
        return _page_bureau(request, form, None, status=400)


class BureauModifierView(EspaceAgentMixin, View):
    capacite = Capacite.ELECTEURS
    action = Action.ECRIRE
    model = BureauDeVote

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        bureau = self.get_object()
        return _page_bureau(request, BureauForm(instance=bureau), bureau)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        bureau = self.get_object()
        form = BureauForm(request.POST, instance=self.get_object())
        if form.is_valid():
            try:
                change = bureau_modifier(bureau=bureau, par=self.agent, **_valeurs_bureau(form))
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                if change:
                    messages.success(request, f"Bureau de vote {bureau.code} modifié.")
                return redirect("electeurs:bureaux")
        return _page_bureau(request, form, bureau, status=400)


def _valeurs_bureau(form: BureauForm) -> dict[str, str]:
    return {champ: form.cleaned_data[champ] or "" for champ in BureauForm.Meta.fields}


def _page_bureau(
    request: HttpRequest, form: BureauForm, bureau: BureauDeVote | None, status: int = 200
) -> HttpResponse:
    context = {"form": form, "bureau": bureau}
    return render(request, "electeurs/fichier/bureau_form.html", context, status=status)

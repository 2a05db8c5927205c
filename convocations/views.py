"""Carnet d'adresses des convocations : vues minces, limitées à la collectivité courante."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.html import format_html
from django.views.generic import TemplateView

from convocations.forms import (
    ContactForm,
    GroupeForm,
    ImportForm,
    MandatForm,
    MandatTerminerForm,
)
from convocations.imports import (
    ApercuPerime,
    FichierRefuse,
    ImportRefuse,
    analyser,
    depot_creer,
    exporter,
    importer,
    verifier_taille,
)
from convocations.models import Contact, Groupe, ImportContacts, Mandat
from convocations.selectors import (
    aujourd_hui,
    contacts_du_carnet,
    groupes_avec_effectifs,
    groupes_du_carnet,
    import_en_attente,
    mandats_de_la_collectivite,
    noms_des_groupes,
)
from convocations.services import (
    contact_creer,
    contact_modifier,
    contact_supprimer,
    groupe_creer,
    groupe_renommer,
    groupe_supprimer,
    mandat_creer,
    mandat_modifier,
    mandat_terminer,
)
from core.comptes.permissions import Action, Capacite
from core.formulaires import erreurs_vers_formulaire
from core.journal.services import journal_chronologie
from core.listes import Colonne, ListeMixin
from core.templatetags.echarpe import date_fr
from core.tenancy.mixins import EspaceAgentMixin, peut


class _Carnet(EspaceAgentMixin):
    capacite = Capacite.CONVOCATIONS

    def contexte_droits(self) -> dict[str, bool]:
        return {
            "peut_ecrire": peut(self.request, Capacite.CONVOCATIONS, Action.ECRIRE),
            "peut_exporter": peut(self.request, Capacite.CONVOCATIONS, Action.EXPORTER),
        }


# --- Contacts ----------------------------------------------------------------------------------


class ContactListeView(ListeMixin, _Carnet, TemplateView):
    model = Contact
    template_name = "convocations/contact_liste.html"
    colonnes = (
        Colonne("description", "Description", tri=("description", "email")),
        Colonne("email", "Adresse électronique", tri=("email",)),
        Colonne("groupes", "Groupes"),
    )
    recherche = ("description", "email", "groupes__nom")
    recherche_libelle = "Rechercher par nom, adresse ou groupe"
    tri_defaut = "description"
    vide = "Aucun contact pour l'instant : ajoutez-en un ou importez un fichier CSV."

    def groupe_filtre(self) -> Groupe | None:
        if not hasattr(self, "_groupe"):
            valeur = self.request.GET.get("groupe", "")
            self._groupe = (
                groupes_du_carnet(self.collectivite).filter(pk=int(valeur)).first()
                if valeur.isdigit()
                else None
            )
        return self._groupe

    def legende_liste(self) -> str:
        groupe = self.groupe_filtre()
        if groupe is not None:
            return f"Contacts du groupe « {groupe.nom} »"
        return f"Carnet d'adresses de {self.collectivite.nom}"

    def lignes(self) -> QuerySet[Contact]:
        contacts = contacts_du_carnet(self.collectivite, groupe=self.groupe_filtre())
        if self.request.GET.get("q"):
            # La recherche sur le nom d'un groupe joint les groupes : une ligne par contact.
            contacts = contacts.distinct()
        return contacts

    def cellules(self, objet: Contact) -> dict[str, str]:
        description = objet.description or objet.email
        if objet.compte_collectivite:
            description += " (compte de la collectivité)"
        return {
            "description": format_html(
                '<a href="{}">{}</a>', reverse("convocations:contact", args=[objet.pk]), description
            ),
            "email": objet.email,
            "groupes": ", ".join(noms_des_groupes(objet)),
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = {**super().get_context_data(**kwargs), **self.contexte_liste()}
        context["groupes"] = groupes_du_carnet(self.collectivite)
        context["groupe_filtre"] = self.groupe_filtre()
        context.update(self.contexte_droits())
        return context


class ContactDetailView(_Carnet, TemplateView):
    model = Contact
    template_name = "convocations/contact_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        contact = get_object_or_404(contacts_du_carnet(self.collectivite), pk=self.kwargs["pk"])
        jour = aujourd_hui()
        mandats = (
            [
                (mandat, mandat.en_cours(jour))
                for mandat in Mandat.objects.pour(self.collectivite).filter(
                    utilisateur_id=contact.utilisateur_id
                )
            ]
            if contact.utilisateur_id
            else []
        )
        return {
            **super().get_context_data(**kwargs),
            **self.contexte_droits(),
            "contact": contact,
            "groupes": noms_des_groupes(contact),
            "mandats": mandats,
            "chronologie": journal_chronologie(sujet=contact)[:50],
        }


class ContactCreerView(_Carnet, TemplateView):
    action = Action.ECRIRE
    template_name = "convocations/contact_form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("form", ContactForm(collectivite=self.collectivite))
        return super().get_context_data(**kwargs)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ContactForm(request.POST, collectivite=self.collectivite)
        if form.is_valid():
            try:
                contact = contact_creer(
                    collectivite=self.collectivite, par=self.agent, **form.cleaned_data
                )
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                messages.success(request, f"Contact « {contact} » ajouté au carnet.")
                return redirect("convocations:contact", pk=contact.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ContactModifierView(_Carnet, TemplateView):
    model = Contact
    action = Action.ECRIRE
    template_name = "convocations/contact_form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        contact = self.get_object()
        kwargs.setdefault(
            "form",
            ContactForm(
                collectivite=self.collectivite,
                initial={
                    "email": contact.email,
                    "description": contact.description,
                    "groupes": list(contact.groupes.all()),
                    "utilisateur": contact.utilisateur,
                    "compte_collectivite": contact.compte_collectivite,
                },
            ),
        )
        return super().get_context_data(contact=contact, **kwargs)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        contact = self.get_object()
        form = ContactForm(request.POST, collectivite=self.collectivite)
        if form.is_valid():
            try:
                contact_modifier(contact=contact, par=self.agent, **form.cleaned_data)
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                messages.success(request, f"Contact « {contact} » enregistré.")
                return redirect("convocations:contact", pk=contact.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ContactSupprimerView(_Carnet, TemplateView):
    model = Contact
    action = Action.ECRIRE
    template_name = "convocations/confirmer_suppression.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        contact = self.get_object()
        return super().get_context_data(
            objet=f"le contact « {contact} » ({contact.email})",
            retour=reverse("convocations:contact", args=[contact.pk]),
            precision="Ses mandats et son compte, s'il en a un, ne sont pas supprimés.",
            **kwargs,
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        contact = self.get_object()
        nom = str(contact)
        contact_supprimer(contact=contact, par=self.agent)
        messages.success(request, f"Contact « {nom} » supprimé du carnet.")
        return redirect("convocations:contacts")


# --- Groupes -----------------------------------------------------------------------------------


class GroupeListeView(_Carnet, TemplateView):
    action_post = Action.ECRIRE
    template_name = "convocations/groupe_liste.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("form", GroupeForm())
        return super().get_context_data(
            groupes=groupes_avec_effectifs(self.collectivite), **self.contexte_droits(), **kwargs
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        form = GroupeForm(request.POST)
        if form.is_valid():
            try:
                groupe = groupe_creer(
                    collectivite=self.collectivite, nom=form.cleaned_data["nom"], par=self.agent
                )
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                messages.success(request, f"Groupe « {groupe.nom} » créé.")
                return redirect("convocations:groupes")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class GroupeRenommerView(_Carnet, TemplateView):
    model = Groupe
    action = Action.ECRIRE
    template_name = "convocations/groupe_renommer.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        groupe = self.get_object()
        kwargs.setdefault("form", GroupeForm(initial={"nom": groupe.nom}))
        return super().get_context_data(groupe=groupe, **kwargs)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        groupe = self.get_object()
        form = GroupeForm(request.POST)
        if form.is_valid():
            try:
                groupe_renommer(groupe=groupe, nom=form.cleaned_data["nom"], par=self.agent)
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                messages.success(request, f"Groupe renommé « {groupe.nom} ».")
                return redirect("convocations:groupes")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class GroupeSupprimerView(_Carnet, TemplateView):
    model = Groupe
    action = Action.ECRIRE
    template_name = "convocations/confirmer_suppression.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        groupe = self.get_object()
        return super().get_context_data(
            objet=f"le groupe « {groupe.nom} »",
            retour=reverse("convocations:groupes"),
            precision="Ses contacts restent dans le carnet.",
            **kwargs,
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        groupe = self.get_object()
        nom = groupe.nom
        try:
            groupe_supprimer(groupe=groupe, par=self.agent)
        except ValidationError as erreur:
            messages.error(request, " ".join(erreur.messages))
            return redirect("convocations:groupes")
        messages.success(request, f"Groupe « {nom} » supprimé.")
        return redirect("convocations:groupes")


# --- Mandats -----------------------------------------------------------------------------------


class MandatListeView(ListeMixin, _Carnet, TemplateView):
    model = Mandat
    template_name = "convocations/mandat_liste.html"
    colonnes = (
        Colonne("elu", "Élu", tri=("utilisateur__last_name", "utilisateur__first_name")),
        Colonne("assemblee", "Assemblée", tri=("assemblee", "commission")),
        Colonne("fonction", "Fonction", tri=("fonction",)),
        Colonne("debut", "Début", tri=("debut",)),
        Colonne("fin", "Fin", tri=("fin",)),
        Colonne("actions", "Actions", masque=True),
    )
    recherche = ("utilisateur__last_name", "utilisateur__first_name", "commission")
    recherche_libelle = "Rechercher un élu ou une commission"
    tri_defaut = "assemblee"
    vide = "Aucun mandat : ajoutez-en un depuis la fiche d'un contact."

    def legende_liste(self) -> str:
        return f"Mandats des élus de {self.collectivite.nom}"

    def lignes(self) -> QuerySet[Mandat]:
        return mandats_de_la_collectivite(self.collectivite)

    def cellules(self, objet: Mandat) -> dict[str, str]:
        actions = ""
        if self.ecrire:
            actions = format_html(
                '<a href="{}">Modifier<span class="sr-only"> le mandat de {}</span></a>',
                reverse("convocations:mandat_modifier", args=[objet.pk]),
                objet.utilisateur,
            )
            if objet.fin is None or objet.fin >= self.jour:
                actions = format_html(
                    '{} · <a href="{}">Terminer<span class="sr-only"> le mandat de {}</span></a>',
                    actions,
                    reverse("convocations:mandat_terminer", args=[objet.pk]),
                    objet.utilisateur,
                )
        return {
            "elu": str(objet.utilisateur),
            "assemblee": objet.nom_assemblee,
            "fonction": objet.get_fonction_display(),
            "debut": date_fr(objet.debut),
            "fin": date_fr(objet.fin),
            "actions": actions,
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        self.ecrire = peut(self.request, Capacite.CONVOCATIONS, Action.ECRIRE)
        self.jour = aujourd_hui()
        return {**super().get_context_data(**kwargs), **self.contexte_liste()}


class MandatCreerView(_Carnet, TemplateView):
    action = Action.ECRIRE
    template_name = "convocations/mandat_form.html"

    def contact(self) -> Contact:
        return get_object_or_404(Contact.objects.pour(self.collectivite), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("form", MandatForm())
        return super().get_context_data(contact=self.contact(), **kwargs)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        contact = self.contact()
        form = MandatForm(request.POST)
        if form.is_valid():
            try:
                mandat = mandat_creer(contact=contact, par=self.agent, **form.cleaned_data)
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                messages.success(request, f"Mandat enregistré : {mandat}.")
                return redirect("convocations:contact", pk=contact.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class MandatModifierView(_Carnet, TemplateView):
    model = Mandat
    action = Action.ECRIRE
    template_name = "convocations/mandat_form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        mandat = self.get_object()
        kwargs.setdefault(
            "form",
            MandatForm(
                initial={
                    "assemblee": mandat.assemblee,
                    "commission": mandat.commission,
                    "fonction": mandat.fonction,
                    "debut": mandat.debut,
                    "fin": mandat.fin,
                }
            ),
        )
        return super().get_context_data(mandat=mandat, **kwargs)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        mandat = self.get_object()
        form = MandatForm(request.POST)
        if form.is_valid():
            try:
                mandat_modifier(mandat=mandat, par=self.agent, **form.cleaned_data)
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                messages.success(request, f"Mandat enregistré : {mandat}.")
                return redirect("convocations:mandats")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class MandatTerminerView(_Carnet, TemplateView):
    model = Mandat
    action = Action.ECRIRE
    template_name = "convocations/mandat_terminer.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("form", MandatTerminerForm(initial={"fin": aujourd_hui()}))
        return super().get_context_data(mandat=self.get_object(), **kwargs)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        mandat = self.get_object()
        form = MandatTerminerForm(request.POST)
        if form.is_valid():
            try:
                mandat_terminer(mandat=mandat, fin=form.cleaned_data["fin"], par=self.agent)
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                messages.success(
                    request, f"Mandat terminé le {date_fr(mandat.fin)} : {mandat.utilisateur}."
                )
                return redirect("convocations:mandats")
        return self.render_to_response(self.get_context_data(form=form), status=400)


# --- Import et export --------------------------------------------------------------------------


class ImportView(_Carnet, TemplateView):
    action = Action.ECRIRE
    template_name = "convocations/import.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("form", ImportForm())
        return super().get_context_data(**kwargs)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            fichier = form.cleaned_data["fichier"]
            try:
                verifier_taille(fichier.size)
                contenu = fichier.read()
                apercu = analyser(collectivite=self.collectivite, contenu=contenu)
            except FichierRefuse as refus:
                form.add_error("fichier", refus.message)
            else:
                depot = depot_creer(
                    collectivite=self.collectivite,
                    nom_fichier=fichier.name,
                    contenu=contenu,
                    apercu=apercu,
                    par=self.agent,
                )
                return redirect("convocations:import_apercu", pk=depot.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ImportApercuView(_Carnet, TemplateView):
    action = Action.ECRIRE
    template_name = "convocations/import_apercu.html"

    def depot(self) -> ImportContacts:
        depot = import_en_attente(
            collectivite=self.collectivite, par=self.agent, pk=self.kwargs["pk"]
        )
        if depot is None:
            raise Http404("Cet import n'existe pas ou a déjà été confirmé.")
        return depot

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        depot = kwargs.pop("depot", None) or self.depot()
        apercu = kwargs.pop("apercu", None) or analyser(
            collectivite=self.collectivite, contenu=bytes(depot.contenu)
        )
        coches = kwargs.pop("coches", set())
        return super().get_context_data(
            depot=depot,
            apercu=apercu,
            groupes_inconnus=[(nom, nom in coches) for nom in apercu.groupes_inconnus],
            erreurs_fichier=[m for _, m in apercu.invalides]
            + [
                f"Ligne {n} : l'adresse « {e} » figure déjà ligne {p}."
                for n, e, p in apercu.doublons
            ],
            **kwargs,
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        depot = self.depot()
        coches = set(request.POST.getlist("creer"))
        try:
            resultat = importer(
                collectivite=self.collectivite,
                contenu=bytes(depot.contenu),
                groupes_a_creer=coches,
                nom_fichier=depot.nom_fichier,
                empreinte_attendue=depot.empreinte_apercu,
                par=self.agent,
            )
        except ApercuPerime as perime:
            depot.empreinte_apercu = perime.apercu.empreinte()
            depot.save(update_fields=["empreinte_apercu", "modifie_le"])
            contexte = self.get_context_data(
                depot=depot,
                apercu=perime.apercu,
                coches=coches,
                refus=[
                    "Le carnet a changé depuis cet aperçu : vérifiez le nouvel aperçu ci-dessous "
                    "puis confirmez à nouveau."
                ],
            )
            return self.render_to_response(contexte, status=409)
        except ImportRefuse as refus:
            contexte = self.get_context_data(depot=depot, coches=coches, refus=refus.messages)
            return self.render_to_response(contexte, status=400)
        except FichierRefuse as refus:
            messages.error(request, refus.message)
            return redirect("convocations:import")
        ImportContacts.objects.filter(pk=depot.pk).delete()
        messages.success(request, f"Import de « {depot.nom_fichier} » : {resultat.message}")
        return redirect("convocations:contacts")


class ExportView(_Carnet, TemplateView):
    action = Action.EXPORTER

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        contenu = exporter(collectivite=self.collectivite, par=self.agent)
        reponse = HttpResponse(contenu, content_type="text/csv; charset=utf-8")
        reponse["Content-Disposition"] = 'attachment; filename="carnet-d-adresses.csv"'
        return reponse

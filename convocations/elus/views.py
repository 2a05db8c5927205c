"""Accès des élus : pages de l'agent (activation, date de naissance, notice RGPD) et espace
élu `/elu/` (portail, notice, données et consentements, adresse, récapitulatif, note)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from convocations.elus.courriels import (
    OBJECTIF_ADRESSE,
    OBJECTIF_MOT_DE_PASSE,
    OBJECTIF_RATTACHEMENT,
)
from convocations.elus.forms import (
    AdresseForm,
    ConsentementsForm,
    LienPerduForm,
    NaissanceForm,
    NoteForm,
    NoticeAccuseForm,
    NoticeRgpdForm,
    RattachementForm,
)
from convocations.elus.models import AccuseNotice, AdresseElu, CourrielElu
from convocations.elus.selectors import (
    acces_des_elus,
    accuses_de,
    adresse_en_vigueur,
    comptes_collectivite_de_seance,
    destinataire_de_l_elu,
    est_elu,
    notice_de,
    notices_a_lire,
    seances_de_l_elu,
)
from convocations.elus.services import (
    adresse_confirmer,
    adresse_demander,
    consentements_modifier,
    elu_lien_perdu,
    elu_mot_de_passe_changer,
    elu_naissance_enregistrer,
    elus_activation_envoyer,
    elus_activation_envoyer_tous,
    note_envoyer,
    notice_accuser,
    notice_enregistrer,
    rattachement_confirmer,
    rattachement_demander,
)
from convocations.models import Contact, Mandat
from core.comptes.backends import BACKEND_COMPTES
from core.comptes.models import Utilisateur
from core.comptes.permissions import Action, Capacite
from core.formulaires import erreurs_vers_formulaire
from core.liens.forms import MotDePasseForm
from core.liens.services import LienInvalide, cible_du_lien, lien_de_session, oublier_lien
from core.tenancy.acces import acces
from core.tenancy.mixins import EspaceAgentMixin, peut

URL_REPONSE_PORTAIL = "convocations:reponse_portail"


def _pluriel(nombre: int, mot: str) -> str:
    return f"{nombre}\u00a0{mot}{'s' if nombre > 1 else ''}"


# --- Côté agent ------------------------------------------------------------------------------


class _AccesElus(EspaceAgentMixin):
    capacite = Capacite.CONVOCATIONS


class AccesElusView(_AccesElus, TemplateView):
    """Les élus en fonction et l'état de leur accès ; « Envoyer les liens d'activation »."""

    template_name = "convocations/elus/acces.html"
    action_post = Action.ECRIRE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            "lignes": acces_des_elus(self.collectivite),
            "peut_ecrire": peut(self.request, Capacite.CONVOCATIONS, Action.ECRIRE),
        }

    def post(self, request: HttpRequest) -> HttpResponse:
        bilan = elus_activation_envoyer_tous(collectivite=self.collectivite, par=self.agent)
        _messages_bilan(request, bilan)
        return redirect("convocations:elus_acces")


def _messages_bilan(request: HttpRequest, bilan: Any) -> None:
    if bilan.envoyes:
        messages.success(
            request,
            f"Lien d'activation envoyé à {_pluriel(len(bilan.envoyes), 'élu')}.",
        )
    if bilan.sans_naissance:
        noms = ", ".join(str(u) for u in bilan.sans_naissance)
        messages.warning(
            request,
            f"Sans date de naissance enregistrée, aucun lien n'est parti pour : {noms}.",
        )
    if bilan.sans_adresse:
        noms = ", ".join(str(u) for u in bilan.sans_adresse)
        messages.warning(request, f"Sans adresse électronique : {noms}.")
    if not (bilan.envoyes or bilan.sans_naissance or bilan.sans_adresse):
        messages.info(request, "Tous les élus en fonction ont déjà activé leur accès.")


class _ContactElu(_AccesElus):
    def contact(self) -> Contact:
        contact = get_object_or_404(Contact.objects.pour(self.collectivite), pk=self.kwargs["pk"])
        if (
            contact.utilisateur_id is None
            or not Mandat.objects.pour(self.collectivite)
            .filter(utilisateur_id=contact.utilisateur_id)
            .exists()
        ):
            raise Http404("Ce contact n'a pas de mandat ici.")
        return contact


class EluNaissanceView(_ContactElu, TemplateView):
    """L'agent enregistre la date de naissance de l'élu (vérifiée à l'ouverture du lien)."""

    template_name = "convocations/elus/naissance.html"
    action = Action.ECRIRE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", NaissanceForm())
        context["contact"] = self.contact()
        return context

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        contact = self.contact()
        form = NaissanceForm(request.POST)
        if form.is_valid():
            try:
                elu_naissance_enregistrer(
                    contact=contact,
                    date_naissance=form.cleaned_data["date_naissance"],
                    par=self.agent,
                )
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                messages.success(request, "Date de naissance enregistrée.")
                return redirect("convocations:contact", pk=contact.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class EluActivationView(_ContactElu, TemplateView):
    """« Envoyer le lien d'activation » depuis la fiche d'un élu (POST seulement)."""

    action = Action.ECRIRE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        contact = self.contact()
        utilisateur = contact.utilisateur
        assert utilisateur is not None
        if utilisateur.has_usable_password():
            messages.info(request, "Cet élu a déjà activé son accès.")
        else:
            bilan = elus_activation_envoyer(
                collectivite=self.collectivite, utilisateurs=[utilisateur], par=self.agent
            )
            _messages_bilan(request, bilan)
        return redirect("convocations:contact", pk=contact.pk)


class NoticeRgpdView(EspaceAgentMixin, TemplateView):
    """Texte de la notice RGPD des élus et adresse du DPD (administrateurs)."""

    template_name = "convocations/elus/notice_modifier.html"
    capacite = Capacite.PARAMETRES
    action = Action.ECRIRE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        notice = notice_de(self.collectivite)
        context.setdefault(
            "form",
            NoticeRgpdForm(initial={"texte": notice.texte, "adresse_dpd": notice.adresse_dpd}),
        )
        context["notice"] = notice
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        form = NoticeRgpdForm(request.POST)
        if form.is_valid():
            try:
                notice_enregistrer(
                    collectivite=self.collectivite,
                    texte=form.cleaned_data["texte"],
                    adresse_dpd=form.cleaned_data["adresse_dpd"],
                    par=self.agent,
                )
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                messages.success(request, "Notice RGPD enregistrée.")
                return redirect("convocations:notice_rgpd")
        return self.render_to_response(self.get_context_data(form=form), status=400)


# --- Espace élu ------------------------------------------------------------------------------


class EspaceEluMixin(AccessMixin):
    """Page de l'espace élu : connecté, avec un mandat ; la notice RGPD d'abord (première
    connexion, ou nouvelle collectivité)."""

    notice_requise = True
    request: HttpRequest
    elu: Utilisateur

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not est_elu(request.user):  # type: ignore[arg-type]
            raise PermissionDenied("Cet espace est réservé aux élus.")
        self.elu = request.user  # type: ignore[assignment]
        if self.notice_requise and notices_a_lire(self.elu):
            return redirect("convocations:portail_notice")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["espace_agent"] = bool(acces(self.request).roles)
        return context


class PortailView(EspaceEluMixin, TemplateView):
    template_name = "convocations/elus/portail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        a_venir, passees = seances_de_l_elu(self.elu)
        context["a_venir"] = [(d, reverse(URL_REPONSE_PORTAIL, args=[d.pk])) for d in a_venir]
        context["passees"] = [(d, reverse(URL_REPONSE_PORTAIL, args=[d.pk])) for d in passees]
        return context


class PortailNoticeView(EspaceEluMixin, TemplateView):
    """La notice de chaque collectivité non encore lue, une à la fois."""

    template_name = "convocations/elus/notice.html"
    notice_requise = False

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", NoticeAccuseForm())
        a_lire = notices_a_lire(self.elu)
        context["notice"] = a_lire[0] if a_lire else None
        context["restantes"] = len(a_lire) - 1
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        a_lire = notices_a_lire(self.elu)
        if not a_lire:
            return redirect("convocations:portail")
        form = NoticeAccuseForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        notice_accuser(
            utilisateur=self.elu,
            collectivite=a_lire[0].collectivite,
            actualites=form.cleaned_data["actualites"],
            evenements=form.cleaned_data["evenements"],
        )
        messages.success(request, "Merci : votre lecture de la notice est enregistrée.")
        return redirect(
            "convocations:portail_notice" if len(a_lire) > 1 else "convocations:portail"
        )


class PortailDonneesView(EspaceEluMixin, TemplateView):
    """Vos données : les notices lues (date) et les consentements, retirables à tout moment."""

    template_name = "convocations/elus/donnees.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["lignes"] = [
            (
                accuse,
                notice_de(accuse.collectivite),
                ConsentementsForm(
                    initial={"actualites": accuse.actualites, "evenements": accuse.evenements},
                    prefix=f"c{accuse.pk}",
                ),
            )
            for accuse in accuses_de(self.elu)
        ]
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        try:
            accuse_id = int(request.POST.get("accuse", ""))
        except ValueError:
            accuse_id = 0
        accuse = get_object_or_404(AccuseNotice, pk=accuse_id, utilisateur_id=self.elu.pk)
        form = ConsentementsForm(request.POST, prefix=f"c{accuse.pk}")
        if form.is_valid():
            consentements_modifier(
                accuse=accuse,
                actualites=form.cleaned_data["actualites"],
                evenements=form.cleaned_data["evenements"],
                par=self.elu,
            )
            messages.success(request, "Vos choix sont enregistrés.")
        return redirect("convocations:portail_donnees")


class PortailAdresseView(EspaceEluMixin, TemplateView):
    """Recevoir les convocations à une adresse personnelle (tapée deux fois, confirmée par
    le lien qui y est envoyé)."""

    template_name = "convocations/elus/adresse.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", AdresseForm())
        context["en_vigueur"] = adresse_en_vigueur(self.elu)
        context["en_attente"] = (
            AdresseElu.objects.filter(utilisateur_id=self.elu.pk, confirmee_le__isnull=True)
            .order_by("-cree_le")
            .first()
        )
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        form = AdresseForm(request.POST)
        if form.is_valid():
            try:
                adresse = adresse_demander(utilisateur=self.elu, email=form.cleaned_data["email"])
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                messages.success(
                    request,
                    f"Un lien vient d'être envoyé à {adresse.email}. Ouvrez-le pour que vos "
                    "convocations y soient envoyées.",
                )
                return redirect("convocations:portail_adresse")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PortailRattacherView(EspaceEluMixin, TemplateView):
    """Un seul compte pour tous les mandats : l'élu qu'une autre collectivité convoque sous un
    autre compte donne l'adresse où elle lui écrit et ouvre le lien qui y est envoyé."""

    template_name = "convocations/elus/rattacher.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", RattachementForm())
        context["sans_naissance"] = self.elu.date_naissance is None
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        form = RattachementForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        rattachement_demander(utilisateur=self.elu, email=form.cleaned_data["email"])
        messages.success(
            request,
            "Si un autre compte d'élu à votre nom correspond à cette adresse, un lien vient "
            "d'y être envoyé. Ouvrez-le dans ce navigateur pour réunir vos mandats.",
        )
        return redirect("convocations:portail_rattacher")


class PortailRecapitulatifView(EspaceEluMixin, TemplateView):
    """Page imprimable : identifiant, adresse du portail, mandats ; jamais le mot de passe."""

    template_name = "convocations/elus/recapitulatif.html"
    notice_requise = False

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["portail"] = self.request.build_absolute_uri(reverse("convocations:portail"))
        context["mandats"] = (
            Mandat.objects.filter(utilisateur_id=self.elu.pk)
            .select_related("collectivite")
            .order_by("collectivite__nom", "debut")
        )
        context["adresse"] = adresse_en_vigueur(self.elu)
        return context


class PortailNoteView(EspaceEluMixin, TemplateView):
    """Note de l'élu au compte de la collectivité au sujet d'une séance."""

    template_name = "convocations/elus/note.html"

    def destinataire(self) -> Any:
        destinataire = destinataire_de_l_elu(self.elu, self.kwargs["pk"])
        if destinataire is None:
            raise Http404("Convocation introuvable.")
        return destinataire

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        destinataire = self.destinataire()
        context.setdefault("form", NoteForm())
        context["destinataire"] = destinataire
        context["comptes"] = comptes_collectivite_de_seance(destinataire.seance)
        return context

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        destinataire = self.destinataire()
        form = NoteForm(request.POST)
        if form.is_valid():
            try:
                note_envoyer(
                    destinataire=destinataire, texte=form.cleaned_data["texte"], par=self.elu
                )
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                messages.success(request, "Votre note a été envoyée à la collectivité.")
                return redirect("convocations:portail")
        return self.render_to_response(self.get_context_data(form=form), status=400)


# --- Pages publiques et pages des liens ------------------------------------------------------


def _adresse_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR seulement (comme le journal) : un X-Forwarded-For se falsifie.
    return str(request.META.get("REMOTE_ADDR") or "")


@never_cache
def lien_perdu(request: HttpRequest) -> HttpResponse:
    """Lien ou mot de passe perdu : adresse et date de naissance ; réponse toujours neutre."""
    form = LienPerduForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            elu_lien_perdu(
                email=form.cleaned_data["email"],
                date_naissance=form.cleaned_data["date_naissance"],
                adresse_ip=_adresse_ip(request),
            )
            return redirect("convocations:elu_lien_perdu_envoye")
        return render(request, "convocations/elus/lien_perdu.html", {"form": form}, status=400)
    return render(request, "convocations/elus/lien_perdu.html", {"form": form})


@require_GET
def lien_perdu_envoye(request: HttpRequest) -> HttpResponse:
    return render(request, "convocations/elus/lien_perdu_envoye.html")


def _erreur_lien(request: HttpRequest, erreur: LienInvalide) -> HttpResponse:
    reponse = render(
        request,
        "core/lien_erreur.html",
        {"titre": erreur.titre, "message": erreur.message, "deconnexion": False},
        status=erreur.statut,
    )
    reponse["Referrer-Policy"] = "same-origin"
    return reponse


@never_cache
def mot_de_passe(request: HttpRequest) -> HttpResponse:
    """Page du lien « mot de passe perdu » : l'élu choisit un nouveau mot de passe."""
    lien = lien_de_session(request, OBJECTIF_MOT_DE_PASSE)
    if lien is None:
        return redirect("liens:accueil")
    utilisateur = cible_du_lien(lien, Utilisateur)
    if utilisateur is None:
        raise Http404("Compte introuvable.")
    if request.user.is_authenticated and request.user.pk != utilisateur.pk:
        raise PermissionDenied("Ce lien est destiné à une autre personne : déconnectez-vous.")
    form = MotDePasseForm(utilisateur, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                utilisateur = elu_mot_de_passe_changer(
                    lien=lien, mot_de_passe=form.cleaned_data["new_password1"]
                )
            except LienInvalide as erreur:
                return _erreur_lien(request, erreur)
            oublier_lien(request)
            login(request, utilisateur, backend=BACKEND_COMPTES)
            messages.success(
                request,
                "Votre nouveau mot de passe est enregistré. Votre identifiant est "
                f"« {utilisateur.username} ».",
            )
            return redirect("convocations:portail")
        status = 400
    else:
        status = 200
    reponse = render(
        request,
        "convocations/elus/mot_de_passe.html",
        {"form": form, "utilisateur": utilisateur},
        status=status,
    )
    reponse["Referrer-Policy"] = "same-origin"
    return reponse


@never_cache
def adresse_confirmation(request: HttpRequest) -> HttpResponse:
    """Page du lien envoyé à l'adresse personnelle : un bouton la met en vigueur."""
    lien = lien_de_session(request, OBJECTIF_ADRESSE)
    if lien is None:
        return redirect("liens:accueil")
    adresse = cible_du_lien(lien, AdresseElu)
    if adresse is None:
        raise Http404("Adresse introuvable.")
    if request.method == "POST":
        try:
            adresse_confirmer(lien=lien)
        except LienInvalide as erreur:
            return _erreur_lien(request, erreur)
        oublier_lien(request)
        return render(request, "convocations/elus/adresse_confirmee.html", {"adresse": adresse})
    reponse = render(request, "convocations/elus/adresse_confirmer.html", {"adresse": adresse})
    reponse["Referrer-Policy"] = "same-origin"
    return reponse


@never_cache
def rattachement_confirmation(request: HttpRequest) -> HttpResponse:
    """Page du lien de rattachement : l'élu, connecté au compte qui l'a demandé, confirme."""
    lien = lien_de_session(request, OBJECTIF_RATTACHEMENT)
    if lien is None:
        return redirect("liens:accueil")
    if not request.user.is_authenticated:
        # La session garde le lien à travers la connexion.
        return redirect(f"{reverse('login')}?next={request.path}")
    courriel = cible_du_lien(lien, CourrielElu)
    if courriel is None or courriel.autre is None:
        raise Http404("Demande introuvable.")
    if request.method == "POST":
        try:
            collectivites = rattachement_confirmer(lien=lien, par=request.user)  # type: ignore[arg-type]
        except LienInvalide as erreur:
            return _erreur_lien(request, erreur)
        oublier_lien(request)
        noms = ", ".join(c.nom for c in collectivites)
        messages.success(request, f"Vos mandats ({noms}) sont maintenant réunis sur ce compte.")
        return redirect("convocations:portail")
    reponse = render(
        request,
        "convocations/elus/rattachement_confirmer.html",
        {"autre": courriel.autre, "collectivite": courriel.collectivite},
    )
    reponse["Referrer-Policy"] = "same-origin"
    return reponse


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """Manifeste de l'application web : l'espace élu s'installe sur un téléphone ou une
    tablette (seed i-delibRE : « application à installer »)."""
    contenu = {
        "name": "Écharpe — Espace élu",
        "short_name": "Espace élu",
        "description": "Vos convocations, leurs documents et vos réponses.",
        "lang": "fr",
        "start_url": reverse("convocations:portail"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1d3557",
        "icons": [
            {
                "src": static(f"convocations/elus/icone-{t}.png"),
                "sizes": f"{t}x{t}",
                "type": "image/png",
            }
            for t in (192, 512)
        ]
        + [
            {
                "src": static("convocations/elus/icone-512-maskable.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            }
        ],
    }
    return HttpResponse(
        json.dumps(contenu, ensure_ascii=False), content_type="application/manifest+json"
    )

"""Page « Envoi et suivi » d'une séance et ses actions (vues minces : un service chacune)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.views.generic import TemplateView, View

from convocations.envoi.forms import PapierForm
from convocations.envoi.models import AbonnementResume
from convocations.envoi.selectors import (
    FILTRES,
    incertains_lister,
    suivi_compter,
    suivi_lignes,
)
from convocations.envoi.services import (
    convocation_envoyer,
    convocation_renvoyer,
    destinataire_non_recu,
    message_mis_en_file,
    papier_enregistrer,
    resume_abonner,
    seance_notifier,
)
from convocations.seances.models import Destinataire, EtatSeance, MotifEnvoi, Seance
from core.comptes.permissions import Action, Capacite
from core.formulaires import erreurs_vers_formulaire
from core.listes import Colonne, ListeMixin
from core.mail.models import StatutEnvoi
from core.templatetags.echarpe import date_fr
from core.tenancy.mixins import EspaceAgentMixin, peut

URL_SAISIE_REPONSE = "convocations:reponse_saisir"


class _Seance(EspaceAgentMixin):
    capacite = Capacite.CONVOCATIONS
    model = Seance

    def retour(self, seance: Seance) -> HttpResponse:
        return redirect("convocations:seance_suivi", pk=seance.pk)

    def executer(self, cible: Seance, fonction: Any, **kwargs: Any) -> HttpResponse:
        try:
            n = fonction(**kwargs)
        except ValidationError as erreur:
            for message in erreur.messages:
                messages.error(self.request, message)
        else:
            messages.success(self.request, message_mis_en_file(n))
        return self.retour(cible)


class SeanceSuiviView(ListeMixin, _Seance, TemplateView):
    template_name = "convocations/envoi/suivi.html"
    colonnes = (
        Colonne("nom", "Destinataire", tri=("nom", "email")),
        Colonne("envoi", "Envoi", tri=("premier_envoi_le",)),
        Colonne("lecture", "Accusé de réception", tri=("lu_le",)),
        Colonne("reponse", "Réponse", tri=("reponse_le",)),
        Colonne("courriel", "Dernier courriel"),
        Colonne("actions", "Actions", masque=True),
    )
    recherche = ("nom", "email")
    recherche_libelle = "Rechercher un destinataire"
    tri_defaut = "nom"
    par_page = 50
    vide = "Aucun destinataire pour l'instant : ajoutez-les dans la préparation de la séance."
    vide_recherche = "Aucun destinataire ne correspond."

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.seance = self.get_object()
        self.filtre = request.GET.get("filtre", "")
        if self.filtre not in FILTRES:
            self.filtre = ""
        self.peut_envoyer = peut(request, Capacite.CONVOCATIONS, Action.ENVOYER)
        self.peut_ecrire = peut(request, Capacite.CONVOCATIONS, Action.ECRIRE)
        self.url_saisie = self.peut_ecrire
        self.jeton = get_token(request)
        return super().get(request, *args, **kwargs)

    def legende_liste(self) -> str:
        return f"Destinataires de la séance « {self.seance.titre} »"

    def lignes(self) -> QuerySet[Destinataire]:
        return suivi_lignes(seance=self.seance, filtre=self.filtre)

    def cellules(self, d: Destinataire) -> dict[str, str]:
        qualite = "membre" if d.membre else "invité(e)"
        nom = format_html("{}<br><small>{} — {}</small>", d.nom or d.email, d.email, qualite)
        envoi = []
        if d.premier_envoi_le:
            envoi.append(f"le {date_fr(d.premier_envoi_le)}")
            if d.nombre_envois > 1:
                envoi.append(f"dernier le {date_fr(d.dernier_envoi_le)} ({d.nombre_envois} envois)")
        if d.papier_le:
            envoi.append(f"papier le {date_fr(d.papier_le)}")
        lecture = f"Lu le {date_fr(d.lu_le)}" if d.lu_le else "Non lu"
        if d.presence:
            reponse = d.get_presence_display()
            if d.mandataire_nom:  # type: ignore[attr-defined]
                reponse += f" à {d.mandataire_nom}"  # type: ignore[attr-defined]
            reponse += f", le {date_fr(d.reponse_le)}" if d.reponse_le else ""
        else:
            reponse = "Pas de réponse"
        return {
            "nom": nom,
            "envoi": format_html_join("", "{}<br>", ((e,) for e in envoi)) or "Pas encore envoyé",
            "lecture": lecture,
            "reponse": reponse,
            "courriel": self._courriel(d),
            "actions": self._actions(d),
        }

    def _courriel(self, d: Destinataire) -> str:
        statut = d.dernier_statut  # type: ignore[attr-defined]
        motif = dict(MotifEnvoi.choices).get(d.dernier_motif or "", "")  # type: ignore[attr-defined]
        if d.rebondi_le:
            return format_html(
                '<span class="etiquette etiquette--echec">Non distribué le {}</span><br>'
                "<small>{}</small>",
                date_fr(d.rebondi_le),
                d.rebond_motif,
            )
        if statut == StatutEnvoi.INCERTAIN:
            return format_html(
                '<span class="etiquette etiquette--attente">Envoi incertain</span><br><small>{}'
                "</small>",
                "Le courriel est peut-être parti : demandez à la personne avant de renvoyer.",
            )
        if statut == StatutEnvoi.ECHEC:
            return format_html(
                '<span class="etiquette etiquette--echec">Non parti</span><br><small>{}</small>',
                d.dernier_reponse or "Le serveur l'a refusé.",  # type: ignore[attr-defined]
            )
        if statut in (StatutEnvoi.EN_ATTENTE, StatutEnvoi.EN_COURS):
            return f"{motif} : en cours d'envoi"
        if statut == StatutEnvoi.ENVOYE:
            return f"{motif} : parti"
        return "—"

    def _actions(self, d: Destinataire) -> str:
        if self.seance.classee:
            return ""
        boutons = []
        jeton = self.jeton
        if self.peut_envoyer and self.seance.etat != EtatSeance.BROUILLON:
            boutons.append(
                format_html(
                    '<form method="post" action="{}"><input type="hidden" '
                    'name="csrfmiddlewaretoken" value="{}"><input type="hidden" '
                    'name="destinataire" value="{}"><button type="submit" '
                    'class="bouton bouton--secondaire">Envoyer à nouveau</button></form>',
                    reverse("convocations:seance_relancer", args=[self.seance.pk]),
                    jeton,
                    d.pk,
                )
            )
        if self.peut_ecrire and d.lu_le:
            boutons.append(
                format_html(
                    '<form method="post" action="{}"><input type="hidden" '
                    'name="csrfmiddlewaretoken" value="{}"><button type="submit" '
                    'class="bouton bouton--secondaire">Définir comme non reçu</button></form>',
                    reverse("convocations:destinataire_non_recu", args=[d.pk]),
                    jeton,
                )
            )
        if self.peut_ecrire:
            boutons.append(
                format_html(
                    '<a href="{}">Envoi papier</a>',
                    reverse("convocations:destinataire_papier", args=[d.pk]),
                )
            )
        if self.url_saisie:
            boutons.append(
                format_html(
                    '<a href="{}">Saisir la réponse</a>', reverse(URL_SAISIE_REPONSE, args=[d.pk])
                )
            )
        # Une action par ligne : deux liens collés se liraient comme un seul.
        return format_html_join("", '<div class="action-ligne">{}</div>', ((b,) for b in boutons))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        compteurs, quorum = suivi_compter(seance=self.seance)
        return super().get_context_data(
            seance=self.seance,
            onglet_courant="suivi",
            compteurs=compteurs,
            quorum=quorum,
            incertains=incertains_lister(seance=self.seance) if compteurs.incertains else [],
            filtres=[(cle, libelle) for cle, (libelle, _q) in FILTRES.items()],
            filtre=self.filtre,
            peut_envoyer=self.peut_envoyer and not self.seance.classee,
            brouillon=self.seance.etat == EtatSeance.BROUILLON,
            abonne=AbonnementResume.objects.filter(
                collectivite=self.collectivite, utilisateur=self.agent
            ).exists(),
            **self.contexte_liste(),
            **kwargs,
        )


class SeanceEnvoyerView(_Seance, View):
    action = Action.ENVOYER
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        seance = self.get_object()
        return self.executer(seance, convocation_envoyer, seance=seance, par=self.agent)


class SeanceRelancerView(_Seance, View):
    """« Envoyer à nouveau » : à un destinataire (`destinataire` dans le formulaire) ou à tous
    ceux qui n'ont pas accusé réception."""

    action = Action.ENVOYER
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        seance = self.get_object()
        destinataire = None
        brut = request.POST.get("destinataire", "")
        if brut:
            if not brut.isdigit():
                messages.error(request, "Destinataire inconnu.")
                return self.retour(seance)
            destinataire = get_object_or_404(
                Destinataire.objects.filter(seance=seance), pk=int(brut)
            )
        return self.executer(
            seance, convocation_renvoyer, seance=seance, par=self.agent, destinataire=destinataire
        )


class SeanceNotifierView(_Seance, View):
    action = Action.ENVOYER
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        seance = self.get_object()
        return self.executer(seance, seance_notifier, seance=seance, par=self.agent)


class DestinataireNonRecuView(EspaceAgentMixin, View):
    capacite = Capacite.CONVOCATIONS
    action = Action.ECRIRE
    model = Destinataire
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        destinataire = self.get_object()
        try:
            destinataire_non_recu(destinataire=destinataire, par=self.agent)
        except ValidationError as erreur:
            for message in erreur.messages:
                messages.error(request, message)
        else:
            messages.success(request, f"Convocation définie comme non reçue pour {destinataire}.")
        return redirect("convocations:seance_suivi", pk=destinataire.seance_id)


class DestinatairePapierView(EspaceAgentMixin, TemplateView):
    capacite = Capacite.CONVOCATIONS
    action = Action.ECRIRE
    model = Destinataire
    template_name = "convocations/envoi/papier.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        destinataire = self.get_object()
        kwargs.setdefault("form", PapierForm(initial={"le": destinataire.papier_le}))
        return super().get_context_data(
            destinataire=destinataire, seance=destinataire.seance, **kwargs
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        destinataire = self.get_object()
        form = PapierForm(request.POST)
        if form.is_valid():
            try:
                papier_enregistrer(
                    destinataire=destinataire, le=form.cleaned_data["le"], par=self.agent
                )
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                messages.success(
                    request,
                    f"Envoi papier du {date_fr(form.cleaned_data['le'])} enregistré pour "
                    f"{destinataire}.",
                )
                return redirect("convocations:seance_suivi", pk=destinataire.seance_id)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ResumeAbonnerView(EspaceAgentMixin, View):
    """Recevoir (ou ne plus recevoir) le résumé quotidien des nouvelles réponses."""

    capacite = Capacite.CONVOCATIONS
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        actif = request.POST.get("actif") == "1"
        messages.success(
            request,
            resume_abonner(collectivite_id=self.collectivite.pk, par=self.agent, actif=actif),
        )
        suite = request.POST.get("suite", "")
        if suite.startswith("/") and not suite.startswith("//"):
            return redirect(suite)
        return redirect("pages:accueil")

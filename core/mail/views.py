"""Paramètres › comptes d'envoi (SMTP) : le sien, ceux de la collectivité, le test.

Un agent gère son propre compte pour la collectivité courante ; l'administrateur voit et
modifie tous les comptes de la collectivité, dont le compte par défaut. « Tester la
connexion » envoie un vrai message hors de la transaction de la requête.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import format_html
from django.views import View
from django.views.generic import TemplateView

from core.comptes.models import Utilisateur
from core.comptes.permissions import Action, Capacite
from core.formulaires import erreurs_vers_formulaire
from core.listes import Colonne, ListeMixin
from core.mail.comptes import compte_smtp_enregistrer
from core.mail.forms import CompteSMTPForm, TestConnexionForm
from core.mail.models import CompteSMTP
from core.mail.selectors import comptes_des_agents
from core.mail.verification import delai_test, smtp_tester
from core.templatetags.echarpe import date_fr
from core.tenancy.mixins import EspaceAgentMixin, peut
from core.tenancy.models import Collectivite

AIDE_MOT_DE_PASSE = (
    "Laissez vide pour garder le mot de passe enregistré, sauf si vous changez le serveur ou "
    "le nom d'utilisateur : saisissez-le alors à nouveau."
)


def _titre(compte: CompteSMTP | None, utilisateur: Any, moi: Any) -> str:
    if utilisateur is None:
        return "Compte d'envoi de la collectivité"
    if getattr(utilisateur, "pk", None) == getattr(moi, "pk", None):
        return "Mon compte d'envoi"
    return f"Compte d'envoi de {utilisateur}"


def _url_page(compte: CompteSMTP, moi: Any) -> str:
    if compte.utilisateur_id is None:
        return reverse("mail:compte_defaut")
    if compte.utilisateur_id == moi.pk:
        return reverse("mail:mon_compte")
    return reverse("mail:compte_modifier", kwargs={"pk": compte.pk})


def _page_compte(
    request: HttpRequest,
    *,
    compte: CompteSMTP | None,
    utilisateur: Utilisateur | None,
    form: CompteSMTPForm,
    form_test: TestConnexionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """La page d'un compte : formulaire, dernier test et « Tester la connexion »."""
    if compte is not None and compte.mot_de_passe_chiffre:
        form.fields[
            "mot_de_passe"
        ].help_text = f"Un mot de passe est enregistré. {AIDE_MOT_DE_PASSE}"
    else:
        form.fields[
            "mot_de_passe"
        ].help_text = f"Aucun mot de passe enregistré. {AIDE_MOT_DE_PASSE}"
    if compte is not None and form_test is None:
        form_test = TestConnexionForm(initial={"destinataire": request.user.email})  # type: ignore[union-attr]
    contexte = {
        "titre": _titre(compte, utilisateur, request.user),
        "compte": compte,
        "form": form,
        "form_test": form_test,
        "action": request.path if compte is None else _url_page(compte, request.user),
        "url_test": reverse("mail:tester", kwargs={"pk": compte.pk}) if compte else "",
        "gestion": peut(request, Capacite.PARAMETRES, Action.LIRE),
        "delai": int(delai_test()),
    }
    return render(request, "core/smtp_compte_form.html", contexte, status=status)


class _CompteVue(EspaceAgentMixin, View):
    """Création ou modification d'un compte ; les sous-classes disent lequel."""

    action = Action.LIRE
    action_post = Action.ECRIRE
    collectivite: Collectivite

    def utilisateur(self) -> Utilisateur | None:
        raise NotImplementedError

    def compte(self) -> CompteSMTP | None:
        raise NotImplementedError

    def valeurs_initiales(self) -> dict[str, Any]:
        return {}

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        compte = self.compte()
        # Les valeurs proposées ne valent que sans compte enregistré : l'`initial` d'un
        # ModelForm l'emporterait sur l'instance (et changer l'identifiant affiché
        # exigerait le mot de passe à l'enregistrement).
        initial = self.valeurs_initiales() if compte is None else None
        form = CompteSMTPForm(instance=compte, initial=initial)
        return _page_compte(request, compte=compte, utilisateur=self.utilisateur(), form=form)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        compte = self.compte()
        utilisateur = self.utilisateur()
        form = CompteSMTPForm(request.POST, instance=compte)
        if form.is_valid():
            try:
                compte = compte_smtp_enregistrer(
                    compte=compte,
                    collectivite=self.collectivite,
                    utilisateur=utilisateur,
                    donnees=form.donnees_compte(),
                    mot_de_passe=form.cleaned_data["mot_de_passe"] or None,
                    par=request.user,  # type: ignore[arg-type]
                )
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                messages.success(
                    request,
                    f"Compte d'envoi {compte.adresse_expediteur} enregistré. Vous pouvez "
                    "maintenant tester la connexion.",
                )
                return HttpResponseRedirect(_url_page(compte, request.user))
        return _page_compte(request, compte=compte, utilisateur=utilisateur, form=form, status=400)


class SmtpMonCompteView(_CompteVue):
    capacite = Capacite.SMTP_PERSONNEL

    def utilisateur(self) -> Utilisateur | None:
        return self.request.user  # type: ignore[return-value]

    def compte(self) -> CompteSMTP | None:
        return (
            CompteSMTP.objects.pour(self.collectivite)
            .filter(utilisateur=self.request.user)  # type: ignore[misc]
            .first()
        )

    def valeurs_initiales(self) -> dict[str, Any]:
        moi = self.request.user
        nom = moi.get_full_name()  # type: ignore[union-attr]
        return {
            "adresse_expediteur": moi.email,  # type: ignore[union-attr]
            "identifiant": moi.email,  # type: ignore[union-attr]
            "nom_affiche": f"{nom} — {self.collectivite.nom}" if nom else self.collectivite.nom,
        }


class SmtpCompteDefautView(_CompteVue):
    capacite = Capacite.PARAMETRES

    def utilisateur(self) -> Utilisateur | None:
        return None

    def compte(self) -> CompteSMTP | None:
        return CompteSMTP.objects.pour(self.collectivite).filter(utilisateur__isnull=True).first()

    def valeurs_initiales(self) -> dict[str, Any]:
        return {
            "adresse_expediteur": self.collectivite.courriel,
            "identifiant": self.collectivite.courriel,
            "nom_affiche": self.collectivite.nom,
        }


class SmtpCompteModifierView(_CompteVue):
    capacite = Capacite.PARAMETRES

    def get_compte(self) -> CompteSMTP:
        if not hasattr(self, "_compte"):
            self._compte = get_object_or_404(
                CompteSMTP.objects.pour(self.collectivite).select_related("utilisateur"),
                pk=self.kwargs["pk"],
            )
        return self._compte

    def utilisateur(self) -> Utilisateur | None:
        return self.get_compte().utilisateur

    def compte(self) -> CompteSMTP | None:
        return self.get_compte()


class SmtpComptesView(ListeMixin, EspaceAgentMixin, TemplateView):
    """Tous les comptes d'envoi de la collectivité, pour l'administrateur."""

    capacite = Capacite.PARAMETRES
    template_name = "core/smtp_comptes.html"
    par_page = 50
    colonnes = (
        Colonne("agent", "Agent", tri=("utilisateur__last_name", "utilisateur__first_name")),
        Colonne("adresse", "Adresse d'expédition", tri=("adresse_expediteur",)),
        Colonne("serveur", "Serveur", tri=("hote", "port")),
        Colonne("test", "Dernier test", tri=("-derniere_verification",)),
        Colonne("actions", "Actions", masque=True),
    )
    recherche = ("adresse_expediteur", "hote", "utilisateur__last_name", "utilisateur__first_name")
    recherche_libelle = "Rechercher un agent, une adresse ou un serveur"
    tri_defaut = "agent"
    vide = (
        "Aucun agent n'a encore enregistré son compte d'envoi. Chaque agent le fait dans "
        "Paramètres › Mon compte d'envoi."
    )
    vide_recherche = "Aucun compte ne correspond. Essayez une autre recherche."

    def legende_liste(self) -> str:
        return f"Comptes d'envoi des agents de {self.collectivite.nom}"

    def lignes(self) -> QuerySet[CompteSMTP]:
        return comptes_des_agents(collectivite=self.collectivite)

    def cellules(self, objet: CompteSMTP) -> dict[str, str]:
        return {
            "agent": str(objet.utilisateur),
            "adresse": objet.adresse_expediteur,
            "serveur": f"{objet.hote}:{objet.port}, {objet.get_securite_display()}",
            "test": etat_du_test(objet),
            "actions": format_html(
                '<a href="{}">Modifier<span class="sr-only"> le compte de {}</span></a>',
                reverse("mail:compte_modifier", args=[objet.pk]),
                objet.utilisateur,
            ),
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        contexte = super().get_context_data(**kwargs)
        contexte.update(self.contexte_liste())
        contexte["q"] = contexte["liste"].q
        contexte["compte_defaut"] = (
            CompteSMTP.objects.pour(self.collectivite).filter(utilisateur__isnull=True).first()
        )
        return contexte


def etat_du_test(compte: CompteSMTP) -> str:
    """Résultat du dernier test d'un compte, comme `core/smtp_etat_test.html`."""
    if not compte.derniere_verification:
        return format_html('<span class="etiquette etiquette--attente">{}</span>', "Non testé")
    if compte.dernier_test_reussi:
        return format_html(
            '<span class="etiquette etiquette--succes">Réussi</span> le {}',
            date_fr(compte.derniere_verification),
        )
    return format_html(
        '<span class="etiquette etiquette--echec">Échec</span> le {} : {}',
        date_fr(compte.derniere_verification),
        compte.dernier_resultat,
    )


class SmtpTesterView(EspaceAgentMixin, View):
    """POST « Tester la connexion » : un agent teste son compte, l'administrateur tous ceux de
    la collectivité. Un échec est un résultat montré à l'agent, pas une erreur de page."""

    capacite = Capacite.SMTP_PERSONNEL
    action = Action.ECRIRE
    http_method_names = ["post"]
    collectivite: Collectivite

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        compte = get_object_or_404(
            CompteSMTP.objects.pour(self.collectivite).select_related(
                "utilisateur", "collectivite"
            ),
            pk=pk,
        )
        if compte.utilisateur_id != request.user.pk and not peut(
            request, Capacite.PARAMETRES, Action.ECRIRE
        ):
            raise PermissionDenied("Vous ne pouvez tester que votre propre compte d'envoi.")
        form_test = TestConnexionForm(request.POST)
        if not form_test.is_valid():
            return _page_compte(
                request,
                compte=compte,
                utilisateur=compte.utilisateur,
                form=CompteSMTPForm(instance=compte),
                form_test=form_test,
                status=400,
            )
        resultat = smtp_tester(
            compte=compte,
            destinataire=form_test.cleaned_data["destinataire"],
            par=request.user,  # type: ignore[arg-type]
        )
        if resultat.ok:
            messages.success(request, resultat.message)
        else:
            messages.error(request, resultat.message)
        return HttpResponseRedirect(_url_page(compte, request.user))

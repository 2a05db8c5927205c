"""Séances : liste, préparation (onglet « Préparation »), ordre du jour, documents,
destinataires, lettre de convocation, classement. Vues minces, limitées à la collectivité."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.generic import TemplateView, View

from convocations.seances.forms import DestinatairesForm, DocumentForm, PointForm, SeanceForm
from convocations.seances.lettre import TYPE_LETTRE
from convocations.seances.models import (
    Destinataire,
    DocumentSeance,
    EtatSeance,
    NatureDocument,
    PointOrdreDuJour,
    Seance,
    TypeSeance,
)
from convocations.seances.selectors import (
    PERIODES,
    destinataires_compter,
    destinataires_de_la_seance,
    documents_courants,
    documents_de_la_seance,
    points_de_la_seance,
    seances_liste,
)
from convocations.seances.services import (
    DelaiIntrouvable,
    destinataire_retirer,
    destinataires_ajouter,
    document_ajouter,
    document_retirer,
    envoi_autorise,
    lettre_libelle,
    message_rendre,
    note_synthese_requise,
    point_ajouter,
    point_deplacer,
    point_modifier,
    point_supprimer,
    regle_delai,
    resume_ajout,
    seance_classer,
    seance_creer,
    seance_modifier,
    type_document,
)
from core.comptes.permissions import Action, Capacite
from core.formulaires import erreurs_vers_formulaire
from core.journal.services import journal_chronologie
from core.listes import Colonne, ListeMixin
from core.templatetags.echarpe import date_fr, echeance, nombre
from core.tenancy.mixins import EspaceAgentMixin, peut
from core.travaux.services import travail_creer


class _Seances(EspaceAgentMixin):
    capacite = Capacite.CONVOCATIONS
    model = Seance

    def droits(self) -> dict[str, bool]:
        return {
            "peut_ecrire": peut(self.request, Capacite.CONVOCATIONS, Action.ECRIRE),
            "peut_envoyer": peut(self.request, Capacite.CONVOCATIONS, Action.ENVOYER),
        }

    def seance(self) -> Seance:
        if not hasattr(self, "_seance"):
            self._seance: Seance = self.get_object()
        return self._seance

    def retour(self) -> HttpResponse:
        return redirect("convocations:seance", pk=self.seance().pk)


class _Ecriture(_Seances):
    action = Action.ECRIRE


# --- Liste --------------------------------------------------------------------------------------


class SeanceListeView(ListeMixin, _Seances, TemplateView):
    template_name = "convocations/seances/liste.html"
    colonnes = (
        Colonne("titre", "Séance", tri=("titre",)),
        Colonne("type", "Type", tri=("type",)),
        Colonne("date", "Date", tri=("date",)),
        Colonne("etat", "État", tri=("etat",)),
        Colonne("lus", "Lus / destinataires"),
        Colonne("actions", "Actions", masque=True),
    )
    recherche = ("titre", "lieu", "commission")
    recherche_libelle = "Rechercher une séance (titre, lieu, commission)"
    tri_defaut = "-date"
    vide = "Aucune séance pour l'instant : créez la prochaine séance."
    vide_recherche = "Aucune séance ne correspond. Essayez une autre recherche ou d'autres filtres."

    def filtres(self) -> dict[str, str]:
        get = self.request.GET
        return {
            "etat": get.get("etat", "") if get.get("etat", "") in EtatSeance.values else "",
            "type": get.get("type", "") if get.get("type", "") in TypeSeance.values else "",
            "periode": get.get("periode", "") if get.get("periode", "") in PERIODES else "",
        }

    def legende_liste(self) -> str:
        return f"Séances de {self.collectivite.nom}"

    def lignes(self) -> QuerySet[Seance]:
        return seances_liste(self.collectivite, **self.filtres())

    def cellules(self, objet: Seance) -> dict[str, str]:
        lus = f"{nombre(getattr(objet, 'nb_lus', 0))} / {nombre(objet.nb_destinataires)}"  # type: ignore[attr-defined]
        actions = ""
        # Relancer les non-lus : l'action est celle de l'envoi (convocations/envoi).
        if (
            self._relance_possible
            and objet.etat in (EtatSeance.ENVOYEE, EtatSeance.RECUE_PARTIELLEMENT)
            and objet.nb_lus < objet.nb_destinataires  # type: ignore[attr-defined]
        ):
            url = reverse("convocations:seance_relancer", args=[objet.pk])
            actions = format_html(
                '<form method="post" action="{}"><input type="hidden" '
                'name="csrfmiddlewaretoken" value="{}"><input type="hidden" '
                'name="non_lus" value="1"><button type="submit" class="bouton '
                'bouton--secondaire">Relancer les non-lus<span class="sr-only">'
                " : {}</span></button></form>",
                url,
                self._jeton,
                objet.titre,
            )
        return {
            "titre": format_html(
                '<a href="{}">{}</a>', reverse("convocations:seance", args=[objet.pk]), objet.titre
            ),
            "type": objet.get_type_display(),
            "date": date_fr(objet.date),
            "etat": objet.get_etat_display(),
            "lus": lus,
            "actions": actions,
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        self._relance_possible = peut(self.request, Capacite.CONVOCATIONS, Action.ENVOYER)
        # Jeton CSRF du formulaire de chaque ligne (les cellules sont du texte déjà prêt).
        self._jeton = get_token(self.request) if self._relance_possible else ""
        return {
            **super().get_context_data(**kwargs),
            **self.contexte_liste(),
            **self.droits(),
            "filtres": self.filtres(),
            "etats": EtatSeance.choices,
            "types": TypeSeance.choices,
            "periodes": list(PERIODES.items()),
        }


# --- Créer, modifier ------------------------------------------------------------------------


class SeanceCreerView(_Ecriture, TemplateView):
    template_name = "convocations/seances/formulaire.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        if "form" not in kwargs:
            kwargs["form"] = SeanceForm(
                initial={"type": TypeSeance.CONSEIL_MUNICIPAL, "heure": "18 h 30"}
            )
        return super().get_context_data(**kwargs)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = SeanceForm(request.POST)
        if form.is_valid():
            try:
                seance = seance_creer(
                    collectivite=self.collectivite,
                    par=self.agent,
                    donnees=form.donnees_seance(),
                    mot_de_passe=form.cleaned_data["mot_de_passe"] or None,
                )
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, _vers_formulaire(erreur))
            else:
                messages.success(request, f"Séance « {seance.titre} » créée.")
                return redirect("convocations:seance", pk=seance.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


def _vers_formulaire(erreur: ValidationError) -> ValidationError:
    """Le service nomme `date` et `reponses_jusqu_au` ; le formulaire les saisit en deux
    champs (jour, heure)."""
    if not hasattr(erreur, "error_dict"):
        return erreur
    correspondances = {"date": "jour", "reponses_jusqu_au": "reponses_jour"}
    return ValidationError(
        {correspondances.get(c, c): e for c, e in erreur.error_dict.items()}  # type: ignore[misc]
    )


class SeanceModifierView(_Ecriture, TemplateView):
    template_name = "convocations/seances/formulaire.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        seance = self.seance()
        kwargs.setdefault("form", SeanceForm(seance=seance))
        return super().get_context_data(seance=seance, onglet_courant="preparation", **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.seance().classee:
            messages.error(request, "La séance est classée : elle ne se modifie plus.")
            return self.retour()
        return super().get(request, *args, **kwargs)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        seance = self.seance()
        form = SeanceForm(request.POST, seance=seance)
        if form.is_valid():
            try:
                seance_modifier(
                    seance=seance,
                    par=self.agent,
                    donnees=form.donnees_seance(),
                    version=form.cleaned_data["version"],
                    mot_de_passe=form.cleaned_data["mot_de_passe"] or None,
                    retirer_mot_de_passe=form.cleaned_data.get("retirer_mot_de_passe", False),
                )
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, _vers_formulaire(erreur))
            else:
                messages.success(request, f"Séance « {form.cleaned_data['titre']} » enregistrée.")
                return self.retour()
        return self.render_to_response(self.get_context_data(form=form), status=400)


# --- Préparation (onglet) -----------------------------------------------------------------------


def contexte_delai(seance: Seance) -> dict[str, Any]:
    """Ce que l'écran dit du délai : dernier jour légal, règle, envoi possible ou non."""
    autorise, raison = envoi_autorise(seance=seance, maintenant=timezone.now())
    try:
        regle = regle_delai(seance)
    except DelaiIntrouvable:
        regle = None
    return {
        "envoi_autorise": autorise,
        "envoi_raison": raison,
        "regle": regle,
        "dernier_jour": date_fr(regle.dernier_jour) if regle else "",
        "dernier_jour_echeance": echeance(regle.dernier_jour) if regle else "",
        "note_synthese_requise": _note_requise(seance),
    }


def _note_requise(seance: Seance) -> bool:
    # Sans le seuil des 3 500 habitants en vigueur, la raison du refus d'envoi le dit déjà.
    try:
        return note_synthese_requise(seance)
    except DelaiIntrouvable:
        return False


class SeanceDetailView(_Seances, TemplateView):
    template_name = "convocations/seances/preparation.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        seance = self.seance()
        documents = documents_de_la_seance(seance)
        destinataire = destinataires_de_la_seance(seance).first()
        objet, corps = message_rendre(seance=seance, destinataire=destinataire)
        a_un_compte_rendu = any(
            d.nature in (NatureDocument.PROCES_VERBAL, NatureDocument.COMPTE_RENDU)
            for d in documents
        )
        kwargs.setdefault("point_form", PointForm())
        return {
            **super().get_context_data(**kwargs),
            **self.droits(),
            **contexte_delai(seance),
            "seance": seance,
            "onglet_courant": "preparation",
            "points": list(points_de_la_seance(seance)),
            "documents": documents_courants(documents),
            "comptes": destinataires_compter(seance),
            "apercu_objet": objet,
            "apercu_corps": corps,
            "apercu_pour": destinataire,
            "seance_passee": seance.date <= timezone.now(),
            # « Notifier à nouveau » (procès-verbal, compte rendu) : action de l'envoi.
            "url_notifier": (
                reverse("convocations:seance_notifier", args=[seance.pk])
                if a_un_compte_rendu and seance.etat != EtatSeance.BROUILLON
                else ""
            ),
            "chronologie": journal_chronologie(sujet=seance)[:50],
        }


# --- Ordre du jour ------------------------------------------------------------------------------


class PointAjouterView(_Ecriture, TemplateView):
    http_method_names = ["post"]
    template_name = "convocations/seances/preparation.html"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = PointForm(request.POST)
        if form.is_valid():
            try:
                point = point_ajouter(seance=self.seance(), par=self.agent, **form.cleaned_data)
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                messages.success(request, f"Point {point.numero} ajouté à l'ordre du jour.")
                return self.retour()
        vue = SeanceDetailView()
        vue.setup(request, pk=pk)
        vue.collectivite, vue.agent, vue._seance = self.collectivite, self.agent, self.seance()
        return vue.render_to_response(vue.get_context_data(point_form=form), status=400)


class _PointMixin(_Ecriture):
    def point(self) -> PointOrdreDuJour:
        return get_object_or_404(
            PointOrdreDuJour.objects.filter(seance=self.seance()), pk=self.kwargs["point"]
        )


class PointModifierView(_PointMixin, TemplateView):
    template_name = "convocations/seances/point_formulaire.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.pop("point", None)  # l'identifiant de l'URL : le gabarit reçoit la ligne
        point = self.point()
        kwargs.setdefault(
            "form",
            PointForm(
                initial={
                    "titre": point.titre,
                    "rapporteur": point.rapporteur,
                    "description": point.description,
                }
            ),
        )
        return super().get_context_data(
            seance=self.seance(), point=point, onglet_courant="preparation", **kwargs
        )

    def post(self, request: HttpRequest, pk: int, point: int) -> HttpResponse:
        form = PointForm(request.POST)
        if form.is_valid():
            try:
                modifie = point_modifier(point=self.point(), par=self.agent, **form.cleaned_data)
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                messages.success(request, f"Point {modifie.numero} enregistré.")
                return self.retour()
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PointSupprimerView(_PointMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int, point: int) -> HttpResponse:
        objet = self.point()
        try:
            point_supprimer(point=objet, par=self.agent)
        except ValidationError as erreur:
            messages.error(request, " ".join(erreur.messages))
        else:
            messages.success(request, f"Point « {objet.titre} » retiré de l'ordre du jour.")
        return self.retour()


class PointDeplacerView(_PointMixin, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int, point: int) -> HttpResponse:
        objet = self.point()
        try:
            point_deplacer(
                point=objet, par=self.agent, vers_le_haut=request.POST.get("sens") == "haut"
            )
        except ValidationError as erreur:
            messages.error(request, " ".join(erreur.messages))
        else:
            messages.success(request, f"Point « {objet.titre} » déplacé.")
        return self.retour()


# --- Documents ----------------------------------------------------------------------------------


class DocumentAjouterView(_Ecriture, TemplateView):
    template_name = "convocations/seances/document_formulaire.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        nature = self.request.GET.get("nature", "")
        kwargs.setdefault(
            "form",
            DocumentForm(initial={"nature": nature if nature in NatureDocument.values else ""}),
        )
        return super().get_context_data(
            seance=self.seance(), onglet_courant="preparation", **kwargs
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = DocumentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                document = document_ajouter(
                    seance=self.seance(), par=self.agent, **form.cleaned_data
                )
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                version = f" (version {document.version})" if document.version > 1 else ""
                messages.success(request, f"Document « {document.titre} » joint{version}.")
                return self.retour()
        return self.render_to_response(self.get_context_data(form=form), status=400)


class _DocumentMixin(_Seances):
    def document(self) -> DocumentSeance:
        return get_object_or_404(
            DocumentSeance.objects.filter(seance=self.seance()), pk=self.kwargs["document"]
        )


class DocumentView(_DocumentMixin, View):
    """Le fichier, par une vue authentifiée : aucun fichier téléversé n'est public."""

    def get(self, request: HttpRequest, pk: int, document: int) -> FileResponse:
        objet = self.document()
        fichier = objet.fichier.open("rb")
        trouve = type_document(fichier)
        if trouve is None:
            fichier.close()
            raise Http404("Le fichier enregistré n'est pas d'un type reconnu.")
        type_mime, extension = trouve
        reponse = FileResponse(
            fichier,
            content_type=type_mime,
            as_attachment=True,
            filename=f"{objet.get_nature_display()}-v{objet.version}-{objet.pk}.{extension}",
        )
        reponse["X-Content-Type-Options"] = "nosniff"
        reponse["Content-Security-Policy"] = "sandbox"
        return reponse


class DocumentRetirerView(_DocumentMixin, View):
    http_method_names = ["post"]
    action = Action.ECRIRE

    def post(self, request: HttpRequest, pk: int, document: int) -> HttpResponse:
        objet = self.document()
        try:
            document_retirer(document=objet, par=self.agent)
        except ValidationError as erreur:
            messages.error(request, " ".join(erreur.messages))
        else:
            messages.success(request, f"Document « {objet.titre} » retiré.")
        return self.retour()


# --- Destinataires ------------------------------------------------------------------------------


class DestinatairesView(_Seances, TemplateView):
    template_name = "convocations/seances/destinataires.html"
    action_post = Action.ECRIRE
    par_page = 50

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        seance = self.seance()
        page = Paginator(destinataires_de_la_seance(seance), self.par_page).get_page(
            self.request.GET.get("page")
        )
        if "form" not in kwargs:
            kwargs["form"] = DestinatairesForm(collectivite=self.collectivite)
        return {
            **super().get_context_data(**kwargs),
            **self.droits(),
            "seance": seance,
            "onglet_courant": "preparation",
            "page_obj": page,
            "comptes": destinataires_compter(seance),
        }

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = DestinatairesForm(request.POST, collectivite=self.collectivite)
        if form.is_valid():
            try:
                ajout = destinataires_ajouter(
                    seance=self.seance(), par=self.agent, **form.cleaned_data
                )
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                messages.success(request, resume_ajout(ajout))
                return redirect("convocations:seance_destinataires", pk=pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class DestinataireRetirerView(_Ecriture, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int, destinataire: int) -> HttpResponse:
        objet = get_object_or_404(
            Destinataire.objects.filter(seance=self.seance()), pk=destinataire
        )
        try:
            destinataire_retirer(destinataire=objet, par=self.agent)
        except ValidationError as erreur:
            messages.error(request, " ".join(erreur.messages))
        else:
            messages.success(request, f"{objet} retiré des destinataires.")
        return redirect("convocations:seance_destinataires", pk=pk)


# --- Lettre de convocation, classement ----------------------------------------------------------


class LettreView(_Ecriture, View):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        seance = self.seance()
        if seance.classee:
            messages.error(request, "La séance est classée : elle ne se modifie plus.")
            return self.retour()
        travail = travail_creer(
            collectivite=self.collectivite,
            type=TYPE_LETTRE,
            libelle=lettre_libelle(seance),
            par=self.agent,
            parametres={"seance": seance.pk},
        )
        messages.success(request, "Lettre de convocation demandée : elle sera jointe à la séance.")
        return redirect("travaux:detail", pk=travail.pk)


class SeanceClasserView(_Ecriture, TemplateView):
    template_name = "convocations/seances/classer.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            seance=self.seance(), onglet_courant="preparation", **kwargs
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        seance = self.seance()
        try:
            seance_classer(seance=seance, par=self.agent)
        except ValidationError as erreur:
            messages.error(request, " ".join(erreur.messages))
        else:
            messages.success(
                request,
                f"Séance « {seance.titre} » classée : elle ne se modifie plus ; les élus "
                "gardent l'accès à ses documents.",
            )
        return self.retour()

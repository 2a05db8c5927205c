"""Pages de la procédure : minces, limitées à la collectivité courante ; chaque écriture passe
par un service, dont les `ValidationError` reviennent en français sous le formulaire."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.generic import TemplateView, View

from core.comptes.permissions import Action, Capacite
from core.documents.types import OCTETS_A_LIRE, type_piece
from core.formulaires import erreurs_vers_formulaire
from core.listes import Colonne, ListeMixin
from core.templatetags.echarpe import date_fr
from core.tenancy.mixins import EspaceAgentMixin, peut
from core.travaux.services import travail_creer
from electeurs.models import Electeur, InscriptionListe, TypeListe
from electeurs.procedure import delais, services
from electeurs.procedure.affichage import situation, situation_insee
from electeurs.procedure.forms import (
    CommissionElecteurForm,
    DateForm,
    DecisionCommissionForm,
    DecisionForm,
    DemandeInscriptionForm,
    FinFonctionsForm,
    IntentionRadiationForm,
    MembreForm,
    ModificationForm,
    MouvementExterneForm,
    NotificationForm,
    ObservationsForm,
    PieceForm,
    RadiationDemandeForm,
    RapoForm,
    ReunionForm,
    ScrutinForm,
)
from electeurs.procedure.models import (
    Etape,
    EtatMouvement,
    MembreCommission,
    Mouvement,
    NatureModification,
    OrigineMouvement,
    Piece,
    ReunionCommission,
    Scrutin,
    TypeMouvement,
)
from electeurs.procedure.selectors import (
    membres_lister,
    mouvements_a_examiner,
    mouvements_lister,
    reunion_precedente,
    reunions_lister,
    scrutins_lister,
)
from electeurs.procedure.tasks import TYPE_TABLEAU_COMMISSION

FILTRE_RETARD = "oui"
FILTRE_INSEE = "a_transmettre"


class ProcedureMixin(EspaceAgentMixin):
    capacite = Capacite.ELECTEURS
    action_post = Action.ECRIRE

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["peut_ecrire"] = peut(self.request, Capacite.ELECTEURS, Action.ECRIRE)
        context["peut_exporter"] = peut(self.request, Capacite.ELECTEURS, Action.EXPORTER)
        return context


# --- Liste des mouvements -------------------------------------------------------------------


class MouvementListeView(ListeMixin, ProcedureMixin, TemplateView):
    model = Mouvement
    template_name = "electeurs/procedure/mouvement_liste.html"
    colonnes = (
        Colonne("electeur", "Électeur", tri=("electeur__recherche_naissance",)),
        Colonne("type", "Mouvement", tri=("type",)),
        Colonne("recue", "Reçu le", tri=("recue_le",)),
        Colonne("etat", "Étape", tri=("etat",)),
        Colonne("echeance", "Échéance", tri=("echeance",)),
    )
    tri_defaut = "echeance"
    vide = "Aucun mouvement pour l'instant."
    vide_recherche = "Aucun mouvement ne correspond à ces filtres."

    def legende_liste(self) -> str:
        return f"Mouvements de {self.collectivite.nom}"

    def _filtres(self) -> dict[str, str]:
        etat = self.request.GET.get("etat", "")
        type_ = self.request.GET.get("type", "")
        origine = self.request.GET.get("origine", "")
        return {
            "etat": etat if etat in EtatMouvement.values else "",
            "type": type_ if type_ in TypeMouvement.values else "",
            "origine": origine if origine in OrigineMouvement.values else "",
            "retard": FILTRE_RETARD if self.request.GET.get("retard") == FILTRE_RETARD else "",
            "insee": FILTRE_INSEE if self.request.GET.get("insee") == FILTRE_INSEE else "",
        }

    def lignes(self) -> QuerySet[Mouvement]:
        filtres = self._filtres()
        return mouvements_lister(
            collectivite=self.collectivite,
            etat=filtres["etat"],
            type=filtres["type"],
            origine=filtres["origine"],
            en_retard=bool(filtres["retard"]),
            insee=bool(filtres["insee"]),
        )

    def cellules(self, objet: Mouvement) -> dict[str, str]:
        etat = situation(objet, aujourdhui=self.aujourdhui)
        echeance = etat.texte
        if etat.en_retard:
            echeance = format_html(
                '<strong class="etiquette etiquette--echec">En retard</strong> {}', etat.texte
            )
        insee = situation_insee(objet, aujourdhui=self.aujourdhui)
        if insee.texte and not objet.transmis_insee_le:
            retard = (
                mark_safe('<strong class="etiquette etiquette--echec">En retard</strong> ')  # noqa: S308
                if insee.en_retard
                else ""
            )
            separateur = mark_safe("<br>") if echeance else ""  # noqa: S308
            echeance = format_html("{}{}{}{}", echeance, separateur, retard, insee.texte)
        type_ = f"{objet.get_type_display()} — {objet.get_liste_display()}"
        if objet.nature:
            type_ += f" ({objet.get_nature_display().lower()})"
        return {
            "electeur": format_html(
                '<a href="{}">{}</a>',
                reverse("electeurs:procedure_mouvement", args=[objet.pk]),
                objet.electeur.nom_complet,
            ),
            "type": f"{type_}, origine : {objet.get_origine_display().lower()}",
            "recue": date_fr(objet.recue_le),
            "etat": objet.get_etat_display(),
            "echeance": echeance,
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        self.aujourdhui = timezone.localdate()
        context = super().get_context_data(**kwargs)
        context.update(self.contexte_liste())
        if any(self._filtres().values()):
            context["liste"].vide = self.vide_recherche
        context["filtres"] = self._filtres()
        context["etats"] = EtatMouvement.choices
        context["types"] = TypeMouvement.choices
        context["origines"] = OrigineMouvement.choices
        return context


# --- Un mouvement et ses étapes -------------------------------------------------------------


@dataclass(frozen=True)
class EtapeFormulaire:
    """Une étape que la page propose : son formulaire, son bouton, le service qu'elle appelle."""

    titre: str
    bouton: str
    formulaire: Callable[..., forms.Form]
    appliquer: Callable[[Mouvement, dict[str, Any], Any], Mouvement]
    etats: tuple[str, ...]
    succes: str


def _notification(donnees: dict[str, Any]) -> services.Notification:
    return services.Notification(
        envoyee_le=donnees["envoyee_le"],
        canal=donnees["canal"],
        numero_lrar=donnees.get("numero_lrar", ""),
        recue_le=donnees.get("recue_le"),
        texte=donnees.get("texte", ""),
    )


ETAPES: dict[str, EtapeFormulaire] = {
    "reception-intention": EtapeFormulaire(
        "Réception de l'intention de radiation",
        "Enregistrer la réception",
        lambda *a, **k: DateForm(*a, libelle="Reçue par l'électeur le", **k),
        lambda m, d, par: services.intention_reception_enregistrer(
            mouvement=m, recue_le=d["le"], par=par
        ),
        (EtatMouvement.INTENTION,),
        "Réception enregistrée : le délai d'observations court.",
    ),
    "npai": EtapeFormulaire(
        "Pli revenu « n'habite pas à l'adresse indiquée »",
        "Enregistrer le retour NPAI",
        lambda *a, **k: DateForm(*a, libelle="Pli revenu le", **k),
        lambda m, d, par: services.npai_enregistrer(mouvement=m, le=d["le"], par=par),
        (EtatMouvement.INTENTION,),
        "Retour NPAI enregistré.",
    ),
    "observations": EtapeFormulaire(
        "Observations de l'électeur",
        "Enregistrer les observations",
        lambda *a, **k: ObservationsForm(*a, **k),
        lambda m, d, par: services.observations_enregistrer(
            mouvement=m, recues_le=d["recues_le"], texte=d["texte"], par=par
        ),
        (EtatMouvement.INTENTION,),
        "Observations enregistrées.",
    ),
    "decider": EtapeFormulaire(
        "Décision du maire",
        "Enregistrer la décision",
        lambda *a, mouvement, **k: DecisionForm(
            *a,
            type_mouvement=mouvement.type,
            nature=mouvement.nature,
            collectivite=mouvement.collectivite,
            **k,
        ),
        lambda m, d, par: services.mouvement_decider(
            mouvement=m,
            decision=d["decision"],
            decide_le=d["decide_le"],
            decideur=d["decideur"],
            delegation=d["delegation"],
            delegation_reference=d["delegation_reference"],
            motif=d["motif"],
            bureau=d.get("bureau"),
            par=par,
        ),
        (EtatMouvement.A_DECIDER, EtatMouvement.INTENTION),
        "Décision enregistrée : notifiez-la à l'électeur.",
    ),
    "notifier": EtapeFormulaire(
        "Notification de la décision",
        "Enregistrer la notification",
        lambda *a, **k: NotificationForm(*a, **k),
        lambda m, d, par: services.mouvement_notifier(
            mouvement=m, notification=_notification(d), par=par
        ),
        (EtatMouvement.DECIDEE,),
        "Notification enregistrée.",
    ),
    "reception-notification": EtapeFormulaire(
        "Réception de la notification par l'électeur",
        "Enregistrer la réception",
        lambda *a, **k: DateForm(*a, libelle="Reçue par l'électeur le", **k),
        lambda m, d, par: services.notification_reception_enregistrer(
            mouvement=m, recue_le=d["le"], par=par
        ),
        (EtatMouvement.NOTIFIEE, EtatMouvement.RAPO),
        "Réception de la notification enregistrée.",
    ),
    "rapo": EtapeFormulaire(
        "Recours administratif préalable (RAPO)",
        "Enregistrer le recours",
        lambda *a, **k: RapoForm(*a, **k),
        lambda m, d, par: services.rapo_enregistrer(
            mouvement=m, recu_le=d["recu_le"], texte=d["texte"], par=par
        ),
        (EtatMouvement.NOTIFIEE,),
        "Recours enregistré : il va à la commission de contrôle.",
    ),
    "commission": EtapeFormulaire(
        "Décision de la commission de contrôle",
        "Enregistrer la décision de la commission",
        lambda *a, mouvement, **k: DecisionCommissionForm(
            *a, collectivite=mouvement.collectivite, **k
        ),
        lambda m, d, par: services.commission_decider(
            mouvement=m, reunion=d["reunion"], decision=d["decision"], motif=d["motif"], par=par
        ),
        (EtatMouvement.RAPO, EtatMouvement.NOTIFIEE),
        "Décision de la commission enregistrée : notifiez-la.",
    ),
    "notifier-commission": EtapeFormulaire(
        "Notification de la décision de la commission",
        "Enregistrer la notification",
        lambda *a, **k: NotificationForm(*a, **k),
        lambda m, d, par: services.commission_notifier(
            mouvement=m, notification=_notification(d), par=par
        ),
        (EtatMouvement.COMMISSION_DECIDEE,),
        "Notification de la décision de la commission enregistrée.",
    ),
    # Proposée selon `echeance_insee`, quel que soit l'état (voir `_etapes_proposees`).
    "transmission-insee": EtapeFormulaire(
        "Transmission de la décision à l'INSEE",
        "Enregistrer la transmission",
        lambda *a, **k: DateForm(*a, libelle="Transmise à l'INSEE (REU) le", **k),
        lambda m, d, par: services.insee_transmission_enregistrer(
            mouvement=m, transmise_le=d["le"], par=par
        ),
        (),
        "Transmission à l'INSEE enregistrée.",
    ),
}


def _etapes_proposees(mouvement: Mouvement) -> list[str]:
    """Les étapes que la page propose, selon l'état (les services vérifient à nouveau)."""
    codes = [code for code, etape in ETAPES.items() if mouvement.etat in etape.etats]
    if mouvement.etat == EtatMouvement.INTENTION:
        possible, _ = services.decision_possible_le(mouvement)
        if mouvement.intention_recue_le or mouvement.npai_le:
            codes.remove("reception-intention")
        if mouvement.npai_le:
            codes.remove("npai")
        if not possible:
            codes.remove("decider")
    if mouvement.notification_recue_le and "reception-notification" in codes:
        codes.remove("reception-notification")
    if mouvement.etat == EtatMouvement.NOTIFIEE and not mouvement.defavorable:
        codes.remove("rapo")
    if mouvement.echeance_insee and not mouvement.transmis_insee_le:
        codes.append("transmission-insee")
    return codes


def _formulaire(code: str, mouvement: Mouvement, data: Any = None) -> forms.Form:
    fabrique = ETAPES[code].formulaire
    prefixe = {"prefix": code}
    if code in ("decider", "commission"):
        return fabrique(data, mouvement=mouvement, **prefixe)
    return fabrique(data, **prefixe)


class MouvementDetailView(ProcedureMixin, TemplateView):
    model = Mouvement
    template_name = "electeurs/procedure/mouvement_detail.html"

    def _mouvement(self) -> Mouvement:
        return get_object_or_404(
            Mouvement.objects.pour(self.collectivite).select_related(
                "electeur", "reunion", "scrutin"
            ),
            pk=self.kwargs["pk"],
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        mouvement = kwargs.get("mouvement") or self._mouvement()
        invalide = kwargs.get("invalide", {})
        proposees = _etapes_proposees(mouvement) if context["peut_ecrire"] else []
        context.update(
            mouvement=mouvement,
            electeur=mouvement.electeur,
            situation=situation(mouvement),
            situation_insee=situation_insee(mouvement),
            tardive=services.tardivete(mouvement),
            decision_possible=services.decision_possible_le(mouvement),
            etapes=list(Etape.objects.filter(mouvement=mouvement).select_related("par")),
            pieces=list(Piece.objects.filter(mouvement=mouvement)),
            inscriptions=list(
                InscriptionListe.objects.filter(electeur=mouvement.electeur).select_related(
                    "bureau"
                )
            ),
            date_limite_rapo=services.date_limite_rapo(mouvement),
            date_limite_tribunal=services.date_limite_tribunal(mouvement),
            formulaires=[
                (code, ETAPES[code], invalide.get(code) or _formulaire(code, mouvement))
                for code in proposees
            ],
            piece_form=kwargs.get("piece_form") or PieceForm(),
            etape_active=kwargs.get("etape_active", ""),
        )
        return context


class MouvementEtapeView(ProcedureMixin, TemplateView):
    """POST d'une étape : le service, puis retour sur la page du mouvement."""

    model = Mouvement
    action = Action.ECRIRE
    template_name = "electeurs/procedure/mouvement_detail.html"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int, etape: str) -> HttpResponse:
        mouvement = get_object_or_404(
            Mouvement.objects.pour(self.collectivite).select_related("electeur"), pk=pk
        )
        if etape not in ETAPES:
            raise Http404("Étape inconnue.")
        form = _formulaire(etape, mouvement, request.POST)
        if form.is_valid():
            try:
                apres = ETAPES[etape].appliquer(mouvement, form.cleaned_data, self.agent)
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                messages.success(request, ETAPES[etape].succes)
                if apres.rapo_hors_delai and etape == "rapo":
                    messages.warning(
                        request,
                        "Ce recours est arrivé après la fin du délai de 5 jours : il est "
                        "enregistré, la commission jugera de sa recevabilité.",
                    )
                return redirect("electeurs:procedure_mouvement", pk=mouvement.pk)
        vue = MouvementDetailView()
        vue.setup(request, pk=pk)
        vue.collectivite, vue.agent = self.collectivite, self.agent
        contexte = vue.get_context_data(
            mouvement=mouvement, invalide={etape: form}, etape_active=etape
        )
        if etape not in _etapes_proposees(mouvement):
            # L'étape n'est plus proposée (hors de son ordre) : le message va en tête.
            messages.error(
                request, " ".join(str(e) for e in form.non_field_errors()) or "Étape impossible."
            )
        return self.render_to_response(contexte, status=400)


# --- Pièces ---------------------------------------------------------------------------------


class PieceAjouterView(ProcedureMixin, View):
    action = Action.ECRIRE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        mouvement = get_object_or_404(
            Mouvement.objects.pour(self.collectivite).select_related("electeur"), pk=pk
        )
        form = PieceForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.piece_ajouter(
                    collectivite=self.collectivite,
                    electeur=mouvement.electeur,
                    mouvement=mouvement,
                    type=form.cleaned_data["type"],
                    date=form.cleaned_data["date"],
                    fichier=form.cleaned_data["fichier"],
                    par=self.agent,
                )
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                messages.success(request, "Pièce ajoutée.")
                return redirect("electeurs:procedure_mouvement", pk=mouvement.pk)
        vue = MouvementDetailView()
        vue.setup(request, pk=pk)
        vue.collectivite, vue.agent = self.collectivite, self.agent
        contexte = vue.get_context_data(mouvement=mouvement, piece_form=form)
        return vue.render_to_response(contexte, status=400)


class PieceView(ProcedureMixin, View):
    """Le fichier d'une pièce, par une vue authentifiée : aucun fichier téléversé n'est public."""

    def get(self, request: HttpRequest, pk: int) -> FileResponse:
        piece = get_object_or_404(Piece.objects.pour(self.collectivite), pk=pk)
        fichier = piece.fichier.open("rb")
        trouve = type_piece(fichier.read(OCTETS_A_LIRE))
        fichier.seek(0)
        if trouve is None:
            fichier.close()
            raise Http404("Le fichier enregistré n'est pas d'un type reconnu.")
        type_mime, extension = trouve
        reponse = FileResponse(
            fichier,
            content_type=type_mime,
            as_attachment=True,
            filename=f"piece-{piece.pk}-{piece.date:%Y-%m-%d}.{extension}",
        )
        reponse["X-Content-Type-Options"] = "nosniff"
        reponse["Content-Security-Policy"] = "sandbox"
        return reponse


# --- Nouvelle demande d'inscription, intention de radiation ---------------------------------


class DemandeInscriptionView(ProcedureMixin, TemplateView):
    action = Action.ECRIRE
    template_name = "electeurs/procedure/demande_form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", DemandeInscriptionForm())
        context.setdefault("homonymes", [])
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        form = DemandeInscriptionForm(request.POST)
        homonymes: list[Electeur] = []
        if form.is_valid():
            electeur = form.save(commit=False)
            electeur.preparer()
            homonymes = list(
                Electeur.objects.pour(self.collectivite)
                .filter(cle_homonymie=electeur.cle_homonymie)
                .order_by("pk")[:10]
            )
            if homonymes and not form.cleaned_data["confirmer_homonyme"]:
                form.add_error(
                    "confirmer_homonyme",
                    "Une personne du fichier porte les mêmes nom, prénoms et date de naissance : "
                    "vérifiez qu'il ne s'agit pas d'elle, puis cochez cette case.",
                )
            else:
                try:
                    mouvement = services.demande_inscription_enregistrer(
                        collectivite=self.collectivite,
                        electeur=electeur,
                        liste=form.cleaned_data["liste"],
                        recue_le=form.cleaned_data["recue_le"],
                        motif=form.cleaned_data["motif"],
                        en_ligne=form.cleaned_data["en_ligne"],
                        cas_l30=form.cleaned_data["cas_l30"],
                        par=self.agent,
                    )
                except ValidationError as erreur:
                    erreurs_vers_formulaire(form, erreur)
                else:
                    messages.success(
                        request,
                        f"Demande de {mouvement.electeur.nom_complet} enregistrée : "
                        f"{situation(mouvement).texte.lower()}.",
                    )
                    tardive = services.tardivete(mouvement)
                    if tardive is not None:
                        messages.warning(request, tardive.message)
                    return redirect("electeurs:procedure_mouvement", pk=mouvement.pk)
        return self.render_to_response(
            self.get_context_data(form=form, homonymes=homonymes), status=400
        )


class IntentionRadiationView(ProcedureMixin, TemplateView):
    action = Action.ECRIRE
    model = Electeur
    template_name = "electeurs/procedure/intention_form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        electeur = self.get_object()
        listes = list(
            InscriptionListe.objects.filter(electeur=electeur).values_list("type_liste", flat=True)
        )
        form = kwargs.get("form") or IntentionRadiationForm(
            initial={"envoyee_le": timezone.localdate()}
        )
        cast(forms.ChoiceField, form.fields["liste"]).choices = [
            (c, label) for c, label in TypeListe.choices if c in listes
        ]
        context.update(electeur=electeur, form=form, inscrit=bool(listes))
        return context

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        electeur = self.get_object()
        form = IntentionRadiationForm(request.POST)
        if form.is_valid():
            try:
                mouvement = services.intention_radiation_envoyer(
                    collectivite=self.collectivite,
                    electeur=electeur,
                    liste=form.cleaned_data["liste"],
                    motif=form.cleaned_data["motif"],
                    envoyee_le=form.cleaned_data["envoyee_le"],
                    canal=form.cleaned_data["canal"],
                    numero_lrar=form.cleaned_data["numero_lrar"],
                    par=self.agent,
                )
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                messages.success(request, "Intention de radiation enregistrée.")
                return redirect("electeurs:procedure_mouvement", pk=mouvement.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


# --- Commission de contrôle -----------------------------------------------------------------


class CommissionElecteurView(ProcedureMixin, TemplateView):
    """Décision de la commission sur un électeur : inscription d'un omis, radiation (L19 II)."""

    action = Action.ECRIRE
    model = Electeur
    template_name = "electeurs/procedure/commission_electeur.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["electeur"] = self.get_object()
        context.setdefault("form", CommissionElecteurForm(collectivite=self.collectivite))
        return context

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        electeur = self.get_object()
        form = CommissionElecteurForm(request.POST, collectivite=self.collectivite)
        if form.is_valid():
            try:
                mouvement = services.commission_statuer_electeur(
                    collectivite=self.collectivite,
                    electeur=electeur,
                    reunion=form.cleaned_data["reunion"],
                    decision=form.cleaned_data["decision"],
                    liste=form.cleaned_data["liste"],
                    motif=form.cleaned_data["motif"],
                    par=self.agent,
                )
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                messages.success(
                    request, "Décision de la commission enregistrée : notifiez-la sous 2 jours."
                )
                return redirect("electeurs:procedure_mouvement", pk=mouvement.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class CommissionView(ProcedureMixin, TemplateView):
    """Membres et réunions ; un POST ajoute un membre ou enregistre une réunion."""

    template_name = "electeurs/procedure/commission.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["membres"] = list(membres_lister(collectivite=self.collectivite))
        context["reunions"] = list(reunions_lister(collectivite=self.collectivite)[:50])
        context.setdefault("membre_form", MembreForm(prefix="membre"))
        context.setdefault(
            "reunion_form", ReunionForm(prefix="reunion", collectivite=self.collectivite)
        )
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        if "membre-nom" in request.POST:
            membre_form = MembreForm(request.POST, prefix="membre")
            if membre_form.is_valid():
                try:
                    membre = services.membre_ajouter(
                        collectivite=self.collectivite,
                        nom=membre_form.cleaned_data["nom"],
                        qualite=membre_form.cleaned_data["qualite"],
                        courriel=membre_form.cleaned_data["courriel"],
                        par=self.agent,
                    )
                except ValidationError as erreur:
                    erreurs_vers_formulaire(membre_form, erreur)
                else:
                    messages.success(request, f"{membre.nom} ajouté(e) à la commission.")
                    return redirect("electeurs:procedure_commission")
            return self.render_to_response(
                self.get_context_data(membre_form=membre_form), status=400
            )
        reunion_form = ReunionForm(request.POST, prefix="reunion", collectivite=self.collectivite)
        if reunion_form.is_valid():
            try:
                reunion = services.reunion_creer(
                    collectivite=self.collectivite,
                    date=reunion_form.cleaned_data["date"],
                    nombre_membres=reunion_form.cleaned_data["nombre_membres"],
                    presents=list(reunion_form.cleaned_data["presents"]),
                    notes=reunion_form.cleaned_data["notes"],
                    par=self.agent,
                )
            except ValidationError as erreur:
                erreurs_vers_formulaire(reunion_form, erreur)
            else:
                messages.success(request, f"{reunion} enregistrée.")
                return redirect("electeurs:procedure_reunion", pk=reunion.pk)
        return self.render_to_response(self.get_context_data(reunion_form=reunion_form), status=400)


class ReunionDetailView(ProcedureMixin, TemplateView):
    model = ReunionCommission
    template_name = "electeurs/procedure/reunion_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        reunion = self.get_object()
        mouvements = list(mouvements_a_examiner(reunion=reunion))
        context.update(
            reunion=reunion,
            presents=list(reunion.membres_presents.all()),
            quorum=services.quorum(reunion),
            precedente=reunion_precedente(reunion=reunion),
            lignes=[(m, situation(m)) for m in mouvements],
        )
        return context


class ReunionTableauView(ProcedureMixin, View):
    """Le tableau de la réunion en PDF : un travail suivi sur la file « documents »."""

    model = ReunionCommission
    action = Action.EXPORTER
    action_post = Action.EXPORTER
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        reunion = self.get_object()
        travail = travail_creer(
            collectivite=self.collectivite,
            type=TYPE_TABLEAU_COMMISSION,
            libelle=f"Tableau de la commission de contrôle du {reunion.date:%d/%m/%Y}",
            par=self.agent,
            parametres={"reunion": reunion.pk},
        )
        messages.success(request, "Tableau demandé : le PDF vous attendra ici.")
        return redirect("travaux:detail", pk=travail.pk)


# --- Autres mouvements d'un électeur : modification, radiation demandée, INSEE, tribunal ----


@dataclass(frozen=True)
class Saisie:
    """Une sorte de mouvement saisi depuis la fiche : titre, explication, formulaire."""

    titre: str
    aide: str
    bouton: str
    formulaire: type[forms.Form]
    listes_inscrites: bool


SAISIES: dict[str, Saisie] = {
    "modification": Saisie(
        "Demande de modification",
        "Changement d'adresse ou de bureau de vote dans la commune, correction de l'état civil. "
        "Le maire décide sous 5 jours ; un changement d'adresse ou de bureau accordé part à "
        "l'INSEE sous 7 jours (Code électoral, art. L16 II). L'état civil est corrigé par "
        "l'INSEE (répertoire national, RNIPP) : orientez aussi l'électeur vers le téléservice "
        "de service-public.fr.",
        "Enregistrer la demande",
        ModificationForm,
        True,
    ),
    "radiation": Saisie(
        "Radiation demandée par l'électeur",
        "Seul un ressortissant de l'Union européenne peut demander à quitter une liste "
        "complémentaire ; le maire décide sous 5 jours.",
        "Enregistrer la demande",
        RadiationDemandeForm,
        True,
    ),
    "insee-tribunal": Saisie(
        "Mouvement de l'INSEE ou du tribunal",
        "Un mouvement que l'INSEE a déjà appliqué dans le répertoire électoral unique (décès, "
        "inscription dans une autre commune, perte de nationalité ou de capacité…), ou qu'un "
        "jugement du tribunal judiciaire ordonne. Il s'applique aussitôt au fichier de la "
        "commune, sans décision du maire.",
        "Enregistrer le mouvement",
        MouvementExterneForm,
        False,
    ),
}


class MouvementSaisieView(ProcedureMixin, TemplateView):
    action = Action.ECRIRE
    model = Electeur
    template_name = "electeurs/procedure/mouvement_saisie.html"

    def _saisie(self) -> Saisie:
        saisie = SAISIES.get(self.kwargs["sorte"])
        if saisie is None:
            raise Http404("Mouvement inconnu.")
        return saisie

    def _formulaire(self, electeur: Electeur, data: Any = None) -> forms.Form:
        saisie = self._saisie()
        if saisie.listes_inscrites:
            listes = list(
                InscriptionListe.objects.filter(electeur=electeur).values_list(
                    "type_liste", flat=True
                )
            )
            return saisie.formulaire(data, listes=listes)  # type: ignore[call-arg]
        return saisie.formulaire(data)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        electeur = self.get_object()
        saisie = self._saisie()
        form = kwargs.get("form") or self._formulaire(electeur)
        context.update(
            electeur=electeur,
            saisie=saisie,
            form=form,
            possible=bool(cast(forms.ChoiceField, form.fields["liste"]).choices),
        )
        return context

    def post(self, request: HttpRequest, pk: int, sorte: str) -> HttpResponse:
        electeur = self.get_object()
        form = self._formulaire(electeur, request.POST)
        if form.is_valid():
            donnees = form.cleaned_data
            try:
                if sorte == "modification":
                    mouvement = services.modification_demander(
                        collectivite=self.collectivite,
                        electeur=electeur,
                        liste=donnees["liste"],
                        nature=donnees["nature"],
                        recue_le=donnees["recue_le"],
                        motif=donnees["motif"],
                        adresse=cast(ModificationForm, form).adresse(),
                        par=self.agent,
                    )
                elif sorte == "radiation":
                    mouvement = services.radiation_demander(
                        collectivite=self.collectivite,
                        electeur=electeur,
                        liste=donnees["liste"],
                        recue_le=donnees["recue_le"],
                        motif=donnees["motif"],
                        par=self.agent,
                    )
                else:
                    mouvement = services.mouvement_externe_enregistrer(
                        collectivite=self.collectivite,
                        electeur=electeur,
                        type=donnees["type"],
                        liste=donnees["liste"],
                        origine=donnees["origine"],
                        le=donnees["le"],
                        motif=donnees["motif"],
                        par=self.agent,
                    )
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                messages.success(request, f"{self._saisie().titre} enregistrée.")
                if mouvement.nature == NatureModification.ETAT_CIVIL and sorte == "modification":
                    messages.warning(
                        request,
                        "L'état civil est corrigé par l'INSEE (RNIPP), pas par la mairie : "
                        "orientez l'électeur vers le téléservice de service-public.fr.",
                    )
                return redirect("electeurs:procedure_mouvement", pk=mouvement.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


# --- Commission : fin de fonctions d'un membre ----------------------------------------------


class MembreFinView(ProcedureMixin, TemplateView):
    """Un membre quitte la commission ; il reste dans l'historique des réunions."""

    action = Action.ECRIRE
    model = MembreCommission
    template_name = "electeurs/procedure/membre_fin.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["membre"] = self.get_object()
        context.setdefault("form", FinFonctionsForm(initial={"fin_le": timezone.localdate()}))
        return context

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        membre = self.get_object()
        form = FinFonctionsForm(request.POST)
        if form.is_valid():
            try:
                services.membre_fin_de_fonctions(
                    membre=membre,
                    fin_le=form.cleaned_data["fin_le"],
                    motif=form.cleaned_data["motif"],
                    par=self.agent,
                )
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                messages.success(
                    request,
                    f"{membre.nom} n'est plus membre de la commission à partir du "
                    f"{form.cleaned_data['fin_le']:%d/%m/%Y}.",
                )
                return redirect("electeurs:procedure_commission")
        return self.render_to_response(self.get_context_data(form=form), status=400)


# --- Scrutins : dates limites de dépôt des demandes -----------------------------------------


class ScrutinsView(ListeMixin, ProcedureMixin, TemplateView):
    """Les scrutins et leurs dates limites (L17, R5, L30, L19) ; un POST en ajoute un."""

    model = Scrutin
    template_name = "electeurs/procedure/scrutins.html"
    colonnes = (
        Colonne("scrutin", "Scrutin", tri=("libelle",)),
        Colonne("tours", "Tours", tri=("premier_tour",)),
        Colonne("papier", "Demande en mairie ou par courrier"),
        Colonne("en_ligne", "Demande en ligne"),
        Colonne("l30", "Cas de l'article L30"),
        Colonne("commission", "Dernière décision de la commission"),
    )
    tri_defaut = "-tours"
    vide = "Aucun scrutin enregistré."

    def legende_liste(self) -> str:
        return "Scrutins et dates limites"

    def lignes(self) -> QuerySet[Scrutin]:
        return scrutins_lister(collectivite=self.collectivite)

    def cellules(self, objet: Scrutin) -> dict[str, str]:
        tours = date_fr(objet.premier_tour)
        if objet.second_tour:
            tours += f" et {date_fr(objet.second_tour)}"
        cellules = {"scrutin": objet.libelle, "tours": tours}
        codes = {
            "papier": delais.INSCRIPTION_SCRUTIN,
            "en_ligne": delais.INSCRIPTION_SCRUTIN_EN_LIGNE,
            "l30": delais.INSCRIPTION_SCRUTIN_L30,
            "commission": delais.COMMISSION_SCRUTIN,
        }
        for cle, code in codes.items():
            try:
                cellules[cle] = date_fr(self.limite(code, objet.premier_tour))
            except ValidationError as erreur:
                cellules[cle] = " ".join(erreur.messages)
        return cellules

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        self.limite = delais.limites_avant_scrutin(self.collectivite)
        context = super().get_context_data(**kwargs)
        context.update(self.contexte_liste())
        context.setdefault("form", ScrutinForm())
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ScrutinForm(request.POST)
        if form.is_valid():
            try:
                scrutin = services.scrutin_creer(
                    collectivite=self.collectivite,
                    libelle=form.cleaned_data["libelle"],
                    premier_tour=form.cleaned_data["premier_tour"],
                    second_tour=form.cleaned_data["second_tour"],
                    par=self.agent,
                )
            except ValidationError as erreur:
                erreurs_vers_formulaire(form, erreur)
            else:
                messages.success(request, f"Scrutin enregistré : {scrutin}.")
                return redirect("electeurs:procedure_scrutins")
        return self.render_to_response(self.get_context_data(form=form), status=400)

"""Page du journal de la collectivité et demande d'export CSV.

L'administrateur voit toutes les entrées de la collectivité courante ; l'agent élections et le
secrétariat voient leurs propres actions (`permissions`, capacité journal). La chaîne de la
plateforme (connexions, personnel) n'apparaît pas ici : le personnel la lit dans l'admin.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIterator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views import View

from core.comptes.models import Role, Utilisateur
from core.comptes.permissions import Action, Capacite
from core.dates import ChampDateFr
from core.formulaires import EntreeCachee, EntreeTexte, SelectLeger, champs_html
from core.journal.models import EntreeJournal
from core.journal.services import filtres_vers_parametres, journal_entrees, journal_tete
from core.listes import Colonne, ListeMixin
from core.registry import registre
from core.templatetags.echarpe import date_fr, nombre
from core.tenancy.mixins import EspaceAgentMixin, peut
from core.tenancy.models import Collectivite
from core.travaux.services import travail_creer

PAR_PAGE = 25
# Actions de la chaîne « plateforme », jamais montrées sur cette page.
ACTIONS_PLATEFORME = frozenset({"connexion", "connexion_echec", "deconnexion", "personnel_modifie"})


class _ChoixEnUneLecture(ModelChoiceIterator):
    """Les personnes lues en une requête ordinaire : `ModelChoiceIterator` lit par
    `iterator()`, un curseur côté serveur dans PostgreSQL (DECLARE, FETCH, CLOSE : trois
    allers-retours au lieu d'un, pour une dizaine de lignes). Quatre colonnes, sans construire
    de compte (mot de passe, dates…) pour n'en garder que le nom : `SelectLeger` n'écrit que
    la valeur et le libellé de chaque option ; la validation relit la personne choisie."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for pk, prenom, nom, identifiant in self.queryset.values_list(
            "pk", "first_name", "last_name", "username"
        ):
            yield (pk, Utilisateur.nom_affiche(prenom=prenom, nom=nom, identifiant=identifiant))


class ActeurChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    iterator = _ChoixEnUneLecture

    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


def _champ_date(label: str) -> ChampDateFr:
    """Date saisie jj/mm/aaaa par l'analyseur commun (années 1900 à 2100)."""
    return ChampDateFr(
        label=label,
        required=False,
        widget=EntreeTexte(attrs={"placeholder": "jj/mm/aaaa", "inputmode": "numeric"}),
        help_text="Format jj/mm/aaaa.",
        error_messages={
            "invalid": "Saisissez une date au format jj/mm/aaaa, par exemple 25/11/2026.",
            "inexistante": "Cette date n'existe pas. Saisissez une date au format jj/mm/aaaa, "
            "par exemple 25/11/2026.",
        },
    )


class FiltresJournalForm(forms.Form):
    acteur = ActeurChoiceField(
        label="Personne",
        queryset=Utilisateur.objects.none(),
        required=False,
        empty_label="Toutes les personnes",
        widget=SelectLeger,
        error_messages={"invalid_choice": "Choisissez une personne de la liste."},
    )
    action = forms.ChoiceField(
        label="Action",
        required=False,
        widget=SelectLeger,
        error_messages={"invalid_choice": "Choisissez une action de la liste."},
    )
    texte = forms.CharField(
        label="Objet ou sujet",
        required=False,
        max_length=200,
        widget=EntreeTexte,
        help_text="Une partie du nom : électeur, séance, dossier, agent…",
    )
    objet_type = forms.CharField(required=False, max_length=80, widget=EntreeCachee)
    objet_id = forms.CharField(required=False, max_length=64, widget=EntreeCachee)
    du = _champ_date("Du")
    au = _champ_date("Au")

    def __init__(
        self, *args: Any, collectivite: Collectivite, administrateur: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if administrateur:
            self.fields["acteur"].queryset = (  # type: ignore[attr-defined]
                # Une sous-requête plutôt qu'un DISTINCT sur toutes les colonnes des comptes.
                Utilisateur.objects.filter(
                    pk__in=Role.objects.filter(collectivite=collectivite).values("utilisateur_id")
                ).order_by("last_name", "first_name", "username")
            )
        else:
            del self.fields["acteur"]
        actions = sorted(
            (
                item
                for item in registre.libelles_chronologie.items()
                if item[0] not in ACTIONS_PLATEFORME
            ),
            key=lambda item: item[1],
        )
        self.fields["action"].choices = [("", "Toutes les actions"), *actions]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        donnees = super().clean() or {}
        du, au = donnees.get("du"), donnees.get("au")
        if du and au and au < du:
            self.add_error(
                "au", "La date de fin doit être postérieure ou égale à la date de début."
            )
        return donnees

    def filtres(self) -> dict[str, Any]:
        """Les filtres valides (un champ en erreur est ignoré, son message est affiché)."""
        donnees = getattr(self, "cleaned_data", {})
        return {
            cle: donnees.get(cle)
            for cle in ("acteur", "action", "texte", "objet_type", "objet_id", "du", "au")
            if donnees.get(cle) not in (None, "")
        }


@dataclass(frozen=True)
class _EtatFiltres:
    """Ce que la page tire du formulaire de filtres : validité, filtres retenus et HTML (résumé
    des erreurs, champs cachés, champs visibles rendus comme `components/champ.html`). Une
    valeur simple, gardée en cache avec la page (`JournalView._filtres`)."""

    valide: bool
    filtres: dict[str, Any]
    erreurs_html: str
    caches_html: str
    champs_html: str

    @classmethod
    def de(cls, form: FiltresJournalForm) -> _EtatFiltres:
        valide = form.is_valid()
        filtres = form.filtres()
        # La personne choisie par sa clé : le compte entier (mot de passe haché compris) n'a
        # rien à faire dans le cache, et le sélecteur accepte une clé.
        if "acteur" in filtres:
            filtres["acteur"] = filtres["acteur"].pk
        return cls(
            valide=valide,
            filtres=filtres,
            erreurs_html=render_to_string("components/erreurs_formulaire.html", {"form": form})
            if form.errors
            else "",
            caches_html=mark_safe("".join(str(champ) for champ in form.hidden_fields())),  # noqa: S308
            champs_html=champs_html(form.visible_fields()),
        )


class JournalView(ListeMixin, EspaceAgentMixin, View):
    capacite = Capacite.JOURNAL_PERSONNEL
    colonnes = (
        Colonne("date", "Date", tri=("-horodatage", "-numero")),
        Colonne("auteur", "Auteur", tri=("acteur_libelle",)),
        Colonne("action", "Action", tri=("action",)),
        Colonne("objet", "Objet"),
        Colonne("sujet", "Sujet"),
        Colonne("details", "Détails"),
        Colonne("numero", "N°"),
    )
    tri_defaut = "date"
    par_page = PAR_PAGE
    vide = (
        "Le journal est vide pour l'instant : chaque action enregistrée (envoi, modification, "
        "export) y apparaîtra."
    )
    filtres: dict[str, Any]
    tete: int
    administrateur: bool
    donnees: Any

    # Page en lecture seule : sans la transaction de ATOMIC_REQUESTS, deux allers-retours de
    # moins vers la base (BEGIN, COMMIT) pour chaque affichage.
    @transaction.non_atomic_requests
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.page(request.GET)

    def legende_liste(self) -> str:
        return f"Journal de {self.collectivite.nom}"

    def lignes(self) -> QuerySet[EntreeJournal]:
        return journal_entrees(collectivite=self.collectivite, tete=self.tete, **self.filtres)

    def cle_page_gardee(self) -> str | None:
        """Une entrée écrite ne change plus et la tête de la chaîne croît à chaque ajout : la
        page calculée pour une tête, des paramètres d'adresse et un périmètre (toute la
        collectivité ou les actions d'une personne) reste juste tant que la tête n'a pas bougé.
        La tête est relue à chaque affichage (`journal_tete`, une ligne par sa clé)."""
        return self._cle("page")

    def _cle(self, partie: str) -> str:
        perimetre = "tout" if self.administrateur else self.request.user.pk
        # Les filtres viennent de `donnees` (GET, ou POST d'un export refusé) ; le tri et la page
        # de l'adresse.
        parametres = (sorted(self.donnees.lists()), sorted(self.request.GET.lists()))
        empreinte = hashlib.sha256(repr((perimetre, parametres)).encode()).hexdigest()
        return f"journal:{partie}:v1:{self.collectivite.pk}:{self.tete}:{empreinte}"

    def _filtres(self) -> _EtatFiltres:
        """Les filtres lus et rendus, gardés comme la page : la liste des personnes du filtre ne
        change qu'avec les rôles, dont chaque changement s'écrit au journal (la tête bouge)."""
        cle = self._cle("filtres")
        etat: _EtatFiltres | None = cache.get(cle)
        if etat is None:
            form = FiltresJournalForm(
                self.donnees, collectivite=self.collectivite, administrateur=self.administrateur
            )
            etat = _EtatFiltres.de(form)
            cache.set(cle, etat, self.duree_page_gardee)
        return etat

    def cellules(self, objet: EntreeJournal) -> dict[str, str]:
        return {
            "date": date_fr(objet.horodatage),
            "auteur": objet.acteur_libelle or "Système",
            "action": objet.libelle_action,
            "objet": objet.objet_libelle,
            "sujet": objet.sujet_libelle,
            "details": objet.details_lisibles,
            "numero": nombre(objet.numero),
        }

    def export_url(self) -> str:
        if not peut(self.request, Capacite.JOURNAL, Action.EXPORTER):
            return ""
        return reverse("journal:exporter")

    def page(self, donnees: Any, *, status: int = 200) -> HttpResponse:
        administrateur = self.administrateur = peut(self.request, Capacite.JOURNAL, Action.LIRE)
        self.donnees = donnees
        self.tete = journal_tete(collectivite=self.collectivite)
        filtres = self._filtres()
        if not filtres.valide:
            status = 400
        self.filtres = dict(filtres.filtres)
        filtre_actif = bool(self.filtres)
        if not administrateur:
            self.filtres["acteur"] = self.request.user
        liste = self.liste()
        if filtre_actif:
            liste.vide = (
                "Aucune entrée ne correspond à ces filtres. Élargissez la période ou "
                "effacez les filtres."
            )
        context = {
            "filtres": filtres,
            "administrateur": administrateur,
            "liste": liste,
            # Lues seulement si on les demande (tests) : une page gardée n'en a pas besoin.
            "entrees": liste.page_obj.object_list,
            "filtre_objet": bool(self.filtres.get("objet_type") and self.filtres.get("objet_id")),
            "filtre_actif": filtre_actif,
        }
        return render(self.request, "core/journal_liste.html", context, status=status)


class JournalExporterView(EspaceAgentMixin, View):
    """Crée un travail d'export CSV avec les filtres de la page."""

    capacite = Capacite.JOURNAL
    action = Action.EXPORTER
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        form = FiltresJournalForm(request.POST, collectivite=self.collectivite, administrateur=True)
        if not form.is_valid():
            messages.error(request, "Corrigez les filtres avant de lancer l'export.")
            vue = JournalView()
            vue.setup(request)
            vue.collectivite, vue.agent = self.collectivite, self.agent
            return vue.page(request.POST, status=400)
        travail = travail_creer(
            collectivite=self.collectivite,
            type="journal_export",
            libelle=f"Export du journal de {self.collectivite.nom}",
            par=request.user,  # type: ignore[arg-type]
            parametres=filtres_vers_parametres(form.filtres()),
        )
        messages.success(
            request,
            "Export du journal demandé. Vous pouvez quitter cette page : le fichier vous "
            "attendra ici et sur l'Accueil.",
        )
        return redirect("travaux:detail", pk=travail.pk)

"""Le côté de l'élu (par son lien personnel ou par son espace) et la saisie par un agent.

Chaque page de l'élu porte l'identifiant de SON destinataire ; l'accès se vérifie à chaque
requête (`_acces`) : le lien ouvert dans la session vise ce destinataire-là, ou la personne
connectée en est le titulaire. Sinon 404 (on n'apprend pas qu'il existe). Ensuite viennent,
dans l'ordre, le mot de passe de la séance (s'il y en a un), l'accusé de réception (un bouton,
pas une fenêtre surgissante), puis les documents et la réponse.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.hashers import check_password
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.generic import TemplateView, View

from convocations.reponses.forms import (
    MotDePasseSeanceForm,
    NouveauLienForm,
    ReponseAgentForm,
    ReponseForm,
)
from convocations.reponses.models import PieceReponse
from convocations.reponses.pouvoirs import pouvoir_en_vigueur
from convocations.reponses.selectors import (
    derniere_reponse,
    destinataire_de_l_elu,
    destinataire_par_pk,
    documents_du_destinataire,
    historique_des_reponses,
    piece_en_attente,
    points_du_destinataire,
)
from convocations.reponses.services import (
    OBJECTIF_CONVOCATION,
    ReponseSaisie,
    accuse_reception,
    moment_fr,
    nouveau_lien_demander,
    piece_deposer,
    reponse_enregistrer,
    reponses_jusqu_au,
    reponses_ouvertes,
)
from convocations.seances.models import CanalReponse, Destinataire, Presence
from core.comptes.models import Utilisateur
from core.comptes.permissions import Action, Capacite
from core.formulaires import erreurs_vers_formulaire
from core.liens.services import (
    cible_du_lien,
    lien_de_session,
    lien_session_brut,
    lien_utiliser,
)
from core.tenancy.mixins import EspaceAgentMixin

CLE_MOT_DE_PASSE = "convocations_mot_de_passe_ok"
CLE_SAISIE = "convocations_reponse_{pk}"
DUREE_BLOCAGE_MOT_DE_PASSE = 15 * 60


def essais_mot_de_passe_max() -> int:
    return int(getattr(settings, "ECHARPE_CONVOCATIONS_MOT_DE_PASSE_ESSAIS", 5))


@dataclass(frozen=True)
class AccesElu:
    destinataire: Destinataire
    canal: str
    # La personne qui répond : le compte connecté, ou le titulaire du lien s'il a un compte.
    par: Utilisateur | None


def _acces(request: HttpRequest, pk: int) -> AccesElu | HttpResponse:
    lien = lien_de_session(request, OBJECTIF_CONVOCATION)
    if (
        lien is not None
        and lien.cible_type == Destinataire._meta.label_lower
        and lien.cible_id == str(pk)
    ):
        destinataire = destinataire_par_pk(pk)
        if destinataire is not None:
            return AccesElu(destinataire, CanalReponse.LIEN, destinataire.utilisateur)
    if request.user.is_authenticated:
        utilisateur = request.user
        assert isinstance(utilisateur, Utilisateur)
        destinataire = destinataire_de_l_elu(pk=pk, utilisateur=utilisateur)
        if destinataire is None:
            raise Http404("Convocation introuvable.")
        return AccesElu(destinataire, CanalReponse.PORTAIL, utilisateur)
    brut = lien_session_brut(request)
    if brut is not None and brut.objectif == OBJECTIF_CONVOCATION:
        # Le lien de la session ne sert plus (expiré, remplacé…) : la page des liens le dit
        # et propose d'en demander un nouveau.
        return redirect("liens:accueil")
    return redirect_to_login(request.get_full_path())


def _mot_de_passe_requis(request: HttpRequest, destinataire: Destinataire) -> bool:
    seance = destinataire.seance
    if not seance.mot_de_passe:
        return False
    return seance.pk not in request.session.get(CLE_MOT_DE_PASSE, [])


VueElu = Callable[..., HttpResponseBase]


def vue_elu(*, mot_de_passe: bool = True, accuse: bool = True) -> Callable[[VueElu], VueElu]:
    """Vérifie l'accès (lien ou espace), puis le mot de passe et l'accusé de réception si la
    page les demande ; la vue reçoit `AccesElu`. Jamais en cache, jamais de `Referer` externe."""

    def decorateur(vue: VueElu) -> VueElu:
        @wraps(vue)
        def enveloppe(request: HttpRequest, pk: int, **kwargs: Any) -> HttpResponseBase:
            acces = _acces(request, pk)
            if isinstance(acces, HttpResponse):
                return acces
            if (mot_de_passe and _mot_de_passe_requis(request, acces.destinataire)) or (
                accuse and acces.destinataire.lu_le is None
            ):
                return redirect("convocations:reponse_portail", pk=pk)
            reponse = vue(request, acces, **kwargs)
            reponse["Referrer-Policy"] = "same-origin"
            return reponse

        return never_cache(enveloppe)

    return decorateur


def _contexte(acces: AccesElu, **extra: Any) -> dict[str, Any]:
    seance = acces.destinataire.seance
    return {
        "destinataire": acces.destinataire,
        "seance": seance,
        "canal": acces.canal,
        "reponses_ouvertes": reponses_ouvertes(seance),
        "jusqu_au": moment_fr(reponses_jusqu_au(seance)),
        "quand": moment_fr(seance.date),
        **extra,
    }


# --- Entrée par le lien ----------------------------------------------------------------------


@never_cache
@require_GET
def reponse_lien(request: HttpRequest) -> HttpResponse:
    """Page de l'objectif « convocation » : `/l/<jeton>/` y mène après vérification."""
    lien = lien_de_session(request, OBJECTIF_CONVOCATION)
    if lien is None:
        return redirect("liens:accueil")
    destinataire = cible_du_lien(lien, Destinataire)
    if destinataire is None or destinataire_par_pk(destinataire.pk) is None:
        raise Http404("Convocation introuvable.")
    # Lien à usages multiples (celui des envois) : retient la date de première ouverture. Un
    # lien à usage unique n'est pas consommé ici : les pages suivantes le relisent en session.
    if not lien.usage_unique:
        lien_utiliser(lien=lien)
    return redirect("convocations:reponse_portail", pk=destinataire.pk)


# --- Séance : mot de passe, accusé de réception, puis documents et réponse -------------------


@vue_elu(mot_de_passe=False, accuse=False)
@require_GET
def reponse_portail(request: HttpRequest, acces: AccesElu) -> HttpResponse:
    destinataire = acces.destinataire
    if _mot_de_passe_requis(request, destinataire):
        return render(
            request,
            "convocations/reponses/mot_de_passe.html",
            _contexte(acces, form=MotDePasseSeanceForm()),
        )
    if destinataire.lu_le is None:
        return render(request, "convocations/reponses/accuse.html", _contexte(acces))
    pouvoir = pouvoir_en_vigueur(destinataire)
    return render(
        request,
        "convocations/reponses/seance.html",
        _contexte(
            acces,
            documents=list(documents_du_destinataire(destinataire)),
            points=list(points_du_destinataire(destinataire)),
            historique=list(historique_des_reponses(destinataire)[:20]),
            pouvoir=pouvoir,
            lu_le=moment_fr(destinataire.lu_le),
        ),
    )


@vue_elu(mot_de_passe=False, accuse=False)
@require_POST
def reponse_mot_de_passe(request: HttpRequest, acces: AccesElu) -> HttpResponse:
    destinataire = acces.destinataire
    if not _mot_de_passe_requis(request, destinataire):
        return redirect("convocations:reponse_portail", pk=destinataire.pk)
    cle = f"convocations:mot_de_passe:{destinataire.pk}"
    echecs = int(cache.get(cle, 0))
    form = MotDePasseSeanceForm(request.POST)
    if echecs >= essais_mot_de_passe_max():
        form.is_valid()
        form.add_error(
            None,
            "Trop d'essais infructueux : réessayez dans 15 minutes, ou demandez le mot de "
            "passe à votre mairie.",
        )
    elif form.is_valid():
        if check_password(form.cleaned_data["mot_de_passe"], destinataire.seance.mot_de_passe):
            cache.delete(cle)
            deja = list(request.session.get(CLE_MOT_DE_PASSE, []))
            request.session[CLE_MOT_DE_PASSE] = [*deja, destinataire.seance_id]
            return redirect("convocations:reponse_portail", pk=destinataire.pk)
        echecs += 1
        cache.set(cle, echecs, DUREE_BLOCAGE_MOT_DE_PASSE)
        restants = max(0, essais_mot_de_passe_max() - echecs)
        form.add_error(
            "mot_de_passe",
            "Ce mot de passe n'est pas le bon. "
            + (
                f"Il vous reste {restants} essai{'s' if restants > 1 else ''}."
                if restants
                else "Réessayez dans 15 minutes."
            ),
        )
    return render(
        request, "convocations/reponses/mot_de_passe.html", _contexte(acces, form=form), status=400
    )


@vue_elu(accuse=False)
@require_POST
def reponse_accuser(request: HttpRequest, acces: AccesElu) -> HttpResponse:
    destinataire = accuse_reception(
        destinataire=acces.destinataire, par=acces.par, canal=acces.canal
    )
    assert destinataire.lu_le is not None
    messages.success(request, f"Accusé de réception enregistré le {moment_fr(destinataire.lu_le)}.")
    return redirect("convocations:reponse_portail", pk=destinataire.pk)


# --- Documents ---------------------------------------------------------------------------------


def _nom_sur(nom: str, defaut: str) -> str:
    """Un nom de fichier sans chemin ni caractère de contrôle (dans un ZIP ou un en-tête)."""
    nom = re.sub(r"[\x00-\x1f\x7f/\\:*?\"<>|]+", "_", nom).strip(" .")
    return nom[-150:] or defaut


@vue_elu()
@require_GET
def reponse_document(request: HttpRequest, acces: AccesElu, document: int) -> FileResponse:
    doc = documents_du_destinataire(acces.destinataire).filter(pk=document).first()
    if doc is None:
        raise Http404("Document introuvable.")
    try:
        fichier = doc.fichier.open("rb")
    except FileNotFoundError as erreur:
        raise Http404("Document introuvable.") from erreur
    reponse = FileResponse(
        fichier,
        as_attachment=True,
        filename=_nom_sur(doc.nom_fichier, f"document-{doc.pk}"),
        content_type=doc.type_contenu or "application/octet-stream",
    )
    reponse["X-Content-Type-Options"] = "nosniff"
    return reponse


class _Tampon:
    """Flux d'écriture pour `zipfile` : sans `seek`, le ZIP s'écrit d'un trait (descripteurs de
    données), et on rend les octets au fur et à mesure."""

    def __init__(self) -> None:
        self._morceaux: list[bytes] = []
        self._position = 0

    def write(self, donnees: bytes, /) -> int:
        self._morceaux.append(bytes(donnees))
        self._position += len(donnees)
        return len(donnees)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        return None

    def close(self) -> None:
        return None

    def vider(self) -> bytes:
        donnees = b"".join(self._morceaux)
        self._morceaux.clear()
        return donnees


def _zip_en_flux(documents: list[Any]) -> Iterator[bytes]:
    tampon = _Tampon()
    noms: set[str] = set()
    with zipfile.ZipFile(tampon, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        for rang, doc in enumerate(documents, start=1):
            nom = f"{rang:02d} - {_nom_sur(doc.nom_fichier, f'document-{doc.pk}')}"
            if nom in noms:
                nom = f"{rang:02d}-{doc.pk} - {_nom_sur(doc.nom_fichier, 'document')}"
            noms.add(nom)
            try:
                source = doc.fichier.open("rb")
            except FileNotFoundError:
                continue
            with source, archive.open(nom, "w", force_zip64=True) as cible:
                for morceau in source.chunks():
                    cible.write(morceau)
                    yield tampon.vider()
    yield tampon.vider()


@vue_elu()
@require_GET
def reponse_documents_zip(request: HttpRequest, acces: AccesElu) -> HttpResponseBase:
    documents = list(documents_du_destinataire(acces.destinataire))
    if not documents:
        raise Http404("Aucun document pour cette séance.")
    reponse = StreamingHttpResponse(_zip_en_flux(documents), content_type="application/zip")
    nom = _nom_sur(f"Documents - {acces.destinataire.seance.titre}", "documents")
    reponse["Content-Disposition"] = content_disposition_header(True, f"{nom}.zip") or ""
    reponse["X-Content-Type-Options"] = "nosniff"
    return reponse


# --- Réponse : saisie, validation, confirmation ----------------------------------------------


def _cle_saisie(destinataire: Destinataire) -> str:
    return CLE_SAISIE.format(pk=destinataire.pk)


def _saisie_en_session(request: HttpRequest, destinataire: Destinataire) -> ReponseSaisie | None:
    return ReponseSaisie.depuis_session(request.session.get(_cle_saisie(destinataire)))


def _initial(request: HttpRequest, destinataire: Destinataire) -> dict[str, Any]:
    """La saisie en cours (retour de l'étape de validation), sinon la réponse en vigueur."""
    saisie = _saisie_en_session(request, destinataire)
    if saisie is not None:
        return {
            "presence": saisie.presence,
            "mandataire": saisie.mandataire_id,
            "commentaire": saisie.commentaire,
        }
    if not destinataire.presence:
        return {}
    pouvoir = pouvoir_en_vigueur(destinataire)
    return {
        "presence": destinataire.presence,
        "mandataire": pouvoir.mandataire_id if pouvoir else None,
        "commentaire": destinataire.reponse_commentaire,
    }


def _saisie_depuis_form(
    form: ReponseForm, destinataire: Destinataire
) -> tuple[ReponseSaisie | None, ValidationError | None]:
    piece_id = None
    if form.cleaned_data.get("piece"):
        try:
            piece_id = piece_deposer(
                destinataire=destinataire, fichier=form.cleaned_data["piece"]
            ).pk
        except ValidationError as erreur:
            return None, ValidationError({"piece": erreur.messages})
    mandataire = form.cleaned_data.get("mandataire")
    return (
        ReponseSaisie(
            presence=form.cleaned_data["presence"],
            commentaire=form.cleaned_data.get("commentaire", ""),
            mandataire_id=mandataire.pk if mandataire is not None else None,
            piece_id=piece_id,
            exception_maladie=bool(form.cleaned_data.get("exception_maladie")),
            justification=form.cleaned_data.get("justification", ""),
        ),
        None,
    )


@vue_elu()
@require_http_methods(["GET", "POST"])
def reponse_repondre(request: HttpRequest, acces: AccesElu) -> HttpResponse:
    destinataire = acces.destinataire
    if not reponses_ouvertes(destinataire.seance):
        return render(request, "convocations/reponses/repondre.html", _contexte(acces, form=None))
    if request.method == "POST":
        form = ReponseForm(request.POST, request.FILES, destinataire=destinataire)
        if form.is_valid():
            saisie, erreur = _saisie_depuis_form(form, destinataire)
            if saisie is not None:
                request.session[_cle_saisie(destinataire)] = saisie.en_session()
                return redirect("convocations:reponse_valider", pk=destinataire.pk)
            assert erreur is not None
            erreurs_vers_formulaire(form, erreur)
        return render(
            request, "convocations/reponses/repondre.html", _contexte(acces, form=form), status=400
        )
    form = ReponseForm(initial=_initial(request, destinataire), destinataire=destinataire)
    return render(request, "convocations/reponses/repondre.html", _contexte(acces, form=form))


def _resume(destinataire: Destinataire, saisie: ReponseSaisie) -> dict[str, Any]:
    mandataire = (
        Destinataire.objects.filter(seance_id=destinataire.seance_id, pk=saisie.mandataire_id)
        .only("nom", "email")
        .first()
        if saisie.mandataire_id
        else None
    )
    return {
        "presence": Presence(saisie.presence).label if saisie.presence in Presence.values else "",
        "mandataire": (mandataire.nom or mandataire.email) if mandataire else "",
        "commentaire": saisie.commentaire,
        "piece": piece_en_attente(destinataire, saisie.piece_id),
        "exception_maladie": saisie.exception_maladie,
        "justification": saisie.justification,
    }


@vue_elu()
@require_http_methods(["GET", "POST"])
def reponse_valider(request: HttpRequest, acces: AccesElu) -> HttpResponse:
    destinataire = acces.destinataire
    saisie = _saisie_en_session(request, destinataire)
    if saisie is None:
        return redirect("convocations:reponse_repondre", pk=destinataire.pk)
    if request.method == "POST":
        try:
            reponse_enregistrer(
                destinataire=destinataire, saisie=saisie, canal=acces.canal, par=acces.par
            )
        except ValidationError as erreur:
            # La saisie revient dans le formulaire, avec l'erreur à sa place.
            form = ReponseForm(_initial(request, destinataire), destinataire=destinataire)
            form.is_valid()
            erreurs_vers_formulaire(form, erreur)
            return render(
                request,
                "convocations/reponses/repondre.html",
                _contexte(acces, form=form),
                status=400,
            )
        request.session.pop(_cle_saisie(destinataire), None)
        return redirect("convocations:reponse_confirmation", pk=destinataire.pk)
    return render(
        request,
        "convocations/reponses/valider.html",
        _contexte(acces, resume=_resume(destinataire, saisie)),
    )


@vue_elu()
@require_GET
def reponse_confirmation(request: HttpRequest, acces: AccesElu) -> HttpResponse:
    reponse = derniere_reponse(acces.destinataire)
    if reponse is None:
        return redirect("convocations:reponse_repondre", pk=acces.destinataire.pk)
    return render(
        request,
        "convocations/reponses/confirmation.html",
        _contexte(acces, reponse=reponse, enregistree_le=moment_fr(reponse.cree_le)),
    )


# --- Nouveau lien (réponse neutre) -----------------------------------------------------------

DEMANDES_PAR_HEURE = 5


@never_cache
@require_http_methods(["GET", "POST"])
def reponse_nouveau_lien(request: HttpRequest) -> HttpResponse:
    form = NouveauLienForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            email = form.cleaned_data["email"].strip().lower()
            cle = f"convocations:nouveau_lien:{email}"
            demandes = int(cache.get(cle, 0))
            # Au-delà, la réponse reste la même (neutre), mais rien ne part.
            if demandes < DEMANDES_PAR_HEURE:
                cache.set(cle, demandes + 1, 3600)
                nouveau_lien_demander(email=email)
            return render(request, "convocations/reponses/nouveau_lien_envoye.html")
        return render(
            request, "convocations/reponses/nouveau_lien.html", {"form": form}, status=400
        )
    return render(request, "convocations/reponses/nouveau_lien.html", {"form": form})


# --- Saisie par un agent ---------------------------------------------------------------------


class ReponseSaisirView(EspaceAgentMixin, TemplateView):
    """L'agent enregistre la réponse d'un élu (téléphone, courrier), canal « agent »."""

    capacite = Capacite.CONVOCATIONS
    action = Action.ECRIRE
    model = Destinataire
    template_name = "convocations/reponses/saisir.html"

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("seance__collectivite")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        destinataire = self.destinataire
        context.update(
            destinataire=destinataire,
            seance=destinataire.seance,
            historique=list(historique_des_reponses(destinataire)[:50]),
            pouvoir=pouvoir_en_vigueur(destinataire),
            jusqu_au=moment_fr(reponses_jusqu_au(destinataire.seance)),
            quand=moment_fr(destinataire.seance.date),
        )
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.destinataire = self.get_object()
        form = ReponseAgentForm(
            initial=_initial(request, self.destinataire), destinataire=self.destinataire
        )
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.destinataire = destinataire = self.get_object()
        form = ReponseAgentForm(request.POST, request.FILES, destinataire=destinataire)
        if form.is_valid():
            saisie, erreur = _saisie_depuis_form(form, destinataire)
            if saisie is not None:
                try:
                    reponse = reponse_enregistrer(
                        destinataire=destinataire,
                        saisie=saisie,
                        canal=CanalReponse.AGENT,
                        par=self.agent,
                    )
                except ValidationError as exc:
                    erreur = exc
                else:
                    messages.success(
                        request,
                        f"Réponse de {destinataire} enregistrée : "
                        f"{reponse.get_presence_display()}.",
                    )
                    return redirect("convocations:reponse_saisir", pk=destinataire.pk)
            if erreur is not None:
                erreurs_vers_formulaire(form, erreur)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PieceReponseView(EspaceAgentMixin, View):
    """Une pièce jointe à une réponse (un pouvoir signé), pour les agents de la collectivité."""

    capacite = Capacite.CONVOCATIONS
    model = PieceReponse

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FileResponse:
        piece = self.get_object()
        try:
            fichier = piece.fichier.open("rb")
        except FileNotFoundError as erreur:
            raise Http404("Pièce introuvable.") from erreur
        reponse = FileResponse(
            fichier,
            as_attachment=True,
            filename=_nom_sur(piece.nom_fichier, f"piece-{piece.pk}"),
            content_type=piece.type_contenu,
        )
        reponse["X-Content-Type-Options"] = "nosniff"
        return reponse

"""Liens sécurisés : ouverture par jeton, vérification d'identité, activation du compte.

`/l/<jeton>/` ne rend jamais de page de contenu : il redirige vers `/l/` sans jeton, pour
que le jeton ne reste ni dans la barre d'adresse, ni dans l'historique partagé, ni dans un
en-tête `Referer`. Les erreurs sont des pages en français (404, 410 ou 403), sans le jeton.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from core.comptes.backends import BACKEND_COMPTES
from core.comptes.models import Utilisateur
from core.liens.forms import IdentiteForm, MotDePasseForm
from core.liens.services import (
    OBJECTIF_ACTIVATION,
    LienAutrePersonne,
    LienInconnu,
    LienInvalide,
    LienVerrouille,
    activation_deja_faite,
    activation_terminer,
    cible_du_lien,
    essais_restants,
    identite_bloquee,
    identite_verifiee_en_session,
    lien_controler,
    lien_de_session,
    lien_en_session,
    lien_session_brut,
    lien_verifier,
    lien_verifier_identite,
    marquer_identite_verifiee,
    oublier_lien,
)
from core.registry import registre

Vue = Callable[..., HttpResponse]


def _vue_de_lien(vue: Vue) -> Vue:
    """Jamais en cache, jamais de `Referer` hors du site."""

    @wraps(vue)
    def enveloppe(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        reponse = vue(request, *args, **kwargs)
        reponse["Referrer-Policy"] = "same-origin"
        return reponse

    return never_cache(enveloppe)


def _erreur(
    request: HttpRequest, erreur: LienInvalide, *, deconnexion: bool = False
) -> HttpResponse:
    # Un lien bloqué ou destiné à une autre personne ne se règle pas par un nouveau lien.
    demandes = (
        []
        if isinstance(erreur, LienVerrouille | LienAutrePersonne)
        else [(reverse(nom), libelle) for nom, libelle in registre.demandes_nouveau_lien.items()]
    )
    return render(
        request,
        "core/lien_erreur.html",
        {
            "titre": erreur.titre,
            "message": erreur.message,
            "deconnexion": deconnexion,
            "demandes": demandes,
        },
        status=erreur.statut,
    )


def _autre_personne_connectee(request: HttpRequest, titulaire: Any) -> HttpResponse | None:
    """Poste partagé : le lien d'activation d'une personne ne s'ouvre jamais sous le nom (et
    l'en-tête) d'une autre personne connectée ; il reste ouvert pour après la déconnexion."""
    if not request.user.is_authenticated or titulaire is None or request.user.pk == titulaire.pk:
        return None
    nom = request.user.get_full_name() or request.user.get_username()
    return _erreur(request, LienAutrePersonne(nom), deconnexion=True)


@_vue_de_lien
@require_GET
def lien_ouvrir(request: HttpRequest, jeton: str) -> HttpResponse:
    try:
        lien = lien_verifier(jeton=jeton)
    except LienInvalide as erreur:
        return _erreur(request, erreur)
    lien_en_session(request, lien)
    return redirect("liens:accueil")


@_vue_de_lien
@require_http_methods(["GET", "POST"])
def lien_accueil(request: HttpRequest) -> HttpResponse:
    lien = lien_session_brut(request)
    if lien is None:
        return _erreur(
            request,
            LienInconnu(
                "Aucun lien n'est ouvert. Ouvrez le lien reçu par courriel, en entier, "
                "dans ce navigateur."
            ),
        )
    try:
        lien_controler(lien)
    except LienInvalide as erreur:
        return _erreur(request, erreur)
    url_name = registre.objectifs_liens.get(lien.objectif)
    if url_name is None:
        return _erreur(request, LienInconnu("Ce lien ne mène à aucune page disponible."))
    if lien.objectif == OBJECTIF_ACTIVATION:
        autre = _autre_personne_connectee(request, cible_du_lien(lien, Utilisateur))
        if autre is not None:
            return autre
    if identite_verifiee_en_session(request, lien):
        return redirect(url_name)
    if identite_bloquee(lien):
        return _erreur(request, LienVerrouille(lien))

    form = IdentiteForm(request.POST or None, departement=bool(lien.departement_attendu))
    if request.method == "POST":
        if form.is_valid():
            try:
                reussi = lien_verifier_identite(
                    lien=lien,
                    date_naissance=form.cleaned_data["date_naissance"],
                    departement=form.cleaned_data.get("departement", ""),
                )
            except LienInvalide as erreur:
                return _erreur(request, erreur)
            if reussi:
                marquer_identite_verifiee(request, lien)
                return redirect(url_name)
            if lien.verrouille_le is not None or identite_bloquee(lien):
                return _erreur(request, LienVerrouille(lien))
            restants = essais_restants(lien)
            form.add_error(
                None,
                "Ces informations ne correspondent pas à celles de votre mairie. "
                f"Il vous reste {restants} essai{'s' if restants > 1 else ''}.",
            )
        return _page_identite(request, form, lien, status=400)
    return _page_identite(request, form, lien)


def _page_identite(
    request: HttpRequest, form: IdentiteForm, lien: Any, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "core/lien_identite.html",
        {"form": form, "essais_restants": essais_restants(lien), "lien": lien},
        status=status,
    )


@_vue_de_lien
@require_http_methods(["GET", "POST"])
def lien_activation(request: HttpRequest) -> HttpResponse:
    lien = lien_de_session(request, OBJECTIF_ACTIVATION)
    if lien is None:
        # `lien_accueil` explique pourquoi (aucun lien, expiré, identité à vérifier…).
        return redirect("liens:accueil")
    utilisateur = cible_du_lien(lien, Utilisateur)
    if utilisateur is None or not utilisateur.is_active:
        return _erreur(
            request,
            LienInconnu("Le compte de ce lien est désactivé. Contactez votre mairie."),
        )
    autre = _autre_personne_connectee(request, utilisateur)
    if autre is not None:
        return autre
    # Un lien d'activation ne remplace jamais un mot de passe déjà choisi.
    deja_faite = activation_deja_faite(utilisateur=utilisateur)
    if deja_faite is not None:
        return _erreur(request, deja_faite)
    form = MotDePasseForm(utilisateur, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                utilisateur = activation_terminer(
                    lien=lien, mot_de_passe=form.cleaned_data["new_password1"]
                )
            except LienInvalide as erreur:
                return _erreur(request, erreur)
            oublier_lien(request)
            login(request, utilisateur, backend=BACKEND_COMPTES)
            messages.success(
                request,
                "Votre mot de passe est enregistré : bienvenue sur Écharpe. Votre identifiant "
                f"de connexion est « {utilisateur.username} ».",
            )
            return redirect("pages:accueil")
        status = 400
    else:
        status = 200
    return render(
        request,
        "core/lien_activation.html",
        {"form": form, "utilisateur": utilisateur},
        status=status,
    )

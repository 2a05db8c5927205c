"""Écritures de l'import de l'extrait REU : dépôt, analyse (aperçu), application."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from core.comptes.models import Utilisateur
from core.journal.services import journaliser
from core.templatetags.echarpe import nombre, pluriel
from core.tenancy.models import Collectivite
from core.travaux.models import Travail
from core.travaux.services import Suivi, TravailErreur, travail_creer
from electeurs.imports import moteur
from electeurs.imports.models import EtatImport, ImportREU
from electeurs.imports.moteur import Bilan
from electeurs.models import ActionElecteurs

TYPE_ANALYSE = "electeurs_import_analyse"
TYPE_APPLICATION = "electeurs_import_application"

Ouvrir = Callable[[], AbstractContextManager[IO[bytes]]]


class ErreurImport(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def limite_extrait() -> int:
    return int(settings.ECHARPE_LIMITE_EXTRAIT_LISTE)


def taille_lisible(octets: int) -> str:
    if octets >= 1024 * 1024:
        return f"{nombre(round(octets / (1024 * 1024)))}\u00a0Mo"
    return f"{nombre(max(1, round(octets / 1024)))}\u00a0Ko"


def verifier_taille(taille: int) -> None:
    if taille == 0:
        raise ErreurImport("Le fichier déposé est vide (0 octet) : choisissez l'extrait ELIRE.")
    if taille > limite_extrait():
        raise ErreurImport(
            f"Le fichier pèse {taille_lisible(taille)}, au-delà de la limite de "
            f"{taille_lisible(limite_extrait())} : déposez l'extrait tel qu'ELIRE le donne."
        )


# --- Le moteur, sans enregistrement d'import (commande et services ci-dessous) --------------


def extrait_analyser(
    *,
    ouvrir: Ouvrir,
    collectivite: Collectivite,
    appliquer: bool = False,
    avancer: Callable[[str], None] | None = None,
) -> Bilan:
    """Lit l'extrait, le contrôle, le compare au fichier électoral ; l'écrit si `appliquer`
    et qu'il n'a aucune erreur, en une seule transaction (tout ou rien)."""
    if not collectivite.code_insee:
        raise ErreurImport(
            "La collectivité n'a pas de code INSEE : renseignez-le dans les Paramètres avant "
            "d'importer l'extrait."
        )
    bilan = Bilan()
    message = avancer or (lambda _texte: None)
    try:
        moteur.remplir(
            ouvrir,  # type: ignore[arg-type]
            code_insee=collectivite.code_insee,
            bilan=bilan,
            avancer=message,
        )
        if not bilan.erreurs:
            if bilan.lignes == 0:
                bilan.erreurs.append(
                    moteur.Erreur(None, "", "le fichier n'a aucune ligne d'électeur.")
                )
            else:
                moteur.controler(collectivite_id=collectivite.pk, bilan=bilan)
        if not bilan.erreurs:
            message("Comparaison avec le fichier électoral")
            moteur.comparer(collectivite_id=collectivite.pk, bilan=bilan)
            if appliquer:
                # Aucune écriture d'avancement dans cette transaction : la ligne du travail
                # resterait verrouillée jusqu'au bout (battement bloqué).
                with transaction.atomic():
                    moteur.appliquer(
                        collectivite_id=collectivite.pk, bilan=bilan, avancer=lambda _t: None
                    )
                    journaliser(
                        action=ActionElecteurs.IMPORT_REU,
                        collectivite=collectivite,
                        details={"comptes": bilan.comptes()},
                    )
    finally:
        moteur.nettoyer()
    return bilan


def resume(bilan: Bilan) -> str:
    """« 1 200 nouveaux, 3 modifiés, 950 inchangés, 12 absents de l'extrait »."""
    return ", ".join(
        [
            pluriel(bilan.nouveaux, "nouvel électeur", "nouveaux électeurs"),
            pluriel(bilan.modifies, "modifié"),
            pluriel(bilan.inchanges, "inchangé"),
            pluriel(bilan.absents, "absent de l'extrait", "absents de l'extrait"),
        ]
    )


# --- Imports déposés dans le navigateur ------------------------------------------------------


def import_deposer(
    *, collectivite: Collectivite, par: Utilisateur, fichier: UploadedFile
) -> ImportREU:
    """Enregistre le fichier (copié par morceaux sous MEDIA) et lance son analyse."""
    verifier_taille(fichier.size or 0)
    import_reu = ImportREU(
        collectivite=collectivite,
        nom_fichier=Path(fichier.name or "extrait.csv").name[:255],
        taille=fichier.size or 0,
        depose_par=par,
    )
    import_reu.fichier.save(import_reu.nom_fichier, fichier, save=False)
    import_reu.save()
    import_reu.travail_analyse = travail_creer(
        collectivite=collectivite,
        type=TYPE_ANALYSE,
        libelle=f"Analyse de l'extrait « {import_reu.nom_fichier} »",
        par=par,
        parametres={"import_id": import_reu.pk},
    )
    import_reu.save(update_fields=["travail_analyse", "modifie_le"])
    return import_reu


def _ouvrir(import_reu: ImportREU) -> Ouvrir:
    stockage, nom = import_reu.fichier.storage, import_reu.fichier.name

    def ouvrir() -> Any:
        return stockage.open(nom, "rb")

    return ouvrir


def _import_du_travail(travail: Travail) -> ImportREU:
    return ImportREU.objects.pour(travail.collectivite).get(pk=travail.parametres["import_id"])


def _enregistrer(import_reu: ImportREU, bilan: Bilan, etat: str) -> None:
    import_reu.etat = etat
    import_reu.comptes = bilan.comptes()
    import_reu.erreurs = [
        {"ligne": e.ligne, "colonne": e.colonne, "message": e.message} for e in bilan.erreurs
    ]
    import_reu.homonymes = bilan.homonymes
    import_reu.absents = bilan.absents_exemples
    import_reu.save()


def import_analyser(*, suivi: Suivi) -> str:
    """Aperçu : tout est lu, contrôlé et comparé, rien n'est écrit dans le fichier électoral."""
    import_reu = _import_du_travail(suivi.travail)
    suivi.definir_total(2)
    suivi.avancer(1, "Lecture du fichier", forcer=True)
    try:
        bilan = extrait_analyser(
            ouvrir=_ouvrir(import_reu),
            collectivite=import_reu.collectivite,
            avancer=lambda texte: suivi.avancer(0, texte),
        )
    except ErreurImport as exc:
        bilan = Bilan(erreurs=[moteur.Erreur(None, "", exc.message)])
    _enregistrer(import_reu, bilan, EtatImport.PRET if bilan.valide else EtatImport.REFUSE)
    suivi.avancer(1, forcer=True)
    if not bilan.valide:
        return f"fichier refusé, {pluriel(len(bilan.erreurs), 'erreur')}"
    return f"aperçu prêt, {resume(bilan)}"


@transaction.atomic
def import_confirmer(*, import_reu: ImportREU, par: Utilisateur) -> Travail:
    import_reu = ImportREU.objects.select_for_update().get(pk=import_reu.pk)
    if import_reu.etat != EtatImport.PRET:
        raise ErreurImport(
            f"Cet import ne peut pas être confirmé : il est « {import_reu.get_etat_display()} »."
        )
    travail = travail_creer(
        collectivite=import_reu.collectivite,
        type=TYPE_APPLICATION,
        libelle=f"Import de l'extrait « {import_reu.nom_fichier} »",
        par=par,
        parametres={"import_id": import_reu.pk},
    )
    import_reu.etat = EtatImport.EN_COURS
    import_reu.travail_application = travail
    import_reu.save(update_fields=["etat", "travail_application", "modifie_le"])
    return travail


def import_appliquer(*, suivi: Suivi) -> str:
    """Relit le fichier et l'écrit, tout ou rien ; une erreur laisse le fichier électoral intact."""
    import_reu = _import_du_travail(suivi.travail)
    suivi.definir_total(3)
    suivi.avancer(1, "Lecture du fichier", forcer=True)
    try:
        bilan = extrait_analyser(
            ouvrir=_ouvrir(import_reu),
            collectivite=import_reu.collectivite,
            appliquer=True,
            avancer=lambda texte: suivi.avancer(0, texte),
        )
    except ErreurImport as exc:
        bilan = Bilan(erreurs=[moteur.Erreur(None, "", exc.message)])
    if not bilan.valide:
        _enregistrer(import_reu, bilan, EtatImport.ECHEC)
        raise TravailErreur(
            f"Import refusé, rien n'a été écrit : {bilan.erreurs[0]}"
            + (
                f" (et {pluriel(len(bilan.erreurs) - 1, 'autre erreur')})"
                if len(bilan.erreurs) > 1
                else ""
            )
        )
    import_reu.applique_le = timezone.now()
    _enregistrer(import_reu, bilan, EtatImport.APPLIQUE)
    suivi.avancer(2, forcer=True)
    return resume(bilan)

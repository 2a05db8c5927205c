"""Éditions d'une séance (travaux suivis de la file « documents ») : liste d'émargement en PDF ou
en CSV, dossier de preuve des convocations (PDF et CSV réunis dans une archive ZIP).

Le dossier de preuve est ce que le secrétariat produit quand une délibération est attaquée pour
convocation tardive ou absente (CE 3 juin 1983, Dame Vincent) : pour chaque destinataire, l'heure
d'envoi, la réponse du serveur de courrier, l'heure de l'accusé de réception, les envois papier,
la règle de délai appliquée, et les sceaux des entrées du journal qui les concernent, que chacun
peut vérifier par `python manage.py journal_verifier`.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify

from convocations.editions.selectors import (
    Emargement,
    PreuveDestinataire,
    RegleDelai,
    SceauJournal,
    emargement_lire,
    preuves_lire,
    regle_delai,
    sceaux_lire,
)
from convocations.seances.models import Seance
from core.comptes.models import Utilisateur
from core.documents.csv import csv_bytes
from core.documents.pdf import pdf_rendre
from core.journal.services import journaliser
from core.templatetags.echarpe import date_fr, pluriel
from core.travaux.models import Travail
from core.travaux.services import ResultatTravail, Suivi, TravailErreur, travail_creer

TYPE_EMARGEMENT = "convocations_emargement"
TYPE_DOSSIER_PREUVE = "convocations_dossier_preuve"


class ActionEditionsSeance(models.TextChoices):
    """Exports de données personnelles des élus : journalisés (le nom du membre est le code en
    majuscules, comme pour `ActionConvocations`)."""

    CONVOCATIONS_EMARGEMENT_DEMANDE = (
        "convocations_emargement_demande",
        "Liste d'émargement d'une séance demandée",
    )
    CONVOCATIONS_DOSSIER_PREUVE_DEMANDE = (
        "convocations_dossier_preuve_demande",
        "Dossier de preuve des convocations demandé",
    )
    CONVOCATIONS_DEMO_SEANCE_CHARGEE = (
        "convocations_demo_seance_chargee",
        "Séance de démonstration chargée",
    )


class FormatEmargement(models.TextChoices):
    PDF = "pdf", "PDF (à imprimer et signer)"
    CSV = "csv", "CSV (tableur)"


EXPLICATION_SCEAUX = (
    "Chaque action enregistrée par Écharpe est une entrée du journal de la collectivité, "
    "numérotée et scellée : son sceau est un HMAC-SHA256 calculé sur son contenu et sur le sceau "
    "de l'entrée précédente, avec une clé que seul le serveur détient. Modifier, supprimer ou "
    "insérer une entrée casse la chaîne. Pour vérifier ces entrées, l'hébergeur lance sur le "
    "serveur la commande « python manage.py journal_verifier --collectivite {slug} » : elle "
    "recalcule chaque sceau de la chaîne et répond « Journal intègre » ou nomme la première "
    "entrée altérée. Comparez ensuite les numéros et les sceaux ci-dessous avec ceux de la page "
    "Journal d'Écharpe."
)


# --- Demandes (vue) -------------------------------------------------------------------------


@transaction.atomic
def edition_demander(*, seance: Seance, type: str, format: str, par: Utilisateur) -> Travail:
    """Journalise la demande et crée le travail suivi (mis en file après le commit)."""
    if type == TYPE_EMARGEMENT:
        libelle = f"Liste d'émargement, {seance.titre} ({format.upper()})"
        journaliser(
            action=ActionEditionsSeance.CONVOCATIONS_EMARGEMENT_DEMANDE,
            collectivite=seance.collectivite,
            par=par,
            objet=seance,
            sujet=seance,
            details={"format": format.upper()},
        )
    elif type == TYPE_DOSSIER_PREUVE:
        libelle = f"Dossier de preuve des convocations, {seance.titre}"
        format = "zip"
        journaliser(
            action=ActionEditionsSeance.CONVOCATIONS_DOSSIER_PREUVE_DEMANDE,
            collectivite=seance.collectivite,
            par=par,
            objet=seance,
            sujet=seance,
        )
    else:
        raise ValueError(f"Édition inconnue : {type!r}.")
    return travail_creer(
        collectivite=seance.collectivite,
        type=type,
        libelle=libelle,
        par=par,
        parametres={"seance_id": seance.pk, "format": format},
    )


def _seance(travail: Travail) -> Seance:
    seance = (
        Seance.objects.pour(travail.collectivite_id)
        .select_related("collectivite")
        .filter(pk=travail.parametres.get("seance_id"))
        .first()
    )
    if seance is None:
        raise TravailErreur("Cette séance n'existe plus.")
    return seance


def _nom_fichier(prefixe: str, seance: Seance, extension: str) -> str:
    jour = timezone.localtime(seance.date).strftime("%Y%m%d")
    return f"{prefixe}-{slugify(seance.titre)[:60]}-{jour}.{extension}"


# --- Liste d'émargement ---------------------------------------------------------------------

COLONNES_EMARGEMENT = [
    "Nom",
    "Prénom",
    "Qualité",
    "Fonction",
    "Adresse électronique",
    "Envoi",
    "Envoi papier",
    "Nombre d'envois",
    "Réception",
    "Présence",
    "Mandataire",
    "Pouvoir reçu de",
    "Commentaire",
]


def _nom(destinataire: Any) -> str:
    if destinataire is None:
        return ""
    utilisateur = destinataire.utilisateur
    if utilisateur is not None and utilisateur.first_name and utilisateur.last_name:
        return f"{utilisateur.first_name} {utilisateur.last_name}"
    return str(destinataire.nom or destinataire.email)


def _lignes_csv_emargement(emargement: Emargement) -> list[list[object]]:
    lignes: list[list[object]] = []
    for ligne in emargement.toutes:
        d = ligne.destinataire
        lignes.append(
            [
                ligne.nom,
                ligne.prenom,
                ligne.qualite,
                ligne.fonction,
                d.email,
                d.premier_envoi_le,
                d.papier_le,
                d.nombre_envois,
                d.lu_le,
                d.get_presence_display() if d.presence else "Sans réponse",
                _nom(ligne.mandataire),
                _nom(ligne.mandant),
                d.reponse_commentaire,
            ]
        )
    return lignes


def emargement_produire(*, suivi: Suivi, travail: Travail) -> ResultatTravail:
    seance = _seance(travail)
    emargement = emargement_lire(seance)
    suivi.definir_total(len(emargement.toutes))
    nombre = pluriel(len(emargement.membres), "membre")
    if travail.parametres.get("format") == FormatEmargement.CSV:
        contenu = csv_bytes(_lignes_csv_emargement(emargement), entetes=COLONNES_EMARGEMENT)
        extension = "csv"
    else:
        contenu = pdf_rendre(
            "convocations/editions/emargement.html",
            {
                "collectivite": seance.collectivite,
                "seance": seance,
                "emargement": emargement,
                "quorum": emargement.quorum,
                "edite_le": timezone.localtime(),
            },
        )
        extension = "pdf"
    suivi.avancer(len(emargement.toutes), forcer=True)
    return ResultatTravail(
        message=f"Liste d'émargement éditée : {nombre}.",
        fichier_nom=_nom_fichier("emargement", seance, extension),
        contenu=contenu,
    )


# --- Dossier de preuve ----------------------------------------------------------------------

COLONNES_PREUVE = [
    "Nom",
    "Prénom",
    "Qualité",
    "Adresse électronique",
    "Motif",
    "Statut de l'envoi",
    "Envoyé le",
    "Code SMTP",
    "Réponse du serveur",
    "Envoi papier le",
    "Accusé de réception le",
    "Réponses",
    "Non distribué le",
    "Motif de non-distribution",
    "Dernier jour légal d'envoi",
    "Dans le délai",
    "Règle de délai appliquée",
]
COLONNES_SCEAUX = [
    "N° dans la chaîne",
    "Date",
    "Action",
    "Auteur",
    "Objet",
    "Sujet",
    "Sceau précédent",
    "Sceau",
    "Clé de scellement",
    "Sceau vérifié à l'édition",
]


def _oui_non(valeur: bool | None) -> str:
    if valeur is None:
        return "Non déterminé"
    return "Oui" if valeur else "Non"


def _lignes_csv_preuve(preuves: list[PreuveDestinataire], regle: RegleDelai) -> list[list[object]]:
    lignes: list[list[object]] = []
    for p in preuves:
        d = p.destinataire
        commun = [p.nom, p.prenom, p.qualite, d.email]
        reponses = " ; ".join(
            f"{r.get_presence_display()} le {date_fr(r.cree_le)} ({r.get_canal_display().lower()})"
            for r in p.reponses
        )
        fin = [
            d.papier_le,
            d.lu_le,
            reponses,
            d.rebondi_le,
            d.rebond_motif,
            regle.date_limite,
            _oui_non(p.dans_le_delai),
            regle.explication,
        ]
        if not p.envois:
            lignes.append([*commun, "", "Aucun courriel", None, None, "", *fin])
        for envoi in p.envois:
            lignes.append(
                [
                    *commun,
                    envoi.get_motif_display(),
                    envoi.get_statut_display(),
                    envoi.envoye_le,
                    envoi.code_smtp,
                    envoi.reponse_smtp,
                    *fin,
                ]
            )
    return lignes


def _lignes_csv_sceaux(sceaux: list[SceauJournal]) -> list[list[object]]:
    return [
        [
            s.entree.numero,
            s.entree.horodatage,
            s.entree.libelle_action,
            s.entree.acteur_libelle,
            s.entree.objet_libelle,
            s.entree.sujet_libelle,
            s.entree.hash_precedent,
            s.entree.hash,
            s.entree.cle,
            "Oui" if s.verifie else "NON : entrée altérée ou clé absente",
        ]
        for s in sceaux
    ]


def dossier_preuve_produire(*, suivi: Suivi, travail: Travail) -> ResultatTravail:
    seance = _seance(travail)
    regle = regle_delai(seance)
    preuves = preuves_lire(seance, regle)
    sceaux = sceaux_lire(seance)
    suivi.definir_total(len(preuves) + 1)
    edite_le = timezone.localtime()
    pdf = pdf_rendre(
        "convocations/editions/dossier_preuve.html",
        {
            "collectivite": seance.collectivite,
            "seance": seance,
            "regle": regle,
            "preuves": preuves,
            "sceaux": sceaux,
            "explication_sceaux": EXPLICATION_SCEAUX.format(slug=seance.collectivite.slug),
            "hors_delai": sum(1 for p in preuves if p.dans_le_delai is False),
            "edite_le": edite_le,
        },
    )
    suivi.avancer(len(preuves), forcer=True)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zip_:
        zip_.writestr("dossier-de-preuve.pdf", pdf)
        zip_.writestr(
            "envois.csv", csv_bytes(_lignes_csv_preuve(preuves, regle), entetes=COLONNES_PREUVE)
        )
        zip_.writestr("journal.csv", csv_bytes(_lignes_csv_sceaux(sceaux), entetes=COLONNES_SCEAUX))
    suivi.avancer(forcer=True)
    alteres = sum(1 for s in sceaux if not s.verifie)
    message = (
        f"Dossier de preuve édité le {date_fr(edite_le)} : "
        f"{pluriel(len(preuves), 'destinataire')}, "
        f"{pluriel(len(sceaux), 'entrée du journal', 'entrées du journal')}."
    )
    if alteres:
        nombre = pluriel(alteres, "sceau ne se vérifie pas", "sceaux ne se vérifient pas")
        message += f" Attention : {nombre}."
    return ResultatTravail(
        message=message,
        fichier_nom=_nom_fichier("dossier-de-preuve", seance, "zip"),
        contenu=archive.getvalue(),
    )

"""La lettre de convocation en PDF (WeasyPrint), produite par un travail suivi (file
« documents ») et jointe à la séance comme nouvelle version de la lettre."""

from __future__ import annotations

from django.utils import timezone

from convocations.seances.models import Seance
from convocations.seances.services import (
    jour_de_seance,
    lettre_enregistrer,
    lettre_nom_fichier,
    note_synthese_requise,
)
from core.documents.pdf import data_uri, pdf_rendre
from core.travaux.models import Travail
from core.travaux.services import ResultatTravail, Suivi, TravailErreur

TYPE_LETTRE = "convocations_lettre"


def _logo(seance: Seance) -> str:
    logo = seance.collectivite.logo
    if not logo:
        return ""
    with logo.open("rb") as fichier:
        contenu = fichier.read()
    type_mime = "image/png" if contenu.startswith(b"\x89PNG") else "image/jpeg"
    return data_uri(contenu, type_mime=type_mime)


def lettre_produire(*, suivi: Suivi, travail: Travail) -> ResultatTravail:
    # Lue par `pour()` la collectivité du travail : un identifiant d'ailleurs ne rend rien.
    seance = (
        Seance.objects.pour(travail.collectivite_id)
        .filter(pk=travail.parametres.get("seance"))
        .select_related("collectivite")
        .first()
    )
    if seance is None:
        raise TravailErreur("Cette séance n'existe plus.")
    if seance.classee:
        raise TravailErreur("La séance est classée : sa lettre de convocation ne change plus.")
    points = list(seance.points.all())
    suivi.definir_total(1)
    contenu = pdf_rendre(
        "convocations/seances/pdf/lettre.html",
        {
            "collectivite": seance.collectivite,
            "logo_url": _logo(seance),
            "seance": seance,
            "jour": jour_de_seance(seance),
            "heure": timezone.localtime(seance.date),
            "points": points,
            "note_synthese": note_synthese_requise(seance),
            "fait_le": timezone.localdate(),
        },
    )
    document = lettre_enregistrer(seance=seance, contenu=contenu, par=travail.demandeur)
    suivi.avancer()
    return ResultatTravail(
        message=(
            f"Lettre de convocation prête (version {document.version}), jointe à la séance "
            f"« {seance.titre} »."
        ),
        fichier_nom=lettre_nom_fichier(seance),
        contenu=contenu,
    )

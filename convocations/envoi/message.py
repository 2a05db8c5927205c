"""Le courriel d'un destinataire : objet et texte tirés des gabarits de la séance (variables
entre accolades, celles que `convocations.seances.services.VARIABLES_MESSAGE` annonce à
l'agent), et l'invitation `.ics` jointe.

Variables (`{nom}`, espaces permis) : `seance` (titre), `type_seance`, `date`
(25/11/2026), `heure` (18 h 30), `lieu`, `collectivite`, `nom` (le destinataire),
`lien` (son lien personnel), `reponses_jusqu_au`, `ordre_du_jour` (une ligne par point).
Le texte est substitué, jamais exécuté : un gabarit écrit par un agent n'est pas du code. Une
variable inconnue reste telle quelle (l'aperçu la montre à l'agent) ; un texte sans `{lien}`
reçoit le lien à la fin, sans quoi l'élu ne pourrait ni lire ni répondre.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from convocations.seances.models import PointOrdreDuJour, Seance
from core.mail.entetes import neutraliser_entete

_VARIABLE = re.compile(r"\{\s*([a-z_]+)\s*\}")

OBJET_DEFAUT = "Convocation : {seance} du {date} à {heure}"
TEXTE_DEFAUT = (
    "Bonjour {nom},\n\n"
    "Vous êtes convoqué(e) à la séance « {seance} » le {date} à {heure}, "
    "{lieu}.\n\n"
    "Ordre du jour :\n{ordre_du_jour}\n\n"
    "Ouvrez votre lien personnel pour accuser réception, lire les documents et répondre :\n"
    "{lien}\n\n"
    "{collectivite}"
)
OBJET_NOTIFICATION = "{seance} du {date} : nouveau document"
TEXTE_NOTIFICATION = (
    "Bonjour {nom},\n\n"
    "Le procès-verbal ou le compte rendu de la séance « {seance} » du {date} est "
    "disponible.\n\n"
    "Ouvrez votre lien personnel pour le lire :\n{lien}\n\n"
    "{collectivite}"
)


def heure_fr(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.hour} h {local.minute:02d}"


def ordre_du_jour_texte(points: Iterable[PointOrdreDuJour]) -> str:
    lignes = [f"{point.numero}. {point.titre}" for point in points]
    return "\n".join(lignes) or "(communiqué séparément)"


def variables_seance(*, seance: Seance, points: Iterable[PointOrdreDuJour]) -> dict[str, str]:
    """Les variables communes à tous les destinataires d'une séance (tout sauf `nom` et
    `lien`) : calculées une fois par séance pour un envoi en nombre."""
    local = timezone.localtime(seance.date)
    jusqu_au = seance.reponses_jusqu_au
    return {
        "seance": seance.titre,
        "type_seance": seance.get_type_display(),
        "type": seance.get_type_display().lower(),
        "date": f"{local:%d/%m/%Y}",
        "heure": heure_fr(seance.date),
        "lieu": seance.lieu,
        "collectivite": seance.collectivite.nom,
        "reponses_jusqu_au": (
            f"{timezone.localtime(jusqu_au):%d/%m/%Y} à {heure_fr(jusqu_au)}" if jusqu_au else ""
        ),
        "ordre_du_jour": ordre_du_jour_texte(points),
    }


def substituer(gabarit: str, valeurs: dict[str, str]) -> str:
    return _VARIABLE.sub(lambda m: valeurs.get(m.group(1), m.group(0)), gabarit)


@dataclass(frozen=True)
class Courriel:
    sujet: str
    texte: str


def courriel_rendre(
    *, objet: str, corps: str, valeurs: dict[str, str], defaut_objet: str, defaut_corps: str
) -> Courriel:
    objet = objet.strip() or defaut_objet
    corps = corps.strip() or defaut_corps
    texte = substituer(corps, valeurs)
    if "lien" not in _VARIABLE.findall(corps):
        texte += f"\n\nVotre lien personnel : {valeurs['lien']}"
    return Courriel(sujet=neutraliser_entete(substituer(objet, valeurs)), texte=texte + "\n")


# --- Invitation iCalendar (RFC 5545) ---------------------------------------------------------


def _echapper_ics(texte: str) -> str:
    return (
        texte.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _plier(ligne: str) -> str:
    """Lignes de 75 octets au plus, suite précédée d'une espace (RFC 5545 §3.1), sans couper
    un caractère UTF-8."""
    if len(ligne.encode("utf-8")) <= 75:
        return ligne
    morceaux: list[str] = []
    courant: list[str] = []
    taille, limite = 0, 75
    for caractere in ligne:
        octets = 1 if caractere < "\x80" else len(caractere.encode("utf-8"))
        if taille + octets > limite:
            morceaux.append("".join(courant))
            courant, taille, limite = [caractere], octets, 74
        else:
            courant.append(caractere)
            taille += octets
    morceaux.append("".join(courant))
    return "\r\n ".join(morceaux)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def ics_rendre(
    *, seance: Seance, lien: str, sequence: int, maintenant: datetime | None = None
) -> bytes:
    """L'invitation de la séance (METHOD:PUBLISH : ajout au calendrier, sans réponse par le
    calendrier ; la réponse passe par le lien). Même UID à chaque envoi, SEQUENCE croissante :
    le calendrier met l'événement à jour au lieu de le doubler."""
    maintenant = maintenant or timezone.now()
    duree = timedelta(minutes=int(getattr(settings, "ECHARPE_CONVOCATIONS_DUREE_MINUTES", 120)))
    domaine = re.sub(r"^https?://", "", settings.ECHARPE_URL_BASE).split("/")[0].split(":")[0]
    description = f"{seance.get_type_display()} — {seance.collectivite.nom}\n{lien}"
    lignes = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Echarpe//Convocations//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:seance-{seance.pk}@{domaine or 'echarpe'}",
        f"SEQUENCE:{sequence}",
        f"DTSTAMP:{_utc(maintenant)}",
        f"DTSTART:{_utc(seance.date)}",
        f"DTEND:{_utc(seance.date + duree)}",
        f"SUMMARY:{_echapper_ics(seance.titre)}",
        f"LOCATION:{_echapper_ics(seance.lieu)}",
        f"DESCRIPTION:{_echapper_ics(description)}",
        f"URL:{lien}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(_plier(ligne) for ligne in lignes) + "\r\n").encode("utf-8")

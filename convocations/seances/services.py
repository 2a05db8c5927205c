"""Préparation d'une séance (issue 9, points 6, 7 et 12) : écritures journalisées, délai légal.

`envoi_autorise(seance=, maintenant=)` est la garde que l'envoi des convocations consulte : le
dernier jour légal d'envoi (`core.delais`), l'urgence justifiée, la note explicative de synthèse
obligatoire à partir de 3 500 habitants (CGCT L2121-12). Une séance classée ne change plus.
"""

from __future__ import annotations

import re
import secrets
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max, Q
from django.db.models.functions import Lower
from django.utils import timezone

from convocations.elus.selectors import adresses_convocation
from convocations.models import (
    ActionConvocations,
    Assemblee,
    Contact,
    Fonction,
    Groupe,
    Mandat,
    en_cours_q,
)
from convocations.seances.models import (
    Destinataire,
    DocumentSeance,
    EtatSeance,
    NatureDocument,
    PointOrdreDuJour,
    Seance,
    TypeSeance,
)
from convocations.selectors import membres_q
from core.comptes.models import Utilisateur
from core.delais import (
    DelaiIntrouvable,
    code_delai_convocation,
    date_limite_avant,
    delai_en_vigueur,
    regime_3500_ou_plus,
    valeur_affichee,
)
from core.delais.models import Delai
from core.documents.types import type_piece
from core.journal.services import journaliser
from core.templatetags.echarpe import date_fr, pluriel
from core.tenancy.models import Collectivite

# --- Délai légal (point 7) ------------------------------------------------------------------

# Les séances sans délai légal : le délai que la collectivité configure (surchargeable).
CODE_DELAI_PAR_TYPE = {
    TypeSeance.COMMISSION: "convocation_commission",
    TypeSeance.BUREAU: "convocation_bureau",
}

# L'assemblée dont les membres sont convoqués, d'après le type de séance (le bureau d'un EPCI
# réunit des conseillers communautaires).
ASSEMBLEE_PAR_TYPE = {
    TypeSeance.CONSEIL_MUNICIPAL: Assemblee.CONSEIL_MUNICIPAL,
    TypeSeance.CONSEIL_COMMUNAUTAIRE: Assemblee.CONSEIL_COMMUNAUTAIRE,
    TypeSeance.COMMISSION: Assemblee.COMMISSION,
    TypeSeance.BUREAU: Assemblee.CONSEIL_COMMUNAUTAIRE,
}


@dataclass(frozen=True)
class RegleDelai:
    """Le délai qui s'applique à une séance et le dernier jour d'envoi qu'il donne."""

    delai: Delai
    dernier_jour: date

    @property
    def description(self) -> str:
        """« 5 jours francs (CGCT, art. L2121-12) »."""
        return f"{valeur_affichee(self.delai)} ({self.delai.reference})"


def jour_de_seance(seance: Seance) -> date:
    return timezone.localdate(seance.date)


def _regime_3500(seance: Seance) -> bool:
    return regime_3500_ou_plus(seance=jour_de_seance(seance), collectivite=seance.collectivite)


def regle_delai(seance: Seance, *, urgence: bool = False) -> RegleDelai:
    """Le délai de convocation de la séance ; lève `DelaiIntrouvable` si la configuration
    nationale n'en a aucun en vigueur le jour de la séance."""
    jour = jour_de_seance(seance)
    collectivite = seance.collectivite
    if seance.deliberante:
        code = code_delai_convocation(
            regime_3500_ou_plus=_regime_3500(seance),
            urgence=urgence,
            alsace_moselle=collectivite.alsace_moselle,
        )
    else:
        code = CODE_DELAI_PAR_TYPE[TypeSeance(seance.type)]
    delai = delai_en_vigueur(code, le=jour, collectivite=collectivite)
    return RegleDelai(delai=delai, dernier_jour=date_limite_avant(jour, delai))


def note_synthese_requise(seance: Seance) -> bool:
    """CGCT L2121-12 (et L5211-1 pour l'EPCI) : à partir de 3 500 habitants, une note
    explicative de synthèse accompagne la convocation de l'assemblée délibérante."""
    return seance.deliberante and _regime_3500(seance)


def envoi_autorise(*, seance: Seance, maintenant: datetime | None = None) -> tuple[bool, str]:
    """La convocation de `seance` peut-elle partir à l'instant `maintenant` ? Rend (oui ou non,
    la raison en français, à montrer telle quelle à l'agent)."""
    maintenant = maintenant or timezone.now()
    if seance.classee:
        return False, "La séance est classée : aucune convocation ne peut plus partir."
    if maintenant >= seance.date:
        return False, "La séance a déjà eu lieu : la convocation ne peut plus partir."
    try:
        regle = regle_delai(seance)
        regle_urgence = regle_delai(seance, urgence=True) if seance.deliberante else None
        note_requise = note_synthese_requise(seance)
    except DelaiIntrouvable as erreur:
        return False, str(erreur)
    if (
        note_requise
        and not DocumentSeance.objects.filter(
            seance=seance, nature=NatureDocument.NOTE_SYNTHESE
        ).exists()
    ):
        return False, (
            "Joignez la note explicative de synthèse : elle est obligatoire pour les "
            "assemblées des collectivités de 3 500 habitants et plus (CGCT, art. L2121-12)."
        )
    jour = timezone.localdate(maintenant)
    if jour <= regle.dernier_jour:
        return True, (
            f"Dans le délai : la convocation peut partir jusqu'au {date_fr(regle.dernier_jour)} "
            f"inclus ({regle.description})."
        )
    depasse = (
        f"Le dernier jour d'envoi était le {date_fr(regle.dernier_jour)} ({regle.description})."
    )
    if not (seance.urgence and seance.urgence_justification.strip()):
        return False, f"{depasse} Pour envoyer quand même, déclarez l'urgence et justifiez-la."
    if regle_urgence is not None and jour > regle_urgence.dernier_jour:
        return False, (
            f"{depasse} Même en urgence, la convocation doit partir au plus tard le "
            f"{date_fr(regle_urgence.dernier_jour)} ({regle_urgence.description})."
        )
    return True, f"{depasse} Envoi autorisé au titre de l'urgence déclarée et justifiée."


# --- Garde commune --------------------------------------------------------------------------


def _modifiable(seance: Seance) -> None:
    if seance.classee:
        raise ValidationError("La séance est classée : elle ne se modifie plus.")


def _verrouiller(seance: Seance) -> Seance:
    return Seance.objects.select_for_update().get(pk=seance.pk)


# --- Séance ---------------------------------------------------------------------------------

# Les champs d'une séance que le formulaire modifie (le mot de passe passe à part, haché).
CHAMPS_SEANCE = (
    "type",
    "titre",
    "commission",
    "date",
    "lieu",
    "distanciel_autorise",
    "reponses_jusqu_au",
    "urgence",
    "urgence_justification",
    "objet_message",
    "corps_message",
    "copie",
    "copie_cachee",
)


def _sans_saut_de_ligne(texte: str) -> str:
    # L'objet devient un en-tête de courriel : aucun retour à la ligne n'y entre.
    return " ".join(texte.split())


def _adresses(texte: str, champ: str) -> str:
    adresses = [a.strip() for a in re.split(r"[\s,;]+", texte) if a.strip()]
    for adresse in adresses:
        try:
            validate_email(adresse)
        except ValidationError as erreur:
            raise ValidationError(
                {champ: f"« {adresse} » n'est pas une adresse électronique valide."}
            ) from erreur
    return "\n".join(dict.fromkeys(adresses))


def _preparer(seance: Seance, donnees: dict[str, Any]) -> None:
    """Recopie les champs du formulaire et rassemble toutes les erreurs (une par champ)."""
    for champ in CHAMPS_SEANCE:
        if champ in donnees:
            setattr(seance, champ, donnees[champ])
    erreurs: dict[str, str] = {}
    seance.titre = _sans_saut_de_ligne(seance.titre)
    seance.objet_message = _sans_saut_de_ligne(seance.objet_message)
    for champ in ("copie", "copie_cachee"):
        try:
            setattr(seance, champ, _adresses(getattr(seance, champ), champ))
        except ValidationError as erreur:
            erreurs[champ] = erreur.message_dict[champ][0]
    seance.assemblee = ASSEMBLEE_PAR_TYPE[TypeSeance(seance.type)]
    if seance.type != TypeSeance.COMMISSION:
        seance.commission = ""
    elif not seance.commission.strip():
        erreurs["commission"] = "Donnez le nom de la commission."
    if not seance.urgence:
        seance.urgence_justification = ""
    elif not seance.urgence_justification.strip():
        erreurs["urgence_justification"] = "Justifiez l'urgence."
    if seance.reponses_jusqu_au and seance.date and seance.reponses_jusqu_au > seance.date:
        erreurs["reponses_jusqu_au"] = "Les réponses doivent être closes avant la séance."
    erreurs |= _erreurs_gabarits(seance.objet_message, seance.corps_message)
    if erreurs:
        raise ValidationError(erreurs)


def _mot_de_passe(seance: Seance, mot_de_passe: str | None, retirer: bool) -> None:
    if retirer:
        seance.mot_de_passe = ""
    elif mot_de_passe:
        seance.mot_de_passe = make_password(mot_de_passe)


def _journaliser_urgence(seance: Seance, par: Utilisateur) -> None:
    journaliser(
        action=ActionConvocations.CONVOCATIONS_SEANCE_URGENCE,
        collectivite=seance.collectivite,
        par=par,
        objet=seance,
        sujet=seance,
        details={"justification": seance.urgence_justification},
    )


@transaction.atomic
def seance_creer(
    *,
    collectivite: Collectivite,
    par: Utilisateur,
    donnees: dict[str, Any],
    mot_de_passe: str | None = None,
) -> Seance:
    seance = Seance(collectivite=collectivite, cree_par=par)
    _preparer(seance, donnees)
    _mot_de_passe(seance, mot_de_passe, False)
    seance.full_clean(exclude=["cree_par"])
    seance.save()
    journaliser(
        action=ActionConvocations.CONVOCATIONS_SEANCE_CREEE,
        collectivite=collectivite,
        par=par,
        objet=seance,
        sujet=seance,
        details={"date": date_fr(seance.date), "type": seance.type},
    )
    if seance.urgence:
        _journaliser_urgence(seance, par)
    return seance


@transaction.atomic
def seance_modifier(
    *,
    seance: Seance,
    par: Utilisateur,
    donnees: dict[str, Any],
    version: datetime | None = None,
    mot_de_passe: str | None = None,
    retirer_mot_de_passe: bool = False,
) -> Seance:
    """Modifie la séance. `version` (la date de modification lue par le formulaire) refuse
    d'écraser en silence ce qu'un autre agent a enregistré entre-temps."""
    seance = _verrouiller(seance)
    _modifiable(seance)
    if version is not None and abs((seance.modifie_le - version).total_seconds()) > 1e-3:
        raise ValidationError(
            "Quelqu'un a modifié cette séance pendant que vous la modifiiez : rechargez la "
            "page pour voir ses changements, puis recommencez."
        )
    avant = {champ: getattr(seance, champ) for champ in (*CHAMPS_SEANCE, "assemblee")}
    urgence_avant = (seance.urgence, seance.urgence_justification)
    _preparer(seance, donnees)
    mot_de_passe_avant = seance.mot_de_passe
    _mot_de_passe(seance, mot_de_passe, retirer_mot_de_passe)
    seance.full_clean(exclude=["cree_par"])
    seance.save()
    modifies = [c for c, v in avant.items() if getattr(seance, c) != v]
    if mot_de_passe_avant != seance.mot_de_passe:
        modifies.append("mot_de_passe")
    if {"date", "assemblee", "commission"} & set(modifies):
        destinataires_recalculer_membres(seance=seance)
    if modifies:
        journaliser(
            action=ActionConvocations.CONVOCATIONS_SEANCE_MODIFIEE,
            collectivite=seance.collectivite,
            par=par,
            objet=seance,
            sujet=seance,
            details={"champs": [_nom_champ(c) for c in modifies]},
        )
    if seance.urgence and (seance.urgence, seance.urgence_justification) != urgence_avant:
        _journaliser_urgence(seance, par)
    return seance


def _nom_champ(champ: str) -> str:
    return str(getattr(Seance._meta.get_field(champ), "verbose_name", champ))


@transaction.atomic
def seance_classer(*, seance: Seance, par: Utilisateur) -> Seance:
    """Classe la séance : plus rien ne s'y modifie ; les élus gardent l'accès à leurs pages."""
    seance = _verrouiller(seance)
    _modifiable(seance)
    if seance.date > timezone.now():
        raise ValidationError("La séance n'a pas encore eu lieu : elle ne peut pas être classée.")
    seance.etat = EtatSeance.CLASSEE
    seance.classee_le = timezone.now()
    seance.save(update_fields=["etat", "classee_le", "modifie_le"])
    journaliser(
        action=ActionConvocations.CONVOCATIONS_SEANCE_CLASSEE,
        collectivite=seance.collectivite,
        par=par,
        objet=seance,
        sujet=seance,
    )
    return seance


# --- Ordre du jour --------------------------------------------------------------------------


def _journal_odj(seance: Seance, par: Utilisateur, quoi: str, point: PointOrdreDuJour) -> None:
    journaliser(
        action=ActionConvocations.CONVOCATIONS_ORDRE_DU_JOUR_MODIFIE,
        collectivite=seance.collectivite,
        par=par,
        objet=seance,
        sujet=seance,
        details={"operation": quoi, "point": f"{point.numero}. {point.titre}"},
    )


@transaction.atomic
def point_ajouter(
    *, seance: Seance, par: Utilisateur, titre: str, rapporteur: str = "", description: str = ""
) -> PointOrdreDuJour:
    seance = _verrouiller(seance)
    _modifiable(seance)
    dernier = PointOrdreDuJour.objects.filter(seance=seance).aggregate(n=Max("numero"))["n"]
    point = PointOrdreDuJour(
        collectivite=seance.collectivite,
        seance=seance,
        numero=(dernier or 0) + 1,
        titre=_sans_saut_de_ligne(titre),
        rapporteur=rapporteur.strip(),
        description=description.strip(),
    )
    point.full_clean()
    point.save()
    _journal_odj(seance, par, "ajout", point)
    return point


@transaction.atomic
def point_modifier(
    *,
    point: PointOrdreDuJour,
    par: Utilisateur,
    titre: str,
    rapporteur: str = "",
    description: str = "",
) -> PointOrdreDuJour:
    seance = _verrouiller(point.seance)
    _modifiable(seance)
    point.titre = _sans_saut_de_ligne(titre)
    point.rapporteur = rapporteur.strip()
    point.description = description.strip()
    point.full_clean()
    point.save()
    _journal_odj(seance, par, "modification", point)
    return point


def _renumeroter(seance: Seance, points: list[PointOrdreDuJour]) -> None:
    # Deux passes : la contrainte d'unicité (séance, numéro) n'est pas différée.
    decalage = len(points) + 1000
    for i, point in enumerate(points, start=1):
        point.numero = decalage + i
    PointOrdreDuJour.objects.bulk_update(points, ["numero"])
    for i, point in enumerate(points, start=1):
        point.numero = i
    PointOrdreDuJour.objects.bulk_update(points, ["numero"])


@transaction.atomic
def point_supprimer(*, point: PointOrdreDuJour, par: Utilisateur) -> None:
    seance = _verrouiller(point.seance)
    _modifiable(seance)
    point.delete()
    _renumeroter(seance, list(PointOrdreDuJour.objects.filter(seance=seance)))
    _journal_odj(seance, par, "suppression", point)


@transaction.atomic
def point_deplacer(*, point: PointOrdreDuJour, par: Utilisateur, vers_le_haut: bool) -> None:
    seance = _verrouiller(point.seance)
    _modifiable(seance)
    points = list(PointOrdreDuJour.objects.filter(seance=seance))
    i = next(i for i, p in enumerate(points) if p.pk == point.pk)
    j = i - 1 if vers_le_haut else i + 1
    if not 0 <= j < len(points):
        return
    points[i], points[j] = points[j], points[i]
    _renumeroter(seance, points)
    _journal_odj(seance, par, "déplacement", points[j])


# --- Documents ------------------------------------------------------------------------------

# Le type réel d'après le contenu (octets magiques), jamais d'après le nom ou le navigateur.
TYPES_OPENDOCUMENT = {
    b"application/vnd.oasis.opendocument.text": (
        "application/vnd.oasis.opendocument.text",
        "odt",
    ),
    b"application/vnd.oasis.opendocument.spreadsheet": (
        "application/vnd.oasis.opendocument.spreadsheet",
        "ods",
    ),
}
TYPES_OOXML = {
    "word/document.xml": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
    "xl/workbook.xml": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
}
FORMATS_ACCEPTES = "PDF, ODT, DOCX, XLSX, ODS, PNG ou JPEG"


def type_document(fichier: Any) -> tuple[str, str] | None:
    """(type MIME, extension) d'après le contenu du fichier ouvert, ou None."""
    fichier.seek(0)
    debut = fichier.read(128)
    fichier.seek(0)
    simple = type_piece(debut)
    if simple is not None:
        return simple
    if not debut.startswith(b"PK\x03\x04"):
        return None
    # OpenDocument : l'entrée « mimetype », non compressée, vient en premier (octet 30).
    for magie, trouve in TYPES_OPENDOCUMENT.items():
        if debut[30:].startswith(b"mimetype" + magie):
            return trouve
    try:
        # Seul le répertoire central est lu : aucune entrée n'est décompressée.
        with zipfile.ZipFile(fichier) as archive:
            noms = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        fichier.seek(0)
    if "[Content_Types].xml" in noms:
        for nom, trouve in TYPES_OOXML.items():
            if nom in noms:
                return trouve
    return None


def document_verifier(fichier: UploadedFile) -> tuple[str, str]:
    """Taille (ECHARPE_CONVOCATIONS_LIMITE_DOCUMENT) et type réel d'un document téléversé."""
    limite = int(settings.ECHARPE_CONVOCATIONS_LIMITE_DOCUMENT)
    if not fichier.size:
        raise ValidationError({"fichier": "Le fichier est vide."})
    if fichier.size > limite:
        raise ValidationError(
            {"fichier": f"Le fichier dépasse {limite // (1024 * 1024)} Mo : réduisez-le."}
        )
    trouve = type_document(fichier)
    if trouve is None:
        raise ValidationError(
            {"fichier": f"Ce fichier n'est pas d'un format accepté ({FORMATS_ACCEPTES})."}
        )
    return trouve


def _version_suivante(seance: Seance, nature: str) -> int:
    if nature == NatureDocument.ANNEXE:
        return 1
    derniere = DocumentSeance.objects.filter(seance=seance, nature=nature).aggregate(
        v=Max("version")
    )["v"]
    return (derniere or 0) + 1


def _document_enregistrer(
    *,
    seance: Seance,
    nature: str,
    titre: str,
    contenu: Any,
    nom_fichier: str,
    type_contenu: str,
    extension: str,
    taille: int,
    par: Utilisateur | None,
) -> DocumentSeance:
    version = _version_suivante(seance, nature)
    ordre = DocumentSeance.objects.filter(seance=seance).aggregate(o=Max("ordre"))["o"]
    document = DocumentSeance(
        collectivite=seance.collectivite,
        seance=seance,
        nature=nature,
        titre=_sans_saut_de_ligne(titre) or NatureDocument(nature).label,
        nom_fichier=nom_fichier[:255],
        type_contenu=type_contenu,
        taille=taille,
        version=version,
        ordre=(ordre or 0) + 1,
        ajoute_par=par,
    )
    # Nom aléatoire sur le disque : jamais le nom fourni par l'utilisateur.
    document.fichier.save(f"{secrets.token_hex(16)}.{extension}", contenu, save=False)
    document.full_clean(exclude=["ajoute_par"])
    document.save()
    journaliser(
        action=ActionConvocations.CONVOCATIONS_DOCUMENT_AJOUTE,
        collectivite=seance.collectivite,
        par=par,
        objet=seance,
        sujet=seance,
        details={"nature": nature, "titre": document.titre, "version": version},
    )
    return document


@transaction.atomic
def document_ajouter(
    *, seance: Seance, par: Utilisateur, nature: str, titre: str, fichier: UploadedFile
) -> DocumentSeance:
    """Joint un document ; un nouveau procès-verbal, compte rendu, note ou lettre de
    convocation est une nouvelle version (les précédentes restent consultables)."""
    seance = _verrouiller(seance)
    _modifiable(seance)
    if nature not in NatureDocument.values:
        raise ValidationError({"nature": "Choisissez la nature du document."})
    if nature in (NatureDocument.PROCES_VERBAL, NatureDocument.COMPTE_RENDU) and (
        seance.date > timezone.now()
    ):
        raise ValidationError(
            {"nature": "Le procès-verbal et le compte rendu se joignent après la séance."}
        )
    type_contenu, extension = document_verifier(fichier)
    return _document_enregistrer(
        seance=seance,
        nature=nature,
        titre=titre,
        contenu=fichier,
        nom_fichier=fichier.name or "document",
        type_contenu=type_contenu,
        extension=extension,
        taille=fichier.size or 0,
        par=par,
    )


@transaction.atomic
def document_retirer(*, document: DocumentSeance, par: Utilisateur) -> None:
    """Retire un document d'une séance en préparation ; une fois la convocation partie, les
    élus l'ont reçu : on joint une nouvelle version au lieu de le retirer."""
    seance = _verrouiller(document.seance)
    _modifiable(seance)
    if seance.etat != EtatSeance.BROUILLON:
        raise ValidationError(
            "La convocation est partie : joignez plutôt une nouvelle version du document."
        )
    titre = document.titre
    document.fichier.delete(save=False)
    document.delete()
    journaliser(
        action=ActionConvocations.CONVOCATIONS_DOCUMENT_RETIRE,
        collectivite=seance.collectivite,
        par=par,
        objet=seance,
        sujet=seance,
        details={"titre": titre},
    )


# --- Destinataires --------------------------------------------------------------------------


def _mandats_de_la_seance(seance: Seance) -> dict[int, Mandat]:
    """Les mandats en cours le jour de la séance dans son assemblée, par personne."""
    mandats = Mandat.objects.pour(seance.collectivite_id).filter(
        en_cours_q(jour_de_seance(seance)), assemblee=seance.assemblee
    )
    if seance.assemblee == Assemblee.COMMISSION:
        mandats = mandats.filter(commission__iexact=seance.commission)
    # Un suppléant n'est pas membre : il siège seulement à la place de son titulaire.
    par_personne: dict[int, Mandat] = {}
    for mandat in mandats.order_by("fonction", "pk"):
        actuel = par_personne.get(mandat.utilisateur_id)
        if actuel is None or actuel.fonction == Fonction.DELEGUE_SUPPLEANT:
            par_personne[mandat.utilisateur_id] = mandat
    return par_personne


def _est_membre(mandat: Mandat | None) -> bool:
    return mandat is not None and mandat.fonction != Fonction.DELEGUE_SUPPLEANT


@dataclass(frozen=True)
class AjoutDestinataires:
    ajoutes: int
    deja: int


def adresses_lire(texte: str) -> list[str]:
    """Les adresses tapées (une par ligne, ou séparées par virgules ou points-virgules) ; lève
    `ValidationError` en nommant la première invalide."""
    return [a for a in _adresses(texte, "adresses").split("\n") if a]


@transaction.atomic
def destinataires_ajouter(
    *,
    seance: Seance,
    par: Utilisateur,
    groupes: Iterable[Groupe] = (),
    contacts: Iterable[Contact] = (),
    adresses: Iterable[str] = (),
) -> AjoutDestinataires:
    """Ajoute les membres des groupes, les contacts choisis et les adresses tapées. Chaque
    personne n'apparaît qu'une fois ; `membre` dit si elle a un mandat en cours dans
    l'assemblée de la séance à sa date (quorum, pouvoirs)."""
    seance = _verrouiller(seance)
    _modifiable(seance)
    collectivite = seance.collectivite
    groupes = [g for g in groupes if g.collectivite_id == collectivite.pk]
    ids = {c.pk for c in contacts if c.collectivite_id == collectivite.pk}
    condition = Q(pk__in=ids)
    for groupe in groupes:
        condition |= membres_q(groupe)
    choisis = list(
        Contact.objects.pour(collectivite).filter(condition).distinct().order_by("pk")
        if ids or groupes
        else []
    )
    tapees = list(dict.fromkeys(a.strip() for a in adresses if a.strip()))
    if tapees:
        # Une adresse du carnet devient son contact (nom, compte, mandat).
        connus = {
            c.email.lower(): c
            for c in Contact.objects.pour(collectivite)
            .annotate(email_min=Lower("email"))
            .filter(email_min__in=[a.lower() for a in tapees])
        }
        choisis += [connus[a.lower()] for a in tapees if a.lower() in connus]
        tapees = [a for a in tapees if a.lower() not in connus]
    deja_la = Destinataire.objects.filter(seance=seance).values_list("email", flat=True)
    existants = {e.lower() for e in deja_la}
    mandats = _mandats_de_la_seance(seance)
    # Un élu qui a confirmé une adresse personnelle y est convoqué (point 3 de l'issue).
    personnelles = adresses_convocation(c.utilisateur_id for c in choisis if c.utilisateur_id)
    nouveaux: list[Destinataire] = []
    deja = 0
    for contact in choisis:
        email = personnelles.get(contact.utilisateur_id or 0, contact.email)
        if contact.email.lower() in existants or email.lower() in existants:
            deja += 1
            continue
        existants.update({contact.email.lower(), email.lower()})
        mandat = mandats.get(contact.utilisateur_id) if contact.utilisateur_id else None
        nouveaux.append(
            Destinataire(
                collectivite=collectivite,
                seance=seance,
                contact=contact,
                utilisateur_id=contact.utilisateur_id,
                mandat=mandat,
                membre=_est_membre(mandat),
                email=email,
                nom=contact.description,
            )
        )
    for adresse in tapees:
        if adresse.lower() in existants:
            deja += 1
            continue
        existants.add(adresse.lower())
        nouveaux.append(Destinataire(collectivite=collectivite, seance=seance, email=adresse))
    Destinataire.objects.bulk_create(nouveaux)
    if nouveaux:
        journaliser(
            action=ActionConvocations.CONVOCATIONS_DESTINATAIRES_AJOUTES,
            collectivite=collectivite,
            par=par,
            objet=seance,
            sujet=seance,
            details={"destinataires": len(nouveaux), "membres": sum(d.membre for d in nouveaux)},
        )
    return AjoutDestinataires(ajoutes=len(nouveaux), deja=deja)


def destinataires_recalculer_membres(*, seance: Seance) -> None:
    """Après un changement de date ou d'assemblée : qui est membre à la nouvelle date."""
    mandats = _mandats_de_la_seance(seance)
    destinataires = list(Destinataire.objects.filter(seance=seance))
    for destinataire in destinataires:
        mandat = mandats.get(destinataire.utilisateur_id) if destinataire.utilisateur_id else None
        destinataire.mandat = mandat
        destinataire.membre = _est_membre(mandat)
    Destinataire.objects.bulk_update(destinataires, ["mandat", "membre"])


@transaction.atomic
def destinataire_retirer(*, destinataire: Destinataire, par: Utilisateur) -> None:
    seance = _verrouiller(destinataire.seance)
    _modifiable(seance)
    if destinataire.nombre_envois or destinataire.papier_le:
        raise ValidationError(
            f"La convocation est déjà partie pour {destinataire} : ce destinataire reste dans "
            "le suivi."
        )
    nom = str(destinataire)
    destinataire.delete()
    journaliser(
        action=ActionConvocations.CONVOCATIONS_DESTINATAIRE_RETIRE,
        collectivite=seance.collectivite,
        par=par,
        objet=seance,
        sujet=seance,
        details={"destinataire": nom},
    )


# --- Message : gabarits à variables ---------------------------------------------------------

# Les variables que l'objet et le texte du courriel peuvent citer, entre accolades.
VARIABLES_MESSAGE = {
    "seance": "le titre de la séance",
    "type": "le type de séance (conseil municipal…)",
    "date": "la date de la séance (25/11/2026)",
    "heure": "l'heure de la séance (18 h 30)",
    "lieu": "le lieu de la séance",
    "collectivite": "le nom de la collectivité",
    "nom": "le nom du destinataire",
    "lien": "le lien personnel vers la convocation",
    "reponses_jusqu_au": "la date limite des réponses",
    "ordre_du_jour": "l'ordre du jour, un point par ligne",
}
OBJET_DEFAUT = "Convocation : {seance} du {date}"
CORPS_DEFAUT = (
    "Bonjour {nom},\n\n"
    "Vous êtes convoqué(e) à la séance « {seance} » ({type}) qui se tiendra le {date} à "
    "{heure}, {lieu}.\n\n"
    "L'ordre du jour et les documents sont accessibles par votre lien personnel : {lien}\n"
    "Merci d'en accuser réception et d'indiquer votre présence.\n\n"
    "{collectivite}"
)
_VARIABLE = re.compile(r"\{([^{}]*)\}")


def _erreurs_gabarits(objet: str, corps: str) -> dict[str, str]:
    erreurs = {}
    for champ, texte in (("objet_message", objet), ("corps_message", corps)):
        inconnues = [v for v in _VARIABLE.findall(texte) if v.strip() not in VARIABLES_MESSAGE]
        if inconnues:
            erreurs[champ] = (
                f"Variable inconnue : {{{inconnues[0]}}}. Variables possibles : "
                + ", ".join(f"{{{v}}}" for v in VARIABLES_MESSAGE)
                + "."
            )
    return erreurs


def variables_message(
    *, seance: Seance, destinataire: Destinataire | None = None, lien: str = ""
) -> dict[str, str]:
    date_heure = timezone.localtime(seance.date)
    return {
        "seance": seance.titre,
        "type": seance.get_type_display().lower(),
        "date": f"{date_heure:%d/%m/%Y}",
        "heure": f"{date_heure.hour} h {date_heure.minute:02d}",
        "lieu": seance.lieu,
        "collectivite": seance.collectivite.nom,
        "nom": (destinataire.nom or destinataire.email) if destinataire else "Madame, Monsieur",
        "lien": lien or "(lien personnel, créé à l'envoi)",
        "reponses_jusqu_au": date_fr(seance.reponses_jusqu_au) or "la séance",
        "ordre_du_jour": "\n".join(f"{p.numero}. {p.titre}" for p in seance.points.all())
        or "(communiqué séparément)",
    }


def message_rendre(
    *, seance: Seance, destinataire: Destinataire | None = None, lien: str = ""
) -> tuple[str, str]:
    """(objet, texte) du courriel de convocation pour `destinataire` ; sans destinataire, un
    aperçu. L'objet ne contient jamais de retour à la ligne (en-tête de courriel)."""
    valeurs = variables_message(seance=seance, destinataire=destinataire, lien=lien)

    def remplacer(m: re.Match[str]) -> str:
        return valeurs.get(m.group(1).strip(), m.group(0))

    objet = _VARIABLE.sub(remplacer, seance.objet_message or OBJET_DEFAUT)
    corps = _VARIABLE.sub(remplacer, seance.corps_message or CORPS_DEFAUT)
    return _sans_saut_de_ligne(objet), corps


# --- Lettre de convocation (PDF, travail suivi) ---------------------------------------------


def lettre_libelle(seance: Seance) -> str:
    return f"Lettre de convocation : {seance.titre} du {date_fr(jour_de_seance(seance))}"


def lettre_nom_fichier(seance: Seance) -> str:
    return f"convocation-{jour_de_seance(seance):%Y-%m-%d}-{seance.pk}.pdf"


def lettre_enregistrer(
    *, seance: Seance, contenu: bytes, par: Utilisateur | None
) -> DocumentSeance:
    """Joint la lettre produite comme nouvelle version de la lettre de convocation."""
    with transaction.atomic():
        seance = _verrouiller(seance)
        _modifiable(seance)
        document = _document_enregistrer(
            seance=seance,
            nature=NatureDocument.CONVOCATION,
            titre="Lettre de convocation",
            contenu=ContentFile(contenu),
            nom_fichier=lettre_nom_fichier(seance),
            type_contenu="application/pdf",
            extension="pdf",
            taille=len(contenu),
            par=par,
        )
        journaliser(
            action=ActionConvocations.CONVOCATIONS_LETTRE_GENEREE,
            collectivite=seance.collectivite,
            par=par,
            objet=seance,
            sujet=seance,
            details={"version": document.version},
        )
    return document


def resume_ajout(ajout: AjoutDestinataires) -> str:
    message = f"{pluriel(ajout.ajoutes, 'destinataire ajouté', 'destinataires ajoutés')}."
    if ajout.deja:
        message += f" {pluriel(ajout.deja, 'adresse était', 'adresses étaient')} déjà là."
    return message

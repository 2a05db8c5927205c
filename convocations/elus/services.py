"""Accès des élus : activation, nouveau lien, mot de passe, notice RGPD, adresse personnelle,
note à la collectivité. Chaque écriture est journalisée."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from convocations.elus.courriels import (
    OBJECTIF_ADRESSE,
    OBJECTIF_MOT_DE_PASSE,
    OBJECTIF_RATTACHEMENT,
)
from convocations.elus.models import (
    AccuseNotice,
    AdresseElu,
    CourrielElu,
    MotifCourrielElu,
    NoteElu,
    NoticeRgpd,
)
from convocations.elus.selectors import (
    collectivite_principale,
    comptes_collectivite_de_seance,
    elus_jamais_actives,
    notice_de,
)
from convocations.elus.tasks import elus_courriels_envoyer_task
from convocations.models import ActionConvocations, Contact, Destinataire, EtatSeance, Mandat
from core.comptes.models import Utilisateur
from core.journal.services import journaliser
from core.liens.models import LienSecurise
from core.liens.services import (
    LienInconnu,
    activation_envoyer,
    cible_du_lien,
    lien_controler,
    lien_utiliser,
)
from core.mail.lots import lot_mettre_en_file
from core.tenancy.models import Collectivite

logger = logging.getLogger(__name__)


MESSAGE_SANS_NAISSANCE = (
    "Enregistrez d'abord la date de naissance de l'élu : elle sert à vérifier son identité "
    "quand il ouvre le lien."
)


# --- Identité et activation (côté agent) -----------------------------------------------------


@transaction.atomic
def elu_naissance_enregistrer(*, contact: Contact, date_naissance: date, par: Utilisateur) -> None:
    """La date de naissance de l'élu du contact, vérifiée à l'ouverture de ses liens."""
    utilisateur = contact.utilisateur
    if (
        utilisateur is None
        or not Mandat.objects.pour(contact.collectivite_id).filter(utilisateur=utilisateur).exists()
    ):
        raise ValidationError("Ce contact n'a pas de mandat ici : il n'a pas d'accès d'élu.")
    if date_naissance > timezone.localdate() or date_naissance.year < 1900:
        raise ValidationError({"date_naissance": "Cette date de naissance n'est pas plausible."})
    utilisateur.date_naissance = date_naissance
    utilisateur.save(update_fields=["date_naissance"])
    # Jamais la date elle-même dans le journal : c'est une donnée d'identification.
    journaliser(
        action=ActionConvocations.CONVOCATIONS_ELU_NAISSANCE_ENREGISTREE,
        collectivite=contact.collectivite,
        par=par,
        objet=utilisateur,
        sujet=contact,
    )


@dataclass
class BilanActivation:
    envoyes: list[Utilisateur] = field(default_factory=list)
    sans_naissance: list[Utilisateur] = field(default_factory=list)
    sans_adresse: list[Utilisateur] = field(default_factory=list)


def _contact_de(utilisateur: Utilisateur, collectivite: Collectivite) -> Contact | None:
    return Contact.objects.pour(collectivite).filter(utilisateur=utilisateur).first()


@transaction.atomic
def elus_activation_envoyer(
    *, collectivite: Collectivite, utilisateurs: list[Utilisateur], par: Utilisateur
) -> BilanActivation:
    """Envoie le lien d'activation (chemin du socle : `activation_envoyer`, identité vérifiée
    sur la date de naissance) aux élus donnés ; ceux sans date de naissance ou sans adresse
    sont écartés et rendus dans le bilan."""
    bilan = BilanActivation()
    for utilisateur in utilisateurs:
        if utilisateur.date_naissance is None:
            bilan.sans_naissance.append(utilisateur)
            continue
        if not utilisateur.email:
            bilan.sans_adresse.append(utilisateur)
            continue
        activation_envoyer(utilisateur=utilisateur, collectivite=collectivite, par=par)
        journaliser(
            action=ActionConvocations.CONVOCATIONS_ELU_ACTIVATION_ENVOYEE,
            collectivite=collectivite,
            par=par,
            objet=utilisateur,
            sujet=_contact_de(utilisateur, collectivite),
        )
        bilan.envoyes.append(utilisateur)
    return bilan


def elus_activation_envoyer_tous(
    *, collectivite: Collectivite, par: Utilisateur
) -> BilanActivation:
    """« Envoyer les liens d'activation » : à tous les élus jamais activés de la collectivité."""
    return elus_activation_envoyer(
        collectivite=collectivite, utilisateurs=list(elus_jamais_actives(collectivite)), par=par
    )


# --- Lien ou mot de passe perdu (côté élu, sans connexion) ------------------------------------


def _trop_de_demandes(cle: str) -> bool:
    limite = int(getattr(settings, "ECHARPE_CONVOCATIONS_LIENS_PERDUS_PAR_HEURE", 3))
    cache.add(cle, 0, timeout=3600)
    try:
        return int(cache.incr(cle)) > limite
    except ValueError:
        return False


def _cle(prefixe: str, valeur: str) -> str:
    return f"echarpe:elu-lien-perdu:{prefixe}:" + hashlib.sha256(valeur.encode()).hexdigest()


def elus_de_l_adresse(email: str, date_naissance: date) -> list[Utilisateur]:
    """Les élus (au moins un mandat) de cette adresse (compte, carnet ou adresse personnelle
    confirmée) nés ce jour-là."""
    email = email.strip()
    return list(
        Utilisateur.objects.filter(
            Q(email__iexact=email)
            | Q(contacts_convocations__email__iexact=email)
            | Q(adresses_elu__email__iexact=email, adresses_elu__confirmee_le__isnull=False),
            date_naissance=date_naissance,
            is_active=True,
            mandats__isnull=False,
        ).distinct()[:2]
    )


def elu_lien_perdu(*, email: str, date_naissance: date, adresse_ip: str = "") -> bool:
    """Envoie un nouveau lien si l'adresse et la date de naissance désignent un élu : lien
    d'activation si le compte n'a pas encore de mot de passe, sinon lien pour en choisir un
    nouveau. Le lien précédent du même objectif est révoqué (`lien_creer`). Rend True si un
    lien part ; la page, elle, répond toujours la même chose. Au plus
    `ECHARPE_CONVOCATIONS_LIENS_PERDUS_PAR_HEURE` demandes par adresse et par IP."""
    email = email.strip().lower()
    if _trop_de_demandes(_cle("adresse", email)) or (
        adresse_ip and _trop_de_demandes(_cle("ip", adresse_ip))
    ):
        logger.warning("Lien perdu d'un élu : limite horaire atteinte.")
        return False
    trouves = elus_de_l_adresse(email, date_naissance)
    # Deux comptes pour la même adresse et la même date : on n'en choisit aucun au hasard.
    if len(trouves) != 1:
        return False
    utilisateur = trouves[0]
    collectivite = collectivite_principale(utilisateur)
    if collectivite is None:
        return False
    with transaction.atomic():
        if utilisateur.has_usable_password():
            courriel = CourrielElu.objects.create(
                collectivite=collectivite,
                motif=MotifCourrielElu.MOT_DE_PASSE,
                utilisateur=utilisateur,
                email=email,
            )
            _mettre_en_file(courriel)
        else:
            activation_envoyer(utilisateur=utilisateur, collectivite=collectivite, par=None)
        journaliser(
            action=ActionConvocations.CONVOCATIONS_ELU_LIEN_PERDU,
            collectivite=collectivite,
            par=None,
            objet=utilisateur,
            sujet=_contact_de(utilisateur, collectivite),
        )
    return True


@transaction.atomic
def elu_mot_de_passe_changer(*, lien: LienSecurise, mot_de_passe: str) -> Utilisateur:
    """Nouveau mot de passe choisi par le lien « mot de passe perdu » ; le lien est consommé."""
    if lien.objectif != OBJECTIF_MOT_DE_PASSE:
        raise LienInconnu()
    utilisateur = Utilisateur.objects.select_for_update().filter(pk=lien.cible_id).first()
    if utilisateur is None or not utilisateur.is_active:
        raise LienInconnu("Le compte de ce lien est désactivé. Contactez votre mairie.")
    lien_controler(LienSecurise.objects.get(pk=lien.pk))
    lien_utiliser(lien=lien)
    utilisateur.set_password(mot_de_passe)
    utilisateur.save(update_fields=["password"])
    journaliser(
        action=ActionConvocations.CONVOCATIONS_ELU_MOT_DE_PASSE_CHANGE,
        collectivite=lien.collectivite,
        par=utilisateur,
        objet=utilisateur,
        sujet=_contact_de(utilisateur, lien.collectivite),
    )
    return utilisateur


# --- Notice RGPD ------------------------------------------------------------------------------


def _empreinte(texte: str) -> str:
    return hashlib.sha256(texte.encode("utf-8")).hexdigest()


@transaction.atomic
def notice_enregistrer(
    *, collectivite: Collectivite, texte: str, adresse_dpd: str, par: Utilisateur
) -> NoticeRgpd:
    notice = NoticeRgpd.objects.pour(collectivite).first() or NoticeRgpd(collectivite=collectivite)
    notice.texte = texte.strip()
    notice.adresse_dpd = adresse_dpd.strip()
    notice.modifiee_par = par
    notice.full_clean()
    notice.save()
    journaliser(
        action=ActionConvocations.CONVOCATIONS_NOTICE_RGPD_MODIFIEE,
        collectivite=collectivite,
        par=par,
        objet=notice,
    )
    return notice


def _consentements(accuse: AccuseNotice, *, actualites: bool, evenements: bool) -> list[str]:
    maintenant = timezone.now()
    changes = []
    if accuse.actualites != actualites or accuse.actualites_le is None:
        accuse.actualites, accuse.actualites_le = actualites, maintenant
        changes.append("actualites")
    if accuse.evenements != evenements or accuse.evenements_le is None:
        accuse.evenements, accuse.evenements_le = evenements, maintenant
        changes.append("evenements")
    return changes


@transaction.atomic
def notice_accuser(
    *, utilisateur: Utilisateur, collectivite: Collectivite, actualites: bool, evenements: bool
) -> AccuseNotice:
    """L'élu a lu la notice de cette collectivité (date et empreinte du texte lu) et fait ses
    choix pour les usages facultatifs."""
    notice = notice_de(collectivite)
    accuse, _ = AccuseNotice.objects.select_for_update().get_or_create(
        collectivite=collectivite,
        utilisateur=utilisateur,
        defaults={"lu_le": timezone.now(), "empreinte_texte": _empreinte(notice.texte_complet)},
    )
    accuse.lu_le = timezone.now()
    accuse.empreinte_texte = _empreinte(notice.texte_complet)
    _consentements(accuse, actualites=actualites, evenements=evenements)
    accuse.save()
    journaliser(
        action=ActionConvocations.CONVOCATIONS_NOTICE_RGPD_LUE,
        collectivite=collectivite,
        par=utilisateur,
        objet=accuse,
        details={"actualites": actualites, "evenements": evenements},
    )
    return accuse


@transaction.atomic
def consentements_modifier(
    *, accuse: AccuseNotice, actualites: bool, evenements: bool, par: Utilisateur
) -> AccuseNotice:
    """Donner ou retirer un consentement, à tout moment ; seul un changement est journalisé."""
    accuse = AccuseNotice.objects.select_for_update().get(pk=accuse.pk)
    changes = [
        c
        for c, avant, apres in (
            ("actualites", accuse.actualites, actualites),
            ("evenements", accuse.evenements, evenements),
        )
        if avant != apres
    ]
    if not changes:
        return accuse
    _consentements(accuse, actualites=actualites, evenements=evenements)
    accuse.save()
    journaliser(
        action=ActionConvocations.CONVOCATIONS_ELU_CONSENTEMENTS,
        collectivite=accuse.collectivite,
        par=par,
        objet=accuse,
        details={"actualites": actualites, "evenements": evenements},
    )
    return accuse


# --- Adresse personnelle ---------------------------------------------------------------------


@transaction.atomic
def adresse_demander(*, utilisateur: Utilisateur, email: str) -> AdresseElu:
    """Enregistre l'adresse demandée (pas encore en vigueur) et lui envoie un lien : elle le
    devient quand ce lien est ouvert."""
    collectivite = collectivite_principale(utilisateur)
    if collectivite is None:
        raise ValidationError("Votre compte n'a aucun mandat : aucune adresse à changer.")
    adresse = AdresseElu(collectivite=collectivite, utilisateur=utilisateur, email=email.strip())
    adresse.full_clean()
    adresse.save()
    courriel = CourrielElu.objects.create(
        collectivite=collectivite,
        motif=MotifCourrielElu.ADRESSE,
        utilisateur=utilisateur,
        email=adresse.email,
        adresse=adresse,
    )
    journaliser(
        action=ActionConvocations.CONVOCATIONS_ELU_ADRESSE_DEMANDEE,
        collectivite=collectivite,
        par=utilisateur,
        objet=adresse,
        sujet=_contact_de(utilisateur, collectivite),
    )
    _mettre_en_file(courriel)
    return adresse


@transaction.atomic
def adresse_confirmer(*, lien: LienSecurise) -> AdresseElu:
    """Le lien envoyé à l'adresse a été ouvert : elle remplace l'adresse personnelle
    précédente et vaut pour les convocations pas encore envoyées."""
    adresse = cible_du_lien(lien, AdresseElu)
    if lien.objectif != OBJECTIF_ADRESSE or adresse is None:
        raise LienInconnu()
    lien_utiliser(lien=lien)
    maintenant = timezone.now()
    AdresseElu.objects.filter(
        utilisateur_id=adresse.utilisateur_id, confirmee_le__isnull=False, remplacee_le__isnull=True
    ).exclude(pk=adresse.pk).update(remplacee_le=maintenant, modifie_le=maintenant)
    adresse.confirmee_le = maintenant
    adresse.save(update_fields=["confirmee_le", "modifie_le"])
    # Les séances en préparation partiront à la nouvelle adresse ; les envoyées gardent la leur.
    for destinataire in Destinataire.objects.filter(
        utilisateur_id=adresse.utilisateur_id, seance__etat=EtatSeance.BROUILLON
    ).exclude(email__iexact=adresse.email):
        if not Destinataire.objects.filter(
            seance_id=destinataire.seance_id, email__iexact=adresse.email
        ).exists():
            destinataire.email = adresse.email
            destinataire.save(update_fields=["email", "modifie_le"])
    journaliser(
        action=ActionConvocations.CONVOCATIONS_ELU_ADRESSE_CONFIRMEE,
        collectivite=adresse.collectivite,
        par=adresse.utilisateur,
        objet=adresse,
        sujet=_contact_de(adresse.utilisateur, adresse.collectivite),
    )
    return adresse


# --- Rattachement d'un autre compte (un seul compte pour tous les mandats) -----------------


def _rattachable(utilisateur: Utilisateur, autre: Utilisateur) -> bool:
    """Même personne (même date de naissance enregistrée), compte d'élu seulement : un
    compte d'agent ou du personnel ne se fond jamais dans un autre."""
    return (
        autre.pk != utilisateur.pk
        and autre.is_active
        and not autre.is_staff
        and utilisateur.date_naissance is not None
        and autre.date_naissance == utilisateur.date_naissance
        and not autre.roles.exists()
        and Mandat.objects.filter(utilisateur_id=autre.pk).exists()
    )


def rattachement_demander(*, utilisateur: Utilisateur, email: str) -> bool:
    """L'élu connecté donne l'adresse où une autre collectivité le convoque ; si un autre
    compte d'élu de la même personne y correspond, un lien y part (la preuve qu'il reçoit ce
    courrier). Réponse neutre ; demandes bornées comme le lien perdu."""
    email = email.strip().lower()
    if _trop_de_demandes(_cle("rattachement", f"{utilisateur.pk}")):
        return False
    candidats = [
        u
        for u in Utilisateur.objects.filter(
            Q(email__iexact=email) | Q(contacts_convocations__email__iexact=email)
        )
        .exclude(pk=utilisateur.pk)
        .distinct()[:2]
        if _rattachable(utilisateur, u)
    ]
    if len(candidats) != 1:
        return False
    autre = candidats[0]
    collectivite = collectivite_principale(autre)
    if collectivite is None:
        return False
    with transaction.atomic():
        courriel = CourrielElu.objects.create(
            collectivite=collectivite,
            motif=MotifCourrielElu.RATTACHEMENT,
            utilisateur=utilisateur,
            email=email,
            autre=autre,
        )
        journaliser(
            action=ActionConvocations.CONVOCATIONS_ELU_RATTACHEMENT_DEMANDE,
            collectivite=collectivite,
            par=utilisateur,
            objet=autre,
            sujet=_contact_de(autre, collectivite),
        )
        _mettre_en_file(courriel)
    return True


@transaction.atomic
def rattachement_confirmer(*, lien: LienSecurise, par: Utilisateur) -> list[Collectivite]:
    """Le lien reçu à l'autre adresse, ouvert par l'élu connecté : les mandats, fiches du
    carnet, convocations, notices lues et adresses de l'autre compte rejoignent le sien ;
    l'autre compte est désactivé. Rend les collectivités rattachées."""
    courriel = cible_du_lien(lien, CourrielElu)
    if lien.objectif != OBJECTIF_RATTACHEMENT or courriel is None or courriel.autre is None:
        raise LienInconnu()
    if courriel.utilisateur_id != par.pk:
        raise LienInconnu(
            "Ce lien rattache des mandats au compte qui l'a demandé : connectez-vous avec ce "
            "compte, puis rouvrez le lien."
        )
    autre = Utilisateur.objects.select_for_update().get(pk=courriel.autre_id)
    if not _rattachable(par, autre):
        raise LienInconnu("Ce compte ne peut plus être rattaché au vôtre.")
    lien_utiliser(lien=lien)
    collectivites = list(
        Collectivite.objects.filter(
            pk__in=Mandat.objects.filter(utilisateur=autre).values("collectivite_id")
        ).order_by("nom")
    )
    Mandat.objects.filter(utilisateur=autre).update(utilisateur=par)
    for contact in Contact.objects.filter(utilisateur=autre):
        deja = Contact.objects.filter(collectivite_id=contact.collectivite_id, utilisateur=par)
        contact.utilisateur = None if deja.exists() else par
        contact.save(update_fields=["utilisateur", "modifie_le"])
    Destinataire.objects.filter(utilisateur=autre).update(utilisateur=par)
    lues = AccuseNotice.objects.filter(utilisateur=par).values("collectivite_id")
    AccuseNotice.objects.filter(utilisateur=autre).exclude(collectivite_id__in=lues).update(
        utilisateur=par
    )
    AdresseElu.objects.filter(utilisateur=autre).update(utilisateur=par)
    autre.is_active = False
    autre.set_unusable_password()
    autre.save(update_fields=["is_active", "password"])
    for collectivite in collectivites:
        journaliser(
            action=ActionConvocations.CONVOCATIONS_ELU_COMPTES_RATTACHES,
            collectivite=collectivite,
            par=par,
            objet=par,
            sujet=_contact_de(par, collectivite),
            details={"compte": autre.username},
        )
    return collectivites


# --- Note à la collectivité ------------------------------------------------------------------


@transaction.atomic
def note_envoyer(*, destinataire: Destinataire, texte: str, par: Utilisateur) -> NoteElu:
    """L'élu adresse une note sur la séance au compte de la collectivité (i-delibRE)."""
    if destinataire.utilisateur_id != par.pk:
        raise ValidationError("Cette convocation ne vous est pas adressée.")
    texte = texte.strip()
    if not texte:
        raise ValidationError({"texte": "Écrivez votre note."})
    if len(texte) > 5000:
        raise ValidationError({"texte": "Votre note dépasse 5 000 caractères."})
    comptes = comptes_collectivite_de_seance(destinataire.seance)
    if not comptes:
        raise ValidationError(
            "Votre collectivité n'a pas de compte pour recevoir les notes des élus."
        )
    contact = comptes[0]
    note = NoteElu.objects.create(
        collectivite=destinataire.collectivite,
        seance=destinataire.seance,
        auteur=par,
        contact=contact,
        texte=texte,
    )
    courriel = CourrielElu.objects.create(
        collectivite=destinataire.collectivite,
        motif=MotifCourrielElu.NOTE,
        utilisateur=par,
        email=contact.email,
        note=note,
    )
    journaliser(
        action=ActionConvocations.CONVOCATIONS_ELU_NOTE_ENVOYEE,
        collectivite=destinataire.collectivite,
        par=par,
        objet=note,
        sujet=destinataire.seance,
    )
    _mettre_en_file(courriel)
    return note


# --- Courriels (core.mail.lots) --------------------------------------------------------------


def _mettre_en_file(courriel: CourrielElu) -> None:
    lot_mettre_en_file(ids=[courriel.pk], tache=elus_courriels_envoyer_task)

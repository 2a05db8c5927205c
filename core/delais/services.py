"""Délais légaux : configuration datée (`core.models.Delai`) et calculs de dates.

Chaque délai est une ligne datée avec sa référence juridique : la loi change (les
délais de convocation étaient en discussion en 2025), le code ne change pas. Une collectivité
ne peut fixer sa propre valeur que lorsque la loi lui laisse le choix (`surchargeable`).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.comptes.models import Utilisateur

# L'analyseur de dates unique vit dans `core.dates` ; ce nom reste importable d'ici.
from core.dates import parser_date_fr as parser_date_fr
from core.delais.models import Delai, UniteDelai
from core.journal.services import journaliser
from core.tenancy.models import Collectivite
from core.tenancy.services import model_update

SEUIL = "seuil_habitants_convocation"


class DelaiIntrouvable(LookupError):
    """Aucune valeur nationale de ce délai n'est en vigueur à la date demandée."""

    def __init__(self, code: str, le: date) -> None:
        self.code = code
        self.le = le
        super().__init__(
            f"Aucun délai « {code} » n'est en vigueur le {le:%d/%m/%Y}. "
            "Vérifiez la configuration des délais nationaux (administration de la plateforme)."
        )


# --- Configuration datée --------------------------------------------------------------------


def _en_vigueur(queryset: QuerySet[Delai], le: date) -> QuerySet[Delai]:
    return queryset.filter(valide_du__lte=le).filter(
        Q(valide_au__isnull=True) | Q(valide_au__gte=le)
    )


def delai_en_vigueur(code: str, *, le: date, collectivite: Collectivite | None = None) -> Delai:
    """La valeur d'un délai en vigueur le jour `le`.

    La ligne nationale la plus récente en vigueur fait foi ; une valeur de la collectivité en
    vigueur ce jour-là la remplace seulement si la ligne nationale est `surchargeable`.
    """
    national = (
        _en_vigueur(Delai.objects.filter(code=code, collectivite__isnull=True), le)
        .order_by("-valide_du")
        .first()
    )
    if national is None:
        raise DelaiIntrouvable(code, le)
    if collectivite is not None and national.surchargeable:
        local = (
            _en_vigueur(Delai.objects.filter(code=code, collectivite=collectivite), le)
            .order_by("-valide_du")
            .first()
        )
        if local is not None:
            return local
    return national


def delais_en_vigueur(
    *, le: date, collectivite: Collectivite | None = None
) -> list[tuple[Delai, Delai | None]]:
    """Tous les délais en vigueur le jour `le`, en deux requêtes.

    Rend des paires (valeur nationale, valeur locale ou None), triées par libellé ; la valeur
    locale n'est rendue que pour un délai national `surchargeable`.
    """
    nationaux: dict[str, Delai] = {}
    for delai in _en_vigueur(Delai.objects.filter(collectivite__isnull=True), le).order_by(
        "code", "-valide_du"
    ):
        nationaux.setdefault(delai.code, delai)
    locaux: dict[str, Delai] = {}
    if collectivite is not None:
        for delai in _en_vigueur(Delai.objects.filter(collectivite=collectivite), le).order_by(
            "code", "-valide_du"
        ):
            locaux.setdefault(delai.code, delai)
    paires = [
        (national, locaux.get(code) if national.surchargeable else None)
        for code, national in nationaux.items()
    ]
    return sorted(paires, key=lambda paire: paire[0].libelle.lower())


def delais_a_venir(*, apres: date, collectivite: Collectivite) -> dict[str, list[Delai]]:
    """Les valeurs programmées après le jour `apres`, par code, triées par date, en une requête.

    Valeurs nationales, et valeurs de la collectivité (jamais celles d'une autre) : sans elles
    une valeur enregistrée pour le 1er janvier resterait invisible jusqu'à cette date.
    """
    a_venir: dict[str, list[Delai]] = {}
    for delai in Delai.objects.filter(
        Q(collectivite__isnull=True) | Q(collectivite=collectivite), valide_du__gt=apres
    ).order_by("valide_du", "collectivite_id"):
        a_venir.setdefault(delai.code, []).append(delai)
    return a_venir


def valeur_affichee(delai: Delai) -> str:
    """« 3 jours francs », « 1 jour franc », « 3 500 habitants », « 3 séances »."""
    n = delai.valeur
    pluriel = n > 1
    if delai.unite == UniteDelai.HABITANTS:
        return f"{n:,}".replace(",", "\u202f") + " habitants"
    libelles = {
        UniteDelai.JOURS_FRANCS: ("jour franc", "jours francs"),
        UniteDelai.JOURS: ("jour calendaire", "jours calendaires"),
        UniteDelai.JOURS_AVANT: ("jour (non franc)", "jours (non francs)"),
        UniteDelai.SEANCES: ("séance", "séances"),
    }
    singulier, multiple = libelles.get(UniteDelai(delai.unite), (delai.unite, delai.unite))
    return f"{n} {multiple if pluriel else singulier}"


# Les champs d'un délai que le journal retient à sa création dans l'admin.
CHAMPS_DELAI = ["code", "valeur", "unite", "valide_du", "valide_au", "surchargeable"]


@transaction.atomic
def delai_surcharger(
    *, collectivite: Collectivite, code: str, valeur: int, valide_du: date, par: Utilisateur
) -> Delai:
    """Fixe la valeur locale d'un délai que la loi laisse au choix de la collectivité.

    Lève `ValidationError` (messages en français) si le délai national n'est pas modifiable ou
    si la date est passée : une valeur rétroactive changerait des échéances déjà calculées.
    """
    try:
        national = delai_en_vigueur(code, le=max(valide_du, timezone.localdate()))
    except DelaiIntrouvable as erreur:
        raise ValidationError({"valide_du": str(erreur)}) from erreur
    if not national.surchargeable:
        raise ValidationError(
            f"« {national.libelle} » est fixé par la loi ({national.reference}) : "
            "la collectivité ne peut pas le modifier."
        )
    if valide_du < timezone.localdate():
        raise ValidationError({"valide_du": "La date d'entrée en vigueur ne peut pas être passée."})
    precedent = delai_en_vigueur(code, le=valide_du, collectivite=collectivite)
    local = Delai.objects.filter(
        code=code, collectivite=collectivite, valide_du=valide_du
    ).first() or Delai(code=code, collectivite=collectivite, valide_du=valide_du)
    local.libelle = national.libelle
    local.valeur = valeur
    local.unite = national.unite
    local.reference = national.reference
    local.confirme = national.confirme
    local.surchargeable = False
    local.valide_au = None
    local.note = "Valeur fixée par la collectivité."
    local.full_clean()
    local.save()
    journaliser(
        action="delai_surcharge",
        collectivite=collectivite,
        par=par,
        objet=local,
        details={
            "code": code,
            "valeur": valeur,
            "valeur_precedente": precedent.valeur,
            "valide_du": valide_du.isoformat(),
        },
    )
    return local


def _valeurs_journal(delai: Delai, champs: list[str]) -> dict[str, Any]:
    return {champ: getattr(delai, champ) for champ in champs}


@transaction.atomic
def delai_creer(*, delai: Delai, par: Utilisateur | None) -> Delai:
    """Ajoute un délai (admin Django) : valeur nationale (chaîne de la plateforme) ou locale
    (chaîne de sa collectivité)."""
    delai.full_clean()
    delai.save()
    journaliser(
        action="delai_modifie",
        collectivite=delai.collectivite,
        par=par,
        objet=delai,
        details={
            "creation": True,
            **{
                champ: [None, valeur]
                for champ, valeur in _valeurs_journal(delai, CHAMPS_DELAI).items()
            },
        },
    )
    return delai


@transaction.atomic
def delai_modifier(*, delai: Delai, par: Utilisateur | None, donnees: dict[str, Any]) -> Delai:
    """Modifie un délai (admin Django) et journalise les champs changés, « avant → après »."""
    delai = Delai.objects.select_for_update().get(pk=delai.pk)
    avant = _valeurs_journal(delai, list(donnees))
    delai, modifies = model_update(instance=delai, donnees=donnees)
    if modifies:
        journaliser(
            action="delai_modifie",
            collectivite=delai.collectivite,
            par=par,
            objet=delai,
            details={champ: [avant[champ], getattr(delai, champ)] for champ in modifies},
        )
    return delai


@transaction.atomic
def delai_supprimer(*, delai: Delai, par: Utilisateur | None) -> None:
    """Supprime un délai (admin Django) ; l'entrée du journal garde sa valeur."""
    pk = delai.pk
    delai.delete()
    delai.pk = pk
    journaliser(
        action="delai_supprime",
        collectivite=delai.collectivite,
        par=par,
        objet=delai,
        details={"code": delai.code, "valeur": delai.valeur, "valide_du": delai.valide_du},
    )


# --- Calendrier -----------------------------------------------------------------------------


def _paques(annee: int) -> date:
    """Dimanche de Pâques (calendrier grégorien, algorithme anonyme de Meeus)."""
    a = annee % 19
    b, c = divmod(annee, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    mois, jour = divmod(h + ell - 7 * m + 114, 31)
    return date(annee, mois, jour + 1)


@lru_cache(maxsize=256)
def _feries(annee: int) -> frozenset[date]:
    paques = _paques(annee)
    return frozenset(
        {
            date(annee, 1, 1),  # Jour de l'an
            paques + timedelta(days=1),  # Lundi de Pâques
            date(annee, 5, 1),  # Fête du travail
            date(annee, 5, 8),  # Victoire 1945
            paques + timedelta(days=39),  # Ascension
            paques + timedelta(days=50),  # Lundi de Pentecôte
            date(annee, 7, 14),  # Fête nationale
            date(annee, 8, 15),  # Assomption
            date(annee, 11, 1),  # Toussaint
            date(annee, 11, 11),  # Armistice
            date(annee, 12, 25),  # Noël
        }
    )


def jours_feries(annee: int) -> set[date]:
    """Les 11 jours fériés nationaux (Code du travail L3133-1), sans ceux d'Alsace-Moselle."""
    return set(_feries(annee))


def est_ouvre(jour: date) -> bool:
    """Ni samedi, ni dimanche, ni jour férié national."""
    return jour.weekday() < 5 and jour not in _feries(jour.year)


def ajouter_jours(depart: date, n: int, *, prorogation: bool | None = None) -> date:
    """Fin d'un délai du Code électoral de `n` jours qui court à partir de `depart`.

    Cass. 2e civ., 26 août 2020, n° 20-60.214 : jours calendaires, le jour de départ ne compte
    pas (`depart + n`). La prorogation au jour ouvré suivant d'un délai qui finit un samedi, un
    dimanche ou un jour férié n'est pas confirmée [?] : c'est le réglage
    ECHARPE_DELAIS_PROROGATION_JOUR_NON_OUVRE, sauf choix explicite.
    """
    if n < 0:
        raise ValueError("Un délai ne peut pas être négatif.")
    if prorogation is None:
        prorogation = bool(getattr(settings, "ECHARPE_DELAIS_PROROGATION_JOUR_NON_OUVRE", False))
    fin = depart + timedelta(days=n)
    if prorogation:
        while not est_ouvre(fin):
            fin += timedelta(days=1)
    return fin


# --- Convocations (CGCT) --------------------------------------------------------------------


def date_limite_avant(seance: date, delai: Delai) -> date:
    """Dernier jour d'envoi possible pour une séance, selon l'unité du délai.

    Jours francs (CGCT L2121-11, L2121-12 ; CE 5 févr. 1954 Peslier) : ni le jour de l'envoi
    ni celui de la séance ne comptent, samedis, dimanches et fériés comptent : séance − (n + 1).
    Jours non francs (Alsace-Moselle, L2541-2 : « trois jours au moins avant la séance ») :
    séance − n.
    """
    if delai.unite == UniteDelai.JOURS_FRANCS:
        return seance - timedelta(days=delai.valeur + 1)
    if delai.unite in (UniteDelai.JOURS_AVANT, UniteDelai.JOURS):
        return seance - timedelta(days=delai.valeur)
    raise ValueError(f"Le délai « {delai.code} » n'est pas exprimé en jours.")


def regime_3500_ou_plus(
    *, seance: date, collectivite: Collectivite | None = None, habitants: int | None = None
) -> bool:
    """Vrai si les règles des communes de 3 500 habitants et plus s'appliquent à la séance.

    Le seuil est celui configuré (`seuil_habitants_convocation`) en vigueur le jour de la
    séance. Avec une collectivité, son régime fait foi (`Collectivite.regime_3500_ou_plus` :
    un EPCI suit ces règles si et seulement si une commune membre compte 3 500 habitants ou
    plus, CGCT L5211-1) et `habitants` n'est pas lu.
    """
    if collectivite is None:
        if habitants is None:
            raise ValueError("Indiquez le nombre d'habitants ou la collectivité.")
        return habitants >= delai_en_vigueur(SEUIL, le=seance).valeur
    seuil = delai_en_vigueur(SEUIL, le=seance, collectivite=collectivite).valeur
    return collectivite.regime_3500_ou_plus(seuil)


def code_delai_convocation(
    *, regime_3500_ou_plus: bool, urgence: bool, alsace_moselle: bool
) -> str:
    """Le code du délai de convocation du conseil qui s'applique."""
    if alsace_moselle and not regime_3500_ou_plus:
        # CGCT L2541-2 : communes de moins de 3 500 habitants seulement.
        return "convocation_alsace_moselle_urgence" if urgence else "convocation_alsace_moselle"
    if urgence:
        # CGCT L2121-11 et L2121-12 : l'urgence ne descend pas sous un jour franc.
        return "convocation_urgence"
    return "convocation_cm_3500_plus" if regime_3500_ou_plus else "convocation_cm_moins_3500"


def date_limite_convocation(
    *,
    seance: date,
    habitants: int | None = None,
    urgence: bool = False,
    collectivite: Collectivite | None = None,
) -> date:
    """Dernier jour où la convocation au conseil peut partir pour la séance du jour `seance`.

    Les valeurs (délais et seuil) sont celles en vigueur à la date de la séance. Avec une
    collectivité, son régime s'applique (`regime_3500_ou_plus` : population d'une commune
    comparée au seuil configuré ; pour un EPCI, la présence d'une commune membre de 3 500
    habitants ou plus, quelle que soit sa population totale, CGCT L5211-1), le droit local
    d'Alsace-Moselle, et ses valeurs locales quand la loi les permet ; `habitants` n'est alors
    pas lu.
    """
    code = code_delai_convocation(
        regime_3500_ou_plus=regime_3500_ou_plus(
            seance=seance, collectivite=collectivite, habitants=habitants
        ),
        urgence=urgence,
        alsace_moselle=bool(collectivite and collectivite.alsace_moselle),
    )
    delai = delai_en_vigueur(code, le=seance, collectivite=collectivite)
    return date_limite_avant(seance, delai)


def date_limite_convocation_commission(
    *, seance: date, collectivite: Collectivite | None = None
) -> date:
    """Dernier jour d'envoi d'une convocation de commission municipale.

    Aucun délai légal (CGCT L2121-22) : valeur par défaut nationale, modifiable par la
    collectivité.
    """
    delai = delai_en_vigueur("convocation_commission", le=seance, collectivite=collectivite)
    return date_limite_avant(seance, delai)

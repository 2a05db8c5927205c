"""Écritures du fichier électoral : contact et INE d'un électeur, bureaux de vote.

L'état civil n'est pas modifiable ici : depuis 2019 il vient du REU, et ses erreurs se
corrigent auprès de l'INSEE, pas en mairie. Chaque écriture est journalisée avec l'électeur
pour sujet, pour que la chronologie de sa fiche la montre.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from core.comptes.models import Utilisateur
from core.journal.services import journaliser
from core.tenancy.models import Collectivite
from electeurs.models import ActionElecteurs, BureauDeVote, Electeur

CHAMPS_CONTACT = {
    "courriel": "courriel",
    "telephone": "téléphone",
    "adresse_contact": "adresse de contact",
}
CHAMPS_BUREAU = (
    "code",
    "libelle",
    "adresse",
    "circonscription_code",
    "circonscription_libelle",
    "canton_libelle",
)


@transaction.atomic
def electeur_contact_modifier(
    *,
    electeur: Electeur,
    courriel: str,
    telephone: str,
    adresse_contact: str,
    par: Utilisateur,
) -> list[str]:
    """Enregistre le contact ; rend les libellés des champs changés (vide : rien à faire,
    rien au journal). Les valeurs ne vont pas au journal : seulement ce qui a changé."""
    nouvelles = {
        "courriel": courriel.strip(),
        "telephone": telephone.strip(),
        "adresse_contact": adresse_contact.strip(),
    }
    changes = [c for c, v in nouvelles.items() if getattr(electeur, c) != v]
    if not changes:
        return []
    for champ in changes:
        setattr(electeur, champ, nouvelles[champ])
    electeur.full_clean(exclude=[c for c in _champs(electeur) if c not in changes])
    electeur.save(update_fields=[*changes, "modifie_le"])
    libelles = [CHAMPS_CONTACT[c] for c in changes]
    journaliser(
        action=ActionElecteurs.CONTACT_MODIFIE,
        collectivite=electeur.collectivite,
        par=par,
        objet=electeur,
        sujet=electeur,
        details={"champs_modifies": ", ".join(libelles)},
    )
    return libelles


@transaction.atomic
def electeur_ine_modifier(*, electeur: Electeur, ine: str, par: Utilisateur) -> bool:
    """Saisit (ou efface) l'INE relevé sur la carte électorale. Unique dans la collectivité :
    `ValidationError` en français sinon. Rend False si rien ne change."""
    ine = "".join(ine.split()).upper()
    if ine == electeur.ine:
        return False
    electeur.ine = ine
    # La contrainte « INE unique dans la collectivité » est vérifiée par full_clean, avant la
    # base ; elle porte sur `collectivite` aussi, qui ne doit donc pas être exclu.
    electeur.full_clean(exclude=[c for c in _champs(electeur) if c not in {"ine", "collectivite"}])
    electeur.save(update_fields=["ine", "modifie_le"])
    journaliser(
        action=ActionElecteurs.ELECTEUR_MODIFIE,
        collectivite=electeur.collectivite,
        par=par,
        objet=electeur,
        sujet=electeur,
        details={"champs_modifies": "INE" if ine else "INE effacé"},
    )
    return True


def _champs(electeur: Electeur) -> list[str]:
    return [f.name for f in electeur._meta.fields]


@transaction.atomic
def bureau_creer(
    *,
    collectivite: Collectivite,
    code: str,
    libelle: str,
    adresse: str = "",
    circonscription_code: str = "",
    circonscription_libelle: str = "",
    canton_libelle: str = "",
    par: Utilisateur,
) -> BureauDeVote:
    bureau = BureauDeVote(
        collectivite=collectivite,
        code=code.strip(),
        libelle=libelle.strip(),
        adresse=adresse.strip(),
        circonscription_code=circonscription_code.strip(),
        circonscription_libelle=circonscription_libelle.strip(),
        canton_libelle=canton_libelle.strip(),
    )
    bureau.full_clean()
    bureau.save()
    journaliser(
        action=ActionElecteurs.BUREAU_CREE, collectivite=collectivite, par=par, objet=bureau
    )
    return bureau


@transaction.atomic
def bureau_modifier(
    *,
    bureau: BureauDeVote,
    code: str,
    libelle: str,
    adresse: str = "",
    circonscription_code: str = "",
    circonscription_libelle: str = "",
    canton_libelle: str = "",
    par: Utilisateur,
) -> bool:
    """Rend False si rien ne change (rien au journal)."""
    valeurs = {
        "code": code.strip(),
        "libelle": libelle.strip(),
        "adresse": adresse.strip(),
        "circonscription_code": circonscription_code.strip(),
        "circonscription_libelle": circonscription_libelle.strip(),
        "canton_libelle": canton_libelle.strip(),
    }
    changes = [c for c, v in valeurs.items() if getattr(bureau, c) != v]
    if not changes:
        return False
    for champ in changes:
        setattr(bureau, champ, valeurs[champ])
    try:
        bureau.full_clean()
    except ValidationError:
        bureau.refresh_from_db()
        raise
    bureau.save(update_fields=[*changes, "modifie_le"])
    journaliser(
        action=ActionElecteurs.BUREAU_MODIFIE,
        collectivite=bureau.collectivite,
        par=par,
        objet=bureau,
    )
    return True

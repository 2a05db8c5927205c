"""Le journal lu en français : objets décrits, détails « avant → après », valeurs lisibles.

Sans écriture ni dépendance aux services : le modèle (`EntreeJournal.details_lisibles`), les
gabarits et l'export s'en servent.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.db import models

from core.comptes.models import Utilisateur
from core.registry import registre
from core.templatetags.echarpe import date_fr, nombre

LIBELLES_DETAILS_CORE = {
    "ip": "adresse IP",
    "compte": "compte",
    "role": "rôle",
    "actif": "accès actif",
    "supprime": "rôle supprimé",
    "creation": "création",
    "compte_par_defaut": "compte de la collectivité",
    "champs_modifies": "champs modifiés",
    "mot_de_passe_modifie": "mot de passe modifié",
    "reussi": "réussi",
    "code": "code",
    "valeur": "valeur",
    "valeur_precedente": "valeur précédente",
    "valide_du": "en vigueur du",
    "tentative": "tentative",
    "erreur_precedente": "erreur précédente",
    "objectif": "objectif",
    "expire_le": "expire le",
    "usage_unique": "usage unique",
    "verification_identite": "vérification d'identité",
    "tentatives": "essais",
    "lien": "lien n°",
    "entrees": "entrées",
    "entrees_anciennes": "entrées d'avant la clé",
    "filtres": "filtres",
    "version": "version",
    "is_staff": "personnel de la plateforme",
    "is_active": "compte actif",
    "is_superuser": "superutilisateur",
    "acteur": "personne",
    "action": "action",
    "texte": "texte cherché",
    "du": "du",
    "au": "au",
}

# Valeurs qui sont des listes d'éléments et non un couple [avant, après].
_CLES_ENUMERATIONS = frozenset({"champs_modifies"})
_DATE_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_HEURE_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def nom_personne(utilisateur: Utilisateur) -> str:
    return f"{utilisateur.first_name} {utilisateur.last_name}".strip() or utilisateur.username


def decrire_lien(lien: Any) -> str:
    objectif = registre.libelles_valeurs.get(lien.objectif, lien.objectif)
    modele = apps.get_model(lien.cible_type) if "." in lien.cible_type else None
    cible = modele._default_manager.filter(pk=lien.cible_id).first() if modele else None
    return f"le lien d'{objectif} pour {decrire_objet(cible)}" if cible else f"le lien d'{objectif}"


def decrire_objet(obj: models.Model | None) -> str:
    """L'objet en français, tel qu'il s'écrit dans le journal : « le compte de Claire Martin »."""
    if obj is None:
        return ""
    decrire = registre.descriptions_journal.get(obj._meta.label_lower)
    if decrire is not None:
        return decrire(obj)
    return f"{obj._meta.verbose_name} « {obj} »"


def _valeur_en_francais(valeur: Any) -> str:
    if valeur is None or valeur == "":
        return "—"
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    if isinstance(valeur, int | float):
        return nombre(valeur)
    if isinstance(valeur, str):
        if valeur in registre.libelles_valeurs:
            return registre.libelles_valeurs[valeur]
        if valeur in registre.libelles_chronologie:
            return registre.libelles_chronologie[valeur].lower()
        try:
            if _DATE_HEURE_ISO.match(valeur):
                return date_fr(datetime.fromisoformat(valeur))
            if _DATE_ISO.match(valeur):
                return date_fr(date.fromisoformat(valeur))
        except ValueError:
            pass
        return valeur
    if isinstance(valeur, dict):
        return details_en_francais(valeur, separateur=", ")
    if isinstance(valeur, list):
        return ", ".join(_valeur_en_francais(v) for v in valeur)
    return str(valeur)


def details_en_francais(details: dict[str, Any], *, separateur: str = " ; ") -> str:
    """« clé : valeur » en français ; un couple [avant, après] s'écrit « avant → après »."""
    morceaux = []
    for cle, valeur in details.items():
        if valeur is None or valeur == "" or valeur == {}:
            continue
        libelle = registre.libelles_details.get(cle, cle.replace("_", " "))
        if cle in _CLES_ENUMERATIONS and isinstance(valeur, list):
            texte = ", ".join(registre.libelles_details.get(str(v), str(v)) for v in valeur)
            morceaux.append(f"{libelle} : {texte or '—'}")
        elif isinstance(valeur, list) and len(valeur) == 2:
            avant, apres = (_valeur_en_francais(v) for v in valeur)
            morceaux.append(f"{libelle} : {avant} → {apres}")
        else:
            morceaux.append(f"{libelle} : {_valeur_en_francais(valeur)}")
    return separateur.join(morceaux)

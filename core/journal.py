"""Journal append-only : une chaîne de hachage par collectivité, une pour la plateforme.

`journaliser` est l'unique point d'écriture. Appelez-le en dernier dans la transaction de
l'action journalisée : il verrouille la tête de chaîne (`select_for_update`) jusqu'au
commit, et un verrou tenu court sérialise sans ralentir.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from core.models import ChaineJournal, Collectivite, EntreeJournal, Utilisateur


def _reference(obj: Any) -> tuple[str, str, str]:
    if obj is None:
        return "", "", ""
    if isinstance(obj, models.Model):
        return obj._meta.label_lower, str(obj.pk), str(obj)[:300]
    raise TypeError("Objet journalisé : une instance de modèle est attendue.")


def calculer_hash(
    *,
    hash_precedent: str,
    numero: int,
    collectivite_id: int | None,
    horodatage: datetime,
    acteur_id: int | None,
    acteur_libelle: str,
    action: str,
    objet_type: str,
    objet_id: str,
    objet_libelle: str,
    sujet_type: str,
    sujet_id: str,
    sujet_libelle: str,
    details: dict[str, Any],
) -> str:
    """SHA-256 d'une sérialisation canonique de l'entrée et du hash précédent."""
    contenu = json.dumps(
        {
            "precedent": hash_precedent,
            "numero": numero,
            "collectivite": collectivite_id,
            "horodatage": horodatage.astimezone(UTC).isoformat(timespec="microseconds"),
            "acteur": acteur_id,
            "acteur_libelle": acteur_libelle,
            "action": action,
            "objet": [objet_type, objet_id, objet_libelle],
            "sujet": [sujet_type, sujet_id, sujet_libelle],
            "details": details,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(contenu.encode("utf-8")).hexdigest()


def hash_entree(entree: EntreeJournal) -> str:
    return calculer_hash(
        hash_precedent=entree.hash_precedent,
        numero=entree.numero,
        collectivite_id=entree.collectivite_id,
        horodatage=entree.horodatage,
        acteur_id=entree.acteur_id,
        acteur_libelle=entree.acteur_libelle,
        action=entree.action,
        objet_type=entree.objet_type,
        objet_id=entree.objet_id,
        objet_libelle=entree.objet_libelle,
        sujet_type=entree.sujet_type,
        sujet_id=entree.sujet_id,
        sujet_libelle=entree.sujet_libelle,
        details=entree.details,
    )


def _chaine_verrouillee(collectivite: Collectivite | None) -> ChaineJournal:
    filtre: dict[str, Any] = (
        {"collectivite": collectivite, "plateforme": False}
        if collectivite is not None
        else {"collectivite": None, "plateforme": True}
    )
    try:
        return ChaineJournal.objects.select_for_update().get(**filtre)
    except ChaineJournal.DoesNotExist:
        try:
            with transaction.atomic():
                ChaineJournal.objects.create(**filtre)
        except IntegrityError:
            pass  # créée entre-temps par un autre écrivain
        return ChaineJournal.objects.select_for_update().get(**filtre)


def journaliser(
    *,
    action: str,
    collectivite: Collectivite | None,
    acteur: Utilisateur | None = None,
    objet: Any = None,
    sujet: Any = None,
    details: dict[str, Any] | None = None,
) -> EntreeJournal:
    """Ajoute une entrée. `collectivite=None` écrit dans la chaîne de la plateforme.

    `objet` est la ligne touchée, `sujet` la personne ou le dossier qu'elle concerne
    (l'électeur, la séance, le télédossier) ; la chronologie d'un sujet est une requête
    indexée sur (`sujet_type`, `sujet_id`).
    """
    details = json.loads(json.dumps(details or {}, default=str))
    objet_type, objet_id, objet_libelle = _reference(objet)
    sujet_type, sujet_id, sujet_libelle = _reference(sujet) if sujet is not None else ("", "", "")
    acteur_id = acteur.pk if acteur is not None and acteur.pk else None
    acteur_libelle = str(acteur)[:300] if acteur_id else ""
    with transaction.atomic():
        chaine = _chaine_verrouillee(collectivite)
        horodatage = timezone.now()
        numero = chaine.dernier_numero + 1
        champs: dict[str, Any] = {
            "numero": numero,
            "horodatage": horodatage,
            "acteur_libelle": acteur_libelle,
            "action": action,
            "objet_type": objet_type,
            "objet_id": objet_id,
            "objet_libelle": objet_libelle,
            "sujet_type": sujet_type,
            "sujet_id": sujet_id,
            "sujet_libelle": sujet_libelle,
            "details": details,
        }
        empreinte = calculer_hash(
            hash_precedent=chaine.dernier_hash,
            collectivite_id=collectivite.pk if collectivite else None,
            acteur_id=acteur_id,
            **champs,
        )
        entree = EntreeJournal.objects.create(
            chaine=chaine,
            collectivite=collectivite,
            acteur_id=acteur_id,
            hash_precedent=chaine.dernier_hash,
            hash=empreinte,
            **champs,
        )
        chaine.dernier_numero = numero
        chaine.dernier_hash = empreinte
        chaine.save(update_fields=["dernier_numero", "dernier_hash"])
    return entree


@dataclass(frozen=True)
class Alteration:
    chaine: ChaineJournal
    numero: int
    raison: str

    def __str__(self) -> str:
        return f"{self.chaine} : entrée n° {self.numero} altérée ({self.raison})"

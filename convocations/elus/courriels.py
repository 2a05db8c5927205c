"""Courriels de l'espace élu (`CourrielElu`) : préparés dans la tâche, où naissent les liens."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.urls import reverse

from convocations.elus.models import CourrielElu, MotifCourrielElu
from core.liens.services import lien_creer, lien_url_absolue
from core.mail.lots import EnvoiSansObjet, MessagePrepare

OBJECTIF_MOT_DE_PASSE = "elu_mot_de_passe"
OBJECTIF_ADRESSE = "elu_adresse"
OBJECTIF_RATTACHEMENT = "elu_rattachement"
DUREE_RATTACHEMENT = timedelta(days=2)
DUREE_MOT_DE_PASSE = timedelta(days=1)
DUREE_ADRESSE = timedelta(days=7)


def _portail_absolu() -> str:
    base = getattr(settings, "ECHARPE_URL_BASE", "http://127.0.0.1:8000")
    return base.rstrip("/") + reverse("convocations:portail")


def courriel_preparer(courriel: CourrielElu) -> MessagePrepare:
    """Le message d'un `CourrielElu`, appelé dans la tâche ; les liens naissent ici."""
    utilisateur = courriel.utilisateur
    collectivite = courriel.collectivite
    contexte: dict[str, object] = {
        "prenom": utilisateur.first_name,
        "collectivite_nom": collectivite.nom,
        "identifiant": utilisateur.username,
        "portail": _portail_absolu(),
    }
    reply_to: list[str] = []
    if courriel.motif == MotifCourrielElu.MOT_DE_PASSE:
        if not utilisateur.is_active:
            raise EnvoiSansObjet("Ce compte est désactivé : lien non envoyé.")
        lien, jeton = lien_creer(
            collectivite=collectivite,
            objectif=OBJECTIF_MOT_DE_PASSE,
            cible=utilisateur,
            duree=DUREE_MOT_DE_PASSE,
            usage_unique=True,
            date_naissance=utilisateur.date_naissance,
        )
        contexte["lien"] = lien_url_absolue(jeton)
        gabarit = "elu_mot_de_passe"
    elif courriel.motif == MotifCourrielElu.ADRESSE:
        adresse = courriel.adresse
        if adresse is None or adresse.confirmee_le is not None:
            raise EnvoiSansObjet("Adresse déjà confirmée : lien non envoyé.")
        lien, jeton = lien_creer(
            collectivite=collectivite,
            objectif=OBJECTIF_ADRESSE,
            cible=adresse,
            duree=DUREE_ADRESSE,
            usage_unique=True,
        )
        contexte["lien"] = lien_url_absolue(jeton)
        gabarit = "elu_adresse"
    elif courriel.motif == MotifCourrielElu.RATTACHEMENT:
        if courriel.autre is None or not courriel.autre.is_active:
            raise EnvoiSansObjet("Compte à rattacher introuvable : lien non envoyé.")
        lien, jeton = lien_creer(
            collectivite=collectivite,
            objectif=OBJECTIF_RATTACHEMENT,
            cible=courriel,
            duree=DUREE_RATTACHEMENT,
            usage_unique=True,
        )
        contexte["lien"] = lien_url_absolue(jeton)
        gabarit = "elu_rattachement"
    else:
        note = courriel.note
        if note is None:
            raise EnvoiSansObjet("Note introuvable : rien à envoyer.")
        contexte.update(
            {
                "auteur": utilisateur.get_full_name() or str(utilisateur),
                "seance": note.seance.titre,
                "texte": note.texte,
            }
        )
        gabarit = "elu_note"
        reply_to = [utilisateur.email] if utilisateur.email else []
    return MessagePrepare.depuis_gabarit(
        gabarit=gabarit,
        contexte=contexte,
        collectivite=collectivite,
        expediteur=None,
        destinataires=[courriel.email],
        reply_to=reply_to,
    )

"""Matrice d'accès de l'accès des élus (voir `tests/matrice.py`).

Côté agent : capacité « convocations » (la notice RGPD : administrateurs seulement).
Espace élu : la personne « elu » du monde reçoit ici un mandat et a lu la notice ; toute autre
personne connectée (agents compris) est refusée (403), l'anonyme va à la connexion."""

from __future__ import annotations

from typing import Any

from convocations.elus.services import notice_accuser
from convocations.models import EtatSeance
from tests.conftest import PROFILS, Monde
from tests.convocations.factories import (
    ContactFactory,
    DestinataireFactory,
    MandatFactory,
    SeanceFactory,
)
from tests.matrice import A, Cas, L, S, attendus


def _contact_elu(monde: Monde) -> dict[str, Any]:
    mandat = MandatFactory(collectivite=monde.collectivite)
    contact = ContactFactory(collectivite=monde.collectivite, utilisateur=mandat.utilisateur)
    return {"pk": contact.pk}


def _elu(monde: Monde) -> dict[str, Any]:
    elu = monde.personnes["elu"]
    MandatFactory(collectivite=monde.collectivite, utilisateur=elu)
    notice_accuser(
        utilisateur=elu, collectivite=monde.collectivite, actualites=False, evenements=False
    )
    return {}


def _convocation(monde: Monde) -> dict[str, Any]:
    _elu(monde)
    elu = monde.personnes["elu"]
    seance = SeanceFactory(collectivite=monde.collectivite, etat=EtatSeance.ENVOYEE)
    return {"pk": DestinataireFactory(seance=seance, utilisateur=elu, email=elu.email).pk}


def espace_elu(ok: int = 200) -> dict[str, int]:
    statuts = dict.fromkeys(PROFILS, 403)
    statuts["anonyme"] = 302
    statuts["elu"] = ok
    return statuts


CAS_MATRICE = [
    Cas("convocations:elus_acces", attendus({A, S, L})),
    Cas("convocations:elus_acces", attendus({A, S}, ok=302), methode="post"),
    Cas("convocations:notice_rgpd", attendus({A})),
    Cas(
        "convocations:notice_rgpd",
        attendus({A}, ok=302),
        methode="post",
        donnees={"texte": "Notice.", "adresse_dpd": "dpd@exemple.fr"},
    ),
    Cas("convocations:elu_naissance", attendus({A, S}, autre=404), kwargs=_contact_elu),
    Cas(
        "convocations:elu_naissance",
        attendus({A, S}, ok=302, autre=404),
        kwargs=_contact_elu,
        methode="post",
        donnees={"date_naissance": "12/05/1970"},
    ),
    Cas(
        "convocations:elu_activation",
        attendus({A, S}, ok=302, autre=404),
        kwargs=_contact_elu,
        methode="post",
    ),
    Cas("convocations:portail", espace_elu(), kwargs=_elu),
    Cas("convocations:portail_notice", espace_elu(), kwargs=_elu),
    Cas("convocations:portail_donnees", espace_elu(), kwargs=_elu),
    Cas("convocations:portail_adresse", espace_elu(), kwargs=_elu),
    Cas("convocations:portail_recapitulatif", espace_elu(), kwargs=_elu),
    Cas("convocations:portail_rattacher", espace_elu(), kwargs=_elu),
    Cas("convocations:portail_note", espace_elu(), kwargs=_convocation),
]

_PUBLIC = "Page publique de l'espace élu (sans connexion), testée dans test_liens.py."
_PAR_JETON = "Page d'un lien sécurisé : l'accès se fait par jeton, testé dans test_liens.py."
HORS_MATRICE = {
    "convocations:portail_manifest": "Manifeste de l'application web, public (test_portail.py).",
    "convocations:elu_lien_perdu": _PUBLIC,
    "convocations:elu_lien_perdu_envoye": _PUBLIC,
    "convocations:elu_mot_de_passe": _PAR_JETON,
    "convocations:elu_adresse_confirmer": _PAR_JETON,
    "convocations:elu_rattachement": _PAR_JETON,
}

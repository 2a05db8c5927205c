"""« Tester la connexion » d'un compte SMTP : un vrai message de test, borné par
`ECHARPE_SMTP_DELAI_TEST`, dont le résultat s'affiche en français.

Séparé de `core.mail.comptes` (réglages des comptes) parce qu'il envoie : il dépend de
`core.mail.services`, qui dépend lui-même de `core.mail.comptes`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.comptes.models import Utilisateur
from core.journal.services import journaliser
from core.mail.comptes import CompteResolu, MotDePasseIndechiffrable
from core.mail.connexion import ConnexionSMTP
from core.mail.erreurs import ErreurEnvoi
from core.mail.models import CompteSMTP
from core.mail.outbox import HOTE_BOITE_DEMO
from core.mail.services import envoyer_gabarit

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResultatTest:
    ok: bool
    message: str
    code: int | None = None


MESSAGE_TEST_INATTENDU = (
    "Le test n'a pas pu aboutir à cause d'une erreur inattendue. Si elle se reproduit, "
    "signalez-la à l'assistance."
)


def delai_test() -> float:
    """Durée maximale de « Tester la connexion », de la connexion à la réponse finale : la
    page attend le résultat (`ECHARPE_SMTP_DELAI_TEST`, 15 s par défaut)."""
    return float(getattr(settings, "ECHARPE_SMTP_DELAI_TEST", 15))


def smtp_tester(*, compte: CompteSMTP, destinataire: str, par: Utilisateur) -> ResultatTest:
    """Envoie un vrai message de test par ce compte et rend un résultat en français.

    Appelée dans la requête (« Tester la connexion ») : l'échange entier est borné par
    `delai_test()`, quel que soit le rythme du serveur ; un échec est un résultat normal,
    jamais une exception. En démonstration, seul le serveur fictif des comptes de
    démonstration (`HOTE_BOITE_DEMO`) mène à la boîte locale : tout autre serveur est
    réellement contacté. À appeler hors transaction (`non_atomic_requests`) : la trace du
    message est validée avant de parler au serveur.
    """
    try:
        resolu = CompteResolu.depuis_compte(compte)
        with ConnexionSMTP(
            resolu, delai_global=delai_test(), meme_en_demo=compte.hote != HOTE_BOITE_DEMO
        ) as connexion:
            message = envoyer_gabarit(
                gabarit="test_smtp",
                contexte={"compte": compte, "par": par, "collectivite": compte.collectivite},
                collectivite=compte.collectivite,
                expediteur=par,
                destinataires=[destinataire],
                compte=compte,
                connexion=connexion,
            )
    except ErreurEnvoi as erreur:
        # `texte` : le message pour l'agent, avec l'adresse refusée (`message`, destiné aux
        # logs, la masque).
        resultat = ResultatTest(ok=False, message=erreur.texte, code=erreur.code)
    except ValueError as erreur:
        # Entrée refusée avant tout envoi (adresse, nom affiché, mot de passe indéchiffrable) :
        # `core.mail.services` et `comptes` ne lèvent que des messages en français ; une erreur du
        # module `email` (anglaise) ne s'affiche pas.
        francais = type(erreur) is ValueError or isinstance(erreur, MotDePasseIndechiffrable)
        texte = str(erreur) if francais else MESSAGE_TEST_INATTENDU
        resultat = ResultatTest(ok=False, message=texte)
    except Exception as erreur:
        # Le test est une page d'agent : une panne imprévue y devient un résultat en français.
        logger.error(
            "Test du compte SMTP %s : erreur inattendue (%s)", compte.pk, type(erreur).__name__
        )
        resultat = ResultatTest(ok=False, message=MESSAGE_TEST_INATTENDU)
    else:
        resultat = ResultatTest(
            ok=True,
            # La réponse brute du serveur (« 250 2.0.0 Ok… ») reste dans la trace de l'envoi :
            # l'agent a besoin de savoir quoi vérifier, pas du code du protocole.
            message=(
                f"Connexion réussie : le serveur a accepté le message de test pour {destinataire}."
                " Vérifiez qu'il est bien arrivé dans cette boîte."
            ),
            code=message.code_smtp,
        )
    compte.derniere_verification = timezone.now()
    compte.dernier_resultat = resultat.message[:500]
    compte.dernier_test_reussi = resultat.ok
    with transaction.atomic():
        compte.save(
            update_fields=[
                "derniere_verification",
                "dernier_resultat",
                "dernier_test_reussi",
                "modifie_le",
            ]
        )
        journaliser(
            action="compte_smtp_teste",
            collectivite=compte.collectivite,
            par=par,
            objet=compte,
            details={"reussi": resultat.ok, "code": resultat.code},
        )
    logger.info("Test du compte SMTP %s : reussi=%s code=%s", compte.pk, resultat.ok, resultat.code)
    return resultat


__all__ = ["MESSAGE_TEST_INATTENDU", "ResultatTest", "delai_test", "smtp_tester"]

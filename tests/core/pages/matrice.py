"""Matrice d'accès des pages générales (voir `tests/matrice.py`)."""

from tests.matrice import AVEC_SMTP, TOUS_AGENTS, Cas, attendus

CAS_MATRICE = [
    # Sans rôle, l'Accueil explique pourquoi et propose la déconnexion (pas d'impasse 403).
    Cas("pages:accueil", {**attendus(TOUS_AGENTS), "sans_role": 200, "elu": 200}),
    Cas("pages:parametres", attendus(AVEC_SMTP)),
    # Action (POST) : la réponse normale est une redirection avec un message.
    Cas(
        "pages:collectivite_choisir",
        {**attendus(TOUS_AGENTS, ok=302), "sans_role": 302, "elu": 302},
        methode="post",
    ),
]

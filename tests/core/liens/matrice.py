"""Liens sécurisés : hors matrice (voir `tests/matrice.py`)."""

_PAR_JETON = "Liens sécurisés : l'accès se fait par jeton, testé dans test_views.py."
HORS_MATRICE = {
    "liens:accueil": _PAR_JETON,
    "liens:activation": _PAR_JETON,
    "liens:ouvrir": _PAR_JETON,
}

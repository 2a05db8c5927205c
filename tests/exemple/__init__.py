"""Application métier minimale, installée seulement dans les tests.

Elle prouve le chemin que décrit `docs/ajouter-une-application.md` : chaque extrait de cette
page est tiré d'ici. Ne l'importez pas ailleurs que dans les tests.
"""

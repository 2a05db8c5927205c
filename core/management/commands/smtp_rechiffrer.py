"""Rechiffre les mots de passe SMTP avec la première clé : `python manage.py smtp_rechiffrer`.

Rotation des clés : mettre la nouvelle clé en tête de `ECHARPE_CLES_CHIFFREMENT` (l'ancienne
derrière), lancer la commande, puis retirer l'ancienne clé. Code de sortie 0 si tout a été
rechiffré, 1 sinon : les comptes dont le mot de passe ne se déchiffre avec aucune clé sont
nommés par leur identifiant (jamais de mot de passe ni de valeur chiffrée à l'écran).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.mail.comptes import comptes_smtp_rechiffrer


def _pluriel(nombre: int, singulier: str, pluriel: str) -> str:
    return f"{nombre} {singulier if nombre < 2 else pluriel}"


class Command(BaseCommand):
    help = (
        "Rechiffre les mots de passe SMTP enregistrés avec la première clé de "
        "ECHARPE_CLES_CHIFFREMENT (rotation des clés)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rapport = comptes_smtp_rechiffrer()
        except ValueError as erreur:  # aucune clé, clé mal formée
            raise CommandError(str(erreur)) from None
        self.stdout.write(
            _pluriel(
                rapport.rechiffres,
                "mot de passe SMTP rechiffré",
                "mots de passe SMTP rechiffrés",
            )
            + " avec la première clé de ECHARPE_CLES_CHIFFREMENT."
        )
        if rapport.indechiffrables:
            nombre = len(rapport.indechiffrables)
            identifiants = ", ".join(str(pk) for pk in rapport.indechiffrables)
            raise CommandError(
                f"{_pluriel(nombre, 'compte SMTP a', 'comptes SMTP ont')} un mot de passe "
                f"qu'aucune clé actuelle ne déchiffre (identifiant{'s' if nombre > 1 else ''} : "
                f"{identifiants}). Remettez l'ancienne clé dans ECHARPE_CLES_CHIFFREMENT et "
                "relancez la commande, ou faites saisir à nouveau ces mots de passe "
                "(Paramètres › Comptes d'envoi)."
            )

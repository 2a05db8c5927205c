"""Vérifie les chaînes de hachage du journal : `python manage.py journal_verifier`.

Code de sortie 0 si tout est intègre, 1 sinon (la première entrée altérée de chaque chaîne
est nommée) : la commande peut tourner chaque nuit dans une supervision.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.journal import journal_verifier_rapport
from core.models import Collectivite


def _pluriel(nombre: int, singulier: str, pluriel: str) -> str:
    return f"{nombre} {singulier if nombre < 2 else pluriel}"


class Command(BaseCommand):
    help = "Vérifie l'intégrité du journal (chaînes de hachage, numérotation, têtes de chaîne)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--collectivite",
            metavar="SLUG",
            help="Ne vérifier que la chaîne de cette collectivité (identifiant court).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        collectivite = None
        if options["collectivite"]:
            try:
                collectivite = Collectivite.objects.get(slug=options["collectivite"])
            except Collectivite.DoesNotExist:
                raise CommandError(
                    f"Aucune collectivité n'a l'identifiant « {options['collectivite']} »."
                ) from None
        rapport = journal_verifier_rapport(collectivite=collectivite)
        if rapport.integre:
            self.stdout.write(
                "Journal intègre : "
                f"{_pluriel(rapport.entrees, 'entrée vérifiée', 'entrées vérifiées')} dans "
                f"{_pluriel(rapport.chaines, 'chaîne', 'chaînes')}."
            )
            return
        for alteration in rapport.alterations:
            self.stdout.write(str(alteration))
        self.stdout.write(
            f"Journal altéré : {_pluriel(len(rapport.alterations), 'chaîne', 'chaînes')} sur "
            f"{rapport.chaines} en défaut."
        )
        raise SystemExit(1)

"""Vérifie le journal : `python manage.py journal_verifier`.

Toutes les lignes de toutes les chaînes (au-delà de la tête aussi), leur sceau HMAC, leurs
liens, puis la continuité depuis la dernière vérification notée dans le fichier d'ancrage
(`ECHARPE_JOURNAL_ANCRE`, hors de la base) ; les têtes vérifiées y sont ajoutées.

Code de sortie 0 si tout est intègre, 1 sinon (le premier défaut de chaque chaîne est nommé) :
la commande peut tourner chaque nuit dans une supervision.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.journal.services import CleJournalAbsente, cles_journal, journal_verifier_rapport
from core.tenancy.models import Collectivite


def _pluriel(nombre: int, singulier: str, pluriel: str) -> str:
    return f"{nombre} {singulier if nombre < 2 else pluriel}"


class Command(BaseCommand):
    help = "Vérifie l'intégrité du journal (sceaux, chaînes, têtes et ancrage hors de la base)."

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
        if not cles_journal():
            raise CommandError(str(CleJournalAbsente()))
        ancre = Path(settings.ECHARPE_JOURNAL_ANCRE)
        try:
            rapport = journal_verifier_rapport(collectivite=collectivite, ancre=ancre)
        except OSError as erreur:
            raise CommandError(
                f"Fichier d'ancrage {ancre} inaccessible ({erreur.strerror}) : vérifiez "
                "ECHARPE_JOURNAL_ANCRE et les droits du dossier."
            ) from None
        if rapport.integre:
            self.stdout.write(
                "Journal intègre : "
                f"{_pluriel(rapport.entrees, 'entrée vérifiée', 'entrées vérifiées')} dans "
                f"{_pluriel(rapport.chaines, 'chaîne', 'chaînes')}."
            )
            if rapport.anciennes:
                self.stdout.write(
                    f"Dont {_pluriel(rapport.anciennes, 'entrée ancienne', 'entrées anciennes')}"
                    " d'avant les clés, vérifiées par leur empreinte SHA-256 et couvertes par le "
                    "sceau qui les suit."
                )
            self.stdout.write(f"Têtes de chaîne ancrées dans {ancre}.")
            return
        for alteration in rapport.alterations:
            self.stdout.write(str(alteration))
        self.stdout.write(
            f"Journal altéré : {_pluriel(len(rapport.alterations), 'défaut', 'défauts')} "
            f"({_pluriel(rapport.chaines, 'chaîne vérifiée', 'chaînes vérifiées')})."
        )
        raise SystemExit(1)

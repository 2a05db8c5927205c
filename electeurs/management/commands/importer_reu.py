"""`python manage.py importer_reu FICHIER --collectivite SLUG [--dry-run]`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.templatetags.echarpe import nombre, pluriel
from core.tenancy.models import Collectivite
from electeurs.imports.services import ErreurImport, extrait_analyser, resume, verifier_taille

MAX_AFFICHEES = 50


class Command(BaseCommand):
    help = (
        "Importe l'extrait ELIRE « liste électorale des électeurs actifs » (CSV) dans le "
        "fichier électoral d'une collectivité : tout ou rien ; --dry-run compte sans écrire."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("fichier", help="chemin de l'extrait CSV")
        parser.add_argument("--collectivite", required=True, help="identifiant court (slug)")
        parser.add_argument(
            "--dry-run", action="store_true", help="contrôle et compte, n'écrit rien"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        chemin = Path(options["fichier"])
        if not chemin.is_file():
            raise CommandError(f"Fichier introuvable : {chemin}.")
        collectivite = Collectivite.objects.filter(slug=options["collectivite"]).first()
        if collectivite is None:
            raise CommandError(f"Collectivité inconnue : « {options['collectivite']} ».")
        try:
            verifier_taille(chemin.stat().st_size)
            bilan = extrait_analyser(
                ouvrir=lambda: chemin.open("rb"),
                collectivite=collectivite,
                appliquer=not options["dry_run"],
            )
        except ErreurImport as exc:
            raise CommandError(exc.message) from exc
        if bilan.erreurs:
            for erreur in bilan.erreurs[:MAX_AFFICHEES]:
                self.stderr.write(str(erreur))
            reste = len(bilan.erreurs) - MAX_AFFICHEES
            if reste > 0:
                self.stderr.write(f"… et {nombre(reste)} autres erreurs.")
            raise CommandError(
                f"Fichier refusé ({pluriel(len(bilan.erreurs), 'erreur')}) : rien n'a été écrit."
            )
        verbe = "Aperçu (rien n'est écrit)" if options["dry_run"] else "Import terminé"
        self.stdout.write(f"{verbe} : {nombre(bilan.lignes)} lignes lues ; {resume(bilan)}.")
        for libelle, valeur in (
            ("Bureaux de vote créés", bilan.bureaux_crees),
            ("Bureaux de vote modifiés", bilan.bureaux_modifies),
            ("Dates de naissance incomplètes (00/00/aaaa)", bilan.dates_incompletes),
            ("Lignes sans bureau de vote", bilan.sans_bureau),
            ("Lignes au numéro d'ordre répété", bilan.numeros_repetes),
            ("Groupes d'homonymes possibles", len(bilan.homonymes)),
        ):
            self.stdout.write(f"  {libelle} : {nombre(valeur)}")

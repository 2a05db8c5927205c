"""`python manage.py importer_contacts FICHIER --collectivite SLUG [--dry-run] [--creer-groupes]`

Le même import que la page « Importer des contacts » : erreurs numérotées par ligne, en
français, et code de sortie non nul ; tout ou rien.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from convocations.imports import FichierRefuse, ImportRefuse, analyser, importer, verifier_taille
from core.tenancy.models import Collectivite


class Command(BaseCommand):
    help = "Importe un carnet d'adresses CSV (adresse ; description ; groupes…)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("fichier", help="Chemin du fichier CSV.")
        parser.add_argument("--collectivite", required=True, help="Identifiant (slug).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Analyser seulement : rien n'est écrit."
        )
        parser.add_argument(
            "--creer-groupes",
            action="store_true",
            help="Créer les groupes du fichier qui n'existent pas encore.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        collectivite = Collectivite.objects.filter(slug=options["collectivite"]).first()
        if collectivite is None:
            raise CommandError(f"Collectivité inconnue : « {options['collectivite']} ».")
        chemin = Path(options["fichier"])
        try:
            verifier_taille(chemin.stat().st_size)
            contenu = chemin.read_bytes()
            apercu = analyser(collectivite=collectivite, contenu=contenu)
        except OSError:
            raise CommandError(f"Fichier illisible : « {chemin} ».") from None
        except FichierRefuse as refus:
            raise CommandError(refus.message) from None
        a_creer = apercu.groupes_inconnus if options["creer_groupes"] else []
        erreurs = apercu.erreurs(a_creer)
        for numero, nom in apercu.groupes_automatiques:
            self.stdout.write(f"Ligne {numero} : le groupe « {nom} » suit les mandats, ignoré.")
        if erreurs:
            for message in erreurs:
                self.stderr.write(message)
            raise CommandError(f"Import refusé : {len(erreurs)} erreur(s), rien n'a été écrit.")
        bilan = (
            f"{len(apercu.a_creer)} contact(s) à ajouter, {len(apercu.a_mettre_a_jour)} à mettre "
            f"à jour, {len(a_creer)} groupe(s) à créer."
        )
        if options["dry_run"]:
            self.stdout.write(f"Essai à blanc : {bilan} Rien n'a été écrit.")
            return
        try:
            resultat = importer(
                collectivite=collectivite,
                contenu=contenu,
                groupes_a_creer=a_creer,
                nom_fichier=chemin.name,
                par=None,
            )
        except ImportRefuse as refus:
            for message in refus.messages:
                self.stderr.write(message)
            raise CommandError("Import refusé : rien n'a été écrit.") from None
        self.stdout.write(self.style.SUCCESS(f"Import terminé : {resultat.message}"))

from django.apps import AppConfig


class ElecteursConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "electeurs"
    label = "electeurs"
    verbose_name = "Électeurs"

    def ready(self) -> None:
        # Imports ici : les modèles ne se chargent qu'une fois les applications prêtes.
        from core.comptes.permissions import Capacite
        from core.registry import EntreeNavigation, registre
        from electeurs.models import ActionElecteurs, BureauDeVote, Electeur

        registre.ajouter_navigation(
            EntreeNavigation(
                "Électeurs", "electeurs:liste", Capacite.ELECTEURS, ordre=100, prefixe="/electeurs/"
            )
        )
        registre.ajouter_actions(ActionElecteurs)
        registre.ajouter_description_journal(
            Electeur._meta.label_lower, lambda e: f"l'électeur {e.nom_complet}"
        )
        registre.ajouter_description_journal(
            BureauDeVote._meta.label_lower, lambda b: f"le bureau de vote {b.code} « {b.libelle} »"
        )

        # Import de l'extrait REU (sous-paquet `imports`).
        from core.comptes.permissions import Action
        from core.registry import TypeTravail
        from electeurs.imports.models import ImportREU
        from electeurs.imports.services import TYPE_ANALYSE, TYPE_APPLICATION
        from electeurs.imports.tasks import import_analyser_task, import_appliquer_task

        registre.ajouter_type_travail(
            TypeTravail(
                TYPE_ANALYSE,
                "Analyse d'un extrait de la liste électorale",
                import_analyser_task,
                Capacite.ELECTEURS,
                Action.ECRIRE,
            )
        )
        registre.ajouter_type_travail(
            TypeTravail(
                TYPE_APPLICATION,
                "Import d'un extrait de la liste électorale",
                import_appliquer_task,
                Capacite.ELECTEURS,
                Action.ECRIRE,
            )
        )
        registre.ajouter_description_journal(
            ImportREU._meta.label_lower, lambda i: f"l'import de l'extrait « {i.nom_fichier} »"
        )

from django.apps import AppConfig


class ExempleConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tests.exemple"
    label = "exemple"
    verbose_name = "Exemple (tests)"

    def ready(self) -> None:
        # Imports ici : les modèles et les tâches ne se chargent qu'une fois les applications
        # prêtes.
        from core.comptes.permissions import Action, Capacite
        from core.registry import Compteur, EntreeNavigation, TypeTravail, registre
        from tests.exemple.models import ActionExemple, Dossier
        from tests.exemple.selectors import dossiers_ouverts_compter
        from tests.exemple.tasks import TYPE_RECAPITULATIF, dossiers_recapituler_task

        registre.ajouter_navigation(
            EntreeNavigation(
                "Dossiers", "exemple:liste", Capacite.CONVOCATIONS, ordre=300, prefixe="/exemple/"
            )
        )
        registre.ajouter_compteur(
            Compteur(
                "Dossiers ouverts",
                dossiers_ouverts_compter,
                Capacite.CONVOCATIONS,
                url_name="exemple:liste",
                ordre=300,
            )
        )
        registre.ajouter_actions(ActionExemple)
        registre.ajouter_description_journal(
            Dossier._meta.label_lower, lambda d: f"le dossier « {d.titre} »"
        )
        registre.ajouter_type_travail(
            TypeTravail(
                TYPE_RECAPITULATIF,
                "Récapitulatif des dossiers",
                dossiers_recapituler_task,
                Capacite.CONVOCATIONS,
                Action.EXPORTER,
            )
        )

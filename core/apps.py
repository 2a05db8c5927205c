import os
import sys

from django.apps import AppConfig


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "Socle Écharpe"

    def ready(self) -> None:
        from core.comptes.permissions import Capacite
        from core.registry import Compteur, EntreeNavigation, registre
        from core.travaux.selectors import travaux_en_cours_compter

        registre.ajouter_navigation(
            EntreeNavigation("Accueil", "pages:accueil", Capacite.ACCUEIL, ordre=0, prefixe="/")
        )
        registre.ajouter_navigation(
            EntreeNavigation(
                "Journal",
                "journal:liste",
                Capacite.JOURNAL_PERSONNEL,
                ordre=900,
                prefixe="/journal/",
            )
        )
        registre.ajouter_navigation(
            EntreeNavigation(
                "Paramètres",
                "pages:parametres",
                Capacite.SMTP_PERSONNEL,
                ordre=1000,
                prefixe="/parametres/",
            )
        )
        registre.ajouter_compteur(
            Compteur("Vos travaux en cours", travaux_en_cours_compter, Capacite.ACCUEIL, ordre=900)
        )
        from core import checks  # noqa: F401
        from core.comptes import signals as signaux_comptes  # noqa: F401
        from core.journal import signals  # noqa: F401
        from core.journal.services import enregistrer_journal_core
        from core.liens.services import enregistrer_objectifs
        from core.pages import signals as signaux_pages  # noqa: F401
        from core.travaux.services import (
            brancher_reprise_au_demarrage,
            enregistrer_types_travaux,
            reprise_au_demarrage_requise,
        )

        enregistrer_journal_core()
        enregistrer_objectifs()
        enregistrer_types_travaux()
        # Démonstration (eager, sans beat) : les travaux tués avec le serveur sont déclarés
        # interrompus au redémarrage, à la première requête.
        if reprise_au_demarrage_requise(sys.argv, os.environ):
            brancher_reprise_au_demarrage()

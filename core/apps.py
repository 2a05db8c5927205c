from django.apps import AppConfig


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "Socle Écharpe"

    def ready(self) -> None:
        from core.permissions import Capacite
        from core.registry import Compteur, EntreeNavigation, registre
        from core.selectors import travaux_en_cours_compter

        registre.ajouter_navigation(
            EntreeNavigation("Accueil", "accueil", Capacite.ACCUEIL, ordre=0, prefixe="/")
        )
        registre.ajouter_navigation(
            EntreeNavigation(
                "Journal", "journal", Capacite.JOURNAL_PERSONNEL, ordre=900, prefixe="/journal/"
            )
        )
        registre.ajouter_navigation(
            EntreeNavigation(
                "Paramètres",
                "parametres",
                Capacite.SMTP_PERSONNEL,
                ordre=1000,
                prefixe="/parametres/",
            )
        )
        registre.ajouter_compteur(
            Compteur("Vos travaux en cours", travaux_en_cours_compter, Capacite.ACCUEIL, ordre=900)
        )
        registre.ajouter_libelles_chronologie(
            {
                "connexion": "Connexion",
                "connexion_echec": "Échec de connexion",
                "deconnexion": "Déconnexion",
                "agent_ajoute": "Agent ajouté",
                "role_modifie": "Rôle modifié",
                "role_retire": "Accès retiré",
                "compte_smtp_enregistre": "Compte d'envoi enregistré",
                "compte_smtp_teste": "Connexion SMTP testée",
                "delai_surcharge": "Délai local enregistré",
                "travail_relance": "Travail relancé",
                "lien_cree": "Lien sécurisé créé",
                "lien_revoque": "Lien sécurisé révoqué",
                "mot_de_passe_defini": "Mot de passe défini",
                "personnel_modifie": "Compte de la plateforme modifié",
                "journal_exporte": "Journal exporté",
                "collectivite_modifiee": "Fiche de la collectivité modifiée",
                "demo_chargee": "Données de démonstration chargées",
            }
        )
        from core import checks, signals  # noqa: F401
        from core.liens import enregistrer_objectifs
        from core.travaux import enregistrer_types_travaux

        enregistrer_objectifs()
        enregistrer_types_travaux()

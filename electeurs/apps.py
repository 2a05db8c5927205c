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
        # Fichier électoral (sous-paquet `fichier`) : sections de base de la fiche électeur,
        # que les autres sous-paquets complètent ou remplacent (voir electeurs/fichier/fiche.py).
        from electeurs.fichier.fiche import sections_de_base_enregistrer

        sections_de_base_enregistrer()
        registre.ajouter_libelles_details({"champs_modifies": "champs modifiés"})

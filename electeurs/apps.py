from typing import Any

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
        self._procedure(registre)

    def _procedure(self, registre: Any) -> None:
        """Mouvements, procédure L18, commission de contrôle (sous-paquet `procedure`)."""
        from core.comptes.permissions import Action, Capacite
        from core.registry import Compteur, TypeTravail
        from electeurs.procedure import selectors as procedure
        from electeurs.procedure.models import (
            ActionProcedure,
            Avis,
            Canal,
            MembreCommission,
            Mouvement,
            Piece,
            ReunionCommission,
        )
        from electeurs.procedure.tasks import TYPE_TABLEAU_COMMISSION, tableau_commission_task

        registre.ajouter_actions(ActionProcedure)
        registre.ajouter_description_journal(
            Mouvement._meta.label_lower,
            lambda m: f"le mouvement n° {m.pk} ({m.get_type_display().lower()})",
        )
        registre.ajouter_description_journal(
            Piece._meta.label_lower, lambda p: f"la pièce « {p.get_type_display()} »"
        )
        registre.ajouter_description_journal(
            MembreCommission._meta.label_lower, lambda m: f"{m.nom}, membre de la commission"
        )
        registre.ajouter_description_journal(
            ReunionCommission._meta.label_lower,
            lambda r: f"la réunion de la commission du {r.date:%d/%m/%Y}",
        )
        registre.ajouter_libelles_details(
            {
                "mouvement": "mouvement n°",
                "liste": "liste",
                "recue_le": "reçue le",
                "envoyee_le": "envoyée le",
                "le": "le",
                "recues_le": "reçues le",
                "recu_le": "reçu le",
                "decision": "décision",
                "decide_le": "décidée le",
                "signataire": "signataire",
                "canal": "canal",
                "numero_lrar": "recommandé n°",
                "hors_delai": "hors délai",
                "reunion": "réunion du",
                "presents": "présents",
                "type": "type",
                "date": "date",
            }
        )
        registre.ajouter_libelles_valeurs(
            {str(c.value): str(c.label) for choix in (Avis, Canal) for c in choix}
        )
        for libelle, calcul, ordre in (
            ("Demandes à décider", procedure.demandes_a_decider_compter, 110),
            ("Décisions à notifier", procedure.decisions_a_notifier_compter, 111),
            ("Mouvements en retard", procedure.mouvements_en_retard_compter, 112),
        ):
            registre.ajouter_compteur(
                Compteur(
                    libelle,
                    calcul,
                    Capacite.ELECTEURS,
                    url_name="electeurs:procedure_mouvements",
                    ordre=ordre,
                )
            )
        registre.ajouter_type_travail(
            TypeTravail(
                TYPE_TABLEAU_COMMISSION,
                "Tableau de la commission de contrôle",
                tableau_commission_task,
                Capacite.ELECTEURS,
                # Des données personnelles : la lecture seule ne les exporte pas.
                Action.EXPORTER,
            )
        )

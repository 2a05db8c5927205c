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
        # Fichier électoral (sous-paquet `fichier`) : sections de base de la fiche électeur,
        # que les autres sous-paquets complètent ou remplacent (voir electeurs/fichier/fiche.py).
        from electeurs.fichier.fiche import sections_de_base_enregistrer

        sections_de_base_enregistrer()
        registre.ajouter_libelles_details({"champs_modifies": "champs modifiés"})

        # Notifications du REU (sous-paquet `reu`).
        from core.registry import Compteur, ReceptionCourrier
        from electeurs.reu.models import ActionREU, NotificationREU
        from electeurs.reu.selectors import notifications_a_traiter_compter
        from electeurs.reu.services import notification_depuis_courriel

        registre.ajouter_actions(ActionREU)
        registre.ajouter_description_journal(
            NotificationREU._meta.label_lower,
            lambda n: f"la notification du REU « {n.get_type_display()} » du {n.recue_le:%d/%m/%Y}",
        )
        registre.ajouter_libelles_details({"source": "source"})
        registre.ajouter_compteur(
            Compteur(
                "Notifications du REU à traiter",
                notifications_a_traiter_compter,
                Capacite.ELECTEURS,
                url_name="electeurs:reu_liste",
                ordre=110,
            )
        )
        # Ordre 200 : après les lecteurs ordinaires (100), ce lecteur ne prend que les avis de
        # l'INSEE arrivés dans la boîte du compte de la collectivité.
        registre.ajouter_reception_courrier(
            ReceptionCourrier(
                code="electeurs_reu", gestionnaire=notification_depuis_courriel, ordre=200
            )
        )
        # Préfixe plus long que celui d'« Électeurs » (/electeurs/) : il l'emporte sur ses pages.
        registre.ajouter_navigation(
            EntreeNavigation(
                "Notifications du REU",
                "electeurs:reu_liste",
                Capacite.ELECTEURS,
                ordre=101,
                prefixe="/electeurs/reu/",
            )
        )

        # Éditions (sous-paquet `editions`).
        from core.comptes.permissions import Action
        from core.registry import TypeTravail
        from electeurs.editions.tasks import TYPE_EDITION, edition_produire_task

        registre.ajouter_navigation(
            EntreeNavigation(
                "Éditions",
                "electeurs:editions",
                Capacite.ELECTEURS,
                Action.EXPORTER,
                ordre=102,
                prefixe="/electeurs/editions/",
            )
        )
        registre.ajouter_type_travail(
            TypeTravail(
                TYPE_EDITION,
                "Édition du fichier électoral",
                edition_produire_task,
                Capacite.ELECTEURS,
                Action.EXPORTER,
            )
        )

        # Données de démonstration (`charger_demo`).
        from electeurs.demo import charger_demo_electeurs

        registre.ajouter_chargeur_demo("electeurs", charger_demo_electeurs)
        self._procedure(registre)
        self._sections_fiche()
        self._imports()

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
            NatureModification,
            Piece,
            ReunionCommission,
            Scrutin,
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
        registre.ajouter_description_journal(
            Scrutin._meta.label_lower, lambda s: f"le scrutin « {s.libelle} »"
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
                "nature": "modification",
                "apres_le": "inscription possible à partir du",
            }
        )
        registre.ajouter_libelles_valeurs(
            {
                str(c.value): str(c.label)
                for choix in (Avis, Canal, NatureModification)
                for c in choix
            }
        )
        for libelle, calcul, ordre in (
            ("Demandes à décider", procedure.demandes_a_decider_compter, 110),
            ("Décisions à notifier", procedure.decisions_a_notifier_compter, 111),
            ("Mouvements en retard", procedure.mouvements_en_retard_compter, 112),
            ("Décisions à transmettre à l'INSEE", procedure.transmissions_insee_compter, 113),
            (
                "Transmissions à l'INSEE en retard",
                procedure.transmissions_insee_en_retard_compter,
                114,
            ),
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

    def _sections_fiche(self) -> None:
        """Les sections de la fiche électeur que remplissent les autres sous-paquets."""
        from electeurs.fichier.fiche import SectionFiche, fiche_sections
        from electeurs.procedure.selectors import mouvements_de, pieces_de
        from electeurs.reu.selectors import notifications_reu_de

        fiche_sections.ajouter(
            SectionFiche(
                "mouvements",
                "Mouvements",
                "electeurs/procedure/fiche_section_mouvements.html",
                40,
                contexte=lambda electeur, request: {"mouvements": mouvements_de(electeur=electeur)},
            )
        )
        fiche_sections.ajouter(
            SectionFiche(
                "pieces",
                "Historique des pièces",
                "electeurs/procedure/fiche_section_pieces.html",
                50,
                contexte=lambda electeur, request: {"pieces": pieces_de(electeur=electeur)},
            )
        )
        fiche_sections.ajouter(
            SectionFiche(
                "notifications",
                "Notifications du REU",
                "electeurs/reu/fiche_section_notifications.html",
                60,
                contexte=lambda electeur, request: {
                    "notifications_reu": notifications_reu_de(electeur=electeur)
                },
            )
        )

    def _imports(self) -> None:
        """Import de l'extrait REU (sous-paquet `imports`)."""
        from core.comptes.permissions import Action, Capacite
        from core.registry import TypeTravail, registre
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

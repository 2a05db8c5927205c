from django.apps import AppConfig


class ConvocationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "convocations"
    label = "convocations"
    verbose_name = "Convocations"

    def ready(self) -> None:
        # Imports ici : les modèles ne se chargent qu'une fois les applications prêtes.
        from convocations.models import ActionConvocations, Contact, Groupe, Mandat, Seance
        from convocations.selectors import contacts_compter
        from core.comptes.permissions import Capacite
        from core.registry import Compteur, EntreeNavigation, registre

        registre.ajouter_navigation(
            EntreeNavigation(
                "Convocations",
                "convocations:contacts",
                Capacite.CONVOCATIONS,
                ordre=200,
                prefixe="/convocations/",
            )
        )
        registre.ajouter_compteur(
            Compteur(
                "Contacts du carnet d'adresses",
                contacts_compter,
                Capacite.CONVOCATIONS,
                url_name="convocations:contacts",
                ordre=200,
            )
        )
        registre.ajouter_actions(ActionConvocations)
        registre.ajouter_description_journal(
            Contact._meta.label_lower, lambda c: f"le contact « {c.description or c.email} »"
        )
        registre.ajouter_description_journal(
            Groupe._meta.label_lower, lambda g: f"le groupe « {g.nom} »"
        )
        registre.ajouter_description_journal(
            Mandat._meta.label_lower,
            lambda m: (
                f"le mandat de {m.utilisateur} ({m.get_fonction_display().lower()}, "
                f"{m.nom_assemblee})"
            ),
        )
        registre.ajouter_description_journal(
            Seance._meta.label_lower, lambda s: f"la séance « {s.titre} »"
        )
        registre.ajouter_libelles_details(
            {
                "adresse": "adresse",
                "ancien_nom": "ancien nom",
                "fichier": "fichier",
                "contacts_ajoutes": "contacts ajoutés",
                "contacts_mis_a_jour": "contacts mis à jour",
                "groupes_crees": "groupes créés",
                "contacts": "contacts",
            }
        )

        # Éditions d'une séance (sous-paquet `editions`) et données de démonstration.
        from convocations.demo import charger_demo_convocations
        from convocations.editions.services import (
            TYPE_DOSSIER_PREUVE,
            TYPE_EMARGEMENT,
            ActionEditionsSeance,
        )
        from convocations.editions.tasks import (
            dossier_preuve_produire_task,
            emargement_produire_task,
        )
        from convocations.seances.onglets import OngletSeance, onglets_seance
        from core.comptes.permissions import Action
        from core.registry import TypeTravail

        onglets_seance.ajouter(
            OngletSeance(
                cle="editions",
                titre="Éditions",
                url_name="convocations:seance_editions",
                ordre=40,
            )
        )
        registre.ajouter_actions(ActionEditionsSeance)
        registre.ajouter_type_travail(
            TypeTravail(
                TYPE_EMARGEMENT,
                "Liste d'émargement d'une séance",
                emargement_produire_task,
                Capacite.CONVOCATIONS,
                Action.EXPORTER,
            )
        )
        registre.ajouter_type_travail(
            TypeTravail(
                TYPE_DOSSIER_PREUVE,
                "Dossier de preuve des convocations",
                dossier_preuve_produire_task,
                Capacite.CONVOCATIONS,
                Action.EXPORTER,
            )
        )
        registre.ajouter_chargeur_demo("convocations", charger_demo_convocations)

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
        self._ready_elus()

    def _ready_elus(self) -> None:
        """Accès des élus : espace personnel (portail), objectifs de liens, journal."""
        # Les tâches d'un sous-paquet échappent à `autodiscover_tasks` (il ne cherche que
        # `convocations.tasks`) : les importer ici les enregistre auprès du worker et du beat.
        import convocations.elus.tasks  # noqa: F401
        from convocations.elus.courriels import (
            OBJECTIF_ADRESSE,
            OBJECTIF_MOT_DE_PASSE,
            OBJECTIF_RATTACHEMENT,
        )
        from convocations.elus.models import AccuseNotice, AdresseElu, NoteElu, NoticeRgpd
        from convocations.elus.selectors import est_elu
        from core.comptes.permissions import Capacite
        from core.registry import EntreeNavigation, EspacePersonnel, LienConnexion, registre

        registre.ajouter_espace_personnel(
            EspacePersonnel("elu", "Espace élu", "convocations:portail", est_elu)
        )
        registre.ajouter_lien_connexion(
            LienConnexion(
                "Élu ou élue : lien d'activation ou mot de passe perdu ?",
                "convocations:elu_lien_perdu",
            )
        )
        registre.ajouter_objectif_lien(OBJECTIF_MOT_DE_PASSE, "convocations:elu_mot_de_passe")
        registre.ajouter_objectif_lien(OBJECTIF_ADRESSE, "convocations:elu_adresse_confirmer")
        registre.ajouter_objectif_lien(OBJECTIF_RATTACHEMENT, "convocations:elu_rattachement")
        registre.ajouter_navigation(
            EntreeNavigation(
                "Accès des élus",
                "convocations:elus_acces",
                Capacite.CONVOCATIONS,
                ordre=210,
                prefixe="/convocations/elus/",
            )
        )
        registre.ajouter_description_journal(
            NoticeRgpd._meta.label_lower, lambda n: "la notice RGPD des élus"
        )
        registre.ajouter_description_journal(
            AccuseNotice._meta.label_lower,
            lambda a: f"la lecture de la notice RGPD par {a.utilisateur}",
        )
        registre.ajouter_description_journal(
            AdresseElu._meta.label_lower, lambda a: f"l'adresse personnelle de {a.utilisateur}"
        )
        registre.ajouter_description_journal(
            NoteElu._meta.label_lower, lambda n: f"la note de {n.auteur} sur « {n.seance} »"
        )
        registre.ajouter_libelles_details(
            {
                "actualites": "informations sur les projets",
                "evenements": "invitations",
                "compte": "compte rattaché",
            }
        )

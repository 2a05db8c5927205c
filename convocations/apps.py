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
        self._seances()
        self._envoi()
        self._reponses()
        self._elus()

    def _seances(self) -> None:
        """Préparation des séances (sous-paquet `seances`) : navigation, onglet, travail."""
        from convocations.seances.lettre import TYPE_LETTRE
        from convocations.seances.models import NatureDocument, TypeSeance
        from convocations.seances.onglets import OngletSeance, onglets_seance
        from convocations.seances.selectors import seances_en_preparation_compter
        from convocations.seances.tasks import lettre_produire_task
        from core.comptes.permissions import Action, Capacite
        from core.registry import Compteur, EntreeNavigation, TypeTravail, registre

        registre.ajouter_navigation(
            EntreeNavigation(
                "Séances",
                "convocations:seances",
                Capacite.CONVOCATIONS,
                ordre=210,
                prefixe="/convocations/seances/",
            )
        )
        registre.ajouter_compteur(
            Compteur(
                "Séances en préparation",
                seances_en_preparation_compter,
                Capacite.CONVOCATIONS,
                url_name="convocations:seances",
                ordre=210,
            )
        )
        onglets_seance.ajouter(
            OngletSeance(
                cle="preparation", titre="Préparation", url_name="convocations:seance", ordre=10
            )
        )
        registre.ajouter_type_travail(
            TypeTravail(
                TYPE_LETTRE,
                "Lettre de convocation d'une séance",
                lettre_produire_task,
                Capacite.CONVOCATIONS,
                Action.ECRIRE,
            )
        )
        registre.ajouter_libelles_details(
            {
                "justification": "justification",
                "champs": "champs modifiés",
                "operation": "opération",
                "point": "point",
                "nature": "nature",
                "titre": "titre",
                "version": "version",
                "destinataires": "destinataires",
                "membres": "membres de l'assemblée",
                "destinataire": "destinataire",
                "date": "date",
                "type": "type",
            }
        )
        registre.ajouter_libelles_valeurs(
            {**dict(NatureDocument.choices), **dict(TypeSeance.choices)}
        )

    def _envoi(self) -> None:
        """Envoi et suivi (sous-paquet `envoi`)."""
        import convocations.envoi.tasks  # noqa: F401  (tâches Celery du sous-paquet)
        from convocations.envoi.models import ActionEnvoi
        from convocations.seances.onglets import OngletSeance, onglets_seance
        from core.registry import registre

        registre.ajouter_actions(ActionEnvoi)
        registre.ajouter_libelles_details(
            {
                "destinataires": "destinataires",
                "urgence": "urgence",
                "accuse_retire": "accusé de réception retiré",
                "le": "le",
                "abonne": "abonné",
            }
        )
        onglets_seance.ajouter(
            OngletSeance(
                cle="suivi", titre="Envoi et suivi", url_name="convocations:seance_suivi", ordre=20
            )
        )

    def _reponses(self) -> None:
        """Sous-paquet `reponses`."""
        # Réponses des élus (convocations/reponses).
        from convocations.reponses.services import OBJECTIF_CONVOCATION
        from convocations.seances.models import (
            CanalReponse,
            Destinataire,
            EnvoiConvocation,
            Pouvoir,
            Presence,
            Reponse,
        )
        from core.registry import registre

        registre.ajouter_objectif_lien(OBJECTIF_CONVOCATION, "convocations:reponse_lien")
        registre.ajouter_demande_nouveau_lien(
            "convocations:reponse_nouveau_lien", "Demander un nouveau lien de convocation"
        )
        registre.ajouter_description_journal(
            Destinataire._meta.label_lower,
            lambda d: f"la convocation de {d.nom or d.email}",
        )
        registre.ajouter_description_journal(
            Reponse._meta.label_lower,
            lambda r: f"la réponse de {r.destinataire.nom or r.destinataire.email}",
        )
        registre.ajouter_description_journal(
            Pouvoir._meta.label_lower,
            lambda p: (
                f"le pouvoir de {p.mandant.nom or p.mandant.email} à "
                f"{p.mandataire.nom or p.mandataire.email}"
            ),
        )
        registre.ajouter_description_journal(
            EnvoiConvocation._meta.label_lower,
            lambda e: f"l'envoi à {e.destinataire.nom or e.destinataire.email}",
        )
        registre.ajouter_libelles_details(
            {
                "presence": "réponse",
                "canal": "canal",
                "exception_maladie": "maladie dûment constatée",
            }
        )
        registre.ajouter_libelles_valeurs(
            {str(c.value): str(c.label) for c in (*Presence, *CanalReponse)}
        )
        # « le lien d'accès à une convocation » dans le journal.
        registre.ajouter_libelles_valeurs({OBJECTIF_CONVOCATION: "accès à une convocation"})

    def _elus(self) -> None:
        """Sous-paquet `elus`."""

        self._ready_elus()
        self._editions()

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

    def _editions(self) -> None:
        """Sous-paquet `editions`."""
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
        from core.comptes.permissions import Action, Capacite
        from core.registry import TypeTravail, registre

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

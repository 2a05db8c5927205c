import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from core.admin_base import PerimetreMixin
from core.journal.services import journaliser
from core.models import CompteSMTP, Delai, EntreeJournal, Role, TypeRole
from tests.factories import UtilisateurFactory

pytestmark = pytest.mark.django_db


def test_chaque_modele_du_socle_a_son_admin():
    manquants = [
        m.__name__
        for m in apps.get_app_config("core").get_models()
        if m not in admin.site._registry
    ]
    assert manquants == []


APPS_METIER = ["core", "electeurs", "notifications", "convocations", "teledossiers"]


def _modeles_metier():
    return [
        modele
        for config in apps.get_app_configs()
        if config.label in APPS_METIER
        for modele in config.get_models()
    ]


def test_chaque_modele_metier_a_son_admin_ou_sa_ligne_dans_un_autre():
    en_ligne = {
        inline.model
        for modele_admin in admin.site._registry.values()
        for inline in modele_admin.inlines
    }
    manquants = [
        m._meta.label
        for m in _modeles_metier()
        if m not in admin.site._registry and m not in en_ligne
    ]
    assert manquants == []


# Périmètre propre, testé à part : invitations aux seuls superutilisateurs, délais nationaux
# lus par tous plus les surcharges de ses collectivités.
PERIMETRES_PROPRES = {"core.Invitation", "core.Delai"}


def test_l_admin_de_chaque_ligne_de_collectivite_est_limite_au_perimetre():
    def rattache(modele):
        return any(champ.name == "collectivite" for champ in modele._meta.fields)

    hors_perimetre = [
        modele._meta.label
        for modele, modele_admin in admin.site._registry.items()
        if modele._meta.app_label in APPS_METIER
        and rattache(modele)
        and not isinstance(modele_admin, PerimetreMixin)
        and modele._meta.label not in PERIMETRES_PROPRES
    ]
    en_ligne_hors_perimetre = [
        inline.model._meta.label
        for modele_admin in admin.site._registry.values()
        for inline in modele_admin.inlines
        if rattache(inline.model) and not issubclass(inline, PerimetreMixin)
    ]
    assert hors_perimetre == []
    assert en_ligne_hors_perimetre == []


@pytest.mark.parametrize(
    "modele",
    [m for m in _modeles_metier() if m._meta.app_label != "core" and m in admin.site._registry],
    ids=lambda m: m._meta.label,
)
def test_chaque_liste_admin_metier_repond(monde, client, modele):
    superuser = UtilisateurFactory(username="super", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    url = reverse(f"admin:{modele._meta.app_label}_{modele._meta.model_name}_changelist")
    assert client.get(url).status_code == 200


def _personnel(monde):
    """Personnel de la plateforme avec tous les droits de modèle, rattaché à la collectivité A."""
    personne = UtilisateurFactory(username="staff-a", is_staff=True)
    personne.user_permissions.set(Permission.objects.filter(content_type__app_label="core"))
    Role.objects.create(
        utilisateur=personne, collectivite=monde.collectivite, role=TypeRole.ADMINISTRATEUR
    )
    return personne


@pytest.mark.parametrize(
    "modele", list(apps.get_app_config("core").get_models()), ids=lambda m: m.__name__
)
def test_chaque_liste_admin_repond(monde, client, modele):
    superuser = UtilisateurFactory(username="super", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    url = reverse(f"admin:core_{modele._meta.model_name}_changelist")
    assert client.get(url).status_code == 200
    assert client.get(url, {"q": "test"}).status_code == 200


def test_le_personnel_ne_voit_que_ses_collectivites(monde, client):
    personnel = _personnel(monde)
    CompteSMTP.objects.create(
        collectivite=monde.collectivite, adresse_expediteur="a@a.test", hote="h"
    )
    CompteSMTP.objects.create(collectivite=monde.autre, adresse_expediteur="b@b.test", hote="h")
    journaliser(action="essai_a", collectivite=monde.collectivite)
    journaliser(action="essai_b", collectivite=monde.autre)
    client.force_login(personnel)
    comptes = client.get(reverse("admin:core_comptesmtp_changelist")).content.decode()
    assert "a@a.test" in comptes and "b@b.test" not in comptes
    journal = client.get(reverse("admin:core_entreejournal_changelist")).content.decode()
    assert "essai_a" in journal and "essai_b" not in journal
    collectivites = client.get(reverse("admin:core_collectivite_changelist")).content.decode()
    assert "Saint-Test" in collectivites and "Autre-Ville" not in collectivites
    autre = client.get(reverse("admin:core_collectivite_change", args=[monde.autre.pk]))
    assert autre.status_code == 302  # objet hors périmètre : l'admin renvoie à l'index


def test_le_journal_est_en_lecture_seule_dans_l_admin(monde, client):
    entree = journaliser(action="essai", collectivite=monde.collectivite)
    client.force_login(UtilisateurFactory(username="super", is_staff=True, is_superuser=True))
    assert client.get(reverse("admin:core_entreejournal_add")).status_code == 403
    reponse = client.post(
        reverse("admin:core_entreejournal_delete", args=[entree.pk]), {"post": "yes"}
    )
    assert reponse.status_code == 403


def test_mot_de_passe_smtp_chiffre_depuis_l_admin(monde, client):
    client.force_login(UtilisateurFactory(username="super", is_staff=True, is_superuser=True))
    reponse = client.post(
        reverse("admin:core_comptesmtp_add"),
        {
            "collectivite": monde.collectivite.pk,
            "adresse_expediteur": "mairie@exemple.test",
            "hote": "smtp.exemple.test",
            "port": 587,
            "securite": "starttls",
            "boite_securite": "ssl",
            "mot_de_passe": "secret-tres-prive",
        },
    )
    assert reponse.status_code == 302
    compte = CompteSMTP.objects.get(adresse_expediteur="mairie@exemple.test")
    assert compte.mot_de_passe_chiffre
    assert "secret-tres-prive" not in compte.mot_de_passe_chiffre
    page = client.get(reverse("admin:core_comptesmtp_change", args=[compte.pk])).content.decode()
    assert "secret-tres-prive" not in page and compte.mot_de_passe_chiffre not in page


def test_le_personnel_ne_peut_ni_s_elever_ni_sortir_de_son_perimetre(monde, client):
    personnel = _personnel(monde)
    client.force_login(personnel)
    url = reverse("admin:core_utilisateur_change", args=[personnel.pk])
    page = client.get(url)
    assert page.status_code == 200
    role = personnel.roles.get()
    donnees = {
        "username": personnel.username,
        "first_name": "Staff",
        "last_name": "A",
        "email": "staff@exemple.test",
        "is_active": "on",
        "is_superuser": "on",
        "is_staff": "on",
        "date_joined_0": "01/01/2026",
        "date_joined_1": "10:00:00",
        "roles-TOTAL_FORMS": "2",
        "roles-INITIAL_FORMS": "1",
        "roles-MIN_NUM_FORMS": "0",
        "roles-MAX_NUM_FORMS": "1000",
        "roles-0-id": role.pk,
        "roles-0-utilisateur": personnel.pk,
        "roles-0-collectivite": monde.collectivite.pk,
        "roles-0-role": "administrateur",
        "roles-0-actif": "on",
        "roles-1-utilisateur": personnel.pk,
        "roles-1-collectivite": monde.autre.pk,
        "roles-1-role": "administrateur",
        "roles-1-actif": "on",
    }
    reponse = client.post(url, donnees)
    personnel.refresh_from_db()
    # La collectivité hors périmètre n'est pas proposée : le formulaire est refusé sur cette
    # ligne de rôle, rien n'est enregistré, et les champs réservés n'ont aucun effet.
    assert reponse.status_code == 200
    (roles,) = reponse.context["inline_admin_formsets"]
    assert roles.formset.errors[1] == {
        "collectivite": [
            "Sélectionnez un choix valide. Ce choix ne fait pas partie de ceux disponibles."
        ]
    }
    assert personnel.first_name != "Staff"
    assert not Role.objects.filter(utilisateur=personnel, collectivite=monde.autre).exists()
    # Sans la ligne hors périmètre, le formulaire est accepté : le nom change, mais cocher
    # « superutilisateur » n'a aucun effet.
    donnees = {k: v for k, v in donnees.items() if not k.startswith("roles-1-")}
    reponse = client.post(url, {**donnees, "roles-TOTAL_FORMS": "1"})
    assert reponse.status_code == 302
    personnel.refresh_from_db()
    assert personnel.first_name == "Staff"
    assert personnel.is_superuser is False


def test_le_personnel_ne_voit_pas_les_superutilisateurs(monde, client):
    personnel = _personnel(monde)
    chef = UtilisateurFactory(username="chef", is_staff=True, is_superuser=True)
    Role.objects.create(utilisateur=chef, collectivite=monde.collectivite, role=TypeRole.LECTURE)
    client.force_login(personnel)
    liste = client.get(reverse("admin:core_utilisateur_changelist")).content.decode()
    assert "u-lecture" in liste and "chef" not in liste
    assert client.get(reverse("admin:core_utilisateur_change", args=[chef.pk])).status_code == 302


def test_logo_controle_aussi_dans_l_admin(monde, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(UtilisateurFactory(username="super", is_staff=True, is_superuser=True))
    reponse = client.post(
        reverse("admin:core_collectivite_change", args=[monde.collectivite.pk]),
        {
            "nom": "Saint-Test",
            "slug": "saint-test",
            "type": "commune",
            "population_legale": 2150,
            "logo": SimpleUploadedFile("logo.html", b"<html><script>x</script>"),
        },
    )
    assert reponse.status_code == 200
    assert "PNG ou JPEG" in reponse.content.decode()


def test_admin_smtp_changer_de_serveur_exige_le_mot_de_passe(monde, client):
    from core.mail.comptes import chiffrer

    compte = CompteSMTP.objects.create(
        collectivite=monde.collectivite,
        utilisateur=monde.personnes["agent_elections"],
        adresse_expediteur="e@exemple.test",
        identifiant="e@exemple.test",
        mot_de_passe_chiffre=chiffrer("secret-agent"),
        hote="smtp.exemple.test",
    )
    client.force_login(UtilisateurFactory(username="super", is_staff=True, is_superuser=True))
    reponse = client.post(
        reverse("admin:core_comptesmtp_change", args=[compte.pk]),
        {
            "collectivite": monde.collectivite.pk,
            "utilisateur": monde.personnes["agent_elections"].pk,
            "adresse_expediteur": "e@exemple.test",
            "identifiant": "e@exemple.test",
            "hote": "pirate.example",
            "port": 587,
            "securite": "starttls",
            "boite_securite": "ssl",
        },
    )
    assert reponse.status_code == 200
    assert "saisissez à nouveau le mot de passe" in reponse.content.decode()
    compte.refresh_from_db()
    assert compte.hote == "smtp.exemple.test"


def test_le_personnel_ne_prend_pas_la_main_sur_un_compte_d_ailleurs(monde, client):
    personnel = _personnel(monde)
    # Lecture seule chez nous, administratrice ailleurs : hors de portée du personnel de A.
    double = monde.personnes["lecture"]
    Role.objects.create(utilisateur=double, collectivite=monde.autre, role=TypeRole.ADMINISTRATEUR)
    staff_b = UtilisateurFactory(username="staff-b", is_staff=True)
    client.force_login(personnel)
    mot_de_passe = reverse("admin:auth_user_password_change", args=[double.pk])
    reponse = client.post(
        mot_de_passe, {"password1": "Pris-en-main-2026!", "password2": "Pris-en-main-2026!"}
    )
    assert reponse.status_code == 403
    double.refresh_from_db()
    assert not double.check_password("Pris-en-main-2026!")
    # Donner un rôle chez nous au personnel d'une autre collectivité : refusé par le formulaire.
    reponse = client.post(
        reverse("admin:core_role_add"),
        {
            "utilisateur": staff_b.pk,
            "collectivite": monde.collectivite.pk,
            "role": "lecture",
            "actif": "on",
        },
    )
    assert reponse.status_code == 200
    assert not Role.objects.filter(utilisateur=staff_b).exists()


def test_l_admin_garde_un_administrateur_actif(monde, client):
    client.force_login(UtilisateurFactory(username="super", is_staff=True, is_superuser=True))
    role = Role.objects.get(utilisateur=monde.personnes["administrateur"])
    reponse = client.post(
        reverse("admin:core_role_change", args=[role.pk]),
        {
            "utilisateur": role.utilisateur_id,
            "collectivite": role.collectivite_id,
            "role": "lecture",
            "actif": "on",
        },
    )
    assert reponse.status_code == 200
    assert "au moins un administrateur actif" in reponse.content.decode()
    role.refresh_from_db()
    assert role.role == TypeRole.ADMINISTRATEUR


def test_mot_de_passe_smtp_de_l_admin_garde_ses_espaces():
    from core.mail.admin import CompteSMTPAdminForm

    assert CompteSMTPAdminForm.base_fields["mot_de_passe"].clean("  secret avec espaces  ") == (
        "  secret avec espaces  "
    )


# --- Les écritures de l'admin passent par les services, qui journalisent -------------------


def _valeurs(formulaire, prefixe=""):
    """Les valeurs d'un formulaire lié à l'admin, telles qu'un navigateur les renverrait."""
    donnees = {}
    for champ in formulaire:
        if champ.field.disabled or champ.is_hidden and champ.name == "password":
            continue
        valeur = champ.value()
        nom = champ.html_name
        widget = champ.field.widget
        if hasattr(widget, "widgets"):
            for i, partie in enumerate(widget.decompress(valeur)):
                donnees[f"{nom}_{i}"] = "" if partie is None else partie
        elif isinstance(valeur, bool):
            if valeur:
                donnees[nom] = "on"
        elif isinstance(valeur, list | tuple):
            donnees[nom] = [str(v) for v in valeur]
        elif valeur is None:
            donnees[nom] = ""
        elif hasattr(valeur, "name") and not isinstance(valeur, str):
            continue  # fichier déjà enregistré : rien à renvoyer
        else:
            donnees[nom] = valeur
    return donnees


def _formulaire_admin(client, url):
    reponse = client.get(url)
    assert reponse.status_code == 200
    donnees = _valeurs(reponse.context["adminform"].form)
    for inline in reponse.context["inline_admin_formsets"]:
        formset = inline.formset
        donnees.update({champ.html_name: champ.value() for champ in formset.management_form})
        for sous in formset.forms:
            donnees.update(_valeurs(sous))
    return donnees


def _superutilisateur():
    return UtilisateurFactory(username="super-admin", is_staff=True, is_superuser=True)


def test_une_collectivite_modifiee_dans_l_admin_est_journalisee(monde, client):
    auteur = _superutilisateur()
    client.force_login(auteur)
    url = reverse("admin:core_collectivite_change", args=[monde.collectivite.pk])
    donnees = _formulaire_admin(client, url)
    ancien_nom = monde.collectivite.nom
    donnees.update(nom="Saint-Test-sur-Mer", signataire_nom="Jeanne Maire")
    reponse = client.post(url, donnees)
    assert reponse.status_code == 302, reponse.context["adminform"].form.errors

    entree = EntreeJournal.objects.get(action="collectivite_modifiee")
    assert entree.collectivite == monde.collectivite
    assert entree.acteur == auteur
    assert entree.details["nom"] == [ancien_nom, "Saint-Test-sur-Mer"]
    assert entree.details["signataire_nom"][1] == "Jeanne Maire"
    assert sorted(entree.details["champs_modifies"]) == ["nom", "signataire_nom"]


def test_un_delai_modifie_dans_l_admin_est_journalise(monde, client):
    auteur = _superutilisateur()
    client.force_login(auteur)
    delai = Delai.objects.filter(collectivite=None).order_by("pk").first()
    url = reverse("admin:core_delai_change", args=[delai.pk])
    donnees = _formulaire_admin(client, url)
    donnees["valeur"] = delai.valeur + 2
    reponse = client.post(url, donnees)
    assert reponse.status_code == 302, reponse.context["adminform"].form.errors

    entree = EntreeJournal.objects.get(action="delai_modifie")
    assert entree.collectivite is None  # valeur nationale : chaîne de la plateforme
    assert entree.acteur == auteur
    assert entree.details == {"valeur": [delai.valeur, delai.valeur + 2]}
    assert entree.objet_id == str(delai.pk)


def test_un_delai_supprime_dans_l_admin_est_journalise(monde, client):
    auteur = _superutilisateur()
    client.force_login(auteur)
    delai = Delai.objects.filter(collectivite=None).order_by("pk").first()
    client.post(reverse("admin:core_delai_delete", args=[delai.pk]), {"post": "yes"})
    assert not Delai.objects.filter(pk=delai.pk).exists()
    entree = EntreeJournal.objects.get(action="delai_supprime")
    assert entree.acteur == auteur and entree.details["code"] == delai.code


def test_le_statut_de_personnel_change_dans_l_admin_est_journalise(monde, client):
    auteur = _superutilisateur()
    client.force_login(auteur)
    personne = monde.personnes["lecture"]
    url = reverse("admin:core_utilisateur_change", args=[personne.pk])
    donnees = _formulaire_admin(client, url)
    donnees["is_staff"] = "on"
    reponse = client.post(url, donnees)
    assert reponse.status_code == 302, reponse.context["adminform"].form.errors

    entree = EntreeJournal.objects.get(action="personnel_modifie", objet_id=str(personne.pk))
    assert entree.collectivite is None
    assert entree.acteur == auteur
    assert entree.details == {"is_staff": [False, True]}


def test_un_role_change_dans_l_admin_fait_une_seule_entree(monde, client):
    auteur = _superutilisateur()
    client.force_login(auteur)
    role = Role.objects.get(utilisateur=monde.personnes["lecture"])
    url = reverse("admin:core_role_change", args=[role.pk])
    donnees = _formulaire_admin(client, url)
    donnees["role"] = TypeRole.AGENT_ELECTIONS
    avant = EntreeJournal.objects.count()
    reponse = client.post(url, donnees)
    assert reponse.status_code == 302, reponse.context["adminform"].form.errors

    assert EntreeJournal.objects.count() == avant + 1
    entree = EntreeJournal.objects.filter(collectivite=monde.collectivite).latest("numero")
    assert (entree.action, entree.acteur) == ("role_modifie", auteur)
    assert entree.details == {"role": ["lecture", "agent_elections"]}


def test_une_collectivite_creee_dans_l_admin_ouvre_sa_chaine_par_une_entree(monde, client):
    auteur = _superutilisateur()
    client.force_login(auteur)
    url = reverse("admin:core_collectivite_add")
    donnees = _formulaire_admin(client, url)
    donnees.update(nom="Nouvelle-Ville", slug="nouvelle-ville", type="commune")
    reponse = client.post(url, donnees)
    assert reponse.status_code == 302, reponse.context["adminform"].form.errors

    entree = EntreeJournal.objects.get(action="collectivite_creee")
    assert entree.collectivite.slug == "nouvelle-ville"
    assert entree.acteur == auteur
    assert entree.numero == 1


def test_un_delai_local_ajoute_dans_l_admin_est_journalise_dans_sa_collectivite(monde, client):
    auteur = _superutilisateur()
    client.force_login(auteur)
    url = reverse("admin:core_delai_add")
    donnees = _formulaire_admin(client, url)
    donnees.update(
        code="essai_admin",
        libelle="Délai d'essai",
        valeur="4",
        unite="jours_francs",
        reference="Article d'essai",
        valide_du="01/01/2030",
        collectivite=str(monde.collectivite.pk),
    )
    reponse = client.post(url, donnees)
    assert reponse.status_code == 302, reponse.context["adminform"].form.errors

    entree = EntreeJournal.objects.get(action="delai_modifie")
    assert entree.collectivite == monde.collectivite
    assert entree.acteur == auteur
    assert entree.details["creation"] is True
    assert entree.details["valeur"] == [None, 4]


# --- Revue : le personnel d'une collectivité ne touche pas aux délais nationaux -------------


def test_le_personnel_ne_modifie_pas_un_delai_national(monde, client):
    client.force_login(_personnel(monde))
    delai = Delai.objects.filter(collectivite=None).order_by("pk").first()
    url = reverse("admin:core_delai_change", args=[delai.pk])

    page = client.get(url)
    assert page.status_code == 200  # lecture seule
    assert 'name="_save"' not in page.content.decode()
    reponse = client.post(url, {"valeur": delai.valeur + 25})
    assert reponse.status_code == 403
    suppression = client.post(reverse("admin:core_delai_delete", args=[delai.pk]), {"post": "yes"})
    assert suppression.status_code == 403
    delai.refresh_from_db()
    assert Delai.objects.filter(pk=delai.pk, valeur=delai.valeur).exists()
    assert not EntreeJournal.objects.filter(action__in=["delai_modifie", "delai_supprime"]).exists()


def test_le_personnel_ne_supprime_pas_les_delais_nationaux_en_masse(monde, client):
    client.force_login(_personnel(monde))
    nationaux = list(Delai.objects.filter(collectivite=None).values_list("pk", flat=True)[:2])
    client.post(
        reverse("admin:core_delai_changelist"),
        {"action": "delete_selected", "_selected_action": nationaux, "post": "yes"},
    )
    assert Delai.objects.filter(pk__in=nationaux).count() == 2


def test_les_filtres_de_l_admin_ne_nomment_que_les_collectivites_du_personnel(monde, client):
    client.force_login(_personnel(monde))
    page = client.get(reverse("admin:core_role_changelist")).content.decode()
    assert monde.collectivite.nom in page
    assert monde.autre.nom not in page

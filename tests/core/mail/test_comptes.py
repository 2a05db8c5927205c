"""`core.mail.comptes` : chiffrement, enregistrement, choix du compte d'envoi, test de connexion."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from core.mail.comptes import (
    CompteResolu,
    MotDePasseIndechiffrable,
    chiffrer,
    compte_existe,
    compte_pour_envoi,
    compte_smtp_enregistrer,
    dechiffrer,
    rechiffrer,
    verifier_changement_serveur,
)
from core.mail.outbox import HOTE_BOITE_DEMO
from core.mail.services import AucunCompte, EchecDefinitif, envoyer
from core.models import CompteSMTP, EntreeJournal
from tests.smtp_local import *  # noqa: F403  (fixtures du serveur local)
from tests.smtp_local import creer_compte

pytestmark = pytest.mark.django_db

DONNEES = {
    "adresse_expediteur": "elections@saint-test.test",
    "nom_affiche": "Service élections",
    "identifiant": "elections@saint-test.test",
    "hote": "smtp.saint-test.test",
    "port": 587,
    "securite": "starttls",
    "boite_protocole": "pop3",
    "boite_hote": "pop.saint-test.test",
    "boite_port": 110,
    "boite_securite": "ssl",
}


def _enregistrer(
    monde, *, compte=None, utilisateur="agent_elections", mot_de_passe="Mdp-SMTP-1", **donnees
):
    personne = monde.personnes[utilisateur] if utilisateur else None
    return compte_smtp_enregistrer(
        compte=compte,
        collectivite=monde.collectivite,
        utilisateur=personne,
        donnees={**DONNEES, **donnees},
        mot_de_passe=mot_de_passe,
        par=monde.personnes["administrateur"],
    )


# --- Chiffrement ----------------------------------------------------------------------------


def test_chiffrer_puis_dechiffrer():
    chiffre = chiffrer("Mot de passe é")
    assert chiffre != "Mot de passe é"
    assert dechiffrer(chiffre) == "Mot de passe é"
    assert dechiffrer("") == ""


def test_la_colonne_ne_contient_jamais_le_mot_de_passe_en_clair(monde):
    compte = _enregistrer(monde, mot_de_passe="Secret-en-clair-77")

    with connection.cursor() as curseur:
        curseur.execute(
            "SELECT mot_de_passe_chiffre FROM core_comptesmtp WHERE id = %s", [compte.pk]
        )
        [valeur] = curseur.fetchone()
    assert "Secret-en-clair-77" not in valeur
    assert valeur.startswith("gAAAAA")  # jeton Fernet
    assert dechiffrer(valeur) == "Secret-en-clair-77"


def test_rotation_des_cles(settings):
    ancienne = settings.ECHARPE_CLES_CHIFFREMENT[0]
    chiffre_ancien = chiffrer("rotation")
    nouvelle = Fernet.generate_key().decode()
    settings.ECHARPE_CLES_CHIFFREMENT = [nouvelle, ancienne]

    # L'ancienne clé déchiffre encore ; la nouvelle chiffre désormais.
    assert dechiffrer(chiffre_ancien) == "rotation"
    rechiffre = rechiffrer(chiffre_ancien)
    settings.ECHARPE_CLES_CHIFFREMENT = [nouvelle]
    assert dechiffrer(rechiffre) == "rotation"
    assert dechiffrer(chiffrer("neuf")) == "neuf"
    with pytest.raises(MotDePasseIndechiffrable, match="saisissez-le à nouveau"):
        dechiffrer(chiffre_ancien)


def test_mot_de_passe_indechiffrable_a_l_envoi(monde, settings):
    compte = _enregistrer(monde)
    settings.ECHARPE_CLES_CHIFFREMENT = [Fernet.generate_key().decode()]

    with pytest.raises(EchecDefinitif, match="ne peut pas être déchiffré"):
        envoyer(
            collectivite=monde.collectivite,
            expediteur=None,
            destinataires=["a@exemple.test"],
            sujet="x",
            texte="x",
            compte=compte,
        )


# --- Enregistrement -------------------------------------------------------------------------


def test_enregistrer_cree_le_compte_et_journalise_sans_mot_de_passe(monde):
    compte = _enregistrer(monde, mot_de_passe="Secret-journal-9")

    assert compte.utilisateur == monde.personnes["agent_elections"]
    assert compte.collectivite == monde.collectivite
    assert compte.boite_protocole == "pop3"
    entree = EntreeJournal.objects.get(action="compte_smtp_enregistre")
    assert entree.collectivite == monde.collectivite
    assert entree.acteur == monde.personnes["administrateur"]
    assert entree.objet_id == str(compte.pk)
    assert entree.details["creation"] is True
    assert entree.details["mot_de_passe_modifie"] is True
    texte = str(entree.details) + entree.objet_libelle
    assert "Secret-journal-9" not in texte
    assert compte.mot_de_passe_chiffre not in texte


def test_un_mot_de_passe_vide_garde_celui_qui_est_enregistre(monde):
    compte = _enregistrer(monde, mot_de_passe="Premier-mdp")

    compte = _enregistrer(monde, compte=compte, mot_de_passe=None, nom_affiche="Nouveau nom")
    assert dechiffrer(compte.mot_de_passe_chiffre) == "Premier-mdp"
    compte = _enregistrer(monde, compte=compte, mot_de_passe="")
    assert dechiffrer(compte.mot_de_passe_chiffre) == "Premier-mdp"

    compte = _enregistrer(monde, compte=compte, mot_de_passe="Second-mdp")
    assert dechiffrer(compte.mot_de_passe_chiffre) == "Second-mdp"
    derniere = EntreeJournal.objects.filter(action="compte_smtp_enregistre").order_by("-numero")
    assert derniere[0].details["mot_de_passe_modifie"] is True
    assert derniere[1].details["mot_de_passe_modifie"] is False
    assert derniere[2].details["champs_modifies"] == ["nom_affiche"]


def test_changer_de_serveur_efface_le_resultat_du_dernier_test(monde):
    compte = _enregistrer(monde)
    CompteSMTP.objects.filter(pk=compte.pk).update(
        dernier_test_reussi=True, dernier_resultat="Le serveur a accepté le message : 250 OK"
    )
    compte.refresh_from_db()

    compte = _enregistrer(monde, compte=compte, mot_de_passe=None, nom_affiche="Autre nom")
    assert compte.dernier_test_reussi is True  # le nom affiché ne change rien à la connexion

    # Un autre serveur exige de saisir à nouveau le mot de passe (voir plus bas).
    compte = _enregistrer(monde, compte=compte, mot_de_passe="Mdp-SMTP-1", hote="smtp.autre.test")
    assert compte.dernier_test_reussi is None
    assert compte.dernier_resultat == ""


@pytest.mark.parametrize(
    "changement",
    [
        {"hote": "smtp.pirate.test"},
        {"port": 2525},
        {"securite": "aucune"},
        {"identifiant": "autre@saint-test.test"},
        {"boite_hote": "pop.pirate.test"},
        {"boite_port": 995},
    ],
    ids=lambda changement: next(iter(changement)),
)
@pytest.mark.parametrize("mot_de_passe", [None, ""])
def test_changer_de_serveur_sans_ressaisir_le_mot_de_passe_est_refuse(
    monde, changement, mot_de_passe
):
    # Sinon, qui peut modifier le compte sans en connaître le mot de passe le pointerait vers
    # son propre serveur, et « Tester la connexion » y enverrait le mot de passe enregistré.
    compte = _enregistrer(monde, mot_de_passe="Secret-Agent-1")
    entrees = EntreeJournal.objects.count()

    with pytest.raises(ValidationError) as erreur:
        _enregistrer(monde, compte=compte, mot_de_passe=mot_de_passe, **changement)

    assert erreur.value.message_dict == {
        "mot_de_passe": [
            "Le serveur ou l'identifiant a changé : saisissez à nouveau le mot de passe."
        ]
    }
    compte.refresh_from_db()
    assert (compte.hote, compte.port, compte.identifiant) == (
        DONNEES["hote"],
        DONNEES["port"],
        DONNEES["identifiant"],
    )
    assert (compte.boite_hote, compte.boite_port) == (DONNEES["boite_hote"], DONNEES["boite_port"])
    assert dechiffrer(compte.mot_de_passe_chiffre) == "Secret-Agent-1"
    assert EntreeJournal.objects.count() == entrees


def test_changer_de_serveur_avec_le_mot_de_passe_est_accepte(monde):
    compte = _enregistrer(monde, mot_de_passe="Secret-Agent-1")

    compte = _enregistrer(
        monde, compte=compte, mot_de_passe="Nouveau-Secret-2", hote="smtp.nouveau.test"
    )

    assert compte.hote == "smtp.nouveau.test"
    assert dechiffrer(compte.mot_de_passe_chiffre) == "Nouveau-Secret-2"


def test_sans_mot_de_passe_enregistre_changer_de_serveur_reste_possible(monde):
    # Aucun secret à protéger : un compte sans authentification change de serveur librement.
    compte = _enregistrer(monde, mot_de_passe=None, identifiant="")

    compte = _enregistrer(monde, compte=compte, mot_de_passe=None, identifiant="", port=25)

    assert compte.port == 25


def test_verifier_changement_serveur_compare_a_la_ligne_en_base(monde):
    # Un ModelForm (admin) a déjà recopié les valeurs saisies dans l'instance : la comparaison
    # se fait avec la base, pas avec l'instance modifiée.
    compte = _enregistrer(monde, mot_de_passe="Secret-Agent-1")
    compte.hote = "smtp.pirate.test"

    with pytest.raises(ValidationError):
        verifier_changement_serveur(
            compte=compte, donnees={"hote": "smtp.pirate.test"}, mot_de_passe=""
        )
    # Rien ne change, ou un mot de passe est saisi : accepté.
    verifier_changement_serveur(compte=compte, donnees={"hote": DONNEES["hote"]}, mot_de_passe="")
    verifier_changement_serveur(
        compte=compte, donnees={"hote": "smtp.pirate.test"}, mot_de_passe="Nouveau"
    )
    # Un compte pas encore enregistré n'a pas de mot de passe à protéger.
    verifier_changement_serveur(
        compte=CompteSMTP(collectivite=monde.collectivite), donnees=DONNEES, mot_de_passe=None
    )


def test_donnees_invalides_refusees(monde):
    with pytest.raises(ValidationError) as erreur:
        _enregistrer(monde, adresse_expediteur="pas-une-adresse", port=70000)

    assert {"adresse_expediteur", "port"} <= set(erreur.value.message_dict)
    assert not CompteSMTP.objects.exists()


def test_un_seul_compte_par_agent_et_collectivite(monde):
    _enregistrer(monde)

    with pytest.raises(ValidationError):
        _enregistrer(monde)


def test_un_compte_d_une_autre_collectivite_ne_peut_etre_modifie(monde):
    compte = creer_compte(collectivite=monde.autre, port=25)

    with pytest.raises(ValueError):
        _enregistrer(monde, compte=compte)


# --- Choix du compte d'envoi ----------------------------------------------------------------


def test_ordre_de_resolution_agent_collectivite_reglages_aucun(monde, settings):
    agent = monde.personnes["agent_elections"]
    settings.ECHARPE_SMTP_DEFAUT = {
        "hote": "smtp.plateforme.test",
        "port": 465,
        "securite": "ssl",
        "identifiant": "plateforme",
        "mot_de_passe": "mdp-plateforme",
        "expediteur": "ne-pas-repondre@plateforme.test",
        "nom_affiche": "Écharpe",
    }
    compte_agent = creer_compte(
        collectivite=monde.collectivite, utilisateur=agent, port=25, adresse_expediteur="a@x.test"
    )
    compte_defaut = creer_compte(collectivite=monde.collectivite, port=25)
    # Le compte de l'agent dans une autre collectivité ne compte pas ici.
    creer_compte(collectivite=monde.autre, utilisateur=agent, port=25)

    resolu = compte_pour_envoi(collectivite=monde.collectivite, utilisateur=agent)
    assert resolu.compte == compte_agent

    compte_agent.delete()
    resolu = compte_pour_envoi(collectivite=monde.collectivite, utilisateur=agent)
    assert resolu.compte == compte_defaut
    assert "Saint-Test" in resolu.libelle

    compte_defaut.delete()
    resolu = compte_pour_envoi(collectivite=monde.collectivite, utilisateur=agent)
    assert resolu.compte is None
    assert (resolu.hote, resolu.port, resolu.securite) == ("smtp.plateforme.test", 465, "ssl")
    assert resolu.expediteur == "ne-pas-repondre@plateforme.test"
    assert "plateforme" in resolu.libelle

    settings.ECHARPE_SMTP_DEFAUT = {**settings.ECHARPE_SMTP_DEFAUT, "hote": ""}
    assert compte_pour_envoi(collectivite=monde.collectivite, utilisateur=agent) is None
    with pytest.raises(AucunCompte):
        envoyer(
            collectivite=monde.collectivite,
            expediteur=agent,
            destinataires=["a@exemple.test"],
            sujet="x",
            texte="x",
        )


def test_sans_utilisateur_le_compte_de_la_collectivite(monde):
    compte_defaut = creer_compte(collectivite=monde.collectivite, port=25)
    creer_compte(
        collectivite=monde.collectivite, utilisateur=monde.personnes["secretariat"], port=25
    )

    assert (
        compte_pour_envoi(collectivite=monde.collectivite, utilisateur=None).compte == compte_defaut
    )


def test_compte_resolu_dechiffre_et_cache_le_mot_de_passe(monde):
    compte = creer_compte(collectivite=monde.collectivite, port=25, mot_de_passe="Mdp-resolu")

    resolu = CompteResolu.depuis_compte(compte)

    assert resolu.mot_de_passe == "Mdp-resolu"
    assert "Mdp-resolu" not in repr(resolu)


# --- Tester la connexion --------------------------------------------------------------------


def test_les_comptes_de_demonstration_visent_le_serveur_de_la_boite(settings):
    settings.ECHARPE_DEMO_AUTORISEE = True
    call_command("charger_demo", stdout=io.StringIO())

    assert set(CompteSMTP.objects.values_list("hote", flat=True)) == {HOTE_BOITE_DEMO}


# --- Administration Django : par le service --------------------------------------------------


def _admin(monde, client):
    from tests.factories import UtilisateurFactory

    personne = UtilisateurFactory(username="super", is_staff=True, is_superuser=True)
    client.force_login(personne)
    return personne


def _formulaire_admin(monde, **valeurs):
    return {
        "collectivite": monde.collectivite.pk,
        "utilisateur": monde.personnes["agent_elections"].pk,
        "adresse_expediteur": "e@exemple.test",
        "nom_affiche": "Service élections",
        "identifiant": "e@exemple.test",
        "hote": "smtp.exemple.test",
        "port": 587,
        "securite": "starttls",
        "boite_securite": "ssl",
        "mot_de_passe": "Secret-admin-1",
        **valeurs,
    }


def test_l_admin_cree_le_compte_par_le_service(monde, client):
    from django.urls import reverse

    personne = _admin(monde, client)

    reponse = client.post(reverse("admin:core_comptesmtp_add"), _formulaire_admin(monde))

    assert reponse.status_code == 302
    compte = CompteSMTP.objects.get()
    assert dechiffrer(compte.mot_de_passe_chiffre) == "Secret-admin-1"
    entree = EntreeJournal.objects.get(action="compte_smtp_enregistre")
    assert entree.acteur == personne
    assert entree.collectivite == monde.collectivite
    assert entree.details["creation"] is True
    assert entree.details["mot_de_passe_modifie"] is True
    assert "Secret-admin-1" not in str(entree.details)


def test_l_admin_modifie_le_compte_par_le_service(monde, client):
    from django.urls import reverse

    _admin(monde, client)
    compte = _enregistrer(monde)
    compte.dernier_test_reussi = True
    compte.dernier_resultat = "Le serveur a accepté le message : 250 ok"
    compte.save(update_fields=["dernier_test_reussi", "dernier_resultat"])

    reponse = client.post(
        reverse("admin:core_comptesmtp_change", args=[compte.pk]),
        _formulaire_admin(monde, **DONNEES, mot_de_passe="Nouveau-mdp-2"),
    )

    assert reponse.status_code == 302
    compte.refresh_from_db()
    assert dechiffrer(compte.mot_de_passe_chiffre) == "Nouveau-mdp-2"
    # Le service remet à zéro le résultat d'un test fait avec l'ancien mot de passe.
    assert compte.dernier_test_reussi is None
    derniere = EntreeJournal.objects.filter(action="compte_smtp_enregistre").latest("pk")
    assert derniere.details["creation"] is False
    assert derniere.details["mot_de_passe_modifie"] is True


def test_l_admin_refuse_un_nom_affiche_encode(monde, client):
    from django.urls import reverse

    _admin(monde, client)

    reponse = client.post(
        reverse("admin:core_comptesmtp_add"),
        _formulaire_admin(monde, nom_affiche="=?utf-8?q?x=0D=0AX-Injected=3A_yes?="),
    )

    assert reponse.status_code == 200
    assert "contient un caractère interdit" in reponse.content.decode()
    assert not CompteSMTP.objects.exists()


# --- Compte existant, sans déchiffrer -------------------------------------------------------


def test_compte_existe_suit_l_ordre_de_resolution_sans_dechiffrer(monde, settings):
    agent = monde.personnes["agent_elections"]
    settings.ECHARPE_SMTP_DEFAUT = {**settings.ECHARPE_SMTP_DEFAUT, "hote": ""}
    assert not compte_existe(collectivite=monde.collectivite, utilisateur=agent)
    # Le compte de l'agent dans une autre collectivité ne compte pas ici.
    creer_compte(collectivite=monde.autre, utilisateur=agent, port=25, mot_de_passe="x")
    assert not compte_existe(collectivite=monde.collectivite, utilisateur=agent)

    compte = creer_compte(
        collectivite=monde.collectivite, utilisateur=agent, port=25, mot_de_passe="Mdp-agent"
    )
    # Clé retirée : le mot de passe ne se déchiffre plus, mais le compte existe.
    settings.ECHARPE_CLES_CHIFFREMENT = [Fernet.generate_key().decode()]
    with pytest.raises(MotDePasseIndechiffrable):
        compte_pour_envoi(collectivite=monde.collectivite, utilisateur=agent)
    assert compte_existe(collectivite=monde.collectivite, utilisateur=agent)

    compte.delete()
    assert not compte_existe(collectivite=monde.collectivite, utilisateur=agent)
    creer_compte(collectivite=monde.collectivite, port=25)
    assert compte_existe(collectivite=monde.collectivite, utilisateur=agent)
    assert compte_existe(collectivite=monde.collectivite, utilisateur=None)
    assert not compte_existe(collectivite=monde.autre, utilisateur=None)

    settings.ECHARPE_SMTP_DEFAUT = {**settings.ECHARPE_SMTP_DEFAUT, "hote": "smtp.plateforme.test"}
    assert compte_existe(collectivite=monde.autre, utilisateur=None)
    assert compte_existe(collectivite=None, utilisateur=None)


# --- Rotation des clés : smtp_rechiffrer ----------------------------------------------------


def test_smtp_rechiffrer_passe_tous_les_mots_de_passe_sur_la_nouvelle_cle(monde, settings):
    ancienne = Fernet.generate_key().decode()
    nouvelle = Fernet.generate_key().decode()
    settings.ECHARPE_CLES_CHIFFREMENT = [ancienne]
    comptes = [
        creer_compte(collectivite=monde.collectivite, port=25, mot_de_passe="Mdp-defaut"),
        creer_compte(
            collectivite=monde.collectivite,
            utilisateur=monde.personnes["agent_elections"],
            port=25,
            mot_de_passe="Mdp-agent",
        ),
    ]
    sans_mot_de_passe = creer_compte(collectivite=monde.autre, port=25)
    settings.ECHARPE_CLES_CHIFFREMENT = [nouvelle, ancienne]
    sortie = io.StringIO()

    call_command("smtp_rechiffrer", stdout=sortie)

    assert sortie.getvalue().strip() == (
        "2 mots de passe SMTP rechiffrés avec la première clé de ECHARPE_CLES_CHIFFREMENT."
    )
    # L'ancienne clé peut être retirée : tout se déchiffre avec la nouvelle seule.
    settings.ECHARPE_CLES_CHIFFREMENT = [nouvelle]
    for compte, attendu in zip(comptes, ["Mdp-defaut", "Mdp-agent"], strict=True):
        compte.refresh_from_db()
        assert dechiffrer(compte.mot_de_passe_chiffre) == attendu
    sans_mot_de_passe.refresh_from_db()
    assert sans_mot_de_passe.mot_de_passe_chiffre == ""


def test_smtp_rechiffrer_nomme_les_comptes_indechiffrables_et_echoue(monde, settings):
    perdue = Fernet.generate_key().decode()
    ancienne = Fernet.generate_key().decode()
    nouvelle = Fernet.generate_key().decode()
    settings.ECHARPE_CLES_CHIFFREMENT = [perdue]
    perdu = creer_compte(collectivite=monde.collectivite, port=25, mot_de_passe="Mdp-Perdu-7")
    settings.ECHARPE_CLES_CHIFFREMENT = [ancienne]
    bon = creer_compte(
        collectivite=monde.autre, utilisateur=None, port=25, mot_de_passe="Mdp-Bon-8"
    )
    chiffre_perdu = CompteSMTP.objects.get(pk=perdu.pk).mot_de_passe_chiffre
    settings.ECHARPE_CLES_CHIFFREMENT = [nouvelle, ancienne]
    sortie = io.StringIO()

    with pytest.raises(CommandError) as erreur:
        call_command("smtp_rechiffrer", stdout=sortie)

    assert erreur.value.returncode != 0
    message = str(erreur.value)
    assert f"(identifiant : {perdu.pk})" in message
    assert "1 compte SMTP a un mot de passe qu'aucune clé actuelle ne déchiffre" in message
    assert "Mdp-Perdu-7" not in message + sortie.getvalue()
    assert chiffre_perdu not in message + sortie.getvalue()
    assert "1 mot de passe SMTP rechiffré" in sortie.getvalue()
    # Le compte lisible est quand même passé sur la nouvelle clé ; l'autre n'est pas touché.
    settings.ECHARPE_CLES_CHIFFREMENT = [nouvelle]
    bon.refresh_from_db()
    assert dechiffrer(bon.mot_de_passe_chiffre) == "Mdp-Bon-8"
    assert CompteSMTP.objects.get(pk=perdu.pk).mot_de_passe_chiffre == chiffre_perdu


def test_rechiffrer_une_valeur_corrompue_est_indechiffrable():
    with pytest.raises(MotDePasseIndechiffrable):
        rechiffrer("gAAAAAé-corrompu")


# --- Domaines internationalisés -------------------------------------------------------------

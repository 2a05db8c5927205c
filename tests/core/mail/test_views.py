"""Pages Paramètres › comptes d'envoi : formulaire, liste, droits, « Tester la connexion »."""

from __future__ import annotations

import html
import re
import time

import pytest
from django.urls import resolve, reverse

from core.mail.comptes import chiffrer, dechiffrer
from core.models import CompteSMTP, MessageEnvoye
from tests.smtp_local import *  # noqa: F403  (fixtures du serveur local)
from tests.smtp_local import MOT_DE_PASSE, creer_compte

pytestmark = pytest.mark.django_db

E = "agent_elections"
A = "administrateur"

FORMULAIRE = {
    "adresse_expediteur": "elections@saint-test.test",
    "nom_affiche": "Service élections",
    "identifiant": "elections@saint-test.test",
    "mot_de_passe": "Mdp-Formulaire-31",
    "hote": "smtp.saint-test.test",
    "port": "587",
    "securite": "starttls",
    "boite_protocole": "",
    "boite_hote": "",
    "boite_port": "",
    "boite_securite": "ssl",
}


def _page(reponse) -> str:
    """Le HTML de la réponse, entités décodées (les apostrophes sont échappées)."""
    return html.unescape(reponse.content.decode())


# --- Mon compte d'envoi ---------------------------------------------------------------------


def test_mon_compte_propose_les_valeurs_de_l_agent(monde):
    agent = monde.personnes[E]

    reponse = monde.client(E).get(reverse("mail:mon_compte"))

    assert reponse.status_code == 200
    page = _page(reponse)
    assert page.count("<h1>") == 1
    assert "Mon compte d'envoi" in page
    assert f'value="{agent.email}"' in page
    assert "Boîte de réception (retours et accusés)" in page
    assert 'value="587"' in page
    for libelle in ["Adresse d'expédition", "Nom affiché", "Nom d'utilisateur", "Mot de passe"]:
        assert libelle in page
    # Pas de test possible tant que le compte n'existe pas.
    assert "Tester la connexion" not in page


def test_creer_son_compte(monde):
    agent = monde.personnes[E]
    client = monde.client(E)

    reponse = client.post(reverse("mail:mon_compte"), FORMULAIRE)

    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("mail:mon_compte")
    compte = CompteSMTP.objects.get()
    assert (compte.utilisateur, compte.collectivite) == (agent, monde.collectivite)
    assert compte.mot_de_passe_chiffre != "Mdp-Formulaire-31"
    assert dechiffrer(compte.mot_de_passe_chiffre) == "Mdp-Formulaire-31"
    suite = client.get(reverse("mail:mon_compte"))
    assert "Compte d'envoi elections@saint-test.test enregistré" in _page(suite)


def test_le_formulaire_ne_montre_jamais_le_mot_de_passe(monde):
    client = monde.client(E)
    client.post(reverse("mail:mon_compte"), FORMULAIRE)
    compte = CompteSMTP.objects.get()

    page = _page(client.get(reverse("mail:mon_compte")))

    assert "Mdp-Formulaire-31" not in page
    assert compte.mot_de_passe_chiffre not in page
    champ = re.search(r'<input type="password"[^>]*>', page).group(0)
    assert "value=" not in champ
    assert "Un mot de passe est enregistré" in page
    assert "Laissez vide pour garder le mot de passe enregistré" in page


def test_le_formulaire_en_erreur_ne_renvoie_pas_le_mot_de_passe(monde):
    reponse = monde.client(E).post(
        reverse("mail:mon_compte"), {**FORMULAIRE, "port": "70000", "adresse_expediteur": "x"}
    )

    assert reponse.status_code == 400
    page = _page(reponse)
    assert "Mdp-Formulaire-31" not in page
    assert "Le formulaire contient 2 erreurs" in page
    assert 'href="#id_port"' in page
    assert not CompteSMTP.objects.exists()


def test_mot_de_passe_vide_garde_l_ancien(monde):
    client = monde.client(E)
    client.post(reverse("mail:mon_compte"), FORMULAIRE)

    client.post(
        reverse("mail:mon_compte"), {**FORMULAIRE, "mot_de_passe": "", "nom_affiche": "Nouveau"}
    )

    compte = CompteSMTP.objects.get()
    assert compte.nom_affiche == "Nouveau"
    assert dechiffrer(compte.mot_de_passe_chiffre) == "Mdp-Formulaire-31"


def test_nom_affiche_avec_retour_a_la_ligne_refuse(monde):
    reponse = monde.client(E).post(
        reverse("mail:mon_compte"),
        {**FORMULAIRE, "nom_affiche": "Mairie\r\nBcc: victime@exemple.test"},
    )

    assert reponse.status_code == 400
    assert "Ce champ ne doit pas contenir de retour à la ligne." in _page(reponse)
    assert not CompteSMTP.objects.exists()


def test_boite_pop3_port_par_defaut_et_serveur_obligatoire(monde):
    client = monde.client(E)
    reponse = client.post(reverse("mail:mon_compte"), {**FORMULAIRE, "boite_protocole": "pop3"})
    assert reponse.status_code == 400
    assert "Indiquez le serveur de la boîte de réception" in _page(reponse)

    client.post(
        reverse("mail:mon_compte"),
        {
            **FORMULAIRE,
            "boite_protocole": "pop3",
            "boite_hote": "pop.x.test",
            "boite_securite": "aucune",
        },
    )

    assert CompteSMTP.objects.get().boite_port == 110


def test_lecture_seule_n_a_pas_de_compte_d_envoi(monde):
    client = monde.client("lecture")

    assert client.get(reverse("mail:mon_compte")).status_code == 403
    assert client.post(reverse("mail:mon_compte"), FORMULAIRE).status_code == 403
    assert not CompteSMTP.objects.exists()


def test_le_compte_est_propre_a_la_collectivite_courante(monde):
    agent = monde.personnes[E]
    creer_compte(
        collectivite=monde.autre, utilisateur=agent, port=25, adresse_expediteur="autre@x.test"
    )

    page = _page(monde.client(E).get(reverse("mail:mon_compte")))

    assert "autre@x.test" not in page


# --- Comptes de la collectivité (administrateur) --------------------------------------------


def test_l_administrateur_voit_les_comptes_de_la_collectivite(monde, django_assert_max_num_queries):
    for profil in (E, "secretariat"):
        creer_compte(
            collectivite=monde.collectivite,
            utilisateur=monde.personnes[profil],
            port=25,
            adresse_expediteur=f"{profil}@saint-test.test",
        )
    creer_compte(
        collectivite=monde.collectivite, port=25, adresse_expediteur="mairie@saint-test.test"
    )
    creer_compte(
        collectivite=monde.autre,
        utilisateur=monde.personnes["autre_collectivite"],
        port=25,
        adresse_expediteur="cache@autre.test",
    )
    client = monde.client(A)

    with django_assert_max_num_queries(12):
        reponse = client.get(reverse("mail:comptes"))

    assert reponse.status_code == 200
    page = _page(reponse)
    assert "agent_elections@saint-test.test" in page
    assert "secretariat@saint-test.test" in page
    assert "mairie@saint-test.test" in page
    assert "cache@autre.test" not in page
    assert "Non testé" in page
    compte = CompteSMTP.objects.get(adresse_expediteur="agent_elections@saint-test.test")
    assert reverse("mail:compte_modifier", kwargs={"pk": compte.pk}) in page


def test_la_liste_se_filtre(monde):
    creer_compte(
        collectivite=monde.collectivite,
        utilisateur=monde.personnes[E],
        port=25,
        adresse_expediteur="un@x.test",
    )
    creer_compte(
        collectivite=monde.collectivite,
        utilisateur=monde.personnes["secretariat"],
        port=25,
        adresse_expediteur="deux@x.test",
    )

    page = _page(monde.client(A).get(reverse("mail:comptes"), {"q": "deux"}))

    assert "deux@x.test" in page
    assert "un@x.test" not in page


def test_liste_vide(monde):
    page = _page(monde.client(A).get(reverse("mail:comptes")))

    assert "Aucun agent n'a encore enregistré son compte d'envoi" in page
    assert "Définir le compte de la collectivité" in page


def test_agent_elections_n_a_pas_acces_aux_comptes_de_la_collectivite(monde):
    compte = creer_compte(
        collectivite=monde.collectivite, utilisateur=monde.personnes["secretariat"], port=25
    )
    client = monde.client(E)

    assert client.get(reverse("mail:comptes")).status_code == 403
    assert client.get(reverse("mail:compte_defaut")).status_code == 403
    url = reverse("mail:compte_modifier", kwargs={"pk": compte.pk})
    assert client.get(url).status_code == 403
    assert client.post(url, FORMULAIRE).status_code == 403


def test_l_administrateur_modifie_le_compte_d_un_agent(monde):
    compte = creer_compte(
        collectivite=monde.collectivite,
        utilisateur=monde.personnes[E],
        port=25,
        identifiant="elections@saint-test.test",
        mot_de_passe="Ancien-mdp",
    )
    url = reverse("mail:compte_modifier", kwargs={"pk": compte.pk})
    meme_serveur = {"hote": "127.0.0.1", "port": "25", "securite": "aucune"}

    # Mot de passe vide, même serveur et même identifiant : l'ancien est gardé.
    reponse = monde.client(A).post(url, {**FORMULAIRE, **meme_serveur, "mot_de_passe": ""})

    assert reponse.status_code == 302
    assert reponse["Location"] == url
    compte.refresh_from_db()
    assert compte.nom_affiche == "Service élections"
    assert compte.adresse_expediteur == "elections@saint-test.test"
    assert compte.utilisateur == monde.personnes[E]
    assert dechiffrer(compte.mot_de_passe_chiffre) == "Ancien-mdp"
    assert f"Compte d'envoi de {monde.personnes[E]}" in _page(monde.client(A).get(url))

    # Autre serveur : le mot de passe doit être saisi, et il remplace l'ancien.
    reponse = monde.client(A).post(url, FORMULAIRE)

    assert reponse.status_code == 302
    compte.refresh_from_db()
    assert compte.hote == "smtp.saint-test.test"
    assert dechiffrer(compte.mot_de_passe_chiffre) == "Mdp-Formulaire-31"


@pytest.mark.reseau
def test_detourner_le_compte_d_un_agent_vers_un_autre_serveur_est_refuse(
    monde, serveur_smtp, smtp_sans_verification
):
    """L'administrateur ne connaît pas le mot de passe de l'agent : il ne peut pas pointer le
    compte vers un serveur à lui puis « Tester la connexion » pour l'y recevoir."""
    legitime = serveur_smtp(securite="starttls", auth=True)
    pirate = serveur_smtp()
    compte = creer_compte(legitime, collectivite=monde.collectivite, utilisateur=monde.personnes[E])
    url = reverse("mail:compte_modifier", kwargs={"pk": compte.pk})
    client = monde.client(A)

    reponse = client.post(
        url,
        {
            **FORMULAIRE,
            "identifiant": compte.identifiant,
            "hote": "127.0.0.1",
            "port": str(pirate.port),
            "securite": "aucune",
            "mot_de_passe": "",
        },
    )

    assert reponse.status_code == 400
    page = _page(reponse)
    assert "Le serveur ou l'identifiant a changé : saisissez à nouveau le mot de passe." in page
    assert 'href="#id_mot_de_passe"' in page  # l'erreur est sur le champ du mot de passe
    assert MOT_DE_PASSE not in page
    compte.refresh_from_db()
    assert compte.port == legitime.port
    # Le test de connexion part toujours vers le serveur enregistré.
    client.post(reverse("mail:tester", kwargs={"pk": compte.pk}), {"test-destinataire": "a@x.test"})
    assert pirate.boite.recus == []
    assert len(legitime.boite.recus) == 1


def test_un_compte_d_une_autre_collectivite_repond_404(monde):
    compte = creer_compte(
        collectivite=monde.autre, utilisateur=monde.personnes["autre_collectivite"], port=25
    )
    url = reverse("mail:compte_modifier", kwargs={"pk": compte.pk})
    client = monde.client(A)

    assert client.get(url).status_code == 404
    assert client.post(url, FORMULAIRE).status_code == 404
    assert (
        client.post(
            reverse("mail:tester", kwargs={"pk": compte.pk}), {"test-destinataire": "a@x.test"}
        ).status_code
        == 404
    )
    assert (
        monde.client(E)
        .post(reverse("mail:tester", kwargs={"pk": compte.pk}), {"test-destinataire": "a@x.test"})
        .status_code
        == 404
    )


def test_l_administrateur_definit_le_compte_de_la_collectivite(monde):
    monde.collectivite.courriel = "mairie@saint-test.test"
    monde.collectivite.save()
    client = monde.client(A)

    assert 'value="mairie@saint-test.test"' in _page(client.get(reverse("mail:compte_defaut")))
    reponse = client.post(reverse("mail:compte_defaut"), FORMULAIRE)

    assert reponse.status_code == 302
    compte = CompteSMTP.objects.get()
    assert compte.utilisateur is None
    assert compte.collectivite == monde.collectivite


# --- CSRF -----------------------------------------------------------------------------------


def test_csrf_exige_sur_les_post(monde):
    compte = creer_compte(collectivite=monde.collectivite, utilisateur=monde.personnes[E], port=25)
    client = monde.client(E, csrf=True)

    assert client.post(reverse("mail:mon_compte"), FORMULAIRE).status_code == 403
    url = reverse("mail:tester", kwargs={"pk": compte.pk})
    assert client.post(url, {"test-destinataire": "a@x.test"}).status_code == 403
    assert not MessageEnvoye.objects.exists()
    compte.refresh_from_db()
    assert compte.derniere_verification is None


def test_csrf_avec_jeton_accepte(monde):
    client = monde.client(E, csrf=True)
    page = _page(client.get(reverse("mail:mon_compte")))
    jeton = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    reponse = client.post(reverse("mail:mon_compte"), {**FORMULAIRE, "csrfmiddlewaretoken": jeton})

    assert reponse.status_code == 302


# --- Tester la connexion --------------------------------------------------------------------


def test_tester_est_hors_transaction_de_requete():
    vue = resolve(reverse("mail:tester", kwargs={"pk": 1})).func
    assert "default" in getattr(vue, "_non_atomic_requests", set())


def test_tester_en_get_refuse(monde):
    compte = creer_compte(collectivite=monde.collectivite, utilisateur=monde.personnes[E], port=25)

    reponse = monde.client(E).get(reverse("mail:tester", kwargs={"pk": compte.pk}))

    assert reponse.status_code == 405


@pytest.mark.reseau
def test_tester_la_connexion_reussie(monde, serveur_smtp, smtp_sans_verification):
    serveur = serveur_smtp(securite="starttls", auth=True)
    agent = monde.personnes[E]
    compte = creer_compte(serveur, collectivite=monde.collectivite, utilisateur=agent)
    client = monde.client(E)

    page = _page(client.get(reverse("mail:mon_compte")))
    assert f'value="{agent.email}"' in page  # destinataire proposé : soi-même
    reponse = client.post(
        reverse("mail:tester", kwargs={"pk": compte.pk}),
        {"test-destinataire": agent.email},
        follow=True,
    )

    assert reponse.redirect_chain == [(reverse("mail:mon_compte"), 302)]
    assert reponse.status_code == 200
    page = _page(reponse)
    assert f"le serveur a accepté le message de test pour {agent.email}" in page
    assert "queued as" not in page
    assert "message--success" in page
    assert "etiquette--succes" in page
    assert serveur.boite.recus[0].destinataires == [agent.email]


@pytest.mark.reseau
def test_tester_avec_un_mauvais_mot_de_passe_affiche_535(
    monde, serveur_smtp, smtp_sans_verification
):
    serveur = serveur_smtp(securite="starttls", auth=True)
    compte = creer_compte(
        serveur,
        collectivite=monde.collectivite,
        utilisateur=monde.personnes[E],
        mot_de_passe="Mauvais-Mdp-Visible",
    )

    reponse = monde.client(E).post(
        reverse("mail:tester", kwargs={"pk": compte.pk}),
        {"test-destinataire": "moi@exemple.test"},
        follow=True,
    )

    assert reponse.status_code == 200
    page = _page(reponse)
    assert "Le serveur a refusé l'identifiant ou le mot de passe (535)." in page
    assert "message--error" in page
    assert "Mauvais-Mdp-Visible" not in page
    assert MOT_DE_PASSE not in page
    assert serveur.boite.recus == []


@pytest.mark.reseau
def test_tester_un_serveur_ferme_affiche_le_message(monde, port_ferme, smtp_sans_verification):
    compte = creer_compte(
        collectivite=monde.collectivite, utilisateur=monde.personnes[E], port=port_ferme
    )

    reponse = monde.client(E).post(
        reverse("mail:tester", kwargs={"pk": compte.pk}),
        {"test-destinataire": "moi@exemple.test"},
        follow=True,
    )

    assert reponse.status_code == 200
    assert f"Impossible de joindre le serveur 127.0.0.1:{port_ferme} : connexion refusée." in _page(
        reponse
    )


@pytest.mark.reseau
def test_tester_un_destinataire_refuse_affiche_son_adresse(
    monde, serveur_smtp, smtp_sans_verification
):
    serveur = serveur_smtp(reponses={"moi@exemple.test": "550 5.1.1 Utilisateur inconnu"})
    compte = creer_compte(serveur, collectivite=monde.collectivite, utilisateur=monde.personnes[E])

    reponse = monde.client(E).post(
        reverse("mail:tester", kwargs={"pk": compte.pk}),
        {"test-destinataire": "moi@exemple.test"},
        follow=True,
    )

    assert reponse.status_code == 200
    page = _page(reponse)
    assert (
        "Le serveur a refusé le destinataire moi@exemple.test : 550 5.1.1 Utilisateur inconnu"
        in page
    )
    assert "message--error" in page
    assert "[adresse masquée]" not in page


def test_tester_le_compte_d_un_autre_agent_refuse_a_l_agent(monde):
    compte = creer_compte(
        collectivite=monde.collectivite, utilisateur=monde.personnes["secretariat"], port=25
    )

    reponse = monde.client(E).post(
        reverse("mail:tester", kwargs={"pk": compte.pk}), {"test-destinataire": "a@x.test"}
    )

    assert reponse.status_code == 403
    assert not MessageEnvoye.objects.exists()


def test_tester_le_compte_de_la_collectivite_refuse_a_l_agent(monde):
    compte = creer_compte(collectivite=monde.collectivite, port=25)

    reponse = monde.client(E).post(
        reverse("mail:tester", kwargs={"pk": compte.pk}), {"test-destinataire": "a@x.test"}
    )

    assert reponse.status_code == 403


def test_lecture_ne_peut_rien_tester(monde):
    compte = creer_compte(collectivite=monde.collectivite, port=25)

    reponse = monde.client("lecture").post(
        reverse("mail:tester", kwargs={"pk": compte.pk}), {"test-destinataire": "a@x.test"}
    )

    assert reponse.status_code == 403


@pytest.mark.reseau
def test_l_administrateur_teste_le_compte_d_un_agent(monde, serveur_smtp, smtp_sans_verification):
    serveur = serveur_smtp()
    compte = creer_compte(serveur, collectivite=monde.collectivite, utilisateur=monde.personnes[E])

    reponse = monde.client(A).post(
        reverse("mail:tester", kwargs={"pk": compte.pk}), {"test-destinataire": "a@x.test"}
    )

    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("mail:compte_modifier", kwargs={"pk": compte.pk})
    assert len(serveur.boite.recus) == 1


def test_tester_avec_une_adresse_invalide(monde):
    compte = creer_compte(
        collectivite=monde.collectivite,
        utilisateur=monde.personnes[E],
        port=25,
        mot_de_passe="Secret-Invalide",
    )

    reponse = monde.client(E).post(
        reverse("mail:tester", kwargs={"pk": compte.pk}), {"test-destinataire": "pas une adresse"}
    )

    assert reponse.status_code == 400
    page = _page(reponse)
    assert 'id="id_test-destinataire_erreur"' in page
    assert "Secret-Invalide" not in page
    assert not MessageEnvoye.objects.exists()


def test_un_mot_de_passe_chiffre_ne_fuit_pas_dans_la_liste(monde):
    compte = creer_compte(collectivite=monde.collectivite, utilisateur=monde.personnes[E], port=25)
    compte.mot_de_passe_chiffre = chiffrer("Liste-Secret")
    compte.save()

    page = _page(monde.client(A).get(reverse("mail:comptes")))

    assert compte.mot_de_passe_chiffre not in page
    assert "Liste-Secret" not in page


# --- Le compte enregistré, pas les valeurs proposées ------------------------------------------


def _compte_enregistre(monde):
    """Comme `secretaire` en démonstration : l'adresse d'envoi n'est pas le courriel de
    l'agent."""
    return creer_compte(
        collectivite=monde.collectivite,
        utilisateur=monde.personnes[E],
        port=587,
        adresse_expediteur="c.martin@saint-test.test",
        nom_affiche="Claire Martin",
        identifiant="c.martin@saint-test.test",
        mot_de_passe="Mdp-enregistre-9",
    )


def test_mon_compte_montre_le_compte_enregistre_et_non_les_valeurs_proposees(monde):
    agent = monde.personnes[E]
    _compte_enregistre(monde)

    page = _page(monde.client(E).get(reverse("mail:mon_compte")))

    def valeur(nom):
        return re.search(rf'name="{nom}"[^>]*value="([^"]*)"', page).group(1)

    assert valeur("adresse_expediteur") == "c.martin@saint-test.test"
    assert valeur("identifiant") == "c.martin@saint-test.test"
    assert valeur("nom_affiche") == "Claire Martin"
    assert agent.email != "c.martin@saint-test.test"


def test_enregistrer_sans_rien_changer_garde_le_mot_de_passe_et_l_expediteur(monde):
    compte = _compte_enregistre(monde)
    client = monde.client(E)
    page = _page(client.get(reverse("mail:mon_compte")))
    # Ce que le navigateur renverrait : les valeurs affichées, mot de passe vide.
    formulaire = {
        nom: re.search(rf'name="{nom}"[^>]*value="([^"]*)"', page).group(1)
        for nom in ["adresse_expediteur", "nom_affiche", "identifiant", "hote", "port"]
    }

    reponse = client.post(
        reverse("mail:mon_compte"),
        {**formulaire, "mot_de_passe": "", "securite": "aucune", "boite_securite": "ssl"},
    )

    assert reponse.status_code == 302
    compte.refresh_from_db()
    assert compte.adresse_expediteur == "c.martin@saint-test.test"
    assert compte.identifiant == "c.martin@saint-test.test"
    assert dechiffrer(compte.mot_de_passe_chiffre) == "Mdp-enregistre-9"


# --- Noms affichés encodés --------------------------------------------------------------------


@pytest.mark.parametrize(
    "nom_affiche",
    [
        "=?utf-8?q?x=0D=0AX-Injected=3A_yes?=",
        "=?utf-8?b?eA0KWC1JbmplY3RlZDogeWVz?=",
        "Mairie =?utf-8?q?x=0ABcc=3A_victime=40exemple.test?=",
    ],
)
def test_nom_affiche_encode_avec_retour_a_la_ligne_refuse(monde, nom_affiche):
    reponse = monde.client(E).post(
        reverse("mail:mon_compte"), {**FORMULAIRE, "nom_affiche": nom_affiche}
    )

    assert reponse.status_code == 400
    assert "Le nom affiché contient un caractère interdit" in _page(reponse)
    assert 'href="#id_nom_affiche"' in _page(reponse)
    assert not CompteSMTP.objects.exists()


def test_adresse_d_expedition_encodee_refusee(monde):
    reponse = monde.client(E).post(
        reverse("mail:mon_compte"),
        {**FORMULAIRE, "adresse_expediteur": "=?utf-8?q?x=0D=0AX-Injected=3A_yes?=@exemple.test"},
    )

    assert reponse.status_code == 400
    assert 'href="#id_adresse_expediteur"' in _page(reponse)
    assert not CompteSMTP.objects.exists()


# --- Échéance du test -----------------------------------------------------------------------


@pytest.mark.reseau
def test_tester_un_serveur_goutte_a_goutte_repond_dans_le_delai(
    monde, serveur_goutte, smtp_sans_verification
):
    smtp_sans_verification.ECHARPE_SMTP_DELAI_TEST = 2
    compte = creer_compte(
        collectivite=monde.collectivite, utilisateur=monde.personnes[E], port=serveur_goutte.port
    )
    client = monde.client(E)

    debut = time.monotonic()
    reponse = client.post(
        reverse("mail:tester", kwargs={"pk": compte.pk}),
        {"test-destinataire": "moi@exemple.test"},
        follow=True,
    )

    assert time.monotonic() - debut < 4
    assert "Le serveur n'a pas terminé l'échange dans le délai de 2 secondes" in _page(reponse)


def test_la_page_annonce_le_delai_du_test(monde, settings):
    settings.ECHARPE_SMTP_DELAI_TEST = 15
    _compte_enregistre(monde)

    page = _page(monde.client(E).get(reverse("mail:mon_compte")))

    assert "au plus 15 secondes d'attente" in page

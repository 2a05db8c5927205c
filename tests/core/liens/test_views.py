"""Parcours des liens sécurisés : ouverture, redirection sans jeton, identité, activation."""

from __future__ import annotations

import html
import logging
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from core.liens.services import enregistrer_objectifs, lien_creer, lien_url
from core.models import EntreeJournal, LienSecurise
from tests.factories import CollectiviteFactory, RoleFactory

DEBUT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
MOT_DE_PASSE = "Echarpe-mairie-2026!"


@pytest.fixture(autouse=True)
def _objectifs() -> None:
    enregistrer_objectifs()


@pytest.fixture
def collectivite(db):
    return CollectiviteFactory(nom="Saint-Lien")


@pytest.fixture
def agent(collectivite):
    """Un agent ajouté par l'administrateur, sans mot de passe encore."""
    role = RoleFactory(
        collectivite=collectivite,
        role="secretariat",
        utilisateur__username="nouvelle.agente",
        utilisateur__date_naissance=date(1980, 7, 14),
    )
    utilisateur = role.utilisateur
    utilisateur.set_unusable_password()
    utilisateur.save()
    return utilisateur


def activation(collectivite, utilisateur, **kwargs):
    kwargs.setdefault("date_naissance", utilisateur.date_naissance)
    return lien_creer(
        collectivite=collectivite,
        objectif="activation",
        cible=utilisateur,
        duree=timedelta(days=7),
        **kwargs,
    )


def altere(jeton: str) -> str:
    return jeton[:10] + ("A" if jeton[10] != "A" else "B") + jeton[11:]


def verifier_page_sans_jeton(reponse, jeton: str) -> None:
    assert jeton not in reponse.content.decode()
    assert jeton not in reponse.get("Location", "")


# --- Ouverture ------------------------------------------------------------------------------


def test_ouvrir_redirige_vers_l_adresse_sans_jeton(collectivite, agent):
    _lien, jeton = activation(collectivite, agent)
    client = Client()
    reponse = client.get(lien_url(jeton))
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("liens:accueil") == "/l/"
    assert reponse["Referrer-Policy"] == "same-origin"
    assert "no-store" in reponse["Cache-Control"]
    # La suite du parcours ne porte plus jamais le jeton.
    suite = client.get(reponse["Location"])
    assert suite.status_code == 200
    assert suite["Referrer-Policy"] == "same-origin"
    verifier_page_sans_jeton(suite, jeton)
    assert "Vérification de votre identité" in suite.content.decode()


def test_la_session_ne_contient_pas_le_jeton(collectivite, agent):
    lien, jeton = activation(collectivite, agent)
    client = Client()
    client.get(lien_url(jeton))
    session = client.session
    assert jeton not in str(dict(session.items()))
    assert session["lien_securise_id"] == lien.pk


def test_un_lien_sans_verification_mene_directement_a_sa_page(collectivite, agent):
    _lien, jeton = activation(collectivite, agent, date_naissance=None)
    client = Client()
    reponse = client.get(lien_url(jeton), follow=True)
    assert reponse.redirect_chain == [("/l/", 302), (reverse("liens:activation"), 302)]
    assert reponse.status_code == 200
    for adresse, _statut in reponse.redirect_chain[1:]:
        assert jeton not in adresse
    verifier_page_sans_jeton(reponse, jeton)
    assert "Choisissez votre mot de passe" in reponse.content.decode()


def test_un_jeton_altere_donne_une_page_404_en_francais(collectivite, agent):
    _lien, jeton = activation(collectivite, agent)
    faux = altere(jeton)
    reponse = Client().get(lien_url(faux))
    assert reponse.status_code == 404
    contenu = reponse.content.decode()
    assert "Ce lien n&#x27;est pas valide. Vérifiez qu&#x27;il a été copié en entier." in contenu
    assert faux not in contenu
    assert reponse["Referrer-Policy"] == "same-origin"


def test_un_jeton_fantaisiste_ne_provoque_jamais_d_erreur_serveur(db):
    for jeton in ["x", "a" * 200, "%00", "é" * 43, "..", "-" * 43]:
        reponse = Client().get(f"/l/{jeton}/")
        assert reponse.status_code == 404, jeton


def test_un_lien_expire_donne_une_page_410(collectivite, agent):
    with time_machine.travel(DEBUT, tick=False):
        _lien, jeton = activation(collectivite, agent)
    with time_machine.travel(DEBUT + timedelta(days=8), tick=False):
        reponse = Client().get(lien_url(jeton))
    assert reponse.status_code == 410
    contenu = reponse.content.decode()
    assert "Ce lien a expiré le 02/12/2026. Demandez-en un nouveau." in contenu
    verifier_page_sans_jeton(reponse, jeton)


def test_un_lien_remplace_donne_une_page_410_qui_le_dit(collectivite, agent):
    _ancien, jeton = activation(collectivite, agent)
    activation(collectivite, agent)
    reponse = Client().get(lien_url(jeton))
    assert reponse.status_code == 410
    assert "remplacé par un lien plus récent" in reponse.content.decode()


def test_un_lien_verrouille_donne_une_page_403(collectivite, agent):
    lien, jeton = activation(collectivite, agent)
    LienSecurise.objects.filter(pk=lien.pk).update(verrouille_le=DEBUT)
    reponse = Client().get(lien_url(jeton))
    assert reponse.status_code == 403
    assert "bloqué" in reponse.content.decode()


def test_l_accueil_sans_lien_ouvert_explique_quoi_faire(db):
    reponse = Client().get(reverse("liens:accueil"))
    assert reponse.status_code == 404
    assert "Aucun lien n&#x27;est ouvert" in reponse.content.decode()


def test_la_page_d_activation_sans_lien_renvoie_vers_l_accueil_des_liens(db):
    reponse = Client().get(reverse("liens:activation"))
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("liens:accueil")


def test_un_lien_expire_pendant_le_parcours_est_refuse(collectivite, agent):
    with time_machine.travel(DEBUT, tick=False):
        _lien, jeton = activation(collectivite, agent, date_naissance=None)
        client = Client()
        client.get(lien_url(jeton))
    with time_machine.travel(DEBUT + timedelta(days=8), tick=False):
        assert client.get(reverse("liens:activation")).status_code == 302
        reponse = client.get(reverse("liens:accueil"))
    assert reponse.status_code == 410


def test_un_objectif_sans_page_enregistree_donne_une_page_en_francais(collectivite, agent):
    _lien, jeton = lien_creer(
        collectivite=collectivite, objectif="inconnu", cible=agent, duree=timedelta(days=1)
    )
    reponse = Client().get(lien_url(jeton), follow=True)
    assert reponse.status_code == 404
    assert "ne mène à aucune page" in reponse.content.decode()


# --- Vérification d'identité ----------------------------------------------------------------


def ouvrir(collectivite, agent, **kwargs) -> tuple[Client, LienSecurise, str]:
    lien, jeton = activation(collectivite, agent, **kwargs)
    client = Client()
    client.get(lien_url(jeton))
    return client, lien, jeton


def test_le_formulaire_d_identite_a_des_libelles(collectivite, agent):
    client, _lien, _jeton = ouvrir(collectivite, agent)
    contenu = client.get(reverse("liens:accueil")).content.decode()
    assert '<label for="id_date_naissance">Date de naissance' in contenu
    assert "jj/mm/aaaa" in contenu
    assert "Département de naissance" not in contenu
    assert contenu.count("<h1") == 1


def test_le_departement_est_demande_quand_il_est_attendu(collectivite, agent):
    client, _lien, _jeton = ouvrir(collectivite, agent, departement="69")
    contenu = client.get(reverse("liens:accueil")).content.decode()
    assert '<label for="id_departement">Département de naissance' in contenu
    reponse = client.post(
        reverse("liens:accueil"), {"date_naissance": "14/07/1980", "departement": "75"}
    )
    assert reponse.status_code == 400
    reponse = client.post(
        reverse("liens:accueil"), {"date_naissance": "14/07/1980", "departement": "69"}
    )
    assert reponse.status_code == 302


def test_une_date_mal_formee_donne_une_erreur_de_champ_sans_compter_d_essai(collectivite, agent):
    client, lien, _jeton = ouvrir(collectivite, agent)
    reponse = client.post(reverse("liens:accueil"), {"date_naissance": "14/13/1980"})
    assert reponse.status_code == 400
    contenu = reponse.content.decode()
    assert 'id="id_date_naissance_erreur"' in contenu
    assert "Cette date n&#x27;existe pas" in contenu
    assert 'value="14/13/1980"' in contenu
    reponse = client.post(reverse("liens:accueil"), {"date_naissance": "le 14 juillet"})
    assert reponse.status_code == 400
    assert "jj/mm/aaaa" in reponse.content.decode()
    assert LienSecurise.objects.get(pk=lien.pk).tentatives == 0


def test_les_essais_restants_sont_annonces_puis_le_lien_est_bloque(collectivite, agent):
    client, lien, jeton = ouvrir(collectivite, agent)
    for restants in (4, 3, 2, 1):
        reponse = client.post(reverse("liens:accueil"), {"date_naissance": "15/07/1980"})
        assert reponse.status_code == 400
        attendu = f"Il vous reste {restants} essai{'s' if restants > 1 else ''}."
        assert attendu in reponse.content.decode()
    reponse = client.post(reverse("liens:accueil"), {"date_naissance": "15/07/1980"})
    assert reponse.status_code == 403
    assert "bloqué" in reponse.content.decode()
    lien.refresh_from_db()
    assert lien.verrouille_le is not None
    # Bloqué pour tout le monde, même avec la bonne date.
    reponse = client.post(reverse("liens:accueil"), {"date_naissance": "14/07/1980"})
    assert reponse.status_code == 403
    assert Client().get(lien_url(jeton)).status_code == 403


def test_l_identite_verifiee_dans_une_session_ne_vaut_pas_pour_une_autre(collectivite, agent):
    client, _lien, jeton = ouvrir(collectivite, agent)
    reponse = client.post(reverse("liens:accueil"), {"date_naissance": "14/07/1980"})
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("liens:activation")
    assert client.get(reverse("liens:activation")).status_code == 200
    # Quelqu'un d'autre qui aurait le jeton doit prouver son identité à son tour.
    autre = Client()
    autre.get(lien_url(jeton))
    assert autre.get(reverse("liens:activation")).status_code == 302
    assert "Vérification de votre identité" in autre.get(reverse("liens:accueil")).content.decode()


def test_la_verification_d_identite_exige_le_jeton_csrf(collectivite, agent):
    lien, jeton = activation(collectivite, agent)
    client = Client(enforce_csrf_checks=True)
    client.get(lien_url(jeton))
    reponse = client.post(reverse("liens:accueil"), {"date_naissance": "15/07/1980"})
    assert reponse.status_code == 403
    assert LienSecurise.objects.get(pk=lien.pk).tentatives == 0
    page = client.get(reverse("liens:accueil"))
    jeton_csrf = page.context["csrf_token"]
    reponse = client.post(
        reverse("liens:accueil"),
        {"date_naissance": "14/07/1980", "csrfmiddlewaretoken": str(jeton_csrf)},
    )
    assert reponse.status_code == 302


# --- Activation de bout en bout -------------------------------------------------------------


def test_activation_de_bout_en_bout(collectivite, agent):
    lien, jeton = activation(collectivite, agent)
    client = Client()
    # 1. Le lien du courriel.
    reponse = client.get(lien_url(jeton))
    assert reponse["Location"] == "/l/"
    # 2. L'identité.
    reponse = client.post("/l/", {"date_naissance": "14/07/1980"})
    assert reponse["Location"] == reverse("liens:activation")
    # 3. Le mot de passe.
    page = client.get(reverse("liens:activation"))
    contenu = page.content.decode()
    assert page.status_code == 200
    assert '<label for="id_new_password1">Nouveau mot de passe' in contenu
    assert '<label for="id_new_password2">Confirmez le mot de passe' in contenu
    assert "nouvelle.agente" in contenu
    verifier_page_sans_jeton(page, jeton)
    erreur = client.post(
        reverse("liens:activation"),
        {"new_password1": MOT_DE_PASSE, "new_password2": MOT_DE_PASSE + "x"},
    )
    assert erreur.status_code == 400
    assert "Les deux mots de passe ne correspondent pas." in erreur.content.decode()
    trop_court = client.post(
        reverse("liens:activation"), {"new_password1": "court", "new_password2": "court"}
    )
    assert trop_court.status_code == 400
    assert LienSecurise.objects.get(pk=lien.pk).utilise_le is None
    reponse = client.post(
        reverse("liens:activation"),
        {"new_password1": MOT_DE_PASSE, "new_password2": MOT_DE_PASSE},
    )
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("pages:accueil")
    # 4. Connectée, avec son mot de passe, et un message.
    agent.refresh_from_db()
    assert agent.check_password(MOT_DE_PASSE)
    assert client.session["_auth_user_id"] == str(agent.pk)
    accueil = client.get(reverse("pages:accueil"))
    assert accueil.status_code == 200
    assert "Votre mot de passe est enregistré" in accueil.content.decode()
    entree = EntreeJournal.objects.get(action="mot_de_passe_defini")
    assert entree.collectivite == collectivite
    assert entree.acteur == agent
    # 5. Le lien ne sert plus, ni dans cette session, ni ailleurs.
    assert LienSecurise.objects.get(pk=lien.pk).utilise_le is not None
    assert client.get(reverse("liens:activation")).status_code == 302
    seconde = Client().get(lien_url(jeton))
    assert seconde.status_code == 410
    assert "déjà été utilisé" in seconde.content.decode()
    # Et la connexion habituelle fonctionne.
    connexion = Client().post(
        reverse("login"), {"username": "nouvelle.agente", "password": MOT_DE_PASSE}
    )
    assert connexion.status_code == 302
    assert connexion["Location"] == reverse("pages:accueil")


def test_activation_d_un_compte_desactive_est_refusee(collectivite, agent):
    _lien, jeton = activation(collectivite, agent, date_naissance=None)
    agent.is_active = False
    agent.save()
    client = Client()
    reponse = client.get(lien_url(jeton), follow=True)
    assert reponse.status_code == 404
    assert "désactivé" in reponse.content.decode()


def test_activation_d_un_compte_qui_a_deja_un_mot_de_passe_est_refusee(collectivite, agent):
    # Un lien émis par un nouvel essai après l'activation (ou ouvert avant celle-ci, dans
    # un autre onglet) ne remplace pas le mot de passe choisi.
    _lien, jeton = activation(collectivite, agent, date_naissance=None)
    client = Client()
    client.get(lien_url(jeton))
    assert client.get(reverse("liens:activation")).status_code == 200
    agent.set_password(MOT_DE_PASSE)
    agent.save()

    page = client.get(reverse("liens:activation"))
    autre = "Autre-mot-de-passe-2026!"
    envoi = client.post(
        reverse("liens:activation"), {"new_password1": autre, "new_password2": autre}
    )

    for reponse in (page, envoi):
        assert reponse.status_code == 404
        contenu = html.unescape(reponse.content.decode())
        assert "Ce lien n'est plus valable : le mot de passe de ce compte a déjà été choisi." in (
            contenu
        )
        assert "Choisissez votre mot de passe" not in contenu
    agent.refresh_from_db()
    assert agent.check_password(MOT_DE_PASSE)
    assert "_auth_user_id" not in client.session
    assert not EntreeJournal.objects.filter(action="mot_de_passe_defini").exists()


def test_deux_onglets_un_seul_mot_de_passe_enregistre(collectivite, agent):
    _lien, jeton = activation(collectivite, agent, date_naissance=None)
    premier = Client()
    premier.get(lien_url(jeton))
    second = Client()
    second.get(lien_url(jeton))
    assert premier.get(reverse("liens:activation")).status_code == 200
    assert second.get(reverse("liens:activation")).status_code == 200
    ok = premier.post(
        reverse("liens:activation"), {"new_password1": MOT_DE_PASSE, "new_password2": MOT_DE_PASSE}
    )
    assert ok.status_code == 302
    autre = "Autre-mot-de-passe-2026!"
    refuse = second.post(
        reverse("liens:activation"), {"new_password1": autre, "new_password2": autre}
    )
    assert refuse.status_code == 302
    assert second.get(refuse["Location"]).status_code == 410
    agent.refresh_from_db()
    assert agent.check_password(MOT_DE_PASSE)


# --- Journaux techniques --------------------------------------------------------------------


def test_aucun_jeton_dans_les_logs(collectivite, agent, caplog):
    with time_machine.travel(DEBUT - timedelta(days=30), tick=False):
        _vieux, jeton_expire = lien_creer(
            collectivite=collectivite, objectif="autre", cible=agent, duree=timedelta(days=1)
        )
    _lien, jeton = activation(collectivite, agent)
    faux = altere(jeton)
    with caplog.at_level(logging.DEBUG):
        client = Client()
        assert client.get(lien_url(faux)).status_code == 404
        assert client.get(lien_url(jeton_expire)).status_code == 410
        client.get(lien_url(jeton), follow=True)
    # Django journalise les réponses 4xx avec leur chemin : le filtre de LOGGING le masque.
    assert any("jeton masqué" in r.getMessage() for r in caplog.records)
    for secret in (jeton, faux, jeton_expire):
        assert secret not in caplog.text
        assert all(secret not in r.getMessage() for r in caplog.records)


def test_lien_d_activation_ouvert_dans_la_session_d_une_autre_personne(collectivite, agent):
    """Poste partagé : le lien ne s'active pas sous le nom (ni l'en-tête) de la personne
    connectée ; après la déconnexion, le même lien sert encore."""
    connectee = RoleFactory(
        collectivite=collectivite,
        role="administrateur",
        utilisateur__username="deja.connectee",
        utilisateur__first_name="Claire",
        utilisateur__last_name="Connectée",
    ).utilisateur
    _lien, jeton = activation(collectivite, agent, date_naissance=None)
    client = Client()
    client.force_login(connectee)

    client.get(lien_url(jeton))
    for url in ("/l/", reverse("liens:activation")):
        page = client.get(url)
        contenu = html.unescape(page.content.decode())
        assert page.status_code == 403, url
        assert "Lien destiné à une autre personne" in contenu
        assert "Vous êtes connecté(e) en tant que Claire Connectée" in contenu
        assert "Me déconnecter</button>" in contenu
        assert 'name="new_password1"' not in contenu
    agent.refresh_from_db()
    assert not agent.has_usable_password()

    client.post(reverse("logout"))
    suite = Client()
    suite.get(lien_url(jeton))
    assert suite.get(reverse("liens:activation")).status_code == 200

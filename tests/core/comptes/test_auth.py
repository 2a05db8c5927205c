import re

import pytest
from django.core import mail
from django.urls import reverse

from core.models import TypeRole

pytestmark = pytest.mark.django_db
MDP = "mot-de-passe-solide-42"


def test_page_de_connexion_en_francais(client):
    contenu = client.get(reverse("login")).content.decode()
    assert '<html lang="fr">' in contenu
    assert "Identifiant" in contenu
    assert "Mot de passe oublié" in contenu


def test_connexion_et_redirection_vers_l_accueil(monde, client):
    reponse = client.post(reverse("login"), {"username": "u-administrateur", "password": MDP})
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("pages:accueil")


def test_mauvais_mot_de_passe_message_francais(monde, client):
    reponse = client.post(reverse("login"), {"username": "u-administrateur", "password": "faux"})
    assert reponse.status_code == 200
    assert "Identifiant ou mot de passe incorrect" in reponse.content.decode()


def test_redirection_ouverte_refusee_apres_connexion(monde, client):
    reponse = client.post(
        reverse("login") + "?next=https://pirate.example/",
        {"username": "u-administrateur", "password": MDP, "next": "https://pirate.example/"},
    )
    assert reponse.status_code == 302
    assert "pirate" not in reponse["Location"]


def test_verrouillage_apres_echecs_repetes(monde, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "u-lecture", "password": "faux"})
    reponse = client.post(reverse("login"), {"username": "u-lecture", "password": MDP})
    assert reponse.status_code == 429
    assert "temporairement bloquée" in reponse.content.decode()


def test_deconnexion_en_post(monde):
    client = monde.client(TypeRole.LECTURE)
    reponse = client.post(reverse("logout"))
    assert reponse.status_code == 302
    assert client.get(reverse("pages:accueil")).status_code == 302


def test_changement_de_mot_de_passe_ferme_les_autres_sessions(monde):
    client = monde.client(TypeRole.SECRETARIAT)
    autre_session = monde.client(TypeRole.SECRETARIAT)
    reponse = client.post(
        reverse("password_change"),
        {
            "old_password": MDP,
            "new_password1": "Nouveau-secret-2026!",
            "new_password2": "Nouveau-secret-2026!",
        },
    )
    assert reponse.status_code == 302
    assert client.get(reverse("pages:accueil")).status_code == 200
    assert autre_session.get(reverse("pages:accueil")).status_code == 302


def test_mot_de_passe_trop_simple_refuse_en_francais(monde):
    client = monde.client(TypeRole.SECRETARIAT)
    reponse = client.post(
        reverse("password_change"),
        {"old_password": MDP, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert reponse.status_code == 200
    contenu = reponse.content.decode()
    assert "trop court" in contenu or "trop courant" in contenu


def test_reinitialisation_du_mot_de_passe_de_bout_en_bout(monde, client):
    client.post(reverse("password_reset"), {"email": "u-lecture@exemple.test"})
    assert len(mail.outbox) == 1
    corps = mail.outbox[0].body
    assert "nouveau mot de passe" in corps
    lien = re.search(r"https?://[^/]+(/compte/mot-de-passe/nouveau/\S+)", corps).group(1)
    reponse = client.get(lien, follow=True)
    assert reponse.status_code == 200
    formulaire = reponse.redirect_chain[-1][0]
    reponse = client.post(
        formulaire, {"new_password1": "Tout-nouveau-2026!", "new_password2": "Tout-nouveau-2026!"}
    )
    assert reponse.status_code == 302
    connexion = client.post(
        reverse("login"), {"username": "u-lecture", "password": "Tout-nouveau-2026!"}
    )
    assert connexion.status_code == 302
    # Le lien ne sert qu'une fois.
    assert "plus valable" in client.get(lien, follow=True).content.decode()


def test_reinitialisation_ne_revele_pas_si_le_compte_existe(monde, client):
    reponse = client.post(reverse("password_reset"), {"email": "inconnu@exemple.test"}, follow=True)
    assert "Si un compte correspond" in reponse.content.decode()
    assert len(mail.outbox) == 0


def test_reinitialisation_limitee_par_adresse_et_par_heure(monde, client, settings):
    settings.ECHARPE_REINITIALISATIONS_PAR_HEURE = 3
    reponses = [
        client.post(reverse("password_reset"), {"email": "U-Lecture@exemple.test"})
        for _ in range(6)
    ]
    # Même réponse à chaque fois (rien ne dit que la limite est atteinte), trois courriels.
    assert {r.status_code for r in reponses} == {302}
    assert {r["Location"] for r in reponses} == {reverse("password_reset_done")}
    assert len(mail.outbox) == 3
    # Une autre adresse a sa propre limite.
    client.post(reverse("password_reset"), {"email": "u-administrateur@exemple.test"})
    assert len(mail.outbox) == 4


def test_pages_d_erreur_en_francais_sans_donnees(monde):
    reponse = monde.client(TypeRole.LECTURE).get("/cette-page-n-existe-pas/")
    assert reponse.status_code == 404
    assert "Page introuvable" in reponse.content.decode()

"""Boîte d'envoi de la démonstration (/outbox/) : seulement en démonstration."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from django.core.mail import EmailMessage, send_mail
from django.urls import reverse

from core.mail.services import boite_demo_message, boite_demo_noms, envoyer
from core.models import CompteSMTP
from tests.smtp_local import creer_compte

pytestmark = pytest.mark.django_db


@pytest.fixture
def boite(settings, tmp_path) -> Path:
    dossier = tmp_path / "outbox"
    settings.ECHARPE_BOITE_DEMO = str(dossier)
    settings.EMAIL_BACKEND = "core.mail.backends.BoiteDemoBackend"
    return dossier


@pytest.fixture
def staff(monde):
    """Superutilisateur : lui seul lit toute la boîte."""
    personne = monde.personnes["administrateur"]
    personne.is_staff = True
    personne.is_superuser = True
    personne.save(update_fields=["is_staff", "is_superuser"])
    return personne


def _page(reponse) -> str:
    return html.unescape(reponse.content.decode())


def _envoyer(monde, **kwargs):
    compte = CompteSMTP.objects.filter(
        collectivite=monde.collectivite, utilisateur__isnull=True
    ).first() or creer_compte(collectivite=monde.collectivite, port=1)
    valeurs = {
        "collectivite": monde.collectivite,
        "expediteur": monde.personnes["administrateur"],
        "destinataires": ["helene.dupre@exemple.test"],
        "sujet": "Avis de radiation",
        "texte": "Madame,\n<script>alert('x')</script>\nCordialement.",
        "html": "<p>Madame</p>",
        "pieces_jointes": [("avis-radiation.pdf", b"%PDF-1.7", "application/pdf")],
        "compte": compte,
    }
    valeurs.update(kwargs)
    return envoyer(**valeurs)


@pytest.mark.parametrize("nom", ["mail:outbox", "mail:outbox_message"])
def test_404_hors_demonstration(monde, settings, nom):
    settings.ECHARPE_BOITE_DEMO = None
    kwargs = {"nom": "20261125-101010-000000-abcdef12"} if nom == "mail:outbox_message" else {}

    reponse = monde.client("administrateur").get(reverse(nom, kwargs=kwargs))

    assert reponse.status_code == 404


def test_connexion_exigee(monde, boite):
    reponse = monde.client("anonyme").get(reverse("mail:outbox"))

    assert reponse.status_code == 302
    assert reponse["Location"].startswith(reverse("login"))


def test_liste_des_courriels(monde, boite, staff):
    _envoyer(monde)
    send_mail("Réinitialisation du mot de passe", "Lien", "ne-pas-repondre@x.test", ["a@x.test"])

    reponse = monde.client("administrateur").get(reverse("mail:outbox"))

    assert reponse.status_code == 200
    page = _page(reponse)
    assert page.count("<h1>") == 1
    assert "Avis de radiation" in page
    assert "Mairie de Saint-Test <mairie@saint-test.test>" in page
    assert "helene.dupre@exemple.test" in page
    assert "Réinitialisation du mot de passe" in page
    assert "2 résultats" in page
    # Le plus récent d'abord.
    assert page.index("Réinitialisation du mot de passe") < page.index("Avis de radiation")
    for nom in boite_demo_noms():
        assert reverse("mail:outbox_message", kwargs={"nom": nom}) in page


def test_boite_vide(monde, boite):
    page = _page(monde.client("administrateur").get(reverse("mail:outbox")))

    assert "La boîte est vide" in page


def test_detail_en_tetes_texte_echappe_et_pieces_jointes(monde, boite, staff):
    trace = _envoyer(monde)
    [nom] = boite_demo_noms()

    reponse = monde.client("administrateur").get(
        reverse("mail:outbox_message", kwargs={"nom": nom})
    )

    assert reponse.status_code == 200
    brut = reponse.content.decode()
    assert "<script>alert" not in brut
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in brut
    page = _page(reponse)
    assert "<h1>Avis de radiation</h1>" in page
    assert trace.message_id in page
    assert "Message-ID" in page
    assert "avis-radiation.pdf" in page
    assert "aussi une version HTML" in page


@pytest.mark.parametrize(
    "nom", ["20261125-101010-000000-abcdef12", "..", "passwd", "20261125-101010-000000-ABCDEF12"]
)
def test_detail_inconnu_ou_nom_arbitraire_404(monde, boite, nom):
    _envoyer(monde)

    reponse = monde.client("administrateur").get(
        reverse("mail:outbox_message", kwargs={"nom": nom})
    )

    assert reponse.status_code == 404


def test_les_fichiers_etrangers_a_la_boite_sont_ignores(monde, boite):
    boite.mkdir(parents=True)
    (boite / "note.eml").write_bytes(b"Subject: intrus\r\n\r\nx")

    page = _page(monde.client("administrateur").get(reverse("mail:outbox")))

    assert "intrus" not in page
    assert (
        monde.client("administrateur")
        .get(reverse("mail:outbox_message", kwargs={"nom": "note"}))
        .status_code
        == 404
    )


# --- Chacun ne lit que ses propres courriels (les liens d'activation y sont en clair) --------


def test_un_agent_ne_voit_que_les_courriels_qui_lui_sont_adresses(monde, boite):
    agent = monde.personnes["agent_elections"]
    _envoyer(monde, sujet="Pour l'agent", destinataires=[agent.email.upper()])
    _envoyer(monde, sujet="Activez votre compte — lien secret de Léa")
    send_mail("Réinitialisation de Léa", "Lien", "ne-pas-repondre@x.test", ["lea@x.test"])
    noms = {}
    for nom in boite_demo_noms():
        courriel = boite_demo_message(nom)
        assert courriel is not None
        noms[courriel.sujet] = nom
    client = monde.client("agent_elections")

    page = _page(client.get(reverse("mail:outbox")))

    assert "Pour l'agent" in page
    assert "lien secret de Léa" not in page
    assert "Réinitialisation de Léa" not in page
    assert "1 résultat" in page
    ouvrir = lambda sujet: client.get(  # noqa: E731
        reverse("mail:outbox_message", kwargs={"nom": noms[sujet]})
    )
    assert ouvrir("Pour l'agent").status_code == 200
    assert ouvrir("Activez votre compte — lien secret de Léa").status_code == 404
    assert ouvrir("Réinitialisation de Léa").status_code == 404


def test_le_personnel_limite_ne_voit_que_ses_propres_courriels(monde, boite):
    personne = monde.personnes["administrateur"]
    personne.is_staff = True
    personne.save(update_fields=["is_staff"])
    _envoyer(monde, sujet="Activez votre compte — lien secret de Léa")
    _envoyer(monde, sujet="Pour le personnel", destinataires=[personne.email])
    noms = {boite_demo_message(n).sujet: n for n in boite_demo_noms()}
    client = monde.client("administrateur")

    page = _page(client.get(reverse("mail:outbox")))
    assert "lien secret de Léa" not in page and "Pour le personnel" in page
    secret = noms["Activez votre compte — lien secret de Léa"]
    assert client.get(reverse("mail:outbox_message", kwargs={"nom": secret})).status_code == 404


def test_le_superutilisateur_voit_toute_la_boite(monde, boite, staff):
    _envoyer(monde, sujet="Activez votre compte — lien secret de Léa")
    [nom] = boite_demo_noms()
    client = monde.client("administrateur")

    assert "lien secret de Léa" in _page(client.get(reverse("mail:outbox")))
    assert client.get(reverse("mail:outbox_message", kwargs={"nom": nom})).status_code == 200


def test_les_copies_comptent_comme_destinataires(monde, boite):
    agent = monde.personnes["agent_elections"]
    EmailMessage("En copie", "Texte", "n@x.test", ["autre@x.test"], cc=[agent.email]).send()

    assert "En copie" in _page(monde.client("agent_elections").get(reverse("mail:outbox")))
    assert "En copie" not in _page(monde.client("secretariat").get(reverse("mail:outbox")))


def test_sans_adresse_rien_n_est_visible(monde, boite):
    agent = monde.personnes["agent_elections"]
    _envoyer(monde, destinataires=[agent.email])
    agent.email = ""
    agent.save(update_fields=["email"])

    page = _page(monde.client("agent_elections").get(reverse("mail:outbox")))

    assert "La boîte est vide" in page

"""Espace élu : arrivée après connexion, portail (tous mandats, jamais ceux des autres), notice
RGPD et consentements, récapitulatif, note à la collectivité, manifeste."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from convocations.elus.courriels import courriel_preparer
from convocations.elus.models import AccuseNotice, CourrielElu, NoteElu
from convocations.elus.services import notice_accuser
from convocations.models import EtatSeance
from core.journal.models import EntreeJournal
from tests.convocations.elus.conftest import texte
from tests.convocations.factories import (
    ContactFactory,
    DestinataireFactory,
    MandatFactory,
    SeanceFactory,
)
from tests.factories import RoleFactory


def _lue(elu, *collectivites):
    for collectivite in collectivites:
        notice_accuser(
            utilisateur=elu, collectivite=collectivite, actualites=False, evenements=False
        )


def _convocation(elu, collectivite, *, jours=10, etat=EtatSeance.ENVOYEE, titre=None):
    seance = SeanceFactory(
        collectivite=collectivite,
        etat=etat,
        date=timezone.now() + timedelta(days=jours),
        **({"titre": titre} if titre else {}),
    )
    return DestinataireFactory(seance=seance, utilisateur=elu, email=elu.email)


# --- Arrivée -----------------------------------------------------------------------------------


def test_un_elu_qui_se_connecte_arrive_sur_son_portail(monde, elu):
    client = monde.client("anonyme")
    connexion = client.post(
        reverse("login"), {"username": elu.username, "password": "mot-de-passe-solide-42"}
    )
    accueil = client.get(connexion["Location"])

    assert accueil.status_code == 302
    assert accueil["Location"] == reverse("convocations:portail")


def test_un_agent_qui_est_aussi_elu_passe_d_un_espace_a_l_autre(monde, elu):
    RoleFactory(collectivite=monde.collectivite, role="secretariat", utilisateur=elu)
    _lue(elu, monde.collectivite)
    client = monde.client("anonyme")
    client.force_login(elu)

    accueil = client.get(reverse("pages:accueil"))
    portail = client.get(reverse("convocations:portail"))

    assert accueil.status_code == 200
    assert f'href="{reverse("convocations:portail")}">Espace élu' in texte(accueil)
    assert f'href="{reverse("pages:accueil")}">Espace agent' in texte(portail)


def test_une_personne_sans_mandat_n_a_pas_d_espace_elu(monde):
    client = monde.client("sans_role")
    assert client.get(reverse("convocations:portail")).status_code == 403
    assert client.get(reverse("pages:accueil")).status_code == 200  # « sans accès », pas le portail


def test_l_espace_elu_demande_une_connexion(monde):
    reponse = monde.client("anonyme").get(reverse("convocations:portail"))
    assert reponse.status_code == 302
    assert reponse["Location"].startswith(reverse("login"))


# --- Portail ---------------------------------------------------------------------------------


def test_le_portail_liste_les_seances_de_tous_les_mandats_a_venir_d_abord(monde, elu):
    MandatFactory(collectivite=monde.autre, utilisateur=elu)
    _lue(elu, monde.collectivite, monde.autre)
    proche = _convocation(elu, monde.collectivite, jours=3, titre="Conseil proche")
    lointaine = _convocation(elu, monde.autre, jours=30, titre="Conseil communautaire")
    passee = _convocation(elu, monde.collectivite, jours=-20, titre="Conseil passé")
    _convocation(elu, monde.collectivite, jours=5, etat=EtatSeance.BROUILLON, titre="Brouillon")
    client = monde.client("anonyme")
    client.force_login(elu)

    contenu = texte(client.get(reverse("convocations:portail")))

    assert contenu.index("Conseil proche") < contenu.index("Conseil communautaire")
    assert contenu.index("Conseil communautaire") < contenu.index("Conseil passé")
    assert "Autre-Ville" in contenu
    assert "Brouillon" not in contenu
    for destinataire in (proche, lointaine, passee):
        assert reverse("convocations:portail_note", args=[destinataire.pk]) in contenu


def test_un_elu_ne_voit_jamais_les_convocations_d_un_autre(monde, elu):
    _lue(elu, monde.collectivite)
    autre_elu = MandatFactory(collectivite=monde.autre).utilisateur
    etrangere = _convocation(autre_elu, monde.autre, titre="Séance d'un autre")
    voisine = _convocation(
        MandatFactory(collectivite=monde.collectivite).utilisateur,
        monde.collectivite,
        titre="Séance de la voisine",
    )
    client = monde.client("anonyme")
    client.force_login(elu)

    contenu = texte(client.get(reverse("convocations:portail")))

    assert "Séance d'un autre" not in contenu
    assert "Séance de la voisine" not in contenu
    for destinataire in (etrangere, voisine):
        url = reverse("convocations:portail_note", args=[destinataire.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"texte": "Bonjour"}).status_code == 404
    assert not NoteElu.objects.exists()


def test_sans_page_de_reponse_installee_le_titre_n_est_pas_un_lien(monde, elu):
    _lue(elu, monde.collectivite)
    destinataire = _convocation(elu, monde.collectivite, titre="Conseil de décembre")
    client = monde.client("anonyme")
    client.force_login(elu)

    contenu = texte(client.get(reverse("convocations:portail")))

    try:
        url = reverse("convocations:reponse_portail", args=[destinataire.pk])
    except NoReverseMatch:
        assert '<h3 class="carte__titre">Conseil de décembre</h3>' in contenu
    else:
        assert f'href="{url}"' in contenu


# --- Notice RGPD -----------------------------------------------------------------------------


def test_la_notice_est_montree_a_la_premiere_connexion_et_sa_lecture_datee(monde, elu):
    client = monde.client("anonyme")
    client.force_login(elu)

    reponse = client.get(reverse("convocations:portail"))
    assert reponse["Location"] == reverse("convocations:portail_notice")
    page = texte(client.get(reverse("convocations:portail_notice")))
    assert "Saint-Test afin de procéder aux traitements suivants" in page
    assert "délégué à la protection des données" in page.lower()

    sans_case = client.post(reverse("convocations:portail_notice"), {"actualites": "on"})
    assert sans_case.status_code == 400
    assert "Cochez la case" in texte(sans_case)
    assert not AccuseNotice.objects.exists()

    reponse = client.post(reverse("convocations:portail_notice"), {"lu": "on", "actualites": "on"})

    assert reponse["Location"] == reverse("convocations:portail")
    accuse = AccuseNotice.objects.get(utilisateur=elu)
    assert accuse.lu_le is not None and accuse.collectivite == monde.collectivite
    assert accuse.actualites and not accuse.evenements
    assert EntreeJournal.objects.filter(action="convocations_notice_rgpd_lue").exists()
    assert client.get(reverse("convocations:portail")).status_code == 200


def test_une_nouvelle_collectivite_presente_sa_notice(monde, elu):
    _lue(elu, monde.collectivite)
    MandatFactory(collectivite=monde.autre, utilisateur=elu)
    client = monde.client("anonyme")
    client.force_login(elu)

    assert client.get(reverse("convocations:portail")).status_code == 302
    assert "Autre-Ville" in texte(client.get(reverse("convocations:portail_notice")))


def test_les_consentements_se_retirent_a_tout_moment(monde, elu):
    notice_accuser(
        utilisateur=elu, collectivite=monde.collectivite, actualites=True, evenements=True
    )
    accuse = AccuseNotice.objects.get()
    client = monde.client("anonyme")
    client.force_login(elu)
    prefixe = f"c{accuse.pk}"

    page = texte(client.get(reverse("convocations:portail_donnees")))
    reponse = client.post(
        reverse("convocations:portail_donnees"),
        {"accuse": accuse.pk, f"{prefixe}-actualites": "on"},
    )

    assert "Notice lue le" in page
    assert reponse.status_code == 302
    accuse.refresh_from_db()
    assert accuse.actualites and not accuse.evenements
    entree = EntreeJournal.objects.get(action="convocations_elu_consentements")
    assert entree.details == {"actualites": True, "evenements": False}


def test_un_elu_ne_modifie_pas_les_consentements_d_un_autre(monde, elu):
    autre = MandatFactory(collectivite=monde.collectivite).utilisateur
    notice_accuser(
        utilisateur=autre, collectivite=monde.collectivite, actualites=True, evenements=True
    )
    _lue(elu, monde.collectivite)
    accuse_autre = AccuseNotice.objects.get(utilisateur=autre)
    client = monde.client("anonyme")
    client.force_login(elu)

    reponse = client.post(reverse("convocations:portail_donnees"), {"accuse": accuse_autre.pk})

    assert reponse.status_code == 404
    accuse_autre.refresh_from_db()
    assert accuse_autre.actualites and accuse_autre.evenements


# --- Récapitulatif, note, manifeste ------------------------------------------------------------


def test_le_recapitulatif_donne_identifiant_et_adresse_jamais_le_mot_de_passe(monde, elu):
    client = monde.client("anonyme")
    client.force_login(elu)

    contenu = texte(client.get(reverse("convocations:portail_recapitulatif")))

    assert elu.username in contenu
    assert "http://testserver/elu/" in contenu
    assert elu.password not in contenu
    assert "mot-de-passe-solide-42" not in contenu
    assert "Conseil municipal" in contenu


def test_l_elu_envoie_une_note_au_compte_de_la_collectivite(monde, elu):
    _lue(elu, monde.collectivite)
    compte = ContactFactory(
        collectivite=monde.collectivite, email="secretariat@saint-test.fr", compte_collectivite=True
    )
    destinataire = _convocation(elu, monde.collectivite, titre="Conseil de janvier")
    DestinataireFactory(
        seance=destinataire.seance, contact=compte, email=compte.email, membre=False
    )
    client = monde.client("anonyme")
    client.force_login(elu)
    url = reverse("convocations:portail_note", args=[destinataire.pk])

    vide = client.post(url, {"texte": "  "})
    reponse = client.post(url, {"texte": "Je serai en retard d'un quart d'heure."})

    assert vide.status_code == 400
    assert reponse.status_code == 302
    note = NoteElu.objects.get()
    assert note.contact == compte and note.seance == destinataire.seance
    courriel = CourrielElu.objects.get()
    assert courriel.email == "secretariat@saint-test.fr"
    message = courriel_preparer(courriel)
    assert message.destinataires == ["secretariat@saint-test.fr"]
    assert list(message.reply_to) == [elu.email]
    assert "Je serai en retard" in message.texte and "Conseil de janvier" in message.sujet
    entree = EntreeJournal.objects.get(action="convocations_elu_note_envoyee")
    assert entree.sujet_id == str(destinataire.seance.pk)


def test_sans_compte_de_la_collectivite_la_note_est_refusee_en_francais(monde, elu):
    _lue(elu, monde.collectivite)
    destinataire = _convocation(elu, monde.collectivite)
    client = monde.client("anonyme")
    client.force_login(elu)

    reponse = client.post(
        reverse("convocations:portail_note", args=[destinataire.pk]), {"texte": "Bonjour"}
    )

    assert reponse.status_code == 400
    assert "pas de compte pour recevoir les notes" in texte(reponse)


def test_le_manifeste_permet_d_installer_l_espace_elu(client, db):
    reponse = client.get(reverse("convocations:portail_manifest"))

    assert reponse["Content-Type"] == "application/manifest+json"
    manifeste = json.loads(reponse.content)
    assert manifeste["start_url"] == reverse("convocations:portail")
    assert manifeste["display"] == "standalone"
    tailles = {i["sizes"] for i in manifeste["icons"]}
    assert {"192x192", "512x512"} <= tailles
    for icone in manifeste["icons"]:
        chemin = icone["src"].removeprefix(settings.STATIC_URL)
        assert finders.find(chemin), chemin
        assert Path(finders.find(chemin)).read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("nom", ["convocations:portail", "convocations:portail_recapitulatif"])
def test_les_pages_de_l_elu_annoncent_le_manifeste_sans_fenetre_surgissante(monde, elu, nom):
    _lue(elu, monde.collectivite)
    client = monde.client("anonyme")
    client.force_login(elu)

    contenu = texte(client.get(reverse(nom)))

    assert f'rel="manifest" href="{reverse("convocations:portail_manifest")}"' in contenu
    assert "window.open" not in contenu and "alert(" not in contenu


def test_le_portail_a_un_nombre_constant_de_requetes(monde, elu):
    _lue(elu, monde.collectivite)
    client = monde.client("anonyme")
    client.force_login(elu)
    client.get(reverse("convocations:portail"))  # la session retient ses espaces

    def requetes(nombre: int) -> int:
        for _ in range(nombre):
            _convocation(elu, monde.collectivite)
        with CaptureQueriesContext(connection) as capture:
            assert client.get(reverse("convocations:portail")).status_code == 200
        return len(capture.captured_queries)

    assert requetes(5) == requetes(45)

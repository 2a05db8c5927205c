"""Côté agent : date de naissance, lien d'activation (un élu, tous les jamais activés), notice."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from convocations.elus.models import NoticeRgpd
from convocations.elus.selectors import elus_jamais_actives, notice_de
from core.journal.models import EntreeJournal
from core.liens.models import LienSecurise
from core.liens.services import activation_preparer
from core.mail.models import EnvoiActivation
from tests.convocations.elus.conftest import NAISSANCE, nouvel_elu, texte
from tests.convocations.factories import ContactFactory
from tests.factories import UtilisateurFactory


def test_l_agent_enregistre_la_date_de_naissance_sans_la_journaliser(monde, contact_elu):
    contact_elu.utilisateur.date_naissance = None
    contact_elu.utilisateur.save()
    client = monde.client("secretariat")
    url = reverse("convocations:elu_naissance", args=[contact_elu.pk])

    erreur = client.post(url, {"date_naissance": "31/02/1970"})
    futur = client.post(url, {"date_naissance": "01/01/2099"})
    reponse = client.post(url, {"date_naissance": "12/05/1970"})

    assert erreur.status_code == 400
    assert futur.status_code == 400
    assert "pas plausible" in texte(futur)
    assert reponse.status_code == 302
    contact_elu.utilisateur.refresh_from_db()
    assert contact_elu.utilisateur.date_naissance == NAISSANCE
    entree = EntreeJournal.objects.get(action="convocations_elu_naissance_enregistree")
    assert entree.sujet_id == str(contact_elu.pk)
    assert "1970" not in str(entree.details)


def test_un_contact_sans_mandat_n_a_pas_de_page_d_acces(monde):
    contact = ContactFactory(collectivite=monde.collectivite)
    client = monde.client("secretariat")
    assert client.get(reverse("convocations:elu_naissance", args=[contact.pk])).status_code == 404
    assert client.post(reverse("convocations:elu_activation", args=[contact.pk])).status_code == 404


def test_envoyer_le_lien_d_activation_depuis_la_fiche(monde, contact_elu):
    reponse = monde.client("secretariat").post(
        reverse("convocations:elu_activation", args=[contact_elu.pk]), follow=True
    )

    assert "Lien d'activation envoyé à 1\u00a0élu." in texte(reponse)
    envoi = EnvoiActivation.objects.get()
    assert envoi.utilisateur == contact_elu.utilisateur
    assert envoi.collectivite == monde.collectivite
    assert EntreeJournal.objects.filter(
        action="convocations_elu_activation_envoyee", sujet_id=str(contact_elu.pk)
    ).exists()
    # Le lien, créé dans la tâche, exige la date de naissance de l'élu.
    message = activation_preparer(envoi)
    assert message.destinataires == [contact_elu.utilisateur.email]
    lien = LienSecurise.objects.get(objectif="activation")
    assert lien.date_naissance_attendue == NAISSANCE


def test_sans_date_de_naissance_aucun_lien_ne_part(monde, contact_elu):
    contact_elu.utilisateur.date_naissance = None
    contact_elu.utilisateur.save()

    reponse = monde.client("secretariat").post(
        reverse("convocations:elu_activation", args=[contact_elu.pk]), follow=True
    )

    assert "Sans date de naissance enregistrée" in texte(reponse)
    assert not EnvoiActivation.objects.exists()


def test_envoyer_les_liens_aux_seuls_elus_jamais_actives(monde):
    jamais = nouvel_elu(monde, username="jamais").utilisateur
    actif = nouvel_elu(monde, username="actif", actif=True).utilisateur
    sans_date = nouvel_elu(monde, username="sans.date").utilisateur
    sans_date.date_naissance = None
    sans_date.save()
    termine = nouvel_elu(monde, username="termine").utilisateur
    termine.mandats.update(fin=date(2026, 3, 30))
    ailleurs = nouvel_elu(monde, username="ailleurs").utilisateur
    ailleurs.mandats.update(collectivite=monde.autre)

    assert set(elus_jamais_actives(monde.collectivite)) == {jamais, sans_date}
    reponse = monde.client("secretariat").post(reverse("convocations:elus_acces"), follow=True)

    assert {e.utilisateur for e in EnvoiActivation.objects.all()} == {jamais}
    contenu = texte(reponse)
    assert "Lien d'activation envoyé à 1\u00a0élu." in contenu
    assert str(sans_date) in contenu
    assert actif not in elus_jamais_actives(monde.collectivite)


def test_la_page_d_acces_montre_l_etat_de_chaque_elu(monde, contact_elu, elu):
    contenu = texte(monde.client("lecture").get(reverse("convocations:elus_acces")))
    assert "Pas encore activé" in contenu
    assert "Accès activé" in contenu
    assert "Envoyer les liens d'activation" not in contenu


def test_l_administrateur_modifie_la_notice_rgpd(monde):
    client = monde.client("administrateur")
    page = client.get(reverse("convocations:notice_rgpd"))
    assert "Saint-Test afin de procéder aux traitements suivants" in texte(page)

    vide = client.post(reverse("convocations:notice_rgpd"), {"texte": "", "adresse_dpd": ""})
    reponse = client.post(
        reverse("convocations:notice_rgpd"),
        {"texte": "Notre notice.", "adresse_dpd": "dpd@saint-test.fr"},
    )

    assert vide.status_code == 400
    assert "Indiquez l'adresse du DPD." in texte(vide)
    assert reponse.status_code == 302
    assert NoticeRgpd.objects.get().adresse_dpd == "dpd@saint-test.fr"
    assert notice_de(monde.collectivite).texte == "Notre notice."
    assert notice_de(monde.autre).texte.startswith("Les données personnelles")
    assert EntreeJournal.objects.filter(action="convocations_notice_rgpd_modifiee").exists()


def test_la_fiche_du_contact_propose_l_acces_elu(monde, contact_elu):
    contenu = texte(
        monde.client("secretariat").get(reverse("convocations:contact", args=[contact_elu.pk]))
    )
    assert "Envoyer le lien d'activation" in contenu
    assert reverse("convocations:elu_naissance", args=[contact_elu.pk]) in contenu


@pytest.mark.parametrize("modele", ["noticergpd", "accusenotice", "courrielelu"])
def test_les_listes_admin_de_l_acces_des_elus_repondent(monde, client, modele):
    client.force_login(UtilisateurFactory(username="super", is_staff=True, is_superuser=True))
    assert client.get(reverse(f"admin:convocations_{modele}_changelist")).status_code == 200

"""Pages des séances : liste (filtres, requêtes constantes, relance), création, préparation
(garde du délai, aperçu du message), documents, classement."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from convocations.models import EtatSeance, NatureDocument, Seance
from convocations.seances.services import document_ajouter
from core.comptes.models import TypeRole
from core.delais.models import Delai
from core.journal.models import EntreeJournal
from tests.convocations.factories import DestinataireFactory, SeanceFactory

pytestmark = pytest.mark.django_db
A, S, L = TypeRole.ADMINISTRATEUR, TypeRole.SECRETARIAT, TypeRole.LECTURE
PDF = b"%PDF-1.4\n%%EOF\n"


def _formulaire(**kwargs):
    donnees = {
        "type": "conseil_municipal",
        "titre": "Conseil de printemps",
        "jour": "20/03/2027",
        "heure": "18 h 30",
        "lieu": "Salle du conseil",
    }
    donnees.update(kwargs)
    return donnees


def test_creer_une_seance(monde):
    reponse = monde.client(S).post(reverse("convocations:seance_creer"), _formulaire())
    seance = Seance.objects.get()
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("convocations:seance", args=[seance.pk])
    assert seance.collectivite == monde.collectivite
    assert timezone.localtime(seance.date).strftime("%d/%m/%Y %H:%M") == "20/03/2027 18:30"


def test_creer_refuse_une_saisie_invalide_en_francais(monde):
    reponse = monde.client(S).post(
        reverse("convocations:seance_creer"),
        _formulaire(heure="25 h", urgence="on", copie="pas-une-adresse"),
    )
    assert reponse.status_code == 400
    contenu = reponse.content.decode()
    assert "Saisissez une heure comme 18 h 30." in contenu
    assert not Seance.objects.exists()


def test_erreurs_du_service_reviennent_au_bon_champ(monde):
    reponse = monde.client(S).post(
        reverse("convocations:seance_creer"),
        _formulaire(urgence="on", copie="pas-une-adresse", corps_message="{inconnue}"),
    )
    assert reponse.status_code == 400
    contenu = reponse.content.decode()
    assert "Justifiez l&#x27;urgence." in contenu
    assert "« pas-une-adresse » n&#x27;est pas une adresse électronique valide." in contenu
    assert "Variable inconnue : {inconnue}" in contenu


def test_preparation_montre_le_dernier_jour_legal_et_la_garde(monde):
    seance = SeanceFactory(
        collectivite=monde.collectivite, date=timezone.now() + datetime.timedelta(days=2)
    )
    reponse = monde.client(L).get(reverse("convocations:seance", args=[seance.pk]))
    contenu = reponse.content.decode()
    assert reponse.status_code == 200
    dernier = timezone.localdate(seance.date) - datetime.timedelta(days=4)
    assert f"Dernier jour d'envoi : <strong>{dernier:%d/%m/%Y}</strong>" in contenu
    assert "Envoi impossible pour l'instant." in contenu
    assert "déclarez l&#x27;urgence" in contenu
    assert 'aria-current="page"' in contenu and "Préparation" in contenu
    # La lecture seule ne voit aucun bouton d'écriture.
    assert reverse("convocations:seance_modifier", args=[seance.pk]) not in contenu


def test_apercu_du_message_avec_le_premier_destinataire(monde):
    seance = SeanceFactory(collectivite=monde.collectivite, corps_message="Bonjour {nom} !")
    DestinataireFactory(seance=seance, nom="Anne DURAND")
    contenu = monde.client(S).get(reverse("convocations:seance", args=[seance.pk])).content
    assert "Bonjour Anne DURAND !" in contenu.decode()


def test_la_liste_fait_autant_de_requetes_pour_5_ou_50_seances(monde):
    client = monde.client(A)
    for _ in range(5):
        DestinataireFactory(seance=SeanceFactory(collectivite=monde.collectivite))
    with CaptureQueriesContext(connection) as cinq:
        client.get(reverse("convocations:seances"))
    for _ in range(45):
        DestinataireFactory(
            seance=SeanceFactory(collectivite=monde.collectivite, etat=EtatSeance.ENVOYEE)
        )
    with CaptureQueriesContext(connection) as cinquante:
        reponse = client.get(reverse("convocations:seances"))
    assert len(cinquante) == len(cinq)
    assert "50 résultats" in reponse.content.decode()


def test_la_liste_filtre_par_etat_et_cherche(monde):
    SeanceFactory(collectivite=monde.collectivite, titre="Budget", etat=EtatSeance.ENVOYEE)
    SeanceFactory(collectivite=monde.collectivite, titre="Voirie")
    SeanceFactory(titre="Budget ailleurs")
    client = monde.client(L)
    contenu = client.get(reverse("convocations:seances"), {"etat": "envoyee"}).content.decode()
    assert "Budget" in contenu and "Voirie" not in contenu and "ailleurs" not in contenu
    contenu = client.get(reverse("convocations:seances"), {"q": "voir"}).content.decode()
    assert "Voirie" in contenu and "Budget" not in contenu
    # Un filtre inconnu est ignoré, jamais une erreur.
    assert client.get(reverse("convocations:seances"), {"etat": "x"}).status_code == 200


def test_relance_des_non_lus_pour_qui_peut_envoyer(monde):
    seance = SeanceFactory(collectivite=monde.collectivite, etat=EtatSeance.ENVOYEE)
    DestinataireFactory(seance=seance, nombre_envois=1)
    lue = SeanceFactory(collectivite=monde.collectivite, etat=EtatSeance.RECUE)
    DestinataireFactory(seance=lue, nombre_envois=1, lu_le=timezone.now())
    client = monde.client(S)
    contenu = client.get(reverse("convocations:seances")).content.decode()
    relancer = reverse("convocations:seance_relancer", args=[seance.pk])
    assert f'action="{relancer}"' in contenu
    assert contenu.count("Relancer les non-lus") == 1  # pas pour la séance toute lue
    # La lecture seule n'a pas le droit d'envoyer : pas de bouton.
    assert (
        "Relancer les non-lus"
        not in monde.client(L).get(reverse("convocations:seances")).content.decode()
    )


def test_notifier_a_nouveau_apres_le_proces_verbal(monde):
    seance = SeanceFactory(
        collectivite=monde.collectivite,
        date=timezone.now() - datetime.timedelta(days=1),
        etat=EtatSeance.RECUE,
    )
    client = monde.client(S)
    url = reverse("convocations:seance", args=[seance.pk])
    assert "Notifier à nouveau" not in client.get(url).content.decode()
    document_ajouter(
        seance=seance,
        par=monde.personnes[S],
        nature=NatureDocument.PROCES_VERBAL,
        titre="",
        fichier=SimpleUploadedFile("pv.pdf", PDF),
    )
    contenu = client.get(url).content.decode()
    notifier = reverse("convocations:seance_notifier", args=[seance.pk])
    assert f'action="{notifier}"' in contenu


def test_document_joint_puis_telecharge_sans_interpretation(monde):
    seance = SeanceFactory(collectivite=monde.collectivite)
    client = monde.client(S)
    reponse = client.post(
        reverse("convocations:seance_document_ajouter", args=[seance.pk]),
        {"nature": "annexe", "titre": "Plan", "fichier": SimpleUploadedFile("plan.pdf", PDF)},
    )
    assert reponse.status_code == 302
    document = seance.documents.get()
    reponse = client.get(reverse("convocations:seance_document", args=[seance.pk, document.pk]))
    assert reponse["Content-Type"] == "application/pdf"
    assert reponse["X-Content-Type-Options"] == "nosniff"
    assert reponse["Content-Disposition"].startswith("attachment")
    assert b"".join(reponse.streaming_content) == PDF


def test_document_refuse_revient_au_formulaire(monde):
    seance = SeanceFactory(collectivite=monde.collectivite)
    reponse = monde.client(S).post(
        reverse("convocations:seance_document_ajouter", args=[seance.pk]),
        {"nature": "annexe", "fichier": SimpleUploadedFile("x.pdf", b"MZ\x90\x00")},
    )
    assert reponse.status_code == 400
    assert "n&#x27;est pas d&#x27;un format accepté" in reponse.content.decode()


def test_document_d_une_autre_seance_introuvable(monde):
    seance = SeanceFactory(collectivite=monde.collectivite)
    autre = SeanceFactory(collectivite=monde.collectivite)
    document = document_ajouter(
        seance=autre,
        par=monde.personnes[S],
        nature=NatureDocument.ANNEXE,
        titre="",
        fichier=SimpleUploadedFile("a.pdf", PDF),
    )
    url = reverse("convocations:seance_document", args=[seance.pk, document.pk])
    assert monde.client(S).get(url).status_code == 404


def test_destinataires_ajoutes_par_adresse(monde):
    seance = SeanceFactory(collectivite=monde.collectivite)
    client = monde.client(S)
    url = reverse("convocations:seance_destinataires", args=[seance.pk])
    reponse = client.post(url, {"adresses": "a@exemple.fr\nb@exemple.fr"}, follow=True)
    assert "2\u00a0destinataires ajoutés." in reponse.content.decode()
    reponse = client.post(url, {"adresses": "pas une adresse"})
    assert reponse.status_code == 400
    assert "n&#x27;est pas une adresse électronique valide" in reponse.content.decode()
    reponse = client.post(url, {})
    assert "Choisissez un groupe, un contact ou tapez une adresse." in reponse.content.decode()


def test_classer_puis_plus_rien_ne_se_modifie(monde):
    seance = SeanceFactory(
        collectivite=monde.collectivite, date=timezone.now() - datetime.timedelta(days=1)
    )
    client = monde.client(S)
    reponse = client.post(reverse("convocations:seance_classer", args=[seance.pk]), follow=True)
    assert "classée : elle ne se modifie plus" in reponse.content.decode()
    seance.refresh_from_db()
    assert seance.etat == EtatSeance.CLASSEE
    reponse = client.get(reverse("convocations:seance_modifier", args=[seance.pk]))
    assert reponse.status_code == 302
    reponse = client.post(
        reverse("convocations:seance_point_ajouter", args=[seance.pk]), {"titre": "Tard"}
    )
    assert reponse.status_code == 400
    assert not seance.points.exists()
    assert EntreeJournal.objects.filter(action="convocations_seance_classee").count() == 1


def test_lettre_de_convocation_produite_et_jointe(monde, django_capture_on_commit_callbacks):
    seance = SeanceFactory(
        collectivite=monde.collectivite,
        urgence=True,
        urgence_justification="Vote du budget avant le 15 avril.",
    )
    with django_capture_on_commit_callbacks(execute=True):
        reponse = monde.client(S).post(reverse("convocations:seance_lettre", args=[seance.pk]))
    assert reponse.status_code == 302
    document = seance.documents.get(nature=NatureDocument.CONVOCATION)
    with document.fichier.open("rb") as fichier:
        assert fichier.read(5) == b"%PDF-"
    assert document.version == 1
    assert EntreeJournal.objects.filter(action="convocations_lettre_generee").exists()


def test_lettre_imprime_la_justification_de_l_urgence(monde):
    seance = SeanceFactory(
        collectivite=monde.collectivite, urgence=True, urgence_justification="Crue de la Loire."
    )
    html = render_to_string(
        "convocations/seances/pdf/lettre.html",
        {"collectivite": monde.collectivite, "seance": seance, "points": []},
    )
    assert "Convocation en urgence" in html and "Crue de la Loire." in html


def test_deux_agents_modifient_la_meme_seance_le_second_est_refuse(monde):
    seance = SeanceFactory(collectivite=monde.collectivite, titre="Avant")
    url = reverse("convocations:seance_modifier", args=[seance.pk])
    premier, second = monde.client(A), monde.client(S)
    version = premier.get(url).context["form"].initial["version"]
    assert second.get(url).context["form"].initial["version"] == version
    assert premier.post(url, _formulaire(titre="Premier", version=version)).status_code == 302
    reponse = second.post(url, _formulaire(titre="Second", version=version))
    assert reponse.status_code == 400
    assert "Quelqu&#x27;un a modifié cette séance" in reponse.content.decode()
    seance.refresh_from_db()
    assert seance.titre == "Premier"


def test_entree_de_navigation_seances_pour_les_roles_des_convocations(monde):
    lien = f'href="{reverse("convocations:seances")}"'
    assert lien in monde.client(L).get(reverse("pages:accueil")).content.decode()
    assert (
        lien
        not in monde.client(TypeRole.AGENT_ELECTIONS).get(reverse("pages:accueil")).content.decode()
    )


def test_sans_delais_nationaux_la_preparation_s_affiche_et_explique(monde):
    """Une plateforme dont les délais nationaux manquent ne répond pas 500 : la page dit
    pourquoi l'envoi est refusé."""
    Delai.objects.filter(collectivite=None).delete()
    seance = SeanceFactory(collectivite=monde.collectivite)

    reponse = monde.client(S).get(reverse("convocations:seance", args=[seance.pk]))

    assert reponse.status_code == 200
    assert "Aucun délai" in reponse.content.decode()

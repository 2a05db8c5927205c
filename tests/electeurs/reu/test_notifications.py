"""Boîte des notifications du REU : saisie, import, rapprochement, traitement, pages."""

from __future__ import annotations

import datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.comptes.models import TypeRole
from core.documents.csv import ErreurCsv
from core.journal.models import EntreeJournal
from core.journal.services import journal_chronologie
from core.mail.models import CompteSMTP
from core.registry import registre
from electeurs.reu.models import EtatNotificationREU, NotificationREU, SourceNotificationREU
from electeurs.reu.rapprochement import html_en_texte, ine_trouve, type_devine
from electeurs.reu.selectors import notifications_a_traiter_compter, notifications_reu_de
from electeurs.reu.services import (
    notification_depuis_courriel,
    notification_lier,
    notification_rouvrir,
    notification_saisir,
    notification_traiter,
    notifications_importer,
)
from tests.electeurs.factories import ElecteurFactory, NotificationREUFactory

A, E, S, L = (
    TypeRole.ADMINISTRATEUR,
    TypeRole.AGENT_ELECTIONS,
    TypeRole.SECRETARIAT,
    TypeRole.LECTURE,
)
ECHANTILLON = (
    Path(__file__).resolve().parents[2] / "fixtures" / "electeurs" / "notifications_reu.csv"
)
pytestmark = pytest.mark.django_db


# --- Rapprochement --------------------------------------------------------------------------


def test_l_ine_nomme_passe_avant_un_nombre_nu_et_un_telephone_n_est_pas_un_ine():
    assert ine_trouve("Tél. 0612345678, INE : 123456789") == "123456789"
    assert ine_trouve("Électeur 2345678901 radié") == "2345678901"
    assert ine_trouve("Appelez le 0612345678 ou le 02 51 00 00 00") == ""
    assert ine_trouve("Né le 04/07/1953 à 85194") == ""


def test_le_type_est_devine_d_apres_les_mots_du_texte():
    assert type_devine("Radiation pour cause de DÉCÈS") == "radiation_deces"
    assert type_devine("Demande d'inscription déposée sur service-public.fr") == (
        "demande_en_ligne"
    )
    assert type_devine("Inscription d'office suite à naturalisation") == (
        "inscription_office_naturalise"
    )
    assert type_devine("Bonjour") == "autre"


def test_le_html_est_depouille_sans_script_ni_style():
    texte = html_en_texte(
        "<html><head><style>p{color:red}</style></head><body><p>Radiation&nbsp;de "
        "<b>DUPRÉ</b></p><script>alert('x')</script><p>INE 123456789</p></body></html>"
    )
    assert texte == "Radiation de DUPRÉ\nINE 123456789"


def test_la_saisie_rattache_par_ine(monde, administrateur):
    electeur = ElecteurFactory(collectivite=monde.collectivite, ine="123456789")
    ElecteurFactory(collectivite=monde.autre, ine="987654321")

    notification = notification_saisir(
        collectivite=monde.collectivite,
        type="radiation_deces",
        recue_le=datetime.date(2026, 11, 20),
        texte="Radiation pour décès de l'électeur INE 123456789.",
        par=administrateur,
    )

    assert notification.electeur == electeur
    assert notification.ine == "123456789"
    entree = EntreeJournal.objects.get(action="electeurs_notification_reu_recue")
    assert entree.sujet_id == str(electeur.pk)
    assert list(journal_chronologie(sujet=electeur)) == [entree]


def test_la_saisie_rattache_par_noms_et_date_de_naissance_mais_pas_un_homonyme(
    monde, administrateur
):
    electeur = ElecteurFactory(
        collectivite=monde.collectivite, nom_naissance="DUPRÉ", prenoms="Hélène Marie"
    )
    # Même nom dans une autre commune : jamais rattaché.
    ElecteurFactory(collectivite=monde.autre, nom_naissance="DUPRÉ", prenoms="Hélène Marie")

    notification = notification_saisir(
        collectivite=monde.collectivite,
        type="autre",
        recue_le=datetime.date(2026, 11, 20),
        texte="Mme Dupre Helene, née le 04/07/1953 à Les Sables-d'Olonne.",
        par=administrateur,
    )
    assert notification.electeur == electeur

    # Un homonyme (mêmes noms et date, autre lieu) : ambigu, l'agent choisit.
    ElecteurFactory(
        collectivite=monde.collectivite,
        nom_naissance="DUPRE",
        prenoms="Hélène",
        commune_naissance_code="75056",
    )
    ambigue = notification_saisir(
        collectivite=monde.collectivite,
        type="autre",
        recue_le=datetime.date(2026, 11, 20),
        texte="Mme DUPRÉ Hélène, née le 04/07/1953.",
        par=administrateur,
    )
    assert ambigue.electeur is None


def test_traiter_puis_rouvrir_journalise_avec_l_electeur_pour_sujet(monde, administrateur):
    electeur = ElecteurFactory(collectivite=monde.collectivite)
    notification = NotificationREUFactory(collectivite=monde.collectivite, electeur=electeur)

    notification_traiter(notification=notification, par=administrateur)
    notification.refresh_from_db()
    assert notification.etat == EtatNotificationREU.TRAITEE
    assert notification.traitee_par == administrateur
    assert notification.traitee_le is not None
    with pytest.raises(ValidationError, match="déjà traitée"):
        notification_traiter(notification=notification, par=administrateur)

    notification_rouvrir(notification=notification, par=administrateur)
    notification.refresh_from_db()
    assert (notification.etat, notification.traitee_par, notification.traitee_le) == (
        EtatNotificationREU.A_TRAITER,
        None,
        None,
    )
    actions = [e.action for e in journal_chronologie(sujet=electeur)]
    assert actions == [
        "electeurs_notification_reu_rouverte",
        "electeurs_notification_reu_traitee",
    ]


def test_on_ne_lie_pas_un_electeur_d_une_autre_commune(monde, administrateur):
    notification = NotificationREUFactory(collectivite=monde.collectivite)
    etranger = ElecteurFactory(collectivite=monde.autre)
    with pytest.raises(ValidationError):
        notification_lier(notification=notification, electeur=etranger, par=administrateur)
    notification.refresh_from_db()
    assert notification.electeur is None


# --- Import du fichier ELIRE ----------------------------------------------------------------


def test_l_echantillon_livre_s_importe_et_rattache(monde, administrateur):
    electeur = ElecteurFactory(
        collectivite=monde.collectivite, nom_naissance="MARTIN", prenoms="Paul", ine=""
    )
    electeur.naissance_jour, electeur.naissance_mois, electeur.naissance_annee = 12, 3, 2008
    electeur.save()
    avec_ine = ElecteurFactory(collectivite=monde.collectivite, ine="123456789")

    resultat = notifications_importer(
        collectivite=monde.collectivite, fichier=ECHANTILLON.read_bytes(), par=administrateur
    )

    creees = NotificationREU.objects.pour(monde.collectivite).order_by("pk")
    assert len(resultat.creees) == creees.count() == 4
    assert {n.source for n in creees} == {SourceNotificationREU.FICHIER}
    assert [n.type for n in creees] == [
        "inscription_office_jeune",
        "radiation_deces",
        "demande_en_ligne",
        "correction_insee",
    ]
    assert creees[0].electeur == electeur
    assert creees[1].electeur == avec_ine
    assert creees[0].recue_le == datetime.date(2026, 11, 18)
    assert EntreeJournal.objects.filter(action="electeurs_notification_reu_recue").count() == 4


@pytest.mark.parametrize(
    ("contenu", "attendu"),
    [
        (b"", "vide"),
        (b"type;texte\nautre;x\n", "Colonne obligatoire absente : \u00ab date"),
        (
            "type;date;texte\nRadiation pour décès;20/11/2026;ok\nMystère;20/11/2026;x\n".encode(),
            "Ligne 3, colonne « type » : type inconnu « Mystère »",
        ),
        (
            b"type;date;texte\nautre;31/02/2026;x\n",
            "Ligne 2, colonne « date »",
        ),
        (b"type;date\n", "aucune notification"),
    ],
)
def test_un_fichier_fautif_n_ecrit_rien_et_dit_ou(monde, administrateur, contenu, attendu):
    with pytest.raises(ErreurCsv, match=attendu.replace("(", r"\(")):
        notifications_importer(collectivite=monde.collectivite, fichier=contenu, par=administrateur)
    assert not NotificationREU.objects.exists()
    assert not EntreeJournal.objects.filter(action__startswith="electeurs_").exists()


def test_la_page_d_import_montre_l_erreur_sans_500(monde):
    client = monde.client(E)
    reponse = client.post(
        reverse("electeurs:reu_importer"),
        {"fichier": _fichier(b"type;date\nautre;99/99/2026\n")},
    )
    assert reponse.status_code == 400
    assert "Ligne 2, colonne « date »" in reponse.content.decode()
    assert "Aucune notification n&#x27;a été enregistrée" in reponse.content.decode()
    vide = client.post(reverse("electeurs:reu_importer"), {"fichier": _fichier(b"")})
    assert vide.status_code == 400


def test_la_page_d_import_importe_et_redirige(monde):
    reponse = monde.client(E).post(
        reverse("electeurs:reu_importer"), {"fichier": _fichier(ECHANTILLON.read_bytes())}
    )
    assert reponse.status_code == 302
    assert NotificationREU.objects.pour(monde.collectivite).count() == 4


def _fichier(contenu: bytes):
    return SimpleUploadedFile("notifications.csv", contenu, content_type="text/csv")


# --- Courriel -------------------------------------------------------------------------------


def _courriel(expediteur: str, corps: str, *, html: str = "") -> EmailMessage:
    message = EmailMessage()
    message["From"] = expediteur
    message["To"] = "mairie@saint-test.example"
    message["Subject"] = "ELIRE : nouvelle notification"
    message["Date"] = "Fri, 20 Nov 2026 09:15:00 +0100"
    message["Message-ID"] = "<avis-1@insee.fr>"
    message.set_content(corps)
    if html:
        message.add_alternative(html, subtype="html")
    return message


def _compte(monde, *, agent=None) -> CompteSMTP:
    return CompteSMTP.objects.create(
        collectivite=monde.collectivite,
        utilisateur=agent,
        adresse_expediteur="mairie@saint-test.example",
        hote="127.0.0.1",
    )


def test_le_lecteur_est_inscrit_au_registre():
    assert registre.receptions_courrier["electeurs_reu"].gestionnaire is (
        notification_depuis_courriel
    )


def test_un_avis_de_l_insee_devient_une_notification_une_seule_fois(monde):
    electeur = ElecteurFactory(collectivite=monde.collectivite, ine="1234567890")
    compte = _compte(monde)
    message = _courriel(
        "ELIRE <ne-pas-repondre@elire.insee.fr>",
        "Radiation pour décès de l'électeur INE 1234567890.",
    )

    assert notification_depuis_courriel(compte, message) is True
    assert notification_depuis_courriel(compte, message) is True

    notification = NotificationREU.objects.get()
    assert notification.source == SourceNotificationREU.COURRIEL
    assert notification.type == "radiation_deces"
    assert notification.electeur == electeur
    assert notification.recue_le == datetime.date(2026, 11, 20)
    assert notification.texte.startswith("ELIRE : nouvelle notification")


def test_un_courriel_d_ailleurs_ou_d_un_compte_d_agent_n_est_pas_pris(monde):
    assert not notification_depuis_courriel(
        _compte(monde), _courriel("Voisin <voisin@insee.fr.example.org>", "Bonjour")
    )
    agent = monde.personnes[E]
    assert not notification_depuis_courriel(
        _compte(monde, agent=agent), _courriel("ELIRE <noreply@insee.fr>", "Décès")
    )
    assert not NotificationREU.objects.exists()


# --- Pages ----------------------------------------------------------------------------------


def test_la_liste_filtre_par_etat_et_type_et_ne_montre_que_la_commune(monde):
    NotificationREUFactory(collectivite=monde.collectivite, texte="Décès A")
    NotificationREUFactory(
        collectivite=monde.collectivite,
        type="demande_en_ligne",
        texte="Demande B",
        etat=EtatNotificationREU.TRAITEE,
    )
    NotificationREUFactory(collectivite=monde.autre, texte="Ailleurs")
    client = monde.client(L)

    tout = client.get(reverse("electeurs:reu_liste"))
    assert tout.status_code == 200
    assert len(tout.context["liste"].lignes) == 2
    a_traiter = client.get(reverse("electeurs:reu_liste"), {"etat": "a_traiter"})
    assert [o.texte for o in a_traiter.context["page_obj"].object_list] == ["Décès A"]
    demandes = client.get(reverse("electeurs:reu_liste"), {"type": "demande_en_ligne"})
    assert [o.texte for o in demandes.context["page_obj"].object_list] == ["Demande B"]
    assert "a_traiter" not in a_traiter.content.decode().split("<tbody>")[1]
    # Un filtre inconnu ne casse rien.
    assert client.get(reverse("electeurs:reu_liste"), {"etat": "zzz"}).status_code == 200


def test_la_liste_fait_autant_de_requetes_pour_5_ou_50_notifications(monde):
    client = monde.client(E)
    for _i in range(5):
        NotificationREUFactory(
            collectivite=monde.collectivite,
            electeur=ElecteurFactory(collectivite=monde.collectivite),
        )
    with CaptureQueriesContext(connection) as cinq:
        client.get(reverse("electeurs:reu_liste"))
    for _i in range(45):
        NotificationREUFactory(
            collectivite=monde.collectivite,
            electeur=ElecteurFactory(collectivite=monde.collectivite),
            etat=EtatNotificationREU.TRAITEE,
            traitee_par=monde.personnes[E],
        )
    with CaptureQueriesContext(connection) as cinquante:
        reponse = client.get(reverse("electeurs:reu_liste"))
    assert reponse.context["paginator"].count == 50
    assert len(cinquante) == len(cinq)


def test_la_fiche_marque_traitee_et_le_compteur_baisse(monde):
    electeur = ElecteurFactory(collectivite=monde.collectivite, nom_naissance="DUPRÉ")
    notification = NotificationREUFactory(collectivite=monde.collectivite, electeur=electeur)
    client = monde.client(E)
    assert notifications_a_traiter_compter(monde.collectivite, None) == 1
    accueil = client.get(reverse("pages:accueil")).content.decode()
    assert "Notifications du REU à traiter" in accueil

    fiche = client.get(reverse("electeurs:reu_detail", args=[notification.pk])).content.decode()
    assert "Marquer comme traitée" in fiche
    assert "DUPRÉ" in fiche
    reponse = client.post(reverse("electeurs:reu_traiter", args=[notification.pk]))

    assert reponse.status_code == 302
    notification.refresh_from_db()
    assert notification.etat == EtatNotificationREU.TRAITEE
    assert notifications_a_traiter_compter(monde.collectivite, None) == 0
    fiche = client.get(reverse("electeurs:reu_detail", args=[notification.pk])).content.decode()
    assert "Remettre à traiter" in fiche
    assert "Notification du REU traitée" in fiche
    assert "a_traiter" not in fiche.split("<main")[1].replace('"a_traiter"', "")


def test_la_lecture_seule_ne_voit_pas_les_boutons(monde):
    notification = NotificationREUFactory(collectivite=monde.collectivite)
    fiche = monde.client(L).get(reverse("electeurs:reu_detail", args=[notification.pk]))
    assert fiche.status_code == 200
    assert "Marquer comme traitée" not in fiche.content.decode()


def test_rattacher_a_la_main_depuis_la_fiche(monde):
    notification = NotificationREUFactory(collectivite=monde.collectivite)
    electeur = ElecteurFactory(
        collectivite=monde.collectivite, nom_naissance="DUPRÉ", prenoms="Hélène"
    )
    client = monde.client(E)
    page = client.get(reverse("electeurs:reu_detail", args=[notification.pk]), {"q": "dupre hel"})
    assert list(page.context["candidats"]) == [electeur]

    client.post(reverse("electeurs:reu_lier", args=[notification.pk]), {"electeur": electeur.pk})

    notification.refresh_from_db()
    assert notification.electeur == electeur
    assert list(notifications_reu_de(electeur=electeur)) == [notification]
    # Un électeur d'une autre commune : 404, rien ne change.
    ailleurs = ElecteurFactory(collectivite=monde.autre)
    refus = client.post(
        reverse("electeurs:reu_lier", args=[notification.pk]), {"electeur": ailleurs.pk}
    )
    assert refus.status_code == 404


def test_la_saisie_manuelle_par_la_page(monde):
    client = monde.client(E)
    erreur = client.post(
        reverse("electeurs:reu_nouvelle"), {"type": "autre", "recue_le": "31/02/2026", "texte": ""}
    )
    assert erreur.status_code == 400
    reponse = client.post(
        reverse("electeurs:reu_nouvelle"),
        {"type": "perte_droits", "recue_le": "20/11/2026", "texte": "Perte des droits."},
    )
    notification = NotificationREU.objects.get()
    assert reponse["Location"] == reverse("electeurs:reu_detail", args=[notification.pk])
    assert notification.source == SourceNotificationREU.SAISIE


def test_le_gabarit_de_la_fiche_electeur_liste_ses_notifications(monde):
    electeur = ElecteurFactory(collectivite=monde.collectivite)
    NotificationREUFactory(collectivite=monde.collectivite, electeur=electeur)
    html = render_to_string(
        "electeurs/reu/_notifications_contenu.html",
        {"notifications_reu": notifications_reu_de(electeur=electeur)},
    )
    assert "Radiation pour décès" in html
    assert "reçue le 20/11/2026" in html
    vide = render_to_string("electeurs/reu/_notifications_contenu.html", {"notifications_reu": []})
    assert "Aucune notification du REU" in vide


def test_les_domaines_d_expediteur_se_reglent(monde, settings):
    settings.ECHARPE_REU_DOMAINES_EXPEDITEURS = ("elire.example",)
    compte = _compte(monde)
    assert not notification_depuis_courriel(compte, _courriel("ELIRE <noreply@insee.fr>", "Décès"))
    assert notification_depuis_courriel(
        compte, _courriel("ELIRE <avis@notif.elire.example>", "Décès")
    )


def test_un_nombre_nu_qui_ne_designe_personne_n_est_pas_garde_comme_ine(monde, administrateur):
    notification = notification_saisir(
        collectivite=monde.collectivite,
        type="autre",
        recue_le=datetime.date(2026, 11, 20),
        texte="Mairie, SIREN 219900019.",
        par=administrateur,
    )
    assert (notification.ine, notification.electeur) == ("", None)
    nomme = notification_saisir(
        collectivite=monde.collectivite,
        type="autre",
        recue_le=datetime.date(2026, 11, 20),
        texte="Électeur INE 555666777 inconnu ici.",
        par=administrateur,
    )
    assert (nomme.ine, nomme.electeur) == ("555666777", None)


def test_un_fichier_trop_gros_est_refuse_sans_rien_ecrire(monde, monkeypatch):
    monkeypatch.setattr("electeurs.reu.forms.TAILLE_FICHIER_MAX", 100)
    reponse = monde.client(E).post(
        reverse("electeurs:reu_importer"), {"fichier": _fichier(ECHANTILLON.read_bytes())}
    )
    assert reponse.status_code == 400
    assert "Le fichier dépasse 5 Mo" in reponse.content.decode()
    assert not NotificationREU.objects.exists()

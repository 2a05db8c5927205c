"""Envoi des convocations contre un vrai serveur SMTP local (aiosmtpd, 127.0.0.1) : un courriel
par destinataire, lien personnel créé dans le worker (tâche en mode « eager »), pièce `.ics`,
compteurs, rebonds, nouveaux envois, notification du procès-verbal."""

from __future__ import annotations

import re
from datetime import UTC, date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from convocations.envoi.message import _plier, ics_rendre
from convocations.envoi.services import (
    convocation_envoyer,
    convocation_renvoyer,
    destinataire_non_recu,
    papier_enregistrer,
    seance_notifier,
)
from convocations.envoi.tasks import convocations_balayer_task
from convocations.seances.models import (
    DocumentSeance,
    EnvoiConvocation,
    EtatSeance,
    MotifEnvoi,
    NatureDocument,
    PointOrdreDuJour,
)
from core.journal.models import EntreeJournal
from core.liens.models import LienSecurise
from core.liens.services import lien_verifier
from core.mail.models import StatutEnvoi, StatutMessage
from tests.convocations.factories import DestinataireFactory, SeanceFactory
from tests.smtp_local import *  # noqa: F403  (fixtures du serveur local)
from tests.smtp_local import creer_compte

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.reseau]

LIEN = re.compile(r"http://[^\s]+/l/([A-Za-z0-9_\-]{43})/")


@pytest.fixture
def serveur(monde, serveur_smtp, smtp_sans_verification):
    serveur = serveur_smtp(
        reponses={"rebond@exemple.fr": "550 5.1.1 <rebond@exemple.fr>: boite inconnue"}
    )
    creer_compte(serveur, collectivite=monde.collectivite)
    return serveur


def _seance(monde, n=3, **kwargs):
    seance = SeanceFactory(
        collectivite=monde.collectivite,
        titre="Conseil municipal de décembre",
        lieu="Salle du conseil",
        objet_message="Convocation : {seance} du {date}",
        corps_message="Bonjour {nom},\nVenez à {heure}.\n{ordre_du_jour}\n{lien}",
        cree_par=monde.personnes["secretariat"],
        **kwargs,
    )
    PointOrdreDuJour.objects.create(
        collectivite=monde.collectivite, seance=seance, numero=1, titre="Budget primitif"
    )
    destinataires = [
        DestinataireFactory(seance=seance, email=f"elu{i}@exemple.fr", nom=f"Élu {i}")
        for i in range(n)
    ]
    return seance, destinataires


def _par_adresse(serveur):
    return {recu.destinataires[0]: recu.message for recu in serveur.boite.recus}


def test_un_courriel_par_destinataire_avec_son_lien_et_l_invitation(monde, serveur):
    seance, destinataires = _seance(monde)
    agent = monde.personnes["secretariat"]

    assert convocation_envoyer(seance=seance, par=agent) == 3

    recus = _par_adresse(serveur)
    assert sorted(recus) == ["elu0@exemple.fr", "elu1@exemple.fr", "elu2@exemple.fr"]
    jour = timezone.localtime(seance.date)
    jetons = set()
    for destinataire in destinataires:
        message = recus[destinataire.email]
        assert (
            message["Subject"] == f"Convocation : Conseil municipal de décembre du {jour:%d/%m/%Y}"
        )
        texte = message.get_body(("plain",)).get_content()
        assert f"Bonjour {destinataire.nom}," in texte
        assert f"Venez à {jour.hour} h {jour.minute:02d}." in texte
        assert "1. Budget primitif" in texte
        assert "{{" not in texte
        jetons.add(LIEN.search(texte).group(1))
        (ics,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
        contenu = ics.get_content()
        contenu = contenu if isinstance(contenu, str) else contenu.decode()
        assert "BEGIN:VEVENT" in contenu
        assert f"DTSTART:{seance.date.astimezone(UTC):%Y%m%dT%H%M%S}Z" in contenu
        assert f"UID:seance-{seance.pk}@" in contenu
        destinataire.refresh_from_db()
        assert destinataire.nombre_envois == 1
        assert destinataire.premier_envoi_le == destinataire.dernier_envoi_le is not None
    assert len(jetons) == 3  # un lien personnel chacun
    liens = LienSecurise.objects.filter(objectif="convocation")
    assert liens.count() == 3
    for lien in liens:
        assert not lien.usage_unique
        assert lien.expire_le.date() == (seance.date + timedelta(weeks=8)).date()
    seance.refresh_from_db()
    assert seance.etat == EtatSeance.ENVOYEE
    assert seance.envoyee_le is not None
    entree = EntreeJournal.objects.get(action="convocations_seance_envoyee")
    assert entree.details["destinataires"] == 3

    # Un second clic n'envoie rien de plus ; un destinataire ajouté reçoit seul la sienne.
    with pytest.raises(ValidationError, match="ont déjà reçu la convocation"):
        convocation_envoyer(seance=seance, par=agent)
    DestinataireFactory(seance=seance, email="nouveau@exemple.fr")
    assert convocation_envoyer(seance=seance, par=agent) == 1
    assert len(serveur.boite.recus) == 4


def test_envoyer_a_nouveau_remplace_le_lien_et_compte_les_envois(monde, serveur):
    seance, (lu, non_lu, autre) = _seance(monde)
    agent = monde.personnes["secretariat"]
    with pytest.raises(ValidationError, match="pas encore partie"):
        convocation_renvoyer(seance=seance, par=agent)
    convocation_envoyer(seance=seance, par=agent)
    premier = LienSecurise.objects.get(objectif="convocation", cible_id=str(non_lu.pk))
    lu.lu_le = timezone.now()
    lu.save()

    assert convocation_renvoyer(seance=seance, par=agent, destinataire=non_lu) == 1
    premier.refresh_from_db()
    assert premier.revoque_le is not None  # le dernier lien émis gagne
    non_lu.refresh_from_db()
    assert non_lu.nombre_envois == 2
    assert non_lu.dernier_envoi_le > non_lu.premier_envoi_le
    assert EnvoiConvocation.objects.filter(destinataire=non_lu, motif=MotifEnvoi.RELANCE).exists()

    # À tous ceux qui n'ont pas lu : pas à celui qui a accusé réception.
    assert convocation_renvoyer(seance=seance, par=agent) == 2
    assert [r.destinataires[0] for r in serveur.boite.recus].count(lu.email) == 1
    assert [r.destinataires[0] for r in serveur.boite.recus].count(autre.email) == 2


def test_un_refus_5xx_puis_un_avis_de_non_remise_marquent_le_destinataire(monde, serveur):
    seance, (bon, _autre, _troisieme) = _seance(monde)
    rebond = DestinataireFactory(seance=seance, email="rebond@exemple.fr")
    convocation_envoyer(seance=seance, par=monde.personnes["secretariat"])

    rebond.refresh_from_db()
    assert rebond.rebondi_le is not None
    assert "boite inconnue" in rebond.rebond_motif
    assert rebond.nombre_envois == 0

    # Avis de non-remise relevé plus tard dans la boîte du compte (core.mail.boite).
    envoi = EnvoiConvocation.objects.get(destinataire=bon)
    envoi.message.statut = StatutMessage.REBONDI
    envoi.message.rebond_diagnostic = "550 5.2.1 mailbox disabled"
    envoi.message.rebond_le = timezone.now()
    envoi.message.save()
    convocations_balayer_task()
    bon.refresh_from_db()
    assert bon.rebondi_le is not None
    assert bon.rebond_motif == "550 5.2.1 mailbox disabled"
    assert bon.nombre_envois == 1


def test_non_recu_et_envoi_papier(monde):
    seance, (d, _autre, _troisieme) = _seance(monde, etat=EtatSeance.RECUE_PARTIELLEMENT)
    agent = monde.personnes["secretariat"]
    with pytest.raises(ValidationError, match="n'a pas accusé réception"):
        destinataire_non_recu(destinataire=d, par=agent)
    d.lu_le = timezone.now()
    d.nombre_envois = 1
    d.save()
    destinataire_non_recu(destinataire=d, par=agent)
    d.refresh_from_db()
    seance.refresh_from_db()
    assert d.lu_le is None
    assert seance.etat == EtatSeance.ENVOYEE
    assert EntreeJournal.objects.filter(action="convocations_non_recu").count() == 1

    with pytest.raises(ValidationError, match="dans le futur"):
        papier_enregistrer(destinataire=d, le=date.today() + timedelta(days=1), par=agent)
    papier_enregistrer(destinataire=d, le=date.today(), par=agent)
    d.refresh_from_db()
    assert (d.papier, d.papier_le) == (True, date.today())


def test_notifier_a_nouveau_demande_le_proces_verbal(monde, serveur):
    seance, _ = _seance(monde, n=2)
    agent = monde.personnes["secretariat"]
    convocation_envoyer(seance=seance, par=agent)
    with pytest.raises(ValidationError, match="procès-verbal"):
        seance_notifier(seance=seance, par=agent)
    DocumentSeance.objects.create(
        collectivite=monde.collectivite,
        seance=seance,
        nature=NatureDocument.PROCES_VERBAL,
        titre="PV",
        fichier=ContentFile(b"%PDF-1.4", name="pv.pdf"),
        nom_fichier="pv.pdf",
        type_contenu="application/pdf",
        taille=8,
    )
    assert seance_notifier(seance=seance, par=agent) == 2
    notifications = serveur.boite.recus[2:]
    assert len(notifications) == 2
    assert all("nouveau document" in r.message["Subject"] for r in notifications)
    assert all(not list(r.message.iter_attachments()) for r in notifications)
    assert (
        EnvoiConvocation.objects.filter(
            motif=MotifEnvoi.NOTIFICATION, statut=StatutEnvoi.ENVOYE
        ).count()
        == 2
    )


def test_l_invitation_ics_echappe_et_plie_les_lignes(monde):
    seance = SeanceFactory(
        collectivite=monde.collectivite, titre="Séance; budget, « long » " + "é" * 80
    )
    ics = ics_rendre(seance=seance, lien="http://x/l/abc/", sequence=2).decode()
    assert "SUMMARY:Séance\\; budget\\, « long »" in ics
    assert "SEQUENCE:2" in ics
    assert all(len(ligne.encode()) <= 75 for ligne in ics.split("\r\n"))
    assert ics.endswith("END:VCALENDAR\r\n")


def test_copie_et_copie_cachee_recoivent_chacune_leur_exemplaire(monde, serveur):
    seance, destinataires = _seance(
        monde, n=1, copie="dgs@mairie.fr", copie_cachee="Presse@Journal.fr\nelu0@exemple.fr"
    )
    agent = monde.personnes["secretariat"]

    assert convocation_envoyer(seance=seance, par=agent) == 3  # elu0 n'est pas doublé

    recus = sorted(r.destinataires[0].lower() for r in serveur.boite.recus)
    assert recus == ["dgs@mairie.fr", "elu0@exemple.fr", "presse@journal.fr"]
    copies = seance.destinataires.exclude(pk=destinataires[0].pk)
    assert {d.email.lower() for d in copies} == {"dgs@mairie.fr", "presse@journal.fr"}
    assert not any(d.membre for d in copies)  # ne comptent pas pour le quorum
    # Chaque message n'a qu'un destinataire : la copie n'apparaît dans aucun en-tête.
    for recu in serveur.boite.recus:
        assert "dgs@mairie.fr" not in recu.message.get("Cc", "")


def test_les_liens_d_un_morceau_sont_crees_ensemble_et_journalises_une_fois(
    monde, serveur, settings
):
    """Issue 9 : un morceau de N lignes crée ses N liens en une fois (une entrée de journal qui
    les nomme), et chaque message de plus ne coûte qu'un nombre fixe de requêtes."""
    settings.ECHARPE_ENVOI_TAILLE_LOT = 100
    agent = monde.personnes["secretariat"]

    def requetes(n):
        seance, destinataires = _seance(monde, n=n)
        with CaptureQueriesContext(connection) as capture:
            convocation_envoyer(seance=seance, par=agent)
        return seance, destinataires, len(capture.captured_queries)

    _seance_petite, _d, petites = requetes(2)
    seance, destinataires, grandes = requetes(12)

    # Mise en vol, trace du message (avant et après la transaction SMTP), fin de la ligne.
    assert grandes - petites <= 4 * 10
    entree = EntreeJournal.objects.get(action="liens_crees", sujet_id=str(seance.pk))
    assert entree.acteur == agent
    assert entree.details["cibles"] == [str(d.pk) for d in destinataires]
    liens = LienSecurise.objects.filter(
        objectif="convocation", cible_id__in=[str(d.pk) for d in destinataires]
    )
    assert sorted(entree.details["liens"]) == sorted(liens.values_list("pk", flat=True))
    assert not EntreeJournal.objects.filter(action="lien_cree").exists()
    # Chaque courriel porte le lien de son destinataire, valable.
    recus = _par_adresse(serveur)
    for destinataire in destinataires:
        jeton = LIEN.search(recus[destinataire.email].get_body(("plain",)).get_content())
        assert lien_verifier(jeton=jeton.group(1)).cible_id == str(destinataire.pk)


@pytest.mark.parametrize(
    "ligne",
    ["x" * 75, "x" * 76, "é" * 37 + "x", "é" * 38, "DESCRIPTION:" + "é€😀a" * 40, "a" * 300],
)
def test_le_pliage_ics_garde_75_octets_sans_couper_un_caractere(ligne):
    plie = _plier(ligne)
    lignes = plie.split("\r\n")
    assert all(len(morceau.encode()) <= 75 for morceau in lignes)
    assert all(morceau.startswith(" ") for morceau in lignes[1:])
    # Déplier (RFC 5545 §3.1) rend la ligne d'origine ; une ligne de 75 octets n'est pas pliée.
    assert plie.replace("\r\n ", "") == ligne
    assert (len(lignes) == 1) == (len(ligne.encode()) <= 75)
    # Chaque morceau est plein : le suivant commence par un caractère qui n'y tenait plus.
    for morceau, suivant in zip(lignes, lignes[1:], strict=False):
        assert len((morceau + suivant[1]).encode()) > 75

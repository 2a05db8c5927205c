"""Préparation d'une séance : délai légal et urgence, destinataires, documents, gabarits."""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as reglages_hypothesis
from hypothesis import strategies as st

from convocations.elus.models import AdresseElu
from convocations.models import (
    ActionConvocations,
    Assemblee,
    DocumentSeance,
    EtatSeance,
    Fonction,
    NatureDocument,
    Seance,
    TypeGroupe,
    TypeSeance,
)
from convocations.seances.services import (
    destinataires_ajouter,
    document_ajouter,
    envoi_autorise,
    message_rendre,
    point_ajouter,
    point_deplacer,
    point_supprimer,
    seance_classer,
    seance_creer,
    seance_modifier,
)
from core.delais import delai_surcharger
from core.journal.models import EntreeJournal
from tests.convocations.factories import (
    ContactFactory,
    DestinataireFactory,
    GroupeFactory,
    MandatFactory,
    SeanceFactory,
)
from tests.factories import CollectiviteFactory, UtilisateurFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _a(jour: datetime.date, heure: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(jour, datetime.time(heure), tzinfo=PARIS)


SEANCE_LE = datetime.date(2027, 3, 20)  # un samedi : samedis et dimanches comptent


def _seance(**kwargs):
    kwargs.setdefault("date", _a(SEANCE_LE, 18))
    return SeanceFactory(**kwargs)


# --- Délai légal (point 7) ------------------------------------------------------------------


def test_conseil_de_moins_de_3500_habitants_trois_jours_francs():
    seance = _seance(collectivite=CollectiviteFactory(population_legale=2150))
    # 3 jours francs : ni le jour d'envoi ni celui de la séance ; dernier jour le 16/03.
    ok, raison = envoi_autorise(seance=seance, maintenant=_a(datetime.date(2027, 3, 16), 23))
    assert ok, raison
    assert "16/03/2027" in raison and "L2121-11" in raison
    ok, raison = envoi_autorise(seance=seance, maintenant=_a(datetime.date(2027, 3, 17), 8))
    assert not ok
    assert "16/03/2027" in raison and "urgence" in raison


def test_a_partir_de_3500_habitants_cinq_jours_francs_et_note_de_synthese():
    seance = _seance(collectivite=CollectiviteFactory(population_legale=3500))
    ok, raison = envoi_autorise(seance=seance, maintenant=_a(datetime.date(2027, 3, 10)))
    assert not ok
    assert "note explicative de synthèse" in raison
    document_ajouter(
        seance=seance,
        par=UtilisateurFactory(),
        nature=NatureDocument.NOTE_SYNTHESE,
        titre="",
        fichier=SimpleUploadedFile("note.pdf", PDF),
    )
    ok, raison = envoi_autorise(seance=seance, maintenant=_a(datetime.date(2027, 3, 14)))
    assert ok, raison
    assert "14/03/2027" in raison and "5 jours francs" in raison
    ok, _ = envoi_autorise(seance=seance, maintenant=_a(datetime.date(2027, 3, 15)))
    assert not ok


def test_l_urgence_justifiee_permet_l_envoi_mais_pas_sous_un_jour_franc():
    seance = _seance(urgence=True, urgence_justification="Subvention à voter avant le 31/03.")
    ok, raison = envoi_autorise(seance=seance, maintenant=_a(datetime.date(2027, 3, 18)))
    assert ok, raison
    assert "urgence" in raison
    # Un jour franc au moins : l'envoi le 19 pour une séance le 20 est refusé.
    ok, raison = envoi_autorise(seance=seance, maintenant=_a(datetime.date(2027, 3, 19)))
    assert not ok
    assert "Même en urgence" in raison and "18/03/2027" in raison


def test_commission_delai_configure_par_la_collectivite():
    collectivite = CollectiviteFactory()
    seance = _seance(
        collectivite=collectivite,
        type=TypeSeance.COMMISSION,
        assemblee=Assemblee.COMMISSION,
        commission="Finances",
    )
    ok, _ = envoi_autorise(seance=seance, maintenant=_a(datetime.date(2027, 3, 17)))
    assert not ok  # 3 jours francs par défaut
    delai_surcharger(
        collectivite=collectivite,
        code="convocation_commission",
        valeur=1,
        valide_du=timezone.localdate(),
        par=UtilisateurFactory(),
    )
    ok, raison = envoi_autorise(seance=seance, maintenant=_a(datetime.date(2027, 3, 18)))
    assert ok, raison


def test_bureau_suit_le_delai_de_la_migration():
    seance = _seance(type=TypeSeance.BUREAU, assemblee=Assemblee.CONSEIL_COMMUNAUTAIRE)
    ok, raison = envoi_autorise(seance=seance, maintenant=_a(datetime.date(2027, 3, 16)))
    assert ok, raison
    assert "L5211-10" in raison


def test_seance_classee_ou_passee_refusee():
    seance = _seance(etat=EtatSeance.CLASSEE)
    assert not envoi_autorise(seance=seance, maintenant=_a(datetime.date(2027, 3, 1)))[0]
    seance = _seance()
    ok, raison = envoi_autorise(seance=seance, maintenant=_a(datetime.date(2027, 3, 21)))
    assert not ok and "déjà eu lieu" in raison


# --- Séance ---------------------------------------------------------------------------------


def _donnees(**kwargs):
    donnees = {
        "type": TypeSeance.CONSEIL_MUNICIPAL,
        "titre": "Conseil du 20 mars",
        "commission": "",
        "date": _a(SEANCE_LE, 18),
        "lieu": "Salle du conseil",
        "distanciel_autorise": False,
        "reponses_jusqu_au": None,
        "urgence": False,
        "urgence_justification": "",
        "objet_message": "",
        "corps_message": "",
        "copie": "",
        "copie_cachee": "",
    }
    donnees.update(kwargs)
    return donnees


def test_creer_hache_le_mot_de_passe_et_journalise_l_urgence():
    collectivite = CollectiviteFactory()
    agent = UtilisateurFactory()
    seance = seance_creer(
        collectivite=collectivite,
        par=agent,
        donnees=_donnees(urgence=True, urgence_justification="Inondation de la salle."),
        mot_de_passe="Secret-2027",
    )
    assert seance.mot_de_passe != "Secret-2027"
    assert check_password("Secret-2027", seance.mot_de_passe)
    assert seance.assemblee == Assemblee.CONSEIL_MUNICIPAL
    entree = EntreeJournal.objects.get(action=ActionConvocations.CONVOCATIONS_SEANCE_URGENCE)
    assert entree.details["justification"] == "Inondation de la salle."
    assert entree.sujet_id == str(seance.pk)


def test_urgence_sans_justification_et_variable_inconnue_refusees():
    with pytest.raises(ValidationError) as erreur:
        seance_creer(
            collectivite=CollectiviteFactory(),
            par=UtilisateurFactory(),
            donnees=_donnees(urgence=True, corps_message="Bonjour {prenom}"),
        )
    assert "urgence_justification" in erreur.value.message_dict
    assert "{prenom}" in erreur.value.message_dict["corps_message"][0]


def test_modifier_refuse_d_ecraser_une_modification_concurrente():
    seance = _seance()
    agent = UtilisateurFactory()
    version = seance.modifie_le
    seance_modifier(seance=seance, par=agent, donnees=_donnees(titre="Premier"), version=version)
    with pytest.raises(ValidationError, match="Quelqu'un a modifié"):
        seance_modifier(seance=seance, par=agent, donnees=_donnees(titre="Second"), version=version)
    seance.refresh_from_db()
    assert seance.titre == "Premier"


def test_message_rendu_avec_variables_et_objet_sur_une_ligne():
    seance = _seance(
        titre="Conseil",
        objet_message="Convocation {seance}\r\nBcc: pirate@exemple.fr",
        corps_message="Bonjour {nom}, le {date} à {heure}, {lieu}.",
    )
    destinataire = DestinataireFactory(seance=seance, nom="Anne DURAND")
    objet, corps = message_rendre(seance=seance, destinataire=destinataire, lien="https://x/l/1/")
    assert "\n" not in objet and "\r" not in objet
    assert corps == "Bonjour Anne DURAND, le 20/03/2027 à 18 h 00, Salle du conseil, mairie."


def test_classer_rend_la_seance_non_modifiable():
    seance = _seance(date=timezone.now() - datetime.timedelta(days=1), etat=EtatSeance.RECUE)
    agent = UtilisateurFactory()
    with pytest.raises(ValidationError):
        seance_classer(seance=_seance(), par=agent)  # pas encore eu lieu
    seance_classer(seance=seance, par=agent)
    seance.refresh_from_db()
    assert seance.etat == EtatSeance.CLASSEE and seance.classee_le
    with pytest.raises(ValidationError, match="classée"):
        point_ajouter(seance=seance, par=agent, titre="Trop tard")
    with pytest.raises(ValidationError, match="classée"):
        document_ajouter(
            seance=seance,
            par=agent,
            nature=NatureDocument.PROCES_VERBAL,
            titre="",
            fichier=SimpleUploadedFile("pv.pdf", PDF),
        )


def test_ordre_du_jour_deplacer_et_supprimer_renumerote():
    seance = _seance()
    agent = UtilisateurFactory()
    a = point_ajouter(seance=seance, par=agent, titre="Budget")
    b = point_ajouter(seance=seance, par=agent, titre="Voirie")
    c = point_ajouter(seance=seance, par=agent, titre="Écoles")
    point_deplacer(point=c, par=agent, vers_le_haut=True)
    assert [p.titre for p in seance.points.order_by("numero")] == ["Budget", "Écoles", "Voirie"]
    point_supprimer(point=a, par=agent)
    assert [(p.numero, p.titre) for p in seance.points.order_by("numero")] == [
        (1, "Écoles"),
        (2, "Voirie"),
    ]
    b.refresh_from_db()
    assert b.numero == 2


# --- Destinataires --------------------------------------------------------------------------


def test_destinataires_par_groupe_contact_et_adresse_membre_selon_les_mandats():
    collectivite = CollectiviteFactory()
    seance = _seance(collectivite=collectivite)
    elu = ContactFactory(collectivite=collectivite, utilisateur=UtilisateurFactory())
    MandatFactory(collectivite=collectivite, utilisateur=elu.utilisateur)
    parti = ContactFactory(collectivite=collectivite, utilisateur=UtilisateurFactory())
    MandatFactory(
        collectivite=collectivite,
        utilisateur=parti.utilisateur,
        fin=datetime.date(2027, 1, 31),  # plus en cours le jour de la séance
    )
    agent_mairie = ContactFactory(collectivite=collectivite, email="DG@mairie.fr")
    invite = ContactFactory(collectivite=collectivite)
    conseil = GroupeFactory(
        collectivite=collectivite,
        type=TypeGroupe.AUTOMATIQUE,
        assemblee=Assemblee.CONSEIL_MUNICIPAL,
        nom="Conseil municipal",
    )
    manuel = GroupeFactory(collectivite=collectivite)
    parti.groupes.add(manuel)
    ailleurs = GroupeFactory()  # d'une autre collectivité : ignoré
    ContactFactory(collectivite=ailleurs.collectivite).groupes.add(ailleurs)

    ajout = destinataires_ajouter(
        seance=seance,
        par=UtilisateurFactory(),
        groupes=[conseil, manuel, ailleurs],
        contacts=[invite, elu],
        adresses=["dg@MAIRIE.fr", "presse@journal.fr"],
    )
    assert ajout.ajoutes == 5 and ajout.deja == 0
    par_email = {d.email.lower(): d for d in seance.destinataires.all()}
    assert par_email[elu.email].membre and par_email[elu.email].mandat is not None
    assert par_email[elu.email].utilisateur_id == elu.utilisateur_id
    assert not par_email[parti.email].membre
    assert par_email["dg@mairie.fr"].contact == agent_mairie
    assert par_email["presse@journal.fr"].contact is None
    assert not par_email["presse@journal.fr"].membre

    again = destinataires_ajouter(
        seance=seance, par=UtilisateurFactory(), contacts=[elu], adresses=["PRESSE@journal.fr"]
    )
    assert (again.ajoutes, again.deja) == (0, 2)


def test_suppleant_pas_membre_et_date_changee_recalcule():
    collectivite = CollectiviteFactory()
    seance = _seance(
        collectivite=collectivite,
        type=TypeSeance.CONSEIL_COMMUNAUTAIRE,
        assemblee=Assemblee.CONSEIL_COMMUNAUTAIRE,
    )
    suppleant = ContactFactory(collectivite=collectivite, utilisateur=UtilisateurFactory())
    MandatFactory(
        collectivite=collectivite,
        utilisateur=suppleant.utilisateur,
        assemblee=Assemblee.CONSEIL_COMMUNAUTAIRE,
        fonction=Fonction.DELEGUE_SUPPLEANT,
    )
    futur = ContactFactory(collectivite=collectivite, utilisateur=UtilisateurFactory())
    MandatFactory(
        collectivite=collectivite,
        utilisateur=futur.utilisateur,
        assemblee=Assemblee.CONSEIL_COMMUNAUTAIRE,
        debut=datetime.date(2027, 4, 1),
    )
    agent = UtilisateurFactory()
    destinataires_ajouter(seance=seance, par=agent, contacts=[suppleant, futur])
    membres = dict(seance.destinataires.values_list("email", "membre"))
    assert membres == {suppleant.email: False, futur.email: False}
    seance_modifier(
        seance=seance,
        par=agent,
        donnees=_donnees(
            type=TypeSeance.CONSEIL_COMMUNAUTAIRE, date=_a(datetime.date(2027, 4, 10), 18)
        ),
    )
    membres = dict(seance.destinataires.values_list("email", "membre"))
    assert membres == {suppleant.email: False, futur.email: True}


# --- Documents ------------------------------------------------------------------------------


def _zip(entrees: dict[str, bytes], *, mimetype: bytes | None = None) -> bytes:
    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w") as archive:
        if mimetype is not None:
            archive.writestr(
                zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED
            )
        for nom, contenu in entrees.items():
            archive.writestr(nom, contenu)
    return tampon.getvalue()


@pytest.mark.parametrize(
    ("contenu", "type_attendu"),
    [
        (PDF, "application/pdf"),
        (b"\x89PNG\r\n\x1a\n" + b"0" * 20, "image/png"),
        (
            _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>"}),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            _zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<w/>"}),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            _zip({"content.xml": b"<x/>"}, mimetype=b"application/vnd.oasis.opendocument.text"),
            "application/vnd.oasis.opendocument.text",
        ),
        (
            _zip(
                {"content.xml": b"<x/>"},
                mimetype=b"application/vnd.oasis.opendocument.spreadsheet",
            ),
            "application/vnd.oasis.opendocument.spreadsheet",
        ),
    ],
)
def test_document_type_lu_dans_le_contenu(contenu, type_attendu):
    document = document_ajouter(
        seance=_seance(),
        par=UtilisateurFactory(),
        nature=NatureDocument.ANNEXE,
        titre="Annexe",
        fichier=SimpleUploadedFile("annexe.bin", contenu),
    )
    assert document.type_contenu == type_attendu
    assert "annexe" not in document.fichier.name  # nom aléatoire sur le disque


@pytest.mark.parametrize(
    ("contenu", "message"),
    [
        (b"<html>pas un pdf</html>", "format accepté"),
        (_zip({"evil.exe": b"MZ"}), "format accepté"),
        (b"", "vide"),
    ],
)
def test_document_refuse_le_mauvais_type(contenu, message):
    with pytest.raises(ValidationError) as erreur:
        document_ajouter(
            seance=_seance(),
            par=UtilisateurFactory(),
            nature=NatureDocument.ANNEXE,
            titre="",
            fichier=SimpleUploadedFile("faux.pdf", contenu),
        )
    assert message in erreur.value.message_dict["fichier"][0]
    assert not DocumentSeance.objects.exists()


def test_document_trop_gros_refuse(settings):
    settings.ECHARPE_CONVOCATIONS_LIMITE_DOCUMENT = 1024 * 1024
    with pytest.raises(ValidationError, match="1 Mo"):
        document_ajouter(
            seance=_seance(),
            par=UtilisateurFactory(),
            nature=NatureDocument.ANNEXE,
            titre="",
            fichier=SimpleUploadedFile("gros.pdf", PDF + b"0" * 1024 * 1024),
        )


def test_proces_verbal_versionne_apres_la_seance_seulement():
    seance = _seance(date=timezone.now() - datetime.timedelta(hours=2))
    agent = UtilisateurFactory()
    with pytest.raises(ValidationError, match="après la séance"):
        document_ajouter(
            seance=_seance(),
            par=agent,
            nature=NatureDocument.PROCES_VERBAL,
            titre="",
            fichier=SimpleUploadedFile("pv.pdf", PDF),
        )
    versions = [
        document_ajouter(
            seance=seance,
            par=agent,
            nature=NatureDocument.PROCES_VERBAL,
            titre="",
            fichier=SimpleUploadedFile("pv.pdf", PDF),
        ).version
        for _ in range(2)
    ]
    assert versions == [1, 2]
    entree = EntreeJournal.objects.filter(
        action=ActionConvocations.CONVOCATIONS_DOCUMENT_AJOUTE
    ).latest("pk")
    assert entree.details == {"nature": "proces_verbal", "titre": "Procès-verbal", "version": 2}


@reglages_hypothesis(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    jour=st.dates(datetime.date(2000, 1, 1), datetime.date(2090, 12, 31)),
    heure=st.integers(min_value=0, max_value=23),
    avance=st.integers(min_value=-3, max_value=12),
    heure_envoi=st.integers(min_value=0, max_value=23),
    urgence=st.booleans(),
)
def test_propriete_garde_du_delai(jour, heure, avance, heure_envoi, urgence):
    """Moins de 3 500 habitants : l'envoi est permis jusqu'à séance − 4 jours (3 jours francs),
    en urgence justifiée jusqu'à séance − 2 jours (1 jour franc), jamais après la séance ; la
    raison est toujours une phrase française avec des dates jj/mm/aaaa."""
    seance = Seance(
        collectivite=CollectiviteFactory.build(population_legale=2150),
        type=TypeSeance.CONSEIL_MUNICIPAL,
        assemblee=Assemblee.CONSEIL_MUNICIPAL,
        titre="Conseil",
        date=_a(jour, heure),
        lieu="Mairie",
        urgence=urgence,
        urgence_justification="Motif." if urgence else "",
    )
    maintenant = _a(jour - datetime.timedelta(days=avance), heure_envoi)
    ok, raison = envoi_autorise(seance=seance, maintenant=maintenant)
    limite = jour - datetime.timedelta(days=2 if urgence else 4)
    assert ok == (maintenant < seance.date and maintenant.date() <= limite), raison
    assert raison and not re.search(r"\d{4}-\d{2}-\d{2}", raison)


def test_un_elu_est_convoque_a_son_adresse_personnelle_confirmee():
    collectivite = CollectiviteFactory()
    seance = _seance(collectivite=collectivite)
    elu = ContactFactory(collectivite=collectivite, utilisateur=UtilisateurFactory())
    MandatFactory(collectivite=collectivite, utilisateur=elu.utilisateur)
    autre = ContactFactory(collectivite=collectivite, utilisateur=UtilisateurFactory())
    MandatFactory(collectivite=collectivite, utilisateur=autre.utilisateur)
    AdresseElu.objects.create(
        collectivite=collectivite,
        utilisateur=elu.utilisateur,
        email="perso@exemple.org",
        confirmee_le=timezone.now(),
    )
    # Demandée mais jamais confirmée : sans effet.
    AdresseElu.objects.create(
        collectivite=collectivite, utilisateur=autre.utilisateur, email="pas-confirmee@exemple.org"
    )

    destinataires_ajouter(seance=seance, par=UtilisateurFactory(), contacts=[elu, autre])

    emails = set(seance.destinataires.values_list("email", flat=True))
    assert emails == {"perso@exemple.org", autre.email}
    again = destinataires_ajouter(seance=seance, par=UtilisateurFactory(), contacts=[elu])
    assert (again.ajoutes, again.deja) == (0, 1)

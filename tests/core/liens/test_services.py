"""Liens sécurisés : jeton, empreinte, expiration, usage unique, révocation, identité."""

from __future__ import annotations

import base64
import hashlib
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from core.liens.services import (
    MESSAGE_COMPTE_DEJA_ACTIVE,
    LienDejaUtilise,
    LienExpire,
    LienInconnu,
    LienRevoque,
    LienVerrouille,
    activation_envoyer,
    activation_terminer,
    enregistrer_objectifs,
    lien_creer,
    lien_revoquer,
    lien_url,
    lien_utiliser,
    lien_verifier,
    lien_verifier_identite,
    liens_creer_en_lot,
)
from core.models import EntreeJournal, LienSecurise
from core.registry import registre
from tests.factories import CollectiviteFactory, UtilisateurFactory

DEBUT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _objectifs() -> None:
    enregistrer_objectifs()


@pytest.fixture
def collectivite(db):
    return CollectiviteFactory(nom="Saint-Lien")


@pytest.fixture
def personne(db):
    """Un compte pas encore activé : sans mot de passe utilisable."""
    return UtilisateurFactory(username="claire", date_naissance=date(1980, 7, 14), password=None)


def creer(collectivite, cible, **kwargs):
    kwargs.setdefault("objectif", "activation")
    kwargs.setdefault("duree", timedelta(days=7))
    return lien_creer(collectivite=collectivite, cible=cible, **kwargs)


def altere(jeton: str) -> str:
    return jeton[:10] + ("A" if jeton[10] != "A" else "B") + jeton[11:]


# --- Jeton et empreinte ---------------------------------------------------------------------


def test_le_jeton_porte_256_bits_et_change_a_chaque_lien(collectivite, personne):
    _lien, jeton = creer(collectivite, personne)
    _autre, jeton2 = creer(collectivite, personne)
    assert len(jeton) == 43
    assert len(base64.urlsafe_b64decode(jeton + "=")) == 32
    assert jeton != jeton2


def test_seule_l_empreinte_du_jeton_est_stockee(collectivite, personne):
    lien, jeton = creer(collectivite, personne)
    lien.refresh_from_db()
    assert lien.hash_jeton == hashlib.sha256(jeton.encode()).hexdigest()
    with connection.cursor() as curseur:
        curseur.execute(
            "SELECT row_to_json(t)::text FROM core_liensecurise t WHERE id = %s", [lien.pk]
        )
        ligne = curseur.fetchone()[0]
        curseur.execute(
            "SELECT coalesce(string_agg(row_to_json(j)::text, ''), '') FROM core_entreejournal j"
        )
        journal = curseur.fetchone()[0]
    assert jeton not in ligne
    assert jeton not in journal
    assert lien.hash_jeton in ligne


def test_creer_un_lien_est_journalise_sans_le_jeton(collectivite, personne):
    admin = UtilisateurFactory()
    lien, jeton = creer(collectivite, personne, par=admin)
    entree = EntreeJournal.objects.get(action="lien_cree")
    assert entree.collectivite == collectivite
    assert entree.acteur == admin
    assert entree.objet_id == str(lien.pk)
    assert entree.sujet_id == str(personne.pk)
    assert entree.details["objectif"] == "activation"
    assert entree.details["verification_identite"] is False
    assert jeton not in str(entree.details)


def test_lien_url_est_le_chemin_du_jeton(collectivite, personne):
    _lien, jeton = creer(collectivite, personne)
    assert lien_url(jeton) == f"/l/{jeton}/"


def test_lien_creer_refuse_une_duree_nulle(collectivite, personne):
    with pytest.raises(ValueError):
        creer(collectivite, personne, duree=timedelta(0))


# --- Vérification ---------------------------------------------------------------------------


def test_un_jeton_valide_rend_son_lien(collectivite, personne):
    lien, jeton = creer(collectivite, personne)
    assert lien_verifier(jeton=jeton).pk == lien.pk
    assert lien_verifier(jeton=jeton, objectif="activation").pk == lien.pk


@pytest.mark.parametrize("forme", ["altere", "court", "long", "caracteres", "vide"])
def test_un_jeton_altere_ou_mal_forme_est_inconnu(collectivite, personne, forme):
    _lien, jeton = creer(collectivite, personne)
    faux = {
        "altere": altere(jeton),
        "court": jeton[:-1],
        "long": jeton + "A",
        "caracteres": jeton[:-1] + "=",
        "vide": "",
    }[forme]
    with pytest.raises(LienInconnu) as erreur:
        lien_verifier(jeton=faux)
    assert erreur.value.statut == 404
    assert erreur.value.message == (
        "Ce lien n'est pas valide. Vérifiez qu'il a été copié en entier."
    )


def test_un_jeton_d_un_autre_objectif_est_inconnu(collectivite, personne):
    _lien, jeton = creer(collectivite, personne, objectif="convocation")
    with pytest.raises(LienInconnu):
        lien_verifier(jeton=jeton, objectif="activation")


def test_un_lien_expire_est_refuse_avec_sa_date(collectivite, personne):
    with time_machine.travel(DEBUT, tick=False):
        _lien, jeton = creer(collectivite, personne)
    with time_machine.travel(DEBUT + timedelta(days=7) - timedelta(seconds=1), tick=False):
        assert lien_verifier(jeton=jeton)
    with (
        time_machine.travel(DEBUT + timedelta(days=7), tick=False),
        pytest.raises(LienExpire) as erreur,
    ):
        lien_verifier(jeton=jeton)
    assert erreur.value.statut == 410
    assert erreur.value.message == "Ce lien a expiré le 02/12/2026. Demandez-en un nouveau."


# --- Usage unique ---------------------------------------------------------------------------


def test_un_lien_a_usage_unique_ne_sert_qu_une_fois(collectivite, personne):
    lien, jeton = creer(collectivite, personne)
    lien_utiliser(lien=lien)
    assert LienSecurise.objects.get(pk=lien.pk).utilise_le is not None
    with pytest.raises(LienDejaUtilise):
        lien_utiliser(lien=lien)
    with pytest.raises(LienDejaUtilise) as erreur:
        lien_verifier(jeton=jeton)
    assert erreur.value.statut == 410
    assert "déjà été utilisé le" in erreur.value.message


def test_deux_copies_du_meme_lien_une_seule_l_utilise(collectivite, personne):
    """Deux requêtes ont lu le lien avant que l'une ne l'utilise : l'UPDATE conditionnel
    départage (une vérification en Python suivie d'un save laisserait passer les deux)."""
    lien, _jeton = creer(collectivite, personne)
    premiere = LienSecurise.objects.get(pk=lien.pk)
    seconde = LienSecurise.objects.get(pk=lien.pk)
    lien_utiliser(lien=premiere)
    with pytest.raises(LienDejaUtilise):
        lien_utiliser(lien=seconde)


@pytest.mark.django_db(transaction=True)
def test_deux_utilisations_simultanees_une_seule_gagne():
    collectivite = CollectiviteFactory()
    personne = UtilisateurFactory()
    lien, _jeton = creer(collectivite, personne)
    barriere = threading.Barrier(2)
    resultats: list[str] = []

    def utiliser() -> None:
        try:
            copie = LienSecurise.objects.get(pk=lien.pk)
            barriere.wait(timeout=10)
            lien_utiliser(lien=copie)
            resultats.append("utilise")
        except LienDejaUtilise:
            resultats.append("refuse")
        finally:
            connection.close()

    fils = [threading.Thread(target=utiliser) for _ in range(2)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join(timeout=20)
    assert sorted(resultats) == ["refuse", "utilise"]


def test_un_lien_a_usages_multiples_garde_sa_premiere_utilisation(collectivite, personne):
    with time_machine.travel(DEBUT, tick=False):
        lien, jeton = creer(collectivite, personne, objectif="lecture", usage_unique=False)
        lien_utiliser(lien=lien)
    with time_machine.travel(DEBUT + timedelta(days=1), tick=False):
        lien_utiliser(lien=lien)
        assert lien_verifier(jeton=jeton).utilise_le == DEBUT


def test_un_lien_expire_ne_peut_pas_etre_utilise(collectivite, personne):
    with time_machine.travel(DEBUT, tick=False):
        lien, _jeton = creer(collectivite, personne)
    with (
        time_machine.travel(DEBUT + timedelta(days=8), tick=False),
        pytest.raises(LienExpire),
    ):
        lien_utiliser(lien=lien)
    assert LienSecurise.objects.get(pk=lien.pk).utilise_le is None


# --- Révocation et « le dernier émis gagne » ------------------------------------------------


def test_un_nouveau_lien_remplace_le_precedent(collectivite, personne):
    ancien, jeton_ancien = creer(collectivite, personne)
    nouveau, jeton_nouveau = creer(collectivite, personne)
    with pytest.raises(LienRevoque) as erreur:
        lien_verifier(jeton=jeton_ancien)
    assert erreur.value.statut == 410
    assert "remplacé par un lien plus récent" in erreur.value.message
    assert lien_verifier(jeton=jeton_nouveau).pk == nouveau.pk
    assert LienSecurise.objects.get(pk=ancien.pk).revoque_le is not None


def test_le_remplacement_ne_touche_ni_un_autre_objectif_ni_une_autre_cible(collectivite, personne):
    autre_personne = UtilisateurFactory()
    _a, jeton_activation = creer(collectivite, personne)
    _b, jeton_autre_objectif = creer(collectivite, personne, objectif="convocation")
    _c, jeton_autre_cible = creer(collectivite, autre_personne)
    assert lien_verifier(jeton=jeton_activation)
    assert lien_verifier(jeton=jeton_autre_objectif)
    assert lien_verifier(jeton=jeton_autre_cible)


def test_revoquer_un_lien_l_annule_et_le_journalise(collectivite, personne):
    admin = UtilisateurFactory()
    lien, jeton = creer(collectivite, personne)
    lien_revoquer(lien=lien, par=admin)
    lien_revoquer(lien=lien, par=admin)
    with pytest.raises(LienRevoque) as erreur:
        lien_verifier(jeton=jeton)
    assert erreur.value.titre == "Lien annulé"
    assert "annulé" in erreur.value.message
    entrees = EntreeJournal.objects.filter(action="lien_revoque")
    assert entrees.count() == 1
    assert entrees.get().acteur == admin


# --- Vérification d'identité ----------------------------------------------------------------


def test_la_bonne_date_de_naissance_verifie_l_identite(collectivite, personne):
    lien, _jeton = creer(collectivite, personne, date_naissance=date(1980, 7, 14))
    assert lien_verifier_identite(lien=lien, date_naissance=date(1980, 7, 14)) is True
    lien.refresh_from_db()
    assert lien.identite_verifiee_le is not None
    assert lien.tentatives == 0
    assert EntreeJournal.objects.filter(action="lien_identite_verifiee").count() == 1


def test_les_echecs_sont_comptes_puis_le_lien_est_verrouille(collectivite, personne):
    lien, jeton = creer(collectivite, personne, date_naissance=date(1980, 7, 14))
    for essai in range(1, 5):
        assert lien_verifier_identite(lien=lien, date_naissance=date(1980, 7, 15)) is False
        assert lien.tentatives == essai
        assert lien.verrouille_le is None
    assert lien_verifier_identite(lien=lien, date_naissance=date(1980, 7, 15)) is False
    assert lien.verrouille_le is not None
    assert LienSecurise.objects.get(pk=lien.pk).tentatives == 5
    assert EntreeJournal.objects.filter(action="lien_verrouille").count() == 1
    # Verrouillé : même la bonne date est refusée, et le jeton ne sert plus.
    with pytest.raises(LienVerrouille):
        lien_verifier_identite(lien=lien, date_naissance=date(1980, 7, 14))
    with pytest.raises(LienVerrouille) as erreur:
        lien_verifier(jeton=jeton)
    assert erreur.value.statut == 403
    assert "bloqué" in erreur.value.message


def test_les_echecs_sont_comptes_en_base_meme_avec_une_copie_perimee(collectivite, personne):
    lien, _jeton = creer(collectivite, personne, date_naissance=date(1980, 7, 14))
    copie = LienSecurise.objects.get(pk=lien.pk)
    lien_verifier_identite(lien=lien, date_naissance=date(1999, 1, 1))
    lien_verifier_identite(lien=copie, date_naissance=date(1999, 1, 1))
    assert LienSecurise.objects.get(pk=lien.pk).tentatives == 2


def test_le_departement_de_naissance_est_verifie_quand_il_est_demande(collectivite, personne):
    lien, _jeton = creer(collectivite, personne, date_naissance=date(1980, 7, 14), departement="2a")
    assert lien.departement_attendu == "2A"
    assert not lien_verifier_identite(lien=lien, date_naissance=date(1980, 7, 14), departement="")
    assert not lien_verifier_identite(lien=lien, date_naissance=date(1980, 7, 14), departement="2B")
    assert lien_verifier_identite(lien=lien, date_naissance=date(1980, 7, 14), departement=" 2a ")


def test_le_departement_sur_un_chiffre_est_complete(collectivite, personne):
    lien, _jeton = creer(collectivite, personne, date_naissance=date(1980, 7, 14), departement="1")
    assert lien.departement_attendu == "01"
    assert lien_verifier_identite(lien=lien, date_naissance=date(1980, 7, 14), departement="1")


def test_un_lien_sans_verification_d_identite_est_accepte(collectivite, personne):
    lien, _jeton = creer(collectivite, personne)
    assert lien.verification_identite is False
    assert lien_verifier_identite(lien=lien, date_naissance=date(2000, 1, 1)) is True


# --- Activation -----------------------------------------------------------------------------


def test_enregistrer_objectifs_declare_l_activation():
    enregistrer_objectifs()
    assert registre.objectifs_liens["activation"] == "liens:activation"
    assert registre.libelle_action("lien_verrouille") != "lien_verrouille"


@pytest.fixture
def mises_en_file(monkeypatch):
    """Remplace la mise en file de la tâche par un enregistreur de ses arguments."""
    from core.tasks import mail_activation_envoyer_task

    appels: list = []

    def noter(args=None, countdown=None, **options):
        appels.append(args)

    monkeypatch.setattr(mail_activation_envoyer_task, "apply_async", noter)
    return appels


def _preparer(personne, collectivite, par=None):
    from core.liens.services import activation_preparer
    from core.mail.models import EnvoiActivation

    envoi = EnvoiActivation.objects.create(collectivite=collectivite, utilisateur=personne, par=par)
    return activation_preparer(envoi)


def test_activation_envoyer_met_en_file_apres_le_commit_des_identifiants_seulement(
    collectivite, personne, mises_en_file, django_capture_on_commit_callbacks
):
    from core.mail.models import EnvoiActivation, StatutEnvoi

    admin = UtilisateurFactory()
    with django_capture_on_commit_callbacks(execute=False) as rappels:
        envoi = activation_envoyer(utilisateur=personne, collectivite=collectivite, par=admin)
    assert mises_en_file == []  # rien avant le commit
    for rappel in rappels:
        rappel()
    # Le broker ne voit que des identifiants : le lien (et son jeton) naîtra dans la tâche.
    assert mises_en_file == [([envoi.pk],)]
    assert not LienSecurise.objects.exists()
    ligne = EnvoiActivation.objects.get()
    assert (ligne.utilisateur, ligne.collectivite, ligne.par) == (personne, collectivite, admin)
    assert ligne.statut == StatutEnvoi.EN_ATTENTE


def test_activation_preparer_cree_le_lien_et_le_message(collectivite, personne, settings):
    settings.ECHARPE_URL_BASE = "https://echarpe.exemple.fr/"
    admin = UtilisateurFactory()
    message = _preparer(personne, collectivite, admin)
    assert message.destinataires == [personne.email]
    assert message.collectivite == collectivite
    assert message.expediteur == admin
    debut = message.texte.index("https://echarpe.exemple.fr/l/")
    jeton = message.texte[debut:].split()[0].removeprefix("https://echarpe.exemple.fr/l/")
    lien = LienSecurise.objects.get()
    assert lien_verifier(jeton=jeton.rstrip("/"), objectif="activation").pk == lien.pk
    assert lien.usage_unique is True
    assert lien.expire_le - lien.cree_le == timedelta(days=7)
    assert lien.date_naissance_attendue == date(1980, 7, 14)
    assert lien.departement_attendu == ""
    assert lien.cree_par == admin


def test_activation_sans_date_de_naissance_ne_demande_pas_d_identite(collectivite):
    personne = UtilisateurFactory(date_naissance=None, departement_naissance="75", password=None)
    message = _preparer(personne, collectivite)
    lien = LienSecurise.objects.get()
    assert lien.verification_identite is False
    assert message.expediteur is None


def test_activation_renvoyee_le_dernier_lien_emis_gagne(collectivite, personne):
    for _ in range(2):
        _preparer(personne, collectivite)
    premier, second = LienSecurise.objects.order_by("cree_le", "pk")
    assert premier.revoque_le is not None
    assert second.revoque_le is None


@pytest.mark.parametrize(
    ("changement", "texte"),
    [({"is_active": False}, "désactivé"), ({"password": "x"}, "déjà activé")],
)
def test_activation_sans_objet_pour_un_compte_desactive_ou_deja_active(
    collectivite, personne, changement, texte
):
    from core.mail.lots import EnvoiSansObjet

    if "password" in changement:
        personne.set_password("Un-mot-de-passe-solide-2026")
    else:
        personne.is_active = False
    personne.save()
    with pytest.raises(EnvoiSansObjet, match=texte):
        _preparer(personne, collectivite)
    assert not LienSecurise.objects.exists()


def test_activation_refuse_un_compte_sans_courriel(collectivite, mises_en_file):
    personne = UtilisateurFactory(email="")
    with pytest.raises(ValueError, match="courriel"):
        activation_envoyer(utilisateur=personne, collectivite=collectivite, par=None)
    assert mises_en_file == []


def test_broker_indisponible_la_demande_aboutit_et_le_log_le_dit(
    collectivite, personne, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    from kombu.exceptions import OperationalError

    from core.mail.models import EnvoiActivation, StatutEnvoi
    from core.tasks import mail_activation_envoyer_task

    def panne(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(mail_activation_envoyer_task, "apply_async", panne)
    with django_capture_on_commit_callbacks(execute=True):
        activation_envoyer(utilisateur=personne, collectivite=collectivite, par=None)
    assert not LienSecurise.objects.exists()
    # La ligne reste « en attente » : le balayage la remettra en file.
    assert EnvoiActivation.objects.get().statut == StatutEnvoi.EN_ATTENTE
    [ligne] = [r for r in caplog.records if r.name == "core.mail.lots"]
    assert ligne.levelname == "ERROR"
    assert personne.email not in ligne.getMessage()


def test_le_courriel_d_activation_contient_le_lien_et_l_identifiant(collectivite, personne):
    contexte = {
        "prenom": "Claire",
        "nom_complet": "Claire MARTIN",
        "identifiant": "claire",
        "collectivite_nom": "Saint-Lien",
        "lien": "https://echarpe.exemple.fr/l/abc/",
        "expire_le": "02/12/2026",
        "verification_identite": True,
    }
    texte = render_to_string("emails/activation.txt", contexte)
    sujet = render_to_string("emails/activation.subject.txt", contexte)
    assert "https://echarpe.exemple.fr/l/abc/" in texte
    assert "claire" in texte
    assert "02/12/2026" in texte
    assert "date de naissance" in texte
    assert "\n" not in sujet
    assert sujet == "Activez votre compte Écharpe — Saint-Lien"


def test_activation_terminer_definit_le_mot_de_passe_une_seule_fois(collectivite, personne):
    lien, _jeton = creer(collectivite, personne)
    activation_terminer(lien=lien, mot_de_passe="Un-mot-de-passe-solide-2026")
    personne.refresh_from_db()
    assert personne.check_password("Un-mot-de-passe-solide-2026")
    entree = EntreeJournal.objects.get(action="mot_de_passe_defini")
    assert entree.collectivite == collectivite
    assert entree.sujet_id == str(personne.pk)
    with pytest.raises(LienDejaUtilise):
        activation_terminer(lien=lien, mot_de_passe="Un-autre-mot-de-passe-2026")
    personne.refresh_from_db()
    assert personne.check_password("Un-mot-de-passe-solide-2026")


def test_activation_terminer_refuse_un_compte_qui_a_deja_un_mot_de_passe(collectivite, personne):
    # Le lien d'un nouvel essai (ou d'un renvoi) arrive après l'activation du compte : il ne
    # doit pas pouvoir remplacer le mot de passe choisi.
    lien, _jeton = creer(collectivite, personne)
    personne.set_password("Mot-de-passe-choisi-2026")
    personne.save()

    with pytest.raises(LienInconnu) as erreur:
        activation_terminer(lien=lien, mot_de_passe="Un-autre-mot-de-passe-2026")

    assert erreur.value.message == MESSAGE_COMPTE_DEJA_ACTIVE
    assert erreur.value.message.startswith("Ce lien n'est plus valable")
    personne.refresh_from_db()
    assert personne.check_password("Mot-de-passe-choisi-2026")
    assert LienSecurise.objects.get(pk=lien.pk).utilise_le is None
    assert not EntreeJournal.objects.filter(action="mot_de_passe_defini").exists()


def test_activation_terminer_un_lien_deja_utilise_le_dit_d_abord(collectivite, personne):
    lien, _jeton = creer(collectivite, personne)
    activation_terminer(lien=lien, mot_de_passe="Un-mot-de-passe-solide-2026")
    copie = LienSecurise.objects.get(pk=lien.pk)
    copie.utilise_le = None  # copie lue avant l'utilisation (autre onglet)
    with pytest.raises(LienDejaUtilise):
        activation_terminer(lien=copie, mot_de_passe="Un-autre-mot-de-passe-2026")


def test_activation_terminer_refuse_un_lien_d_un_autre_objectif(collectivite, personne):
    lien, _jeton = creer(collectivite, personne, objectif="convocation")
    with pytest.raises(LienInconnu):
        activation_terminer(lien=lien, mot_de_passe="Un-mot-de-passe-solide-2026")


@pytest.mark.django_db(transaction=True)
def test_activation_envoyer_passe_par_core_mail_jusqu_a_la_boite(
    collectivite, personne, settings, tmp_path
):
    """De bout en bout avec le vrai `core.mail.services` : la boîte de démonstration reçoit le
    courriel, avec le lien absolu vers /l/<jeton>/."""
    from core.mail.outbox import boite_demo_message, boite_demo_noms

    settings.ECHARPE_BOITE_DEMO = str(tmp_path / "boite")
    settings.ECHARPE_SMTP_DEFAUT = {
        **settings.ECHARPE_SMTP_DEFAUT,
        "hote": "127.0.0.1",
        "expediteur": "mairie@exemple.test",
    }
    settings.ECHARPE_URL_BASE = "https://echarpe.exemple.fr"
    # Hors transaction (comme une vue après son commit) : la tâche part aussitôt (eager).
    envoi = activation_envoyer(utilisateur=personne, collectivite=collectivite, par=None)
    lien = LienSecurise.objects.get()
    envoi.refresh_from_db()
    assert envoi.statut == "envoye"
    assert envoi.code_smtp == 250
    noms = boite_demo_noms()
    assert len(noms) == 1
    message = boite_demo_message(noms[0])
    assert message is not None
    assert message.sujet == "Activez votre compte Écharpe — Saint-Lien"
    assert personne.email in message.destinataires
    debut = message.texte.index("https://echarpe.exemple.fr/l/")
    url = message.texte[debut:].split()[0]
    jeton = url.removeprefix("https://echarpe.exemple.fr/l/").rstrip("/")
    assert lien_verifier(jeton=jeton).pk == lien.pk


# --- Création en lot (envois en nombre) -------------------------------------------------------


def test_liens_creer_en_lot_un_lien_valable_par_cible_et_un_seul_journal(collectivite, personne):
    autre = UtilisateurFactory(username="paul")
    admin = UtilisateurFactory()
    ancien, jeton_ancien = creer(collectivite, personne, objectif="convocation")
    garde, jeton_garde = creer(collectivite, autre, objectif="activation")
    avant = EntreeJournal.objects.count()
    with CaptureQueriesContext(connection) as requetes:
        rendus = liens_creer_en_lot(
            collectivite=collectivite,
            objectif="convocation",
            cibles=[personne, autre],
            duree=timedelta(days=3),
            usage_unique=False,
            par=admin,
        )
    assert set(rendus) == {personne.pk, autre.pk}
    for cible, (lien, jeton) in ((personne, rendus[personne.pk]), (autre, rendus[autre.pk])):
        assert lien_verifier(jeton=jeton, objectif="convocation").pk == lien.pk
        assert lien.cible_id == str(cible.pk)
        assert lien.usage_unique is False
        assert (
            LienSecurise.objects.get(pk=lien.pk).hash_jeton
            == hashlib.sha256(jeton.encode()).hexdigest()
        )
    # Le dernier émis gagne, pour ce seul objectif.
    with pytest.raises(LienRevoque):
        lien_verifier(jeton=jeton_ancien)
    assert lien_verifier(jeton=jeton_garde).pk == garde.pk
    # Une seule entrée de journal pour le lot, sans aucun jeton.
    assert EntreeJournal.objects.count() == avant + 1
    entree = EntreeJournal.objects.get(action="liens_crees")
    assert entree.acteur == admin
    assert entree.details["cibles"] == [str(personne.pk), str(autre.pk)]
    assert sorted(entree.details["liens"]) == sorted(lien.pk for lien, _ in rendus.values())
    for _lien, jeton in rendus.values():
        assert jeton not in str(entree.details)
    # Un nombre de requêtes qui ne dépend pas du nombre de cibles.
    assert len([q for q in requetes.captured_queries if "SAVEPOINT" not in q["sql"]]) <= 8


def test_liens_creer_en_lot_requetes_constantes(collectivite):
    cibles = [UtilisateurFactory() for _ in range(6)]

    def compter(lot):
        with CaptureQueriesContext(connection) as requetes:
            liens_creer_en_lot(
                collectivite=collectivite, objectif="convocation", cibles=lot, duree=timedelta(1)
            )
        return len(requetes.captured_queries)

    compter(cibles[:1])  # crée la chaîne du journal de la collectivité
    assert compter(cibles[1:2]) == compter(cibles[1:])


def test_liens_creer_en_lot_refuse_une_duree_nulle_et_une_cible_non_enregistree(collectivite):
    with pytest.raises(ValueError, match="positive"):
        liens_creer_en_lot(collectivite=collectivite, objectif="x", cibles=[], duree=timedelta(0))
    with pytest.raises(ValueError, match="enregistrée"):
        liens_creer_en_lot(
            collectivite=collectivite,
            objectif="x",
            cibles=[UtilisateurFactory.build()],
            duree=timedelta(1),
        )
    assert (
        liens_creer_en_lot(collectivite=collectivite, objectif="x", cibles=[], duree=timedelta(1))
        == {}
    )

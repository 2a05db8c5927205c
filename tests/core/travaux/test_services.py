"""Travaux suivis : création et mise en file après commit, exécution unique, échecs, relance,
balayage, export du journal (tâches exécutées en mode « eager »)."""

from __future__ import annotations

import csv
import io
import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.comptes.permissions import Action, Capacite
from core.journal.services import journaliser
from core.models import EntreeJournal, StatutTravail, Travail
from core.registry import TypeTravail, registre
from core.tasks import (
    journal_exporter_task,
    mail_activation_envoyer_task,
    travaux_balayer_task,
)
from core.travaux import services as travaux
from core.travaux.services import (
    MESSAGE_DUREE_DEPASSEE,
    MESSAGE_INTERROMPU,
    MESSAGE_INTERROMPU_DEMARRAGE,
    ResultatTravail,
    Suivi,
    TravailErreur,
    TravailPerime,
    brancher_reprise_au_demarrage,
    enregistrer_types_travaux,
    reprise_au_demarrage_requise,
    tache_travail,
    travail_creer,
    travail_execution,
    travail_relancer,
    travaux_balayer,
    travaux_interrompre_au_demarrage,
    verifier_types_travaux,
)
from tests.factories import CollectiviteFactory, UtilisateurFactory

# Ce que fait la tâche d'essai, choisi par le test : None (réussir), ou une exception à lever.
COMPORTEMENT: dict[str, BaseException | None] = {"exception": None}
# Appelé une fois, au milieu de la prochaine exécution (après sa première étape).
PENDANT: list[Callable[[int], None]] = []
executions: list[int] = []


@tache_travail(type="essai", queue="documents")
def tache_essai(suivi: Suivi, travail: Travail) -> None:
    executions.append(travail.pk)
    suivi.avancer(1, "première étape", forcer=True)
    if PENDANT:
        PENDANT.pop()(travail.pk)
    if COMPORTEMENT["exception"] is not None:
        raise COMPORTEMENT["exception"]
    suivi.terminer("résultat.txt", b"contenu")


@pytest.fixture(autouse=True)
def _registre(monkeypatch):
    enregistrer_types_travaux()
    monkeypatch.setitem(
        registre.types_travaux,
        "essai",
        TypeTravail("essai", "Essai", tache_essai, Capacite.ACCUEIL),
    )
    COMPORTEMENT["exception"] = None
    PENDANT.clear()
    executions.clear()


@pytest.fixture
def collectivite(db):
    return CollectiviteFactory.create()


def _creer(collectivite, **kwargs):
    valeurs = {"type": "essai", "libelle": "Essai", "par": None, **kwargs}
    return travail_creer(collectivite=collectivite, **valeurs)


# --- Création -------------------------------------------------------------------------------


def test_le_type_journal_export_est_enregistre_avec_sa_tache_et_sa_file():
    type_travail = registre.types_travaux["journal_export"]
    assert type_travail == TypeTravail(
        "journal_export",
        "Export du journal",
        journal_exporter_task,
        Capacite.JOURNAL,
        Action.EXPORTER,
    )
    assert type_travail.queue == "documents"
    assert journal_exporter_task.name == "core.tasks.journal_exporter_task"


@pytest.mark.django_db
def test_un_type_inconnu_est_refuse(collectivite):
    with pytest.raises(ValueError, match="Type de travail inconnu"):
        _creer(collectivite, type="inexistant")
    assert not Travail.objects.exists()


@pytest.mark.django_db
def test_la_tache_part_apres_le_commit_avec_le_seul_identifiant(
    collectivite, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as rappels:
        travail = _creer(collectivite, parametres={"a": 1}, total=3)
        assert executions == []
    assert len(rappels) == 1
    assert travail.statut == StatutTravail.EN_ATTENTE
    rappels[0]()
    assert executions == [travail.pk]
    travail.refresh_from_db()
    assert travail.statut == StatutTravail.TERMINE


@pytest.mark.django_db(transaction=True)
def test_rien_ne_part_si_la_transaction_est_annulee():
    collectivite = CollectiviteFactory.create()
    with pytest.raises(RuntimeError), transaction.atomic():
        _creer(collectivite)
        raise RuntimeError("annulation")
    assert executions == []
    assert not Travail.objects.exists()


@pytest.mark.django_db
def test_un_broker_indisponible_laisse_le_travail_en_attente(
    collectivite, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def broker_absent(*args, **kwargs):
        raise ConnectionError("redis injoignable")

    monkeypatch.setattr(tache_essai, "apply_async", broker_absent)
    with django_capture_on_commit_callbacks(execute=True):
        travail = _creer(collectivite)
    travail.refresh_from_db()
    assert travail.statut == StatutTravail.EN_ATTENTE
    assert "le balayage le reprendra" in caplog.text


# --- Exécution ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_l_execution_passe_en_cours_puis_termine(collectivite):
    travail = Travail.objects.create(collectivite=collectivite, type="essai", libelle="Essai")
    with travail_execution(travail.pk) as suivi:
        assert suivi is not None
        ligne = Travail.objects.get(pk=travail.pk)
        assert ligne.statut == StatutTravail.EN_COURS
        assert ligne.commence_le is not None
    travail.refresh_from_db()
    assert travail.statut == StatutTravail.TERMINE
    assert travail.termine_le is not None
    assert travail.pourcentage == 100


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statut", [StatutTravail.EN_COURS, StatutTravail.TERMINE, StatutTravail.ECHEC]
)
def test_une_tache_livree_deux_fois_ne_travaille_qu_une_fois(collectivite, statut):
    travail = Travail.objects.create(
        collectivite=collectivite, type="essai", libelle="Essai", statut=statut
    )
    tache_essai(travail.pk)
    assert executions == []
    assert Travail.objects.get(pk=travail.pk).statut == statut


@pytest.mark.django_db
def test_un_travail_introuvable_ne_fait_rien():
    with travail_execution(987654) as suivi:
        assert suivi is None


@pytest.mark.django_db
def test_une_erreur_prevue_montre_son_message(collectivite):
    COMPORTEMENT["exception"] = TravailErreur("Le fichier de la liste est vide.")
    travail = Travail.objects.create(collectivite=collectivite, type="essai", libelle="Essai")
    tache_essai(travail.pk)
    travail.refresh_from_db()
    assert travail.statut == StatutTravail.ECHEC
    assert travail.erreur == "Le fichier de la liste est vide."
    assert travail.progression == 1
    assert travail.termine_le is not None


@pytest.mark.django_db
def test_une_erreur_inattendue_garde_la_trace_dans_les_logs_pas_sur_la_page(collectivite, caplog):
    COMPORTEMENT["exception"] = KeyError("détail interne confidentiel")
    travail = Travail.objects.create(collectivite=collectivite, type="essai", libelle="Essai")
    with caplog.at_level(logging.ERROR, logger="core.travaux.services"):
        tache_essai(travail.pk)
    travail.refresh_from_db()
    assert travail.statut == StatutTravail.ECHEC
    assert "erreur inattendue" in travail.erreur
    assert f"travail n° {travail.pk}" in travail.erreur
    assert "confidentiel" not in travail.erreur
    assert "Traceback" in caplog.text
    assert "confidentiel" in caplog.text


@pytest.mark.django_db
def test_une_duree_depassee_est_un_echec_explique(collectivite):
    COMPORTEMENT["exception"] = SoftTimeLimitExceeded()
    travail = Travail.objects.create(collectivite=collectivite, type="essai", libelle="Essai")
    tache_essai(travail.pk)
    travail.refresh_from_db()
    assert (travail.statut, travail.erreur) == (StatutTravail.ECHEC, MESSAGE_DUREE_DEPASSEE)


@pytest.mark.django_db
def test_l_avancement_est_enregistre_au_plus_deux_fois_par_seconde(collectivite, monkeypatch):
    horloge = iter([100.0, 100.1, 100.2, 100.7])
    monkeypatch.setattr(travaux.time, "monotonic", lambda: next(horloge))
    travail = Travail.objects.create(
        collectivite=collectivite, type="essai", libelle="E", statut=StatutTravail.EN_COURS
    )
    suivi = Suivi(travail)

    lu = []
    for _ in range(4):
        suivi.avancer(1, "ligne")
        lu.append(Travail.objects.get(pk=travail.pk).progression)

    assert lu == [1, 1, 1, 4]


@pytest.mark.django_db
def test_terminer_stocke_le_fichier_sous_un_nom_aleatoire(collectivite, tmp_path):
    travail = Travail.objects.create(
        collectivite=collectivite, type="essai", libelle="E", statut=StatutTravail.EN_COURS
    )
    source = tmp_path / "x.csv"
    source.write_bytes(b"a;b\r\n")
    Suivi(travail).terminer("Liste électorale.CSV", source, message="2 lignes")
    travail.refresh_from_db()
    assert travail.fichier_nom == "Liste électorale.CSV"
    nom = Path(travail.fichier.name).name
    assert nom.endswith(".csv") and "lectorale" not in nom and len(nom) == 36
    assert travail.fichier.read() == b"a;b\r\n"
    assert travail.message == "2 lignes"


# --- Relance --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_relancer_un_travail_en_echec(collectivite, django_capture_on_commit_callbacks):
    agent = UtilisateurFactory.create()
    COMPORTEMENT["exception"] = TravailErreur("Serveur indisponible.")
    with django_capture_on_commit_callbacks(execute=True):
        travail = _creer(collectivite)
    travail.refresh_from_db()
    assert travail.statut == StatutTravail.ECHEC

    COMPORTEMENT["exception"] = None
    with django_capture_on_commit_callbacks() as rappels:
        relance = travail_relancer(travail=travail, par=agent)
    assert relance.statut == StatutTravail.EN_ATTENTE
    assert (relance.erreur, relance.progression, relance.tentatives) == ("", 0, 1)
    entree = EntreeJournal.objects.get(action="travail_relance")
    assert entree.acteur == agent
    assert entree.details == {"tentative": 1, "erreur_precedente": "Serveur indisponible."}
    for rappel in rappels:
        rappel()
    travail.refresh_from_db()
    assert travail.statut == StatutTravail.TERMINE
    assert executions == [travail.pk, travail.pk]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statut", [StatutTravail.EN_ATTENTE, StatutTravail.EN_COURS, StatutTravail.TERMINE]
)
def test_seul_un_travail_en_echec_se_relance(collectivite, statut):
    travail = Travail.objects.create(
        collectivite=collectivite, type="essai", libelle="E", statut=statut
    )
    with pytest.raises(ValidationError, match="Seul un travail en échec"):
        travail_relancer(travail=travail, par=UtilisateurFactory.create())
    assert not EntreeJournal.objects.filter(action="travail_relance").exists()


@pytest.mark.django_db
def test_la_relance_efface_l_ancien_fichier_apres_le_commit(
    collectivite, django_capture_on_commit_callbacks
):
    travail = Travail.objects.create(
        collectivite=collectivite, type="essai", libelle="E", statut=StatutTravail.EN_COURS
    )
    Suivi(travail).terminer("a.txt", b"ancien")
    chemin = Path(travail.fichier.path)
    Travail.objects.filter(pk=travail.pk).update(statut=StatutTravail.ECHEC)
    with django_capture_on_commit_callbacks(execute=True):
        travail_relancer(travail=travail, par=UtilisateurFactory.create())
    assert not chemin.exists()


# --- Exécution périmée (déclarée interrompue alors qu'elle tournait encore) -------------------


def _declarer_interrompu(travail):
    """Le balayage passe après la limite globale (le pool solo ne l'applique pas)."""
    assert travaux_balayer(maintenant=timezone.now() + timedelta(hours=2)) == (0, 1)
    assert Travail.objects.get(pk=travail.pk).erreur == MESSAGE_INTERROMPU


def _fichiers_contenant(contenu: bytes) -> list[Path]:
    racine = Path(settings.MEDIA_ROOT)
    return [f for f in racine.rglob("*") if f.is_file() and f.read_bytes() == contenu]


def _etat(travail_id):
    return Travail.objects.filter(pk=travail_id).values().get()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "ecriture",
    ["avancer", "definir_total", "terminer", "fin_implicite", "erreur_prevue", "exception"],
)
def test_une_execution_perimee_ne_touche_plus_la_ligne(
    collectivite, ecriture, caplog, django_capture_on_commit_callbacks
):
    agent = UtilisateurFactory.create()
    travail = Travail.objects.create(collectivite=collectivite, type="essai", libelle="Essai")
    with caplog.at_level(logging.INFO, logger="core.travaux.services"):
        with travail_execution(travail.pk) as ancien:
            assert ancien is not None
            assert ancien.tentative == 0
            ancien.avancer(3, "ancienne étape", forcer=True)

            _declarer_interrompu(travail)
            with django_capture_on_commit_callbacks(execute=True):
                travail_relancer(travail=travail, par=agent)
            # La nouvelle exécution (mode eager) prend la tentative 1 et va au bout.
            assert executions == [travail.pk]
            apres_relance = _etat(travail.pk)
            assert apres_relance["statut"] == StatutTravail.TERMINE
            assert apres_relance["tentatives"] == 1
            assert apres_relance["fichier_nom"] == "résultat.txt"

            if ecriture == "avancer":
                ancien.avancer(5, "écrit par l'ancienne exécution", forcer=True)
            elif ecriture == "definir_total":
                ancien.definir_total(99)
            elif ecriture == "terminer":
                ancien.terminer("perime.txt", b"ecrit par l'ancienne execution")
            elif ecriture == "erreur_prevue":
                raise TravailErreur("Erreur de l'ancienne exécution.")
            elif ecriture == "exception":
                raise RuntimeError("panne de l'ancienne exécution")
            # « fin_implicite » : le bloc se termine, travail_execution appelle terminer().
        assert ancien.perime is True
        assert ancien.termine is False

    assert _etat(travail.pk) == apres_relance
    travail.refresh_from_db()
    assert travail.fichier.read() == b"contenu"
    assert _fichiers_contenant(b"ecrit par l'ancienne execution") == []
    assert "la tentative 0 n'est plus en cours" in caplog.text


@pytest.mark.django_db
def test_une_execution_declaree_interrompue_ne_se_termine_pas_par_dessus(collectivite):
    travail = Travail.objects.create(collectivite=collectivite, type="essai", libelle="Essai")
    with travail_execution(travail.pk) as ancien:
        assert ancien is not None
        _declarer_interrompu(travail)
        avant = _etat(travail.pk)
        ancien.terminer("tardif.txt", b"resultat tardif")
    assert _etat(travail.pk) == avant
    assert avant["statut"] == StatutTravail.INTERROMPU
    assert _fichiers_contenant(b"resultat tardif") == []


@pytest.mark.django_db
def test_une_ecriture_perimee_leve_travail_perime_et_les_suivantes_aussi(collectivite):
    travail = Travail.objects.create(
        collectivite=collectivite, type="essai", libelle="E", statut=StatutTravail.EN_COURS
    )
    suivi = Suivi(travail)
    assert suivi.tentative == 0
    Travail.objects.filter(pk=travail.pk).update(tentatives=1)
    with pytest.raises(TravailPerime):
        suivi.avancer(1, forcer=True)
    Travail.objects.filter(pk=travail.pk).update(tentatives=0)
    with pytest.raises(TravailPerime):  # une exécution périmée le reste
        suivi.terminer()
    assert Travail.objects.get(pk=travail.pk).statut == StatutTravail.EN_COURS


@pytest.mark.django_db
def test_la_tache_perimee_s_arrete_sans_echec_pour_celery(
    collectivite, django_capture_on_commit_callbacks
):
    """Celery ne voit ni exception ni échec (rien à réessayer) ; la relance garde la ligne."""
    agent = UtilisateurFactory.create()
    travail = Travail.objects.create(collectivite=collectivite, type="essai", libelle="Essai")
    apres_relance = {}

    def interrompre_puis_relancer(travail_id):
        _declarer_interrompu(travail)
        with django_capture_on_commit_callbacks(execute=True):
            travail_relancer(travail=Travail.objects.get(pk=travail_id), par=agent)
        apres_relance.update(_etat(travail_id))  # la nouvelle exécution est allée au bout

    PENDANT.append(interrompre_puis_relancer)
    fichiers_avant = len(_fichiers_contenant(b"contenu"))
    resultat = tache_essai.apply(args=(travail.pk,), throw=True)

    assert resultat.successful()
    assert executions == [travail.pk, travail.pk]
    assert apres_relance["statut"] == StatutTravail.TERMINE
    assert apres_relance["tentatives"] == 1
    assert _etat(travail.pk) == apres_relance
    # Seul le fichier de la nouvelle exécution reste ; celui de l'ancienne a été effacé.
    assert len(_fichiers_contenant(b"contenu")) == fichiers_avant + 1


# --- Balayage -------------------------------------------------------------------------------


def _il_y_a(**duree):
    return timezone.now() - timedelta(**duree)


@pytest.mark.django_db
def test_le_balayage_declare_interrompu_un_travail_dont_le_battement_s_est_tu(collectivite):
    maintenant = timezone.now()

    def en_cours(libelle, **dates):
        return Travail.objects.create(
            collectivite=collectivite,
            type="essai",
            libelle=libelle,
            statut=StatutTravail.EN_COURS,
            **dates,
        )

    en_cours("muet", commence_le=_il_y_a(minutes=4), battement_le=_il_y_a(minutes=3))
    # Un travail long mais vivant : commencé il y a longtemps, il bat encore.
    en_cours("long et vivant", commence_le=_il_y_a(hours=2), battement_le=_il_y_a(seconds=20))
    en_cours("ancien sans battement", commence_le=_il_y_a(hours=1))
    en_cours("tout juste commencé", commence_le=_il_y_a(seconds=5))
    Travail.objects.create(
        collectivite=collectivite,
        type="essai",
        libelle="fini",
        statut=StatutTravail.TERMINE,
        battement_le=_il_y_a(hours=1),
    )

    assert travaux_balayer(maintenant=maintenant) == (0, 2)

    assert dict(Travail.objects.values_list("libelle", "statut")) == {
        "muet": StatutTravail.INTERROMPU,
        "long et vivant": StatutTravail.EN_COURS,
        "ancien sans battement": StatutTravail.INTERROMPU,
        "tout juste commencé": StatutTravail.EN_COURS,
        "fini": StatutTravail.TERMINE,
    }
    muet = Travail.objects.get(libelle="muet")
    assert (muet.erreur, muet.termine_le) == (MESSAGE_INTERROMPU, maintenant)
    assert muet.get_statut_display() == "Interrompu"


@pytest.mark.django_db
def test_le_delai_de_silence_est_un_reglage(collectivite, settings):
    settings.ECHARPE_TRAVAIL_BATTEMENT_DELAI = 600
    Travail.objects.create(
        collectivite=collectivite,
        type="essai",
        libelle="E",
        statut=StatutTravail.EN_COURS,
        battement_le=_il_y_a(minutes=5),
    )
    assert travaux_balayer() == (0, 0)
    settings.ECHARPE_TRAVAIL_BATTEMENT_DELAI = 60
    assert travaux_balayer() == (0, 1)


@pytest.mark.django_db
def test_chaque_ecriture_du_suivi_bat(collectivite):
    travail = Travail.objects.create(
        collectivite=collectivite,
        type="essai",
        libelle="E",
        statut=StatutTravail.EN_COURS,
        battement_le=_il_y_a(hours=1),
    )
    avant = timezone.now()
    Suivi(travail).avancer(1, forcer=True)
    assert Travail.objects.get(pk=travail.pk).battement_le >= avant


@pytest.mark.django_db
def test_la_prise_bat(collectivite):
    travail = Travail.objects.create(collectivite=collectivite, type="essai", libelle="E")
    with travail_execution(travail.pk) as suivi:
        assert suivi is not None
        ligne = Travail.objects.get(pk=travail.pk)
        assert ligne.battement_le == ligne.commence_le is not None


@pytest.mark.django_db(transaction=True)
def test_une_etape_longue_sans_avancement_bat_quand_meme(settings):
    """Le fil de battement écrit seul pendant une étape muette (conversion, rendu PDF)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.ECHARPE_TRAVAIL_BATTEMENT_INTERVALLE = 0.05
    collectivite = CollectiviteFactory.create()
    travail = Travail.objects.create(collectivite=collectivite, type="essai", libelle="E")
    battements = []
    with travail_execution(travail.pk) as suivi:
        assert suivi is not None
        pris = Travail.objects.get(pk=travail.pk).battement_le
        limite = time.monotonic() + 10
        while time.monotonic() < limite and len(set(battements)) < 3:
            time.sleep(0.05)
            battements.append(Travail.objects.get(pk=travail.pk).battement_le)
    assert len({b for b in battements if b > pris}) >= 2
    assert Travail.objects.get(pk=travail.pk).statut == StatutTravail.TERMINE
    assert not [f for f in threading.enumerate() if f.name.startswith("battement-travail-")]


def _oublie(collectivite, *, depuis, mises=1, libelle="oublié"):
    travail = Travail.objects.create(
        collectivite=collectivite, type="essai", libelle=libelle, mises_en_file=mises
    )
    Travail.objects.filter(pk=travail.pk).update(mis_en_file_le=depuis)
    return travail


@pytest.mark.django_db
def test_le_balayage_remet_en_file_un_travail_oublie_mais_pas_un_travail_qui_attend(
    collectivite,
):
    maintenant = timezone.now()
    oublie = _oublie(collectivite, depuis=maintenant - timedelta(minutes=11))
    _oublie(collectivite, depuis=maintenant - timedelta(minutes=3), libelle="en file")

    assert travaux_balayer(maintenant=maintenant) == (1, 0)

    assert executions == [oublie.pk]
    assert dict(Travail.objects.values_list("libelle", "statut")) == {
        "oublié": StatutTravail.TERMINE,
        "en file": StatutTravail.EN_ATTENTE,
    }


@pytest.mark.django_db
def test_le_balayage_ne_remet_pas_en_file_ce_qu_il_vient_de_remettre(collectivite, monkeypatch):
    """File encombrée : le travail attend toujours son tour ; le balayage n'empile pas un
    message par passage, il attend 10, puis 20, puis 40 minutes."""
    envoyes = []
    monkeypatch.setattr(travaux, "_mettre_en_file", lambda pk, tache: envoyes.append(pk))
    debut = timezone.now()
    travail = _oublie(collectivite, depuis=debut)

    passages = [debut + timedelta(minutes=m) for m in range(0, 80)]
    remis_a = [m for m, quand in enumerate(passages) if travaux_balayer(maintenant=quand)[0]]

    assert remis_a == [10, 30, 70]
    assert envoyes == [travail.pk] * 3
    travail.refresh_from_db()
    assert travail.mises_en_file == 4
    assert travail.statut == StatutTravail.EN_ATTENTE


@pytest.mark.django_db
def test_deux_balayages_simultanes_ne_remettent_en_file_qu_une_fois(collectivite, monkeypatch):
    envoyes = []
    monkeypatch.setattr(travaux, "_mettre_en_file", lambda pk, tache: envoyes.append(pk))
    travail = _oublie(collectivite, depuis=_il_y_a(minutes=15))
    vraie_remise_due = travaux._remise_due
    autre_balayage: list[tuple[int, int]] = []
    en_cours = []

    def remise_due(*args):
        # L'autre balayage passe entre la lecture des travaux oubliés et l'écriture.
        if not en_cours:
            en_cours.append(1)
            autre_balayage.append(travaux_balayer())
        return vraie_remise_due(*args)

    monkeypatch.setattr(travaux, "_remise_due", remise_due)
    assert travaux_balayer() == (0, 0)
    assert autre_balayage == [(1, 0)]
    assert envoyes == [travail.pk]


@pytest.mark.django_db
def test_une_mise_en_file_impossible_est_retentee_au_prochain_balayage(
    collectivite, django_capture_on_commit_callbacks, monkeypatch
):
    pannes = []

    def broker_absent(*args, **kwargs):
        pannes.append(1)
        raise ConnectionError("redis injoignable")

    with monkeypatch.context() as m:
        m.setattr(tache_essai, "apply_async", broker_absent)
        with django_capture_on_commit_callbacks(execute=True):
            travail = _creer(collectivite)
    travail.refresh_from_db()
    assert (travail.statut, travail.mis_en_file_le) == (StatutTravail.EN_ATTENTE, None)
    assert pannes == [1]

    assert travaux_balayer() == (1, 0)  # sans attendre la période
    assert executions == [travail.pk]


@pytest.mark.django_db
def test_la_tache_de_balayage_appelle_le_service(collectivite, monkeypatch):
    appels = []
    monkeypatch.setattr("core.tasks.travaux_balayer", lambda: appels.append(1))
    travaux_balayer_task()
    assert appels == [1]


# --- Export du journal ----------------------------------------------------------------------


@pytest.mark.django_db
def test_l_export_du_journal_parcourt_par_lots_et_avance(collectivite, monkeypatch):
    monkeypatch.setattr("core.journal.services.TAILLE_LOT_EXPORT", 3)
    avancees = []
    avancer = Suivi.avancer

    def espion(self, n=1, message="", **kwargs):
        avancees.append(n)
        avancer(self, n, message, **kwargs)

    monkeypatch.setattr(Suivi, "avancer", espion)
    deja = EntreeJournal.objects.filter(collectivite=collectivite).count()
    for i in range(7):
        journaliser(action="essai", collectivite=collectivite, details={"i": i})
    travail = Travail.objects.create(collectivite=collectivite, type="journal_export", libelle="E")

    journal_exporter_task(travail.pk)

    travail.refresh_from_db()
    total = deja + 7
    assert travail.statut == StatutTravail.TERMINE
    assert (travail.total, travail.progression) == (total, total)
    assert sum(avancees) == total and max(avancees) == 3
    assert travail.fichier_nom.startswith(f"journal-{collectivite.slug}-")
    texte = travail.fichier.read().decode("utf-8-sig")
    lignes = list(csv.reader(io.StringIO(texte), delimiter=";"))
    assert len(lignes) == total + 1
    numeros = [int(ligne[0]) for ligne in lignes[1:]]
    assert numeros == sorted(numeros)


@pytest.mark.django_db
def test_l_export_ne_prend_que_la_collectivite_du_travail(collectivite):
    autre = CollectiviteFactory.create()
    journaliser(action="secret", collectivite=autre, details={"x": "ailleurs"})
    journaliser(action="ici", collectivite=collectivite)
    travail = Travail.objects.create(collectivite=collectivite, type="journal_export", libelle="E")
    journal_exporter_task(travail.pk)
    travail.refresh_from_db()
    texte = travail.fichier.read().decode("utf-8-sig")
    assert "ici" in texte and "ailleurs" not in texte and "secret" not in texte


# --- Déclaration des types et des tâches ------------------------------------------------------


def _erreurs(monkeypatch, type_travail):
    monkeypatch.setitem(registre.types_travaux, type_travail.code, type_travail)
    return [(e.id, e.obj) for e in verifier_types_travaux()]


@shared_task(name="tests.core.test_travaux.tache_non_decoree")
def tache_non_decoree(travail_id: int) -> None:
    pass


@shared_task(name="tests.core.test_travaux.tache_file_inconnue", type_travail="file_inconnue")
def tache_file_inconnue(travail_id: int) -> None:
    pass


def test_les_types_du_socle_passent_le_check():
    assert verifier_types_travaux() == []


@pytest.mark.parametrize(
    ("type_travail", "attendu"),
    [
        # Un chemin (avec une faute) n'est plus accepté : le check échoue au démarrage.
        (
            TypeTravail("chemin", "C", "core.tasks.journal_exporteur_task", Capacite.ACCUEIL),
            [("echarpe.E101", "chemin")],
        ),
        (
            TypeTravail("non_decore", "N", tache_non_decoree, Capacite.ACCUEIL),
            [("echarpe.E102", "non_decore")],
        ),
        (
            TypeTravail("autre_type", "A", journal_exporter_task, Capacite.ACCUEIL),
            [("echarpe.E102", "autre_type")],
        ),
        (
            TypeTravail("file_inconnue", "F", tache_file_inconnue, Capacite.ACCUEIL),
            [("echarpe.E103", "file_inconnue")],
        ),
    ],
)
def test_un_type_mal_declare_fait_echouer_le_check(monkeypatch, type_travail, attendu):
    assert _erreurs(monkeypatch, type_travail) == attendu


def test_le_check_est_enregistre_aupres_de_django(monkeypatch):
    from django.core import checks

    monkeypatch.setitem(
        registre.types_travaux,
        "chemin",
        TypeTravail("chemin", "C", "core.tasks.inexistante", Capacite.ACCUEIL),
    )
    assert "echarpe.E101" in {e.id for e in checks.run_checks(tags=["echarpe"])}


def test_un_battement_plus_lent_que_le_delai_fait_echouer_le_check(settings):
    settings.ECHARPE_TRAVAIL_BATTEMENT_INTERVALLE = 60
    settings.ECHARPE_TRAVAIL_BATTEMENT_DELAI = 90
    assert [e.id for e in verifier_types_travaux()] == ["echarpe.E104"]


def test_le_decorateur_refuse_une_file_inconnue():
    with pytest.raises(ValueError, match="File inconnue"):
        tache_travail(type="essai", queue="documets")


def test_la_tache_decoree_part_dans_la_file_declaree():
    @tache_travail(type="essai_mail", queue="mail")
    def tache_essai_mail(suivi, travail):
        return None

    def file(tache):
        route = tache.app.amqp.router.route({}, tache.name, (42,), {}, task_type=tache)
        return route["queue"].name

    assert file(tache_essai_mail) == "mail"
    assert file(journal_exporter_task) == "documents"
    # Une tâche ordinaire d'envoi suit toujours les motifs de CELERY_TASK_ROUTES.
    assert file(mail_activation_envoyer_task) == "mail"


def test_une_route_qui_contredit_la_file_declaree_fait_echouer_le_check(settings):
    from config.celery import app

    routes = app.amqp.router.routes
    try:
        app.amqp.router.routes = [lambda name, *args, **kwargs: {"queue": "mail"}]
        erreurs = verifier_types_travaux()
        assert {e.id for e in erreurs} == {"echarpe.E105"}
        assert "journal_export" in {e.obj for e in erreurs}
    finally:
        app.amqp.router.routes = routes


@pytest.mark.django_db
def test_la_tache_decoree_prend_le_travail_une_seule_fois(collectivite):
    travail = Travail.objects.create(collectivite=collectivite, type="essai", libelle="E")
    tache_essai(travail.pk)
    tache_essai(travail.pk)
    assert executions == [travail.pk]
    assert Travail.objects.get(pk=travail.pk).statut == StatutTravail.TERMINE


@pytest.mark.django_db
def test_la_tache_decoree_ne_prend_pas_un_travail_d_un_autre_type(collectivite):
    travail = Travail.objects.create(collectivite=collectivite, type="journal_export", libelle="E")
    tache_essai(travail.pk)
    assert executions == []
    assert Travail.objects.get(pk=travail.pk).statut == StatutTravail.EN_ATTENTE


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("exception", "attendu"),
    [
        (TravailErreur("La liste est vide."), "La liste est vide."),
        (RuntimeError("détail interne"), "erreur inattendue"),
    ],
)
def test_la_tache_decoree_enregistre_les_erreurs(collectivite, exception, attendu):
    COMPORTEMENT["exception"] = exception
    travail = Travail.objects.create(collectivite=collectivite, type="essai", libelle="E")
    resultat = tache_essai.apply(args=(travail.pk,), throw=True)
    assert resultat.successful()
    travail.refresh_from_db()
    assert travail.statut == StatutTravail.ECHEC
    assert attendu in travail.erreur
    assert "détail interne" not in travail.erreur


@pytest.mark.django_db
def test_la_tache_decoree_termine_avec_le_resultat_rendu(collectivite, monkeypatch):
    @tache_travail(type="essai_resultat", queue="documents")
    def tache_resultat(suivi, travail):
        return ResultatTravail(message="3 lignes", fichier_nom="a.txt", contenu=b"abc")

    travail = Travail.objects.create(collectivite=collectivite, type="essai_resultat", libelle="E")
    tache_resultat(travail.pk)
    travail.refresh_from_db()
    assert (travail.statut, travail.message, travail.fichier_nom) == (
        StatutTravail.TERMINE,
        "3 lignes",
        "a.txt",
    )
    assert travail.fichier.read() == b"abc"


# --- Relance d'un travail interrompu, reprise au démarrage de la démonstration ---------------


@pytest.mark.django_db
def test_un_travail_interrompu_se_relance(collectivite, django_capture_on_commit_callbacks):
    travail = Travail.objects.create(
        collectivite=collectivite,
        type="essai",
        libelle="E",
        statut=StatutTravail.INTERROMPU,
        erreur=MESSAGE_INTERROMPU,
        battement_le=_il_y_a(hours=1),
        mises_en_file=3,
    )
    with django_capture_on_commit_callbacks() as rappels:
        relance = travail_relancer(travail=travail, par=UtilisateurFactory.create())
    assert (relance.statut, relance.tentatives, relance.mises_en_file) == (
        StatutTravail.EN_ATTENTE,
        1,
        1,
    )
    assert relance.battement_le is None and relance.mis_en_file_le is not None
    for rappel in rappels:
        rappel()
    assert Travail.objects.get(pk=travail.pk).statut == StatutTravail.TERMINE


@pytest.mark.django_db
def test_au_demarrage_les_travaux_d_avant_l_arret_sont_interrompus(collectivite):
    demarre_le = timezone.now()
    for libelle, statut in [
        ("en cours", StatutTravail.EN_COURS),
        ("en attente", StatutTravail.EN_ATTENTE),
        ("terminé", StatutTravail.TERMINE),
    ]:
        Travail.objects.create(
            collectivite=collectivite, type="essai", libelle=libelle, statut=statut
        )
    Travail.objects.update(modifie_le=demarre_le - timedelta(seconds=1))
    Travail.objects.create(
        collectivite=collectivite, type="essai", libelle="après", statut=StatutTravail.EN_COURS
    )

    assert travaux_interrompre_au_demarrage(demarre_le=demarre_le) == 2

    assert dict(Travail.objects.values_list("libelle", "statut")) == {
        "en cours": StatutTravail.INTERROMPU,
        "en attente": StatutTravail.INTERROMPU,
        "terminé": StatutTravail.TERMINE,
        "après": StatutTravail.EN_COURS,
    }
    assert Travail.objects.get(libelle="en cours").erreur == MESSAGE_INTERROMPU_DEMARRAGE


@pytest.mark.parametrize(
    ("eager", "argv", "environ", "attendu"),
    [
        (True, ["manage.py", "runserver", "127.0.0.1:8000"], {"RUN_MAIN": "true"}, True),
        (True, ["manage.py", "runserver", "--noreload"], {}, True),
        # Le processus qui surveille les fichiers ne sert pas de requête.
        (True, ["manage.py", "runserver"], {}, False),
        (True, ["manage.py", "migrate"], {"RUN_MAIN": "true"}, False),
        (True, ["/usr/bin/pytest", "-q"], {}, False),
        # Avec des workers, c'est le balayage qui s'en charge.
        (False, ["manage.py", "runserver"], {"RUN_MAIN": "true"}, False),
    ],
)
def test_la_reprise_au_demarrage_ne_vaut_que_pour_le_serveur_de_demonstration(
    settings, eager, argv, environ, attendu
):
    settings.CELERY_TASK_ALWAYS_EAGER = eager
    assert reprise_au_demarrage_requise(argv, environ) is attendu


@pytest.mark.django_db
def test_la_reprise_au_demarrage_passe_a_la_premiere_requete_seulement(collectivite, client):
    from django.core.signals import request_started

    brancher_reprise_au_demarrage()
    try:
        travail = Travail.objects.create(
            collectivite=collectivite, type="essai", libelle="E", statut=StatutTravail.EN_COURS
        )
        Travail.objects.filter(pk=travail.pk).update(modifie_le=_il_y_a(minutes=1))
        client.get(reverse("login"))
        assert Travail.objects.get(pk=travail.pk).statut == StatutTravail.INTERROMPU
        Travail.objects.filter(pk=travail.pk).update(statut=StatutTravail.EN_COURS)
        client.get(reverse("login"))
        assert Travail.objects.get(pk=travail.pk).statut == StatutTravail.EN_COURS
    finally:
        request_started.disconnect(dispatch_uid="core.travaux.services.reprise")


# --- Messages en français --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("entrees", "message"),
    [(1, "1\u00a0entrée exportée"), (2, "2\u00a0entrées exportées")],
)
def test_le_message_de_l_export_accorde_le_nombre(monkeypatch, entrees, message):
    collectivite = CollectiviteFactory.create()
    for i in range(entrees):
        journaliser(action="essai", collectivite=collectivite, details={"i": i})
    travail = Travail.objects.create(
        collectivite=collectivite,
        type="journal_export",
        libelle="E",
        parametres={"action": "essai"},
    )
    journal_exporter_task(travail.pk)
    travail.refresh_from_db()
    assert (travail.progression, travail.message) == (entrees, message)


def test_la_tache_decoree_se_met_en_file_avec_le_seul_identifiant():
    # Celery vérifie les arguments d'appel sur la signature de la tâche, pas de la fonction.
    with pytest.raises(TypeError):
        tache_essai.apply_async(args=(1, 2))
    with pytest.raises(TypeError):
        tache_essai.apply_async(args=())

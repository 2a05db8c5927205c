"""Travaux suivis : création et mise en file après commit, exécution unique, échecs, relance,
balayage, export du journal (tâches exécutées en mode « eager »)."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core import travaux
from core.journal import journaliser
from core.models import EntreeJournal, StatutTravail, Travail
from core.permissions import Action, Capacite
from core.registry import TypeTravail, registre
from core.tasks import journal_exporter_task, travaux_balayer_task
from core.travaux import (
    MESSAGE_DUREE_DEPASSEE,
    MESSAGE_INTERROMPU,
    Suivi,
    TravailErreur,
    TravailPerime,
    enregistrer_types_travaux,
    travail_creer,
    travail_execution,
    travail_relancer,
    travaux_balayer,
)
from tests.factories import CollectiviteFactory, UtilisateurFactory

# Ce que fait la tâche d'essai, choisi par le test : None (réussir), ou une exception à lever.
COMPORTEMENT: dict[str, BaseException | None] = {"exception": None}
# Appelé une fois, au milieu de la prochaine exécution (après sa première étape).
PENDANT: list[Callable[[int], None]] = []
executions: list[int] = []


@shared_task(name="tests.core.test_travaux.tache_essai")
def tache_essai(travail_id: int) -> None:
    with travail_execution(travail_id) as suivi:
        if suivi is None:
            return
        executions.append(travail_id)
        suivi.avancer(1, "première étape", forcer=True)
        if PENDANT:
            PENDANT.pop()(travail_id)
        if COMPORTEMENT["exception"] is not None:
            raise COMPORTEMENT["exception"]
        suivi.terminer("résultat.txt", b"contenu")


@pytest.fixture(autouse=True)
def _registre(monkeypatch):
    enregistrer_types_travaux()
    monkeypatch.setitem(
        registre.types_travaux,
        "essai",
        TypeTravail("essai", "Essai", "tests.core.test_travaux.tache_essai", Capacite.ACCUEIL),
    )
    COMPORTEMENT["exception"] = None
    PENDANT.clear()
    executions.clear()


@pytest.fixture
def collectivite(db):
    return CollectiviteFactory.create()


def _creer(collectivite, **kwargs):
    valeurs = {"type": "essai", "libelle": "Essai", "demandeur": None, **kwargs}
    return travail_creer(collectivite=collectivite, **valeurs)


# --- Création -------------------------------------------------------------------------------


def test_le_type_journal_export_est_enregistre():
    assert registre.types_travaux["journal_export"] == TypeTravail(
        "journal_export",
        "Export du journal",
        "core.tasks.journal_exporter_task",
        Capacite.JOURNAL,
        Action.EXPORTER,
    )


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
    with caplog.at_level(logging.ERROR, logger="core.travaux"):
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
    with caplog.at_level(logging.INFO, logger="core.travaux"):
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
    assert avant["statut"] == StatutTravail.ECHEC
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


@pytest.mark.django_db
def test_le_balayage_reprend_les_travaux_oublies_et_declare_les_interrompus(collectivite):
    maintenant = timezone.now()
    oublie = Travail.objects.create(collectivite=collectivite, type="essai", libelle="oublié")
    recent = Travail.objects.create(collectivite=collectivite, type="essai", libelle="récent")
    interrompu = Travail.objects.create(
        collectivite=collectivite,
        type="essai",
        libelle="interrompu",
        statut=StatutTravail.EN_COURS,
        commence_le=maintenant - timedelta(hours=2),
    )
    en_cours = Travail.objects.create(
        collectivite=collectivite,
        type="essai",
        libelle="en cours",
        statut=StatutTravail.EN_COURS,
        commence_le=maintenant - timedelta(minutes=3),
    )
    Travail.objects.filter(pk=oublie.pk).update(modifie_le=maintenant - timedelta(minutes=11))

    assert travaux_balayer(maintenant=maintenant) == (1, 1)

    assert executions == [oublie.pk]
    etats = dict(Travail.objects.values_list("libelle", "statut"))
    assert etats == {
        "oublié": StatutTravail.TERMINE,
        "récent": StatutTravail.EN_ATTENTE,
        "interrompu": StatutTravail.ECHEC,
        "en cours": StatutTravail.EN_COURS,
    }
    assert Travail.objects.get(pk=interrompu.pk).erreur == MESSAGE_INTERROMPU
    assert recent.pk not in executions and en_cours.pk not in executions


@pytest.mark.django_db
def test_le_balayage_ne_remet_pas_en_file_a_chaque_passage(collectivite, monkeypatch):
    envoyes = []
    monkeypatch.setattr(travaux, "_mettre_en_file", lambda pk, tache: envoyes.append(pk))
    travail = Travail.objects.create(collectivite=collectivite, type="essai", libelle="E")
    Travail.objects.filter(pk=travail.pk).update(modifie_le=timezone.now() - timedelta(minutes=15))
    travaux_balayer()
    travaux_balayer()
    assert envoyes == [travail.pk]


@pytest.mark.django_db
def test_la_tache_de_balayage_appelle_le_service(collectivite, monkeypatch):
    appels = []
    monkeypatch.setattr("core.tasks.travaux_balayer", lambda: appels.append(1))
    travaux_balayer_task()
    assert appels == [1]


# --- Export du journal ----------------------------------------------------------------------


@pytest.mark.django_db
def test_l_export_du_journal_parcourt_par_lots_et_avance(collectivite, monkeypatch):
    monkeypatch.setattr("core.journal.TAILLE_LOT_EXPORT", 3)
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

"""`core.mail.lots` : envoi en nombre contre un vrai serveur SMTP local (aiosmtpd, 127.0.0.1).

Les lignes de statut sont des `EnvoiActivation` (le modèle concret du socle) ; la préparation
est celle du test, pour ne mesurer que le chemin d'envoi. Les tests tournent hors transaction
(`transaction=True`) : `lot_envoyer` refuse de tourner dans une transaction.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from django import db
from django.db import transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.mail import lots as module_lots
from core.mail.connexion import ConnexionSMTP
from core.mail.lots import (
    MESSAGE_INTERROMPU,
    EnvoiDansTransaction,
    EnvoiSansObjet,
    MessagePrepare,
    delai_essai,
    lot_balayer,
    lot_envoyer,
    lot_mettre_en_file,
)
from core.mail.models import EnvoiActivation, MessageEnvoye, StatutEnvoi, StatutMessage
from tests.factories import UtilisateurFactory
from tests.smtp_local import *  # noqa: F403  (fixtures du serveur local)
from tests.smtp_local import creer_compte

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.reseau]


class FausseTache:
    """Note les remises en file au lieu de les envoyer au broker."""

    def __init__(self) -> None:
        self.appels: list[tuple[list[int], int | None]] = []

    def apply_async(self, args: Any = None, countdown: Any = None, **options: Any) -> None:
        self.appels.append((list(args[0]), countdown))


def _lignes(monde, nombre, *, prefixe="electeur"):
    lignes = []
    for numero in range(nombre):
        personne = UtilisateurFactory(email=f"{prefixe}{numero}@exemple.test")
        lignes.append(
            EnvoiActivation.objects.create(collectivite=monde.collectivite, utilisateur=personne)
        )
    return lignes


def _preparer(comptes=None):
    def preparer(ligne: EnvoiActivation) -> MessagePrepare:
        return MessagePrepare(
            collectivite=ligne.collectivite,
            expediteur=None,
            destinataires=[ligne.utilisateur.email],
            sujet="Avis de radiation",
            texte="Bonjour,\nvotre inscription…",
            compte=(comptes or {}).get(ligne.pk),
        )

    return preparer


def _lot(lignes, tache=None, preparer=None):
    return lot_envoyer(
        modele=EnvoiActivation,
        ids=[ligne.pk for ligne in lignes],
        preparer=preparer or _preparer(),
        tache=tache or FausseTache(),
    )


def _rendre_due(ligne):
    EnvoiActivation.objects.filter(pk=ligne.pk).update(
        prochain_essai=timezone.now() - timedelta(seconds=1)
    )


def test_une_seule_connexion_pour_tout_le_lot(monde, serveur_smtp, smtp_sans_verification):
    serveur = serveur_smtp()
    creer_compte(serveur, collectivite=monde.collectivite)
    lignes = _lignes(monde, 5)

    bilan = _lot(lignes)

    assert len(serveur.boite.recus) == 5
    assert serveur.boite.connexions == 1
    assert bilan.connexions == 1
    assert sorted(bilan.envoyes) == sorted(ligne.pk for ligne in lignes)
    for ligne in lignes:
        ligne.refresh_from_db()
        assert ligne.statut == StatutEnvoi.ENVOYE
        assert ligne.code_smtp == 250
        assert "queued as ECHARPE42" in ligne.reponse_smtp
        assert ligne.tentatives == 1
        assert ligne.envoye_le is not None
        assert ligne.message is not None
        assert ligne.message.destinataires == ligne.utilisateur.email


def test_deux_comptes_deux_connexions(monde, serveur_smtp, smtp_sans_verification):
    serveur = serveur_smtp()
    defaut = creer_compte(serveur, collectivite=monde.collectivite)
    agent = creer_compte(
        serveur,
        collectivite=monde.collectivite,
        utilisateur=monde.personnes["agent_elections"],
        adresse_expediteur="agent@saint-test.test",
    )
    lignes = _lignes(monde, 4)
    comptes = {ligne.pk: (defaut if i % 2 else agent) for i, ligne in enumerate(lignes)}

    bilan = _lot(lignes, preparer=_preparer(comptes))

    assert len(serveur.boite.recus) == 4
    assert serveur.boite.connexions == 2
    assert bilan.connexions == 2
    expediteurs = sorted(recu.expediteur for recu in serveur.boite.recus)
    assert expediteurs == ["agent@saint-test.test"] * 2 + ["mairie@saint-test.test"] * 2


def test_une_tache_livree_deux_fois_n_envoie_rien_deux_fois(
    monde, serveur_smtp, smtp_sans_verification
):
    serveur = serveur_smtp()
    creer_compte(serveur, collectivite=monde.collectivite)
    lignes = _lignes(monde, 3)

    _lot(lignes)
    second = _lot(lignes)

    assert len(serveur.boite.recus) == 3
    assert second.envoyes == []
    assert sorted(second.ignores) == sorted(ligne.pk for ligne in lignes)


def test_refus_dans_une_transaction(monde, serveur_smtp, smtp_sans_verification):
    serveur = serveur_smtp()
    creer_compte(serveur, collectivite=monde.collectivite)
    lignes = _lignes(monde, 1)

    with transaction.atomic(), pytest.raises(EnvoiDansTransaction, match="transaction"):
        _lot(lignes)

    assert serveur.boite.recus == []
    lignes[0].refresh_from_db()
    assert lignes[0].statut == StatutEnvoi.EN_ATTENTE
    assert lignes[0].tentatives == 0


def test_echec_definitif_garde_la_reponse_du_serveur(monde, serveur_smtp, smtp_sans_verification):
    serveur = serveur_smtp(reponses={"electeur1@exemple.test": "550 5.1.1 User unknown"})
    creer_compte(serveur, collectivite=monde.collectivite)
    lignes = _lignes(monde, 3)
    tache = FausseTache()

    bilan = _lot(lignes, tache=tache)

    refusee = EnvoiActivation.objects.get(pk=lignes[1].pk)
    assert refusee.statut == StatutEnvoi.ECHEC
    assert refusee.code_smtp == 550
    assert "550 5.1.1 User unknown" in refusee.reponse_smtp
    assert refusee.message is not None
    assert bilan.echecs == [refusee.pk]
    assert tache.appels == []
    # Les autres partent par la même connexion (RSET après le refus).
    assert len(serveur.boite.recus) == 2
    assert serveur.boite.connexions == 1


def test_echec_temporaire_reessaye_plus_tard_puis_echec_apres_la_borne(
    monde, serveur_smtp, smtp_sans_verification, settings
):
    settings.ECHARPE_ENVOI_ESSAIS_MAX = 3
    settings.ECHARPE_ENVOI_DELAIS = [60, 300]
    serveur = serveur_smtp(reponses={"electeur0@exemple.test": "450 4.2.0 Mailbox busy"})
    creer_compte(serveur, collectivite=monde.collectivite)
    (ligne,) = _lignes(monde, 1)
    tache = FausseTache()

    avant = timezone.now()
    _lot([ligne], tache=tache)

    ligne.refresh_from_db()
    assert ligne.statut == StatutEnvoi.EN_ATTENTE
    assert ligne.tentatives == 1
    assert ligne.code_smtp == 450
    assert "Mailbox busy" in ligne.reponse_smtp
    assert avant + timedelta(seconds=59) <= ligne.prochain_essai
    assert ligne.prochain_essai <= timezone.now() + timedelta(seconds=61)
    # La ligne est remise en file avec un délai, pas réessayée dans le worker.
    assert len(tache.appels) == 1
    assert tache.appels[0][0] == [ligne.pk]
    assert 59 <= tache.appels[0][1] <= 62

    # Livrée avant son heure : rien.
    assert _lot([ligne]).ignores == [ligne.pk]

    _rendre_due(ligne)
    _lot([ligne], tache=tache)
    ligne.refresh_from_db()
    assert (ligne.statut, ligne.tentatives) == (StatutEnvoi.EN_ATTENTE, 2)
    assert 299 <= tache.appels[1][1] <= 302

    _rendre_due(ligne)
    _lot([ligne], tache=tache)
    ligne.refresh_from_db()
    assert ligne.statut == StatutEnvoi.ECHEC
    assert ligne.tentatives == 3
    assert ligne.code_smtp == 450
    assert len(tache.appels) == 2
    assert serveur.boite.recus == []


def test_echec_temporaire_puis_succes(monde, serveur_smtp, smtp_sans_verification):
    serveur = serveur_smtp(reponses={"electeur0@exemple.test": ["451 4.3.0 Try later"]})
    creer_compte(serveur, collectivite=monde.collectivite)
    (ligne,) = _lignes(monde, 1)

    _lot([ligne])
    _rendre_due(ligne)
    _lot([ligne])

    ligne.refresh_from_db()
    assert ligne.statut == StatutEnvoi.ENVOYE
    assert ligne.tentatives == 2
    assert len(serveur.boite.recus) == 1


def test_serveur_injoignable_reporte_les_lignes_du_compte_sans_les_essayer(
    monde, port_ferme, smtp_sans_verification
):
    creer_compte(port=port_ferme, collectivite=monde.collectivite)
    lignes = _lignes(monde, 3)
    tache = FausseTache()

    bilan = _lot(lignes, tache=tache)

    assert sorted(bilan.reportes) == sorted(ligne.pk for ligne in lignes)
    etats = {ligne.pk: (ligne.statut, ligne.tentatives) for ligne in EnvoiActivation.objects.all()}
    # La première a été essayée ; les suivantes, du même compte, attendent sans tentative.
    assert etats[lignes[0].pk] == (StatutEnvoi.EN_ATTENTE, 1)
    assert etats[lignes[1].pk] == (StatutEnvoi.EN_ATTENTE, 0)
    assert etats[lignes[2].pk] == (StatutEnvoi.EN_ATTENTE, 0)
    assert sorted(pk for appel in tache.appels for pk in appel[0]) == sorted(etats)
    assert MessageEnvoye.objects.count() == 1


def test_incertain_si_la_connexion_coupe_apres_data(monde, serveur_smtp, smtp_sans_verification):
    smtp_sans_verification.ECHARPE_SMTP_TIMEOUT = 1
    serveur = serveur_smtp(delai_data=3)
    creer_compte(serveur, collectivite=monde.collectivite)
    (ligne,) = _lignes(monde, 1)
    tache = FausseTache()

    bilan = _lot([ligne], tache=tache)

    ligne.refresh_from_db()
    assert ligne.statut == StatutEnvoi.INCERTAIN
    assert "peut-être parti" in ligne.reponse_smtp
    assert bilan.incertains == [ligne.pk]
    assert tache.appels == []
    # Jamais renvoyée automatiquement.
    assert _lot([ligne]).ignores == [ligne.pk]


def test_preparation_sans_objet_termine_la_ligne(monde, serveur_smtp, smtp_sans_verification):
    serveur = serveur_smtp()
    creer_compte(serveur, collectivite=monde.collectivite)
    (ligne,) = _lignes(monde, 1)

    def preparer(ligne):
        raise EnvoiSansObjet("Ce compte est déjà activé : lien non envoyé.")

    _lot([ligne], preparer=preparer)

    ligne.refresh_from_db()
    assert ligne.statut == StatutEnvoi.ECHEC
    assert ligne.reponse_smtp == "Ce compte est déjà activé : lien non envoyé."
    assert serveur.boite.recus == []


def test_balayage_incertain_pour_en_cours_ancien_et_remise_en_file_des_oubliees(monde, settings):
    settings.ECHARPE_ENVOI_EN_COURS_DELAI = 600
    settings.ECHARPE_ENVOI_REMISE_EN_FILE = 300
    maintenant = timezone.now()
    interrompue, recente, oubliee, pas_encore, future = _lignes(monde, 5)
    EnvoiActivation.objects.filter(pk=interrompue.pk).update(
        statut=StatutEnvoi.EN_COURS, en_cours_depuis=maintenant - timedelta(seconds=601)
    )
    EnvoiActivation.objects.filter(pk=recente.pk).update(
        statut=StatutEnvoi.EN_COURS, en_cours_depuis=maintenant - timedelta(seconds=30)
    )
    EnvoiActivation.objects.filter(pk=oubliee.pk).update(
        prochain_essai=maintenant - timedelta(seconds=301)
    )
    EnvoiActivation.objects.filter(pk=pas_encore.pk).update(
        prochain_essai=maintenant - timedelta(seconds=10)
    )
    EnvoiActivation.objects.filter(pk=future.pk).update(
        prochain_essai=maintenant + timedelta(seconds=60)
    )
    tache = FausseTache()

    bilan = lot_balayer(modele=EnvoiActivation, tache=tache)

    assert (bilan.incertains, bilan.remis_en_file) == (1, 1)
    statuts = dict(EnvoiActivation.objects.values_list("pk", "statut"))
    assert statuts[interrompue.pk] == StatutEnvoi.INCERTAIN
    assert statuts[recente.pk] == StatutEnvoi.EN_COURS
    assert EnvoiActivation.objects.get(pk=interrompue.pk).reponse_smtp == MESSAGE_INTERROMPU
    assert tache.appels == [([oubliee.pk], None)]
    # Son heure devient maintenant : le balayage suivant ne la double pas.
    assert lot_balayer(modele=EnvoiActivation, tache=tache).remis_en_file == 0


def test_mise_en_file_par_morceaux_apres_le_commit(monde, settings):
    settings.ECHARPE_ENVOI_TAILLE_LOT = 2
    lignes = _lignes(monde, 5)
    tache = FausseTache()

    with transaction.atomic():
        lot_mettre_en_file(ids=[ligne.pk for ligne in lignes], tache=tache)
        assert tache.appels == []

    ids = sorted(ligne.pk for ligne in lignes)
    assert tache.appels == [(ids[0:2], None), (ids[2:4], None), (ids[4:], None)]


def test_delais_des_nouveaux_essais_viennent_des_reglages(settings):
    settings.ECHARPE_ENVOI_DELAIS = [10, 20]

    assert [delai_essai(n) for n in (1, 2, 3, 9)] == [10, 20, 20, 20]


def test_balayage_rend_a_la_file_une_reservation_abandonnee_jamais_incertaine(monde, settings):
    """Un worker tué avant d'avoir mis la ligne en vol : aucun message n'est parti pour elle,
    elle retourne à la file (sans tentative comptée) au lieu de devenir incertaine."""
    settings.ECHARPE_ENVOI_EN_COURS_DELAI = 600
    settings.ECHARPE_ENVOI_REMISE_EN_FILE = 300
    maintenant = timezone.now()
    abandonnee, recente = _lignes(monde, 2)
    EnvoiActivation.objects.filter(pk=abandonnee.pk).update(
        statut=StatutEnvoi.EN_COURS,
        en_cours_depuis=None,
        tentatives=1,
        prochain_essai=maintenant - timedelta(seconds=601),
    )
    EnvoiActivation.objects.filter(pk=recente.pk).update(
        statut=StatutEnvoi.EN_COURS,
        en_cours_depuis=None,
        tentatives=1,
        prochain_essai=maintenant - timedelta(seconds=30),
    )
    tache = FausseTache()

    bilan = lot_balayer(modele=EnvoiActivation, tache=tache)

    assert (bilan.incertains, bilan.remis_en_file) == (0, 1)
    abandonnee.refresh_from_db()
    assert (abandonnee.statut, abandonnee.tentatives) == (StatutEnvoi.EN_ATTENTE, 0)
    assert tache.appels == [([abandonnee.pk], None)]
    assert EnvoiActivation.objects.get(pk=recente.pk).statut == StatutEnvoi.EN_COURS


def test_le_morceau_est_reserve_d_un_coup_et_un_seul_message_est_en_vol(
    monde, serveur_smtp, smtp_sans_verification
):
    serveur = serveur_smtp()
    creer_compte(serveur, collectivite=monde.collectivite)
    lignes = _lignes(monde, 3)
    vus: list[dict[int, tuple[str, bool]]] = []
    recus: list[list[int]] = []

    def preparer_lot(reservees):
        recus.append([ligne.pk for ligne in reservees])

    base = _preparer()

    def preparer(ligne):
        # À la préparation de chaque ligne : le morceau est réservé, seules les lignes déjà
        # traitées sont parties ; aucune n'est en vol avant sa transaction SMTP.
        vus.append(
            {
                pk: (statut, depuis is not None)
                for pk, statut, depuis in EnvoiActivation.objects.values_list(
                    "pk", "statut", "en_cours_depuis"
                )
            }
        )
        return base(ligne)

    bilan = lot_envoyer(
        modele=EnvoiActivation,
        ids=[ligne.pk for ligne in lignes],
        preparer=preparer,
        preparer_lot=preparer_lot,
        tache=FausseTache(),
    )

    premier, deuxieme, troisieme = (ligne.pk for ligne in lignes)
    assert recus == [[premier, deuxieme, troisieme]]
    assert vus[0] == dict.fromkeys((premier, deuxieme, troisieme), (StatutEnvoi.EN_COURS, False))
    # Le sort d'une ligne partie s'écrit avec la mise en vol de la suivante : à la préparation
    # de la deuxième, la première est encore en vol ; à celle de la troisième, elle est écrite.
    assert vus[1][premier] == (StatutEnvoi.EN_COURS, True)
    assert vus[1][deuxieme] == (StatutEnvoi.EN_COURS, False)
    assert vus[2][premier] == (StatutEnvoi.ENVOYE, True)
    assert vus[2][deuxieme] == (StatutEnvoi.EN_COURS, True)
    assert vus[2][troisieme] == (StatutEnvoi.EN_COURS, False)
    # La fin du lot écrit la dernière.
    assert set(EnvoiActivation.objects.values_list("statut", flat=True)) == {StatutEnvoi.ENVOYE}
    assert sorted(bilan.envoyes) == [premier, deuxieme, troisieme]
    assert bilan.connexions == 1
    # Une seconde livraison de la tâche ne réserve rien : `preparer_lot` ne voit rien.
    recus.clear()
    bilan = lot_envoyer(
        modele=EnvoiActivation,
        ids=[ligne.pk for ligne in lignes],
        preparer=preparer,
        preparer_lot=preparer_lot,
        tache=FausseTache(),
    )
    assert recus == [] and bilan.envoyes == []
    assert len(serveur.boite.recus) == 3


def test_une_ligne_rendue_a_la_file_pendant_le_lot_n_est_pas_envoyee(
    monde, serveur_smtp, smtp_sans_verification
):
    """Le balayage a rendu la réservation à la file entre la prise et la mise en vol : ce lot
    ne l'envoie pas (le worker qui la reprendra le fera), jamais deux fois."""
    serveur = serveur_smtp()
    creer_compte(serveur, collectivite=monde.collectivite)
    (ligne,) = _lignes(monde, 1)
    base = _preparer()

    def preparer(courante):
        EnvoiActivation.objects.filter(pk=courante.pk).update(statut=StatutEnvoi.EN_ATTENTE)
        return base(courante)

    bilan = _lot([ligne], preparer=preparer)

    assert bilan.envoyes == [] and bilan.ignores == [ligne.pk]
    assert serveur.boite.recus == []
    assert EnvoiActivation.objects.get(pk=ligne.pk).statut == StatutEnvoi.EN_ATTENTE


def test_une_erreur_imprevue_rend_les_reservations_a_la_file(
    monde, serveur_smtp, smtp_sans_verification, monkeypatch
):
    serveur = serveur_smtp()
    creer_compte(serveur, collectivite=monde.collectivite)
    premiere, seconde = _lignes(monde, 2)

    def casse(lot, ligne):
        raise RuntimeError("panne de la base")

    monkeypatch.setattr(module_lots, "_envoyer_ligne", casse)
    with pytest.raises(RuntimeError):
        _lot([premiere, seconde])
    for ligne in (premiere, seconde):
        ligne.refresh_from_db()
        assert (ligne.statut, ligne.tentatives) == (StatutEnvoi.EN_ATTENTE, 0)


def test_la_mise_en_vol_est_validee_avant_la_transaction_smtp(
    monde, serveur_smtp, smtp_sans_verification, monkeypatch
):
    """Vu d'une autre connexion à la base (donc validé), au moment de chaque transaction SMTP :
    la ligne du message est la seule en vol, avec sa trace « en cours » ; la précédente est
    « envoyée », avec sa trace. Une requête par message écrit les deux."""
    serveur = serveur_smtp()
    creer_compte(serveur, collectivite=monde.collectivite)
    lignes = _lignes(monde, 3)
    vus: list[tuple[list[str], dict[int, tuple[str, bool, str | None]]]] = []
    transmettre = ConnexionSMTP.transmettre

    def lire() -> dict[int, tuple[str, bool, str | None]]:
        try:
            return {
                ligne.pk: (
                    ligne.statut,
                    ligne.en_cours_depuis is not None,
                    ligne.message.statut if ligne.message else None,
                )
                for ligne in EnvoiActivation.objects.select_related("message")
            }
        finally:
            db.connection.close()

    def espion(self, *, expediteur, destinataires, contenu):
        with ThreadPoolExecutor(max_workers=1) as autre:
            vus.append((list(destinataires), autre.submit(lire).result()))
        return transmettre(
            self, expediteur=expediteur, destinataires=destinataires, contenu=contenu
        )

    monkeypatch.setattr(ConnexionSMTP, "transmettre", espion)
    bilan = _lot(lignes)

    assert sorted(bilan.envoyes) == [ligne.pk for ligne in lignes]
    assert len(vus) == 3
    for rang, (destinataires, etat) in enumerate(vus):
        assert destinataires == [lignes[rang].utilisateur.email]
        en_vol = [pk for pk, (statut, depuis, _) in etat.items() if statut == "en_cours" and depuis]
        assert en_vol == [lignes[rang].pk]
        assert etat[lignes[rang].pk][2] == StatutMessage.EN_COURS
        for precedente in lignes[:rang]:
            assert etat[precedente.pk] == (StatutEnvoi.ENVOYE, True, StatutMessage.ENVOYE)
    for ligne in lignes:
        ligne.refresh_from_db()
        assert ligne.statut == StatutEnvoi.ENVOYE and ligne.code_smtp == 250
        assert ligne.message is not None and ligne.message.statut == StatutMessage.ENVOYE
    assert MessageEnvoye.objects.count() == 3


def test_une_requete_par_message(monde, serveur_smtp, smtp_sans_verification):
    """Mise en vol, trace du message, sort et trace du précédent : une seule requête par
    message ; le reste (prise du morceau, fin du lot) ne dépend pas du nombre de lignes."""
    if db.connection.vendor != "postgresql":
        pytest.skip("Requête unique écrite pour PostgreSQL ; la démonstration en fait plusieurs.")
    serveur = serveur_smtp()
    creer_compte(serveur, collectivite=monde.collectivite)
    comptes = []
    for nombre, prefixe in ((2, "a"), (5, "b")):
        lignes = _lignes(monde, nombre, prefixe=prefixe)
        # Adresses lues d'avance : la préparation du test ne fait aucune requête.
        adresses = {ligne.pk: ligne.utilisateur.email for ligne in lignes}

        def preparer(ligne, adresses=adresses):
            return MessagePrepare(
                collectivite=monde.collectivite,
                expediteur=None,
                destinataires=[adresses[ligne.pk]],
                sujet="Avis de radiation",
                texte="Bonjour.",
            )

        with CaptureQueriesContext(db.connection) as requetes:
            bilan = _lot(lignes, preparer=preparer)
        assert len(bilan.envoyes) == nombre
        comptes.append(len(requetes))
    assert comptes[1] - comptes[0] == 3


def test_une_ecriture_ratee_n_efface_pas_le_sort_du_message_precedent(
    monde, serveur_smtp, smtp_sans_verification, monkeypatch
):
    """La requête qui met en vol la deuxième ligne échoue (annulée en entier) : la deuxième
    ne part pas et finit en échec, la première, déjà partie, est quand même écrite « envoyée »."""
    if db.connection.vendor != "postgresql":
        pytest.skip("Requête unique écrite pour PostgreSQL.")
    serveur = serveur_smtp()
    creer_compte(serveur, collectivite=monde.collectivite)
    premiere, deuxieme, troisieme = _lignes(monde, 3)
    ecrire = module_lots._ecrire_postgresql
    appels: list[int | None] = []

    def panne_une_fois(**kwargs):
        ligne = kwargs["ligne"]
        appels.append(ligne.pk if ligne is not None else None)
        if ligne is not None and ligne.pk == deuxieme.pk:
            raise RuntimeError("base momentanément indisponible")
        return ecrire(**kwargs)

    monkeypatch.setattr(module_lots, "_ecrire_postgresql", panne_une_fois)
    bilan = _lot([premiere, deuxieme, troisieme])

    assert appels == [premiere.pk, deuxieme.pk, troisieme.pk, None]
    assert sorted(bilan.envoyes) == [premiere.pk, troisieme.pk]
    assert bilan.echecs == [deuxieme.pk]
    statuts = dict(EnvoiActivation.objects.values_list("pk", "statut"))
    assert statuts == {
        premiere.pk: StatutEnvoi.ENVOYE,
        deuxieme.pk: StatutEnvoi.ECHEC,
        troisieme.pk: StatutEnvoi.ENVOYE,
    }
    assert sorted(r.destinataires[0] for r in serveur.boite.recus) == sorted(
        [premiere.utilisateur.email, troisieme.utilisateur.email]
    )

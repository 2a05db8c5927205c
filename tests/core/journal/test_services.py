"""Journal : ajout seul, vérification des chaînes, écritures concurrentes ; connexions par
signal, rôles et personnel par les services."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.signals import user_logged_out
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from core.comptes.services import role_creer, role_modifier, role_supprimer, utilisateur_enregistrer
from core.journal.services import (
    JournalInalterable,
    cles_journal,
    journal_verifier,
    journal_verifier_rapport,
    journaliser,
)
from core.models import ChaineJournal, Collectivite, EntreeJournal, Role, TypeRole, Utilisateur
from tests.factories import CollectiviteFactory, RoleFactory, UtilisateurFactory

TABLE = EntreeJournal._meta.db_table


@pytest.fixture(autouse=True)
def _ancre_jetable(settings, tmp_path):
    """Un fichier d'ancrage par test : la base est remise à zéro entre deux tests, lui non."""
    settings.ECHARPE_JOURNAL_ANCRE = str(tmp_path / "ancres.jsonl")


def _ecrire(collectivite, n, **kwargs):
    return [
        journaliser(action="essai", collectivite=collectivite, details={"i": i}, **kwargs)
        for i in range(n)
    ]


def _sql(requete, parametres):
    with connection.cursor() as curseur:
        curseur.execute(requete, parametres)


def _verifier(*args):
    sortie = StringIO()
    try:
        call_command("journal_verifier", *args, stdout=sortie)
    except SystemExit as fin:
        return fin.code, sortie.getvalue()
    return 0, sortie.getvalue()


# --- Ajout seul -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_une_entree_ne_se_modifie_pas_par_l_orm():
    entree = journaliser(action="essai", collectivite=CollectiviteFactory())
    entree.action = "autre"
    with pytest.raises(JournalInalterable):
        entree.save()
    assert EntreeJournal.objects.get(pk=entree.pk).action == "essai"


@pytest.mark.django_db
def test_une_entree_ne_se_supprime_pas_par_l_orm():
    entree = journaliser(action="essai", collectivite=CollectiviteFactory())
    # La suppression se fait dans un bloc atomique sans point de sauvegarde : l'échec annule
    # toute la transaction englobante ; chaque essai a donc le sien.
    with pytest.raises(JournalInalterable), transaction.atomic():
        entree.delete()
    with pytest.raises(JournalInalterable), transaction.atomic():
        EntreeJournal.objects.filter(pk=entree.pk).delete()
    assert EntreeJournal.objects.filter(pk=entree.pk).exists()


# --- Vérification ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_journal_intact_la_commande_sort_en_zero():
    _ecrire(CollectiviteFactory(), 3)
    _ecrire(None, 2)
    code, sortie = _verifier()
    assert code == 0
    entrees = EntreeJournal.objects.count()
    chaines = ChaineJournal.objects.count()
    assert (
        sortie.splitlines()[0]
        == f"Journal intègre : {entrees} entrées vérifiées dans {chaines} chaînes."
    )
    assert journal_verifier() == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "requete",
    [
        f"UPDATE {TABLE} SET details = '{{\"i\": 99}}'::jsonb WHERE id = %s",
        f"UPDATE {TABLE} SET action = 'falsifie' WHERE id = %s",
        f"UPDATE {TABLE} SET horodatage = horodatage - interval '1 day' WHERE id = %s",
        f"UPDATE {TABLE} SET acteur_libelle = 'Quelqu''un d''autre' WHERE id = %s",
    ],
    ids=["details", "action", "horodatage", "auteur"],
)
def test_une_entree_modifiee_en_sql_est_nommee(requete):
    collectivite = CollectiviteFactory(nom="Saint-Exemple")
    entrees = _ecrire(collectivite, 5)
    cible = entrees[2]
    _sql(requete, [cible.pk])

    alterations = journal_verifier(collectivite=collectivite)

    assert [(a.numero, a.raison) for a in alterations] == [(cible.numero, "sceau invalide")]
    date = timezone.localtime(EntreeJournal.objects.get(pk=cible.pk).horodatage)
    code, sortie = _verifier("--collectivite", collectivite.slug)
    assert code == 1
    assert (
        f"Chaîne de Saint-Exemple : entrée n° {cible.numero} du {date:%d/%m/%Y} altérée "
        "(sceau invalide)"
    ) in sortie


@pytest.mark.django_db
def test_une_entree_supprimee_en_sql_laisse_un_trou_nomme():
    collectivite = CollectiviteFactory(nom="Saint-Exemple")
    entrees = _ecrire(collectivite, 5)
    _sql(f"DELETE FROM {TABLE} WHERE id = %s", [entrees[1].pk])

    code, sortie = _verifier()

    assert code == 1
    assert f"Chaîne de Saint-Exemple : entrée n° {entrees[1].numero} altérée" in sortie
    assert "entrée manquante" in sortie


@pytest.mark.django_db
def test_la_derniere_entree_supprimee_est_vue_par_la_tete_de_chaine():
    collectivite = CollectiviteFactory()
    entrees = _ecrire(collectivite, 3)
    _sql(f"DELETE FROM {TABLE} WHERE id = %s", [entrees[-1].pk])

    (alteration,) = journal_verifier(collectivite=collectivite)

    assert alteration.numero == entrees[-1].numero
    assert alteration.raison == "entrée manquante en fin de chaîne"


@pytest.mark.django_db
def test_une_entree_refaite_avec_son_sceau_recalcule_casse_le_lien_suivant():
    """Même avec la clé, refaire le sceau d'une entrée modifiée est trahi par la suivante."""
    from core.journal.services import hash_entree

    collectivite = CollectiviteFactory()
    entrees = _ecrire(collectivite, 4)
    cible = entrees[1]
    _sql(f"UPDATE {TABLE} SET action = 'falsifie' WHERE id = %s", [cible.pk])
    falsifiee = EntreeJournal.objects.get(pk=cible.pk)
    _sql(f"UPDATE {TABLE} SET hash = %s WHERE id = %s", [hash_entree(falsifiee), cible.pk])

    (alteration,) = journal_verifier(collectivite=collectivite)

    assert alteration.numero == entrees[2].numero
    assert alteration.raison == "lien rompu avec l'entrée précédente"


@pytest.mark.django_db
def test_une_tete_de_chaine_falsifiee_est_vue():
    collectivite = CollectiviteFactory()
    _ecrire(collectivite, 2)
    ChaineJournal.objects.filter(collectivite=collectivite).update(dernier_hash="f" * 64)

    (alteration,) = journal_verifier(collectivite=collectivite)

    assert alteration.raison == "tête de chaîne différente"


@pytest.mark.django_db
def test_la_verification_par_lots_trouve_une_alteration_au_dela_du_premier_lot():
    collectivite = CollectiviteFactory()
    entrees = _ecrire(collectivite, 7)
    _sql(f"UPDATE {TABLE} SET details = '{{}}'::jsonb WHERE id = %s", [entrees[5].pk])

    rapport = journal_verifier_rapport(collectivite=collectivite, taille_lot=2)

    assert rapport.entrees == 6  # s'arrête à la première altération
    assert [a.numero for a in rapport.alterations] == [entrees[5].numero]


@pytest.mark.django_db
def test_chaque_chaine_est_verifiee_et_nommee_seule():
    saine = CollectiviteFactory()
    _ecrire(saine, 2)
    plateforme = _ecrire(None, 3)
    _sql(f"UPDATE {TABLE} SET action = 'x' WHERE id = %s", [plateforme[0].pk])

    code, sortie = _verifier()

    assert code == 1
    assert f"Chaîne de la plateforme : entrée n° {plateforme[0].numero}" in sortie
    assert saine.nom not in sortie
    assert _verifier("--collectivite", saine.slug)[0] == 0


@pytest.mark.django_db
def test_une_collectivite_inconnue_est_une_erreur_en_francais():
    with pytest.raises(CommandError, match="Aucune collectivité n'a l'identifiant « nulle-part »"):
        call_command("journal_verifier", "--collectivite", "nulle-part", stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_des_ecritures_concurrentes_gardent_une_chaine_continue():
    collectivite = CollectiviteFactory()
    erreurs: list[BaseException] = []
    depart = threading.Barrier(4)

    def ecrivain(numero: int) -> None:
        try:
            depart.wait()
            for i in range(10):
                journaliser(
                    action="essai", collectivite=collectivite, details={"fil": numero, "i": i}
                )
        except BaseException as erreur:  # remonté au fil principal
            erreurs.append(erreur)
        finally:
            connections.close_all()

    fils = [threading.Thread(target=ecrivain, args=(n,)) for n in range(4)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join(timeout=60)

    assert not erreurs
    numeros = list(
        EntreeJournal.objects.filter(collectivite=collectivite)
        .order_by("numero")
        .values_list("numero", flat=True)
    )
    assert numeros == list(range(1, 41))
    assert journal_verifier(collectivite=collectivite) == []


# --- Connexions -----------------------------------------------------------------------------


def _plateforme(action):
    return EntreeJournal.objects.filter(collectivite=None, action=action)


@pytest.mark.django_db
def test_une_connexion_est_journalisee_dans_la_chaine_plateforme(client):
    personne = UtilisateurFactory(username="claire")
    reponse = client.post(
        reverse("login"), {"username": "claire", "password": "mot-de-passe-solide-42"}
    )
    assert reponse.status_code == 302
    entree = _plateforme("connexion").get()
    assert entree.acteur == personne
    assert entree.details == {"ip": "127.0.0.1"}
    assert entree.chaine.plateforme


@pytest.mark.django_db
def test_un_echec_de_connexion_garde_le_compte_jamais_le_mot_de_passe(client):
    claire = UtilisateurFactory(username="claire")
    client.post(reverse("login"), {"username": "claire", "password": "Secret-Essai-987"})

    entree = _plateforme("connexion_echec").get()
    assert entree.details == {"compte": claire.pk, "ip": "127.0.0.1"}
    assert entree.objet_id == str(claire.pk)
    assert entree.acteur is None
    contenu = json.dumps(
        {f.name: str(getattr(entree, f.attname)) for f in EntreeJournal._meta.fields}
    )
    assert "Secret-Essai-987" not in contenu


@pytest.mark.django_db
def test_une_deconnexion_est_journalisee(client):
    personne = UtilisateurFactory()
    client.force_login(personne)
    client.post(reverse("logout"))
    assert _plateforme("deconnexion").get().acteur == personne


@pytest.mark.django_db
def test_une_deconnexion_sans_utilisateur_n_ecrit_rien():
    user_logged_out.send(sender=Utilisateur, request=RequestFactory().post("/"), user=None)
    assert not _plateforme("deconnexion").exists()


# --- Personnel (par le service, plus par un signal) -------------------------------------------


@pytest.mark.django_db
def test_un_changement_de_statut_du_personnel_est_journalise_avec_son_auteur():
    auteur = UtilisateurFactory(is_superuser=True, is_staff=True)
    personne = UtilisateurFactory()
    personne.is_staff = True
    personne.is_active = False
    utilisateur_enregistrer(utilisateur=personne, par=auteur)

    entree = _plateforme("personnel_modifie").get(objet_id=str(personne.pk))
    assert entree.details == {"is_staff": [False, True], "is_active": [True, False]}
    assert entree.acteur == auteur


@pytest.mark.django_db
def test_la_creation_d_un_compte_du_personnel_par_le_service_est_journalisee():
    auteur = UtilisateurFactory(is_superuser=True, is_staff=True)
    personne = Utilisateur(username="nouveau-personnel", is_staff=True)
    utilisateur_enregistrer(utilisateur=personne, par=auteur)
    entree = _plateforme("personnel_modifie").get(objet_id=str(personne.pk))
    assert entree.details["is_staff"] == [None, True]
    assert entree.acteur == auteur


@pytest.mark.django_db
def test_les_autres_enregistrements_d_un_compte_n_ecrivent_rien():
    personne = UtilisateurFactory()
    personne.first_name = "Autre"
    utilisateur_enregistrer(utilisateur=personne, par=None)
    personne.is_staff = True
    personne.save()  # hors service : plus aucun signal ne journalise
    assert not _plateforme("personnel_modifie").exists()


# --- Rôles (par les services) -------------------------------------------------------------


def _role_entrees(collectivite):
    return EntreeJournal.objects.filter(collectivite=collectivite).order_by("numero")


@pytest.mark.django_db
def test_la_creation_d_un_role_est_journalisee_dans_la_collectivite():
    collectivite = CollectiviteFactory()
    auteur = UtilisateurFactory()
    role = role_creer(
        utilisateur=UtilisateurFactory(),
        collectivite=collectivite,
        role=TypeRole.SECRETARIAT,
        par=auteur,
    )
    (entree,) = _role_entrees(collectivite)
    assert entree.action == "role_modifie"
    assert entree.acteur == auteur
    assert entree.details == {"role": [None, "secretariat"], "actif": [None, True]}
    assert (entree.objet_type, entree.objet_id) == ("core.role", str(role.pk))
    assert (entree.sujet_type, entree.sujet_id) == ("core.utilisateur", str(role.utilisateur_id))


@pytest.mark.django_db
def test_un_changement_de_role_par_le_service_est_journalise_une_seule_fois():
    role = RoleFactory(role=TypeRole.LECTURE)
    administrateur = RoleFactory(collectivite=role.collectivite).utilisateur
    role_modifier(role=role, par=administrateur, nouveau_role=TypeRole.AGENT_ELECTIONS, actif=True)

    modifications = _role_entrees(role.collectivite).filter(objet_id=str(role.pk))
    assert [(e.action, e.details) for e in modifications] == [
        ("role_modifie", {"role": ["lecture", "agent_elections"]}),
    ]
    assert modifications.get().acteur == administrateur


@pytest.mark.django_db
def test_un_acces_retire_puis_un_role_supprime_sont_journalises():
    role = RoleFactory(role=TypeRole.LECTURE)
    auteur = UtilisateurFactory()
    role_modifier(role=role, par=auteur, nouveau_role=TypeRole.LECTURE, actif=False)
    pk = role.pk
    role_supprimer(role=role, par=auteur)

    dernieres = list(_role_entrees(role.collectivite).values_list("action", "details"))[-2:]
    assert dernieres == [
        ("role_retire", {"actif": [True, False]}),
        ("role_retire", {"role": ["lecture", None], "actif": [False, None], "supprime": True}),
    ]
    assert _role_entrees(role.collectivite).last().objet_id == str(pk)
    assert not Role.objects.filter(pk=pk).exists()


@pytest.mark.django_db
def test_un_role_enregistre_hors_service_n_ecrit_rien():
    """Plus de signal sur les rôles : seul le service journalise (une entrée, pas deux)."""
    role = RoleFactory()
    avant = EntreeJournal.objects.count()
    role.role = TypeRole.LECTURE
    role.save()
    role.delete()
    assert EntreeJournal.objects.count() == avant


@pytest.mark.django_db
def test_supprimer_une_collectivite_sans_journal_ne_cree_pas_sa_chaine():
    collectivite = CollectiviteFactory()
    # Rôles chargés sans service (comme `loaddata`) : la collectivité n'a pas encore de chaîne.
    Role.objects.bulk_create(
        [Role(utilisateur=UtilisateurFactory(), collectivite=collectivite, role=TypeRole.LECTURE)]
    )
    collectivite.delete()
    assert not Collectivite.objects.filter(pk=collectivite.pk).exists()
    assert not ChaineJournal.objects.filter(collectivite_id=collectivite.pk).exists()


@pytest.mark.django_db
def test_les_dates_du_journal_sont_dans_l_ordre_de_la_chaine():
    collectivite = CollectiviteFactory()
    premiere, seconde = _ecrire(collectivite, 2)
    assert seconde.hash_precedent == premiere.hash
    assert seconde.horodatage - premiere.horodatage < timedelta(seconds=5)


@pytest.mark.django_db
def test_queryset_update_du_journal_refuse(monde):
    from core.models import EntreeJournal, JournalInalterable

    entree = journaliser(action="essai", collectivite=monde.collectivite)
    with pytest.raises(JournalInalterable):
        EntreeJournal.objects.filter(pk=entree.pk).update(action="x")
    with pytest.raises(JournalInalterable):
        EntreeJournal.objects.filter(pk=entree.pk).delete()


@pytest.mark.django_db
def test_journaliser_lot_chaine_les_entrees_sous_un_seul_verrou(
    monde, django_assert_max_num_queries
):
    from core.journal.services import ElementJournal, journal_verifier, journaliser_lot

    avant = journaliser(action="avant", collectivite=monde.collectivite)
    elements = [ElementJournal(action="import_ligne", details={"ligne": i}) for i in range(500)]
    # Verrou de la tête, insertion par paquets, mise à jour de la tête : pas une requête par entrée.
    with django_assert_max_num_queries(6):
        entrees = journaliser_lot(collectivite=monde.collectivite, elements=elements)
    assert [e.numero for e in entrees] == list(range(avant.numero + 1, avant.numero + 501))
    assert journal_verifier(collectivite=monde.collectivite) == []
    chaine = ChaineJournal.objects.get(collectivite=monde.collectivite)
    assert chaine.dernier_numero == avant.numero + 500
    assert chaine.dernier_hash == entrees[-1].hash
    journaliser(action="apres", collectivite=monde.collectivite)
    assert journal_verifier(collectivite=monde.collectivite) == []


@pytest.mark.django_db
def test_journaliser_lot_vide_ne_touche_a_rien(monde):
    from core.journal.services import journaliser_lot

    journaliser(action="essai", collectivite=monde.collectivite)
    chaine = ChaineJournal.objects.get(collectivite=monde.collectivite)
    assert journaliser_lot(collectivite=monde.collectivite, elements=[]) == []
    apres = ChaineJournal.objects.get(collectivite=monde.collectivite)
    assert (apres.dernier_numero, apres.dernier_hash) == (
        chaine.dernier_numero,
        chaine.dernier_hash,
    )


@pytest.mark.django_db
def test_un_identifiant_inconnu_n_est_pas_garde(client):
    # On tape souvent son mot de passe dans le champ « Identifiant » : le texte saisi ne doit
    # jamais entrer dans un journal ineffaçable.
    client.post(reverse("login"), {"username": "MonMotDePasse-Secret-42", "password": "x"})
    entree = _plateforme("connexion_echec").get()
    assert entree.details == {"compte": "inconnu", "ip": "127.0.0.1"}
    contenu = json.dumps(
        {f.name: str(getattr(entree, f.attname)) for f in EntreeJournal._meta.fields}
    )
    assert "MonMotDePasse-Secret-42" not in contenu


# --- Falsifications : lignes hors tête, sceau, ancrage ------------------------------------


def _falsifier(collectivite, numero, *, precedent, cle=b"", empreinte="", action="connexion"):
    """Ajoute une entrée « bien formée » comme le ferait quelqu'un qui a INSERT sur les entrées
    (sans passer par `journaliser`) ; rend l'entrée."""
    from core.journal.services import calculer_hash, calculer_sceau

    chaine = ChaineJournal.objects.get(collectivite=collectivite)
    champs = {
        "numero": numero,
        "horodatage": timezone.now(),
        "acteur_libelle": "",
        "action": action,
        "objet_type": "",
        "objet_id": "",
        "objet_libelle": "",
        "sujet_type": "",
        "sujet_id": "",
        "sujet_libelle": "",
        "details": {"faux": True},
    }
    lien = {"hash_precedent": precedent, "collectivite_id": collectivite.pk, "acteur_id": None}
    sceau = (
        calculer_sceau(cle=cle, empreinte=empreinte, **lien, **champs)
        if cle
        else calculer_hash(**lien, **champs)
    )
    (entree,) = EntreeJournal.objects.bulk_create(
        [
            EntreeJournal(
                chaine=chaine,
                collectivite=collectivite,
                hash_precedent=precedent,
                hash=sceau,
                cle=empreinte,
                **champs,
            )
        ]
    )
    return entree


def _avancer_tete(collectivite, entree):
    ChaineJournal.objects.filter(collectivite=collectivite).update(
        dernier_numero=entree.numero, dernier_hash=entree.hash
    )


@pytest.mark.django_db
def test_une_ligne_ajoutee_au_dela_de_la_tete_est_nommee():
    collectivite = CollectiviteFactory(nom="Saint-Exemple")
    entrees = _ecrire(collectivite, 3)
    # Même correctement scellée, une ligne que la tête ne couvre pas est nommée.
    empreinte, cle = next(iter(cles_journal().items()))
    _falsifier(collectivite, 4, precedent=entrees[-1].hash, cle=cle, empreinte=empreinte)

    code, sortie = _verifier()

    assert code == 1
    assert "Chaîne de Saint-Exemple : entrée n° 4 altérée (entrée au-delà de la tête" in sortie
    assert "Journal intègre" not in sortie


@pytest.mark.django_db
def test_une_ligne_au_dela_de_la_tete_apres_un_trou_est_nommee():
    collectivite = CollectiviteFactory()
    entrees = _ecrire(collectivite, 3)
    _falsifier(collectivite, 9, precedent=entrees[-1].hash)

    (alteration,) = journal_verifier(collectivite=collectivite)

    assert (alteration.numero, alteration.raison) == (4, "entrée manquante")


@pytest.mark.django_db
def test_une_entree_sans_sceau_apres_des_entrees_scellees_est_refusee():
    """SHA-256 simple bien calculé, tête avancée : la forme ancienne ne se glisse pas après."""
    collectivite = CollectiviteFactory()
    entrees = _ecrire(collectivite, 2)
    fausse = _falsifier(collectivite, 3, precedent=entrees[-1].hash)
    _avancer_tete(collectivite, fausse)

    (alteration,) = journal_verifier(collectivite=collectivite)

    assert (alteration.numero, alteration.raison) == (
        3,
        "entrée sans sceau après une entrée scellée",
    )


@pytest.mark.django_db
def test_une_entree_scellee_sans_la_cle_est_refusee():
    """Empreinte de la vraie clé (publique), mais sceau calculé avec une clé devinée."""
    from core.journal.services import cles_journal

    collectivite = CollectiviteFactory()
    entrees = _ecrire(collectivite, 2)
    vraie_empreinte = next(iter(cles_journal()))
    fausse = _falsifier(
        collectivite,
        3,
        precedent=entrees[-1].hash,
        cle=b"une-cle-devinee",
        empreinte=vraie_empreinte,
    )
    _avancer_tete(collectivite, fausse)

    code, sortie = _verifier()

    assert code == 1
    assert "entrée n° 3" in sortie and "(sceau invalide)" in sortie


@pytest.mark.django_db
def test_une_entree_scellee_par_une_cle_etrangere_est_nommee():
    from core.journal.services import empreinte_cle

    collectivite = CollectiviteFactory()
    entrees = _ecrire(collectivite, 1)
    fausse = _falsifier(
        collectivite,
        2,
        precedent=entrees[-1].hash,
        cle=b"cle-du-faussaire",
        empreinte=empreinte_cle("cle-du-faussaire"),
    )
    _avancer_tete(collectivite, fausse)

    (alteration,) = journal_verifier(collectivite=collectivite)

    assert alteration.raison.startswith("scellée par une clé inconnue")


@pytest.mark.django_db
def test_la_derniere_entree_supprimee_et_la_tete_reculee_sont_vues_par_l_ancre():
    collectivite = CollectiviteFactory(nom="Saint-Exemple")
    entrees = _ecrire(collectivite, 3)
    assert _verifier()[0] == 0  # ancre la tête n° 3
    _sql(f"DELETE FROM {TABLE} WHERE id = %s", [entrees[-1].pk])
    _avancer_tete(collectivite, entrees[-2])
    # Sans l'ancre, la base seule paraît cohérente : c'est pourquoi l'ancre existe.
    assert journal_verifier(collectivite=collectivite) == []

    code, sortie = _verifier()

    assert code == 1
    assert "Chaîne de Saint-Exemple : chaîne raccourcie" in sortie
    assert "a ancré l'entrée n° 3" in sortie


@pytest.mark.django_db
def test_une_chaine_refaite_apres_l_ancre_est_vue():
    """Tête reculée puis entrée n° 3 réécrite (avec la clé) : différente de l'ancre."""
    collectivite = CollectiviteFactory()
    entrees = _ecrire(collectivite, 3)
    assert _verifier()[0] == 0
    _sql(f"DELETE FROM {TABLE} WHERE id = %s", [entrees[-1].pk])
    _avancer_tete(collectivite, entrees[-2])
    journaliser(action="connexion", collectivite=collectivite)

    code, sortie = _verifier()

    assert code == 1
    assert "entrée n° 3" in sortie and "différente de celle ancrée" in sortie


@pytest.mark.django_db
def test_l_ancre_est_un_fichier_en_ajout_seul_et_journalisee(settings, caplog):
    collectivite = CollectiviteFactory()
    _ecrire(collectivite, 2)
    with caplog.at_level("INFO", logger="core.journal.services"):
        assert _verifier()[0] == 0
        _ecrire(collectivite, 1)
        assert _verifier()[0] == 0
    lignes = Path(settings.ECHARPE_JOURNAL_ANCRE).read_text(encoding="utf-8").splitlines()
    assert len(lignes) == 2
    assert json.loads(lignes[1])["chaines"][f"collectivite-{collectivite.pk}"][0] == 3
    assert f"Ancre du journal : collectivite-{collectivite.pk} n° 3" in caplog.text


@pytest.mark.django_db
def test_un_fichier_d_ancrage_modifie_est_refuse(settings):
    collectivite = CollectiviteFactory()
    _ecrire(collectivite, 2)
    assert _verifier()[0] == 0
    chemin = Path(settings.ECHARPE_JOURNAL_ANCRE)
    chemin.write_text(chemin.read_text(encoding="utf-8").replace('[2, "', '[1, "'))

    code, sortie = _verifier()

    assert code == 1
    assert "ligne 1 altérée" in sortie


@pytest.mark.django_db
def test_une_chaine_disparue_depuis_l_ancre_est_nommee():
    collectivite = CollectiviteFactory(nom="Saint-Disparu")
    _ecrire(collectivite, 2)
    assert _verifier()[0] == 0
    _sql(f"DELETE FROM {TABLE} WHERE collectivite_id = %s", [collectivite.pk])
    _sql("DELETE FROM core_chainejournal WHERE collectivite_id = %s", [collectivite.pk])

    code, sortie = _verifier()

    assert code == 1
    assert "Chaîne de Saint-Disparu : chaîne disparue" in sortie


@pytest.mark.django_db
def test_rotation_des_cles_les_anciennes_entrees_restent_valides(settings):
    from core.journal.services import empreinte_cle

    settings.ECHARPE_CLES_JOURNAL = ["ancienne-cle-du-journal"]
    collectivite = CollectiviteFactory()
    avant = _ecrire(collectivite, 2)
    settings.ECHARPE_CLES_JOURNAL = ["nouvelle-cle-du-journal", "ancienne-cle-du-journal"]
    apres = _ecrire(collectivite, 2)

    assert {e.cle for e in avant} == {empreinte_cle("ancienne-cle-du-journal")}
    assert {e.cle for e in apres} == {empreinte_cle("nouvelle-cle-du-journal")}
    assert "ancienne-cle" not in json.dumps([e.cle for e in avant + apres])
    assert journal_verifier(collectivite=collectivite) == []
    assert _verifier()[0] == 0
    # Retirer l'ancienne clé trop tôt : ses entrées ne se vérifient plus, et c'est dit.
    settings.ECHARPE_CLES_JOURNAL = ["nouvelle-cle-du-journal"]
    (alteration,) = journal_verifier(collectivite=collectivite)
    assert alteration.numero == avant[0].numero
    assert "clé inconnue" in alteration.raison


@pytest.mark.django_db
def test_sans_cle_le_journal_refuse_d_ecrire(settings):
    from core.journal.services import CleJournalAbsente

    settings.ECHARPE_CLES_JOURNAL = []
    with pytest.raises(CleJournalAbsente, match="ECHARPE_CLES_JOURNAL"):
        journaliser(action="connexion", collectivite=None)
    with pytest.raises(CommandError, match="ECHARPE_CLES_JOURNAL"):
        call_command("journal_verifier", stdout=StringIO())


def test_la_production_exige_une_cle_de_journal():
    from tests.core.test_reglages import _importer_production

    resultat = _importer_production(
        {
            "DJANGO_ALLOWED_HOSTS": "x.example",
            "DATABASE_URL": "postgres://a@127.0.0.1/b",
            "DJANGO_SECRET_KEY": "s" * 50,
            "ECHARPE_CLES_CHIFFREMENT": "dGVzdHMtc2V1bGVtZW50LWNsZS1mZXJuZXQtMzJvY3Q=",
        }
    )
    assert resultat.returncode != 0
    assert "ECHARPE_CLES_JOURNAL" in resultat.stderr


# --- Entrées d'avant les clés (migration 0003) --------------------------------------------


def _anciennes(collectivite, n):
    """Entrées écrites comme avant les clés : SHA-256 simple, sans empreinte de clé."""
    ChaineJournal.objects.get_or_create(collectivite=collectivite, plateforme=False)
    precedent = "0" * 64
    entrees = []
    for numero in range(1, n + 1):
        entree = _falsifier(collectivite, numero, precedent=precedent, action="agent_ajoute")
        _avancer_tete(collectivite, entree)
        precedent = entree.hash
        entrees.append(entree)
    return entrees


def _migration_0003():
    import importlib

    return importlib.import_module("core.migrations.0003_journal")


@pytest.mark.django_db
def test_les_entrees_anciennes_sont_scellees_par_la_migration_et_signalees():
    from django.apps import apps

    collectivite = CollectiviteFactory()
    anciennes = _anciennes(collectivite, 3)
    # Avant le sceau de la migration, une chaîne faite seulement d'entrées sans sceau est
    # ce qu'écrirait quelqu'un sans la clé.
    (alteration,) = journal_verifier(collectivite=collectivite)
    assert alteration.raison == "aucune entrée scellée ne couvre les entrées anciennes"

    _migration_0003().sceller_les_chaines_existantes(apps, None)

    sceau = EntreeJournal.objects.get(collectivite=collectivite, action="journal_scelle")
    assert sceau.numero == 4 and sceau.hash_precedent == anciennes[-1].hash and sceau.cle
    rapport = journal_verifier_rapport(collectivite=collectivite)
    assert rapport.integre and rapport.anciennes == 3
    code, sortie = _verifier()
    assert code == 0
    assert "Dont 3 entrées anciennes d'avant les clés" in sortie
    journaliser(action="connexion", collectivite=collectivite)
    assert journal_verifier(collectivite=collectivite) == []


@pytest.mark.django_db
def test_une_entree_ancienne_modifiee_apres_le_sceau_est_nommee():
    from django.apps import apps

    collectivite = CollectiviteFactory()
    anciennes = _anciennes(collectivite, 3)
    _migration_0003().sceller_les_chaines_existantes(apps, None)
    _sql(f"UPDATE {TABLE} SET action = 'falsifie' WHERE id = %s", [anciennes[1].pk])

    (alteration,) = journal_verifier(collectivite=collectivite)

    assert (alteration.numero, alteration.raison) == (2, "hash différent")

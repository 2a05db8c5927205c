"""Journal : ajout seul, vérification des chaînes, écritures concurrentes, événements par signal."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.signals import user_logged_out
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from core.journal import (
    ActeurCourantMiddleware,
    JournalInalterable,
    acteur_defini,
    acteur_du_contexte,
    journal_verifier,
    journal_verifier_rapport,
    journaliser,
)
from core.models import ChaineJournal, Collectivite, EntreeJournal, Role, TypeRole, Utilisateur
from core.services import role_modifier
from tests.factories import CollectiviteFactory, RoleFactory, UtilisateurFactory

TABLE = EntreeJournal._meta.db_table


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
        sortie.strip() == f"Journal intègre : {entrees} entrées vérifiées dans {chaines} chaînes."
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

    assert [(a.numero, a.raison) for a in alterations] == [(cible.numero, "hash différent")]
    date = timezone.localtime(EntreeJournal.objects.get(pk=cible.pk).horodatage)
    code, sortie = _verifier("--collectivite", collectivite.slug)
    assert code == 1
    assert (
        f"Chaîne de Saint-Exemple : entrée n° {cible.numero} du {date:%d/%m/%Y} altérée "
        "(hash différent)"
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
def test_une_entree_refaite_avec_son_hash_recalcule_casse_le_lien_suivant():
    """Un faussaire qui recalcule le hash de l'entrée modifiée est trahi par la suivante."""
    from core.journal import hash_entree

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


# --- Auteur courant -------------------------------------------------------------------------


@pytest.mark.django_db
def test_le_middleware_donne_l_auteur_des_roles_modifies_dans_la_requete():
    administrateur = UtilisateurFactory()
    role = RoleFactory(role=TypeRole.LECTURE)
    requete = RequestFactory().get("/")
    requete.user = administrateur

    def vue(request):
        assert acteur_du_contexte() == administrateur
        role.role = TypeRole.AGENT_ELECTIONS
        role.save()
        return HttpResponse()

    ActeurCourantMiddleware(vue)(requete)

    entree = EntreeJournal.objects.filter(action="role_modifie").latest("numero")
    assert entree.acteur == administrateur
    assert acteur_du_contexte() is None


@pytest.mark.django_db
def test_un_visiteur_anonyme_n_est_pas_un_auteur():
    from django.contrib.auth.models import AnonymousUser

    with acteur_defini(AnonymousUser()):  # type: ignore[arg-type]
        assert acteur_du_contexte() is None


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


# --- Personnel ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_un_changement_de_statut_du_personnel_est_journalise_avec_son_auteur():
    auteur = UtilisateurFactory(is_superuser=True, is_staff=True)
    personne = UtilisateurFactory()
    personne.is_staff = True
    personne.is_active = False
    with acteur_defini(auteur):
        personne.save()

    entree = _plateforme("personnel_modifie").get(objet_id=str(personne.pk))
    assert entree.details == {"is_staff": [False, True], "is_active": [True, False]}
    assert entree.acteur == auteur


@pytest.mark.django_db
def test_la_creation_d_un_compte_du_personnel_est_journalisee():
    personne = UtilisateurFactory(is_staff=True)
    entree = _plateforme("personnel_modifie").get(objet_id=str(personne.pk))
    assert entree.details["is_staff"] == [None, True]


@pytest.mark.django_db
def test_les_autres_enregistrements_d_un_compte_n_ecrivent_rien(django_assert_num_queries):
    personne = UtilisateurFactory()
    personne.first_name = "Autre"
    personne.save()
    personne.last_login = timezone.now()
    # Une seule requête : pas de relecture des champs surveillés pour un `update_fields` étranger.
    with django_assert_num_queries(1):
        personne.save(update_fields=["last_login"])
    assert not _plateforme("personnel_modifie").exists()


# --- Rôles ----------------------------------------------------------------------------------


def _role_entrees(collectivite):
    return EntreeJournal.objects.filter(collectivite=collectivite).order_by("numero")


@pytest.mark.django_db
def test_la_creation_d_un_role_est_journalisee_dans_la_collectivite():
    role = RoleFactory(role=TypeRole.SECRETARIAT)
    (entree,) = _role_entrees(role.collectivite)
    assert entree.action == "role_modifie"
    assert entree.details == {"role": [None, "secretariat"], "actif": [None, True]}
    assert (entree.objet_type, entree.objet_id) == ("core.role", str(role.pk))
    assert (entree.sujet_type, entree.sujet_id) == ("core.utilisateur", str(role.utilisateur_id))


@pytest.mark.django_db
def test_un_changement_de_role_par_le_service_est_journalise_une_seule_fois():
    role = RoleFactory(role=TypeRole.LECTURE)
    administrateur = RoleFactory(collectivite=role.collectivite).utilisateur
    with acteur_defini(administrateur):
        role_modifier(
            role=role, par=administrateur, nouveau_role=TypeRole.AGENT_ELECTIONS, actif=True
        )

    modifications = _role_entrees(role.collectivite).filter(objet_id=str(role.pk))
    assert [(e.action, e.details) for e in modifications] == [
        ("role_modifie", {"role": [None, "lecture"], "actif": [None, True]}),
        ("role_modifie", {"role": ["lecture", "agent_elections"]}),
    ]
    assert modifications.last().acteur == administrateur


@pytest.mark.django_db
def test_un_acces_retire_puis_un_role_supprime_sont_journalises():
    role = RoleFactory(role=TypeRole.LECTURE)
    role.actif = False
    role.save()
    pk = role.pk
    role.delete()

    dernieres = list(_role_entrees(role.collectivite).values_list("action", "details"))[-2:]
    assert dernieres == [
        ("role_retire", {"actif": [True, False]}),
        ("role_retire", {"role": ["lecture", None], "actif": [False, None], "supprime": True}),
    ]
    assert _role_entrees(role.collectivite).last().objet_id == str(pk)


@pytest.mark.django_db
def test_un_enregistrement_sans_changement_n_ecrit_rien():
    role = RoleFactory()
    avant = EntreeJournal.objects.count()
    role.save()
    assert EntreeJournal.objects.count() == avant


@pytest.mark.django_db
def test_supprimer_une_collectivite_sans_journal_ne_cree_pas_sa_chaine():
    collectivite = CollectiviteFactory()
    # Rôles chargés sans signaux (comme `loaddata`) : la collectivité n'a pas encore de chaîne.
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
    from core.journal import ElementJournal, journal_verifier, journaliser_lot

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
    from core.journal import journaliser_lot

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

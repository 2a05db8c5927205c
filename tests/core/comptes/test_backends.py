"""`ComptesBackend` : le compte et ses rôles actifs lus en une requête à chaque page."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.comptes.backends import BACKEND_COMPTES, ComptesBackend
from core.comptes.garde import cle_compte
from core.models import Role, TypeRole, Utilisateur
from core.tenancy.acces import roles_actifs
from tests.factories import RoleFactory

A = TypeRole.ADMINISTRATEUR


def test_le_moteur_est_celui_des_reglages():
    assert BACKEND_COMPTES in settings.AUTHENTICATION_BACKENDS
    assert "django.contrib.auth.backends.ModelBackend" not in settings.AUTHENTICATION_BACKENDS


@pytest.mark.django_db
def test_compte_et_roles_en_une_requete(monde):
    autre = RoleFactory(utilisateur=monde.personnes[A], collectivite=monde.autre, role=A)
    with CaptureQueriesContext(connection) as requetes:
        utilisateur = ComptesBackend().get_user(monde.personnes[A].pk)
        roles = roles_actifs(utilisateur)
    assert len(requetes.captured_queries) == 1
    assert utilisateur == monde.personnes[A]
    assert {r.collectivite for r in roles} == {monde.collectivite, autre.collectivite}
    assert [r.collectivite.nom for r in roles] == sorted(r.collectivite.nom for r in roles)
    assert all(r.utilisateur is utilisateur for r in roles)


@pytest.mark.django_db
def test_un_role_retire_n_est_pas_lu(monde):
    Role.objects.filter(utilisateur=monde.personnes[A]).update(actif=False)
    utilisateur = ComptesBackend().get_user(monde.personnes[A].pk)
    assert utilisateur == monde.personnes[A]
    assert roles_actifs(utilisateur) == []


@pytest.mark.django_db
def test_un_compte_desactive_n_est_pas_lu_meme_avec_des_roles(monde):
    personne = monde.personnes[A]
    personne.is_active = False
    personne.save(update_fields=["is_active"])
    assert ComptesBackend().get_user(personne.pk) is None


@pytest.mark.django_db
def test_un_compte_sans_role_est_lu_comme_par_django(monde):
    personne = monde.personnes["sans_role"]
    assert ComptesBackend().get_user(personne.pk) == personne
    assert ComptesBackend().get_user(10**9) is None


@pytest.mark.django_db
def test_une_page_du_back_office_lit_les_roles_avec_le_compte(monde):
    client = monde.client(A)
    client.get("/")
    cache.delete(cle_compte(monde.personnes[A].pk))
    with CaptureQueriesContext(connection) as requetes:
        assert client.get("/").status_code == 200
    lectures_de_roles = [q for q in requetes.captured_queries if 'FROM "core_role"' in q["sql"]]
    assert len(lectures_de_roles) == 1
    assert '"core_utilisateur"' in lectures_de_roles[0]["sql"]
    # Ensuite, le compte gardé : plus aucune lecture des rôles tant que rien ne les touche.
    with CaptureQueriesContext(connection) as requetes:
        assert client.get("/").status_code == 200
    assert not [q for q in requetes.captured_queries if 'FROM "core_role"' in q["sql"]]


# --- Compte gardé en cache (core.comptes.garde) ----------------------------------------------


def _lire(personne):
    utilisateur = ComptesBackend().get_user(personne.pk)
    return utilisateur, roles_actifs(utilisateur) if utilisateur else []


@pytest.mark.django_db
def test_le_compte_garde_ne_relit_pas_la_base(monde):
    _lire(monde.personnes[A])
    with CaptureQueriesContext(connection) as requetes:
        utilisateur, roles = _lire(monde.personnes[A])
    assert len(requetes.captured_queries) == 0
    assert utilisateur == monde.personnes[A]
    assert {r.collectivite for r in roles} == {monde.collectivite}


@pytest.mark.django_db
def test_un_role_retire_apres_lecture_par_update_ne_sert_plus(monde):
    _lire(monde.personnes[A])
    Role.objects.filter(utilisateur=monde.personnes[A]).update(actif=False)
    assert _lire(monde.personnes[A])[1] == []


@pytest.mark.django_db
def test_un_role_retire_apres_lecture_par_save_ou_delete_ne_sert_plus(monde):
    personne = monde.personnes[A]
    autre = RoleFactory(utilisateur=personne, collectivite=monde.autre, role=A)
    assert len(_lire(personne)[1]) == 2
    autre.actif = False
    autre.save()
    assert [r.collectivite for r in _lire(personne)[1]] == [monde.collectivite]
    Role.objects.get(utilisateur=personne, collectivite=monde.collectivite).delete()
    assert _lire(personne)[1] == []


@pytest.mark.django_db
def test_un_compte_desactive_apres_lecture_n_est_plus_lu(monde):
    personne = monde.personnes[A]
    assert _lire(personne)[0] == personne
    Utilisateur.objects.filter(pk=personne.pk).update(is_active=False)
    assert ComptesBackend().get_user(personne.pk) is None


@pytest.mark.django_db
def test_un_mot_de_passe_change_apres_lecture_se_voit(monde):
    personne = monde.personnes[A]
    ancien = _lire(personne)[0].password
    personne.set_password("un-autre-mot-de-passe-2026")
    personne.save()
    assert _lire(personne)[0].password != ancien


@pytest.mark.django_db
def test_une_collectivite_renommee_apres_lecture_se_voit(monde):
    personne = monde.personnes[A]
    _lire(personne)
    monde.collectivite.nom = "Nouveau-Nom-sur-Mer"
    monde.collectivite.save()
    assert [r.collectivite.nom for r in _lire(personne)[1]] == ["Nouveau-Nom-sur-Mer"]


@pytest.mark.django_db
def test_un_agent_retire_perd_l_acces_a_la_page_suivante(monde):
    client = monde.client(A)
    assert client.get("/journal/").status_code == 200
    Role.objects.filter(utilisateur=monde.personnes[A]).update(actif=False)
    assert client.get("/journal/").status_code in (302, 403)


@pytest.mark.django_db
def test_la_date_de_connexion_seule_ne_fait_pas_oublier_le_compte(monde):
    """Écrite à chaque connexion, elle n'est lue que depuis la base : le compte gardé à la
    connexion survit ainsi à la validation de la requête de connexion."""
    personne = monde.personnes[A]
    _lire(personne)
    with CaptureQueriesContext(connection):
        personne.save(update_fields=["last_login"])
    with CaptureQueriesContext(connection) as requetes:
        assert _lire(personne)[0] == personne
    assert len(requetes.captured_queries) == 0
    personne.first_name = "Autre"
    personne.save(update_fields=["first_name"])
    assert _lire(personne)[0].first_name == "Autre"


@pytest.mark.django_db
def test_la_connexion_garde_le_compte_au_dela_de_sa_validation(
    monde, client, django_capture_on_commit_callbacks
):
    personne = monde.personnes[A]
    cache.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.force_login(personne)
    assert cache.get(cle_compte(personne.pk)) is not None

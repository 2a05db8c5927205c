"""`ComptesBackend` : le compte et ses rôles actifs lus en une requête à chaque page."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.comptes.backends import BACKEND_COMPTES, ComptesBackend
from core.models import Role, TypeRole
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
    with CaptureQueriesContext(connection) as requetes:
        assert client.get("/").status_code == 200
    lectures_de_roles = [q for q in requetes.captured_queries if 'FROM "core_role"' in q["sql"]]
    assert len(lectures_de_roles) == 1
    assert '"core_utilisateur"' in lectures_de_roles[0]["sql"]

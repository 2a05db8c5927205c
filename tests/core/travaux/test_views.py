"""Pages d'un travail : accès, état JSON, téléchargement, relance (CSRF)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.comptes.permissions import Capacite
from core.models import EntreeJournal, StatutTravail, Travail, TypeRole
from core.registry import TypeTravail, registre
from core.tasks import journal_exporter_task
from core.travaux.services import MESSAGE_INTERROMPU, Suivi, enregistrer_types_travaux

A = TypeRole.ADMINISTRATEUR
E = TypeRole.AGENT_ELECTIONS
S = TypeRole.SECRETARIAT
L = TypeRole.LECTURE

ACCES = {
    "anonyme": 302,
    A: 200,
    E: 403,
    S: 403,
    L: 403,
    "sans_role": 403,
    "elu": 403,
    "autre_collectivite": 404,
}


@pytest.fixture(autouse=True)
def _types_travaux():
    enregistrer_types_travaux()


def _travail(monde, statut=StatutTravail.EN_COURS, **kwargs):
    valeurs = {
        "collectivite": monde.collectivite,
        "type": "journal_export",
        "libelle": "Export du journal de Saint-Test",
        "statut": statut,
        "demandeur": monde.personnes[A],
        **kwargs,
    }
    return Travail.objects.create(**valeurs)


def _termine(monde):
    travail = _travail(monde, total=4, progression=2)
    Suivi(travail).terminer("journal-saint-test.csv", b'\xef\xbb\xbf"N\xc2\xb0"\r\n')
    return travail


@pytest.mark.django_db
@pytest.mark.parametrize("profil", list(ACCES))
@pytest.mark.parametrize(
    ("nom", "statut"),
    [
        ("travaux:detail", StatutTravail.EN_COURS),
        ("travaux:etat", StatutTravail.EN_COURS),
        ("travaux:telecharger", StatutTravail.TERMINE),
    ],
)
def test_acces_aux_pages_d_un_travail(monde, profil, nom, statut):
    travail = _termine(monde) if statut == StatutTravail.TERMINE else _travail(monde)
    reponse = monde.client(profil).get(reverse(nom, args=[travail.pk]))
    assert reponse.status_code == ACCES[profil]
    if profil == "anonyme":
        assert reponse["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("profil", list(ACCES))
def test_acces_a_la_relance(monde, profil):
    travail = _travail(monde, StatutTravail.ECHEC, erreur="Erreur")
    reponse = monde.client(profil).post(reverse("travaux:relancer", args=[travail.pk]))
    assert reponse.status_code == (302 if profil == A else ACCES[profil])
    attendu = StatutTravail.EN_ATTENTE if profil == A else StatutTravail.ECHEC
    assert Travail.objects.get(pk=travail.pk).statut == attendu


@pytest.mark.django_db
def test_un_type_que_le_role_peut_ouvrir_est_visible_par_lui(monde, monkeypatch):
    monkeypatch.setitem(
        registre.types_travaux,
        "import_essai",
        TypeTravail("import_essai", "Import", journal_exporter_task, Capacite.ACCUEIL),
    )
    travail = _travail(monde, type="import_essai")
    assert monde.client(L).get(reverse("travaux:detail", args=[travail.pk])).status_code == 200


@pytest.mark.django_db
def test_un_type_inconnu_repond_404(monde):
    travail = _travail(monde, type="application_retiree")
    assert monde.client(A).get(reverse("travaux:detail", args=[travail.pk])).status_code == 404


@pytest.mark.django_db
def test_l_etat_en_json(monde):
    travail = _travail(monde, total=4, progression=1, message="1 entrée exportée")
    reponse = monde.client(A).get(reverse("travaux:etat", args=[travail.pk]))
    assert reponse["Content-Type"] == "application/json"
    assert reponse["Cache-Control"] == "no-store"
    assert reponse.json() == {
        "statut": "en_cours",
        "statut_libelle": "En cours",
        "pourcentage": 25,
        "progression": 1,
        "total": 4,
        "message": "1 entrée exportée",
        "fini": False,
        "url_telechargement": None,
    }


@pytest.mark.django_db
def test_l_etat_d_un_travail_termine_donne_le_lien(monde):
    travail = _termine(monde)
    etat = monde.client(A).get(reverse("travaux:etat", args=[travail.pk])).json()
    assert etat["fini"] is True
    assert etat["pourcentage"] == 100
    assert etat["url_telechargement"] == reverse("travaux:telecharger", args=[travail.pk])


@pytest.mark.django_db
def test_la_page_d_un_travail_en_cours_suit_l_avancement_sans_script_en_ligne(monde):
    travail = _travail(monde, total=10, progression=3)
    contenu = monde.client(A).get(reverse("travaux:detail", args=[travail.pk])).content.decode()
    assert contenu.count("<h1") == 1
    assert "Export du journal de Saint-Test" in contenu
    assert f'data-travail-url="{reverse("travaux:etat", args=[travail.pk])}"' in contenu
    assert 'value="30"' in contenu
    assert '<span class="etiquette etiquette--attente">En cours</span>' in contenu
    assert '<script src="/static/js/travail.js" defer></script>' in contenu
    assert "<script>" not in contenu


@pytest.mark.django_db
def test_la_page_d_un_travail_termine_propose_le_telechargement(monde):
    travail = _termine(monde)
    contenu = monde.client(A).get(reverse("travaux:detail", args=[travail.pk])).content.decode()
    assert reverse("travaux:telecharger", args=[travail.pk]) in contenu
    assert "Télécharger journal-saint-test.csv" in contenu
    assert '<span class="etiquette etiquette--succes">Terminé</span>' in contenu
    assert "travail.js" not in contenu


@pytest.mark.django_db
def test_la_page_d_un_travail_en_echec_montre_l_erreur_et_la_relance(monde):
    travail = _travail(monde, StatutTravail.ECHEC, erreur="Le serveur de fichiers est plein.")
    contenu = monde.client(A).get(reverse("travaux:detail", args=[travail.pk])).content.decode()
    assert "Le serveur de fichiers est plein." in contenu
    assert '<span class="etiquette etiquette--echec">Échec</span>' in contenu
    assert f'action="{reverse("travaux:relancer", args=[travail.pk])}"' in contenu
    assert "reprend le travail depuis le début" in contenu
    assert "travail.js" not in contenu


@pytest.mark.django_db
def test_le_telechargement_est_une_piece_jointe_non_interpretee(monde):
    travail = _termine(monde)
    reponse = monde.client(A).get(reverse("travaux:telecharger", args=[travail.pk]))
    assert reponse["Content-Disposition"] == 'attachment; filename="journal-saint-test.csv"'
    assert reponse["X-Content-Type-Options"] == "nosniff"
    assert reponse["Content-Type"].startswith("text/csv")
    assert b"".join(reponse.streaming_content).startswith(b"\xef\xbb\xbf")


@pytest.mark.django_db
def test_pas_de_telechargement_avant_la_fin(monde):
    travail = _travail(monde)
    reponse = monde.client(A).get(reverse("travaux:telecharger", args=[travail.pk]))
    assert reponse.status_code == 404


@pytest.mark.django_db
def test_un_fichier_disparu_repond_404(monde):
    travail = _termine(monde)
    travail.fichier.storage.delete(travail.fichier.name)
    reponse = monde.client(A).get(reverse("travaux:telecharger", args=[travail.pk]))
    assert reponse.status_code == 404


@pytest.mark.django_db
def test_la_relance_demande_le_jeton_csrf(monde, django_capture_on_commit_callbacks):
    travail = _travail(monde, StatutTravail.ECHEC, erreur="Erreur")
    client = monde.client(A, csrf=True)
    url = reverse("travaux:relancer", args=[travail.pk])

    assert client.post(url).status_code == 403
    assert Travail.objects.get(pk=travail.pk).statut == StatutTravail.ECHEC

    client.get(reverse("travaux:detail", args=[travail.pk]))
    jeton = client.cookies["csrftoken"].value
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(url, {"csrfmiddlewaretoken": jeton}, follow=True)

    assert reponse.redirect_chain == [(reverse("travaux:detail", args=[travail.pk]), 302)]
    assert "« Export du journal de Saint-Test » relancé." in reponse.content.decode()
    travail.refresh_from_db()
    assert travail.statut == StatutTravail.TERMINE  # la tâche a tourné (mode eager)
    assert travail.tentatives == 1
    assert EntreeJournal.objects.filter(action="travail_relance").count() == 1


@pytest.mark.django_db
def test_relancer_un_travail_qui_n_est_pas_en_echec_est_refuse(monde):
    travail = _termine(monde)
    reponse = monde.client(A).post(reverse("travaux:relancer", args=[travail.pk]))
    assert reponse.status_code == 409
    assert "Seul un travail en échec ou interrompu peut être relancé." in reponse.content.decode()
    assert Travail.objects.get(pk=travail.pk).statut == StatutTravail.TERMINE


@pytest.mark.django_db
def test_la_relance_en_get_n_est_pas_permise(monde):
    travail = _travail(monde, StatutTravail.ECHEC)
    assert monde.client(A).get(reverse("travaux:relancer", args=[travail.pk])).status_code == 405


@pytest.mark.django_db
def test_la_page_d_un_travail_interrompu_le_dit_et_propose_la_relance(monde):
    travail = _travail(
        monde, StatutTravail.INTERROMPU, erreur=MESSAGE_INTERROMPU, total=300005, progression=1200
    )
    contenu = monde.client(A).get(reverse("travaux:detail", args=[travail.pk])).content.decode()
    assert '<span class="etiquette etiquette--echec">Interrompu</span>' in contenu
    assert "Le travail a été interrompu" in contenu
    assert "il ne reprendra pas seul. Vous pouvez le relancer." in contenu
    assert "Il s'est arrêté à 1\u202f200 sur 300\u202f005." in contenu
    assert f'action="{reverse("travaux:relancer", args=[travail.pk])}"' in contenu
    assert ">Relancer</button>" in contenu
    assert "travail.js" not in contenu  # fini : la page ne s'interroge plus


@pytest.mark.django_db
def test_l_etat_d_un_travail_interrompu_est_fini(monde):
    travail = _travail(monde, StatutTravail.INTERROMPU, erreur=MESSAGE_INTERROMPU)
    etat = monde.client(A).get(reverse("travaux:etat", args=[travail.pk])).json()
    assert (etat["fini"], etat["statut_libelle"]) == (True, "Interrompu")


@pytest.mark.django_db
def test_relancer_un_travail_interrompu(monde, django_capture_on_commit_callbacks):
    travail = _travail(monde, StatutTravail.INTERROMPU, erreur=MESSAGE_INTERROMPU)
    with django_capture_on_commit_callbacks(execute=True):
        reponse = monde.client(A).post(reverse("travaux:relancer", args=[travail.pk]))
    assert reponse.status_code == 302
    travail.refresh_from_db()
    assert (travail.statut, travail.tentatives) == (StatutTravail.TERMINE, 1)

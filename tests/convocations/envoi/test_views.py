"""Page « Envoi et suivi » : compteurs, lignes, filtres, quorum, incertains, actions ; un
nombre de requêtes fixe pour 10 ou 1 000 destinataires."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from convocations.envoi.models import AbonnementResume
from convocations.envoi.resume import resumes_envoyer
from convocations.seances.models import (
    Destinataire,
    EnvoiConvocation,
    EtatSeance,
    MotifEnvoi,
    Presence,
    Reponse,
)
from core.mail.models import StatutEnvoi
from tests.convocations.factories import DestinataireFactory, SeanceFactory
from tests.smtp_local import *  # noqa: F403  (fixtures du serveur local)
from tests.smtp_local import creer_compte

pytestmark = pytest.mark.django_db


def _seance_avec(monde, n, *, etat=EtatSeance.ENVOYEE):
    seance = SeanceFactory(collectivite=monde.collectivite, etat=etat, titre="Conseil de mars")
    maintenant = timezone.now()
    destinataires = Destinataire.objects.bulk_create(
        [
            Destinataire(
                collectivite=monde.collectivite,
                seance=seance,
                email=f"elu{i}@exemple.fr",
                nom=f"Élu {i:04d}",
                membre=True,
                nombre_envois=1,
                premier_envoi_le=maintenant,
                dernier_envoi_le=maintenant,
                lu_le=maintenant if i % 2 == 0 else None,
                presence=Presence.PRESENT if i % 3 == 0 else "",
                reponse_le=maintenant if i % 3 == 0 else None,
            )
            for i in range(n)
        ]
    )
    EnvoiConvocation.objects.bulk_create(
        [
            EnvoiConvocation(
                collectivite=monde.collectivite,
                destinataire=d,
                statut=StatutEnvoi.INCERTAIN if i == 1 else StatutEnvoi.ENVOYE,
                motif=MotifEnvoi.CONVOCATION,
                envoye_le=maintenant,
            )
            for i, d in enumerate(destinataires)
        ]
    )
    return seance


def _requetes(client, url):
    with CaptureQueriesContext(connection) as capture:
        reponse = client.get(url)
    assert reponse.status_code == 200
    return len(capture.captured_queries), reponse


def test_le_suivi_compte_montre_le_quorum_et_les_incertains(monde):
    seance = _seance_avec(monde, 10)
    client = monde.client("secretariat")
    reponse = client.get(reverse("convocations:seance_suivi", args=[seance.pk]))
    assert reponse.status_code == 200
    page = reponse.content.decode()
    compteurs = reponse.context["compteurs"]
    assert (compteurs.destinataires, compteurs.lus, compteurs.repondus) == (10, 5, 4)
    assert compteurs.incertains == 1
    quorum = reponse.context["quorum"]
    # 4 présents (0, 3, 6, 9) sur 10 en exercice : il en faut 6.
    assert (quorum.presents, quorum.en_exercice, quorum.requis, quorum.atteint) == (4, 10, 6, False)
    assert "Quorum non atteint" in page
    assert "Les pouvoirs ne comptent pas dans le quorum" in page
    assert "Un envoi incertain" in page
    assert "Élu 0001 (elu1@exemple.fr)" in page
    assert "demandez à la personne avant de renvoyer" in page
    assert 'aria-current="page">Envoi et suivi</a>' in page
    assert "Envoyer à nouveau" in page
    assert 'incertain"' not in page  # aucune valeur codée à l'écran

    filtre = client.get(
        reverse("convocations:seance_suivi", args=[seance.pk]), {"filtre": "non_lus"}
    )
    assert filtre.context["liste"].paginator.count == 5
    inconnu = client.get(reverse("convocations:seance_suivi", args=[seance.pk]), {"filtre": "x"})
    assert inconnu.context["liste"].paginator.count == 10


def test_la_lecture_seule_ne_voit_pas_les_boutons(monde):
    seance = _seance_avec(monde, 2)
    page = monde.client("lecture").get(reverse("convocations:seance_suivi", args=[seance.pk]))
    assert "Envoyer à nouveau</button>" not in page.content.decode()
    assert "Définir comme non reçu</button>" not in page.content.decode()


def test_autant_de_requetes_pour_10_ou_1000_destinataires(monde):
    client = monde.client("secretariat")
    petite = _seance_avec(monde, 10)
    grande = _seance_avec(monde, 1000)
    client.get(reverse("convocations:seance_suivi", args=[petite.pk]))  # sessions, caches
    n_petite, _ = _requetes(client, reverse("convocations:seance_suivi", args=[petite.pk]))
    n_grande, reponse = _requetes(client, reverse("convocations:seance_suivi", args=[grande.pk]))
    assert n_petite == n_grande
    assert reponse.context["compteurs"].destinataires == 1000


def test_envoyer_a_nouveau_depuis_la_page(monde, django_capture_on_commit_callbacks):
    seance = _seance_avec(monde, 3)
    d = Destinataire.objects.get(seance=seance, nom="Élu 0001")
    client = monde.client("secretariat")
    with django_capture_on_commit_callbacks() as rappels:
        reponse = client.post(
            reverse("convocations:seance_relancer", args=[seance.pk]), {"destinataire": d.pk}
        )
    assert reponse.status_code == 302
    assert len(rappels) == 1  # la mise en file attend le commit
    assert EnvoiConvocation.objects.filter(destinataire=d, motif=MotifEnvoi.RELANCE).count() == 1
    # Un second clic pendant que le courriel attend : refusé en français, rien de plus.
    reponse = client.post(
        reverse("convocations:seance_relancer", args=[seance.pk]),
        {"destinataire": d.pk},
        follow=True,
    )
    assert "est déjà en cours d&#x27;envoi" in reponse.content.decode()
    assert EnvoiConvocation.objects.filter(destinataire=d, motif=MotifEnvoi.RELANCE).count() == 1
    # Un destinataire d'une autre séance : 404.
    autre = DestinataireFactory(seance=SeanceFactory(collectivite=monde.collectivite))
    reponse = client.post(
        reverse("convocations:seance_relancer", args=[seance.pk]), {"destinataire": autre.pk}
    )
    assert reponse.status_code == 404


def test_envoi_papier_refuse_une_date_invalide(monde):
    d = DestinataireFactory(seance=SeanceFactory(collectivite=monde.collectivite))
    client = monde.client("secretariat")
    url = reverse("convocations:destinataire_papier", args=[d.pk])
    reponse = client.post(url, {"le": "31/02/2026"})
    assert reponse.status_code == 400
    assert "Date invalide" in reponse.content.decode()
    reponse = client.post(url, {"le": "15/01/2025"})
    assert reponse.status_code == 302
    d.refresh_from_db()
    assert d.papier_le.isoformat() == "2025-01-15"


@pytest.mark.reseau
def test_resume_quotidien_des_nouvelles_reponses(monde, serveur_smtp, smtp_sans_verification):
    serveur = serveur_smtp()
    creer_compte(serveur, collectivite=monde.collectivite)
    agent = monde.personnes["secretariat"]
    client = monde.client("secretariat")
    client.post(reverse("convocations:resume_abonner"), {"actif": "1"})
    assert AbonnementResume.objects.filter(utilisateur=agent).count() == 1
    seance = _seance_avec(monde, 2)
    d = Destinataire.objects.filter(seance=seance).first()
    Reponse.objects.create(
        collectivite=monde.collectivite, destinataire=d, presence=Presence.ABSENT, canal="lien"
    )
    maintenant = timezone.now() + timedelta(seconds=1)
    assert resumes_envoyer(maintenant=maintenant) == 1
    assert resumes_envoyer(maintenant=maintenant + timedelta(hours=1)) == 0  # un par jour
    (recu,) = serveur.boite.recus
    assert recu.destinataires == [agent.email]
    texte = recu.message.get_body(("plain",)).get_content()
    assert "Conseil de mars" in texte
    assert "Élu 0000 : Absent" in texte
    client.post(reverse("convocations:resume_abonner"), {"actif": "0"})
    assert not AbonnementResume.objects.exists()

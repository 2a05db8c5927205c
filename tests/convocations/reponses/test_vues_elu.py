"""Le côté de l'élu : lien ou espace, mot de passe, accusé de réception, documents, réponse en
deux étapes, liens refusés, cloisonnement entre élus et entre collectivités."""

from __future__ import annotations

import datetime
import html
import io
import zipfile
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from convocations.models import (
    DocumentSeance,
    EnvoiConvocation,
    EtatSeance,
    MotifEnvoi,
    NatureDocument,
    PieceReponse,
    Pouvoir,
    Presence,
    Reponse,
    TypeSeance,
)
from convocations.seances.models import Destinataire
from core.journal.models import EntreeJournal
from core.liens.models import LienSecurise
from core.liens.services import lien_creer, lien_revoquer
from core.models import TypeRole
from tests.convocations.factories import DestinataireFactory, SeanceFactory
from tests.factories import CollectiviteFactory, RoleFactory, UtilisateurFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% piece\n"


@pytest.fixture
def seance() -> Any:
    return SeanceFactory(
        etat=EtatSeance.ENVOYEE,
        titre="Conseil municipal du 12 décembre",
        collectivite=CollectiviteFactory(nom="Saint-Réponse", slug="saint-reponse"),
    )


def _envoye(seance: Any, **kwargs: Any) -> Destinataire:
    return DestinataireFactory(seance=seance, nombre_envois=1, **kwargs)  # type: ignore[no-any-return]


def _jeton(destinataire: Destinataire, duree: datetime.timedelta | None = None) -> str:
    _, jeton = lien_creer(
        collectivite=destinataire.collectivite,
        objectif="convocation",
        cible=destinataire,
        duree=duree or datetime.timedelta(days=30),
        usage_unique=False,
    )
    return jeton


def _par_le_lien(destinataire: Destinataire) -> Client:
    client = Client()
    reponse = client.get(reverse("liens:ouvrir", args=[_jeton(destinataire)]), follow=True)
    assert reponse.status_code == 200
    assert reponse.redirect_chain[-1][0] == reverse(
        "convocations:reponse_portail", args=[destinataire.pk]
    )
    return client


def _document(seance: Any, titre: str = "Note de synthèse", contenu: bytes = PDF) -> Any:
    return DocumentSeance.objects.create(
        collectivite=seance.collectivite,
        seance=seance,
        nature=NatureDocument.NOTE_SYNTHESE,
        titre=titre,
        fichier=ContentFile(contenu, name="note.pdf"),
        nom_fichier=f"{titre}.pdf",
        type_contenu="application/pdf",
        taille=len(contenu),
    )


def _t(reponse: Any) -> str:
    """Le texte de la page, entités HTML décodées (l'apostrophe d'un message est échappée)."""
    return html.unescape(reponse.content.decode())


def _url(nom: str, destinataire: Destinataire, *args: Any) -> str:
    return reverse(f"convocations:{nom}", args=[destinataire.pk, *args])


# --- Le lien, l'accusé de réception ----------------------------------------------------------


def test_le_lien_mene_a_l_accuse_de_reception_puis_a_la_convocation(seance: Any) -> None:
    alice = _envoye(seance, nom="Alice Martin")
    _envoye(seance)  # un autre destinataire, pas encore lu
    client = _par_le_lien(alice)
    # L'ouverture du lien est datée (le lien reste utilisable : il sert jusqu'à la séance).
    assert LienSecurise.objects.get().utilise_le is not None

    page = client.get(_url("reponse_portail", alice))
    assert "J'accuse réception de la convocation" in _t(page)
    assert "Documents" not in _t(page)
    # Les documents et la réponse attendent l'accusé de réception.
    assert client.get(_url("reponse_repondre", alice)).status_code == 302

    reponse = client.post(_url("reponse_accuser", alice), follow=True)
    alice.refresh_from_db()
    seance.refresh_from_db()
    assert alice.lu_le is not None
    assert seance.etat == EtatSeance.RECUE_PARTIELLEMENT
    assert "Accusé de réception enregistré le" in _t(reponse)
    assert reponse["Referrer-Policy"] == "same-origin"
    entree = EntreeJournal.objects.get(action="convocations_accuse_reception")
    assert entree.details == {"canal": "lien"}
    # Le second clic ne change pas la date qui fait foi.
    premier = alice.lu_le
    client.post(_url("reponse_accuser", alice))
    alice.refresh_from_db()
    assert alice.lu_le == premier


def test_le_lien_d_un_elu_n_ouvre_pas_la_convocation_d_un_autre(seance: Any) -> None:
    alice, bruno = _envoye(seance), _envoye(seance)
    client = _par_le_lien(alice)
    assert client.get(_url("reponse_portail", bruno)).status_code == 302  # vers la connexion
    ailleurs = _envoye(SeanceFactory(etat=EtatSeance.ENVOYEE))
    assert client.get(_url("reponse_portail", ailleurs)).status_code == 302


def test_par_l_espace_seul_le_titulaire_voit_sa_convocation(seance: Any) -> None:
    elue = UtilisateurFactory()
    alice = _envoye(seance, utilisateur=elue)
    autre = _envoye(seance, utilisateur=UtilisateurFactory())
    brouillon = DestinataireFactory(seance=SeanceFactory(), utilisateur=elue)
    client = Client()
    client.force_login(elue)
    assert client.get(_url("reponse_portail", alice)).status_code == 200
    assert client.get(_url("reponse_portail", autre)).status_code == 404
    assert client.get(_url("reponse_portail", brouillon)).status_code == 404
    client.post(_url("reponse_accuser", alice))
    assert EntreeJournal.objects.get(action="convocations_accuse_reception").details == {
        "canal": "portail"
    }


def test_un_elu_ne_voit_jamais_la_reponse_d_un_autre(seance: Any) -> None:
    alice = _envoye(seance, nom="Alice", lu_le=timezone.now())
    bruno = _envoye(
        seance,
        nom="Bruno",
        lu_le=timezone.now(),
        presence=Presence.ABSENT,
        reponse_commentaire="Vacances en Corse",
    )
    Reponse.objects.create(
        collectivite=seance.collectivite,
        destinataire=bruno,
        presence=Presence.ABSENT,
        commentaire="Vacances en Corse",
        canal="lien",
    )
    client = _par_le_lien(alice)
    pages = [_t(client.get(_url(nom, alice))) for nom in ("reponse_portail", "reponse_repondre")]
    assert all("Corse" not in page for page in pages)
    assert "Vous n'avez pas encore répondu." in pages[0]


# --- Liens refusés -------------------------------------------------------------------------


def _lien_refuse(reponse: Any) -> str:
    page = _t(reponse)
    assert reverse("convocations:reponse_nouveau_lien") in page
    assert "Demander un nouveau lien de convocation" in page
    assert "Conseil municipal du 12 décembre" not in page
    return page


def test_lien_expire_remplace_annule_ou_altere_une_page_claire_sans_donnee(seance: Any) -> None:
    alice = _envoye(seance)
    expire = _jeton(alice)
    LienSecurise.objects.filter(objectif="convocation").update(
        expire_le=timezone.now() - datetime.timedelta(days=1)
    )
    reponse = Client().get(reverse("liens:ouvrir", args=[expire]))
    assert reponse.status_code == 410
    assert "Ce lien a expiré le" in _lien_refuse(reponse)

    ancien = _jeton(alice)
    _jeton(alice)  # un nouvel envoi remplace le lien précédent
    reponse = Client().get(reverse("liens:ouvrir", args=[ancien]))
    assert reponse.status_code == 410
    assert "remplacé par un lien plus récent" in _lien_refuse(reponse)

    dernier = _jeton(alice)
    lien_revoquer(lien=LienSecurise.objects.get(revoque_le__isnull=True), par=None)
    assert "annulé" in _lien_refuse(Client().get(reverse("liens:ouvrir", args=[dernier])))

    altere = dernier[:-1] + ("A" if dernier[-1] != "A" else "B")
    reponse = Client().get(reverse("liens:ouvrir", args=[altere]))
    assert reponse.status_code == 404
    _lien_refuse(reponse)


def test_un_lien_perime_en_cours_de_route_renvoie_vers_l_explication(seance: Any) -> None:
    alice = _envoye(seance)
    client = _par_le_lien(alice)
    _jeton(alice)  # nouvel envoi : le lien de la session est remplacé
    reponse = client.get(_url("reponse_portail", alice), follow=True)
    assert reponse.status_code == 410
    _lien_refuse(reponse)


def test_demander_un_nouveau_lien_reponse_neutre(seance: Any) -> None:
    alice = _envoye(seance, email="alice@exemple.fr")
    url = reverse("convocations:reponse_nouveau_lien")
    assert Client().get(url).status_code == 200
    connue = Client().post(url, {"email": "ALICE@exemple.fr"})
    inconnue = Client().post(url, {"email": "personne@exemple.fr"})
    assert connue.status_code == inconnue.status_code == 200
    assert connue.content == inconnue.content
    Client().post(url, {"email": "alice@exemple.fr"})  # redemander ne double pas l'envoi
    envoi = EnvoiConvocation.objects.get()
    assert (envoi.destinataire, envoi.motif) == (alice, MotifEnvoi.RELANCE)
    assert Client().post(url, {"email": "pas une adresse"}).status_code == 400


# --- Mot de passe de la séance ---------------------------------------------------------------


def test_le_mot_de_passe_protege_message_et_documents(seance: Any) -> None:
    seance.mot_de_passe = make_password("sésame-2026")
    seance.save()
    document = _document(seance)
    alice = _envoye(seance, lu_le=timezone.now())
    client = _par_le_lien(alice)

    page = _t(client.get(_url("reponse_portail", alice)))
    assert "Mot de passe de la séance" in page
    assert "Note de synthèse" not in page
    assert client.get(_url("reponse_document", alice, document.pk)).status_code == 302
    assert client.get(_url("reponse_documents_zip", alice)).status_code == 302

    faux = client.post(_url("reponse_mot_de_passe", alice), {"mot_de_passe": "faux"})
    assert faux.status_code == 400
    assert "Il vous reste 4 essais." in _t(faux)
    client.post(_url("reponse_mot_de_passe", alice), {"mot_de_passe": "sésame-2026"})
    assert client.get(_url("reponse_document", alice, document.pk)).status_code == 200


def test_le_mot_de_passe_se_bloque_apres_cinq_essais(seance: Any) -> None:
    seance.mot_de_passe = make_password("sésame-2026")
    seance.save()
    alice = _envoye(seance)
    client = _par_le_lien(alice)
    for _ in range(5):
        client.post(_url("reponse_mot_de_passe", alice), {"mot_de_passe": "faux"})
    bloque = client.post(_url("reponse_mot_de_passe", alice), {"mot_de_passe": "sésame-2026"})
    assert bloque.status_code == 400
    assert "Trop d'essais infructueux" in _t(bloque)
    assert "Mot de passe de la séance" in _t(client.get(_url("reponse_portail", alice)))


# --- Documents ------------------------------------------------------------------------------


def test_documents_un_par_un_ou_en_zip(seance: Any) -> None:
    note = _document(seance, "Note de synthèse", PDF + b"note")
    annexe = _document(seance, "Annexe budgétaire", PDF + b"annexe")
    autre = _document(SeanceFactory(collectivite=seance.collectivite), "Secret")
    alice = _envoye(seance, lu_le=timezone.now())
    client = _par_le_lien(alice)

    page = _t(client.get(_url("reponse_portail", alice)))
    assert "Annexe budgétaire" in page and "Télécharger tous les documents (ZIP)" in page
    fichier = client.get(_url("reponse_document", alice, note.pk))
    assert fichier.status_code == 200
    assert b"".join(fichier.streaming_content) == PDF + b"note"  # type: ignore[attr-defined]
    assert fichier["Content-Disposition"].startswith("attachment")
    assert fichier["X-Content-Type-Options"] == "nosniff"
    assert client.get(_url("reponse_document", alice, autre.pk)).status_code == 404

    archive = client.get(_url("reponse_documents_zip", alice))
    assert archive["Content-Type"] == "application/zip"
    assert archive["Content-Disposition"] == (
        "attachment; filename*=utf-8''Documents%20-%20Conseil%20municipal%20du%2012%20"
        "d%C3%A9cembre.zip"
    )
    contenu = b"".join(archive.streaming_content)  # type: ignore[attr-defined]
    with zipfile.ZipFile(io.BytesIO(contenu)) as zf:
        assert sorted(zf.namelist()) == sorted(
            [f"01 - {note.nom_fichier}", f"02 - {annexe.nom_fichier}"]
        )
        assert zf.read(f"02 - {annexe.nom_fichier}") == PDF + b"annexe"


# --- Réponse en deux étapes ----------------------------------------------------------------


@pytest.fixture
def membres(seance: Any) -> tuple[Destinataire, Destinataire, Destinataire]:
    return (
        _envoye(seance, nom="Alice", lu_le=timezone.now()),
        _envoye(seance, nom="Bruno", lu_le=timezone.now()),
        _envoye(seance, nom="Chloé", lu_le=timezone.now()),
    )


def test_repondre_pouvoir_valider_confirmer(seance: Any, membres: Any) -> None:
    alice, bruno, _ = membres
    client = _par_le_lien(alice)
    assert client.get(_url("reponse_valider", alice)).status_code == 302  # rien à valider

    saisie = client.post(
        _url("reponse_repondre", alice),
        {
            "presence": Presence.POUVOIR,
            "mandataire": bruno.pk,
            "commentaire": "Réunion de travail",
            "piece": SimpleUploadedFile("pouvoir signé.pdf", PDF),
        },
    )
    assert saisie.status_code == 302
    assert saisie["Location"] == _url("reponse_valider", alice)
    # Rien n'est envoyé avant la validation.
    assert not Reponse.objects.exists() and not Pouvoir.objects.exists()
    page = _t(client.get(saisie["Location"]))
    assert "Votre réponse ne sera pas envoyée tant que vous ne l'aurez pas validée." in page
    assert "Bruno" in page and "pouvoir signé.pdf" in page

    fin = client.post(_url("reponse_valider", alice), follow=True)
    assert fin.redirect_chain[-1][0] == _url("reponse_confirmation", alice)
    assert "Votre réponse est enregistrée" in _t(fin)
    reponse = Reponse.objects.get()
    assert (reponse.presence, reponse.mandataire, reponse.canal) == ("pouvoir", bruno, "lien")
    assert reponse.pieces.get().nom_fichier == "pouvoir signé.pdf"
    pouvoir = Pouvoir.objects.get()
    assert (pouvoir.mandant, pouvoir.mandataire, pouvoir.revoque_le) == (alice, bruno, None)
    alice.refresh_from_db()
    assert alice.presence == Presence.POUVOIR and alice.reponse_commentaire == "Réunion de travail"
    # La saisie est consommée : la page de validation renvoie au formulaire.
    assert client.get(_url("reponse_valider", alice)).status_code == 302


def _repondre(client: Client, destinataire: Destinataire, **donnees: Any) -> Any:
    client.post(_url("reponse_repondre", destinataire), donnees)
    return client.post(_url("reponse_valider", destinataire))


def test_changer_de_reponse_revoque_le_pouvoir_et_garde_l_historique(
    seance: Any, membres: Any
) -> None:
    alice, bruno, _ = membres
    elue = UtilisateurFactory()
    Destinataire.objects.filter(pk=alice.pk).update(utilisateur=elue)
    client = _par_le_lien(alice)
    _repondre(client, alice, presence=Presence.POUVOIR, mandataire=bruno.pk)
    portail = Client()
    portail.force_login(elue)
    _repondre(portail, alice, presence=Presence.PRESENT)

    assert list(Reponse.objects.order_by("pk").values_list("presence", "canal", "par")) == [
        ("pouvoir", "lien", elue.pk),
        ("present", "portail", elue.pk),
    ]
    assert Pouvoir.objects.get().revoque_le is not None
    page = _t(portail.get(_url("reponse_portail", alice)))
    assert "Historique de vos réponses" in page and "Espace élu" in page


def test_pouvoir_a_un_membre_deja_porteur_refuse_en_francais(seance: Any, membres: Any) -> None:
    alice, bruno, chloe = membres
    _repondre(_par_le_lien(chloe), chloe, presence=Presence.POUVOIR, mandataire=bruno.pk)
    client = _par_le_lien(alice)
    refus = _repondre(client, alice, presence=Presence.POUVOIR, mandataire=bruno.pk)
    assert refus.status_code == 400
    assert "Bruno porte déjà un pouvoir pour cette séance" in _t(refus)
    assert Reponse.objects.count() == 1


def test_pouvoir_sans_mandataire_ou_a_un_non_membre(seance: Any, membres: Any) -> None:
    alice, *_ = membres
    invite = _envoye(seance, membre=False, nom="Invité")
    client = _par_le_lien(alice)
    sans = client.post(_url("reponse_repondre", alice), {"presence": Presence.POUVOIR})
    assert sans.status_code == 400
    assert "Choisissez le membre qui votera pour vous." in _t(sans)
    non_membre = client.post(
        _url("reponse_repondre", alice), {"presence": Presence.POUVOIR, "mandataire": invite.pk}
    )
    assert non_membre.status_code == 400
    assert "Choisissez un membre de la liste." in _t(non_membre)


def test_distanciel_et_suppleant_seulement_quand_ils_sont_possibles(
    seance: Any, membres: Any
) -> None:
    alice, *_ = membres
    client = _par_le_lien(alice)
    page = _t(client.get(_url("reponse_repondre", alice)))
    assert "à distance" not in page and "suppléant" not in page
    for presence in (Presence.PRESENT_DISTANCE, Presence.SUPPLEANT):
        refus = client.post(_url("reponse_repondre", alice), {"presence": presence})
        assert refus.status_code == 400

    epci = SeanceFactory(
        etat=EtatSeance.ENVOYEE, type=TypeSeance.CONSEIL_COMMUNAUTAIRE, distanciel_autorise=True
    )
    delegue = _envoye(epci, lu_le=timezone.now())
    client = _par_le_lien(delegue)
    page = _t(client.get(_url("reponse_repondre", delegue)))
    assert "Je serai présent(e) à distance" in page
    assert "Je serai remplacé(e) par mon suppléant" in page
    assert _repondre(client, delegue, presence=Presence.SUPPLEANT).status_code == 302


def test_apres_la_date_limite_l_elu_ne_peut_plus_changer(seance: Any, membres: Any) -> None:
    alice, *_ = membres
    seance.reponses_jusqu_au = timezone.now() - datetime.timedelta(hours=1)
    seance.save()
    client = _par_le_lien(alice)
    page = _t(client.get(_url("reponse_repondre", alice)))
    assert "Les réponses étaient possibles jusqu'au" in page
    assert 'name="presence"' not in page
    client.post(_url("reponse_repondre", alice), {"presence": Presence.PRESENT})
    assert not Reponse.objects.exists()


def test_la_date_limite_atteinte_entre_saisie_et_validation(seance: Any, membres: Any) -> None:
    alice, *_ = membres
    client = _par_le_lien(alice)
    client.post(_url("reponse_repondre", alice), {"presence": Presence.PRESENT})
    seance.reponses_jusqu_au = timezone.now() - datetime.timedelta(minutes=1)
    seance.save()
    refus = client.post(_url("reponse_valider", alice))
    assert refus.status_code == 400
    assert "Les réponses étaient possibles jusqu" in _t(refus)
    assert not Reponse.objects.exists()


@pytest.mark.parametrize(
    ("nom", "contenu", "message"),
    [
        ("pouvoir.pdf", b"MZ\x90\x00 exe", "Joignez un fichier PDF, PNG ou JPEG."),
        ("vide.pdf", b"", "Le fichier soumis est vide."),
        ("gros.pdf", PDF + b"x" * 2048, "Le fichier dépasse"),
    ],
)
def test_pieces_jointes_bornees_en_taille_et_en_type(
    seance: Any, membres: Any, settings: Any, nom: str, contenu: bytes, message: str
) -> None:
    settings.ECHARPE_CONVOCATIONS_PIECE_MAX = 1024
    alice, *_ = membres
    client = _par_le_lien(alice)
    refus = client.post(
        _url("reponse_repondre", alice),
        {"presence": Presence.ABSENT, "piece": SimpleUploadedFile(nom, contenu)},
    )
    assert refus.status_code == 400
    assert message in _t(refus)
    assert not PieceReponse.objects.exists()


# --- Saisie par un agent --------------------------------------------------------------------


def test_l_agent_enregistre_une_reponse_avec_exception_maladie(seance: Any, membres: Any) -> None:
    alice, bruno, _ = membres
    agent = RoleFactory(collectivite=seance.collectivite, role=TypeRole.SECRETARIAT).utilisateur
    client = Client()
    client.force_login(agent)
    url = reverse("convocations:reponse_saisir", args=[alice.pk])
    assert client.get(url).status_code == 200

    sans_justif = client.post(
        url, {"presence": Presence.POUVOIR, "mandataire": bruno.pk, "exception_maladie": "on"}
    )
    assert sans_justif.status_code == 400
    assert "Justifiez l'exception pour maladie." in _t(sans_justif)

    ok = client.post(
        url,
        {
            "presence": Presence.POUVOIR,
            "mandataire": bruno.pk,
            "exception_maladie": "on",
            "justification": "Certificat médical du 01/12/2026",
            "commentaire": "Appel de Mme Alice",
        },
        follow=True,
    )
    assert "Réponse de Alice enregistrée : Absent, donne pouvoir." in _t(ok)
    reponse = Reponse.objects.get()
    assert (reponse.canal, reponse.par) == ("agent", agent)
    assert Pouvoir.objects.get().exception_maladie
    assert "Saisie par un agent" in _t(ok)


def test_l_agent_ne_saisit_pas_dans_une_autre_collectivite(seance: Any, membres: Any) -> None:
    alice, *_ = membres
    ailleurs = RoleFactory(role=TypeRole.ADMINISTRATEUR).utilisateur
    client = Client()
    client.force_login(ailleurs)
    url = reverse("convocations:reponse_saisir", args=[alice.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"presence": Presence.PRESENT}).status_code == 404
    assert not Reponse.objects.exists()


def test_l_agent_voit_et_telecharge_la_piece_jointe_par_l_elu(seance: Any, membres: Any) -> None:
    alice, bruno, _ = membres
    client = _par_le_lien(alice)
    client.post(
        _url("reponse_repondre", alice),
        {
            "presence": Presence.POUVOIR,
            "mandataire": bruno.pk,
            "piece": SimpleUploadedFile("pouvoir.pdf", PDF + b"signe"),
        },
    )
    client.post(_url("reponse_valider", alice))
    piece = PieceReponse.objects.get()
    # Le nom sur le disque est aléatoire, jamais celui que l'élu a donné.
    assert "pouvoir" not in piece.fichier.name
    agent = RoleFactory(collectivite=seance.collectivite, role=TypeRole.LECTURE).utilisateur
    lecteur = Client()
    lecteur.force_login(agent)
    url = reverse("convocations:reponse_piece", args=[piece.pk])
    secretaire = RoleFactory(collectivite=seance.collectivite, role=TypeRole.SECRETARIAT)
    page = Client()
    page.force_login(secretaire.utilisateur)
    assert url in _t(page.get(reverse("convocations:reponse_saisir", args=[alice.pk])))
    fichier = lecteur.get(url)
    assert b"".join(fichier.streaming_content) == PDF + b"signe"  # type: ignore[attr-defined]
    assert fichier["X-Content-Type-Options"] == "nosniff"
    # L'élu lui-même n'a pas de rôle d'agent : pas d'accès par cette adresse.
    assert client.get(url).status_code == 302

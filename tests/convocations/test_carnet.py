"""Carnet d'adresses : contacts, groupes (manuels et automatiques), mandats, pages."""

from __future__ import annotations

import datetime
import html

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from convocations.models import ActionConvocations, Contact, Groupe, ImportContacts, Mandat
from convocations.selectors import contacts_du_carnet, groupes_avec_effectifs, noms_des_groupes
from convocations.services import (
    contact_creer,
    groupe_creer,
    groupe_renommer,
    groupe_supprimer,
    mandat_creer,
    mandat_terminer,
)
from core.comptes.models import TypeRole
from core.journal.models import EntreeJournal
from core.journal.services import journal_chronologie
from core.registry import registre
from tests.convocations.factories import ContactFactory, GroupeFactory

pytestmark = pytest.mark.django_db

A = TypeRole.ADMINISTRATEUR
E = TypeRole.AGENT_ELECTIONS
S = TypeRole.SECRETARIAT
L = TypeRole.LECTURE
HIER = datetime.date.today() - datetime.timedelta(days=1)


def _page(reponse) -> str:
    return html.unescape(reponse.content.decode())


def _elu(monde, email="maire@exemple.fr", **kwargs):
    contact = ContactFactory(collectivite=monde.collectivite, email=email, description="Anne Maire")
    options = {"assemblee": "conseil_municipal", "fonction": "maire", "debut": HIER, **kwargs}
    mandat = mandat_creer(contact=contact, par=monde.personnes[S], **options)
    contact.refresh_from_db()
    return contact, mandat


# --- Services ----------------------------------------------------------------------------------


def test_creer_un_contact_normalise_l_adresse_et_journalise(monde):
    groupe = GroupeFactory(collectivite=monde.collectivite, nom="ENN")

    contact = contact_creer(
        collectivite=monde.collectivite,
        email="  Jean.Dupont@MAIRIE.fr ",
        description="Jean Dupont",
        groupes=[groupe],
        compte_collectivite=True,
        par=monde.personnes[S],
    )

    assert contact.email == "Jean.Dupont@mairie.fr"
    assert list(contact.groupes.all()) == [groupe]
    (entree,) = journal_chronologie(sujet=contact)
    assert entree.libelle_action == "Contact ajouté au carnet d'adresses"
    assert entree.objet_libelle == "le contact « Jean Dupont »"


def test_une_adresse_deja_dans_le_carnet_est_refusee_sans_casse(monde):
    ContactFactory(collectivite=monde.collectivite, email="jean@mairie.fr")
    ContactFactory(collectivite=monde.autre, email="autre@mairie.fr")

    with pytest.raises(ValidationError) as refus:
        contact_creer(collectivite=monde.collectivite, email="JEAN@Mairie.fr", par=None)
    # La même adresse dans une autre collectivité ne gêne pas.
    contact_creer(collectivite=monde.collectivite, email="autre@mairie.fr", par=None)

    assert "Un contact du carnet porte déjà cette adresse." in refus.value.messages


def test_un_groupe_unique_sans_casse_et_un_groupe_d_une_autre_collectivite_refuse(monde):
    groupe_creer(collectivite=monde.collectivite, nom="Élus", par=None)
    ailleurs = GroupeFactory(collectivite=monde.autre, nom="Presse")

    with pytest.raises(ValidationError) as doublon:
        groupe_creer(collectivite=monde.collectivite, nom="  élus ", par=None)
    with pytest.raises(ValidationError):
        contact_creer(
            collectivite=monde.collectivite, email="a@exemple.fr", groupes=[ailleurs], par=None
        )

    assert doublon.value.messages == ["Un groupe porte déjà ce nom."]


def test_un_mandat_fait_de_l_elu_un_membre_du_groupe_automatique(monde):
    contact, mandat = _elu(monde)

    groupe = Groupe.objects.get(collectivite=monde.collectivite, nom="Conseil municipal")
    assert groupe.automatique
    assert contact.utilisateur is not None
    assert not contact.utilisateur.has_usable_password()
    assert mandat.utilisateur == contact.utilisateur
    assert list(contacts_du_carnet(monde.collectivite, groupe=groupe)) == [contact]
    assert noms_des_groupes(contacts_du_carnet(monde.collectivite).get()) == ["Conseil municipal"]
    (entree,) = EntreeJournal.objects.filter(action=ActionConvocations.CONVOCATIONS_MANDAT_CREE)
    assert entree.objet_libelle.endswith("(maire, Conseil municipal)")


def test_un_mandat_termine_sort_l_elu_du_groupe_automatique(monde):
    contact, mandat = _elu(monde, debut=datetime.date(2020, 3, 15))
    groupe = Groupe.objects.get(nom="Conseil municipal")

    mandat_terminer(mandat=mandat, fin=HIER, par=monde.personnes[A])

    assert list(contacts_du_carnet(monde.collectivite, groupe=groupe)) == []
    assert groupes_avec_effectifs(monde.collectivite) == [(groupe, 0)]
    with pytest.raises(ValidationError):
        mandat_terminer(mandat=mandat, fin=timezone.localdate(), par=monde.personnes[A])


def test_une_commission_a_son_groupe_et_exige_son_nom(monde):
    contact, _ = _elu(monde, assemblee="commission", commission="Finances", fonction="membre")

    assert Groupe.objects.filter(nom="Commission Finances", type="automatique").exists()
    with pytest.raises(ValidationError) as refus:
        mandat_creer(
            contact=contact,
            assemblee="commission",
            fonction="membre",
            debut=HIER,
            par=monde.personnes[S],
        )
    assert "Donnez le nom de la commission" in " ".join(refus.value.messages)


def test_un_groupe_automatique_ne_se_renomme_ni_ne_se_supprime(monde):
    _elu(monde)
    groupe = Groupe.objects.get(nom="Conseil municipal")

    with pytest.raises(ValidationError) as suppression:
        groupe_supprimer(groupe=groupe, par=monde.personnes[A])
    with pytest.raises(ValidationError):
        groupe_renommer(groupe=groupe, nom="Autre", par=monde.personnes[A])

    assert suppression.value.messages == [
        "Le groupe « Conseil municipal » est automatique : il suit les mandats et ne peut être "
        "supprimé."
    ]
    assert Groupe.objects.filter(pk=groupe.pk).exists()


def test_un_groupe_manuel_du_nom_de_l_assemblee_est_signale(monde):
    GroupeFactory(collectivite=monde.collectivite, nom="conseil municipal")
    contact = ContactFactory(collectivite=monde.collectivite)

    with pytest.raises(ValidationError) as refus:
        mandat_creer(
            contact=contact,
            assemblee="conseil_municipal",
            fonction="maire",
            debut=HIER,
            par=monde.personnes[S],
        )

    assert "renommez-le" in refus.value.messages[0]
    assert not Mandat.objects.exists()


def test_chaque_action_a_son_libelle():
    for action in ActionConvocations:
        assert registre.libelle_action(action.value) == action.label


# --- Pages -------------------------------------------------------------------------------------


def test_la_liste_ne_montre_jamais_un_contact_d_une_autre_collectivite(monde):
    ContactFactory(collectivite=monde.collectivite, description="Ici", email="ici@exemple.fr")
    ContactFactory(collectivite=monde.autre, description="Ailleurs", email="ailleurs@exemple.fr")
    GroupeFactory(collectivite=monde.autre, nom="Groupe d'ailleurs")

    for url in (
        reverse("convocations:contacts"),
        reverse("convocations:contacts") + "?q=ailleurs",
        reverse("convocations:groupes"),
        reverse("convocations:export"),
    ):
        page = _page(monde.client(A).get(url))
        assert "Groupe d'ailleurs" not in page
        assert "ailleurs@exemple.fr" not in page
        assert "Ailleurs" not in page


def test_recherche_par_nom_adresse_ou_groupe_et_filtre_par_groupe(monde):
    enn = GroupeFactory(collectivite=monde.collectivite, nom="ENN")
    alice = ContactFactory(collectivite=monde.collectivite, description="Alice", email="a@x.fr")
    alice.groupes.add(enn, GroupeFactory(collectivite=monde.collectivite, nom="ENN_2"))
    ContactFactory(collectivite=monde.collectivite, description="Bob", email="bob@y.fr")
    client = monde.client(L)

    def noms(parametres: str) -> list[str]:
        reponse = client.get(reverse("convocations:contacts") + parametres)
        return [c.description for c in reponse.context["page_obj"].object_list]

    assert noms("") == ["Alice", "Bob"]
    assert noms("?q=bob@") == ["Bob"]
    assert noms("?q=enn") == ["Alice"]  # une seule ligne malgré deux groupes trouvés
    assert noms(f"?groupe={enn.pk}") == ["Alice"]
    assert noms("?groupe=999999") == ["Alice", "Bob"]


def test_la_liste_fait_autant_de_requetes_pour_5_ou_50_contacts(monde):
    client = monde.client(S)
    groupe = GroupeFactory(collectivite=monde.collectivite, nom="ENN")

    def remplir(n: int) -> None:
        for _ in range(n):
            contact = ContactFactory(collectivite=monde.collectivite)
            contact.groupes.add(groupe)
            mandat_creer(
                contact=contact,
                assemblee="conseil_municipal",
                fonction="conseiller",
                debut=HIER,
                par=monde.personnes[S],
            )

    remplir(5)
    with CaptureQueriesContext(connection) as cinq:
        reponse = client.get(reverse("convocations:contacts") + "?q=")
    assert "ENN, Conseil municipal" in _page(reponse)
    remplir(45)
    with CaptureQueriesContext(connection) as cinquante:
        client.get(reverse("convocations:contacts"))

    assert len(cinquante) == len(cinq)


def test_creer_un_contact_par_la_page_puis_le_supprimer_apres_confirmation(monde):
    client = monde.client(S)
    groupe = GroupeFactory(collectivite=monde.collectivite, nom="ENN")

    reponse = client.post(
        reverse("convocations:contact_creer"),
        {"email": "a@exemple.fr", "description": "Alice", "groupes": [groupe.pk]},
    )
    contact = Contact.objects.get()
    assert reponse["Location"] == reverse("convocations:contact", args=[contact.pk])
    fiche = _page(client.get(reponse["Location"]))
    assert "Contact « Alice » ajouté au carnet." in fiche
    assert "Contact ajouté au carnet d'adresses" in fiche

    confirmation = client.get(reverse("convocations:contact_supprimer", args=[contact.pk]))
    assert "Supprimer le contact « Alice » (a@exemple.fr) ?" in _page(confirmation)
    assert Contact.objects.exists()
    client.post(reverse("convocations:contact_supprimer", args=[contact.pk]))
    assert not Contact.objects.exists()
    assert EntreeJournal.objects.filter(
        action=ActionConvocations.CONVOCATIONS_CONTACT_SUPPRIME
    ).exists()


def test_une_adresse_invalide_revient_en_francais_avec_la_saisie(monde):
    reponse = monde.client(A).post(
        reverse("convocations:contact_creer"), {"email": "pas une adresse", "description": "X"}
    )

    assert reponse.status_code == 400
    assert "Adresse électronique invalide : « pas une adresse »." in _page(reponse)
    assert 'value="pas une adresse"' in reponse.content.decode()


def test_le_formulaire_ne_propose_que_les_personnes_de_la_collectivite(monde):
    reponse = monde.client(A).get(reverse("convocations:contact_creer"))
    personnes = set(reponse.context["form"].fields["utilisateur"].queryset)

    assert monde.personnes[S] in personnes
    assert monde.personnes["autre_collectivite"] not in personnes
    assert monde.personnes["sans_role"] not in personnes


def test_supprimer_un_groupe_automatique_par_la_page_est_refuse_en_francais(monde):
    _elu(monde)
    groupe = Groupe.objects.get(nom="Conseil municipal")
    client = monde.client(S)

    reponse = client.post(reverse("convocations:groupe_supprimer", args=[groupe.pk]), follow=True)

    assert "est automatique : il suit les mandats et ne peut être supprimé." in _page(reponse)
    assert Groupe.objects.filter(pk=groupe.pk).exists()


def test_groupes_mandats_et_lecture_seule_sans_bouton_d_ecriture(monde):
    _elu(monde)
    page = _page(monde.client(L).get(reverse("convocations:contacts")))
    mandats = _page(monde.client(L).get(reverse("convocations:mandats")))

    assert "Ajouter un contact" not in page
    assert "Importer un fichier CSV" not in page
    assert "ANNE MAIRE" in mandats
    assert "Terminer" not in mandats
    assert "Terminer" in _page(monde.client(S).get(reverse("convocations:mandats")))


def test_navigation_et_compteur_pour_les_bons_roles(monde):
    ContactFactory(collectivite=monde.collectivite)
    for profil, visible in ((A, True), (S, True), (L, True), (E, False)):
        page = _page(monde.client(profil).get(reverse("pages:accueil")))
        assert (reverse("convocations:contacts") in page) is visible, profil


# --- Import par les pages ----------------------------------------------------------------------


def _deposer(client, contenu: bytes, nom: str = "Classeur1.csv"):
    return client.post(
        reverse("convocations:import"), {"fichier": SimpleUploadedFile(nom, contenu)}
    )


def test_import_par_la_page_apercu_puis_confirmation(monde):
    GroupeFactory(collectivite=monde.collectivite, nom="ENN")
    client = monde.client(S)

    depot = _deposer(client, b"a@exemple.fr;Alice;ENN;Nouveau\r\nb@exemple.fr;Bob\r\n")
    apercu = client.get(depot["Location"])
    page = _page(apercu)

    assert "Créer le groupe « Nouveau »" in page
    assert "Contacts à ajouter : 2" in page
    assert not Contact.objects.exists()  # rien n'est écrit avant la confirmation

    refus = client.post(depot["Location"])
    assert refus.status_code == 400
    assert "Le groupe « Nouveau » n'existe pas (ligne 1)" in _page(refus)
    assert not Contact.objects.exists()

    fin = client.post(depot["Location"], {"creer": ["Nouveau"]}, follow=True)
    assert "2 contacts ajoutés, 0 contact mis à jour, 1 groupe créé (« Nouveau »)." in (
        _page(fin).replace("\u00a0", " ").replace("\u202f", " ")
    )
    assert Contact.objects.count() == 2
    assert not ImportContacts.objects.exists()
    assert client.post(depot["Location"]).status_code == 404  # pas deux fois


def test_un_apercu_d_une_autre_collectivite_repond_404(monde):
    depot = ImportContacts.objects.create(
        collectivite=monde.autre,
        par=monde.personnes["autre_collectivite"],
        nom_fichier="x.csv",
        contenu=b"a@exemple.fr;A\r\n",
        empreinte="-",
        empreinte_apercu="-",
    )

    reponse = monde.client(A).post(reverse("convocations:import_apercu", args=[depot.pk]))

    assert reponse.status_code == 404
    assert not Contact.objects.exists()


def test_le_depot_refuse_un_fichier_vide_ou_trop_gros(monde, settings):
    client = monde.client(A)
    settings.ECHARPE_CONTACTS_IMPORT_MAX = 50

    vide = _deposer(client, b"")
    gros = _deposer(client, b"a@exemple.fr;" + b"x" * 100)
    binaire = _deposer(client, b"\x00\x01binaire")

    assert vide.status_code == 400
    assert "fichier" in _page(vide).lower()
    assert gros.status_code == 400
    assert "Le fichier pèse plus de" in _page(gros)
    assert "contenu binaire" in _page(binaire)
    assert not ImportContacts.objects.exists()


def test_un_apercu_aux_lignes_fautives_n_offre_pas_de_confirmer(monde):
    client = monde.client(S)
    depot = _deposer(client, b"a@exemple.fr;A\r\nfaux;B\r\na@exemple.fr;C\r\n")
    page = _page(client.get(depot["Location"]))

    assert "Ligne 2 : Adresse électronique invalide : « faux »." in page
    assert "Ligne 3 : l'adresse « a@exemple.fr » figure déjà ligne 1." in page
    assert "Confirmer l'import" not in page
    assert client.post(depot["Location"]).status_code == 400
    assert not Contact.objects.exists()


def test_l_export_telecharge_le_carnet(monde):
    ContactFactory(collectivite=monde.collectivite, email="a@exemple.fr", description="Alice")

    reponse = monde.client(S).get(reverse("convocations:export"))

    assert reponse["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in reponse["Content-Disposition"]
    assert '"a@exemple.fr";"Alice"' in reponse.content.decode("utf-8-sig")


def test_un_nouveau_depot_efface_l_apercu_precedent_et_ceux_de_plus_d_un_jour(monde):
    ancien = ImportContacts.objects.create(
        collectivite=monde.collectivite,
        par=monde.personnes[A],
        nom_fichier="vieux.csv",
        contenu=b"a@exemple.fr;A\r\n",
        empreinte="-",
        empreinte_apercu="-",
        cree_le=timezone.now() - datetime.timedelta(days=2),
    )
    client = monde.client(S)
    premier = _deposer(client, b"a@exemple.fr;A\r\n")
    second = _deposer(client, b"b@exemple.fr;B\r\n")

    assert premier["Location"] != second["Location"]
    assert client.get(premier["Location"]).status_code == 404
    assert client.get(second["Location"]).status_code == 200
    assert not ImportContacts.objects.filter(pk=ancien.pk).exists()


def test_creer_ou_renommer_un_groupe_a_un_nom_pris_revient_en_francais(monde):
    GroupeFactory(collectivite=monde.collectivite, nom="ENN")
    presse = GroupeFactory(collectivite=monde.collectivite, nom="Presse")
    client = monde.client(A)

    creation = client.post(reverse("convocations:groupes"), {"nom": "enn"})
    renommage = client.post(
        reverse("convocations:groupe_renommer", args=[presse.pk]), {"nom": " ENN "}
    )
    accepte = client.post(
        reverse("convocations:groupe_renommer", args=[presse.pk]), {"nom": "Médias"}
    )

    assert creation.status_code == 400
    assert "Un groupe porte déjà ce nom." in _page(creation)
    assert renommage.status_code == 400
    assert "Un groupe porte déjà ce nom." in _page(renommage)
    assert accepte.status_code == 302
    presse.refresh_from_db()
    assert presse.nom == "Médias"
    (entree,) = EntreeJournal.objects.filter(action=ActionConvocations.CONVOCATIONS_GROUPE_RENOMME)
    assert entree.details == {"ancien_nom": "Presse"}


def test_l_apercu_d_un_autre_agent_ne_se_voit_ni_ne_se_confirme(monde):
    """Un aperçu d'import appartient à l'agent qui a déposé le fichier : un collègue (même
    administrateur) ne peut ni le lire ni le confirmer à sa place."""
    depot = _deposer(monde.client(S), b"a@exemple.fr;A\r\n")

    collegue = monde.client(A)

    assert collegue.get(depot["Location"]).status_code == 404
    assert collegue.post(depot["Location"]).status_code == 404
    assert not Contact.objects.exists()
    assert ImportContacts.objects.count() == 1
    assert monde.client(S).post(depot["Location"]).status_code == 302
    assert Contact.objects.count() == 1

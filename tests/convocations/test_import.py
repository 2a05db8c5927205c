"""Import et export du carnet d'adresses au format de Pastell (seed 003)."""

from __future__ import annotations

import codecs
import datetime

import pytest
from django.core.exceptions import ValidationError

from convocations.imports import (
    ApercuPerime,
    FichierRefuse,
    ImportRefuse,
    analyser,
    exporter,
    importer,
)
from convocations.models import ActionConvocations, Contact, Groupe, TypeGroupe
from convocations.services import contact_creer, mandat_creer
from core.journal.models import EntreeJournal
from tests.convocations.factories import ContactFactory, GroupeFactory

pytestmark = pytest.mark.django_db

# L'exemple de la documentation de Pastell, tel qu'Excel l'enregistre en « CSV (séparateur :
# point-virgule) » : cp1252, lignes de longueurs différentes.
SEED = (
    "support@eurenormandienumerique.fr;Support ENN;ENN\r\n"
    "agence-num@eurenormandienumerique.fr;Agence du numérique;ENN\r\n"
    "john.deuf@eurenormandienumerique.fr;John Deuf;ENN;ENN_4\r\n"
    "marc.assin@eurenormandienumerique.fr;Marc Assin;ENN;ENN_2;ENN_3\r\n"
)


def _groupes(collectivite, *noms):
    for nom in noms:
        GroupeFactory(collectivite=collectivite, nom=nom)


def _carnet(collectivite):
    return {
        c.email: (c.description, sorted(g.nom for g in c.groupes.all()))
        for c in Contact.objects.pour(collectivite).prefetch_related("groupes")
    }


def test_l_exemple_du_seed_en_cp1252_s_importe_avec_ses_groupes(monde):
    _groupes(monde.collectivite, "ENN", "ENN_2", "ENN_3", "ENN_4")
    contenu = SEED.encode("cp1252")

    resultat = importer(
        collectivite=monde.collectivite, contenu=contenu, par=monde.personnes["secretariat"]
    )

    assert (resultat.crees, resultat.mis_a_jour) == (4, 0)
    assert _carnet(monde.collectivite) == {
        "support@eurenormandienumerique.fr": ("Support ENN", ["ENN"]),
        "agence-num@eurenormandienumerique.fr": ("Agence du numérique", ["ENN"]),
        "john.deuf@eurenormandienumerique.fr": ("John Deuf", ["ENN", "ENN_4"]),
        "marc.assin@eurenormandienumerique.fr": ("Marc Assin", ["ENN", "ENN_2", "ENN_3"]),
    }
    entree = EntreeJournal.objects.get(action=ActionConvocations.CONVOCATIONS_CONTACTS_IMPORTES)
    assert entree.details["contacts_ajoutes"] == 4
    assert entree.acteur == monde.personnes["secretariat"]


def test_utf8_avec_bom_et_ligne_d_en_tete(monde):
    _groupes(monde.collectivite, "Élus")
    contenu = (
        codecs.BOM_UTF8
        + (
            "Adresse électronique;Description;Groupes\r\n"
            "lea@exemple.fr;Léa Dupré;élus\r\n"
            "léa@exemple.fr;Léa;Élus\r\n"
        ).encode()
    )

    apercu = analyser(collectivite=monde.collectivite, contenu=contenu)

    assert apercu.entete is True
    assert [(ligne.description, ligne.groupes) for ligne in apercu.a_creer] == [
        ("Léa Dupré", ("Élus",))
    ]
    # Partie locale non ASCII : l'envoi la refuserait (core.mail), l'import aussi.
    assert apercu.erreurs() == ["Ligne 3 : Adresse électronique invalide : « léa@exemple.fr »."]


def test_en_tete_reconnu_puis_adresse_idn_au_domaine_en_minuscules(monde):
    contenu = "Email;Nom\r\nJean.Dupont@Mairie-Éloyes.FR;Jean Dupont\r\n".encode()

    apercu = analyser(collectivite=monde.collectivite, contenu=contenu)

    assert apercu.entete is True
    assert [ligne.email for ligne in apercu.a_creer] == ["Jean.Dupont@mairie-éloyes.fr"]
    assert apercu.erreurs() == []


def test_sans_en_tete_la_premiere_ligne_est_un_contact(monde):
    apercu = analyser(collectivite=monde.collectivite, contenu=b"a@exemple.fr;Alice\r\n")

    assert apercu.entete is False
    assert [ligne.numero for ligne in apercu.a_creer] == [1]


def test_une_premiere_ligne_qui_n_est_ni_adresse_ni_en_tete_est_une_erreur(monde):
    apercu = analyser(collectivite=monde.collectivite, contenu=b"Alice;a@exemple.fr\r\n")

    assert apercu.erreurs() == ["Ligne 1 : Adresse électronique invalide : « Alice »."]


def test_les_virgules_de_l_exemple_de_pastell_sont_acceptees(monde):
    _groupes(monde.collectivite, "ENN")
    contenu = SEED.replace(";", ",").encode()

    apercu = analyser(collectivite=monde.collectivite, contenu=contenu)

    assert apercu.erreurs(apercu.groupes_inconnus) == []
    assert len(apercu.a_creer) == 4
    assert apercu.groupes_inconnus == ["ENN_4", "ENN_2", "ENN_3"]


def test_groupes_inconnus_listes_et_import_refuse_sans_leur_creation(monde):
    _groupes(monde.collectivite, "ENN")

    with pytest.raises(ImportRefuse) as refus:
        importer(collectivite=monde.collectivite, contenu=SEED.encode(), par=None)

    assert refus.value.messages == [
        "Le groupe « ENN_4 » n'existe pas (ligne 3) : créez-le ou corrigez le fichier.",
        "Le groupe « ENN_2 » n'existe pas (ligne 4) : créez-le ou corrigez le fichier.",
        "Le groupe « ENN_3 » n'existe pas (ligne 4) : créez-le ou corrigez le fichier.",
    ]
    assert Contact.objects.count() == 0


def test_les_groupes_coches_sont_crees_et_journalises(monde):
    _groupes(monde.collectivite, "enn")  # même nom, autre casse : c'est le même groupe

    resultat = importer(
        collectivite=monde.collectivite,
        contenu=SEED.encode(),
        groupes_a_creer=["ENN_2", "ENN_3", "enn_4"],
        par=monde.personnes["administrateur"],
    )

    assert resultat.groupes_crees == ["ENN_4", "ENN_2", "ENN_3"]
    assert sorted(Groupe.objects.values_list("nom", flat=True)) == [
        "ENN_2",
        "ENN_3",
        "ENN_4",
        "enn",
    ]
    assert (
        EntreeJournal.objects.filter(action=ActionConvocations.CONVOCATIONS_GROUPE_CREE).count()
        == 3
    )
    assert _carnet(monde.collectivite)["john.deuf@eurenormandienumerique.fr"][1] == [
        "ENN_4",
        "enn",
    ]


def test_adresses_invalides_et_doublons_numerotes_rien_n_est_ecrit(monde):
    contenu = (
        "a@exemple.fr;Alice\r\n"
        "pas-une-adresse;Bob\r\n"
        "A@EXEMPLE.FR;Alice bis\r\n"
        ";Sans adresse\r\n"
        "c@exemple.fr;Chloé\r\n"
    ).encode()

    with pytest.raises(ImportRefuse) as refus:
        importer(collectivite=monde.collectivite, contenu=contenu, par=None)

    assert refus.value.messages == [
        "Ligne 2 : Adresse électronique invalide : « pas-une-adresse ».",
        "Ligne 4 : l'adresse électronique manque.",
        "Ligne 3 : l'adresse « A@exemple.fr » figure déjà ligne 1.",
    ]
    assert Contact.objects.count() == 0
    assert not EntreeJournal.objects.filter(
        action=ActionConvocations.CONVOCATIONS_CONTACTS_IMPORTES
    ).exists()


def test_un_contact_existant_est_mis_a_jour_et_garde_ses_groupes(monde):
    _groupes(monde.collectivite, "ENN", "Presse")
    existant = ContactFactory(
        collectivite=monde.collectivite,
        email="support@eurenormandienumerique.fr",
        description="Ancien",
    )
    existant.groupes.add(Groupe.objects.get(nom="Presse"))
    contenu = b"SUPPORT@eurenormandienumerique.fr;Support ENN;ENN\r\nb@exemple.fr;Bob\r\n"

    apercu = analyser(collectivite=monde.collectivite, contenu=contenu)
    resultat = importer(collectivite=monde.collectivite, contenu=contenu, par=None)

    assert [ligne.numero for ligne in apercu.a_mettre_a_jour] == [1]
    assert (resultat.crees, resultat.mis_a_jour) == (1, 1)
    existant.refresh_from_db()
    assert existant.description == "Support ENN"
    assert sorted(g.nom for g in existant.groupes.all()) == ["ENN", "Presse"]
    assert Contact.objects.count() == 2


def test_fichier_vide_binaire_ou_trop_gros_refuse_en_francais(monde, settings):
    settings.ECHARPE_CONTACTS_IMPORT_MAX = 100
    cas = {
        b"": "Le fichier est vide.",
        b"\r\n\r\n": "Le fichier est vide.",
        b"PK\x03\x04classeur": "Ce fichier est un classeur (Excel, LibreOffice)",
        b"\x00\x01\x02binaire": "contenu binaire",
        b"a@exemple.fr;" + b"x" * 200: "Le fichier pèse plus de",
    }
    for contenu, debut in cas.items():
        with pytest.raises(FichierRefuse) as refus:
            analyser(collectivite=monde.collectivite, contenu=contenu)
        assert debut in refus.value.message


def test_une_formule_dans_une_description_reste_du_texte_et_est_neutralisee_a_l_export(monde):
    contenu = b'a@exemple.fr;=HYPERLINK("http://pirate")\r\n'
    importer(collectivite=monde.collectivite, contenu=contenu, par=None)

    contact = Contact.objects.get()
    export = exporter(collectivite=monde.collectivite, par=None)

    assert contact.description == '=HYPERLINK("http://pirate")'
    assert "'=HYPERLINK" in export.decode("utf-8-sig")
    # Relire notre propre export rend le texte d'origine (l'apostrophe ne s'accumule pas).
    apercu = analyser(collectivite=monde.collectivite, contenu=export)
    assert [ligne.description for ligne in apercu.a_mettre_a_jour] == [contact.description]


def test_l_export_se_relit_a_l_identique(monde):
    _groupes(monde.collectivite, "ENN", "ENN_2", "ENN_3", "ENN_4")
    importer(collectivite=monde.collectivite, contenu=SEED.encode("cp1252"), par=None)
    elu = ContactFactory(
        collectivite=monde.collectivite, email="maire@exemple.fr", description="Maire"
    )
    mandat_creer(
        contact=elu,
        assemblee="conseil_municipal",
        fonction="maire",
        debut=datetime.date(2020, 5, 25),
        par=monde.personnes["administrateur"],
    )
    avant = _carnet(monde.collectivite)

    export = exporter(collectivite=monde.collectivite, par=monde.personnes["administrateur"])
    assert export.startswith(codecs.BOM_UTF8)
    assert '"Adresse électronique";"Description";"Groupes"' in export.decode("utf-8-sig")
    assert '"maire@exemple.fr";"Maire";"Conseil municipal"' in export.decode("utf-8-sig")
    Contact.objects.all().delete()
    apercu = analyser(collectivite=monde.collectivite, contenu=export)
    importer(collectivite=monde.collectivite, contenu=export, par=None)

    assert apercu.entete is True
    # Le groupe automatique est ignoré à l'import (il suit les mandats), et dit.
    assert [nom for _, nom in apercu.groupes_automatiques] == ["Conseil municipal"]
    assert _carnet(monde.collectivite) == avant
    assert (
        EntreeJournal.objects.filter(
            action=ActionConvocations.CONVOCATIONS_CONTACTS_EXPORTES
        ).count()
        == 1
    )


def test_la_confirmation_refuse_un_apercu_perime(monde):
    contenu = b"a@exemple.fr;Alice\r\n"
    empreinte = analyser(collectivite=monde.collectivite, contenu=contenu).empreinte()
    ContactFactory(collectivite=monde.collectivite, email="a@exemple.fr")

    with pytest.raises(ApercuPerime):
        importer(
            collectivite=monde.collectivite,
            contenu=contenu,
            empreinte_attendue=empreinte,
            par=None,
        )


def test_les_contacts_d_une_autre_collectivite_ne_comptent_pas(monde):
    ContactFactory(collectivite=monde.autre, email="a@exemple.fr")
    GroupeFactory(collectivite=monde.autre, nom="ENN")

    apercu = analyser(collectivite=monde.collectivite, contenu=b"a@exemple.fr;Alice;ENN\r\n")

    assert [ligne.email for ligne in apercu.a_creer] == ["a@exemple.fr"]
    assert apercu.groupes_inconnus == ["ENN"]


def test_un_groupe_automatique_n_est_jamais_cree_par_l_import(monde):
    Groupe.objects.create(
        collectivite=monde.collectivite,
        nom="Conseil municipal",
        type=TypeGroupe.AUTOMATIQUE,
        assemblee="conseil_municipal",
    )
    importer(
        collectivite=monde.collectivite, contenu=b"a@exemple.fr;A;conseil municipal\r\n", par=None
    )

    assert list(Contact.objects.get().groupes.all()) == []


def test_le_service_refuse_d_ajouter_un_contact_a_un_groupe_automatique(monde):
    groupe = Groupe.objects.create(
        collectivite=monde.collectivite,
        nom="Conseil municipal",
        type=TypeGroupe.AUTOMATIQUE,
        assemblee="conseil_municipal",
    )
    with pytest.raises(ValidationError):
        contact_creer(
            collectivite=monde.collectivite, email="a@exemple.fr", groupes=[groupe], par=None
        )

"""Données de démonstration des convocations (appelées par `charger_demo` via le registre).

- Saint-Exemple (2 150 habitants) : les 19 membres du conseil municipal (CGCT L2121-2 : 19 sièges
  de 1 500 à 2 499 habitants) — la maire, 5 adjoints (au plus 30 % de l'effectif, L2122-2), une
  conseillère déléguée et 12 conseillers ; un conseil passé (convocations envoyées et lues,
  réponses, deux pouvoirs, un procès-verbal) et un conseil en préparation.
- Communauté de communes du Val-Exemple : ses délégués titulaires (dont la maire et deux
  adjoints de Saint-Exemple, avec le même compte d'élu) et les suppléants des communes qui n'ont
  qu'un délégué (L5211-6) ; un conseil communautaire en préparation.

Contacts, comptes d'élus et mandats sont écrits par lots, journalisés comme par les services du
carnet d'adresses, avec leur groupe automatique ; les séances et leur suivi sont écrits
directement (leurs services sont ceux des autres sous-paquets). Idempotent : un contact, un
mandat ou des séances déjà présents ne sont pas recréés.
"""

from __future__ import annotations

import datetime
import unicodedata
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from convocations.editions.services import ActionEditionsSeance
from convocations.models import ActionConvocations, Assemblee, Contact, Fonction, Mandat
from convocations.seances.etat import seance_etat_recalculer
from convocations.seances.models import (
    CanalReponse,
    Destinataire,
    DocumentSeance,
    EnvoiConvocation,
    EtatSeance,
    MotifEnvoi,
    NatureDocument,
    PointOrdreDuJour,
    Pouvoir,
    Presence,
    Reponse,
    Seance,
    TypeSeance,
)
from convocations.services import groupe_automatique_assurer
from core.comptes.models import Utilisateur
from core.journal.services import ElementJournal, journaliser, journaliser_lot
from core.mail.models import StatutEnvoi
from core.tenancy.models import Collectivite

COMMUNE = "saint-exemple"
EPCI = "cc-val-exemple"

# prénom, nom, fonction : l'ordre du tableau du conseil municipal.
CONSEIL_MUNICIPAL: list[tuple[str, str, str]] = [
    ("Marie", "DUVAL", Fonction.MAIRE),
    ("Pierre", "FONTAINE", Fonction.ADJOINT),
    ("Sophie", "LAMBERT", Fonction.ADJOINT),
    ("Antoine", "GIRARD", Fonction.ADJOINT),
    ("Isabelle", "ROUSSEAU", Fonction.ADJOINT),
    ("Thomas", "BLANC", Fonction.ADJOINT),
    ("Camille", "MERCIER", Fonction.CONSEILLER_DELEGUE),
    ("Jean", "GUÉRIN", Fonction.CONSEILLER),
    ("Hélène", "BOYER", Fonction.CONSEILLER),
    ("Nicolas", "CHEVALIER", Fonction.CONSEILLER),
    ("Amélie", "LEGRAND", Fonction.CONSEILLER),
    ("François", "GAUTHIER", Fonction.CONSEILLER),
    ("Julie", "PERRIN", Fonction.CONSEILLER),
    ("Olivier", "ROBIN", Fonction.CONSEILLER),
    ("Nathalie", "CLÉMENT", Fonction.CONSEILLER),
    ("Éric", "MORIN", Fonction.CONSEILLER),
    ("Céline", "HENRY", Fonction.CONSEILLER),
    ("Bruno", "ROUSSEL", Fonction.CONSEILLER),
    ("Laure", "MASSON", Fonction.CONSEILLER),
]

# prénom, nom, commune, fonction. Les élus de Saint-Exemple gardent leur compte.
CONSEIL_COMMUNAUTAIRE: list[tuple[str, str, str, str]] = [
    ("Paul", "LEROY", "Grand-Exemple", Fonction.PRESIDENT),
    ("Marie", "DUVAL", "Saint-Exemple", Fonction.VICE_PRESIDENT),
    ("Sophie", "BERNARD", "Grand-Exemple", Fonction.VICE_PRESIDENT),
    ("Pierre", "FONTAINE", "Saint-Exemple", Fonction.DELEGUE_TITULAIRE),
    ("Sophie", "LAMBERT", "Saint-Exemple", Fonction.DELEGUE_TITULAIRE),
    ("Karim", "BENALI", "Grand-Exemple", Fonction.DELEGUE_TITULAIRE),
    ("Lucie", "FAVRE", "Grand-Exemple", Fonction.DELEGUE_TITULAIRE),
    ("Marc", "DUMAS", "Grand-Exemple", Fonction.DELEGUE_TITULAIRE),
    ("Gérard", "COLIN", "Petit-Val", Fonction.DELEGUE_TITULAIRE),
    ("Annie", "PICARD", "Les Essarts", Fonction.DELEGUE_TITULAIRE),
    ("Yves", "RENAUD", "Bois-Exemple", Fonction.DELEGUE_TITULAIRE),
    ("Martine", "VIDAL", "Petit-Val", Fonction.DELEGUE_SUPPLEANT),
    ("Denis", "CARRÉ", "Les Essarts", Fonction.DELEGUE_SUPPLEANT),
    ("Odile", "BRUN", "Bois-Exemple", Fonction.DELEGUE_SUPPLEANT),
]

POINTS_PASSES = [
    ("Approbation du procès-verbal de la séance précédente", "Marie DUVAL"),
    ("Budget : décision modificative n° 2", "Pierre FONTAINE"),
    ("Tarifs de la cantine scolaire pour 2027", "Sophie LAMBERT"),
    ("Convention avec la communauté de communes pour l'instruction des permis", "Marie DUVAL"),
]
POINTS_A_VENIR = [
    ("Approbation du procès-verbal de la séance précédente", "Marie DUVAL"),
    ("Débat d'orientation budgétaire", "Pierre FONTAINE"),
    ("Subventions aux associations", "Isabelle ROUSSEAU"),
    ("Dénomination de la nouvelle voie du lotissement des Tilleuls", "Thomas BLANC"),
    ("Questions diverses", ""),
]
# Le conseil passé : qui a répondu quoi (les autres sont présents, dans l'ordre du tableau).
POUVOIRS = {"GIRARD": "FONTAINE", "HENRY": "LAMBERT"}
ABSENT = "ROBIN"
SANS_REPONSE = {"ROUSSEL", "MASSON"}
NON_LUS = {"ROUSSEL", "MASSON"}
PAPIER = "MASSON"

# Un PDF d'une page, sans texte : le fichier du procès-verbal de démonstration.
PDF_DEMO = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _ascii(texte: str) -> str:
    decompose = unicodedata.normalize("NFKD", texte)
    return "".join(c for c in decompose if c.isalnum() and c.isascii()).lower()


def _email(prenom: str, nom: str) -> str:
    return f"{_ascii(prenom)}.{_ascii(nom)}@elus.val-exemple.example"


def _debut(jour: datetime.date) -> datetime.date:
    # Le mandat commence avant les séances de la démo, quel que soit le jour du chargement.
    return min(jour, timezone.localdate() - datetime.timedelta(days=90))


def _conseil(
    collectivite: Collectivite,
    personnes: list[tuple[str, str, str]],
    *,
    assemblee: str,
    debut: datetime.date,
    par: Utilisateur | None,
) -> list[Mandat]:
    """Les contacts, comptes d'élus et mandats d'une assemblée, en quelques requêtes.

    Comme `contact_creer` et `mandat_creer` (groupe automatique, journal), mais par lots : une
    trentaine d'élus par les services coûtait plus de mille requêtes au chargement de la démo.
    Un élu garde le même compte d'une collectivité à l'autre (même adresse)."""
    par_email = {_email(prenom, nom): (prenom, nom, f) for prenom, nom, f in personnes}
    comptes = {u.email: u for u in Utilisateur.objects.filter(email__in=par_email)}
    nouveaux = []
    for email, (prenom, nom, _fonction) in par_email.items():
        if email not in comptes:
            compte = Utilisateur(
                username=f"elu-{email.split('@')[0]}",
                email=email,
                first_name=prenom,
                last_name=nom,
                is_active=True,
            )
            # Sans mot de passe : l'élu l'activera par le lien que lui enverra Écharpe.
            compte.set_unusable_password()
            nouveaux.append(compte)
    Utilisateur.objects.bulk_create(nouveaux)
    comptes.update({u.email: u for u in nouveaux})

    contacts = {c.email: c for c in Contact.objects.pour(collectivite).filter(email__in=par_email)}
    nouveaux_contacts = [
        Contact(
            collectivite=collectivite,
            email=email,
            description=f"{prenom} {nom}",
            utilisateur=comptes[email],
        )
        for email, (prenom, nom, _fonction) in par_email.items()
        if email not in contacts
    ]
    Contact.objects.bulk_create(nouveaux_contacts)

    groupe_automatique_assurer(collectivite=collectivite, assemblee=assemblee)
    existants = {
        m.utilisateur_id: m
        for m in Mandat.objects.pour(collectivite)
        .filter(assemblee=assemblee, utilisateur__in=[u.pk for u in comptes.values()])
        .select_related("utilisateur")
    }
    nouveaux_mandats = [
        Mandat(
            collectivite=collectivite,
            utilisateur=comptes[email],
            assemblee=assemblee,
            fonction=fonction,
            debut=_debut(debut),
        )
        for email, (_prenom, _nom, fonction) in par_email.items()
        if comptes[email].pk not in existants
    ]
    Mandat.objects.bulk_create(nouveaux_mandats)
    sujets = {c.utilisateur_id: c for c in nouveaux_contacts}
    journaliser_lot(
        collectivite=collectivite,
        par=par,
        elements=[
            *(
                ElementJournal(
                    action=ActionConvocations.CONVOCATIONS_CONTACT_CREE, objet=c, sujet=c
                )
                for c in nouveaux_contacts
            ),
            *(
                ElementJournal(
                    action=ActionConvocations.CONVOCATIONS_MANDAT_CREE,
                    objet=m,
                    sujet=sujets.get(m.utilisateur_id),
                )
                for m in nouveaux_mandats
            ),
        ],
    )
    existants.update({m.utilisateur_id: m for m in nouveaux_mandats})
    return [existants[comptes[email].pk] for email in par_email]


def _a_18_h_30(jour: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(jour, datetime.time(18, 30)))


def _seance(
    collectivite: Collectivite,
    *,
    type: str,
    assemblee: str,
    titre: str,
    date: datetime.datetime,
    lieu: str,
    points: list[tuple[str, str]],
    par: Utilisateur | None,
) -> Seance:
    seance = Seance.objects.create(
        collectivite=collectivite,
        type=type,
        assemblee=assemblee,
        titre=titre,
        date=date,
        lieu=lieu,
        objet_message=f"Convocation : {titre}",
        corps_message=(
            "Madame, Monsieur,\n\nJ'ai l'honneur de vous convoquer à la séance du {date} à "
            "{heure}, {lieu}. Vous trouverez l'ordre du jour et les documents en suivant le lien "
            "ci-dessous.\n\n{lien}"
        ),
        reponses_jusqu_au=date - datetime.timedelta(hours=2),
        cree_par=par,
    )
    PointOrdreDuJour.objects.bulk_create(
        PointOrdreDuJour(
            collectivite=collectivite, seance=seance, numero=i, titre=titre, rapporteur=rapporteur
        )
        for i, (titre, rapporteur) in enumerate(points, start=1)
    )
    return seance


def _destinataires(seance: Seance, mandats: list[Mandat]) -> dict[str, Destinataire]:
    contacts = {
        c.utilisateur_id: c
        for c in Contact.objects.pour(seance.collectivite_id).filter(
            utilisateur__in=[m.utilisateur_id for m in mandats]
        )
    }
    lignes = Destinataire.objects.bulk_create(
        Destinataire(
            collectivite_id=seance.collectivite_id,
            seance=seance,
            contact=contacts.get(m.utilisateur_id),
            utilisateur=m.utilisateur,
            mandat=m,
            email=m.utilisateur.email,
            nom=f"{m.utilisateur.first_name} {m.utilisateur.last_name}",
            membre=True,
        )
        for m in mandats
    )
    return {d.utilisateur.last_name: d for d in lignes if d.utilisateur}


def _seance_passee(
    commune: Collectivite, mandats: list[Mandat], agent: Utilisateur | None
) -> Seance:
    jour = timezone.localdate() - datetime.timedelta(days=21)
    date = _a_18_h_30(jour)
    seance = _seance(
        commune,
        type=TypeSeance.CONSEIL_MUNICIPAL,
        assemblee=Assemblee.CONSEIL_MUNICIPAL,
        titre=f"Conseil municipal du {jour:%d/%m/%Y}",
        date=date,
        lieu="Salle du conseil, mairie de Saint-Exemple",
        points=POINTS_PASSES,
        par=agent,
    )
    # CGCT L2121-11 (moins de 3 500 habitants) : 3 jours francs ; envoyée 7 jours avant.
    envoyee_le = timezone.make_aware(
        datetime.datetime.combine(jour - datetime.timedelta(days=7), datetime.time(10, 2))
    )
    membres = _destinataires(seance, mandats)
    secretariat = Destinataire.objects.create(
        collectivite=commune,
        seance=seance,
        email="c.martin@saint-exemple.example",
        nom="Claire Martin (secrétariat de mairie)",
        membre=False,
    )
    tous = [*membres.values(), secretariat]
    envois = []
    for i, d in enumerate(tous):
        parti = envoyee_le + datetime.timedelta(seconds=2 * i)
        d.premier_envoi_le = d.dernier_envoi_le = parti
        d.nombre_envois = 1
        nom = d.utilisateur.last_name if d.utilisateur else ""
        if nom not in NON_LUS:
            d.lu_le = parti + datetime.timedelta(hours=1 + i % 30, minutes=7 * i % 60)
        if nom == PAPIER:
            d.papier, d.papier_le = True, envoyee_le.date()
        envois.append(
            EnvoiConvocation(
                collectivite=commune,
                destinataire=d,
                motif=MotifEnvoi.CONVOCATION,
                statut=StatutEnvoi.ENVOYE,
                tentatives=1,
                code_smtp=250,
                reponse_smtp=f"2.0.0 Ok: queued as 4F1C2A{i:02d}",
                envoye_le=parti,
                par=agent,
                cree_le=parti,
            )
        )
    EnvoiConvocation.objects.bulk_create(envois)
    reponses, pouvoirs = [], []
    for nom, d in membres.items():
        if nom in SANS_REPONSE:
            continue
        assert d.lu_le is not None
        repondu = d.lu_le + datetime.timedelta(minutes=10)
        canal = CanalReponse.PORTAIL if nom == "DUVAL" else CanalReponse.LIEN
        mandataire = membres.get(POUVOIRS.get(nom, ""))
        if mandataire is not None:
            d.presence = Presence.POUVOIR
            pouvoirs.append(
                Pouvoir(
                    collectivite=commune,
                    seance=seance,
                    mandant=d,
                    mandataire=mandataire,
                    par=d.utilisateur,
                )
            )
        elif nom == ABSENT:
            # Il avait d'abord annoncé sa présence : l'historique garde les deux réponses,
            # la seconde saisie par le secrétariat au téléphone.
            reponses.append(
                Reponse(
                    collectivite=commune,
                    destinataire=d,
                    presence=Presence.PRESENT,
                    canal=CanalReponse.LIEN,
                    par=d.utilisateur,
                    cree_le=repondu,
                )
            )
            d.presence, canal = Presence.ABSENT, CanalReponse.AGENT
            d.reponse_commentaire = "Déplacement professionnel imprévu."
            repondu += datetime.timedelta(days=2)
        else:
            d.presence = Presence.PRESENT
        d.reponse_le = repondu
        reponses.append(
            Reponse(
                collectivite=commune,
                destinataire=d,
                presence=d.presence,
                commentaire=d.reponse_commentaire,
                mandataire=mandataire,
                canal=canal,
                par=agent if canal == CanalReponse.AGENT else d.utilisateur,
                cree_le=repondu,
            )
        )
    Destinataire.objects.bulk_update(
        tous,
        [
            "premier_envoi_le",
            "dernier_envoi_le",
            "nombre_envois",
            "lu_le",
            "papier",
            "papier_le",
            "presence",
            "reponse_le",
            "reponse_commentaire",
        ],
    )
    Reponse.objects.bulk_create(reponses)
    Pouvoir.objects.bulk_create(pouvoirs)
    for nature, titre in (
        (NatureDocument.CONVOCATION, "Lettre de convocation"),
        (NatureDocument.PROCES_VERBAL, f"Procès-verbal de la séance du {jour:%d/%m/%Y}"),
    ):
        document = DocumentSeance(
            collectivite=commune,
            seance=seance,
            nature=nature,
            titre=titre,
            nom_fichier=f"{nature.replace('_', '-')}.pdf",
            type_contenu="application/pdf",
            taille=len(PDF_DEMO),
            ajoute_par=agent,
        )
        document.fichier.save(document.nom_fichier, ContentFile(PDF_DEMO), save=False)
        document.save()
    Seance.objects.filter(pk=seance.pk).update(etat=EtatSeance.ENVOYEE, envoyee_le=envoyee_le)
    seance.etat, seance.envoyee_le = EtatSeance.ENVOYEE, envoyee_le
    return seance_etat_recalculer(seance=seance)


def _journaliser_seance(seance: Seance, par: Utilisateur | None) -> None:
    journaliser(
        action=ActionEditionsSeance.CONVOCATIONS_DEMO_SEANCE_CHARGEE,
        collectivite=seance.collectivite,
        par=par,
        objet=seance,
        sujet=seance,
        details={"destinataires": seance.destinataires.count()},
    )


def charger_demo_convocations(
    *, collectivites: dict[str, Collectivite], personnes: dict[str, Utilisateur], **_: Any
) -> None:
    commune, epci = collectivites.get(COMMUNE), collectivites.get(EPCI)
    if commune is None or epci is None:
        return
    secretaire = personnes.get("assemblees") or personnes.get("secretaire")
    admin_epci = personnes.get("admin-epci")
    municipal = _conseil(
        commune,
        CONSEIL_MUNICIPAL,
        assemblee=Assemblee.CONSEIL_MUNICIPAL,
        debut=datetime.date(2026, 3, 22),
        par=secretaire,
    )
    communautaire = _conseil(
        epci,
        [(prenom, nom, fonction) for prenom, nom, _commune, fonction in CONSEIL_COMMUNAUTAIRE],
        assemblee=Assemblee.CONSEIL_COMMUNAUTAIRE,
        debut=datetime.date(2026, 4, 14),
        par=admin_epci,
    )
    if not Seance.objects.pour(commune).exists():
        passee = _seance_passee(commune, municipal, secretaire)
        _journaliser_seance(passee, secretaire)
        jour = timezone.localdate() + datetime.timedelta(days=20)
        a_venir = _seance(
            commune,
            type=TypeSeance.CONSEIL_MUNICIPAL,
            assemblee=Assemblee.CONSEIL_MUNICIPAL,
            titre=f"Conseil municipal du {jour:%d/%m/%Y}",
            date=_a_18_h_30(jour),
            lieu="Salle du conseil, mairie de Saint-Exemple",
            points=POINTS_A_VENIR,
            par=secretaire,
        )
        _destinataires(a_venir, municipal)
        _journaliser_seance(a_venir, secretaire)
    if not Seance.objects.pour(epci).exists():
        jour = timezone.localdate() + datetime.timedelta(days=27)
        communautaire_seance = _seance(
            epci,
            type=TypeSeance.CONSEIL_COMMUNAUTAIRE,
            assemblee=Assemblee.CONSEIL_COMMUNAUTAIRE,
            titre=f"Conseil communautaire du {jour:%d/%m/%Y}",
            date=_a_18_h_30(jour),
            lieu="Salle des fêtes de Petit-Val",
            points=[
                ("Installation d'un délégué suppléant", "Paul LEROY"),
                ("Schéma de mutualisation des services", "Paul LEROY"),
                ("Redevance d'enlèvement des ordures ménagères", "Sophie BERNARD"),
            ],
            par=admin_epci,
        )
        _destinataires(communautaire_seance, communautaire)
        _journaliser_seance(communautaire_seance, admin_epci)

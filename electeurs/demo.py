"""Données de démonstration du fichier électoral (appelées par `charger_demo` via le registre).

Saint-Exemple reçoit environ 2 000 électeurs répartis sur 2 bureaux de vote : noms
déterministes (mêmes données à chaque chargement), quelques dates de naissance partielles
(« 00/00/1953 »), quelques ressortissants de l'Union sur les listes complémentaires, une paire
d'homonymes (mêmes noms et date, autre lieu de naissance), des inscriptions et radiations
datées de l'année (pour le tableau), et des notifications du REU dans les deux états.

Des mouvements dans chaque état de la procédure (demande à décider, en retard, décision à
notifier, notifiée, intention de radiation en observation, RAPO en cours, radiation INSEE
close), créés par les services du sous-paquet `procedure` comme le ferait un agent.

Idempotent : si la commune a déjà des électeurs, seules les lignes manquantes (bureaux,
notifications) sont complétées.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.utils import timezone

from core.comptes.models import Utilisateur
from core.tenancy.models import Collectivite
from electeurs.models import (
    BureauDeVote,
    Electeur,
    InscriptionListe,
    NomElecteur,
    Sexe,
    StatutElecteur,
    TypeListe,
)
from electeurs.procedure import services as procedure
from electeurs.procedure.models import Canal, Decision, Delegation, Mouvement
from electeurs.procedure.services import Notification
from electeurs.reu.models import (
    EtatNotificationREU,
    NotificationREU,
    SourceNotificationREU,
    TypeNotificationREU,
)

COMMUNE = "saint-exemple"
NOMBRE_ELECTEURS = 2000
GRAINE = 2026

NOMS = [
    "MARTIN",
    "BERNARD",
    "THOMAS",
    "PETIT",
    "ROBERT",
    "RICHARD",
    "DURAND",
    "DUBOIS",
    "MOREAU",
    "LAURENT",
    "SIMON",
    "MICHEL",
    "LEFEBVRE",
    "LEROY",
    "ROUX",
    "DAVID",
    "BERTRAND",
    "MOREL",
    "FOURNIER",
    "GIRARD",
    "BONNET",
    "DUPONT",
    "LAMBERT",
    "FONTAINE",
    "ROUSSEAU",
    "VINCENT",
    "MULLER",
    "LEFÈVRE",
    "FAURE",
    "ANDRÉ",
    "MERCIER",
    "BLANC",
    "GUÉRIN",
    "BOYER",
    "GARNIER",
    "CHEVALIER",
    "FRANÇOIS",
    "LEGRAND",
    "GAUTHIER",
    "GARCIA",
    "PERRIN",
    "ROBIN",
    "CLÉMENT",
    "MORIN",
    "NICOLAS",
    "HENRY",
    "ROUSSEL",
    "MATHIEU",
    "GAUTIER",
    "MASSON",
    "DUPRÉ",
    "LE",
    "GALL",
    "N'DIAYE",
    "SAINT-JUST",
]
PRENOMS_F = [
    "Marie",
    "Nathalie",
    "Isabelle",
    "Sylvie",
    "Catherine",
    "Françoise",
    "Martine",
    "Christine",
    "Monique",
    "Valérie",
    "Sandrine",
    "Hélène",
    "Sophie",
    "Céline",
    "Chantal",
    "Patricia",
    "Anne",
    "Brigitte",
    "Julie",
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Emma",
    "Inès",
    "Zoé",
    "Louise",
    "Jeanne",
    "Élodie",
    "Aurélie",
]
PRENOMS_M = [
    "Jean",
    "Pierre",
    "Michel",
    "André",
    "Philippe",
    "Alain",
    "Bernard",
    "Jacques",
    "Christophe",
    "Patrick",
    "Nicolas",
    "Daniel",
    "Frédéric",
    "Stéphane",
    "Laurent",
    "Éric",
    "David",
    "Julien",
    "Thomas",
    "Louis",
    "Hugo",
    "Lucas",
    "Nathan",
    "Théo",
    "Mathis",
    "Raphaël",
    "Arthur",
    "Noé",
    "Jérôme",
    "François",
]
VOIES = [
    ("rue de la Mairie", "0001"),
    ("place de l'Église", "0001"),
    ("rue des Écoles", "0001"),
    ("chemin du Moulin", "0001"),
    ("avenue de la Gare", "0002"),
    ("rue Jules-Ferry", "0002"),
    ("impasse des Tilleuls", "0002"),
    ("route de Val-Exemple", "0002"),
]
BUREAUX = [
    ("0001", "Mairie", "1 place de la Mairie, 99100 Saint-Exemple"),
    ("0002", "École Jules-Ferry", "12 rue Jules-Ferry, 99100 Saint-Exemple"),
]
# Ressortissants de l'Union : nationalité, listes (LCM seule ou LCM et LCE).
EUROPEENS = [
    ("SCHMIDT", "Anna", Sexe.FEMININ, "Allemande", "DE", (TypeListe.COMPLEMENTAIRE_MUNICIPALE,)),
    (
        "ROSSI",
        "Marco",
        Sexe.MASCULIN,
        "Italienne",
        "IT",
        (TypeListe.COMPLEMENTAIRE_MUNICIPALE, TypeListe.COMPLEMENTAIRE_EUROPEENNE),
    ),
    (
        "GARCÍA LÓPEZ",
        "Lucía",
        Sexe.FEMININ,
        "Espagnole",
        "ES",
        (TypeListe.COMPLEMENTAIRE_MUNICIPALE, TypeListe.COMPLEMENTAIRE_EUROPEENNE),
    ),
    (
        "DE VRIES",
        "Pieter",
        Sexe.MASCULIN,
        "Néerlandaise",
        "NL",
        (TypeListe.COMPLEMENTAIRE_EUROPEENNE,),
    ),
    ("KOWALSKA", "Zofia", Sexe.FEMININ, "Polonaise", "PL", (TypeListe.COMPLEMENTAIRE_MUNICIPALE,)),
    ("SILVA", "João", Sexe.MASCULIN, "Portugaise", "PT", (TypeListe.COMPLEMENTAIRE_MUNICIPALE,)),
]


def charger_demo_electeurs(
    *, collectivites: dict[str, Collectivite], personnes: dict[str, Utilisateur], **_: Any
) -> None:
    commune = collectivites.get(COMMUNE)
    if commune is None:
        return
    bureaux = {}
    for code, libelle, adresse in BUREAUX:
        bureaux[code], _cree = BureauDeVote.objects.update_or_create(
            collectivite=commune,
            code=code,
            defaults={
                "libelle": libelle,
                "adresse": adresse,
                "circonscription_code": "99-01",
                "circonscription_libelle": "1re circonscription",
                "canton_libelle": "Canton de Saint-Exemple",
            },
        )
    if not Electeur.objects.pour(commune).exists():
        _electeurs(commune, bureaux)
    _notifications(commune, personnes.get("elections"))
    _mouvements(commune, bureaux, personnes.get("elections"))


def _electeurs(commune: Collectivite, bureaux: dict[str, BureauDeVote]) -> None:
    hasard = random.Random(GRAINE)  # noqa: S311 — démonstration déterministe, rien de secret
    aujourdhui = timezone.localdate()
    electeurs: list[Electeur] = []
    listes: list[list[tuple[str, str]]] = []  # par électeur : (liste, code du bureau)
    for i in range(NOMBRE_ELECTEURS - len(EUROPEENS) - 2):
        sexe = Sexe.FEMININ if i % 2 else Sexe.MASCULIN
        prenoms = PRENOMS_F if sexe == Sexe.FEMININ else PRENOMS_M
        prenom = hasard.choice(prenoms)
        if hasard.random() < 0.4:
            prenom = f"{prenom} {hasard.choice(prenoms)}"
        nom = hasard.choice(NOMS)
        nom_usage = hasard.choice(NOMS) if sexe == Sexe.FEMININ and hasard.random() < 0.3 else ""
        voie, bureau = VOIES[i % len(VOIES)]
        electeur = _personne(
            commune, hasard, nom=nom, prenoms=prenom, sexe=sexe, voie=voie, numero=i
        )
        electeur.nom_usage = nom_usage
        # Une date sur 50 n'est connue que par l'année (« 00/00/1953 » dans le REU).
        if i % 50 == 7:
            electeur.naissance_jour = electeur.naissance_mois = None
        # Inscriptions et radiations de l'année, pour le tableau.
        if i % 40 == 3:
            electeur.date_inscription = aujourdhui - datetime.timedelta(days=hasard.randint(5, 200))
        if i % 97 == 5:
            electeur.statut = StatutElecteur.RADIE
            electeur.date_radiation = aujourdhui - datetime.timedelta(days=hasard.randint(5, 200))
            electeur.motif_radiation = hasard.choice(
                ["Décès", "Inscription dans une autre commune"]
            )
        if i < 12:
            electeur.ine = f"{100000000 + i * 7919}"
        electeurs.append(electeur)
        listes.append([(TypeListe.PRINCIPALE, bureau)])
    # Deux homonymes : mêmes noms et date de naissance, nés ailleurs : deux personnes.
    for lieu, libelle in (("99350", "Saint-Exemple"), ("75056", "Paris")):
        electeur = _personne(
            commune, hasard, nom="DUPRÉ", prenoms="Hélène", sexe=Sexe.FEMININ, voie="rue des Écoles"
        )
        electeur.naissance_jour, electeur.naissance_mois, electeur.naissance_annee = 4, 7, 1953
        electeur.commune_naissance_code, electeur.commune_naissance_libelle = lieu, libelle
        electeurs.append(electeur)
        listes.append([(TypeListe.PRINCIPALE, "0001")])
    for n, (nom, prenom, sexe, nationalite, _pays, types) in enumerate(EUROPEENS):
        electeur = _personne(
            commune, hasard, nom=nom, prenoms=prenom, sexe=sexe, voie=VOIES[n % len(VOIES)][0]
        )
        electeur.nationalite = nationalite
        electeur.pays_naissance = nationalite.removesuffix("e")
        electeur.commune_naissance_code = ""
        electeur.commune_naissance_libelle = ""
        electeurs.append(electeur)
        listes.append([(t, VOIES[n % len(VOIES)][1]) for t in types])
    for electeur in electeurs:
        electeur.preparer()
    Electeur.objects.bulk_create(electeurs, batch_size=500)
    NomElecteur.retenir(
        collectivite_id=commune.pk, noms=(n for e in electeurs for n in e.noms_normalises())
    )
    # Numéros d'ordre : par liste et par bureau, dans l'ordre alphabétique.
    par_liste_bureau: dict[tuple[str, str], list[Electeur]] = {}
    for electeur, inscriptions in zip(electeurs, listes, strict=True):
        for type_liste, bureau in inscriptions:
            par_liste_bureau.setdefault((type_liste, bureau), []).append(electeur)
    lignes = []
    for (type_liste, bureau), membres in sorted(par_liste_bureau.items()):
        membres.sort(key=lambda e: (e.recherche_naissance, e.pk))
        for numero, electeur in enumerate(membres, start=1):
            lignes.append(
                InscriptionListe(
                    collectivite=commune,
                    electeur=electeur,
                    type_liste=type_liste,
                    bureau=bureaux[bureau],
                    numero_ordre=numero,
                )
            )
    InscriptionListe.objects.bulk_create(lignes, batch_size=1000)


def _personne(
    commune: Collectivite,
    hasard: random.Random,
    *,
    nom: str,
    prenoms: str,
    sexe: str,
    voie: str,
    numero: int = 0,
) -> Electeur:
    return Electeur(
        collectivite=commune,
        nom_naissance=nom,
        prenoms=prenoms,
        sexe=sexe,
        naissance_jour=hasard.randint(1, 28),
        naissance_mois=hasard.randint(1, 12),
        naissance_annee=hasard.randint(1930, 2007),
        commune_naissance_code="99350",
        commune_naissance_libelle="Saint-Exemple",
        departement_naissance="99",
        pays_naissance="France",
        nationalite="Française",
        numero_voie=str(numero % 60 + 1),
        libelle_voie=voie,
        code_postal="99100",
        commune="Saint-Exemple",
        pays="France",
        statut=StatutElecteur.INSCRIT,
    )


NOTIFICATIONS = [
    (TypeNotificationREU.DEMANDE_EN_LIGNE, 1, SourceNotificationREU.COURRIEL, False),
    (TypeNotificationREU.INSCRIPTION_OFFICE_JEUNE, 3, SourceNotificationREU.FICHIER, False),
    (TypeNotificationREU.RADIATION_DECES, 4, SourceNotificationREU.COURRIEL, False),
    (TypeNotificationREU.CORRECTION_INSEE, 6, SourceNotificationREU.FICHIER, False),
    (TypeNotificationREU.INSCRIPTION_AUTRE_COMMUNE, 12, SourceNotificationREU.SAISIE, True),
    (TypeNotificationREU.INSCRIPTION_OFFICE_NATURALISE, 20, SourceNotificationREU.FICHIER, True),
]


def _notifications(commune: Collectivite, agent: Utilisateur | None) -> None:
    if NotificationREU.objects.pour(commune).exists():
        return
    aujourdhui = timezone.localdate()
    avec_ine = list(Electeur.objects.pour(commune).exclude(ine="").order_by("ine")[:6])
    creees = []
    for n, (type_, jours, source, traitee) in enumerate(NOTIFICATIONS):
        electeur = avec_ine[n] if n < len(avec_ine) and n != 3 else None
        cible = (
            f"{electeur.nom_naissance} {electeur.prenoms}, né(e) le "
            f"{electeur.date_naissance_affichee}, INE {electeur.ine}"
            if electeur
            else "DURAND Alexis, né le 02/09/1988"
        )
        creees.append(
            NotificationREU(
                collectivite=commune,
                type=type_,
                recue_le=aujourdhui - datetime.timedelta(days=jours),
                texte=f"{type_.label} : {cible}.",
                source=source,
                electeur=electeur,
                ine=electeur.ine if electeur else "",
                etat=EtatNotificationREU.TRAITEE if traitee else EtatNotificationREU.A_TRAITER,
                traitee_par=agent if traitee else None,
                traitee_le=timezone.now() - datetime.timedelta(days=jours - 1) if traitee else None,
            )
        )
    NotificationREU.objects.bulk_create(creees)


def _nouvelle_personne(commune: Collectivite, nom: str, prenoms: str, sexe: str) -> Electeur:
    return Electeur(
        collectivite=commune,
        nom_naissance=nom,
        prenoms=prenoms,
        sexe=sexe,
        naissance_jour=12,
        naissance_mois=3,
        naissance_annee=2007,
        commune_naissance_libelle="Saint-Exemple",
        pays_naissance="France",
        nationalite="Française",
        libelle_voie="rue des Écoles",
        numero_voie="4",
        code_postal="99100",
        commune="Saint-Exemple",
    )


def _mouvements(
    commune: Collectivite, bureaux: dict[str, BureauDeVote], agent: Utilisateur | None
) -> None:
    """Un mouvement dans chaque état de la procédure L18 ; rien si la commune en a déjà."""
    if Mouvement.objects.pour(commune).exists():
        return
    aujourdhui = timezone.localdate()
    jour = datetime.timedelta(days=1)
    signataire = "Marie Durand, maire"
    courrier = Notification(envoyee_le=aujourdhui - 5 * jour, canal=Canal.COURRIER)
    # 1. et 2. Demandes à décider, l'une dans le délai, l'autre en retard.
    procedure.demande_inscription_enregistrer(
        collectivite=commune,
        electeur=_nouvelle_personne(commune, "LEROUX", "Inès", Sexe.FEMININ),
        liste=TypeListe.PRINCIPALE,
        recue_le=aujourdhui - jour,
        motif="Domicile dans la commune (justificatif de domicile joint).",
        par=agent,
    )
    procedure.demande_inscription_enregistrer(
        collectivite=commune,
        electeur=_nouvelle_personne(commune, "CARON", "Hugo", Sexe.MASCULIN),
        liste=TypeListe.PRINCIPALE,
        recue_le=aujourdhui - 9 * jour,
        motif="Contribuable depuis deux ans.",
        par=agent,
    )
    # 3. Décidée, à notifier.
    a_notifier = procedure.demande_inscription_enregistrer(
        collectivite=commune,
        electeur=_nouvelle_personne(commune, "PERRIN", "Lucas", Sexe.MASCULIN),
        liste=TypeListe.PRINCIPALE,
        recue_le=aujourdhui - 3 * jour,
        par=agent,
    )
    procedure.mouvement_decider(
        mouvement=a_notifier,
        decision=Decision.FAVORABLE,
        decide_le=aujourdhui - jour,
        bureau=bureaux["0001"],
        decideur=signataire,
        delegation=Delegation.MAIRE,
        par=agent,
    )
    # 4. Décidée et notifiée.
    notifiee = procedure.demande_inscription_enregistrer(
        collectivite=commune,
        electeur=_nouvelle_personne(commune, "GARNIER", "Chloé", Sexe.FEMININ),
        liste=TypeListe.PRINCIPALE,
        recue_le=aujourdhui - 8 * jour,
        par=agent,
    )
    procedure.mouvement_decider(
        mouvement=notifiee,
        decision=Decision.FAVORABLE,
        decide_le=aujourdhui - 6 * jour,
        bureau=bureaux["0002"],
        decideur=signataire,
        delegation=Delegation.MAIRE,
        par=agent,
    )
    procedure.mouvement_notifier(mouvement=notifiee, notification=courrier, par=agent)
    # 5. Refus notifié, puis RAPO en cours devant la commission de contrôle.
    refusee = procedure.demande_inscription_enregistrer(
        collectivite=commune,
        electeur=_nouvelle_personne(commune, "FAURE", "Nathan", Sexe.MASCULIN),
        liste=TypeListe.PRINCIPALE,
        recue_le=aujourdhui - 9 * jour,
        par=agent,
    )
    procedure.mouvement_decider(
        mouvement=refusee,
        decision=Decision.REFUS,
        decide_le=aujourdhui - 6 * jour,
        motif="Aucune attache avec la commune n'est justifiée (L11).",
        decideur=signataire,
        delegation=Delegation.MAIRE,
        par=agent,
    )
    procedure.mouvement_notifier(mouvement=refusee, notification=courrier, par=agent)
    procedure.rapo_enregistrer(
        mouvement=refusee,
        recu_le=aujourdhui - 2 * jour,
        texte="Recours reçu par courriel avec un bail de location.",
        par=agent,
    )
    # 6. Intention de radiation en cours d'observations.
    inscrit = (
        Electeur.objects.pour(commune)
        .filter(statut=StatutElecteur.INSCRIT, inscriptions__type_liste=TypeListe.PRINCIPALE)
        .order_by("pk")
        .first()
    )
    if inscrit is not None:
        procedure.intention_radiation_envoyer(
            collectivite=commune,
            electeur=inscrit,
            liste=TypeListe.PRINCIPALE,
            motif="Courrier revenu, logement vendu en 2025 : perte d'attache avec la commune.",
            envoyee_le=aujourdhui - 4 * jour,
            canal=Canal.COURRIER,
            par=agent,
        )

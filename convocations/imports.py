"""Import et export du carnet d'adresses au format de Pastell (« Mail sécurisé avec réponse »).

Le fichier est un CSV de tableur (Excel « CSV (séparateur : point-virgule) », cp1252 ou UTF-8
avec BOM ; les virgules sont acceptées aussi) : colonne 1 l'adresse, colonne 2 la description,
colonnes 3 et suivantes les noms des groupes. Une ligne d'en-tête est reconnue (sa première
cellule n'est pas une adresse mais un titre comme « Adresse électronique ») et sautée.

L'import se fait en deux temps : `analyser` rend un aperçu (rien n'est écrit) ; `importer`
refait l'analyse et écrit tout ou rien, dans une transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from convocations.adresses import normaliser_email
from convocations.models import ActionConvocations, Contact, ImportContacts
from convocations.selectors import contacts_du_carnet, noms_des_groupes
from convocations.services import groupe_creer, groupes_par_nom
from core.comptes.models import Utilisateur
from core.documents import ErreurCsv
from core.documents.csv import csv_bytes, lire_csv, normaliser_entete
from core.journal.services import journaliser
from core.templatetags.echarpe import nombre, pluriel
from core.tenancy.models import Collectivite

ENTETES_ADRESSE = {
    "email",
    "emails",
    "mail",
    "mails",
    "courriel",
    "adresse",
    "adressemail",
    "adresseemail",
    "adressecourriel",
    "adresseelectronique",
    "mel",
    "adressemel",
}
ENTETES_EXPORT = ["Adresse électronique", "Description", "Groupes"]
_DEBUTS_FORMULE = ("=", "+", "-", "@", "\t", "\r")


class FichierRefuse(Exception):
    """Le fichier ne peut pas être lu du tout (vide, binaire, trop gros, illisible)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ImportRefuse(Exception):
    """L'aperçu a des erreurs : rien n'est écrit."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class LigneContact:
    numero: int
    email: str
    description: str
    groupes: tuple[str, ...]


@dataclass
class Apercu:
    entete: bool = False
    a_creer: list[LigneContact] = field(default_factory=list)
    a_mettre_a_jour: list[LigneContact] = field(default_factory=list)
    # Groupes du fichier qui n'existent pas encore (graphie du fichier), dans l'ordre.
    groupes_inconnus: list[str] = field(default_factory=list)
    # (ligne, nom) : groupes automatiques nommés dans le fichier, ignorés (ils suivent les mandats).
    groupes_automatiques: list[tuple[int, str]] = field(default_factory=list)
    invalides: list[tuple[int, str]] = field(default_factory=list)
    # (ligne, adresse, ligne où l'adresse apparaît d'abord)
    doublons: list[tuple[int, str, int]] = field(default_factory=list)

    @property
    def lignes(self) -> list[LigneContact]:
        return sorted(self.a_creer + self.a_mettre_a_jour, key=lambda ligne: ligne.numero)

    def erreurs(self, groupes_a_creer: Iterable[str] = ()) -> list[str]:
        """Ce qui empêche d'importer, ligne par ligne, en français."""
        messages = [message for _, message in self.invalides]
        messages += [
            f"Ligne {numero} : l'adresse « {email} » figure déjà ligne {premiere}."
            for numero, email, premiere in self.doublons
        ]
        acceptes = {nom.casefold() for nom in groupes_a_creer}
        for nom in self.groupes_inconnus:
            if nom.casefold() not in acceptes:
                lignes = [str(ligne.numero) for ligne in self.lignes if nom in ligne.groupes]
                messages.append(
                    f"Le groupe « {nom} » n'existe pas (ligne{'s' if len(lignes) > 1 else ''} "
                    f"{', '.join(lignes[:10])}{'…' if len(lignes) > 10 else ''}) : créez-le ou "
                    "corrigez le fichier."
                )
        if not self.lignes and not messages:
            messages.append("Le fichier ne contient aucun contact.")
        return messages

    def empreinte(self) -> str:
        """Résumé de ce que l'import écrirait : s'il change, l'agent revoit l'aperçu."""
        resume = {
            "creer": [[ligne.email, ligne.description, ligne.groupes] for ligne in self.a_creer],
            "maj": [
                [ligne.email, ligne.description, ligne.groupes] for ligne in self.a_mettre_a_jour
            ],
            "inconnus": self.groupes_inconnus,
            "erreurs": self.erreurs(self.groupes_inconnus),
        }
        return hashlib.sha256(json.dumps(resume, ensure_ascii=False).encode()).hexdigest()


def taille_max() -> int:
    return int(settings.ECHARPE_CONTACTS_IMPORT_MAX)


def verifier_taille(taille: int) -> None:
    if taille == 0:
        raise FichierRefuse("Le fichier est vide.")
    if taille > taille_max():
        raise FichierRefuse(
            f"Le fichier pèse plus de {nombre(taille_max() // (1024 * 1024))} Mo : "
            "un carnet d'adresses tient dans bien moins. Vérifiez que c'est le bon fichier."
        )


def _sans_apostrophe(texte: str) -> str:
    # L'export protège une cellule qui ressemble à une formule par une apostrophe (que le
    # tableur masque) : relire notre propre export rend le texte d'origine.
    if texte.startswith("'") and texte[1:].startswith(_DEBUTS_FORMULE):
        return texte[1:]
    return texte


def _est_entete(cellule: str) -> bool:
    cle = normaliser_entete(cellule)
    return cle in ENTETES_ADRESSE or (bool(cle) and "mail" in cle and "@" not in cellule)


def _lignes(contenu: bytes) -> Iterator[tuple[int, list[str], bool]]:
    """(numéro, cellules, est l'en-tête) ; `FichierRefuse` si le fichier est illisible."""
    verifier_taille(len(contenu))
    premiere = True
    try:
        for ligne in lire_csv(contenu, colonnes={}, entete=False, largeur_variable=True):
            cellules = [ligne.valeurs[str(i)] for i in range(1, len(ligne.valeurs) + 1)]
            entete = premiere and not _adresse_valide(cellules[0]) and _est_entete(cellules[0])
            premiere = False
            yield ligne.numero, cellules, entete
    except ErreurCsv as erreur:
        raise FichierRefuse(erreur.message) from None


def _adresse_valide(texte: str) -> bool:
    try:
        normaliser_email(texte)
    except ValueError:
        return False
    return True


def analyser(*, collectivite: Collectivite, contenu: bytes) -> Apercu:
    """L'aperçu de l'import : ce qui serait créé ou mis à jour, et ce qui ne va pas."""
    apercu = Apercu()
    groupes = groupes_par_nom(collectivite)
    existants = set(
        Contact.objects.pour(collectivite)
        .annotate(cle=Lower("email"))
        .values_list("cle", flat=True)  # type: ignore[misc]
    )
    vues: dict[str, int] = {}
    inconnus: dict[str, str] = {}
    for numero, cellules, entete in _lignes(contenu):
        if entete:
            apercu.entete = True
            continue
        brute = cellules[0]
        if not brute:
            apercu.invalides.append((numero, f"Ligne {numero} : l'adresse électronique manque."))
            continue
        try:
            email = normaliser_email(brute)
        except ValueError as erreur:
            apercu.invalides.append((numero, f"Ligne {numero} : {erreur}"))
            continue
        cle = email.casefold()
        if cle in vues:
            apercu.doublons.append((numero, email, vues[cle]))
            continue
        vues[cle] = numero
        description = _sans_apostrophe(cellules[1]) if len(cellules) > 1 else ""
        if len(description) > 200:
            apercu.invalides.append(
                (numero, f"Ligne {numero} : la description dépasse 200 caractères.")
            )
            continue
        noms: list[str] = []
        for brut in cellules[2:]:
            nom = " ".join(brut.split())
            if not nom or nom.casefold() in {n.casefold() for n in noms}:
                continue
            groupe = groupes.get(nom.casefold())
            if groupe is not None and groupe.automatique:
                apercu.groupes_automatiques.append((numero, groupe.nom))
                continue
            if groupe is None and nom.casefold() not in inconnus:
                if len(nom) > 100:
                    apercu.invalides.append(
                        (numero, f"Ligne {numero} : un nom de groupe dépasse 100 caractères.")
                    )
                    continue
                inconnus[nom.casefold()] = nom
            noms.append(inconnus.get(nom.casefold(), groupe.nom if groupe else nom))
        ligne = LigneContact(numero, email, description, tuple(noms))
        (apercu.a_mettre_a_jour if cle in existants else apercu.a_creer).append(ligne)
    apercu.groupes_inconnus = list(inconnus.values())
    return apercu


@dataclass(frozen=True)
class ResultatImport:
    crees: int
    mis_a_jour: int
    groupes_crees: list[str]

    @property
    def message(self) -> str:
        texte = (
            f"{pluriel(self.crees, 'contact ajouté', 'contacts ajoutés')}, "
            f"{pluriel(self.mis_a_jour, 'contact mis à jour', 'contacts mis à jour')}"
        )
        if self.groupes_crees:
            noms = ", ".join(f"« {nom} »" for nom in self.groupes_crees)
            texte += (
                f", {pluriel(len(self.groupes_crees), 'groupe créé', 'groupes créés')} ({noms})"
            )
        return texte + "."


@transaction.atomic
def importer(
    *,
    collectivite: Collectivite,
    contenu: bytes,
    groupes_a_creer: Iterable[str] = (),
    nom_fichier: str = "",
    empreinte_attendue: str | None = None,
    par: Utilisateur | None,
) -> ResultatImport:
    """Écrit tout l'import ou rien. `ImportRefuse` s'il reste une erreur ; `ApercuPerime` si
    l'aperçu a changé depuis celui que l'agent a vu (`empreinte_attendue`)."""
    # Un import à la fois par collectivité : deux confirmations simultanées créeraient les mêmes
    # contacts. Le verrou tient jusqu'au commit.
    Collectivite.objects.select_for_update().filter(pk=collectivite.pk).first()
    apercu = analyser(collectivite=collectivite, contenu=contenu)
    if empreinte_attendue is not None and apercu.empreinte() != empreinte_attendue:
        raise ApercuPerime(apercu)
    a_creer = [
        nom
        for nom in apercu.groupes_inconnus
        if nom.casefold() in {g.casefold() for g in groupes_a_creer}
    ]
    erreurs = apercu.erreurs(a_creer)
    if erreurs:
        raise ImportRefuse(erreurs)
    for nom in a_creer:
        try:
            groupe_creer(collectivite=collectivite, nom=nom, par=par)
        except ValidationError as erreur:
            raise ImportRefuse([f"Groupe « {nom} » : {' '.join(erreur.messages)}"]) from None
    groupes = groupes_par_nom(collectivite)
    nouveaux = Contact.objects.bulk_create(
        [
            Contact(collectivite=collectivite, email=ligne.email, description=ligne.description)
            for ligne in apercu.a_creer
        ]
    )
    liens = Contact.groupes.through
    a_lier = [
        liens(contact_id=contact.pk, groupe_id=groupes[nom.casefold()].pk)
        for contact, ligne in zip(nouveaux, apercu.a_creer, strict=True)
        for nom in ligne.groupes
    ]
    par_adresse = {
        contact.cle: contact
        for contact in Contact.objects.pour(collectivite)
        .annotate(cle=Lower("email"))
        .filter(cle__in=[ligne.email.casefold() for ligne in apercu.a_mettre_a_jour])
    }
    modifies = []
    maintenant = timezone.now()
    for ligne in apercu.a_mettre_a_jour:
        contact = par_adresse[ligne.email.casefold()]
        if ligne.description and ligne.description != contact.description:
            contact.description = ligne.description
            contact.modifie_le = maintenant
            modifies.append(contact)
        a_lier += [
            liens(contact_id=contact.pk, groupe_id=groupes[nom.casefold()].pk)
            for nom in ligne.groupes
        ]
    Contact.objects.bulk_update(modifies, ["description", "modifie_le"])
    liens.objects.bulk_create(a_lier, ignore_conflicts=True)
    resultat = ResultatImport(len(nouveaux), len(apercu.a_mettre_a_jour), a_creer)
    journaliser(
        action=ActionConvocations.CONVOCATIONS_CONTACTS_IMPORTES,
        collectivite=collectivite,
        par=par,
        details={
            "fichier": nom_fichier[:200],
            "contacts_ajoutes": resultat.crees,
            "contacts_mis_a_jour": resultat.mis_a_jour,
            "groupes_crees": len(a_creer),
        },
    )
    return resultat


class ApercuPerime(Exception):
    def __init__(self, apercu: Apercu) -> None:
        super().__init__("L'aperçu a changé.")
        self.apercu = apercu


def exporter(*, collectivite: Collectivite, par: Utilisateur | None) -> bytes:
    """Le carnet au format que l'import relit : adresse ; description ; groupes…"""
    lignes = [
        [contact.email, contact.description, *noms_des_groupes(contact)]
        for contact in contacts_du_carnet(collectivite).order_by("description", "email", "pk")
    ]
    contenu = csv_bytes(lignes, entetes=ENTETES_EXPORT)
    journaliser(
        action=ActionConvocations.CONVOCATIONS_CONTACTS_EXPORTES,
        collectivite=collectivite,
        par=par,
        details={"contacts": len(lignes)},
    )
    return contenu


# Un aperçu jamais confirmé (des adresses personnelles) ne reste pas plus d'un jour.
DUREE_APERCU = timedelta(days=1)


@transaction.atomic
def depot_creer(
    *,
    collectivite: Collectivite,
    nom_fichier: str,
    contenu: bytes,
    apercu: Apercu,
    par: Utilisateur,
) -> ImportContacts:
    """Garde le fichier côté serveur le temps de la confirmation : un aperçu en attente par
    agent, et aucun de plus d'un jour."""
    ImportContacts.objects.filter(cree_le__lt=timezone.now() - DUREE_APERCU).delete()
    ImportContacts.objects.pour(collectivite).filter(par=par).delete()
    return ImportContacts.objects.create(
        collectivite=collectivite,
        par=par,
        nom_fichier=nom_fichier[:255],
        contenu=contenu,
        empreinte=hashlib.sha256(contenu).hexdigest(),
        empreinte_apercu=apercu.empreinte(),
    )

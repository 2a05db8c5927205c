"""Banc « recherche d'électeurs » : 1 000 000 d'électeurs dans une collectivité (et quelques
milliers dans une autre), puis, au niveau du sélecteur `electeurs_rechercher` :

- ~200 recherches par début de nom (première page de 25 et son compte plafonné),
- autant de recherches d'un INE par l'ORM (la référence : une ligne lue par un index),
- des recherches avec une faute de frappe (mode approchant, pg_trgm),

alternées dans la même exécution ; rapport des p50/p95 et du ratio p95 nom / p95 INE
(objectif : 3 au plus), plans d'exécution (EXPLAIN) avec les index qui servent chaque requête.

    make bench                                     # services jetables, tous les bancs
    .venv/bin/python -m bench.recherche_electeurs --electeurs 200000

Voir bench/README.md.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

ELECTEURS = 1_000_000
ELECTEURS_AUTRE = 20_000
REQUETES = 200
GRAINE = 20261130
OBJECTIF_RATIO = 3.0

# Noms de famille fréquents en France (les plus courants d'abord : poids décroissants), puis
# une longue traîne de noms fabriqués par syllabes, pour que les débuts de nom soient aussi
# sélectifs que dans une vraie commune.


def _mots(texte: str) -> list[str]:
    return texte.split()


NOMS_FREQUENTS = [
    nom.replace("_", " ")
    for nom in _mots(
        "MARTIN BERNARD THOMAS PETIT ROBERT RICHARD DURAND DUBOIS MOREAU LAURENT SIMON MICHEL "
        "LEFEBVRE LEROY ROUX DAVID BERTRAND MOREL FOURNIER GIRARD BONNET DUPONT LAMBERT "
        "FONTAINE ROUSSEAU VINCENT MULLER LEFEVRE FAURE ANDRE MERCIER BLANC GUERIN BOYER "
        "GARNIER CHEVALIER FRANCOIS LEGRAND GAUTHIER GARCIA PERRIN ROBIN CLEMENT MORIN "
        "NICOLAS HENRY ROUSSEL MATHIEU GAUTIER MASSON MARCHAND DUVAL DENIS DUMONT MARIE "
        "LEMAIRE NOEL MEYER DUFOUR MEUNIER BRUN BLANCHARD GIRAUD JOLY RIVIERE LUCAS BRUNET "
        "GAILLARD BARBIER ARNAUD MARTINEZ GERARD ROCHE RENARD SCHMITT ROY LEROUX COLIN VIDAL "
        "CARON PICARD ROGER FABRE AUBERT LEMOINE RENAUD DUMAS LACROIX OLIVIER PHILIPPE "
        "BOURGEOIS PIERRE BENOIT REY LECLERC PAYET ROLLAND LECLERCQ GUILLAUME LECOMTE LOPEZ "
        "JEAN DUPUY GUILLOT HUBERT BERGER CARPENTIER SANCHEZ DUPUIS MOULIN LOUIS DESCHAMPS "
        "HUET VASSEUR PEREZ BOUCHER FLEURY ROYER KLEIN JACQUET ADAM PARIS POIRIER MARTY AUBRY "
        "GUYOT CARRE CHARLES RENAULT CHARPENTIER MENARD MAILLARD BARON BERTIN BAILLY HERVE "
        "SCHNEIDER FERNANDEZ LE_GALL COLLET LEGER BOUVIER JULIEN PREVOST MILLET PERROT DANIEL "
        "LE_ROUX COUSIN GERMAIN BRETON BESSON LANGLOIS REMY LE_GOFF PELLETIER LEVEQUE PERRIER "
        "LEBLANC BARRE LEBRUN MARCHAL WEBER MALLET HAMON BOULANGER JACOB MONNIER MICHAUD "
        "RODRIGUEZ GUICHARD GILLET ETIENNE GRONDIN POULAIN TESSIER CHEVALLIER COLLIN CHAUVIN "
        "DA_SILVA BOUCHET GAY LEMAITRE BENARD MARECHAL HUMBERT REYNAUD ANTOINE HOARAU PERRET "
        "BARTHELEMY CORDIER PICHON LEJEUNE GILBERT LAMY DELAUNAY PASQUIER CARLIER LAPORTE "
        "DUPRE DUPRÉ HÉBERT CLÉMENT )"
    )
]
SYLLABES = _mots(
    "ba be bi bo bou ca ce chi co cou da de di do dou fa fe fi fo ga ge gi go gou la le li lo "
    "lou ma me mi mo mou na ne ni no nou pa pe pi po pou ra re ri ro rou sa se si so sou ta te "
    "ti to tou va ve vi vo vou bar ber bil bon bour car cer chal cham del der dur fer gar ger "
    "lan len mar mer mon mor nar per por ran ren ros san ser tar ter val ver vil "
)
FINS = ("", "", "t", "d", "n", "ard", "in", "ot", "eau", "ier", "et", "y", "x", "z", "s")
PRENOMS_F = _mots(
    "Marie Jeanne Françoise Monique Catherine Nathalie Isabelle Sylvie Anne Christine Martine "
    "Hélène Sophie Valérie Nicole Sandrine Stéphanie Céline Julie Aurélie Camille Léa Manon "
    "Chloé Emma Inès Sarah Laura Émilie Élodie Mathilde Claire Lucie Pauline Marion Alice "
    "Louise Jade Zoé Agnès Brigitte Chantal Danielle Denise Josiane Odile Colette Germaine"
)
PRENOMS_M = _mots(
    "Jean Pierre Michel André Philippe René Louis Alain Jacques Bernard Marcel Daniel Roger "
    "Robert Paul Claude Christian Henri Georges Nicolas François Patrick Christophe Stéphane "
    "Frédéric Laurent Julien David Sébastien Thomas Alexandre Antoine Maxime Hugo Lucas Léo "
    "Gabriel Raphaël Arthur Louis Jules Adam Mathis Nathan Théo Éric Thierry Olivier Gérard"
)


def _nom_fabrique(alea: random.Random) -> str:
    syllabes = alea.randint(2, 3)
    return ("".join(alea.choice(SYLLABES) for _ in range(syllabes)) + alea.choice(FINS)).upper()


def _tirer_nom(alea: random.Random, frequents_poids: list[float]) -> str:
    # Environ 45 % des personnes portent un des ~230 noms fréquents, le reste la longue traîne.
    if alea.random() < 0.45:
        return alea.choices(NOMS_FREQUENTS, weights=frequents_poids)[0]
    return _nom_fabrique(alea)


@dataclass
class Donnees:
    collectivite: Any
    autre: Any
    ines: list[str]
    echantillon: list[tuple[str, str, str]]  # (nom_naissance, nom_usage, prenoms)
    secondes_chargement: float


def _lignes_copy(
    *,
    modele: Any,
    colonnes: list[str],
    defauts: dict[str, Any],
    lignes: Iterator[dict[str, Any]],
) -> Iterator[bytes]:
    """Lignes de `COPY … FROM STDIN` (format texte : tabulations, \\N pour NULL)."""
    tampon = io.StringIO()
    for numero, ligne in enumerate(lignes, 1):
        valeurs = []
        for colonne in colonnes:
            valeur = ligne.get(colonne, defauts[colonne])
            valeurs.append("\\N" if valeur is None else str(valeur))
        tampon.write("\t".join(valeurs))
        tampon.write("\n")
        if numero % 20_000 == 0:
            yield tampon.getvalue().encode()
            tampon = io.StringIO()
    yield tampon.getvalue().encode()


def _copier(modele: Any, lignes: Iterator[dict[str, Any]]) -> None:
    from django.db import connection
    from django.utils import timezone

    champs = [f for f in modele._meta.concrete_fields if not f.primary_key]
    colonnes = [f.column for f in champs]
    maintenant = timezone.now().isoformat()
    defauts: dict[str, Any] = {}
    for f in champs:
        defaut = f.get_default() if f.has_default() else (None if f.null else "")
        if f.column in ("cree_le", "modifie_le"):
            defaut = maintenant
        defauts[f.column] = defaut
    table = modele._meta.db_table
    sql = f"COPY {table} ({', '.join(colonnes)}) FROM STDIN"
    with connection.cursor() as curseur:
        brut = curseur.cursor
        with brut.copy(sql) as copie:
            for morceau in _lignes_copy(
                modele=modele, colonnes=colonnes, defauts=defauts, lignes=lignes
            ):
                copie.write(morceau)


def _electeurs(
    *, collectivite_id: int, nombre: int, alea: random.Random, prefixe_ine: str
) -> Iterator[dict[str, Any]]:
    from electeurs.identite import cle_homonymie, cle_identite, normaliser

    poids = [1 / (rang + 1) ** 0.7 for rang in range(len(NOMS_FREQUENTS))]
    for numero in range(nombre):
        feminin = alea.random() < 0.52
        nom = _tirer_nom(alea, poids)
        usage = _tirer_nom(alea, poids) if feminin and alea.random() < 0.35 else ""
        prenoms = " ".join(
            alea.sample(PRENOMS_F if feminin else PRENOMS_M, alea.choice((1, 1, 2, 2, 3)))
        )
        annee = alea.randint(1920, 2008)
        jour, mois = alea.randint(1, 28), alea.randint(1, 12)
        if alea.random() < 0.01:
            jour = mois = None  # dates partielles des extraits réels
        complete = jour is not None and mois is not None
        yield {
            "collectivite_id": collectivite_id,
            "nom_naissance": nom,
            "nom_usage": usage,
            "prenoms": prenoms,
            "sexe": "F" if feminin else "M",
            "naissance_jour": jour,
            "naissance_mois": mois,
            "naissance_annee": annee,
            "date_naissance": f"{annee:04d}-{mois:02d}-{jour:02d}" if complete else None,
            "commune_naissance_code": "85194",
            "commune_naissance_libelle": "Les Sables-d'Olonne",
            "nationalite": "Française",
            "ine": f"{prefixe_ine}{numero:09d}",
            "libelle_voie": "rue de la République",
            "code_postal": "85100",
            "commune": "Les Sables-d'Olonne",
            "statut": "inscrit",
            "recherche_naissance": normaliser(f"{nom} {prenoms}"),
            "recherche_usage": normaliser(f"{usage} {prenoms}") if usage else "",
            "cle_homonymie": cle_homonymie(
                nom_naissance=nom, prenoms=prenoms, jour=jour, mois=mois, annee=annee
            ),
            "cle_identite": cle_identite(
                nom_naissance=nom,
                prenoms=prenoms,
                sexe="F" if feminin else "M",
                jour=jour,
                mois=mois,
                annee=annee,
                lieu_naissance="85194",
            ),
        }


def _inscriptions(
    *, collectivite_id: int, premier_id: int, dernier_id: int, bureaux: list[int]
) -> Iterator[dict[str, Any]]:
    numeros = dict.fromkeys(bureaux, 0)
    for electeur_id in range(premier_id, dernier_id + 1):
        bureau = bureaux[electeur_id % len(bureaux)]
        numeros[bureau] += 1
        yield {
            "collectivite_id": collectivite_id,
            "electeur_id": electeur_id,
            "type_liste": "LP",
            "bureau_id": bureau,
            "numero_ordre": numeros[bureau],
        }


def charger(*, electeurs: int, autre: int, graine: int = GRAINE, bavard: bool = False) -> Donnees:
    """Les deux collectivités, leurs bureaux et électeurs (COPY), index de recherche construits
    après le chargement (comme le ferait un import de masse), puis VACUUM ANALYZE."""
    from django.db import connection
    from django.db.models import Max, Min

    from core.models import Collectivite
    from electeurs.identite import normaliser
    from electeurs.models import BureauDeVote, Electeur, InscriptionListe, NomElecteur

    migration = importlib.import_module("electeurs.migrations.0004_fichier")
    alea = random.Random(graine)
    debut = time.perf_counter()
    collectivite = Collectivite.objects.create(
        nom="Grande-Ville", slug="banc-grande-ville", code_insee="85194"
    )
    voisine = Collectivite.objects.create(nom="Voisine", slug="banc-voisine", code_insee="85195")
    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as curseur:
            for nom in migration.NOMS:
                curseur.execute(f"DROP INDEX IF EXISTS {nom}")
    for cible, nombre, prefixe in ((collectivite, electeurs, "1"), (voisine, autre, "2")):
        bureaux = [
            BureauDeVote.objects.create(
                collectivite=cible, code=f"{i:04d}", libelle=f"Bureau {i}"
            ).pk
            for i in range(1, 21)
        ]
        if bavard:
            print(f"  COPY de {nombre} électeurs ({cible.nom})…", file=sys.stderr)
        _copier(
            Electeur,
            _electeurs(collectivite_id=cible.pk, nombre=nombre, alea=alea, prefixe_ine=prefixe),
        )
        # Les identifiants que la séquence a donnés à ce COPY (un seul ordre, donc contigus) ;
        # pas « le plus grand + 1 » : une séquence avance aussi pour les lignes annulées.
        bornes = Electeur.objects.filter(collectivite=cible).aggregate(
            premier=Min("pk"), dernier=Max("pk")
        )
        _copier(
            InscriptionListe,
            _inscriptions(
                collectivite_id=cible.pk,
                premier_id=bornes["premier"],
                dernier_id=bornes["dernier"],
                bureaux=bureaux,
            ),
        )
    if postgres:
        if bavard:
            print("  Index de recherche et VACUUM ANALYZE…", file=sys.stderr)
        with connection.cursor() as curseur:
            # Dans une transaction (essai de la suite), les clés étrangères différées du COPY
            # attendent le commit : CREATE INDEX le refuse tant qu'elles ne sont pas vérifiées.
            curseur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # Les index trigrammes de la table des électeurs ne sont plus (migration 0007) :
            # le mode approchant passe par la table des noms, remplie ci-dessous.
            for sql in migration.INDEX:
                if "_trgm" not in sql:
                    curseur.execute(sql)
            if connection.in_atomic_block:
                curseur.execute("ANALYZE electeurs_electeur")
            else:
                # VACUUM : la carte de visibilité permet les parcours d'index seul du compte.
                curseur.execute("VACUUM ANALYZE electeurs_electeur")
                curseur.execute("VACUUM ANALYZE electeurs_inscriptionliste")
    for cible in (collectivite, voisine):
        electeurs_cible = Electeur.objects.pour(cible)
        NomElecteur.retenir(
            collectivite_id=cible.pk,
            noms=[
                normaliser(nom)
                for champ in ("nom_naissance", "nom_usage")
                for nom in electeurs_cible.values_list(champ, flat=True).distinct()
            ],
        )
    if postgres:
        with connection.cursor() as curseur:
            # Statistiques des noms : sans elles, PostgreSQL croit la table vide et la lit en
            # entier au lieu de passer par l'index trigrammes ; la liste d'attente du GIN
            # (`fastupdate`), relue à chaque recherche, vidée.
            curseur.execute(
                "ANALYZE electeurs_nomelecteur"
                if connection.in_atomic_block
                # VACUUM : les noms passent de la liste d'attente de l'index GIN à l'index.
                else "VACUUM ANALYZE electeurs_nomelecteur"
            )
    # Les INE du chargement sont « 1 » suivi du rang sur 9 chiffres (« 2 » pour la voisine).
    ines = [f"1{alea.randrange(electeurs):09d}" for _ in range(5_000)]
    echantillon = list(
        Electeur.objects.pour(collectivite)
        .filter(ine__in=ines[:2_000])
        .values_list("nom_naissance", "nom_usage", "prenoms")
    )
    return Donnees(
        collectivite=collectivite,
        autre=voisine,
        ines=ines,
        echantillon=echantillon,
        secondes_chargement=time.perf_counter() - debut,
    )


def requetes_prefixe(donnees: Donnees, nombre: int, alea: random.Random) -> list[str]:
    """Ce qu'un agent tape : le début d'un nom (3 lettres ou plus, nom d'usage une fois sur
    cinq quand il existe), suivi une fois sur deux du début du premier prénom."""
    from electeurs.identite import normaliser

    textes = []
    for _ in range(nombre):
        naissance, usage, prenoms = alea.choice(donnees.echantillon)
        nom = normaliser(usage if usage and alea.random() < 0.2 else naissance)
        texte = nom[: alea.randint(min(3, len(nom)), len(nom))]
        if alea.random() < 0.5:
            prenom = normaliser(prenoms.split()[0])
            texte = f"{nom} {prenom[: alea.randint(1, len(prenom))]}"
        textes.append(texte)
    return textes


def requetes_fautes(donnees: Donnees, nombre: int, alea: random.Random) -> list[str]:
    """Un nom entier avec une faute : lettre doublée, remplacée ou deux lettres inversées."""
    from electeurs.identite import normaliser

    textes = []
    while len(textes) < nombre:
        naissance, _, prenoms = alea.choice(donnees.echantillon)
        nom = normaliser(naissance)
        if len(nom) < 5 or " " in nom:
            continue
        i = alea.randint(1, len(nom) - 2)
        faute = alea.choice(("double", "remplace", "inverse"))
        if faute == "double":
            nom = nom[:i] + nom[i] + nom[i:]
        elif faute == "remplace":
            nom = nom[:i] + alea.choice("aeioulnrst") + nom[i + 1 :]
        else:
            nom = nom[:i] + nom[i + 1] + nom[i] + nom[i + 2 :]
        textes.append(f"{nom} {normaliser(prenoms.split()[0])[:3]}")
    return textes


@dataclass
class Resultat:
    electeurs: int
    requetes: int
    secondes_chargement: float
    ine: list[float] = field(default_factory=list)
    prefixe: list[float] = field(default_factory=list)
    prefixe_inscriptions: list[float] = field(default_factory=list)
    approchant: list[float] = field(default_factory=list)
    approchant_trouves: int = 0
    plafonnes: int = 0
    vides: int = 0
    plans: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def p(valeurs: list[float], quantile: float) -> float:
        if not valeurs:
            return 0.0
        ordonnees = sorted(valeurs)
        rang = max(0, min(len(ordonnees) - 1, round(quantile * len(ordonnees)) - 1))
        return ordonnees[rang]

    @property
    def ratio(self) -> float:
        return self.p(self.prefixe, 0.95) / self.p(self.ine, 0.95)


def _chrono(appel: Callable[[], Any]) -> float:
    debut = time.perf_counter()
    appel()
    return time.perf_counter() - debut


def _plan(requete: Any) -> str:
    """EXPLAIN (ANALYZE) d'un QuerySet : le plan réel et le temps dans la base."""
    from django.db import connection

    sql, parametres = requete.query.sql_with_params()
    with connection.cursor() as curseur:
        curseur.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {sql}", parametres)
        return "\n".join(ligne[0] for ligne in curseur.fetchall())


def _plan_sql(sql: str, parametres: list[Any]) -> str:
    from django.db import connection

    with connection.cursor() as curseur:
        curseur.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {sql}", parametres)
        return "\n".join(ligne[0] for ligne in curseur.fetchall())


def _plans(donnees: Donnees, prefixe: str, faute: str) -> dict[str, str]:
    from django.db import connection

    from electeurs.fichier.selectors import PLAFOND, electeurs_rechercher
    from electeurs.models import Electeur

    if connection.vendor != "postgresql":
        return {}
    plans: dict[str, str] = {}
    plans["INE (ORM .get)"] = _plan(
        Electeur.objects.pour(donnees.collectivite).filter(ine=donnees.ines[0])
    )
    resultats = electeurs_rechercher(collectivite=donnees.collectivite, texte=prefixe)
    # Les requêtes mêmes du sélecteur (SQL de `_union_sql`), page puis compte.
    sql, parametres = resultats._union_sql(colonnes="electeurs_electeur.*, {cle} AS cle", limite=25)
    plans[f"Page de 25, « {prefixe} »"] = _plan_sql(
        f"{sql} ORDER BY cle, id LIMIT %s OFFSET %s", [*parametres, 25, 0]
    )
    sql, parametres = resultats._union_sql(colonnes="1", limite=PLAFOND + 1)
    plans[f"Compte plafonné, « {prefixe} »"] = _plan_sql(
        f"SELECT COUNT(*) FROM ({sql}) AS trouves", parametres
    )
    approchant = electeurs_rechercher(collectivite=donnees.collectivite, texte=faute)
    if approchant.approchant:
        plans[f"Mode approchant, « {faute} »"] = _plan_approchant(approchant)
    return plans


def _plan_approchant(resultats: Any) -> str:
    """La requête même du mode approchant : noms proches (index `electeurs_nom_trgm`), puis
    leurs électeurs par les index de début de nom."""
    sql, parametres = resultats.approchant_sql(resultats.critere.nom)
    return _plan_sql(sql, parametres)


def mesurer(
    *, electeurs: int = ELECTEURS, autre: int = ELECTEURS_AUTRE, requetes: int = REQUETES
) -> Resultat:
    """Charge puis mesure, dans une base déjà prête (base de test, migrations faites)."""
    from electeurs.fichier.selectors import electeurs_rechercher
    from electeurs.models import Electeur

    donnees = charger(electeurs=electeurs, autre=autre, bavard=electeurs > 10_000)
    alea = random.Random(GRAINE + 1)
    prefixes = requetes_prefixe(donnees, requetes, alea)
    fautes = requetes_fautes(donnees, max(requetes // 2, 1), alea)
    ines = [alea.choice(donnees.ines) for _ in range(requetes)]
    collectivite = donnees.collectivite
    resultat = Resultat(
        electeurs=electeurs, requetes=requetes, secondes_chargement=donnees.secondes_chargement
    )

    def ine(valeur: str) -> Callable[[], Any]:
        return lambda: Electeur.objects.pour(collectivite).filter(ine=valeur).first()

    def recherche(texte: str, *, inscriptions: bool = False) -> Callable[[], Any]:
        def appel() -> Any:
            resultats = electeurs_rechercher(
                collectivite=collectivite, texte=texte, inscriptions=inscriptions
            )
            compte = resultats.count()
            page = resultats[0:25]
            return resultats, compte, page

        return appel

    # Échauffement : caches de la base et de Python.
    for texte, valeur in zip(prefixes[:20], ines[:20], strict=True):
        recherche(texte)()
        ine(valeur)()
    # Mesures alternées : une dérive de la machine pèse autant sur les deux séries.
    for texte, valeur in zip(prefixes, ines, strict=True):
        resultat.ine.append(_chrono(ine(valeur)))
        resultat.prefixe.append(_chrono(recherche(texte)))
        resultat.prefixe_inscriptions.append(_chrono(recherche(texte, inscriptions=True)))
        resultats, compte, _ = recherche(texte)()
        resultat.plafonnes += resultats.plafonne
        resultat.vides += compte == 0
    for texte in fautes:
        resultats = electeurs_rechercher(collectivite=collectivite, texte=texte)
        if not resultats.approchant:
            continue  # la « faute » est un autre nom qui existe
        resultat.approchant.append(_chrono(recherche(texte)))
        resultat.approchant_trouves += recherche(texte)()[1] > 0
    resultat.plans = _plans(donnees, prefixes[0].split()[0][:3], fautes[0])
    return resultat


def _ms(secondes: float) -> str:
    return f"{secondes * 1000:,.2f} ms".replace(",", "\u202f").replace(".", ",")


def resume(resultat: Resultat) -> str:
    p = Resultat.p
    n = f"{resultat.electeurs:,}".replace(",", "\u202f")
    lignes = [
        "Banc « recherche d'électeurs » (sélecteur electeurs_rechercher)",
        f"  {n} électeurs dans la collectivité mesurée, chargés en "
        f"{resultat.secondes_chargement:.0f} s (COPY, index construits ensuite)",
        f"  {resultat.requetes} recherches de chaque sorte, alternées",
        "",
        f"  {'':<44}{'p50':>12}{'p95':>12}",
        f"  {'INE par l’ORM (référence)':<44}{_ms(p(resultat.ine, 0.5)):>12}"
        f"{_ms(p(resultat.ine, 0.95)):>12}",
        f"  {'Début de nom : page de 25 + compte':<44}{_ms(p(resultat.prefixe, 0.5)):>12}"
        f"{_ms(p(resultat.prefixe, 0.95)):>12}",
        f"  {'  … et listes/bureaux de la page':<44}"
        f"{_ms(p(resultat.prefixe_inscriptions, 0.5)):>12}"
        f"{_ms(p(resultat.prefixe_inscriptions, 0.95)):>12}",
        f"  {'Mode approchant (' + str(len(resultat.approchant)) + ' fautes)':<44}"
        f"{_ms(p(resultat.approchant, 0.5)):>12}{_ms(p(resultat.approchant, 0.95)):>12}",
        "",
        f"  Ratio p95 début de nom / p95 INE : {resultat.ratio:.2f}".replace(".", ",")
        + f" (objectif : {OBJECTIF_RATIO:.0f} au plus) — "
        + ("ATTEINT" if resultat.ratio <= OBJECTIF_RATIO else "NON ATTEINT"),
        f"  Recherches plafonnées (plus de 1 000 résultats) : {resultat.plafonnes} ; "
        f"sans résultat : {resultat.vides}",
        f"  Mode approchant : {resultat.approchant_trouves} sur {len(resultat.approchant)} "
        "retrouvent au moins un électeur",
    ]
    for titre, plan in resultat.plans.items():
        lignes += ["", f"  EXPLAIN — {titre}", *("    " + ligne for ligne in plan.splitlines())]
    return "\n".join(lignes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--electeurs", type=int, default=ELECTEURS)
    parser.add_argument("--autre", type=int, default=ELECTEURS_AUTRE)
    parser.add_argument("--requetes", type=int, default=REQUETES)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    nom_base = connection.settings_dict["NAME"]
    print("Création de la base de test et migrations…", file=sys.stderr)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    debut = time.perf_counter()
    try:
        resultat = mesurer(electeurs=args.electeurs, autre=args.autre, requetes=args.requetes)
    finally:
        connection.creation.destroy_test_db(nom_base, verbosity=0)
        teardown_test_environment()
    print(resume(resultat))
    print(f"\n  (durée totale : {time.perf_counter() - debut:.0f} s)")
    return 0 if resultat.ratio <= OBJECTIF_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())

"""Banc « liste contre vue triviale » : requêtes par seconde de la page du journal (une liste
du back-office, en administrateur, sur 5 000 entrées) rapportées à celles d'une vue qui rend
`HttpResponse("ok")`, dans le même processus et la même exécution.

    make bench                                   # services jetables, puis ce script
    .venv/bin/python -m bench.liste_vs_trivial --requetes 500 --tours 7

Voir bench/README.md pour la lecture du rapport.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

ENTREES = 5_000
REQUETES = 300
TOURS = 5
ECHAUFFEMENT = 30
ROOT_URLCONF_BANC = "bench.urls"
URL_TRIVIALE = "/bench/ok/"
PAGE_LISTE = "journal:liste"
PAGE_ACCUEIL = "pages:accueil"


class ErreurBanc(RuntimeError):
    """Le banc ne peut pas mesurer (page absente, réponse inattendue)."""


@dataclass(frozen=True)
class Resultat:
    entrees: int
    requetes_par_tour: int
    secondes_triviale: list[float]
    secondes_liste: list[float]
    requetes_sql_liste: int
    octets_liste: int
    url_liste: str
    # L'Accueil, mesuré dans les mêmes tours (absent si `accueil=""`).
    secondes_accueil: list[float] = field(default_factory=list)
    url_accueil: str = ""
    requetes_sql_accueil: int = 0

    @property
    def tours(self) -> int:
        return len(self.secondes_liste)

    @property
    def par_seconde_triviale(self) -> float:
        return self.requetes_par_tour * self.tours / sum(self.secondes_triviale)

    @property
    def par_seconde_liste(self) -> float:
        return self.requetes_par_tour * self.tours / sum(self.secondes_liste)

    @property
    def rapport(self) -> float:
        """liste / vue triviale : 1 = la liste ne coûte rien de plus que Django lui-même."""
        return self.par_seconde_liste / self.par_seconde_triviale

    @property
    def par_seconde_accueil(self) -> float:
        return self.requetes_par_tour * len(self.secondes_accueil) / sum(self.secondes_accueil)

    @property
    def rapport_accueil(self) -> float:
        """Accueil / vue triviale, lu comme `rapport`."""
        return self.par_seconde_accueil / self.par_seconde_triviale


def _francais(valeur: float, decimales: int = 0) -> str:
    texte = f"{valeur:,.{decimales}f}"
    return texte.replace(",", "\u202f").replace(".", ",")


def resume(resultat: Resultat) -> str:
    """Le rapport imprimé, en français."""

    def ecart(secondes: list[float]) -> str:
        vitesses = [resultat.requetes_par_tour / s for s in secondes]
        return f"(tours : {_francais(min(vitesses))} à {_francais(max(vitesses))})"

    largeur = 36
    lignes = [
        "Banc « liste contre vue triviale »",
        f"  {_francais(resultat.entrees)} entrées de journal, {resultat.tours} tours alternés de "
        f"{_francais(resultat.requetes_par_tour)} requêtes par page (client de test Django, "
        "sans réseau)",
        "",
        f"  {'Vue triviale (' + URL_TRIVIALE + ')':<{largeur}}: "
        f"{_francais(resultat.par_seconde_triviale):>8} requêtes/s "
        f"{ecart(resultat.secondes_triviale)}",
        f"  {'Liste (' + resultat.url_liste + ')':<{largeur}}: "
        f"{_francais(resultat.par_seconde_liste):>8} requêtes/s "
        f"{ecart(resultat.secondes_liste)}",
        f"  {'Requêtes SQL par page de liste':<{largeur}}: {resultat.requetes_sql_liste:>8}",
        f"  {'Taille de la page de liste':<{largeur}}: "
        f"{_francais(resultat.octets_liste / 1024, 1):>8} Kio",
        "",
        f"  Rapport liste / vue triviale : {_francais(resultat.rapport, 3)} "
        f"(une page de liste coûte {_francais(1 / resultat.rapport, 1)} fois une vue triviale)",
    ]
    if resultat.secondes_accueil:
        lignes[5:5] = [
            f"  {'Accueil (' + resultat.url_accueil + ')':<{largeur}}: "
            f"{_francais(resultat.par_seconde_accueil):>8} requêtes/s "
            f"{ecart(resultat.secondes_accueil)}",
        ]
        lignes.insert(
            7,
            f"  {'Requêtes SQL de l' + chr(39) + 'Accueil':<{largeur}}: "
            f"{resultat.requetes_sql_accueil:>8}",
        )
        lignes.append(
            f"  Rapport Accueil / vue triviale : {_francais(resultat.rapport_accueil, 3)} "
            f"(l'Accueil coûte {_francais(1 / resultat.rapport_accueil, 1)} fois une vue "
            "triviale)"
        )
    return "\n".join(lignes)


def preparer(*, entrees: int) -> Any:
    """Une collectivité, son administratrice et `entrees` lignes de journal écrites par
    `core.journal.services.journaliser` (le seul point d'écriture). Rend l'administratrice."""
    from core.journal.services import journaliser
    from core.models import Collectivite, EntreeJournal, Role, TypeRole, Utilisateur

    collectivite = Collectivite.objects.create(nom="Saint-Banc", slug="saint-banc")
    agents = []
    for identifiant, prenom, nom, role in [
        ("banc-admin", "Claire", "Martin", TypeRole.ADMINISTRATEUR),
        ("banc-elections", "Julien", "Petit", TypeRole.AGENT_ELECTIONS),
        ("banc-assemblees", "Nadia", "Roux", TypeRole.SECRETARIAT),
    ]:
        agent = Utilisateur.objects.create_user(
            username=identifiant, first_name=prenom, last_name=nom, password=None
        )
        Role.objects.create(utilisateur=agent, collectivite=collectivite, role=role)
        agents.append(agent)
    actions = ["connexion", "agent_ajoute", "role_modifie", "compte_smtp_enregistre"]
    # Une transaction par entrée, comme dans la vie : dans une seule grande transaction, les
    # versions successives de la tête de chaîne ne seraient jamais nettoyées et chaque
    # `select_for_update` les parcourrait toutes (5 000 entrées : 30 s au lieu de 5).
    # Les créations ci-dessus peuvent déjà journaliser (rôles) : on complète jusqu'au compte.
    deja = EntreeJournal.objects.filter(collectivite=collectivite).count()
    for numero, acteur, action, objet in zip(
        range(deja, entrees),
        itertools.cycle(agents),
        itertools.cycle(actions),
        itertools.cycle([*agents, collectivite]),
        strict=False,
    ):
        journaliser(
            action=action,
            collectivite=collectivite,
            par=acteur,
            objet=objet,
            details={"numero": numero},
        )
    return agents[0]


@contextmanager
def _rendu_sans_instrumentation() -> Iterator[None]:
    """`setup_test_environment` instrumente `Template._render` pour que le client de test
    garde une copie de chaque contexte rendu : un coût que la production ne paie pas et qui
    croît avec le nombre de gabarits d'une page. On rend donc comme Django hors des tests
    (le corps de `Template._render` d'origine) le temps des mesures."""
    from django.template.base import Template

    instrumente = Template._render  # type: ignore[attr-defined]

    def _render(self: Template, context: Any) -> Any:
        return self.nodelist.render(context)

    Template._render = _render  # type: ignore[attr-defined]
    try:
        yield
    finally:
        Template._render = instrumente  # type: ignore[attr-defined]


def _chronometrer(appel: Callable[[], Any], fois: int) -> float:
    debut = time.perf_counter()
    for _ in range(fois):
        appel()
    return time.perf_counter() - debut


def mesurer(
    *,
    entrees: int = ENTREES,
    requetes: int = REQUETES,
    tours: int = TOURS,
    echauffement: int = ECHAUFFEMENT,
    page: str = PAGE_LISTE,
    accueil: str = PAGE_ACCUEIL,
    instrumenter: bool = False,
) -> Resultat:
    """Prépare les données puis mesure, dans une base déjà prête (base de test).

    `page` est le nom d'URL de la liste mesurée, `accueil` celui de la seconde page mesurée
    dans les mêmes tours (vide : pas de seconde page) ; `instrumenter=True` garde l'instrumentation
    des gabarits du client de test (pour voir ce qu'elle coûte, pas pour mesurer)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import NoReverseMatch, reverse

    administrateur = preparer(entrees=entrees)
    client = Client()
    client.force_login(administrateur)

    rendu = nullcontext() if instrumenter else _rendu_sans_instrumentation()
    with override_settings(ROOT_URLCONF=ROOT_URLCONF_BANC), rendu:
        urls = []
        for nom_url in (page, accueil) if accueil else (page,):
            try:
                urls.append(reverse(nom_url))
            except NoReverseMatch as erreur:
                raise ErreurBanc(
                    f"La page « {nom_url} » n'existe pas (nom d'URL inconnu) : rien à mesurer."
                ) from erreur
        url_liste = urls[0]
        url_accueil = urls[1] if accueil else ""

        def triviale() -> Any:
            return client.get(URL_TRIVIALE)

        def liste() -> Any:
            return client.get(url_liste)

        def page_accueil() -> Any:
            return client.get(url_accueil)

        pages: list[tuple[str, Callable[[], Any], str]] = [
            ("vue triviale", triviale, URL_TRIVIALE),
            ("liste", liste, url_liste),
        ]
        if accueil:
            pages.append(("Accueil", page_accueil, url_accueil))
        for nom, appel, url in pages:
            reponse = appel()
            if reponse.status_code != 200:
                raise ErreurBanc(f"{nom} ({url}) répond {reponse.status_code} au lieu de 200.")
            _chronometrer(appel, echauffement)

        with CaptureQueriesContext(connection) as requetes_sql:
            octets_liste = len(liste().content)
        # À lire tout de suite : chaque requête suivante vide le journal des requêtes SQL.
        requetes_sql_liste = len(requetes_sql.captured_queries)
        requetes_sql_accueil = 0
        if accueil:
            with CaptureQueriesContext(connection) as requetes_sql:
                page_accueil()
            requetes_sql_accueil = len(requetes_sql.captured_queries)

        secondes_triviale: list[float] = []
        secondes_liste: list[float] = []
        secondes_accueil: list[float] = []
        for tour in range(tours):
            # Ordre alterné d'un tour à l'autre : une dérive (cache, fréquence du processeur,
            # voisins bruyants) pèse autant sur toutes les mesures.
            ordre = [(triviale, secondes_triviale), (liste, secondes_liste)]
            if accueil:
                ordre.append((page_accueil, secondes_accueil))
            for appel, secondes in ordre if tour % 2 == 0 else reversed(ordre):
                secondes.append(_chronometrer(appel, requetes))

    return Resultat(
        entrees=entrees,
        requetes_par_tour=requetes,
        secondes_triviale=secondes_triviale,
        secondes_liste=secondes_liste,
        requetes_sql_liste=requetes_sql_liste,
        octets_liste=octets_liste,
        url_liste=url_liste,
        secondes_accueil=secondes_accueil,
        url_accueil=url_accueil,
        requetes_sql_accueil=requetes_sql_accueil,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entrees", type=int, default=ENTREES, help="lignes de journal")
    parser.add_argument("--requetes", type=int, default=REQUETES, help="requêtes par tour")
    parser.add_argument("--tours", type=int, default=TOURS, help="tours alternés")
    parser.add_argument("--echauffement", type=int, default=ECHAUFFEMENT)
    parser.add_argument("--page", default=PAGE_LISTE, help="nom d'URL de la liste mesurée")
    parser.add_argument(
        "--accueil",
        default=PAGE_ACCUEIL,
        help="nom d'URL de la seconde page mesurée (vide : aucune)",
    )
    parser.add_argument(
        "--instrumenter",
        action="store_true",
        help="garder l'instrumentation des gabarits du client de test (diagnostic)",
    )
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    # La connexion du client de test (force_login) ferait parler django-axes à chaque tour.
    logging.getLogger("axes").setLevel(logging.WARNING)
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    nom_base = connection.settings_dict["NAME"]
    print("Création de la base de test et migrations…", file=sys.stderr)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        debut = time.perf_counter()
        print(f"Écriture de {_francais(args.entrees)} entrées de journal…", file=sys.stderr)
        resultat = mesurer(
            entrees=args.entrees,
            requetes=args.requetes,
            tours=args.tours,
            echauffement=args.echauffement,
            page=args.page,
            accueil=args.accueil,
            instrumenter=args.instrumenter,
        )
    except ErreurBanc as erreur:
        print(f"Banc impossible : {erreur}", file=sys.stderr)
        return 1
    finally:
        connection.creation.destroy_test_db(nom_base, verbosity=0)
        teardown_test_environment()
    print(resume(resultat))
    print(f"\n  (durée totale : {_francais(time.perf_counter() - debut, 1)} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Données de démonstration : la commune de Saint-Exemple, un EPCI et leurs agents.

Idempotent : relancer la commande met les données à jour sans rien dupliquer. Les
applications métier ajoutent leurs propres données (électeurs, élus, séances…) par le registre
(`registre.ajouter_chargeur_demo`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.comptes.models import Role, TypeRole, Utilisateur
from core.journal.services import journaliser
from core.mail.comptes import chiffrer
from core.mail.models import CompteSMTP
from core.registry import registre
from core.tenancy.models import Collectivite, TypeCollectivite

MOT_DE_PASSE_DEMO = "demo-echarpe-2026"

COLLECTIVITES: list[dict[str, Any]] = [
    {
        "slug": "saint-exemple",
        "nom": "Saint-Exemple",
        "type": TypeCollectivite.COMMUNE,
        "code_insee": "99001",
        "siren": "219900019",
        "population_legale": 2150,
        "adresse": "Mairie de Saint-Exemple\n1 place de la Mairie\n99100 Saint-Exemple",
        "courriel": "mairie@saint-exemple.example",
        "telephone": "01 23 45 67 89",
        "commission_adresse": "Commission de contrôle\nMairie de Saint-Exemple\n1 place de la "
        "Mairie\n99100 Saint-Exemple",
        "commission_courriel": "commission@saint-exemple.example",
        "signataire_nom": "Marie DUVAL",
        "signataire_qualite": "Maire",
    },
    {
        "slug": "cc-val-exemple",
        "nom": "Communauté de communes du Val-Exemple",
        "type": TypeCollectivite.EPCI,
        "siren": "249900017",
        "population_legale": 18400,
        "membre_3500_ou_plus": True,
        "adresse": "Communauté de communes du Val-Exemple\n3 rue des Tilleuls\n99100 Saint-Exemple",
        "courriel": "accueil@val-exemple.example",
        "signataire_nom": "Paul LEROY",
        "signataire_qualite": "Président",
    },
    {
        "slug": "grand-exemple",
        "nom": "Grand-Exemple",
        "type": TypeCollectivite.COMMUNE,
        "code_insee": "99002",
        "population_legale": 5200,
        "adresse": "Mairie de Grand-Exemple\n12 avenue de la République\n99200 Grand-Exemple",
        "courriel": "mairie@grand-exemple.example",
        "signataire_nom": "Sophie BERNARD",
        "signataire_qualite": "Maire",
    },
]

# identifiant, prénom, nom, [(collectivité, rôle)]
AGENTS: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    (
        "secretaire",
        "Claire",
        "Martin",
        [("saint-exemple", TypeRole.ADMINISTRATEUR), ("cc-val-exemple", TypeRole.SECRETARIAT)],
    ),
    ("elections", "Julien", "Petit", [("saint-exemple", TypeRole.AGENT_ELECTIONS)]),
    ("assemblees", "Nadia", "Roux", [("saint-exemple", TypeRole.SECRETARIAT)]),
    ("consultation", "Luc", "Morel", [("saint-exemple", TypeRole.LECTURE)]),
    ("admin-epci", "Inès", "Garnier", [("cc-val-exemple", TypeRole.ADMINISTRATEUR)]),
    ("admin-grand", "Hugo", "Faure", [("grand-exemple", TypeRole.ADMINISTRATEUR)]),
]


class Command(BaseCommand):
    help = "Charge (ou met à jour) les données de démonstration."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.ECHARPE_DEMO_AUTORISEE:
            raise CommandError(
                "Réservé à la démonstration (config.settings.demo) : cette commande crée des "
                "comptes dont le mot de passe est publié."
            )

        collectivites: dict[str, Collectivite] = {}
        for donnees in COLLECTIVITES:
            valeurs = {k: v for k, v in donnees.items() if k != "slug"}
            collectivites[donnees["slug"]], _ = Collectivite.objects.update_or_create(
                slug=donnees["slug"], defaults=valeurs
            )

        personnes: dict[str, Utilisateur] = {}
        for identifiant, prenom, nom, roles in AGENTS:
            personne, cree = Utilisateur.objects.get_or_create(
                username=identifiant,
                defaults={
                    "first_name": prenom,
                    "last_name": nom,
                    "email": f"{identifiant}@{roles[0][0]}.example",
                },
            )
            if cree:
                personne.set_password(MOT_DE_PASSE_DEMO)
                personne.save(update_fields=["password"])
            personnes[identifiant] = personne
            for slug, role in roles:
                Role.objects.update_or_create(
                    utilisateur=personne,
                    collectivite=collectivites[slug],
                    defaults={"role": role, "actif": True},
                )

        admin, cree = Utilisateur.objects.get_or_create(
            username="admin",
            defaults={
                "first_name": "Admin",
                "last_name": "Plateforme",
                "is_staff": True,
                "is_superuser": True,
                "email": "admin@echarpe.example",
            },
        )
        if cree:
            admin.set_password(MOT_DE_PASSE_DEMO)
            admin.save(update_fields=["password"])

        # Comptes d'envoi : en démonstration, tout arrive dans la boîte locale (/outbox/).
        mot_de_passe = chiffrer("demo")
        comptes: list[tuple[str, str | None, str, str]] = [
            ("saint-exemple", None, "mairie@saint-exemple.example", "Mairie de Saint-Exemple"),
            ("saint-exemple", "secretaire", "c.martin@saint-exemple.example", "Claire Martin"),
            ("saint-exemple", "elections", "elections@saint-exemple.example", "Service élections"),
            ("cc-val-exemple", None, "accueil@val-exemple.example", "CC du Val-Exemple"),
            ("cc-val-exemple", "secretaire", "c.martin@val-exemple.example", "Claire Martin"),
        ]
        for slug, proprietaire, adresse, nom_affiche in comptes:
            CompteSMTP.objects.update_or_create(
                collectivite=collectivites[slug],
                utilisateur=personnes[proprietaire] if proprietaire else None,
                defaults={
                    "adresse_expediteur": adresse,
                    "nom_affiche": nom_affiche,
                    "identifiant": adresse,
                    "mot_de_passe_chiffre": mot_de_passe,
                    "hote": "boite-demo.localhost",
                    "port": 587,
                    "boite_protocole": "pop3",
                    "boite_hote": "boite-demo.localhost",
                    "boite_port": 110,
                },
            )

        # Les données des applications métier (électeurs…), déclarées au registre : le socle
        # n'importe aucune application.
        for code in sorted(registre.chargeurs_demo):
            registre.chargeurs_demo[code](collectivites=collectivites, personnes=personnes)

        if cree:
            for collectivite in collectivites.values():
                journaliser(
                    action="demo_chargee",
                    collectivite=collectivite,
                    par=admin,
                    objet=collectivite,
                    details={"version": 1},
                )

        self.stdout.write(self.style.SUCCESS("Données de démonstration chargées."))
        self.stdout.write(f"Identifiants (mot de passe commun : {MOT_DE_PASSE_DEMO}) :")
        for identifiant, _prenom, _nom, roles in AGENTS:
            detail = ", ".join(f"{TypeRole(r).label} à {collectivites[s].nom}" for s, r in roles)
            self.stdout.write(f"  {identifiant:<14} {detail}")
        self.stdout.write("  admin          administration Django (/admin/)")

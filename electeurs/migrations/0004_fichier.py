"""Index de la recherche d'électeurs (voir `electeurs/fichier/selectors.py`).

PostgreSQL seulement : SQLite (démo) n'a ni collation « C » nommée ni `pg_trgm`, et ses
2 000 électeurs n'en ont pas besoin. Ces index ne sont pas déclarés dans les `Meta` des
modèles (expressions propres à PostgreSQL) : `makemigrations` ne les voit pas, c'est voulu.

`CREATE EXTENSION pg_trgm` : extension « de confiance » depuis PostgreSQL 13, que le
propriétaire de la base peut créer sans être superutilisateur.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

INDEX = [
    # Début du nom de naissance (intervalle en collation C = préfixe) et ordre de la page,
    # lus dans l'index, dans la collectivité : recherche par nom, liste sans recherche,
    # compte plafonné (parcours d'index seul). `id` départage l'ordre (ORDER BY cle, id).
    "CREATE INDEX IF NOT EXISTS electeurs_rech_naissance_c ON electeurs_electeur "
    '(collectivite_id, (recherche_naissance COLLATE "C"), id)',
    # Début du nom d'usage : même chose, seulement pour les lignes qui en ont un ;
    # `recherche_naissance` inclus pour écarter sans lire la table ceux que la branche du nom
    # de naissance a déjà trouvés.
    "CREATE INDEX IF NOT EXISTS electeurs_rech_usage_c ON electeurs_electeur "
    '(collectivite_id, (recherche_usage COLLATE "C"), id) INCLUDE (recherche_naissance) '
    "WHERE recherche_usage <> ''",
    # Mode approchant (fautes de frappe) : opérateur `%>` (similarité de mots) de pg_trgm.
    # Un GIN ne peut pas commencer par collectivite_id sans btree_gin ; la collectivité filtre
    # les candidats après l'index (mesuré : bench/recherche_electeurs.py).
    "CREATE INDEX IF NOT EXISTS electeurs_rech_naissance_trgm ON electeurs_electeur "
    "USING gin (recherche_naissance gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS electeurs_rech_usage_trgm ON electeurs_electeur "
    "USING gin (recherche_usage gin_trgm_ops) WHERE recherche_usage <> ''",
]
NOMS = [
    "electeurs_rech_naissance_c",
    "electeurs_rech_usage_c",
    "electeurs_rech_naissance_trgm",
    "electeurs_rech_usage_trgm",
]


def creer_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for sql in INDEX:
        schema_editor.execute(sql)


def supprimer_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for nom in NOMS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {nom}")


class Migration(migrations.Migration):
    dependencies = [
        ("electeurs", "0003_reu"),
    ]

    operations = [
        migrations.RunPython(creer_index, supprimer_index, elidable=False),
    ]

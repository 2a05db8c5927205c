"""Index de l'import et du mode approchant (issue 8).

- Index ôtés, que rien n'emploie et que l'import reconstruisait : `electeurs_ine_idx` (l'index
  de `electeurs_electeur_ine_unique` sert toute recherche d'INE, jamais vide), les deux index
  `_like` créés d'office par `db_index=True` sur les clés d'identité et d'homonymie (remplacés
  par des index `(collectivite_id, clé)` sans `_like`), l'index de `electeur_id` des
  inscriptions (l'index unique `(electeur_id, type_liste)` commence par lui).
- Les deux index GIN trigrammes de `electeurs_electeur` (les plus lents à reconstruire) sont
  remplacés par la table `electeurs_nomelecteur` des noms distincts, avec son propre index
  trigrammes (PostgreSQL seulement, comme la migration `0004_fichier`).
"""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

from electeurs.identite import normaliser


def noms_remplir(apps: Any, schema_editor: Any) -> None:
    """Les noms des électeurs déjà là, normalisés comme par `Electeur.noms_normalises`."""
    Electeur = apps.get_model("electeurs", "Electeur")
    NomElecteur = apps.get_model("electeurs", "NomElecteur")
    lot: list[Any] = []
    for champ in ("nom_naissance", "nom_usage"):
        valeurs = Electeur.objects.exclude(**{champ: ""}).values_list("collectivite_id", champ)
        for collectivite_id, valeur in valeurs.distinct().iterator():
            nom = normaliser(valeur)
            if nom:
                lot.append(NomElecteur(collectivite_id=collectivite_id, nom=nom))
            if len(lot) >= 5000:
                NomElecteur.objects.bulk_create(lot, ignore_conflicts=True)
                lot.clear()
    NomElecteur.objects.bulk_create(lot, ignore_conflicts=True)


TRIGRAMMES = [
    "CREATE INDEX IF NOT EXISTS electeurs_rech_naissance_trgm ON electeurs_electeur "
    "USING gin (recherche_naissance gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS electeurs_rech_usage_trgm ON electeurs_electeur "
    "USING gin (recherche_usage gin_trgm_ops) WHERE recherche_usage <> ''",
]


def trigrammes_deplacer(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS electeurs_nom_trgm ON electeurs_nomelecteur "
        "USING gin (nom gin_trgm_ops)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS electeurs_rech_naissance_trgm")
    schema_editor.execute("DROP INDEX IF EXISTS electeurs_rech_usage_trgm")


def trigrammes_remettre(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in TRIGRAMMES:
        schema_editor.execute(sql)
    schema_editor.execute("DROP INDEX IF EXISTS electeurs_nom_trgm")


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0011_journal_collectivite_numero'),
        ('electeurs', '0006_procedure_suite'),
    ]

    operations = [
        migrations.CreateModel(
            name='NomElecteur',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('nom', models.TextField(verbose_name='nom normalisé')),
            ],
            options={
                'verbose_name': "nom d'électeur",
                'verbose_name_plural': "noms d'électeurs",
            },
        ),
        migrations.RemoveIndex(
            model_name='electeur',
            name='electeurs_ine_idx',
        ),
        migrations.AlterField(
            model_name='electeur',
            name='cle_homonymie',
            field=models.CharField(default='', editable=False, max_length=700),
        ),
        migrations.AlterField(
            model_name='electeur',
            name='cle_identite',
            field=models.CharField(default='', editable=False, max_length=800),
        ),
        migrations.AlterField(
            model_name='inscriptionliste',
            name='electeur',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='inscriptions', to='electeurs.electeur', verbose_name='électeur'),
        ),
        migrations.AddIndex(
            model_name='electeur',
            index=models.Index(fields=['collectivite', 'cle_identite'], name='electeurs_identite_idx'),
        ),
        migrations.AddIndex(
            model_name='electeur',
            index=models.Index(fields=['collectivite', 'cle_homonymie'], name='electeurs_homonymie_idx'),
        ),
        migrations.AddField(
            model_name='nomelecteur',
            name='collectivite',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='core.collectivite', verbose_name='collectivité'),
        ),
        migrations.AddConstraint(
            model_name='nomelecteur',
            constraint=models.UniqueConstraint(fields=('collectivite', 'nom'), name='electeurs_nom_unique'),
        ),
        migrations.RunPython(noms_remplir, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(trigrammes_deplacer, trigrammes_remettre, elidable=False),
    ]

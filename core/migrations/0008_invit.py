"""Invitation par courriel saisi : l'invitation ne désigne plus un compte.

Les invitations encore en attente de l'ancien parcours (adressées à un compte existant) sont
annulées : leur courriel renvoyait à une page qui n'existe plus, et les montrer dans la liste
des agents afficherait l'adresse d'un compte d'ailleurs. Hors invitation acceptée,
`utilisateur` est vidé : il désigne désormais le compte qui a accepté.
"""

import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


def annuler_anciennes(apps, schema_editor):
    Invitation = apps.get_model("core", "Invitation")
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        # Clés étrangères vérifiées tout de suite : PostgreSQL refuse sinon de créer l'index
        # de la contrainte qui suit (« pending trigger events ») dans la même transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    Invitation.objects.filter(statut="en_attente").update(statut="annulee")
    Invitation.objects.exclude(statut="acceptee").update(utilisateur=None)
    if postgres:
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_documents"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="invitation",
            name="invitation_en_attente_unique",
        ),
        migrations.AlterField(
            model_name="invitation",
            name="utilisateur",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="invitations",
                to=settings.AUTH_USER_MODEL,
                verbose_name="compte qui a accepté",
            ),
        ),
        migrations.AddField(
            model_name="invitation",
            name="email",
            field=models.EmailField(default="", max_length=254, verbose_name="courriel saisi"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="invitation",
            name="prenom",
            field=models.CharField(blank=True, max_length=150, verbose_name="prénom saisi"),
        ),
        migrations.AddField(
            model_name="invitation",
            name="nom",
            field=models.CharField(blank=True, max_length=150, verbose_name="nom saisi"),
        ),
        migrations.AddField(
            model_name="invitation",
            name="envoyee_le",
            field=models.DateTimeField(blank=True, null=True, verbose_name="dernier envoi le"),
        ),
        migrations.RunPython(annuler_anciennes, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="invitation",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("email"),
                models.F("collectivite"),
                condition=models.Q(("statut", "en_attente")),
                name="invitation_en_attente_unique",
            ),
        ),
    ]

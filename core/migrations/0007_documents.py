"""Délais : les règles confirmées par les mises à jour du 25 novembre 2026 de legal-rules.md.

CM-23 (Alsace-Moselle, CGCT L2541-2) est désormais lue : ses deux lignes ne sont plus « à
vérifier ». Les notes, montrées aux agents, perdent nos repères internes (« legal-rules.md »,
« CM-24 », « EL-22 »). Les autres règles non confirmées le restent (CM-24, EL-31 pour la
commission, décompte du RAPO et du recours).
"""

from datetime import date

from django.db import migrations, models

CGCT = date(1996, 2, 24)
CODE_ELECTORAL = date(2019, 1, 1)

NOTE_CM24 = (
    "Loi n° 2025-1249 du 22 décembre 2025 (statut de l'élu local) : le relèvement du délai "
    "a été retiré avant la lecture définitive ; aucune source ne donne de nouveau délai. "
    "Valeur conservée, à vérifier sur Légifrance."
)
ANCIENNE_NOTE_CM24 = (
    "Loi n° 2025-1249 du 22 décembre 2025 (statut de l'élu local) : le relèvement du délai "
    "a été retiré avant la lecture définitive ; aucune source ne donne de nouveau délai. "
    "Valeur conservée, à vérifier sur Légifrance (legal-rules.md, CM-24)."
)
NES = " Une note explicative de synthèse accompagne la convocation."

# (code, en vigueur du, confirmé, note) : avant, puis après.
AVANT = [
    ("convocation_cm_moins_3500", CGCT, False, ANCIENNE_NOTE_CM24),
    ("convocation_cm_3500_plus", CGCT, False, ANCIENNE_NOTE_CM24 + NES),
    (
        "convocation_alsace_moselle",
        CGCT,
        False,
        "« Trois jours au moins avant la séance » : jours non francs. Les communes de 3 500 "
        "habitants et plus suivent L2121-12. Rédaction actuelle non lue (CM-23).",
    ),
    ("convocation_alsace_moselle_urgence", CGCT, False, "« La veille » de la séance (CM-23)."),
    (
        "notification_decision",
        CODE_ELECTORAL,
        True,
        "Toute décision, inscriptions favorables comprises (mise à jour EL-22).",
    ),
]
APRES = [
    ("convocation_cm_moins_3500", CGCT, False, NOTE_CM24),
    ("convocation_cm_3500_plus", CGCT, False, NOTE_CM24 + NES),
    (
        "convocation_alsace_moselle",
        CGCT,
        True,
        "« Trois jours au moins avant la séance » : jours non francs. Les communes de 3 500 "
        "habitants et plus suivent l'article L2121-12 (5 jours francs).",
    ),
    ("convocation_alsace_moselle_urgence", CGCT, True, "« La veille » de la séance."),
    (
        "notification_decision",
        CODE_ELECTORAL,
        True,
        "Toute décision, inscriptions favorables comprises.",
    ),
]


def _appliquer(lignes):
    def appliquer(apps, schema_editor):
        Delai = apps.get_model("core", "Delai")
        for code, du, confirme, note in lignes:
            Delai.objects.filter(code=code, collectivite=None, valide_du=du).update(
                confirme=confirme, note=note
            )

    return appliquer


class Migration(migrations.Migration):
    dependencies = [("core", "0006_travaux")]

    operations = [
        migrations.RunPython(_appliquer(APRES), _appliquer(AVANT)),
        migrations.AlterField(
            model_name="collectivite",
            name="alsace_moselle",
            field=models.BooleanField(
                default=False,
                help_text="Bas-Rhin, Haut-Rhin, Moselle : convocation du conseil trois jours au "
                "moins avant la séance, la veille en cas d'urgence, sous 3 500 habitants (CGCT, "
                "art. L2541-2).",
                verbose_name="droit local d'Alsace-Moselle",
            ),
        ),
        migrations.AlterField(
            model_name="delai",
            name="confirme",
            field=models.BooleanField(
                default=True,
                help_text="Décoché : les sources juridiques ne la confirment pas ; la page des "
                "délais invite alors à la vérifier sur Légifrance.",
                verbose_name="règle confirmée",
            ),
        ),
    ]

"""Délais de convocation des séances qui n'en ont pas dans le socle (état du droit au 30/11/2026).

Le conseil municipal et le conseil communautaire suivent les délais du socle
(`convocation_cm_moins_3500`, `convocation_cm_3500_plus`, `convocation_urgence` : CGCT L2121-11,
L2121-12, et L5211-1 pour l'EPCI). Les commissions ont `convocation_commission`. Le bureau d'un
EPCI n'a pas de délai légal : valeur par défaut datée, que la collectivité peut modifier.
"""

from datetime import date

from django.db import migrations

CGCT = date(1996, 2, 24)  # loi n° 96-142 du 21 février 1996 (partie législative du CGCT)

DELAIS = [
    (
        "convocation_bureau",
        "Convocation du bureau (EPCI, syndicat)",
        3,
        "jours_francs",
        "CGCT, art. L5211-10 et L5211-11",
        True,
        True,
        CGCT,
        "Aucun délai légal pour le bureau : le règlement intérieur le fixe. Valeur par défaut "
        "que la collectivité peut modifier.",
    ),
]


def ajouter(apps, schema_editor):
    Delai = apps.get_model("core", "Delai")
    for code, libelle, valeur, unite, reference, confirme, surchargeable, du, note in DELAIS:
        Delai.objects.get_or_create(
            code=code,
            valide_du=du,
            collectivite=None,
            defaults={
                "libelle": libelle,
                "valeur": valeur,
                "unite": unite,
                "reference": reference,
                "confirme": confirme,
                "surchargeable": surchargeable,
                "note": note,
            },
        )


def retirer(apps, schema_editor):
    Delai = apps.get_model("core", "Delai")
    Delai.objects.filter(code__in=[d[0] for d in DELAIS], collectivite=None).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("convocations", "0002_seances"),
        ("core", "0010_envoi_invitation"),
    ]

    operations = [migrations.RunPython(ajouter, retirer)]

"""Journal scellé par HMAC : empreinte de la clé sur chaque entrée, et sceau des chaînes
existantes.

Les entrées d'avant les clés (champ `cle` vide) gardent leur SHA-256 simple. Pour chaque
chaîne qui en a, la migration ajoute une entrée `journal_scelle`, scellée par la première clé
de `ECHARPE_CLES_JOURNAL` : son lien vers la dernière entrée ancienne couvre toutes les
précédentes. Ensuite, `journal_verifier` refuse toute entrée sans sceau placée après une
entrée scellée, et toute chaîne faite seulement d'entrées sans sceau.
"""

from typing import Any

from django.db import migrations, models


def sceller_les_chaines_existantes(apps: Any, schema_editor: Any) -> None:
    from django.utils import timezone

    from core.journal.services import _cle_de_scellement, calculer_sceau

    Chaine = apps.get_model("core", "ChaineJournal")
    Entree = apps.get_model("core", "EntreeJournal")
    chaines = list(Chaine.objects.filter(dernier_numero__gt=0).order_by("pk"))
    if not chaines:
        return
    empreinte, cle = _cle_de_scellement()
    for chaine in chaines:
        numero = chaine.dernier_numero + 1
        horodatage = timezone.now()
        champs: dict[str, Any] = {
            "numero": numero,
            "horodatage": horodatage,
            "acteur_libelle": "",
            "action": "journal_scelle",
            "objet_type": "",
            "objet_id": "",
            "objet_libelle": "",
            "sujet_type": "",
            "sujet_id": "",
            "sujet_libelle": "",
            "details": {"entrees_anciennes": chaine.dernier_numero},
        }
        sceau = calculer_sceau(
            cle=cle,
            empreinte=empreinte,
            hash_precedent=chaine.dernier_hash,
            collectivite_id=chaine.collectivite_id,
            acteur_id=None,
            **champs,
        )
        Entree.objects.create(
            chaine=chaine,
            collectivite_id=chaine.collectivite_id,
            hash_precedent=chaine.dernier_hash,
            hash=sceau,
            cle=empreinte,
            **champs,
        )
        Chaine.objects.filter(pk=chaine.pk).update(dernier_numero=numero, dernier_hash=sceau)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_delais_initiaux")]

    operations = [
        migrations.AddField(
            model_name="entreejournal",
            name="cle",
            field=models.CharField(
                blank=True, default="", max_length=16, verbose_name="clé de scellement"
            ),
        ),
        migrations.RunPython(sceller_les_chaines_existantes, migrations.RunPython.noop),
    ]

"""Délais nationaux (état du droit au 25 novembre 2026).

Chaque ligne porte sa référence et une date d'entrée en vigueur ; `confirme=False` marque les
règles [?] des sources (à vérifier sur Légifrance). Le personnel de la plateforme modifie ces
valeurs dans l'administration : une nouvelle valeur est une nouvelle ligne datée.
"""

from datetime import date

from django.db import migrations

CGCT = date(1996, 2, 24)  # loi n° 96-142 du 21 février 1996 (partie législative du CGCT), JO du 24
CODE_ELECTORAL = date(2019, 1, 1)  # répertoire électoral unique (loi n° 2016-1048)
REFORME_PUBLICITE = date(2022, 7, 1)  # ordonnance n° 2021-1310

NOTE_CM24 = (
    "Loi n° 2025-1249 du 22 décembre 2025 (statut de l'élu local) : le relèvement du délai "
    "a été retiré avant la lecture définitive ; aucune source ne donne de nouveau délai. "
    "Valeur conservée, à vérifier sur Légifrance (legal-rules.md, CM-24)."
)

# (code, libellé, valeur, unité, référence, confirmé, surchargeable, en vigueur du, note)
DELAIS = [
    # --- Conseil municipal et assemblées (CGCT) ---
    (
        "convocation_cm_moins_3500",
        "Convocation du conseil (moins de 3 500 habitants)",
        3,
        "jours_francs",
        "CGCT, art. L2121-11",
        False,
        False,
        CGCT,
        NOTE_CM24,
    ),
    (
        "convocation_cm_3500_plus",
        "Convocation du conseil (3 500 habitants et plus)",
        5,
        "jours_francs",
        "CGCT, art. L2121-12",
        False,
        False,
        CGCT,
        NOTE_CM24 + " Une note explicative de synthèse accompagne la convocation.",
    ),
    (
        "convocation_urgence",
        "Convocation du conseil en cas d'urgence (minimum)",
        1,
        "jours_francs",
        "CGCT, art. L2121-11 et L2121-12, al. 3",
        True,
        False,
        CGCT,
        "Le maire rend compte de l'urgence à l'ouverture de la séance ; le conseil peut "
        "renvoyer tout ou partie de l'ordre du jour.",
    ),
    (
        "seuil_habitants_convocation",
        "Seuil de population pour les délais de convocation",
        3500,
        "habitants",
        "CGCT, art. L2121-11 et L2121-12",
        True,
        False,
        CGCT,
        "Un EPCI dont une commune membre atteint le seuil suit le régime des communes de "
        "3 500 habitants et plus (CGCT L5211-1).",
    ),
    (
        "convocation_alsace_moselle",
        "Convocation du conseil en Alsace-Moselle (moins de 3 500 habitants)",
        3,
        "jours_avant",
        "CGCT, art. L2541-2",
        False,
        False,
        CGCT,
        "« Trois jours au moins avant la séance » : jours non francs. Les communes de 3 500 "
        "habitants et plus suivent L2121-12. Rédaction actuelle non lue (CM-23).",
    ),
    (
        "convocation_alsace_moselle_urgence",
        "Convocation du conseil en Alsace-Moselle en cas d'urgence",
        1,
        "jours_avant",
        "CGCT, art. L2541-2",
        False,
        False,
        CGCT,
        "« La veille » de la séance (CM-23).",
    ),
    (
        "convocation_commission",
        "Convocation d'une commission municipale",
        3,
        "jours_francs",
        "CGCT, art. L2121-22",
        True,
        True,
        CGCT,
        "Aucun délai légal : le conseil ou le règlement intérieur le fixe. Valeur par défaut "
        "que la collectivité peut modifier.",
    ),
    (
        "premiere_reunion_commission",
        "Première réunion d'une commission après sa création",
        8,
        "jours",
        "CGCT, art. L2121-22",
        True,
        False,
        CGCT,
        "",
    ),
    (
        "reunion_conseil_sur_demande",
        "Réunion du conseil demandée par le préfet ou les conseillers",
        30,
        "jours",
        "CGCT, art. L2121-9",
        True,
        False,
        CGCT,
        "Le préfet peut abréger ce délai en cas d'urgence.",
    ),
    (
        "reconvocation_sans_quorum",
        "Intervalle minimal avant la séance reconvoquée faute de quorum",
        3,
        "jours",
        "CGCT, art. L2121-17",
        True,
        False,
        CGCT,
        "La seconde séance délibère valablement sans condition de quorum.",
    ),
    (
        "pouvoir_seances_max",
        "Durée maximale d'un pouvoir (sauf maladie dûment constatée)",
        3,
        "seances",
        "CGCT, art. L2121-20",
        True,
        False,
        CGCT,
        "Séances consécutives ; un conseiller ne détient qu'un pouvoir.",
    ),
    (
        "pv_publication",
        "Publication du procès-verbal après la séance qui l'arrête",
        7,
        "jours",
        "CGCT, art. L2121-15",
        True,
        False,
        REFORME_PUBLICITE,
        "Publication électronique permanente et gratuite, exemplaire papier à disposition.",
    ),
    (
        "liste_deliberations_publication",
        "Affichage et mise en ligne de la liste des délibérations examinées",
        7,
        "jours",
        "CGCT, art. L2121-25",
        True,
        False,
        REFORME_PUBLICITE,
        "",
    ),
    # --- Listes électorales (Code électoral) ---
    (
        "decision_demande_inscription",
        "Décision du maire sur une demande d'inscription",
        5,
        "jours",
        "Code électoral, art. L18 I",
        True,
        False,
        CODE_ELECTORAL,
        "Jours calendaires à compter de la réception de la demande.",
    ),
    (
        "notification_decision",
        "Notification de la décision du maire à l'électeur",
        2,
        "jours",
        "Code électoral, art. L18 III",
        True,
        False,
        CODE_ELECTORAL,
        "Toute décision, inscriptions favorables comprises (mise à jour EL-22).",
    ),
    (
        "transmission_insee_decision",
        "Transmission de la décision du maire à l'INSEE (REU)",
        2,
        "jours",
        "Code électoral, art. L18 III",
        True,
        False,
        CODE_ELECTORAL,
        "",
    ),
    (
        "transmission_insee_changement_adresse",
        "Transmission à l'INSEE d'un changement d'adresse dans la commune",
        7,
        "jours",
        "Code électoral, art. L16 II",
        True,
        False,
        CODE_ELECTORAL,
        "",
    ),
    (
        "observations_radiation",
        "Observations de l'électeur avant une radiation par le maire",
        15,
        "jours",
        "Code électoral, art. R12",
        True,
        False,
        CODE_ELECTORAL,
        "À compter de la réception du courrier du maire (accusé de réception ou première "
        "ouverture du lien sécurisé), pas de son envoi.",
    ),
    (
        "observations_radiation_commission",
        "Observations de l'électeur avant une radiation par la commission de contrôle",
        15,
        "jours",
        "Code électoral, art. L19",
        False,
        False,
        CODE_ELECTORAL,
        "Délai non trouvé dans les sources : valeur reprise de R12 par analogie.",
    ),
    (
        "rapo",
        "Recours administratif préalable (RAPO) devant la commission de contrôle",
        5,
        "jours",
        "Code électoral, art. L18 III",
        False,
        False,
        CODE_ELECTORAL,
        "À compter de la notification. Mode de décompte (jours calendaires ou francs) non "
        "confirmé.",
    ),
    (
        "decision_commission_rapo",
        "Décision de la commission de contrôle sur un RAPO",
        30,
        "jours",
        "Code électoral, art. L18 III et L19",
        True,
        False,
        CODE_ELECTORAL,
        "Le silence vaut rejet ; en période électorale, au plus tard le 21e jour avant le scrutin.",
    ),
    (
        "notification_commission",
        "Notification de la décision de la commission de contrôle",
        2,
        "jours",
        "Code électoral, art. L19",
        True,
        False,
        CODE_ELECTORAL,
        "À l'électeur, au maire et à l'INSEE.",
    ),
    (
        "recours_tribunal",
        "Recours devant le tribunal judiciaire",
        7,
        "jours",
        "Code électoral, art. L20",
        False,
        False,
        CODE_ELECTORAL,
        "À compter de la notification de la décision de la commission ou du rejet implicite. "
        "Mode de décompte non confirmé.",
    ),
    (
        "tribunal_statue",
        "Décision du tribunal judiciaire sur le recours",
        8,
        "jours",
        "Code électoral, art. L20",
        True,
        False,
        CODE_ELECTORAL,
        "À compter du recours (partie réglementaire, Légifrance LEGISCTA000036912128).",
    ),
]


def creer(apps, schema_editor):
    Delai = apps.get_model("core", "Delai")
    for code, libelle, valeur, unite, reference, confirme, surchargeable, du, note in DELAIS:
        Delai.objects.update_or_create(
            code=code,
            collectivite=None,
            valide_du=du,
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


def supprimer(apps, schema_editor):
    Delai = apps.get_model("core", "Delai")
    for code, *_reste, du, _note in DELAIS:
        Delai.objects.filter(code=code, collectivite=None, valide_du=du).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(creer, supprimer)]

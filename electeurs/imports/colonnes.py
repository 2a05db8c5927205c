"""Les colonnes de l'extrait ELIRE « liste électorale des électeurs actifs ».

Nom canonique → graphies acceptées (la première est celle d'ELIRE aujourd'hui). Les en-têtes
sont reconnus sans casse, accents, espaces ni apostrophes (`core.documents.csv.normaliser_entete`),
jamais par leur position.
"""

from __future__ import annotations

COLONNES: dict[str, list[str]] = {
    "code_ugle": ["code du l'ugle", "code de l'ugle", "code ugle", "code commune"],
    "libelle_ugle": ["libellé de l'ugle", "libellé du l'ugle", "libellé ugle"],
    "type_liste": ["libellé du type de liste", "type de liste", "libellé type de liste"],
    "nom_naissance": ["nom de naissance"],
    "nom_usage": ["nom d'usage"],
    "prenoms": ["prénoms", "prénom"],
    "sexe": ["sexe"],
    "date_naissance": ["date de naissance"],
    "commune_naissance_code": ["code commune de naissance", "code de la commune de naissance"],
    "commune_naissance_libelle": [
        "libellé commune de naissance",
        "libellé de la commune de naissance",
        "commune de naissance",
    ],
    "departement_naissance": [
        "code département de naissance",
        "code du département de naissance",
        "département de naissance",
    ],
    "pays_naissance": ["pays de naissance", "libellé pays de naissance"],
    "nationalite": ["libellé nationalité", "identifiant nationalité", "nationalité"],
    "numero_voie": ["numéro de voie"],
    "libelle_voie": ["libellé de voie"],
    "complement_1": ["complément 1"],
    "complement_2": ["complément 2"],
    "lieu_dit": ["lieu-dit"],
    "code_postal": ["code postal"],
    "commune": ["commune", "libellé commune"],
    "pays": ["pays"],
    "bureau_code": ["code du bureau de vote"],
    "bureau_libelle": ["libellé du bureau de vote"],
    "circonscription_code": ["code circonscription législative du bureau de vote"],
    "canton_libelle": ["libellé canton du bureau de vote"],
    "circonscription_libelle": ["libellé circonscription métropolitaine du bureau de vote"],
    "numero_ordre": ["numéro d'ordre dans le bureau de vote"],
    "ine": ["identifiant national électeur", "identifiant national d'électeur", "INE"],
}

# Les en-têtes ELIRE, dans l'ordre du fichier (l'INE n'y est pas).
ENTETES_ELIRE: list[str] = [graphies[0] for nom, graphies in COLONNES.items() if nom != "ine"]

OBLIGATOIRES = frozenset(
    {
        "code_ugle",
        "type_liste",
        "nom_naissance",
        "prenoms",
        "sexe",
        "date_naissance",
        "bureau_code",
        "numero_ordre",
    }
)

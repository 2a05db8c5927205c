"""Les onglets d'une séance : un registre où chaque sous-paquet des convocations ajoute le sien.

Une séance se lit en plusieurs pages (préparation, envoi et suivi, éditions…), chacune à sa
propre adresse `…/seances/<pk>/…`. La barre d'onglets (`convocations/seances/_onglets.html`,
une liste de liens, `aria-current="page"` sur la page courante) liste ce qui est enregistré ici,
dans l'ordre de `ordre`. Ajouter un onglet (depuis `ConvocationsConfig.ready()`) :

    from convocations.seances.onglets import OngletSeance, onglets_seance

    onglets_seance.ajouter(OngletSeance(cle="suivi", titre="Envoi et suivi",
                                        url_name="convocations:seance_suivi", ordre=20))

`url_name` prend un seul argument, `pk` (la séance).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OngletSeance:
    cle: str
    titre: str
    url_name: str
    ordre: int = 100


class _Onglets:
    def __init__(self) -> None:
        self._onglets: dict[str, OngletSeance] = {}

    def ajouter(self, onglet: OngletSeance) -> None:
        self._onglets[onglet.cle] = onglet

    def tous(self) -> list[OngletSeance]:
        return sorted(self._onglets.values(), key=lambda o: (o.ordre, o.cle))


onglets_seance = _Onglets()

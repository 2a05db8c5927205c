"""Migration des invitations de l'ancien parcours (adressées à un compte existant)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

# À renommer avec la migration si elle est renumérotée à la fusion.
AVANT = ("core", "0007_documents")
APRES = ("core", "0008_invit")


@pytest.mark.django_db(transaction=True)
def test_les_invitations_en_attente_de_l_ancien_parcours_sont_annulees():
    executeur = MigrationExecutor(connection)
    executeur.migrate([AVANT])
    anciennes = executeur.loader.project_state([AVANT]).apps
    collectivite = anciennes.get_model("core", "Collectivite").objects.create(nom="X", slug="x")
    personnes = anciennes.get_model("core", "Utilisateur").objects
    invitee = personnes.create(username="invitee", email="invitee@ailleurs.test")
    acceptee = personnes.create(username="acceptee", email="acceptee@ailleurs.test")
    invitations = anciennes.get_model("core", "Invitation").objects
    for personne, statut in ((invitee, "en_attente"), (acceptee, "acceptee")):
        invitations.create(
            collectivite=collectivite,
            utilisateur=personne,
            role="lecture",
            statut=statut,
            expire_le=timezone.now(),
        )

    executeur = MigrationExecutor(connection)
    executeur.migrate([APRES])
    nouvelles = executeur.loader.project_state([APRES]).apps.get_model("core", "Invitation")
    lignes = sorted(nouvelles.objects.values_list("statut", "utilisateur_id", "email"))
    # Plus rien en attente (la liste des agents montrerait l'adresse d'un compte d'ailleurs) ;
    # `utilisateur` ne désigne plus que le compte qui a accepté.
    assert lignes == [("acceptee", acceptee.pk, ""), ("annulee", None, "")]

    executeur = MigrationExecutor(connection)
    executeur.loader.build_graph()
    executeur.migrate(executeur.loader.graph.leaf_nodes())

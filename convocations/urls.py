from django.urls import path

from convocations.editions.urls import urlpatterns as editions_urlpatterns
from convocations.elus.urls import urlpatterns as elus_urlpatterns
from convocations.reponses.urls import urlpatterns as reponses_urlpatterns
from convocations.seances.urls import urlpatterns as seances_urlpatterns
from convocations.views import (
    ContactCreerView,
    ContactDetailView,
    ContactListeView,
    ContactModifierView,
    ContactSupprimerView,
    ExportView,
    GroupeListeView,
    GroupeRenommerView,
    GroupeSupprimerView,
    ImportApercuView,
    ImportView,
    MandatCreerView,
    MandatListeView,
    MandatModifierView,
    MandatTerminerView,
)

app_name = "convocations"

urlpatterns = [
    path("convocations/", ContactListeView.as_view(), name="contacts"),
    path("convocations/contacts/ajouter/", ContactCreerView.as_view(), name="contact_creer"),
    path("convocations/contacts/<int:pk>/", ContactDetailView.as_view(), name="contact"),
    path(
        "convocations/contacts/<int:pk>/modifier/",
        ContactModifierView.as_view(),
        name="contact_modifier",
    ),
    path(
        "convocations/contacts/<int:pk>/supprimer/",
        ContactSupprimerView.as_view(),
        name="contact_supprimer",
    ),
    path(
        "convocations/contacts/<int:pk>/mandats/ajouter/",
        MandatCreerView.as_view(),
        name="mandat_creer",
    ),
    path("convocations/groupes/", GroupeListeView.as_view(), name="groupes"),
    path(
        "convocations/groupes/<int:pk>/renommer/",
        GroupeRenommerView.as_view(),
        name="groupe_renommer",
    ),
    path(
        "convocations/groupes/<int:pk>/supprimer/",
        GroupeSupprimerView.as_view(),
        name="groupe_supprimer",
    ),
    path("convocations/mandats/", MandatListeView.as_view(), name="mandats"),
    path(
        "convocations/mandats/<int:pk>/modifier/",
        MandatModifierView.as_view(),
        name="mandat_modifier",
    ),
    path(
        "convocations/mandats/<int:pk>/terminer/",
        MandatTerminerView.as_view(),
        name="mandat_terminer",
    ),
    path("convocations/import/", ImportView.as_view(), name="import"),
    path("convocations/import/<int:pk>/", ImportApercuView.as_view(), name="import_apercu"),
    path("convocations/export/", ExportView.as_view(), name="export"),
    *seances_urlpatterns,
    *reponses_urlpatterns,
    *elus_urlpatterns,
    *editions_urlpatterns,
]

from convocations.envoi.urls import urlpatterns as envoi_urlpatterns  # noqa: E402

urlpatterns += [*envoi_urlpatterns]

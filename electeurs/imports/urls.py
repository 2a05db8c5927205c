"""URL de l'import (espace de noms `electeurs:`, repris par `electeurs/urls.py`)."""

from django.urls import path

from electeurs.imports.views import (
    ImportConfirmerView,
    ImportDetailView,
    ImportListeView,
    ImportNouveauView,
)

urlpatterns = [
    path("electeurs/imports/", ImportListeView.as_view(), name="import_liste"),
    path("electeurs/imports/nouveau/", ImportNouveauView.as_view(), name="import_nouveau"),
    path("electeurs/imports/<int:pk>/", ImportDetailView.as_view(), name="import_detail"),
    path(
        "electeurs/imports/<int:pk>/confirmer/",
        ImportConfirmerView.as_view(),
        name="import_confirmer",
    ),
]

from django.urls import path

from tests.exemple.views import (
    DossierDetailView,
    DossierListeView,
    DossiersRecapitulerView,
)

app_name = "exemple"

urlpatterns = [
    path("exemple/", DossierListeView.as_view(), name="liste"),
    path("exemple/recapituler/", DossiersRecapitulerView.as_view(), name="recapituler"),
    path("exemple/<int:pk>/", DossierDetailView.as_view(), name="detail"),
]

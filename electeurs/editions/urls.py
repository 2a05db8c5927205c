"""URL des éditions (espace de noms `electeurs:`, préfixe `editions`)."""

from django.urls import path

from electeurs.editions.views import EditionsView

urlpatterns = [
    path("electeurs/editions/", EditionsView.as_view(), name="editions"),
]

"""URL des éditions d'une séance (espace de noms `convocations:`)."""

from django.urls import path

from convocations.editions.views import SeanceEditionsView

urlpatterns = [
    path(
        "convocations/seances/<int:pk>/editions/",
        SeanceEditionsView.as_view(),
        name="seance_editions",
    ),
]

from django.urls import path

from core.liens.views import lien_accueil, lien_activation, lien_ouvrir

app_name = "liens"

urlpatterns = [
    path("l/", lien_accueil, name="accueil"),
    path("l/activation/", lien_activation, name="activation"),
    # En dernier : « activation » ne doit pas être pris pour un jeton.
    path("l/<str:jeton>/", lien_ouvrir, name="ouvrir"),
]

"""URL du fichier électoral (espace de noms `electeurs:`, réunies dans `electeurs/urls.py`)."""

from django.urls import path

from electeurs.fichier.views import (
    BureauCreerView,
    BureauListeView,
    BureauModifierView,
    ElecteurContactModifierView,
    ElecteurFicheView,
    ElecteurIneModifierView,
    ElecteurListeView,
)

urlpatterns = [
    path("electeurs/", ElecteurListeView.as_view(), name="liste"),
    path("electeurs/<int:pk>/", ElecteurFicheView.as_view(), name="fiche"),
    path(
        "electeurs/<int:pk>/contact/",
        ElecteurContactModifierView.as_view(),
        name="contact_modifier",
    ),
    path("electeurs/<int:pk>/ine/", ElecteurIneModifierView.as_view(), name="ine_modifier"),
    path("electeurs/bureaux/", BureauListeView.as_view(), name="bureaux"),
    path("electeurs/bureaux/nouveau/", BureauCreerView.as_view(), name="bureau_creer"),
    path("electeurs/bureaux/<int:pk>/", BureauModifierView.as_view(), name="bureau_modifier"),
]

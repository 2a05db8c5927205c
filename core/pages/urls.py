from django.urls import path

from core.pages.views import AccueilView, ParametresView, collectivite_choisir

app_name = "pages"

urlpatterns = [
    path("", AccueilView.as_view(), name="accueil"),
    path("collectivite/choisir/", collectivite_choisir, name="collectivite_choisir"),
    path("parametres/", ParametresView.as_view(), name="parametres"),
]

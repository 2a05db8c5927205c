from django.urls import path

from electeurs.views import ElecteurListeView

app_name = "electeurs"

urlpatterns = [
    path("electeurs/", ElecteurListeView.as_view(), name="liste"),
]

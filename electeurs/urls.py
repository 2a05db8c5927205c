from django.urls import path

from electeurs.imports.urls import urlpatterns as imports_urlpatterns
from electeurs.views import ElecteurListeView

app_name = "electeurs"

urlpatterns = [
    path("electeurs/", ElecteurListeView.as_view(), name="liste"),
    *imports_urlpatterns,
]

from django.urls import path

from electeurs.procedure.urls import urlpatterns as procedure_urlpatterns
from electeurs.views import ElecteurListeView

app_name = "electeurs"

urlpatterns = [
    path("electeurs/", ElecteurListeView.as_view(), name="liste"),
    *procedure_urlpatterns,
]

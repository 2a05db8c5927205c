from django.urls import path

from electeurs.editions.urls import urlpatterns as editions_urlpatterns
from electeurs.procedure.urls import urlpatterns as procedure_urlpatterns
from electeurs.reu.urls import urlpatterns as reu_urlpatterns
from electeurs.views import ElecteurListeView

app_name = "electeurs"

urlpatterns = [
    path("electeurs/", ElecteurListeView.as_view(), name="liste"),
    *procedure_urlpatterns,
]
urlpatterns += [*reu_urlpatterns, *editions_urlpatterns]

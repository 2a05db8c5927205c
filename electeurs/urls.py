"""Les URL du fichier électoral : une liste par sous-paquet, toutes dans l'espace `electeurs:`."""

from electeurs.editions.urls import urlpatterns as editions_urlpatterns
from electeurs.fichier.urls import urlpatterns as fichier_urlpatterns
from electeurs.imports.urls import urlpatterns as imports_urlpatterns
from electeurs.procedure.urls import urlpatterns as procedure_urlpatterns
from electeurs.reu.urls import urlpatterns as reu_urlpatterns

app_name = "electeurs"

urlpatterns = [
    *fichier_urlpatterns,
    *imports_urlpatterns,
    *procedure_urlpatterns,
    *reu_urlpatterns,
    *editions_urlpatterns,
]

from electeurs.fichier.urls import urlpatterns as fichier_urlpatterns

app_name = "electeurs"

urlpatterns = [
    *fichier_urlpatterns,
]

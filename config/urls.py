from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Écharpe — administration"
admin.site.site_title = "Écharpe"
admin.site.index_title = "Administration de la plateforme"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("core.urls")),
    path("", include("electeurs.urls")),
    path("", include("convocations.urls")),
]

handler400 = "core.pages.erreurs.erreur_400"
handler403 = "core.pages.erreurs.erreur_403"
handler404 = "core.pages.erreurs.erreur_404"
handler500 = "core.pages.erreurs.erreur_500"

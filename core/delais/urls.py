from django.urls import path

from core.delais.views import DelaiSurchargerView, DelaisView

app_name = "delais"

urlpatterns = [
    path("parametres/delais/", DelaisView.as_view(), name="liste"),
    path(
        "parametres/delais/<slug:code>/surcharger/",
        DelaiSurchargerView.as_view(),
        name="surcharger",
    ),
]

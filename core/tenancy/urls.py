from django.urls import path

from core.tenancy.views import CollectiviteView, LogoView

app_name = "tenancy"

urlpatterns = [
    path("parametres/collectivite/", CollectiviteView.as_view(), name="collectivite"),
    path("parametres/collectivite/logo/", LogoView.as_view(), name="logo"),
]

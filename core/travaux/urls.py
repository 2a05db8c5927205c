from django.urls import path

from core.travaux.views import (
    TravailDetailView,
    TravailEtatView,
    TravailRelancerView,
    TravailTelechargerView,
)

app_name = "travaux"

urlpatterns = [
    path("travaux/<int:pk>/", TravailDetailView.as_view(), name="detail"),
    path("travaux/<int:pk>/etat/", TravailEtatView.as_view(), name="etat"),
    path("travaux/<int:pk>/telecharger/", TravailTelechargerView.as_view(), name="telecharger"),
    path("travaux/<int:pk>/relancer/", TravailRelancerView.as_view(), name="relancer"),
]

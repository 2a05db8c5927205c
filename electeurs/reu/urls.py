"""URL de la boîte des notifications du REU (espace de noms `electeurs:`, préfixe `reu_`)."""

from django.urls import path

from electeurs.reu.views import (
    NotificationDetailView,
    NotificationImporterView,
    NotificationLierView,
    NotificationListeView,
    NotificationNouvelleView,
    NotificationRouvrirView,
    NotificationTraiterView,
)

urlpatterns = [
    path("electeurs/reu/", NotificationListeView.as_view(), name="reu_liste"),
    path("electeurs/reu/nouvelle/", NotificationNouvelleView.as_view(), name="reu_nouvelle"),
    path("electeurs/reu/importer/", NotificationImporterView.as_view(), name="reu_importer"),
    path("electeurs/reu/<int:pk>/", NotificationDetailView.as_view(), name="reu_detail"),
    path("electeurs/reu/<int:pk>/traiter/", NotificationTraiterView.as_view(), name="reu_traiter"),
    path("electeurs/reu/<int:pk>/rouvrir/", NotificationRouvrirView.as_view(), name="reu_rouvrir"),
    path("electeurs/reu/<int:pk>/lier/", NotificationLierView.as_view(), name="reu_lier"),
]

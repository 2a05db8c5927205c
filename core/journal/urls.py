from django.urls import path

from core.journal.views import JournalExporterView, JournalView

app_name = "journal"

urlpatterns = [
    path("journal/", JournalView.as_view(), name="liste"),
    path("journal/exporter/", JournalExporterView.as_view(), name="exporter"),
]

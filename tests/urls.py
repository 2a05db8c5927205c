"""URLconf des tests (`config.settings.test`) : celles du projet, plus l'application d'exemple.

Les gestionnaires d'erreur sont lus sur l'URLconf racine : ils sont repris tels quels.
"""

from django.urls import include, path

from config.urls import handler400, handler403, handler404, handler500
from config.urls import urlpatterns as urlpatterns_projet

urlpatterns = [
    *urlpatterns_projet,
    path("", include("tests.exemple.urls")),
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]

"""Application Celery : configuration lue dans les settings Django (préfixe CELERY_)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("echarpe")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

"""The Celery application. Tasks are thin: they take ids and call a service (STYLE.md)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "econtract.settings")

app = Celery("econtract")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

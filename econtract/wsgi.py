"""WSGI entry point (gunicorn econtract.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "econtract.settings")

application = get_wsgi_application()

# Every view module (pyHanko, WeasyPrint, DRF…) is imported now rather than by the first request,
# then those long-lived objects leave the collector's view: a full collection walked ~170,000 of
# them at ~100 ms, one request in ~100 paid it (the list API's p99 tail in bench/query_list.py).
get_resolver().url_patterns  # noqa: B018 - importing the URLconf imports the views
gc.collect()
gc.freeze()

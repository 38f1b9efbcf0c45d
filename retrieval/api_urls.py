"""API of §10: query and download (``query_api_urls``), verification (``verification_api_urls``).

Included before ``signing.api_urls``: the reading endpoints of a contract live here.
"""

from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("retrieval.query_api_urls")),
    path("", include("retrieval.verification_api_urls")),
]

from django.urls import URLPattern, URLResolver, path

from econtract.parties.health import healthz, livez

urlpatterns: list[URLPattern | URLResolver] = [
    path("healthz", healthz, name="healthz"),
    path("livez", livez, name="livez"),
]

"""``/i18n/setlang/``: Django's language switch that also saves a logged-in account's choice."""

from django.urls import URLPattern, URLResolver, path

from econtract.parties.views import switch_language

urlpatterns: list[URLPattern | URLResolver] = [
    path("setlang/", switch_language, name="set_language"),
]

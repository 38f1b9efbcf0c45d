"""Chinese unless the visitor chose otherwise.

The platform serves a Chinese standard to Chinese parties: a browser that merely *prefers*
English (``Accept-Language``) still gets Chinese. Only an explicit choice — the language switch,
which sets Django's language cookie, or a logged-in account's saved preference, which the login
view turns into that cookie — selects English. This middleware runs just before
``LocaleMiddleware`` and hides ``Accept-Language`` from it; API clients choose with the cookie too.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class IgnoreAcceptLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)

"""The site's own "page not found" page in development too.

With ``DEBUG`` on (``make run`` and ``make dev``), Django answers an unknown address or an
``Http404`` with its technical page (the URL patterns tried, the settings hint), and
``handler404`` is not consulted. This middleware gives people the site's 404 page
(templates/404.html) in both cases, as production does; the request is still logged as
"Not Found" by Django. With ``DEBUG`` off it does nothing: Django's ``page_not_found`` already
renders templates/404.html.

Placed after ``CommonMiddleware`` so that a missing trailing slash is still redirected.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.defaults import page_not_found


class FriendlyNotFoundMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            # No view answered: the address matched no URL pattern (a view's own 404, such as
            # the API's JSON, leaves resolver_match set and is kept).
            and request.resolver_match is None
            and response.get("Content-Type", "").startswith("text/html")
        ):
            return page_not_found(request, Http404())
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if settings.DEBUG and isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None

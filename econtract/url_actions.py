"""The URL patterns of the actions on one object: each action's path and URL name are made
from the object's and the action's, so ``actions("things/<int:pk>/", "thing-", {"submit": v})``
is ``path("things/<int:pk>/submit/", v, name="thing-submit")``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.urls import URLPattern, path


def actions(
    prefix: str, name_prefix: str, views: Mapping[str, Callable[..., Any]]
) -> list[URLPattern]:
    """``{prefix}{action}/`` named ``{name_prefix}{action}``, for each action and its view."""
    return [
        path(f"{prefix}{action}/", view, name=f"{name_prefix}{action}")
        for action, view in views.items()
    ]

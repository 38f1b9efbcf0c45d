"""One path, two processes: ``/api/v1/contracts/<reference>/`` is read by retrieval (§10: GET)
and a draft is changed (PATCH) or deleted (DELETE) there by signing (§9, ``signing.draft_api``).

Django picks a view by path, not by method, so the two apps' views are composed into one view
class here. The kernel names the apps by string only, as the root URLconf does (DESIGN.md §1),
so neither app imports the other; each method keeps its own schema for drf-spectacular.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.module_loading import import_string
from rest_framework.views import APIView

READER = "retrieval.api.ContractDetail"
WRITER = "signing.draft_api.ContractDetail"


def contract_detail_view() -> Callable[..., Any]:
    """GET from retrieval's view, PATCH and DELETE from signing's, on one path."""
    reader, writer = import_string(READER), import_string(WRITER)
    combined: type[APIView] = type(
        "ContractDetail",
        (reader, writer),
        {"__doc__": reader.__doc__, "__module__": reader.__module__},
    )
    view: Callable[..., Any] = combined.as_view()
    return view

"""The contract page's "Download evidence package" link (signed in; the API serves the same)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from econtract.api.errors import http_status_of
from econtract.api.requests import account_of
from econtract.errors import BusinessRuleViolation, Refusal
from retrieval.evidence_package.api import zip_file
from retrieval.evidence_package.build import issue_package


@login_required
@require_GET
def download_package(request: HttpRequest, reference: str) -> HttpResponse:
    language = "en" if (get_language() or "").startswith("en") else "zh-hans"
    try:
        package = issue_package(actor=account_of(request), reference=reference, language=language)
    except BusinessRuleViolation as refused:
        if refused.refusal is Refusal.NOT_FOUND:
            raise Http404(refused.message) from refused
        context = {"code": refused.code, "message": refused.message}
        return render(
            request, "retrieval/query_refused.html", context, status=http_status_of(refused)
        )
    return zip_file(package)

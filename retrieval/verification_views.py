"""Verification pages (§10.3): upload a PDF, follow the verification, read the report.

The upload form works without JavaScript (a plain POST here); ``verification.js`` sends it to
the API instead, showing the upload's progress and the verification running, then opens the
report page, which follows the sealing of the report PDF.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from econtract.api.requests import account_of
from econtract.errors import BusinessRuleViolation
from retrieval import verification as services
from retrieval.models import Verification
from retrieval.verification_api import report_response

_VERDICT_STYLE: dict[str, str] = {
    Verification.Indication.TOTAL_PASSED.value: "passed",
    Verification.Indication.TOTAL_FAILED.value: "failed",
    Verification.Indication.INDETERMINATE.value: "indeterminate",
}


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    error = None
    if request.method == "POST":
        document = request.FILES.get("document")
        if document is None:
            error = _("Choose a PDF file to verify.")
        else:
            try:
                verification = services.verify_upload(
                    requester=account_of(request),
                    document=document,
                    online=request.POST.get("mode", "online") != "offline",
                    language=account_of(request).preferred_language or get_language() or "",
                )
            except BusinessRuleViolation as refused:
                error = refused.message
            else:
                return redirect("verification-report", verification.pk)
    recent = [
        {"verification": v, "summary": services.summary_of(v)}
        for v in services.verifications_of(requester=account_of(request))[:20]
    ]
    return render(
        request,
        "retrieval/verification_upload.html",
        {"error": error, "recent": recent},
        status=422 if error else 200,
    )


def _owned(request: HttpRequest, verification_id: UUID) -> Verification:
    found = services.verification_of(requester=account_of(request), verification_id=verification_id)
    if found is None:
        raise Http404
    return found


@login_required
@require_GET
def report(request: HttpRequest, verification_id: UUID) -> HttpResponse:
    verification = _owned(request, verification_id)
    services.queue_report(verification)  # the page follows its sealing
    context: dict[str, Any] = {
        **services.report_context(verification),
        "verdict_style": _VERDICT_STYLE.get(verification.verdict, "indeterminate"),
    }
    return render(request, "retrieval/verification_report.html", context)


@login_required
@require_GET
def report_pdf(request: HttpRequest, verification_id: UUID) -> HttpResponse:
    return report_response(_owned(request, verification_id))

"""Bulk send pages under ``/bulk-send/``: the party's batches, an upload, one batch (its
report, or its progress, which refreshes itself while contracts are created; its contracts and
failures; the cancel button), and a template's sample sheet.

Everything goes through ``services``, as the API does; another party's batch is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from auxiliary.bulk_send import columns, samples, selectors, services, spreadsheets
from auxiliary.bulk_send.forms import CancelForm, UploadForm
from auxiliary.bulk_send.models import Batch
from econtract.api.requests import account_of
from econtract.errors import BusinessRuleViolation
from signing import contract_templates

# How many created contracts and errors one page lists (the API has them all).
SHOWN = 500


def _batch(request: HttpRequest, batch_id: int) -> Batch:
    try:
        return selectors.batch_for(account_of(request), batch_id)
    except BusinessRuleViolation as missing:
        raise Http404(missing.message) from missing


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    batches = list(selectors.batches_of(account_of(request))[:100])
    rows = [{"batch": batch, "progress": services.progress_of(batch)} for batch in batches]
    return render(request, "bulk_send/list.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    account = account_of(request)
    templates = contract_templates.visible_templates(account).filter(current_version__isnull=False)
    shown = _shown_template(templates, request.POST.get("template") or request.GET.get("template"))
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        templates=templates,
        initial={"template": shown.pk} if shown is not None else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            batch = _upload(request, form)
        except BusinessRuleViolation as refused:
            form.add_error("file" if "file" in refused.fields else None, refused.message)
        else:
            return redirect("bulk-send-detail", batch_id=batch.pk)
    header = columns.sample_header(shown.current_version) if shown is not None else []
    context = {"form": form, "template": shown, "templates": templates, "columns": header}
    return render(request, "bulk_send/new.html", context, status=422 if form.errors else 200)


def _upload(request: HttpRequest, form: UploadForm) -> Batch:
    upload = form.cleaned_data["file"]
    return services.upload_batch(
        actor=account_of(request),
        template=form.cleaned_data["template"],
        data=spreadsheets.read_upload(upload),
        file_name=str(upload.name or ""),
        send_valid_rows=bool(form.cleaned_data["send_valid_rows"]),
        default_deadline=form.cleaned_data.get("sign_deadline"),
        is_secure=request.is_secure(),
        protocol=str(request.META.get("SERVER_PROTOCOL", "")),
        upload_token=form.cleaned_data["token"],
    )


def _shown_template(templates: Any, chosen: str | None) -> Any:
    """The template whose columns the page describes: the one chosen, else the first."""
    found = templates.filter(pk=chosen).first() if chosen and chosen.isdigit() else None
    return found or templates.first()


@login_required
@require_GET
def detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch(request, batch_id)
    progress = services.progress_of(batch)
    created = services.created_references(batch)
    context = {
        "batch": batch,
        "progress": progress,
        "percent": _percent(progress),
        "errors": batch.errors[:SHOWN],
        "more_errors": max(0, len(batch.errors) - SHOWN),
        "created": created[:SHOWN],
        "failures": list(services.failed_rows(batch)[:SHOWN]),
        "cancellable": batch.state in (Batch.State.CREATING, Batch.State.FINISHED)
        and progress["created"] + progress["pending"] > progress["withdrawn"],
        "cancel_form": CancelForm(),
    }
    return render(request, "bulk_send/detail.html", context)


def _percent(progress: dict[str, int]) -> int:
    done = progress["total"] - progress["pending"]
    return round(100 * done / progress["total"]) if progress["total"] else 100


@login_required
@require_POST
def cancel(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch(request, batch_id)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.cancel_batch(batch=batch, actor=account_of(request), reason=reason)
    except BusinessRuleViolation as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("Cancelled: no more contracts are created, and those nobody signed are withdrawn."),
        )
    return redirect("bulk-send-detail", batch_id=batch.pk)


@login_required
@require_GET
def sample(request: HttpRequest, template_id: int, kind: str) -> HttpResponse:
    if kind not in ("csv", "xlsx"):
        raise Http404(kind)
    try:
        template = contract_templates.template_for(account_of(request), template_id)
        return samples.sample_response(template, kind)
    except BusinessRuleViolation as missing:
        raise Http404(missing.message) from missing

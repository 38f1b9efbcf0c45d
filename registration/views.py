"""Registration pages: choose person or organisation, fill the form, upload, submit, follow."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from econtract.api.requests import account_of
from econtract.errors import BusinessRuleViolation
from econtract.localtime import local_time
from econtract.parties import materials
from econtract.parties.material_pages import MaterialForm, show_problems, upload
from econtract.parties.models import Party
from registration import rules, selectors, services
from registration.forms import form_class_for
from registration.models import Material, RegistrationApplication


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The newest application, or the choice of person or organisation to start one."""
    current = selectors.current_application(user=account_of(request))
    if current is not None and current.state != RegistrationApplication.State.REJECTED:
        return redirect("registration-detail", pk=current.pk)
    return render(request, "registration/start.html", {"rejected": current})


@login_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in Party.Kind.values:
        raise Http404("No such kind.")
    form = form_class_for(kind)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.create_application(
                account=account_of(request), kind=kind, data=form.cleaned_data
            )
        except BusinessRuleViolation as refused:
            show_problems(form, refused)
        else:
            return redirect("registration-detail", pk=application.pk)
    return render(
        request, "registration/form.html", {"form": form, "kind": kind, "application": None}
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.own_application_for(user=account_of(request), pk=pk)
    if not application.is_editable:
        return redirect("registration-detail", pk=pk)
    form_class = form_class_for(application.kind)
    extra: dict[str, Any] = (
        {"masked_id_number": application.masked_id_number}
        if application.kind == Party.Kind.PERSON
        else {}
    )
    initial = {name: getattr(application, name) for name in rules.fields_for(application.kind)}
    initial.pop("id_number", None)
    form = form_class(request.POST or None, initial=initial, **extra)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if not (k == "id_number" and not v)}
        try:
            services.update_application(
                application=application, actor=account_of(request), data=data
            )
        except BusinessRuleViolation as refused:
            show_problems(form, refused)
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect("registration-detail", pk=pk)
    context = {"form": form, "kind": application.kind, "application": application}
    return render(request, "registration/form.html", context)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.own_application_for(user=account_of(request), pk=pk)
    return render(request, "registration/detail.html", _detail_context(application))


def _detail_context(
    application: RegistrationApplication, material_form: MaterialForm | None = None
) -> dict[str, Any]:
    missing = selectors.missing_materials_of(application)
    review_days = settings.REGISTRATION_REVIEW_DAYS
    review_due = (
        local_time(application.submitted_at + timedelta(days=review_days))
        if application.submitted_at
        else ""
    )
    history = [
        {"at": local_time(entry.at), "state": entry.get_state_display(), "reason": entry.reason}
        for entry in selectors.history_of(application)
    ]
    return {
        "application": application,
        "history": history,
        "review_days": review_days,
        "review_due": review_due,
        "materials": application.materials.all(),
        # Translators: the separator of a list of documents: 、
        "missing": _(", ").join(str(Material.Kind(kind).label) for kind in missing),
        "material_form": material_form or MaterialForm(kinds=Material.Kind.choices),
        "is_person": application.kind == Party.Kind.PERSON,
    }


@login_required
@require_POST
def upload_material(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.own_application_for(user=account_of(request), pk=pk)
    return upload(
        request,
        kinds=Material.Kind.choices,
        add=lambda kind, file: services.add_material(
            application=application, actor=account_of(request), kind=kind, file=file
        ),
        done=lambda: redirect("registration-detail", pk=pk),
        again=lambda form: render(
            request,
            "registration/detail.html",
            _detail_context(application, material_form=form),
            status=422,
        ),
    )


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.own_application_for(user=account_of(request), pk=pk)
    try:
        services.submit_application(application=application, actor=account_of(request))
    except BusinessRuleViolation as refused:
        messages.error(request, refused.message)
        for field_messages in refused.fields.values():
            for message in field_messages:
                if message != refused.message:
                    messages.error(request, message)
    else:
        messages.success(request, _("Your application is submitted for review."))
    return redirect("registration-detail", pk=pk)


@login_required
def material_file(request: HttpRequest, pk: int, material_pk: int) -> FileResponse:
    """The applicant's own document; operators open documents through the admin."""
    application = selectors.own_application_for(user=account_of(request), pk=pk)
    material = application.materials.filter(pk=material_pk).first()
    if material is None:
        raise Http404("No such material.")
    return materials.material_download(material)

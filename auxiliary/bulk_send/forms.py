"""The bulk send pages' forms: an upload, and a cancellation."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from auxiliary.bulk_send.spreadsheets import MAX_BYTES, MAX_ROWS
from signing.models import ContractTemplate


class UploadForm(forms.Form):
    # Made with the page: the same form sent twice makes one batch (services.upload_batch).
    token = forms.CharField(max_length=64, widget=forms.HiddenInput)
    template = forms.ModelChoiceField(
        label=_("Template"),
        queryset=ContractTemplate.objects.none(),
        widget=forms.HiddenInput,  # chosen above the form, which shows its columns
    )
    file = forms.FileField(
        label=_("Sheet (XLSX or CSV)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,.csv,text/csv", "data-testid": "bulk-file"}
        ),
    )
    sign_deadline = forms.DateTimeField(
        label=_("Signing deadline of rows without one"),
        required=False,
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "data-testid": "bulk-deadline"},
            format="%Y-%m-%dT%H:%M",
        ),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    send_valid_rows = forms.BooleanField(
        label=_("Send the valid rows even if other rows have errors"),
        required=False,
        widget=forms.CheckboxInput(attrs={"data-testid": "bulk-send-valid-rows"}),
    )

    def __init__(self, *args: Any, templates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates  # type: ignore[attr-defined]
        self.fields["token"].initial = uuid.uuid4().hex
        self.fields["file"].help_text = gettext(
            "One row per contract, at most %(rows)d rows and %(mb)d MB."
        ) % {"rows": MAX_ROWS, "mb": MAX_BYTES // (1024 * 1024)}


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (told to the counterparties)"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"data-testid": "bulk-cancel-reason"}),
    )

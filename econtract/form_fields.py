"""Form fields more than one app's pages ask with."""

from __future__ import annotations

from typing import Any

from django import forms


def _is_yes(value: str) -> bool:
    return value == "yes"


def yes_no(
    label: Any = None, yes: Any = "yes", no: Any = "no", *, radio: bool = False
) -> forms.TypedChoiceField:
    """A yes-or-no question: the form posts ``yes`` or ``no`` (shown as ``yes`` and ``no`` by
    default) and the cleaned value is True or False; ``radio`` shows the two as radio buttons."""
    return forms.TypedChoiceField(
        label=label,
        choices=[("yes", yes), ("no", no)],
        coerce=_is_yes,
        widget=forms.RadioSelect if radio else None,
    )


def reason_field(label: Any, *, required: bool = True, rows: int = 2) -> forms.CharField:
    """Why someone asks or answers: a short text area, as long as the services keep (2000)."""
    return forms.CharField(
        label=label,
        max_length=2000,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows}),
    )

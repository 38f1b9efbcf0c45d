"""Filters every page that shows contracts uses (issue 17): ``{{ when|local_time }}`` (the
reader's zone, the zone named), ``{{ certificate.subject|readable_name }}`` (a certificate name
without OIDs) and ``{{ contract.reference|short_reference }}``."""

from __future__ import annotations

from datetime import datetime

from django import template

from econtract import localtime
from econtract.contracts import naming
from econtract.pki import readable

register = template.Library()


@register.filter
def local_time(value: datetime | str | None, precision: str = "") -> str:
    """``{{ when|local_time }}``, or ``{{ when|local_time:"seconds" }}`` for signing times."""
    return localtime.local_time(value, seconds=precision == "seconds")


@register.filter
def local_date(value: datetime | str | None) -> str:
    return localtime.local_date(value)


@register.filter
def readable_name(value: str | None) -> str:
    return readable.readable_name(value)


@register.filter
def short_reference(value: str) -> str:
    return naming.short_reference(value)

"""Operators see what the built-in CA issued and revoked (read-only: revoke via the service)."""

from __future__ import annotations

from django.contrib import admin

from econtract.localca.models import IssuedCertificate, PublishedCrl
from econtract.readonly_admin import ReadOnlyMixin


@admin.register(IssuedCertificate)
class IssuedCertificateAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["subject", "serial_hex", "not_before", "not_after", "revoked_at"]
    list_filter = ["revocation_reason"]
    search_fields = ["subject", "serial_hex"]
    exclude = ["certificate_der"]


@admin.register(PublishedCrl)
class PublishedCrlAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["issuer", "number", "this_update", "next_update"]
    exclude = ["crl_der"]

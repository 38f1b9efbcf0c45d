"""Operators see what the built-in CA issued and revoked (read-only: revoke via the service)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from econtract.localca.models import IssuedCertificate, PublishedCrl


@admin.register(IssuedCertificate)
class IssuedCertificateAdmin(admin.ModelAdmin):
    list_display = ["subject", "serial_hex", "not_before", "not_after", "revoked_at"]
    list_filter = ["revocation_reason"]
    search_fields = ["subject", "serial_hex"]
    exclude = ["certificate_der"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(PublishedCrl)
class PublishedCrlAdmin(admin.ModelAdmin):
    list_display = ["issuer", "number", "this_update", "next_update"]
    exclude = ["crl_der"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

"""Operators' views: members and invitations (read only), seals with the review of uploaded
images (accept or refuse, shown at print size), authorisations and the usage log (read only)."""

from __future__ import annotations

import base64

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from econtract.api.requests import account_of
from econtract.errors import BusinessRuleViolation
from econtract.organizations import seals
from econtract.organizations.models import Invitation, Membership, Seal, SealAuthorization, SealUse
from econtract.readonly_admin import ReadOnlyMixin, ReviewQueue, register_queue


@admin.register(Membership)
class MembershipAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["organization", "account", "roles", "state", "joined_at", "ended_at"]
    list_filter = ["state"]
    search_fields = ["organization__name", "account__username"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "organization", "invitee", "masked_address", "roles", "state", "created_at", "expires_at",
    ]  # fmt: skip
    list_filter = ["state"]
    exclude = ["token", "address"]
    readonly_fields = ["masked_address"]


@admin.register(Seal)
class SealAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["organization", "kind", "source", "state", "code", "created_at", "preview"]
    list_filter = ["state", "kind", "source"]
    search_fields = ["organization__name", "code"]
    exclude = ["image"]
    readonly_fields = ["preview_at_print_size"]
    actions = ["approve", "reject"]

    @admin.display(description=_("image"))
    def preview(self, seal: Seal) -> str:
        return format_html('<img src="{}" alt="" height="48">', _data_url(seal))

    @admin.display(description=_("image at print size"))
    def preview_at_print_size(self, seal: Seal) -> str:
        # Size attributes, not a style attribute (the console's CSP allows no inline styles):
        # CSS pixels are 1/96 inch, so a millimetre is 96 / 25.4 of them.
        return format_html(
            '<img src="{}" alt="" width="{}" height="{}">',
            _data_url(seal),
            round(float(seal.width_mm) * 96 / 25.4),
            round(float(seal.height_mm) * 96 / 25.4),
        )

    @admin.action(description=_("Accept the selected seal images"))
    def approve(self, request: HttpRequest, queryset: QuerySet[Seal]) -> None:
        self._review(request, queryset, approve=True)

    @admin.action(description=_("Refuse the selected seal images"))
    def reject(self, request: HttpRequest, queryset: QuerySet[Seal]) -> None:
        self._review(request, queryset, approve=False)

    def _review(self, request: HttpRequest, queryset: QuerySet[Seal], *, approve: bool) -> None:
        done = 0
        for seal in queryset.filter(state=Seal.State.PENDING_REVIEW):
            try:
                seals.review(operator=account_of(request), seal_id=seal.pk, approve=approve)
            except BusinessRuleViolation as refused:
                self.message_user(request, refused.message, messages.ERROR)
            else:
                done += 1
        message = ngettext("%(count)d seal reviewed.", "%(count)d seals reviewed.", done)
        self.message_user(request, message % {"count": done}, messages.SUCCESS)


def _data_url(seal: Seal) -> str:
    return "data:image/png;base64," + base64.b64encode(bytes(seal.image)).decode()


@admin.register(SealAuthorization)
class SealAuthorizationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["organization", "seal", "member", "state", "valid_from", "valid_until"]
    list_filter = ["state"]


@admin.register(SealUse)
class SealUseAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["organization", "seal", "agent", "contract", "paging_seal", "used_at"]


register_queue(
    ReviewQueue(
        key="seals",
        title=_("Seal images to review"),
        description=_("Compare the uploaded image with the seal and accept or refuse it."),
        model=Seal,
        waiting=lambda: Seal.objects.filter(state=Seal.State.PENDING_REVIEW),
        filters={"state__exact": Seal.State.PENDING_REVIEW},
        oldest_field="created_at",
        order=40,
    )
)

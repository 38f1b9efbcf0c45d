from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from authentication.models import Authentication
from econtract.evidence.admin import history_table


@admin.register(Authentication)
class AuthenticationAdmin(admin.ModelAdmin):
    """Operators watch authentications; only the parties' own actions change them."""

    list_display = ["id", "party", "method", "state", "created_at", "valid_until"]
    list_filter = ["method", "state"]
    search_fields = ["party__name", "account__username"]
    readonly_fields = [
        *(f.name for f in Authentication._meta.fields if f.name != "nonce"),
        "history",
    ]
    exclude = ["nonce"]

    @admin.display(description=_("history"))
    def history(self, auth: Authentication) -> str:
        return history_table(auth)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

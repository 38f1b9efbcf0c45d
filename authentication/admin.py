from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from authentication.models import Authentication, AuthenticationTransition


class TransitionInline(admin.TabularInline):
    model = AuthenticationTransition
    extra = 0
    can_delete = False
    readonly_fields = ["step", "state", "actor", "at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Authentication)
class AuthenticationAdmin(admin.ModelAdmin):
    """Operators watch authentications; only the parties' own actions change them."""

    list_display = ["id", "party", "method", "state", "created_at", "valid_until"]
    list_filter = ["method", "state"]
    search_fields = ["party__name", "account__username"]
    readonly_fields = [f.name for f in Authentication._meta.fields if f.name != "nonce"]
    exclude = ["nonce"]
    inlines = [TransitionInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

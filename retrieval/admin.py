from django.contrib import admin

from retrieval.models import Verification


@admin.register(Verification)
class VerificationAdmin(admin.ModelAdmin):
    """Operators see what was verified and the verdict; the report is the requester's."""

    list_display = ["id", "requester", "verdict", "sub_indication", "state", "verified_at"]
    list_filter = ["verdict", "state", "online"]
    search_fields = ["id", "document_sha256", "requester__username"]
    readonly_fields = [f.name for f in Verification._meta.fields if f.name != "report_file"]
    exclude = ["report_file", "result"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False

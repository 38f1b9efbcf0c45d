"""Operators watch contract templates and their versions; only their makers change them (a
change is a new version, through signing.contract_templates), so nothing is editable here."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from econtract.readonly_admin import ReadOnlyMixin
from signing.models import ContractTemplate, TemplateVersion


class TemplateVersionInline(ReadOnlyMixin, admin.TabularInline):
    model = TemplateVersion
    extra = 0
    fields = readonly_fields = (
        "number",
        "title",
        "category",
        "pages",
        "document_sha256",
        "created_by",
        "created_at",
    )
    ordering = ["-number"]
    show_change_link = False


@admin.register(ContractTemplate)
class ContractTemplateAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "owner", "organization", "version_number", "updated_at"]
    search_fields = ["name"]
    list_select_related = ["owner", "organization", "current_version"]
    date_hierarchy = "updated_at"
    fields = readonly_fields = (
        "name",
        "owner",
        "organization",
        "current_version",
        "created_at",
        "updated_at",
    )
    inlines = [TemplateVersionInline]

    @admin.display(description=_("current version"), ordering="current_version__number")
    def version_number(self, template: ContractTemplate) -> int | None:
        version = template.current_version
        return version.number if version is not None else None

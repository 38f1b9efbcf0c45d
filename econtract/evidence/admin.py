from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from econtract.evidence.models import EvidenceAnchor, EvidenceEvent
from econtract.evidence.services import history
from econtract.evidence.verification import verify_chain
from econtract.readonly_admin import ReadOnlyMixin


def history_table(obj: Any) -> str:
    """``obj``'s history (``evidence.services.history``) as a list for a read-only admin field."""
    return format_html(
        "<ul>{}</ul>",
        format_html_join(
            "",
            "<li>{} · {} · {} · {}</li>",
            (
                (timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"), e.step, e.state, e.actor)
                for e in history(obj)
            ),
        ),
    )


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Evidence is append-only: operators read it, nobody edits it here."""


@admin.register(EvidenceEvent)
class EvidenceEventAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "step", "actor_label", "object_type", "object_id", "recorded_at"]
    list_filter = ["step", "object_type"]
    search_fields = ["object_id", "hash", "actor_label"]
    date_hierarchy = "recorded_at"
    change_list_template = "admin/evidence/evidenceevent/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        verify = path(
            "verify/",
            self.admin_site.admin_view(self.verify_view),
            name="evidence_evidenceevent_verify",
        )
        return [verify, *super().get_urls()]

    def verify_view(self, request: HttpRequest) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Evidence chain"),
            "report": verify_chain(),
        }
        return TemplateResponse(request, "admin/evidence/verify.html", context)


@admin.register(EvidenceAnchor)
class EvidenceAnchorAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "head_hash", "timestamped_at", "tsa_url"]

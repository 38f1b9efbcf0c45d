"""The operator console's frame (titles) and third-party records in the operators' language.

django-axes registers its own admin with English names; ours shows the same rows through proxies
(``lockout_records``) with translated names and columns, and lets an operator lift a lock-out.
"""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_celery_beat.admin import PeriodicTaskAdmin
from django_celery_beat.models import PeriodicTask

from econtract.localtime import local_time
from econtract.parties.lockout_records import FailedLogin, FailedLoginLog, LoginLog
from econtract.readonly_admin import ReviewQueue, StaffReadOnlyMixin, register_queue

admin.site.site_header = _("econtract operator console")
admin.site.site_title = _("econtract operator console")
admin.site.index_title = _("What waits for operators")

for axes_model in (AccessAttempt, AccessFailureLog, AccessLog):
    if admin.site.is_registered(axes_model):
        admin.site.unregister(axes_model)


class TaskNameFilter(admin.AllValuesFieldListFilter):
    """django-celery-beat names its ``task`` column "Task Name" without a translation."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.title = str(_("task name"))


class ConsolePeriodicTaskAdmin(PeriodicTaskAdmin):
    list_filter = [
        "enabled", "one_off", ("task", TaskNameFilter), "start_time", "last_run_at",
    ]  # fmt: skip


if admin.site.is_registered(PeriodicTask):
    admin.site.unregister(PeriodicTask)
    admin.site.register(PeriodicTask, ConsolePeriodicTaskAdmin)


def _when(value: Any) -> str:
    return local_time(value) or "—"


_COLUMNS: tuple[str, ...] = ("when", "account", "address", "page", "browser")


class LoginRecordAdmin(StaffReadOnlyMixin, admin.ModelAdmin):
    """Columns under our names (axes' field names are English only)."""

    list_display = ["when", "account", "address", "page"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "attempt_time"
    fields = readonly_fields = _COLUMNS

    @admin.display(description=_("time"), ordering="attempt_time")
    def when(self, row: Any) -> str:
        return _when(row.attempt_time)

    @admin.display(description=_("username"), ordering="username")
    def account(self, row: Any) -> str:
        return row.username or "—"

    @admin.display(description=_("IP address"), ordering="ip_address")
    def address(self, row: Any) -> str:
        return row.ip_address or "—"

    @admin.display(description=_("page"))
    def page(self, row: Any) -> str:
        return str(row.path_info)

    @admin.display(description=_("browser"))
    def browser(self, row: Any) -> str:
        return str(row.user_agent)


class LockedOutFilter(admin.SimpleListFilter):
    title = _("locked out")
    parameter_name = "locked"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("locked out now")), ("no", _("not locked out"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return locked_out(queryset)
        if self.value() == "no":
            return queryset.exclude(pk__in=locked_out(queryset).values("pk"))
        return queryset


def locked_out(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """The counts that lock their username out now (the limit reached within the cool-off)."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return queryset.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    )


@admin.register(FailedLogin)
class FailedLoginAdmin(LoginRecordAdmin):
    list_display = ["when", "account", "address", "failures", "status"]
    list_filter = [LockedOutFilter]
    fields = readonly_fields = ("when", "account", "address", "failures", "status", "browser")
    actions = ["lift_lockout"]

    @admin.display(description=_("failed logins"), ordering="failures_since_start")
    def failures(self, row: FailedLogin) -> int:
        return int(row.failures_since_start)

    @admin.display(description=_("status"))
    def status(self, row: FailedLogin) -> str:
        if row.failures_since_start >= settings.AXES_FAILURE_LIMIT:
            until = row.attempt_time + settings.AXES_COOLOFF_TIME
            if until > timezone.now():
                return str(_("locked out until %(time)s") % {"time": _when(until)})
        return str(_("not locked out"))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    @admin.action(description=_("Lift the lock-out of the selected accounts"))
    def lift_lockout(self, request: HttpRequest, queryset: QuerySet[FailedLogin]) -> None:
        count, _deleted = queryset.delete()
        message = ngettext("%(count)d lock-out lifted.", "%(count)d lock-outs lifted.", count) % {
            "count": count
        }
        self.message_user(request, message, messages.SUCCESS)

    def get_actions(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        actions = super().get_actions(request, *args, **kwargs)
        actions.pop("delete_selected", None)  # "lift" says what deleting the count does
        return actions


@admin.register(FailedLoginLog)
class FailedLoginLogAdmin(LoginRecordAdmin):
    list_display = ["when", "account", "address", "caused_lockout"]

    @admin.display(description=_("caused a lock-out"), boolean=True)
    def caused_lockout(self, row: FailedLoginLog) -> bool:
        return bool(row.locked_out)


@admin.register(LoginLog)
class LoginLogAdmin(LoginRecordAdmin):
    list_display = ["when", "account", "address", "logged_out"]

    @admin.display(description=_("logged out"))
    def logged_out(self, row: LoginLog) -> str:
        return _when(row.logout_time)


register_queue(
    ReviewQueue(
        key="lockouts",
        title=_("Locked-out accounts"),
        description=_("Too many failed logins; lift a lock-out once the owner is confirmed."),
        model=FailedLogin,
        waiting=lambda: locked_out(FailedLogin.objects.all()),
        filters={"locked": "yes"},
        oldest_field="attempt_time",
        order=90,
    )
)

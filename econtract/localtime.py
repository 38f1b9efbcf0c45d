"""Times as people read them: in the reader's zone (the active one, the platform's ``TIME_ZONE``
by default, Asia/Shanghai), the zone always named — "2026-12-04 18:05（北京时间）" on pages,
"2026-12-04 18:05 (Beijing time)" in English. Never an ISO string, never microseconds.

One module for every page, report and notice, so a signing time and its timestamp never look
eight hours apart because two pieces of code disagreed about the zone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

# Zones people know by a name rather than by an offset (China Standard Time, UTC+8).
BEIJING_ZONES = frozenset({"Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "Asia/Urumqi", "PRC"})


def parse_time(value: datetime | str | None) -> datetime | None:
    """A stored time (ISO 8601 text, or a datetime) as an aware datetime, or None."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


def utc_offset(moment: datetime) -> str:
    """``UTC+8``, ``UTC+5:30``, ``UTC``: the offset of ``moment``'s zone."""
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_name(local: datetime, zone_key: str | None = None) -> str:
    """北京时间 / Beijing time for China Standard Time, else the offset (``UTC+9``)."""
    key = zone_key or timezone.get_current_timezone_name()
    if key in BEIJING_ZONES:
        # Translators: 北京时间
        return _("Beijing time")
    return utc_offset(local)


def parenthesised(text: str) -> str:
    """`` (text)`` in English, ``（text）`` in Chinese (full-width, no space)."""
    return f"（{text}）" if _chinese() else f" ({text})"


def local_time(value: datetime | str | None, *, seconds: bool = False) -> str:
    """``2026-12-04 18:05（北京时间）``: the time in the reader's zone, the zone named; "" for
    no time."""
    moment = parse_time(value)
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    text = local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return f"{text}{parenthesised(zone_name(local))}"


def until_text(value: datetime | str | None) -> str:
    """``14:35（北京时间）`` today, ``2026-12-05 14:35（北京时间）`` on another day; "" for None."""
    moment = parse_time(value)
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    if local.date() != timezone.localdate():
        return local_time(local)
    return f"{local:%H:%M}{parenthesised(zone_name(local))}"


def local_date(value: datetime | str | None) -> str:
    moment = parse_time(value)
    return timezone.localtime(moment).strftime("%Y-%m-%d") if moment is not None else ""


def _chinese() -> bool:
    return (get_language() or "zh-hans").startswith("zh")

"""One-time SMS verification codes: sending and checking (certificate applications, §8 alternative
authentication, auxiliary signatures).

A code has only a million values, so a plain hash would fall to a brute force of the table;
it is kept as an HMAC under the server's secret instead. A code lives five minutes, is used
once, and locks after five wrong tries. Sending is limited per account to stop SMS flooding.

Call :func:`verify_code` outside the caller's transaction (or before opening one): a wrong try
must be counted even though the caller's request is then refused and rolled back.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from econtract.errors import BusinessRuleViolation
from econtract.notifications.sms import send_sms_code
from econtract.parties.models import SmsCode, User

CODE_LIFETIME = timedelta(minutes=5)
MAX_FAILED_ATTEMPTS = 5
RESEND_INTERVAL = timedelta(seconds=60)  # per account and purpose
MAX_PER_HOUR = 5  # per account, all purposes together: the phone's owner is one person

_PURPOSE_TEXT = {
    # purpose -> (Chinese, English) description of what the code approves
    "certificate_apply": ("申请数字证书", "apply for a digital certificate"),
    "authentication": ("身份认证", "authenticate"),
}


def send_code(
    *, account: User, purpose: str, phone: str, action: tuple[str, str] | None = None
) -> None:
    """Send a fresh 6-digit code for ``purpose`` to ``phone``; earlier unused codes stop working.

    ``action`` is what the code approves, (Chinese, English), when the purpose alone does not
    say it well enough — e.g. which document is being signed. Refused with
    ``code_rate_limited`` (429) when sent too often.
    """
    code = f"{secrets.randbelow(10**6):06d}"
    now = timezone.now()
    with transaction.atomic():
        # Lock the account row: two requests at once must not both pass the rate limit.
        User.objects.select_for_update().filter(pk=account.pk).first()
        _check_rate(account=account, purpose=purpose, now=now)
        SmsCode.objects.filter(account=account, purpose=purpose, used_at__isnull=True).update(
            expires_at=now
        )
        SmsCode.objects.create(
            account=account,
            purpose=purpose,
            phone=phone,
            code_hmac=_hmac(account=account, purpose=purpose, code=code),
            created_at=now,
            expires_at=now + CODE_LIFETIME,
        )
        # Sent inside the transaction: if the provider refuses, no code row is left behind.
        text = _text(account, action or _PURPOSE_TEXT.get(purpose, _DEFAULT_ACTION), code)
        send_sms_code(phone=phone, text=text, code=code)


def verify_code(*, account: User, purpose: str, code: str) -> None:
    """Accept the latest code for ``purpose`` once, or refuse: ``code_invalid``,
    ``code_expired``, ``code_locked`` (after five wrong tries; send a new code)."""
    now = timezone.now()
    with transaction.atomic():
        latest = (
            SmsCode.objects.select_for_update()
            .filter(account=account, purpose=purpose)
            .order_by("-created_at", "-pk")
            .first()
        )
        problem = _problem(latest, code=code, now=now)
        if problem is None and latest is not None:
            latest.used_at = now
            latest.save(update_fields=["used_at"])
            return
        if problem == "code_invalid" and latest is not None and latest.used_at is None:
            latest.failed_attempts += 1
            latest.save(update_fields=["failed_attempts"])
    # Raised after the commit, so the counted wrong try stays counted.
    problem = problem or "code_invalid"
    raise BusinessRuleViolation(problem, str(_MESSAGES[problem]))


_MESSAGES = {
    "code_invalid": gettext_lazy("The SMS code is wrong or was already used."),
    "code_expired": gettext_lazy("The SMS code has expired; request a new one."),
    "code_locked": gettext_lazy("Too many wrong SMS codes; request a new one."),
}


def _problem(latest: SmsCode | None, *, code: str, now: datetime) -> str | None:
    if latest is None or latest.used_at is not None:
        return "code_invalid"
    if latest.failed_attempts >= MAX_FAILED_ATTEMPTS:
        return "code_locked"
    if latest.expires_at <= now:
        return "code_expired"
    expected = _hmac(account=latest.account, purpose=latest.purpose, code=code.strip())
    if not constant_time_compare(expected, latest.code_hmac):
        return "code_invalid"
    return None


def _check_rate(*, account: User, purpose: str, now: datetime) -> None:
    recent = SmsCode.objects.filter(account=account, created_at__gt=now - timedelta(hours=1))
    if recent.filter(purpose=purpose, created_at__gt=now - RESEND_INTERVAL).exists():
        raise BusinessRuleViolation(
            "code_rate_limited",
            _("A code was sent less than %(seconds)d seconds ago; please wait.")
            % {"seconds": RESEND_INTERVAL.seconds},
        )
    if recent.count() >= MAX_PER_HOUR:
        raise BusinessRuleViolation(
            "code_rate_limited",
            _("At most %(count)d codes are sent per hour; please try again later.")
            % {"count": MAX_PER_HOUR},
        )


def _hmac(*, account: User, purpose: str, code: str) -> str:
    # Bound to the account and purpose: a leaked table row cannot be replayed elsewhere.
    return salted_hmac(
        "econtract.parties.sms_codes", f"{account.pk}:{purpose}:{code}", algorithm="sha256"
    ).hexdigest()


_DEFAULT_ACTION = ("操作确认", "confirm the operation")


def _text(account: User, action: tuple[str, str], code: str) -> str:
    zh, en = action
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    if account.preferred_language == User.Language.EN:
        return (
            f"[econtract] Your code to {en} is {code}. It expires in {minutes} minutes. "
            "Never share it with anyone."
        )
    return f"【econtract】您正在{zh}，验证码 {code}，{minutes} 分钟内有效。请勿告知他人。"

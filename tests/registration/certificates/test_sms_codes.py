"""One-time SMS codes: hashed at rest, five minutes, used once, locked after five wrong tries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from econtract.api.errors import http_status_of
from econtract.errors import BusinessRuleViolation
from econtract.parties import sms_codes
from econtract.parties.models import SmsCode, User
from tests.registration.certificates.conftest import last_sms

PURPOSE = "certificate_apply"
PHONE = "13700137000"


def send(account: User) -> str:
    sms_codes.send_code(account=account, purpose=PURPOSE, phone=PHONE)
    return str(last_sms(PHONE, with_code=True)["code"])


def refusal(account: User, code: str) -> str:
    with pytest.raises(BusinessRuleViolation) as caught:
        sms_codes.verify_code(account=account, purpose=PURPOSE, code=code)
    return caught.value.code


def age(account: User, by: timedelta) -> None:
    SmsCode.objects.filter(account=account).update(
        created_at=timezone.now() - by, expires_at=timezone.now() - by + sms_codes.CODE_LIFETIME
    )


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_a_code_is_six_digits_sent_by_sms_and_stored_only_as_an_hmac(account: User) -> None:
    code = send(account)

    message = last_sms(PHONE)
    assert len(code) == 6
    assert code.isdigit()
    assert code in message["text"]
    assert "验证码" in message["text"]
    row = SmsCode.objects.get(account=account)
    assert code not in row.code_hmac
    assert len(row.code_hmac) == 64


def test_the_text_follows_the_accounts_language(account: User) -> None:
    account.preferred_language = User.Language.EN
    account.save()
    code = send(account)
    assert f"code to apply for a digital certificate is {code}" in last_sms(PHONE)["text"]


def test_the_right_code_is_accepted_once(account: User) -> None:
    code = send(account)

    sms_codes.verify_code(account=account, purpose=PURPOSE, code=code)

    assert refusal(account, code) == "code_invalid"


def test_a_code_for_another_purpose_is_refused(account: User) -> None:
    code = send(account)
    with pytest.raises(BusinessRuleViolation) as caught:
        sms_codes.verify_code(account=account, purpose="authentication", code=code)
    assert caught.value.code == "code_invalid"


def test_a_code_older_than_five_minutes_is_expired(account: User) -> None:
    code = send(account)
    age(account, timedelta(minutes=5, seconds=1))

    assert refusal(account, code) == "code_expired"


def test_five_wrong_tries_lock_the_code_even_for_the_right_one(account: User) -> None:
    code = send(account)
    for _ in range(sms_codes.MAX_FAILED_ATTEMPTS):
        assert refusal(account, wrong(code)) == "code_invalid"

    assert refusal(account, code) == "code_locked"
    assert SmsCode.objects.get(account=account).used_at is None


def test_a_new_code_replaces_the_old_one(account: User) -> None:
    first = send(account)
    age(account, timedelta(seconds=61))
    second = send(account)

    if first != second:
        assert refusal(account, first) == "code_invalid"
    sms_codes.verify_code(account=account, purpose=PURPOSE, code=second)


def test_a_second_code_within_a_minute_is_refused(account: User) -> None:
    send(account)
    with pytest.raises(BusinessRuleViolation) as caught:
        sms_codes.send_code(account=account, purpose=PURPOSE, phone=PHONE)
    assert caught.value.code == "code_rate_limited"
    assert http_status_of(caught.value) == 429
    assert SmsCode.objects.filter(account=account).count() == 1


def test_at_most_five_codes_are_sent_per_hour(account: User) -> None:
    for _ in range(sms_codes.MAX_PER_HOUR):
        send(account)
        age(account, timedelta(seconds=61))
    with pytest.raises(BusinessRuleViolation) as caught:
        sms_codes.send_code(account=account, purpose=PURPOSE, phone=PHONE)
    assert caught.value.code == "code_rate_limited"

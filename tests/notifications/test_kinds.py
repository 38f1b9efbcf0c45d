from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from econtract.notifications.kinds import (
    NoticeKind,
    UnknownNoticeKind,
    all_kinds,
    get_kind,
    register_kind,
)
from econtract.notifications.rendering import render_notice

SPEC_NOTICES = Path(__file__).resolve().parents[3] / "shared" / "spec" / "notices.csv"
OWN_TEMPLATES = ("registration_succeeded", "registration_failed", "deadline_overdue")
# Notices §8 requires of a process that Table 4 does not list (a refusal without authentication).
BEYOND_THE_TABLES = {
    "signing_not_authenticated",
    # auxiliary/notices.py: §8 refusals of T9.1/T10.1, the T10.3 request, T9.4 re-issue.
    "identity_change_not_authenticated",
    "cancellation_not_authenticated",
    "cancellation_confirmation_requested",
    "certificate_superseded",
    # auxiliary/contract_changes/notices.py: the §11.3–11.4 requests to decide, review, revise
    # and sign, and a withdrawn application.
    "amendment_decision_requested",
    "amendment_review_requested",
    "amendment_content_returned",
    "amendment_signature_requested",
    "amendment_withdrawn",
    "termination_decision_requested",
    "termination_signature_requested",
    "termination_withdrawn",
}


def test_every_notice_of_the_standard_is_registered_once_with_its_step_and_names() -> None:
    if not SPEC_NOTICES.exists():
        pytest.skip(f"{SPEC_NOTICES} is absent (shared/ sits beside the clone in CI)")
    with SPEC_NOTICES.open(encoding="utf-8") as spec:
        rows = [(r["step"], r["notice_zh"], r["notice_en"]) for r in csv.DictReader(spec)]
    standard = [
        k for k in all_kinds() if k.step.startswith("T") and k.code not in BEYOND_THE_TABLES
    ]
    assert [(k.step, k.name_zh, k.name_en) for k in standard] == rows


def test_kind_codes_are_unique_snake_case() -> None:
    codes = [k.code for k in all_kinds()]
    assert len(codes) == len(set(codes))
    assert all(code.isascii() and code == code.lower() and " " not in code for code in codes)


def test_the_overdue_notice_is_the_x9_kind_and_also_goes_by_sms() -> None:
    kind = get_kind("deadline_overdue")
    assert kind.step == "X9"
    assert set(kind.channels) == {"inbox", "email", "sms"}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("kind", all_kinds(), ids=lambda k: k.code)
def test_every_kind_renders_in_both_languages(kind: NoticeKind, language: str) -> None:
    rendered = render_notice(
        kind=kind,
        language=language,
        context={
            "recipient_name": "甲",
            "party_name": "乙公司",
            "reason": "r",
            "waiting_step_zh": "是否同意签署",
            "waiting_step_en": "Agree to sign or not",
            "waiting_step": "T5.4",
            "due_at": datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
            "object_type": "signing.contract",
            "object_id": "7",
        },
    )
    assert rendered.title
    assert "\n" not in rendered.title
    assert rendered.body
    assert rendered.body_html.lstrip().startswith("<!DOCTYPE html>")
    if language == "en":
        assert "您好" not in rendered.body
    else:
        assert "Dear" not in rendered.body


@pytest.mark.parametrize("code", OWN_TEMPLATES)
def test_the_first_notices_have_their_own_wording(code: str) -> None:
    generic_marker = {"zh-hans": "您收到一份", "en": "You have received a"}
    for language, marker in generic_marker.items():
        rendered = render_notice(kind=get_kind(code), language=language, context={})
        assert marker not in rendered.body


def test_a_notice_shows_what_its_template_places_and_never_lists_its_context() -> None:
    rendered = render_notice(
        kind=get_kind("offeree_declined"),
        language="en",
        context={"title": "Lease of a warehouse", "reason": "price too high", "party_id": "7"},
    )
    assert "“Lease of a warehouse”" in rendered.body
    assert "Reason: price too high" in rendered.body
    assert "party" not in rendered.body.lower()


def test_html_escapes_what_the_text_keeps_as_is() -> None:
    rendered = render_notice(
        kind=get_kind("registration_failed"),
        language="en",
        context={"party_name": "A & B <Ltd>", "reason": "x"},
    )
    assert "A & B <Ltd>" in rendered.body
    assert "A &amp; B &lt;Ltd&gt;" in rendered.body_html
    assert "<Ltd>" not in rendered.body_html


def test_an_unknown_language_gets_the_default_chinese() -> None:
    rendered = render_notice(kind=get_kind("registration_failed"), language="fr", context={})
    assert rendered.language == "zh-hans"
    assert "身份登记不成功" in rendered.title


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(UnknownNoticeKind):
        get_kind("no_such_notice")


def test_registering_a_code_twice_or_an_unknown_step_is_a_configuration_error() -> None:
    with pytest.raises(ImproperlyConfigured, match="twice"):
        register_kind(NoticeKind("registration_failed", "T2.4", "x", "x"))
    with pytest.raises(ImproperlyConfigured, match="unknown step"):
        register_kind(NoticeKind("brand_new_notice", "T99.1", "x", "x"))

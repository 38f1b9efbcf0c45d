"""The plain-language summary of a validation report (issue 17): one sentence derived from what
the validator reported — signatures, changes after signing, timestamps — never hard-coded."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone, translation

from econtract.localtime import local_time
from econtract.pki.plain_summary import summarise
from econtract.pki.readable import readable_name


@pytest.fixture(autouse=True)
def _english_in_shanghai() -> Iterator[None]:
    with translation.override("en"):
        timezone.activate("Asia/Shanghai")
        yield
        timezone.deactivate()


def signature(
    name: str,
    *,
    indication: str = "TOTAL-PASSED",
    sub: str | None = None,
    group: str = "user",
    revision: int = 1,
    level: str | None = "NONE",
    intact: bool = True,
    trusted: bool = True,
    timestamp: str | None = "2026-12-04T02:05:30.123456+00:00",
) -> dict[str, Any]:
    return {
        "field_name": f"Sig-{name}",
        "kind": "signature",
        "group": group,
        "signer": {"common_name": name, "organization": None, "subject": f"Common Name: {name}"},
        "revision": revision,
        "signing_time": "2026-12-04T10:05:00+08:00",
        "timestamp": {"time": timestamp},
        "integrity": {"intact": intact, "valid": intact},
        "chain": {"trusted": trusted, "path": []},
        "revocation": {"status": "good" if indication == "TOTAL-PASSED" else "not_checked"},
        "coverage": "ENTIRE_REVISION",
        "modifications": {"level": level},
        "indication": indication,
        "sub_indication": sub,
    }


def report(
    *signatures: dict[str, Any], findings: tuple[dict[str, Any], ...] = ()
) -> dict[str, Any]:
    """A report as the validator shapes it: the worst signature's indication, or TOTAL-FAILED
    for a failed document finding."""
    indications = {s["indication"] for s in signatures}
    if any(f["severity"] == "failed" for f in findings):
        indications.add("TOTAL-FAILED")
    order = ("TOTAL-FAILED", "INDETERMINATE")
    worst = next((i for i in order if i in indications), "TOTAL-PASSED")
    return {"indication": worst, "signatures": list(signatures), "findings": list(findings)}


def test_a_passed_contract_says_unchanged_and_counts_its_valid_signatures() -> None:
    summary = summarise(
        report(
            signature("张三", revision=1, level="FORM_FILLING"),
            signature("李四", revision=2),
            signature("Seal", group="service", revision=3),
        )
    )

    assert summary.tone == "ok"
    assert summary.text == (
        "The document has not been changed since it was signed; all 3 signatures are valid."
    )
    assert (summary.signatures, summary.valid_signatures) == (3, 3)
    assert not summary.changed_after_signing
    assert "Signed by: 张三, 李四, this platform's seal." in summary.points
    # The last timestamp, in the reader's zone with the zone named: never UTC ISO text.
    assert any("2026-12-04 10:05 (Beijing time)" in p for p in summary.points)


def test_one_signature_reads_in_the_singular() -> None:
    summary = summarise(report(signature("张三")))

    assert summary.text.endswith("its signature is valid.")


def test_an_unsigned_pdf_says_so_and_not_that_a_signature_is_invalid() -> None:
    unsigned = {
        "indication": "TOTAL-FAILED",
        "sub_indication": "FORMAT_FAILURE",
        "signatures": [],
        "findings": [{"code": "document_unsigned", "severity": "failed", "detail": {}}],
    }

    summary = summarise(unsigned)

    assert summary.unsigned
    assert summary.tone == "unsigned"
    assert summary.text == "This PDF carries no signature."
    assert "invalid" not in summary.text


def test_content_added_after_the_last_signature_names_the_page_a_reader_shows() -> None:
    changed = report(
        signature("张三"),
        findings=(
            {
                "code": "change_after_platform_seal",
                "severity": "failed",
                # The listed change's "page" is the page's object number, not its place.
                "detail": {"revision": 4, "change": {"kind": "page_content", "page": 12}},
            },
            {
                "code": "visible_change_after_last_signature",
                "severity": "failed",
                "detail": {"pages": "1"},
            },
        ),
    )

    summary = summarise(changed)

    assert summary.changed_after_signing
    assert summary.tone == "changed"
    assert summary.text == "Changed after signing: content was added or changed on page 1."
    assert summary.pages_changed == (1,)


def test_a_change_no_reader_draws_is_named_by_its_kind() -> None:
    changed = report(
        signature("张三"),
        findings=(
            {
                "code": "unsigned_revision_after_last_signature",
                "severity": "indeterminate",
                "detail": {"revision": 2, "changes": [{"kind": "pages", "old": 2, "new": 3}]},
            },
        ),
    )

    summary = summarise(changed)

    assert summary.text == "Changed after signing: 1 page was added."
    assert summary.pages_changed == ()


def test_an_annotation_a_signer_did_not_allow_is_a_change() -> None:
    first = signature("张三", revision=1, level="ANNOTATIONS", indication="TOTAL-FAILED")
    first["sub_indication"] = "FORMAT_FAILURE"
    listed = {
        "code": "change_after_signature",
        "severity": "info",
        "detail": {
            "field": "Sig-张三",
            "revision": 2,
            "change": {"kind": "annotation", "subtype": "Square", "page": 7},
        },
    }

    summary = summarise(report(first, signature("李四", revision=2), findings=(listed,)))

    assert summary.text == "Changed after signing: content was added on a page."
    assert "1 of 2 signatures are valid." in summary.points


def test_a_digest_mismatch_is_a_change_of_the_signed_content() -> None:
    broken = signature("张三", indication="TOTAL-FAILED", sub="HASH_FAILURE", intact=False)

    summary = summarise(report(broken))

    assert summary.changed_after_signing
    assert "the signed content itself was altered" in summary.text


def test_a_revoked_certificate_is_an_invalid_signature_with_its_reason() -> None:
    revoked = signature("李四", indication="TOTAL-FAILED", sub="REVOKED_NO_POE", revision=2)

    summary = summarise(report(signature("张三"), revoked))

    assert summary.tone == "invalid"
    assert summary.text == ("1 of 2 signatures is not valid: the signer's certificate was revoked.")


def test_an_untrusted_certificate_is_unconfirmed_not_changed() -> None:
    untrusted = signature(
        "Alice", indication="INDETERMINATE", sub="NO_CERTIFICATE_CHAIN_FOUND", trusted=False
    )

    summary = summarise(report(untrusted))

    assert summary.tone == "unconfirmed"
    assert not summary.changed_after_signing
    assert "not issued by an authority this platform trusts" in summary.text


def test_signatures_without_timestamps_are_said_to_carry_claimed_times() -> None:
    summary = summarise(report(signature("张三", timestamp=None)))

    assert any("signers' own statements" in p for p in summary.points)


def test_a_damaged_file_is_not_called_unsigned() -> None:
    damaged = {
        "indication": "TOTAL-FAILED",
        "signatures": [],
        "findings": [{"code": "damaged_beyond_checking", "severity": "failed", "detail": {}}],
    }

    summary = summarise(damaged)

    assert summary.tone == "invalid"
    assert not summary.unsigned


def test_the_summary_follows_the_active_language() -> None:
    with translation.override("zh-hans"):
        names = summarise(report(signature("张三"), signature("李四", revision=2))).points[0]

    assert "张三、李四" in names


@pytest.mark.parametrize(
    ("name", "readable"),
    [
        ("Common Name: 张三, Organization: 示例公司, Country: CN", "张三 (示例公司)"),
        ("2.5.4.5=110101,CN=张三,O=示例公司", "张三 (示例公司)"),
        ("Common Name: econtract Local Root CA", "econtract Local Root CA"),
        ("Organization: 示例公司, 2.5.4.97: VATCN-91", "示例公司"),
        ("", ""),
    ],
)
def test_certificate_names_read_as_common_name_and_organisation(name: str, readable: str) -> None:
    assert readable_name(name) == readable


def test_times_are_local_with_their_zone_and_without_microseconds() -> None:
    assert local_time("2026-12-04T02:05:30.522814+00:00") == "2026-12-04 10:05 (Beijing time)"
    assert local_time("2026-12-04T10:05:30+08:00") == local_time("2026-12-04T02:05:30Z")
    with translation.override("zh-hans"):
        assert local_time("2026-12-04T02:05:30Z") == "2026-12-04 10:05（北京时间）"
    assert local_time(None) == ""

from datetime import UTC, datetime

import pytest

from econtract.pki.results import CheckResult, isoformat_z


def test_check_result_round_trips_through_its_json_form() -> None:
    result = CheckResult("fail", "revoked", datetime(2026, 11, 20, 10, 0, tzinfo=UTC))

    stored = result.to_dict()

    assert stored == {"result": "fail", "detail": "revoked", "checked_at": "2026-11-20T10:00:00Z"}
    assert CheckResult.from_dict(stored) == result


def test_check_result_refuses_an_unknown_outcome() -> None:
    with pytest.raises(ValueError, match="unknown check outcome"):
        CheckResult("pending", "not run yet")  # type: ignore[arg-type]


def test_check_result_refuses_a_naive_check_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CheckResult("pass", "good", datetime(2026, 1, 1))  # noqa: DTZ001 - the point of the test


def test_only_pass_is_ok() -> None:
    assert CheckResult.passed("good").ok
    assert not CheckResult.failed("revoked").ok
    assert not CheckResult.unavailable("responder down").ok


def test_times_are_written_in_utc_with_z() -> None:
    from zoneinfo import ZoneInfo

    shanghai = datetime(2026, 11, 20, 18, 0, 0, 123456, tzinfo=ZoneInfo("Asia/Shanghai"))

    assert isoformat_z(shanghai) == "2026-11-20T10:00:00Z"

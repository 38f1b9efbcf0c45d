from __future__ import annotations

import json
import threading
from datetime import datetime
from pathlib import Path

import pytest

from econtract.notifications.sms import FileSMSBackend, SMSDeliveryError, send_sms_code

LINES_PER_WRITER = 200
WRITERS = 8


def test_an_sms_code_is_appended_as_a_json_line_with_its_fields(sms_file: Path) -> None:
    send_sms_code(phone="13800000009", text="验证码 123456，5 分钟内有效。", code="123456")
    send_sms_code(phone="13800000009", text="验证码 654321，5 分钟内有效。", code="654321")
    records = [json.loads(line) for line in sms_file.read_text(encoding="utf-8").splitlines()]
    assert [r["code"] for r in records] == ["123456", "654321"]
    first = records[0]
    assert set(first) == {"to", "text", "code", "at"}
    assert (first["to"], first["text"]) == ("13800000009", "验证码 123456，5 分钟内有效。")
    assert datetime.fromisoformat(first["at"]).tzinfo is not None


def test_an_sms_without_a_phone_number_is_refused(sms_file: Path) -> None:
    with pytest.raises(SMSDeliveryError):
        send_sms_code(phone="", text="验证码 1", code="1")
    assert not sms_file.exists()


def _write_many(path: str, writer: int) -> None:
    backend = FileSMSBackend(path)
    for n in range(LINES_PER_WRITER):
        backend.send(f"1380000{writer:04d}", "短信" * 300 + f" {n}", code=str(n))


def test_concurrent_writers_never_interleave_lines(tmp_path: Path) -> None:
    # Each writer opens the file itself, as separate worker processes do; os.write releases
    # the GIL, so the writes really race in the kernel.
    path = tmp_path / "sms.jsonl"
    writers = [threading.Thread(target=_write_many, args=(str(path), w)) for w in range(WRITERS)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=60)
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(records) == WRITERS * LINES_PER_WRITER
    for number in range(WRITERS):
        codes = [r["code"] for r in records if r["to"] == f"1380000{number:04d}"]
        assert codes == [str(n) for n in range(LINES_PER_WRITER)]

"""docs/state-machines.md is what the models' transitions draw (tools/state_machines.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_state_machine_page_is_drawn_from_the_models() -> None:
    spec = importlib.util.spec_from_file_location(
        "state_machines", ROOT / "tools/state_machines.py"
    )
    assert spec is not None
    assert spec.loader is not None
    drawing = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(drawing)

    expected = drawing.document()

    assert "draft --> ready: submit" in expected  # a RETURN_VALUE transition, both ways
    assert "signing --> sealing: start_sealing" in expected
    assert (ROOT / "docs/state-machines.md").read_text(encoding="utf-8") == expected, (
        "run: .venv/bin/python tools/state_machines.py > docs/state-machines.md"
    )

"""The project's Celery worker, writing when each task was received, started and ended.

    .venv/bin/python bench/timed_worker.py TIMINGS_FILE [celery worker options...]

For ``bench/contract_pipeline.py``: one JSON line per task to TIMINGS_FILE, wall-clock seconds
(the bench runs on the same machine, so they compare with its own clock). The worker is the
ordinary one (``celery -A econtract worker``); only the signal handlers are added.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from celery import signals

from econtract.celery import app

_lock = threading.Lock()
_received: dict[str, float] = {}
_started: dict[str, float] = {}


def _write(path: Path, record: dict[str, Any]) -> None:
    with _lock, path.open("a") as out:
        out.write(json.dumps(record) + "\n")


def main(path: Path, options: list[str]) -> None:
    @signals.task_received.connect(weak=False)
    def received(request: Any, **_: Any) -> None:
        _received[request.id] = time.time()

    @signals.task_prerun.connect(weak=False)
    def prerun(task_id: str, **_: Any) -> None:
        _started[task_id] = time.time()

    @signals.task_postrun.connect(weak=False)
    def postrun(task_id: str, task: Any, args: Any, state: str, **_: Any) -> None:
        _write(
            path,
            {
                "task": task.name,
                "args": list(args or ()),
                "state": state,
                "received": _received.pop(task_id, None),
                "started": _started.pop(task_id, None),
                "ended": time.time(),
            },
        )

    app.worker_main(["worker", *options])


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])

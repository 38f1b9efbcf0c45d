"""A sandbox job's own refusal of its input, shared by the child's runner (``sandbox.py``, run as
``__main__`` there) and the jobs that raise it (``normalise.py``): one class in both."""

from __future__ import annotations


class JobRefused(Exception):
    """The input is refused (e.g. an encrypted upload): sent to the parent with its code as a
    ``SandboxError``, like any other answer, and not counted as a fault of the child."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

"""One retry policy: exponential backoff, capped per wait, bounded in total.

A task that retries a transient fault (a notice's channel, a webhook's target, an OCSP or TSA
outage) waits ``base * 2**n`` seconds before its n-th retry, never more than ``cap``, at most
``retries`` times. The recovery sweeper uses :meth:`Backoff.total` to tell work still being
retried from work whose task died: nothing is queued again before its own retries could be over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

# However many retries, no wait between two is longer than this by default.
LONGEST_WAIT_SECONDS = 3600.0


@dataclass(frozen=True, slots=True)
class Backoff:
    base: float  # seconds before the first retry
    retries: int
    cap: float = LONGEST_WAIT_SECONDS

    def delay(self, retries_done: int) -> float:
        return float(min(self.base * 2**retries_done, self.cap))

    def total(self) -> timedelta:
        """The longest time all the retries can take (without the attempts themselves)."""
        return timedelta(seconds=sum(self.delay(n) for n in range(self.retries)))

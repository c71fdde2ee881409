"""When a failed delivery is tried again: exponential backoff with jitter, for about 3 days. Pure."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """The n-th failed attempt waits ``base * factor**(n-1)``, at most ``cap``, times a jitter factor drawn
    from [1 - jitter, 1 + jitter]; no attempt is made later than ``window`` after the first one: the
    delivery is then given up (FAILED). With the defaults: 1, 2, 4 ... 256 minutes, then every 6 hours,
    about 20 attempts over 3 days. An endpoint that has failed every attempt for ``window`` is disabled."""

    base: dt.timedelta = dt.timedelta(minutes=1)
    factor: float = 2.0
    cap: dt.timedelta = dt.timedelta(hours=6)
    jitter: float = 0.2
    window: dt.timedelta = dt.timedelta(days=3)

    def delay(self, failures: int, rng: random.Random) -> dt.timedelta:
        """The wait after the ``failures``-th failed attempt (1 for the first)."""
        raw = min(self.cap.total_seconds(), self.base.total_seconds() * self.factor ** max(failures - 1, 0))
        return dt.timedelta(seconds=raw * rng.uniform(1 - self.jitter, 1 + self.jitter))

    def next_attempt(self, *, first_attempt_at: dt.datetime, now: dt.datetime, failures: int,
                     rng: random.Random) -> dt.datetime | None:
        """When to try again after ``failures`` failed attempts, or None: give up."""
        following = now + self.delay(failures, rng)
        return following if following <= first_attempt_at + self.window else None

    def schedule(self, rng: random.Random, start: dt.datetime) -> list[dt.datetime]:
        """Every attempt's time for a receiver that always fails (documentation and tests)."""
        times, failures = [start], 0
        while True:
            failures += 1
            following = self.next_attempt(first_attempt_at=start, now=times[-1], failures=failures, rng=rng)
            if following is None:
                return times
            times.append(following)


DEFAULT_POLICY = RetryPolicy()

"""Growing delays after repeated failures: wrong passwords, wrong walk-in codes.

A few failures of one key (an account at an address, a phone at an event) are free; after
them, each failure makes the next try wait: 2 seconds, then 4, 8 … up to a ceiling. The wait
is a refusal with Retry-After, not a sleep, so no worker is held while an attacker waits.
Failures are forgotten `window` seconds after the first one, or at the first success.

The counts live in the rate limiter's store: with a shared store (RATELIMIT_STORAGE_URI=
redis://…) every app process sees the same count; with memory://, each process counts its
own. Keys are hashed, so the store holds no e-mail address. With rate limiting switched off
(RATELIMIT_ENABLED=false), there are no delays either.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from flask import current_app

from app.extensions import limiter

#: The first delay, in seconds; each further failure doubles it.
FIRST_DELAY = 2


def _store():
    """The limiter's store, or None when rate limiting is off."""
    if not (limiter.enabled and getattr(limiter, "initialized", False)):
        return None
    try:
        return limiter.storage
    except AssertionError:  # initialised without a store
        return None


@dataclass(frozen=True)
class Backoff:
    """Growing delays for one kind of failure."""

    #: Short name in the store's keys, e.g. "login".
    name: str
    #: Failures without any delay.
    free: int
    #: The longest delay, in seconds.
    longest: int
    #: Seconds after the first failure when the count starts again.
    window: int = 3600

    def _keys(self, key: str) -> tuple[str, str]:
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        return f"backoff/{self.name}/failures/{digest}", f"backoff/{self.name}/wait/{digest}"

    def delay_after(self, failures: int) -> int:
        """Seconds to wait after the `failures`-th failure (0 while they are free)."""
        over = failures - self.free
        if over <= 0:
            return 0
        return min(FIRST_DELAY * 2 ** min(over - 1, 30), self.longest)

    def wait(self, key: str) -> int:
        """Seconds the next try must still wait (0: it may go ahead)."""
        store = _store()
        if store is None:
            return 0
        _failures, waiting = self._keys(key)
        try:
            if not store.get(waiting):
                return 0
            return max(1, math.ceil(store.get_expiry(waiting) - time.time()))
        except Exception as exc:  # the store is down: no delays rather than no sign-ins
            current_app.logger.warning("backoff store unavailable: %s", type(exc).__name__)
            return 0

    def failed(self, key: str) -> int:
        """Count a failure; returns the seconds the next try must wait (0 while free)."""
        store = _store()
        if store is None:
            return 0
        failures, waiting = self._keys(key)
        try:
            count = store.incr(failures, self.window)
            delay = self.delay_after(count)
            if delay:
                store.clear(waiting)
                store.incr(waiting, delay)
            return delay
        except Exception as exc:
            current_app.logger.warning("backoff store unavailable: %s", type(exc).__name__)
            return 0

    def succeeded(self, key: str) -> None:
        """Forget the key's failures."""
        store = _store()
        if store is None:
            return
        failures, waiting = self._keys(key)
        try:
            store.clear(failures)
            store.clear(waiting)
        except Exception as exc:
            current_app.logger.warning("backoff store unavailable: %s", type(exc).__name__)

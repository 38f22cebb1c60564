"""The twin clock: wall time plus an offset that ``/_twinstack/clock/advance`` moves.

The offset lives in the store, so every worker sharing a state agrees on the
time; each process re-reads it at most every ``refresh`` seconds.
"""

from __future__ import annotations

import time as _time
from datetime import datetime, timezone

from twinstack.store import Store

SPEEDS = {"realistic": 1.0, "fast": 0.1, "instant": 0.0}


class Clock:
    def __init__(self, store: Store, speed: str = "realistic", refresh: float = 0.5) -> None:
        if speed not in SPEEDS:
            raise ValueError(f"--speed must be one of {', '.join(SPEEDS)}")
        self.store = store
        self.speed = speed
        self.factor = SPEEDS[speed]
        """Multiplier applied to every lifecycle duration."""
        self._refresh = refresh
        self._offset = float(store.meta_get("clock_offset") or 0.0)
        self._read_at = _time.monotonic()
        self._iso_second: int | None = None
        self._iso_text = ""

    def now(self) -> float:
        mono = _time.monotonic()
        if mono - self._read_at > self._refresh:
            self._offset = float(self.store.meta_get("clock_offset") or 0.0)
            self._read_at = mono
        return _time.time() + self._offset

    def advance(self, seconds: float) -> float:
        self._offset = self.store.meta_add("clock_offset", seconds)
        self._read_at = _time.monotonic()
        return self.now()

    def reload(self) -> None:
        self._offset = float(self.store.meta_get("clock_offset") or 0.0)
        self._read_at = _time.monotonic()

    def duration(self, realistic_seconds: float) -> float:
        """How long a lifecycle step takes at the configured speed."""
        return realistic_seconds * self.factor

    def iso(self, at: float | None = None, millis: bool = False) -> str:
        when = self.now() if at is None else at
        second = int(when // 1)
        if second != self._iso_second:
            # Every response stamps the time; formatting it once per second keeps strftime off the hot path.
            self._iso_text = datetime.fromtimestamp(second, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
            self._iso_second = second
        if millis:
            # Rounded to microseconds first, as datetime does, so 1.001 reads .001, not .000.
            return f"{self._iso_text}.{min(round((when - second) * 1_000_000), 999_999) // 1000:03d}Z"
        return self._iso_text + "Z"

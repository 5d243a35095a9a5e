"""Timing the steps of one rerun, for the "where a rerun's time goes" tables."""

from __future__ import annotations

import time
from collections.abc import Callable


def lap_timer(phases: dict[str, float] | None) -> Callable[[str], None]:
    """A ``lap(name)`` that adds the seconds since the previous lap (at first, since this
    call) to ``phases[name]``; with ``phases`` None it only keeps the clock."""
    clock = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        if phases is not None:
            phases[name] = phases.get(name, 0.0) + now - clock[0]
        clock[0] = now

    return lap

"""cProfile of one "ours" rerun: the functions that cost most, by own time and in total."""

from __future__ import annotations

import cProfile
import io
import pstats
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def _where(func: tuple[str, int, str]) -> str:
    filename, line, name = func
    path = Path(filename)
    with_repo = str(path).replace(str(REPO) + "/", "")
    if "site-packages/" in with_repo:
        with_repo = with_repo.split("site-packages/", 1)[1]
    elif "/lib/python3" in with_repo:
        with_repo = "stdlib/" + with_repo.split("/lib/python3", 1)[1].split("/", 1)[-1]
    return f"{with_repo}:{line}({name})" if filename != "~" else name


def profile(fn: Callable[[], Any], top: int = 15) -> dict[str, Any]:
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = [
        {
            "function": _where(func),
            "calls": nc,
            "tottime_s": round(tt, 4),
            "cumtime_s": round(ct, 4),
        }
        for func, (_cc, nc, tt, ct, _callers) in stats.stats.items()  # type: ignore[attr-defined]
    ]
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(40)
    return {
        "total_s": round(sum(r["tottime_s"] for r in rows), 4),
        "by_tottime": sorted(rows, key=lambda r: -r["tottime_s"])[:top],
        "by_cumtime": sorted(rows, key=lambda r: -r["cumtime_s"])[:top],
        "text": text.getvalue(),
    }

"""dashboard.perf: what exists after a page's first run is frozen once, not on every run."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard import perf

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def clean() -> Iterator[None]:
    perf._settled.clear()
    gc.unfreeze()
    yield
    perf._settled.clear()
    gc.unfreeze()  # give the test process's objects back to the collector


def test_first_run_of_a_page_freezes_what_exists(clean: None) -> None:
    assert gc.get_freeze_count() == 0
    perf.settle_after_first_run("map")
    frozen = gc.get_freeze_count()
    assert frozen > 1000  # the imported libraries, at least

    made_later = [[i] for i in range(100)]
    perf.settle_after_first_run("map")  # a later run of the same page: nothing more frozen
    assert gc.get_freeze_count() == frozen
    assert not any(gc.is_tracked(x) and _is_frozen(x) for x in made_later[:1])

    perf.settle_after_first_run("timeline")  # another page's first run freezes again
    assert gc.get_freeze_count() > frozen


def _is_frozen(obj: object) -> bool:
    # Frozen objects are in no generation that gc.get_objects() lists.
    return not any(o is obj for o in gc.get_objects())


def test_the_map_page_modules_do_not_load_matplotlib() -> None:
    # matplotlib costs ~0.3 s of every cold start; only a PNG download needs it.
    code = (
        "import sys, dashboard.state, dashboard.assets, dashboard.exports, "
        "dashboard.playback, dashboard.render; print('matplotlib' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert out.stdout.strip() == "False"

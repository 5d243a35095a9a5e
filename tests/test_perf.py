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
    perf._runs.clear()
    perf._frozen = False
    gc.unfreeze()
    yield
    perf._runs.clear()
    perf._frozen = False
    gc.unfreeze()  # give the test process's objects back to the collector


def test_the_first_page_to_run_twice_freezes_what_exists_once(clean: None) -> None:
    perf.settle("map")  # first run: its garbage is still to be collected, nothing frozen
    assert gc.get_freeze_count() == 0
    perf.settle("map")
    frozen = gc.get_freeze_count()
    assert frozen > 1000  # the imported libraries, at least

    later = [[i] for i in range(100)]
    for page in ("map", "timeline", "timeline", "timeline"):
        perf.settle(page)  # once per process: nothing more is frozen
    assert gc.get_freeze_count() == frozen
    assert any(x is later for x in gc.get_objects()), "objects made later stay collectable"


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


def _rejected_upload():
    from bench.upload_pressure import worst_file
    from geo.dataset import load_dataset
    from geo.reading.upload import load_upload

    builtin = load_dataset()
    data = worst_file(1)  # every row rejected: a Problem object per row
    return load_upload(
        "w.csv", data, places=builtin.places, source_ids=set(builtin.sources["source_id"])
    )


def test_an_upload_s_result_holds_no_reference_cycles(clean: None) -> None:
    # perf.refreeze freezes a read's result: it must still be freed, by reference counting
    # alone, once the session lets it go.
    gc.collect()
    result = _rejected_upload()
    touched = (result.errors, result.rejected_count, result.rejected_table())
    touched += (result.unmatched_places(), result.file_errors)
    gc.collect()
    del result, touched
    assert gc.collect() == 0


def test_refreeze_takes_a_large_result_out_of_every_later_collection(clean: None) -> None:
    result = _rejected_upload()
    assert len(result.problems) >= 10_000
    before = gc.get_freeze_count()
    perf.refreeze()
    assert gc.get_freeze_count() >= before + len(result.problems)
    # What the collector after each run still walks: not the result's problems.
    walked = len(gc.get_objects())
    assert walked < len(result.problems) / 2, walked

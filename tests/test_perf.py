"""dashboard.perf: what exists after a page's first run is frozen once, not on every run."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from dashboard import perf


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

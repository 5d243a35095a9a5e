"""Keep Streamlit's garbage collection after each script run cheap.

Streamlit runs a full ``gc.collect()`` after every script run (``runner.postScriptGC``).
With pandas, geopandas, folium and the loaded data in memory that walked ~140,000 objects,
about 50 ms holding the GIL, on every filter change. The libraries and the built-in data
live as long as the server, so once per process, at the start of a map page's second run
(the first run's garbage has been collected by then), they are moved out of the
collector's sight with ``gc.freeze()``, which costs nothing. Objects made later are
collected as before; frozen ones are still freed when nothing refers to them.

Not ``runner.postScriptGC = false`` (issue #16, bench/PUBLIC.md): with no collection after
each run, Python's own full collection still comes, every few dozen runs, and walks
everything: 0.1-0.26 s inside one filter change on the benchmark machine. With the freeze,
each run's collection took about a millisecond, and memory was the same either way. The
option is also hidden in Streamlit 1.67 (``streamlit config show`` does not list it).

An upload can bring far more objects than the libraries: a file whose every row is rejected
keeps a ``Problem`` per row, up to a million, and every other session's runs then walked
them all (bench/upload_pressure.py: another viewer's filter change went from 0.03 to 0.29 s
for as long as the uploader's session held such a result). :func:`refreeze` after such a
read freezes them too, and :func:`freeze` as the read goes.
"""

from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_runs: dict[str, int] = {}
_frozen = False


def settle(page: str) -> None:
    """Call at the start of every run of a page; freezes once per process, on a page's
    second run."""
    global _frozen
    with _lock:
        runs = _runs[page] = _runs.get(page, 0) + 1
        if runs == 2 and not _frozen:
            gc.freeze()
            _frozen = True


def freeze() -> None:
    """Freeze everything alive now, without a collection: cheap enough to call as a long
    read progresses, so that other sessions' runs do not walk what it has made so far.
    What it freezes that is garbage is dealt with by the :func:`refreeze` at its end."""
    with _lock:
        gc.freeze()


# A read that leaves at least this many problems is frozen with them (see refreeze).
REFREEZE_PROBLEMS = 10_000


def refreeze() -> None:
    """Collect what is garbage now, then freeze everything alive, after reading an upload
    that left many objects behind (:data:`REFREEZE_PROBLEMS`).

    One full collection (a few tenths of a second at worst) instead of one after every run
    of every session for as long as the upload is kept. Frozen objects are still freed when
    nothing refers to them (an upload's result holds no reference cycles; a test checks);
    a cycle frozen by chance is collected at the next refreeze, which unfreezes first.
    """
    global _frozen
    with _lock:
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        _frozen = True

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

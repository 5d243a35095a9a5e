"""Keep Streamlit's garbage collection after each script run cheap.

Streamlit runs a full ``gc.collect()`` after every script run (``runner.postScriptGC``).
With pandas, geopandas, folium and the loaded data in memory that walked ~140,000 objects,
about 50 ms holding the GIL, on every filter change. Everything loaded by the first run of
a page lives as long as the server, so it is moved out of the collector's sight with
``gc.freeze()``; objects made later are collected as before.
"""

from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_settled: set[str] = set()


def settle_after_first_run(page: str) -> None:
    """Freeze what exists after the first run of ``page`` in this process (once per page)."""
    with _lock:
        if page in _settled:
            return
        _settled.add(page)
        gc.collect()  # this run's garbage is freed now, not frozen for good
        gc.freeze()

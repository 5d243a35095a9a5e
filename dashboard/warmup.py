"""A new server's first-visit work, done while the first browser is still loading.

``streamlit run app.py`` starts the server about a second before the first page's script
runs: the browser spends that second fetching Streamlit's front end and connecting. The
first run then spent most of its own second importing pandas, folium and geopandas and
loading the built-in data. :func:`lifespan` (the server's start-up hook, see app.py) does
that work in a background thread during the wait, so the first visitor's map is drawn
sooner; the script finds the modules imported and the data in ``state.dataset``'s cache.

Never import a module here that declares a Streamlit component (``streamlit_folium``, and
so ``dashboard.mapframe``): a component declared outside a script run is not registered,
and the map would then be missing for the server's whole life.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

_LOGGER = logging.getLogger(__name__)
_THREAD = "warm-up"


class _NoContextWarning(logging.Filter):
    """Streamlit warns that this thread has no script run context; it is not meant to."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.threadName != _THREAD


def warm_up() -> None:
    """Import what every page needs and load the built-in data into the shared cache.

    A failure here is only logged: the first script run does the same work again and
    shows the error to the visitor, with its advice.
    """
    try:
        # The data first: the shared sidebar needs it before anything can be drawn, while
        # folium is first needed by the map itself, after the page has read the filters.
        from dashboard import state
        from geo.views.filtering import ClaimFilter, filter_claims, summarise

        # What the filter keeps per table (its rows in date order, its coded columns) is
        # made by the first filter of the table: here rather than in the first visit.
        summarise(filter_claims(state.dataset().claims, ClaimFilter()))

        import folium.plugins  # noqa: F401  (streamlit_folium imports it)

        from dashboard import exports, render  # noqa: F401
        from geo.views import filtering, foliummap, mapview  # noqa: F401

        # Not the store: importing SQLAlchemy and opening it cost ~0.17 s of CPU, which
        # here competed for the GIL with the first run's map and made the first paint
        # later (bench/cold.py). The sidebar's picker opens it, after the map is sent.
    except Exception:  # the script reports it properly on its first run
        _LOGGER.warning("warming up failed; the first page load will do it", exc_info=True)


# Each warm-up thread started, with when (time.monotonic()).
_started: list[tuple[threading.Thread, float]] = []


def start() -> threading.Thread:
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        _NoContextWarning()
    )
    thread = threading.Thread(target=warm_up, name=_THREAD, daemon=True)
    thread.start()  # before it is listed: a thread not yet started cannot be joined
    _started.append((thread, time.monotonic()))
    return thread


# Long enough for a big data folder's first load; a warm-up stuck longer than this is
# left to itself (and logs its failure if it ever ends).
WAIT_SECONDS = 60.0


def wait(timeout: float = WAIT_SECONDS) -> None:
    """Return once this process's warm-up, if one is running, has finished, or once it
    has run for ``timeout`` seconds: every later run then goes on at once, rather than
    each waiting out its own ``timeout`` behind a warm-up that is stuck.

    A script run calls this before its first import: two threads importing the same
    packages at once (folium, branca and jinja2 import each other) can deadlock, and Python
    then fails one of them with an ImportError. A cold start's first visitor got one in 2
    of 15 launches at 100,000 claims once the warm-up also prepared the table for filtering
    (0 of 25 before: the race was there, its window narrower). The first run needed that
    work done anyway; it waits for it instead of racing it.
    """
    for thread, began in _started:
        left = began + timeout - time.monotonic()
        if left > 0 and thread is not threading.current_thread():
            thread.join(left)


@asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    """The server's start-up hook: start warming up and serve at once."""
    start()
    yield

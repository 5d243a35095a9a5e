"""Files the app serves from memory: a user's uploaded boundaries, fetched once by the map.

Boundaries uploaded on the Your data page exist only in their session's memory. Put into
the map's script, as they were, they travelled with every filter change: the map frame
gets its whole script again with each new data layer, and a boundary file can be
megabytes. Here they get an address of their own, named by a hash of their content, on a
route of the app's own server (``st.App`` in app.py); the frame fetches them once and the
browser keeps them.

A file is kept while any dataset that uses it lives. This module must not import
``streamlit_folium``: app.py imports it before any script runs (see dashboard/warmup.py
for why that matters).
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
import weakref
from collections import OrderedDict, deque

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from dashboard.lasting import lasting
from dashboard.static import FROM_FRAME

ROUTE = "/_claims_map/files"

# Shared by the route (built at start-up) and the pages, across reloads (dashboard/lasting.py).
_lock: threading.Lock = lasting("served_lock", threading.Lock)
# name -> (content, how many owners keep it)
_files: dict[str, tuple[bytes, int]] = lasting("served_files", dict)
# Owners gone, their files not yet let go. A finalizer only appends here: it can run in
# any thread at any allocation, even one made while this thread holds _lock.
_released: deque[str] = lasting("served_released", deque)


def serve(owner: object, content: bytes, suffix: str = ".geojson") -> str:
    """Serve ``content`` for as long as ``owner`` lives; return its name."""
    # The whole hash: the store keeps boundary sets by it (see :func:`_from_store`).
    name = hashlib.sha256(content).hexdigest() + suffix
    with _lock:
        _let_go()
        kept, owners = _files.get(name, (content, 0))
        _files[name] = (kept, owners + 1)
    weakref.finalize(owner, _released.append, name)
    return name


def _let_go() -> None:
    """Count off the owners that are gone (call with _lock held)."""
    while _released:
        name = _released.popleft()
        content, owners = _files[name]
        if owners > 1:
            _files[name] = (content, owners - 1)
        else:
            del _files[name]


# Boundary sets read from the store for frames of other processes' sessions.
STORE_CACHE_BYTES = 64 * 1024 * 1024
MISSING_TTL_S = 30.0
MAX_MISSING = 1024
LOOKUP_WAIT_S = 2.0
_store_cache: OrderedDict[str, bytes] = lasting("served_store_cache", OrderedDict)
_store_missing: dict[str, float] = lasting("served_store_missing", dict)
_lookups: threading.BoundedSemaphore = lasting(
    "served_store_lookups", lambda: threading.BoundedSemaphore(4)
)


def url_from_frame(name: str) -> str:
    """The file's address as the map frame must write it (relative, so any base path works)."""
    return f"{FROM_FRAME}{ROUTE}/{name}"


def content(name: str) -> bytes | None:
    with _lock:
        _let_go()
        entry = _files.get(name)
    return entry[0] if entry else None


def _from_store(name: str) -> bytes | None:
    """A boundary set saved in the store, for a map frame this process did not serve.

    Behind a load balancer a frame's request can reach any app process, and a saved
    dataset's boundaries are named by the SHA-256 of their text, which the store keys on.
    What the store gave is kept (up to STORE_CACHE_BYTES), a name it did not know is
    remembered for a while, and only a few lookups run at once: requests for made-up or
    large names cannot keep the database or this server's threads busy.
    """
    sha, _, suffix = name.partition(".")
    if suffix != "geojson" or not re.fullmatch(r"[0-9a-f]{64}", sha):
        return None
    with _lock:
        if name in _store_cache:
            _store_cache.move_to_end(name)
            return _store_cache[name]
        missed = _store_missing.get(name)
        if missed is not None and time.monotonic() - missed < MISSING_TTL_S:
            return None
    if not _lookups.acquire(timeout=LOOKUP_WAIT_S):
        return None
    try:
        from dashboard import datastore  # imports streamlit: only when first needed

        text = datastore.boundary_geojson(sha)
    finally:
        _lookups.release()
    with _lock:
        if text is None:
            _store_missing[name] = time.monotonic()
            while len(_store_missing) > MAX_MISSING:
                _store_missing.pop(next(iter(_store_missing)))
            return None
        body = text.encode("utf-8")
        _store_cache[name] = body
        while sum(len(b) for b in _store_cache.values()) > STORE_CACHE_BYTES:
            _store_cache.popitem(last=False)
        return body


async def _file(request: Request) -> Response:
    name = request.path_params["name"]
    body = content(name)
    if body is None:
        body = await run_in_threadpool(_from_store, name)
    if body is None:
        return Response(
            "This file is no longer loaded: reload the page.",
            status_code=404,
            media_type="text/plain",
        )
    # Named by its content, so it never changes.
    return Response(
        body,
        media_type="application/geo+json",
        headers={"Cache-Control": "private, max-age=31536000, immutable"},
    )


def routes() -> list[BaseRoute]:
    """The files' route, for ``st.App(routes=...)``, at the root and under any base path.

    Any prefix rather than ``server.baseUrlPath``: app.py builds its routes before
    Streamlit has read the app's own config file.
    """
    return [
        Route(f"{ROUTE}/{{name}}", _file, methods=["GET"]),
        Route(f"/{{base:path}}{ROUTE}/{{name}}", _file, methods=["GET"]),
    ]

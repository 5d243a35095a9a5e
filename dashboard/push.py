"""A shortcut for the map's data layer: sent to the map frame the moment a rerun has it.

After a filter change, Streamlit's front end hands the map frame its new arguments only
once React has rendered them, behind the rest of the run's messages (new session,
navigation, the page, the sidebar's widgets): on this app's Map page the frame got its
data layer 20-40 ms after the layer had reached the browser (bench/RESULTS.md). So the
frame also listens on a websocket of the app's own (a route of ``st.App`` in app.py),
named by a random token per session, and the page sends each new data layer there as
soon as it has made it. Streamlit's own delivery still follows and is the fallback: the
frame applies each layer once, by its sequence number, whichever copy comes first.

The server only ever sends on this socket, and only the same escaped JSON the data layer
script carries. This module must not import ``streamlit_folium`` or ``dashboard.assets``:
app.py imports it before any script runs (see dashboard/warmup.py for why that matters).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import threading
from collections.abc import MutableMapping
from concurrent.futures import Future
from typing import Any

from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

ROUTE = "/_claims_map/push"
_TOKEN = "_claims_map_push_token"
_SEQ = "_claims_map_push_seq"

_lock = threading.Lock()
# token -> the event loop and socket of the frame listening for that session's layers
_listeners: dict[str, tuple[asyncio.AbstractEventLoop, WebSocket]] = {}


def next_layer(session: MutableMapping[str, Any]) -> tuple[str, int]:
    """The session's token and the sequence number of its next data layer."""
    token = session.setdefault(_TOKEN, secrets.token_urlsafe(18))
    seq = session[_SEQ] = session.get(_SEQ, 0) + 1
    return token, seq


def send(token: str, message: str) -> None:
    """Send ``message`` to the frame listening as ``token``, if any; never waits."""
    with _lock:
        listener = _listeners.get(token)
    if listener is None:
        return
    loop, socket = listener
    with contextlib.suppress(RuntimeError):  # the server's loop has closed
        sent = asyncio.run_coroutine_threadsafe(socket.send_text(message), loop)
        sent.add_done_callback(_forget)


def _forget(sent: Future) -> None:
    # A frame that went away mid-send: Streamlit's own delivery covers for it.
    if not sent.cancelled():
        sent.exception()


async def _listen(socket: WebSocket) -> None:
    token = socket.path_params["token"]
    await socket.accept()
    with _lock:
        _listeners[token] = (asyncio.get_running_loop(), socket)
    try:
        while True:  # nothing is expected from the frame; this waits for it to go
            await socket.receive_text()
    except WebSocketDisconnect:
        pass
    finally:
        with _lock:
            if _listeners.get(token, (None, None))[1] is socket:
                del _listeners[token]


def listening(token: str) -> bool:
    with _lock:
        return token in _listeners


def routes() -> list[BaseRoute]:
    """The socket's route, for ``st.App(routes=...)``, at the root and under any base path."""
    return [
        WebSocketRoute(f"{ROUTE}/{{token}}", _listen),
        WebSocketRoute(f"/{{base:path}}{ROUTE}/{{token}}", _listen),
    ]

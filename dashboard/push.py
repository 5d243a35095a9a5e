"""A shortcut for the map's data layer: sent to the map frame the moment a rerun has it.

After a filter change, Streamlit's front end hands the map frame its new arguments only
once React has rendered them, behind the rest of the run's messages (new session,
navigation, the page, the sidebar's widgets): the frame applied its layer 20-30 ms after
it could have (bench/RESULTS.md). So the frame also listens on a websocket of the app's
own (a route of ``st.App`` in app.py) for its session, and the Map page sends each new
data layer there as soon as it has made it. Streamlit's own delivery still follows and is
the fallback: the frame applies each layer once, by its session and sequence number,
whichever copy comes first (see ``ClaimsBaseLayer`` in geo/views/foliummap.py).

The frame names its session by a random token, sent as its first message (not in the
URL, which proxies log). The server only ever sends on this socket, and only the same
escaped JSON the data layer script carries, and only the newest layer: one waiting to go
out is replaced by a newer one.

This module must not import ``streamlit_folium``: app.py imports
it before any script runs (see dashboard/warmup.py for why that matters).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import threading
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import urlsplit

from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket

from dashboard.lasting import lasting

ROUTE = "/_claims_map/push"
_TOKEN = "_claims_map_push_token"
_SEQ = "_claims_map_push_seq"
_LAST = "_claims_map_push_last"


class _Listener:
    """A frame's socket; lives in the server's event loop, which alone touches ``latest``."""

    def __init__(self, socket: WebSocket) -> None:
        self.socket = socket
        self.loop = asyncio.get_running_loop()
        self.latest: str | None = None
        self.sending = False

    def offer(self, message: str) -> None:
        self.latest = message
        if not self.sending:
            self.sending = True
            self.loop.create_task(self._drain())

    async def _drain(self) -> None:
        try:
            while self.latest is not None:
                message, self.latest = self.latest, None
                await self.socket.send_text(message)
        except Exception:  # the frame went away: Streamlit's own delivery covers for it
            self.latest = None
        finally:
            self.sending = False


# Shared by the route (built at start-up) and the page, across reloads (dashboard/lasting.py).
_lock: threading.Lock = lasting("push_lock", threading.Lock)
_listeners: dict[str, _Listener] = lasting("push_listeners", dict)


def next_layer(session: MutableMapping[str, Any], layer: str) -> tuple[str, int, bool]:
    """The session's token, the sequence number for ``layer``, and whether it is new.

    The number advances only when the layer differs from the session's last one, so a
    rerun that leaves the map as it was sends the same script again (Streamlit then
    sends a reference, and the frame does nothing) and pushes nothing.
    """
    token = session.setdefault(_TOKEN, secrets.token_urlsafe(18))
    if session.get(_LAST) == layer:
        return token, session[_SEQ], False
    seq = session[_SEQ] = session.get(_SEQ, 0) + 1
    session[_LAST] = layer
    return token, seq, True


def send(token: str, message: str) -> None:
    """Send ``message`` to the frame listening as ``token``, if any; never waits."""
    with _lock:
        listener = _listeners.get(token)
    if listener is not None:
        with contextlib.suppress(RuntimeError):  # the server's loop has closed
            listener.loop.call_soon_threadsafe(listener.offer, message)


def listening(token: str) -> bool:
    with _lock:
        return token in _listeners


async def _listen(socket: WebSocket) -> None:
    origin = socket.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != socket.headers.get("host"):
        await socket.close(code=1008)  # another site's page: not one of our frames
        return
    await socket.accept()
    first = await socket.receive()
    if first["type"] == "websocket.disconnect":
        return
    token = first.get("text")
    if not token or len(token) > 64:
        await socket.close(code=1008)
        return
    listener = _Listener(socket)
    with _lock:
        _listeners[token] = listener  # a newer frame of the same session takes over
    try:
        message = await socket.receive()
        if message["type"] != "websocket.disconnect":
            await socket.close(code=1003)  # the frame has nothing more to say
    finally:
        with _lock:
            if _listeners.get(token) is listener:
                del _listeners[token]


def routes() -> list[BaseRoute]:
    """The socket's route, for ``st.App(routes=...)``, at the root and under any base path."""
    return [
        WebSocketRoute(ROUTE, _listen),
        WebSocketRoute(f"/{{base:path}}{ROUTE}", _listen),
    ]

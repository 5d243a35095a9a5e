"""A shortcut for the map's data layer: sent to the map frame the moment a rerun has it.

After a filter change, Streamlit's front end hands the map frame its new arguments only
once React has rendered them, behind the rest of the run's messages (new session,
navigation, the page, the sidebar's widgets): the frame applied its layer 20-30 ms after
it could have (bench/RESULTS.md). So the frame also listens on a websocket of the app's
own (a route of ``st.App`` in app.py) for its session, and the Map page sends each new
data layer there as soon as it has made it. The frame applies each layer once, by its
session and sequence number (see ``ClaimsBaseLayer`` in geo/views/foliummap.py).

Streamlit's own delivery still follows. While the frame listens on this process, it
carries only the layer's number (a big map's layer is tens of kilobytes, and sending it
twice doubled what a filter change cost): a frame that has not had that layer from the
socket within a second, or whose socket has closed, asks this process for it (``POST``
to :data:`LAYER_ROUTE`, the token in the body). A frame whose socket landed on another
process, or never opened, is not listening here, and so gets the whole layer from
Streamlit, as before.

The frame names its session by a random token, sent as its first message (not in the
URL, which proxies log). The server sends on this socket only the same escaped JSON the
data layer script carries, and only the newest layer: one waiting to go out is replaced
by a newer one. The frame says only when it has painted a layer ("painted <seq>"), which
the run that pushed it waits for, briefly, before drawing the rest of the page
(:func:`wait_painted`). The layer route answers with the session's newest message to
whoever shows its token.

This module must not import ``streamlit_folium``: app.py imports
it before any script runs (see dashboard/warmup.py for why that matters).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import threading
import weakref
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from dashboard.lasting import lasting

ROUTE = "/_claims_map/push"
LAYER_ROUTE = "/_claims_map/layer"
_TOKEN = "_claims_map_push_token"
_SEQ = "_claims_map_push_seq"
_LAST = "_claims_map_push_last"
_KEPT = "_claims_map_push_kept"
_MAX_TOKEN = 64


class _Listener:
    """A frame's socket; lives in the server's event loop, which alone touches ``latest``.

    ``painted`` is the newest layer the frame has said it painted; a script run waits on
    ``said`` for it (see :func:`wait_painted`). ``answering``: whether the frame said so
    in time for the last run that waited, or has spoken since.
    """

    def __init__(self, socket: WebSocket) -> None:
        self.socket = socket
        self.loop = asyncio.get_running_loop()
        self.latest: str | None = None
        self.sending = False
        self.painted = 0
        self.said = threading.Condition()
        self.answering = True

    def heard(self, seq: int) -> None:
        with self.said:
            self.painted = max(self.painted, seq)
            self.answering = True
            self.said.notify_all()

    def wait_painted(self, seq: int, timeout: float) -> bool:
        with self.said:
            if not self.answering:
                return self.painted >= seq
            painted = self.said.wait_for(lambda: self.painted >= seq, timeout)
            self.answering = painted
            return painted

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


class _Kept:
    """A session's newest layer message, held by its session state (and so freed with it)."""

    __slots__ = ("__weakref__", "message")

    def __init__(self, message: str) -> None:
        self.message = message


# Shared by the routes (built at start-up) and the page, across reloads (dashboard/lasting.py).
_lock: threading.Lock = lasting("push_lock", threading.Lock)
_listeners: dict[str, _Listener] = lasting("push_listeners", dict)
_kept: weakref.WeakValueDictionary[str, _Kept] = lasting("push_kept", weakref.WeakValueDictionary)


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


def send(session: MutableMapping[str, Any], token: str, message: str) -> None:
    """Send ``message`` to the frame listening as ``token``, if any; never waits.

    The message is also kept, as the session's newest, for its frame to ask for.
    """
    kept = session[_KEPT] = _Kept(message)
    with _lock:
        _kept[token] = kept
        listener = _listeners.get(token)
    if listener is not None:
        with contextlib.suppress(RuntimeError):  # the server's loop has closed
            listener.loop.call_soon_threadsafe(listener.offer, message)


# How long a run holds the rest of the page for the frame to paint a pushed layer. The
# frame paints within a few hundredths of a second when nothing else is arriving; a big
# map is not waited for longer. A frame that did not answer in time (one in a hidden tab
# gets no animation frames) is not waited for again until it has spoken.
PAINT_WAIT_SECONDS = 0.1


def wait_painted(token: str, seq: int, timeout: float = PAINT_WAIT_SECONDS) -> bool:
    """Wait until the frame listening as ``token`` says it has painted layer ``seq`` (or a
    newer one), for at most ``timeout`` seconds; whether it did. No frame listening here:
    False at once.

    A run calls this just after :func:`send`, before it draws the rest of the page. Sent at
    once, the page's other messages kept the browser's one thread busy while the pushed
    layer waited behind them: the map painted 20-80 ms after its layer had arrived
    (bench/RESULTS.md). Held back until the map has painted, they follow a little later.
    """
    with _lock:
        listener = _listeners.get(token)
    # The socket's route runs the code the server started with (the listeners outlive a
    # reload of this module, dashboard/lasting.py): a listener made by an older version
    # of it may not know how to wait.
    wait = getattr(listener, "wait_painted", None)
    return wait(seq, timeout) if wait is not None else False


def listening(token: str) -> bool:
    with _lock:
        return token in _listeners


def _from_elsewhere(headers: Any) -> bool:
    """Whether a request comes from another site's page: not one of our frames."""
    origin = headers.get("origin")
    return origin is not None and urlsplit(origin).netloc != headers.get("host")


async def _layer(request: Request) -> Response:
    if _from_elsewhere(request.headers):
        return Response(status_code=403)
    # A token is at most 64 characters: a longer body is refused as it arrives, not read whole.
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > _MAX_TOKEN:
            return Response("a session token is at most 64 characters", status_code=413)
    token = body.decode("utf-8", "replace")
    with _lock:
        kept = _kept.get(token) if token else None
    if kept is None:
        return Response("no layer for this session here", status_code=404)
    return Response(
        kept.message, media_type="application/json", headers={"Cache-Control": "no-store"}
    )


async def _listen(socket: WebSocket) -> None:
    if _from_elsewhere(socket.headers):
        await socket.close(code=1008)
        return
    await socket.accept()
    first = await socket.receive()
    if first["type"] == "websocket.disconnect":
        return
    token = first.get("text")
    if not token or len(token) > _MAX_TOKEN:
        await socket.close(code=1008)
        return
    listener = _Listener(socket)
    with _lock:
        _listeners[token] = listener  # a newer frame of the same session takes over
    try:
        while True:
            message = await socket.receive()
            if message["type"] == "websocket.disconnect":
                break
            # All a frame may say after its token: "painted <seq>", once it has painted
            # a layer. Anything else closes the socket (Streamlit's delivery goes on).
            seq = _painted(message.get("text"))
            if seq is None:
                await socket.close(code=1003)
                break
            listener.heard(seq)
    finally:
        with _lock:
            if _listeners.get(token) is listener:
                del _listeners[token]


_PAINTED = "painted "


def _painted(text: str | None) -> int | None:
    """The layer number in a frame's "painted <seq>" message; None for anything else."""
    if not text or len(text) > 32 or not text.startswith(_PAINTED):
        return None
    number = text[len(_PAINTED) :]
    return int(number) if number.isdigit() and number.isascii() else None


def routes() -> list[BaseRoute]:
    """The socket's and the layer's routes, for ``st.App(routes=...)``, at the root and
    under any base path."""
    return [
        WebSocketRoute(ROUTE, _listen),
        WebSocketRoute(f"/{{base:path}}{ROUTE}", _listen),
        Route(LAYER_ROUTE, _layer, methods=["POST"]),
        Route(f"/{{base:path}}{LAYER_ROUTE}", _layer, methods=["POST"]),
    ]

"""Bounds on what uploads hold: files per session, and files read at once per process.

Streamlit keeps every file a session uploads in memory until the session ends or its page
deletes it, and its upload endpoint takes any file id: a client that sends files past the
page's four uploaders (a script, not the page) could fill the server's memory one upload
limit at a time, and every user would lose the app. This ASGI middleware, given to
``st.App(middleware=...)``, keeps its own account of each session's files from the uploads
and deletions it passes on, and refuses an upload once its session holds
:data:`MAX_FILES` files or :data:`MAX_UPLOADS` times the upload limit. A session then holds
at most that plus one file, whatever it sends.

The page itself never comes near it: it has four uploaders of one file each, and replacing
a file uploads the new one before deleting the old.

Reading a file takes far more memory than the file (up to about 30 bytes a byte for an
export whose every row is rejected, SECURITY.md), so :func:`reading_turn` lets at most
:data:`READERS` uploads be read at once in a process; the others wait their turn, saying so.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

from geo.reading import limits

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_UPLOADS = 4  # times the upload limit, in bytes, per session
MAX_FILES = 8
# Sessions whose files are accounted for. Streamlit drops a session's files when it ends;
# this account forgets the least recently active sessions past this many, a few hundred
# bytes each, so that it cannot grow without bound either.
MAX_SESSIONS = 10_000
READERS = 2  # uploads read at once in one process
_READING = threading.BoundedSemaphore(READERS)
# Streamlit's route, under any base path: /_stcore/upload_file/{session_id}/{file_id}.
_UPLOAD = re.compile(r"(?:^|/)_stcore/upload_file/([^/]+)/([^/]+)$")


class SessionUploadCap:
    """Refuse an upload (413, with what to do) past its session's share of memory."""

    def __init__(self, app: ASGIApp, max_upload_bytes: int | None = None) -> None:
        self.app = app
        self.limit = max_upload_bytes or limits.max_upload_mb() * 1024 * 1024
        self.max_bytes = MAX_UPLOADS * self.limit
        self._held: OrderedDict[str, OrderedDict[str, int]] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = _UPLOAD.search(scope.get("path", "")) if scope["type"] == "http" else None
        method = scope.get("method")
        if found is None or method not in ("PUT", "DELETE"):
            await self.app(scope, receive, send)
            return
        session_id, file_id = found.groups()
        if method == "DELETE":
            status = await _passed_on(self.app, scope, receive, send)
            if status is not None and status < 300:
                self._held.get(session_id, {}).pop(file_id, None)
            return
        files = self._held.setdefault(session_id, OrderedDict())
        self._held.move_to_end(session_id)
        while len(self._held) > MAX_SESSIONS:
            self._held.popitem(last=False)
        count, size = len(files), sum(files.values())
        previous = files.get(file_id)
        if previous is None and (count >= MAX_FILES or size >= self.max_bytes):
            await _refuse(send, count, size)
            return
        # Reserved before the upload is passed on (nothing awaits in between), so that
        # uploads in flight at once each count the others.
        files[file_id] = _declared(scope, self.limit)
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
            return message

        status = None
        try:
            status = await _passed_on(self.app, scope, counted, send)
        finally:
            if status is not None and status < 300:
                files[file_id] = received  # the request's length: the file and its framing
            elif previous is None:
                files.pop(file_id, None)
            else:
                files[file_id] = previous


def _declared(scope: Scope, limit: int) -> int:
    """The upload's length as its request states it, else the most it may be."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return min(max(int(value), 0), limit)
            except ValueError:
                return limit
    return limit


async def _passed_on(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> int | None:
    status: int | None = None

    async def watched(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        await send(message)

    await app(scope, receive, watched)
    return status


async def _refuse(send: Send, count: int, size: int) -> None:
    detail = (
        f"This session already holds {count} uploaded files ({size / 2**20:.1f} MB), "
        "as many as the server keeps for one session: remove a file from an uploader "
        "(its remove button) or reload the page, then upload again."
    )
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


@contextmanager
def reading_turn(waiting: Callable[[], None]) -> Iterator[None]:
    """Hold one of the process's :data:`READERS` turns to read an upload.

    ``waiting`` is called once if every turn is taken, before waiting for one: the page
    says that another upload is being read.
    """
    if not _READING.acquire(blocking=False):
        waiting()
        _READING.acquire()
    try:
        yield
    finally:
        _READING.release()

"""A light Streamlit client: one session over ``/_stcore/stream``, as the browser drives it.

It speaks Streamlit's own protocol with Streamlit's own protobufs: a rerun is a
``BackMsg.rerun_script`` carrying the widget values, answered by ``ForwardMsg`` deltas and
a ``script_finished``; widget ids come from those deltas. Uploads take the browser's road
(a ``file_urls_request``, a PUT of the file to the URL the server gives, then the
uploader's value in a rerun); deferred downloads too (a ``backend_operation_request``,
then a GET of the ``/media/`` URL the server answers with). No JavaScript runs, so the
map frame's push socket is never opened: that part is the browser sessions' to exercise.

Every socket may be bound to its own loopback source address (any 127.0.0.0/8 address
reaches a server on 127.0.0.1): nginx's ``hash $remote_addr`` then spreads clients over
the app processes as it would spread different machines.

Every wait is bounded (``timeout`` per answer).
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import secrets
import socket
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Common_pb2 import FileURLs, UploadedFileInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.protocol import State
from websockets.sync.client import ClientConnection, connect

from geo.views.foliummap import REPORT_PAINT

XSRF_COOKIE = "_streamlit_xsrf"
STREAM_PATH = "/_stcore/stream"
# ForwardMsg.ScriptFinishedStatus: a run cut short by st.rerun or st.switch_page is
# followed by another run; the others end what a rerun asked for.
FINISHED_EARLY_FOR_RERUN = 2
FINISHED_WITH_COMPILE_ERROR = 1
ALERT_ERROR = 1
DEFAULT_TIMEOUT = 60.0


class ClientError(Exception):
    """The server answered wrongly (an exception on the page, an HTTP error...)."""


class Disconnected(ClientError):
    """The connection went away or never came: a reconnect may help."""


@dataclass(frozen=True)
class Element:
    """An element of the page as the last run drew it: its kind, its id and its proto."""

    kind: str  # the Element (or Block) oneof's name: "multiselect", "expandable", ...
    path: tuple[int, ...]
    proto: Any

    @property
    def id(self) -> str:
        return str(getattr(self.proto, "id", ""))

    @property
    def label(self) -> str:
        return str(getattr(self.proto, "label", ""))


@dataclass
class Run:
    """What one rerun drew, and how long it took from the send to ``script_finished``."""

    seconds: float = 0.0
    status: int = -1
    elements: dict[tuple[int, ...], Element] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    runs: int = 0  # script runs it took (st.rerun and st.switch_page add one each)
    page_hash: str = ""  # the page it ran

    def widget(self, kind: str, label: str) -> Element:
        """The widget of ``kind`` whose label starts with ``label``; ClientError if none."""
        for element in self.elements.values():
            if element.kind == kind and element.label.startswith(label):
                return element
        raise ClientError(f"no {kind} labelled {label!r} on the page")

    def find(self, kind: str, label: str) -> Element | None:
        with contextlib.suppress(ClientError):
            return self.widget(kind, label)
        return None

    def has_text(self, start: str) -> bool:
        return any(t.startswith(start) for t in self.texts)


def _asks_for_paint(run: Run) -> Element | None:
    """The map frame of ``run``, if the run asked it to say when it has painted."""
    for element in run.elements.values():
        if element.kind == "component_instance" and REPORT_PAINT in element.proto.json_args:
            return element
    return None


def _text_of(kind: str, proto: Any) -> str | None:
    if kind in ("markdown", "heading", "text", "code"):
        return str(getattr(proto, "body", ""))
    if kind == "alert":
        return str(proto.body)
    return None


def _problem(kind: str, proto: Any) -> str | None:
    """An exception drawn on the page, or an st.error: what a user would see as broken."""
    if kind == "exception":
        return f"exception on the page: {proto.type}: {proto.message}"
    if kind == "alert" and proto.format == ALERT_ERROR:
        return f"error shown on the page: {proto.body[:300]}"
    return None


def _multipart(name: str, data: bytes, mime: str) -> tuple[bytes, str]:
    boundary = "----soak" + secrets.token_hex(12)
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
        f"Content-Type: {mime}\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), boundary


class Session:
    """One Streamlit session; reconnects (as the browser does) on :meth:`reconnect`.

    Not thread-safe: each client runs in a thread of its own.
    """

    def __init__(
        self,
        base_url: str,
        *,
        source_address: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.netloc = parts.netloc
        self.source = source_address
        self.timeout = timeout
        self.ws: ClientConnection | None = None
        self.session_id = ""
        self.xsrf = ""
        self.page_hash = ""  # the page the last run ran: reruns stay on it
        self.query_string = ""  # what the app last wrote into the address bar
        self.pages: dict[str, str] = {}  # page hash by URL path name ("" for the default)
        # Widget values as the browser keeps them, sent with every rerun; triggers
        # (buttons) are sent with one rerun only.
        self.values: dict[str, WidgetState] = {}
        self.last: Run = Run()
        self._ids = itertools.count(1)

    # --- connections ---------------------------------------------------------------------

    def _socket(self) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.timeout)
            if self.source:
                sock.bind((self.source, 0))
            sock.connect((self.host, self.port))
        except OSError as error:
            sock.close()
            raise Disconnected(f"cannot connect to {self.netloc}: {error}") from error
        return sock

    def http(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """One HTTP request from this client's source address; status, headers, body."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        conn.sock = self._socket()
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            data = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        except (OSError, http.client.HTTPException) as error:
            raise Disconnected(f"{method} {path}: {error}") from error
        finally:
            conn.close()

    def _fetch_xsrf(self) -> None:
        """The XSRF cookie, as the page gets it from the health check before connecting."""
        status, headers, _ = self.http("GET", "/_stcore/health")
        if status != 200:
            raise Disconnected(f"health check answered {status}")
        cookie = SimpleCookie(headers.get("set-cookie", ""))
        if XSRF_COOKIE in cookie:
            self.xsrf = cookie[XSRF_COOKIE].value

    def connect(self) -> None:
        """Open the websocket, naming the previous session for Streamlit to resume if it
        still has it (the same process), as the browser's reconnect does."""
        self.close()
        self._fetch_xsrf()
        # Streamlit reads the Sec-WebSocket-Protocol list as: the protocol, the XSRF
        # token, the session to resume. Empty entries are not valid tokens.
        protocols = ["streamlit", self.xsrf or "none"]
        if self.session_id:
            protocols.append(self.session_id)
        try:
            self.ws = connect(
                f"ws://{self.netloc}{STREAM_PATH}",
                sock=self._socket(),
                subprotocols=protocols,  # type: ignore[arg-type]
                max_size=None,
                open_timeout=self.timeout,
                close_timeout=2,
                proxy=None,
                legacy=True,  # the connection outlives this call: closed by close()
            )
        except Exception as error:  # refused, reset, handshake failed: all the same here
            raise Disconnected(f"websocket to {self.netloc}: {error}") from error

    def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                self.ws.close()
            self.ws = None

    @property
    def alive(self) -> bool:
        """Connected, as far as the socket knows (a process that died closes it)."""
        return self.ws is not None and self.ws.protocol.state is State.OPEN

    def _send(self, message: BackMsg) -> None:
        if self.ws is None:
            raise Disconnected("not connected")
        try:
            self.ws.send(message.SerializeToString())
        except Exception as error:
            self.close()
            raise Disconnected(f"send: {error}") from error

    def _receive(self, deadline: float) -> ForwardMsg:
        if self.ws is None:
            raise Disconnected("not connected")
        left = deadline - time.monotonic()
        if left <= 0:
            raise ClientError(f"no answer within {self.timeout:.0f} s")
        try:
            raw = self.ws.recv(timeout=left)
        except TimeoutError:
            raise ClientError(f"no answer within {self.timeout:.0f} s") from None
        except Exception as error:
            self.close()
            raise Disconnected(f"receive: {error}") from error
        message = ForwardMsg()
        message.ParseFromString(raw)
        return message

    # --- reruns --------------------------------------------------------------------------

    def rerun(
        self,
        *,
        page_name: str | None = None,
        triggers: Iterable[WidgetState] = (),
        new_page: bool = False,
    ) -> Run:
        """Ask for a rerun with the kept widget values (and ``triggers``); wait until it
        (and any rerun it asked for) finished. ``page_name``: go to that page instead.

        Raises ClientError if the page shows an exception or an error, or no answer comes.
        """
        back = BackMsg()
        state = back.rerun_script
        state.query_string = self.query_string
        if page_name is not None:
            state.page_name = page_name
        elif not new_page:
            state.page_script_hash = self.page_hash
        state.widget_states.widgets.extend(self.values.values())
        state.widget_states.widgets.extend(triggers)
        started = time.perf_counter()
        self._send(back)
        run = self._collect(started)
        if not run.errors and (frame := _asks_for_paint(run)) is not None:
            # A new session's map comes alone, its frame asked to say when it has painted
            # (the sidebar then follows, app.py): say it, as the browser's frame would.
            self.set_value(frame, "json_value", '{"painted": true}')
            answered = self.rerun()
            answered.runs += run.runs
            answered.seconds = time.perf_counter() - started
            return answered
        self.last = run
        if run.errors:
            raise ClientError("; ".join(run.errors))
        if run.status == FINISHED_WITH_COMPILE_ERROR:
            raise ClientError("the script failed to compile")
        return run

    def _collect(self, started: float) -> Run:
        run = Run()
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._receive(deadline)
            kind = message.WhichOneof("type")
            if kind == "new_session":
                # Each script run starts with one: what it draws replaces the last run's.
                run.elements.clear()
                run.texts.clear()
                run.runs += 1
                self.session_id = message.new_session.initialize.session_id or self.session_id
            elif kind == "navigation":
                # With st.navigation, the page that runs is named here (new_session names
                # the entry script). Kept once the run is complete: a run the connection
                # cut leaves the client on the page it last had whole, with its widgets.
                run.page_hash = message.navigation.page_script_hash
                self.pages = {
                    p.url_pathname: p.page_script_hash for p in message.navigation.app_pages
                }
            elif kind == "page_info_changed":
                self.query_string = message.page_info_changed.query_string
            elif kind == "delta":
                self._delta(message, run)
            elif kind == "session_event" and message.session_event.HasField(
                "script_compilation_exception"
            ):
                error = message.session_event.script_compilation_exception
                run.errors.append(f"script compilation error: {error.message}")
            elif kind == "script_finished":
                if message.script_finished == FINISHED_EARLY_FOR_RERUN:
                    continue
                run.status = message.script_finished
                run.seconds = time.perf_counter() - started
                self.page_hash = run.page_hash or self.page_hash
                # As the page does after each run: values of widgets no longer drawn go.
                drawn = {e.id for e in run.elements.values() if e.id}
                self.values = {k: v for k, v in self.values.items() if k in drawn}
                return run

    def _delta(self, message: ForwardMsg, run: Run) -> None:
        delta = message.delta
        path = tuple(message.metadata.delta_path)
        which = delta.WhichOneof("type")
        if which == "new_element":
            kind = delta.new_element.WhichOneof("type")
            if kind is None:
                return
            proto = getattr(delta.new_element, kind)
            run.elements[path] = Element(kind, path, proto)
            if getattr(proto, "set_value", False):
                # The app set this widget's value itself: the server's value now stands,
                # as it does in the page, until the user changes it again.
                self.values.pop(proto.id, None)
            if (text := _text_of(kind, proto)) is not None:
                run.texts.append(text)
            if (problem := _problem(kind, proto)) is not None:
                run.errors.append(problem)
        elif which == "add_block":
            kind = delta.add_block.WhichOneof("type")
            if kind is not None:
                run.elements[path] = Element(kind, path, getattr(delta.add_block, kind))

    # --- widget values -------------------------------------------------------------------

    def set_value(self, element: Element, field_name: str, value: Any) -> None:
        """Keep ``value`` as the widget's value (sent with this and every later rerun)."""
        state = WidgetState(id=element.id)
        if field_name == "string_array_value":
            state.string_array_value.data.extend(value)
        elif field_name == "file_uploader_state_value":
            state.file_uploader_state_value.uploaded_file_info.extend(value)
        else:
            setattr(state, field_name, value)
        self.values[element.id] = state

    def forget_values(self) -> None:
        """What a page reload does: the browser's widget values are gone."""
        self.values.clear()

    @staticmethod
    def trigger(element: Element) -> WidgetState:
        return WidgetState(id=element.id, trigger_value=True)

    # --- uploads and downloads -------------------------------------------------------------

    def _await(self, kind: str, request_id: str) -> ForwardMsg:
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._receive(deadline)
            if message.WhichOneof("type") != kind:
                continue  # nothing else is expected between runs; ignore it as the page would
            answer = getattr(message, kind)
            got = answer.response_id if kind == "file_urls_response" else answer.request_id
            if got == request_id:
                return message

    def upload(self, uploader: Element, name: str, data: bytes, mime: str) -> float:
        """Upload ``data`` as the browser's uploader does and keep it as the uploader's
        value (the next rerun reads it). Returns the seconds the PUT took."""
        request_id = str(next(self._ids))
        back = BackMsg()
        back.file_urls_request.request_id = request_id
        back.file_urls_request.file_names.append(name)
        back.file_urls_request.session_id = self.session_id
        self._send(back)
        answer = self._await("file_urls_response", request_id).file_urls_response
        if answer.error_msg or not answer.file_urls:
            raise ClientError(f"no upload URL: {answer.error_msg or 'none given'}")
        urls: FileURLs = answer.file_urls[0]
        body, boundary = _multipart(name, data, mime)
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        if self.xsrf:
            headers["X-Xsrftoken"] = self.xsrf
            headers["Cookie"] = f"{XSRF_COOKIE}={self.xsrf}"
        started = time.perf_counter()
        status, _, reply = self.http("PUT", urls.upload_url, body, headers)
        seconds = time.perf_counter() - started
        if status != 204:
            raise ClientError(f"upload answered {status}: {reply[:200]!r}")
        info = UploadedFileInfo(file_id=urls.file_id, name=name, size=len(data), file_urls=urls)
        self.set_value(uploader, "file_uploader_state_value", [info])
        return seconds

    def deferred_url(self, button: Element) -> str:
        """Ask for a deferred download's file (the server makes it now); its URL."""
        file_id = button.proto.deferred_file_id
        if not file_id:
            raise ClientError(f"{button.label!r} is not a deferred download")
        request_id = uuid.uuid4().hex
        back = BackMsg()
        back.backend_operation_request.request_id = request_id
        back.backend_operation_request.session_id = self.session_id
        back.backend_operation_request.deferred_file.file_id = file_id
        self._send(back)
        answer = self._await("backend_operation_response", request_id)
        response = answer.backend_operation_response
        if response.error_msg or not response.deferred_file.url:
            raise ClientError(f"{button.label!r}: {response.error_msg or 'no URL'}")
        return response.deferred_file.url

    def download(self, url: str) -> bytes:
        status, _, data = self.http("GET", url)
        if status != 200:
            raise ClientError(f"GET {url} answered {status}")
        return data

"""Soak: many concurrent sessions against a real server for minutes (issue #14).

    .venv/bin/python -m bench.soak                # one app process on SQLite (--single)
    .venv/bin/python -m bench.soak --deploy       # nginx, 2 app processes, PostgreSQL; one killed

A few real Chromium sessions (Playwright on Debian's Chromium) and lighter clients that
speak Streamlit's websocket protocol (bench/stclient.py) change filters, click provinces,
download exports and upload (and save) a claims table, each with a random pause between
actions, for ``--duration`` seconds. It reports every error (0 expected), the response
times, and the app processes' memory sampled every second: before the sessions, during,
after they closed and, unless ``--release-wait 0``, after Streamlit's disconnected-session
TTL has passed. ``--deploy`` also SIGKILLs, halfway through, the app process the Chromium
sessions are on, and checks that its sessions come back on the other process and that
every dataset saved before the kill is still listed.

Everything listens on and talks to 127.0.0.1 only; every wait and loop is bounded; the
servers, browsers and temporary folders go away on exit, Ctrl-C and SIGTERM included.
See bench/README.md ("Soak") for what each figure means.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import random
import re
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs

import psutil

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # also runnable as `python bench/soak.py`
    sys.path.insert(0, str(REPO))

from bench.stclient import (  # noqa: E402
    FINISHED_EARLY_FOR_RERUN,
    ClientError,
    Disconnected,
    Run,
    Session,
)
from geo.escape import md  # noqa: E402

OUT = REPO / "bench" / "out"
DATA = REPO / "data"
ACLED = REPO / "tests" / "corpus" / "acled_afghanistan.csv"
ACLED_LOADED = "**5 of 12 rows loaded**"  # what the Your data page says of that file
BROWSER_ACTOR = "Taliban"
MB = 1024 * 1024
T = TypeVar("T")

# What a protocol client does, and how often (weights). Saving is separate: see Plan.
PROTOCOL_ACTIONS = {
    "filter": 35,
    "metric": 8,
    "click": 25,
    "download": 15,
    "upload": 10,
    "other-page": 7,
}
BROWSER_ACTIONS = {"filter": 40, "click": 35, "download": 25}
BROWSER_TIMED = ("open", "save", *BROWSER_ACTIONS)  # the rest are checks, or problems seen
# Deferred downloads and how often each is asked for: the PNG costs ~0.7 s of the server.
DOWNLOADS = {"Claims CSV": 40, "Provinces GeoJSON": 25, "Metadata JSON": 25, "Slide PNG": 10}
SIGNATURES = {
    "Claims CSV": b"\xef\xbb\xbf# ",
    "Provinces GeoJSON": b'{"type": "FeatureCollection"',
    "Metadata JSON": b"{",
    "Slide PNG": b"\x89PNG\r\n\x1a\n",
}
OTHER_PAGES = ("claims", "timeline", "sources")
FILTERS = ("Actor (", "Claimant (", "Claim type", "Status")  # the sidebar's multiselects
# Request kinds grouped for the report. Kinds of the browser sessions start "browser:".
RERUN_KINDS = (
    "open",
    "filter",
    "metric",
    "click",
    "expand",
    "page",
    "upload-read",
    "save",
    "dataset",
    "reconnect",
)


@dataclass(frozen=True)
class Plan:
    mode: str = "single"  # or "deploy"
    sessions: int = 20
    browsers: int = 3
    duration: float = 120.0
    think: tuple[float, float] = (1.0, 4.0)  # seconds between a session's actions
    seed: int = 14
    timeout: float = 60.0  # for any one answer to a protocol client
    # for any one step of a browser action: the page answers within seconds or a click
    # was lost (one made as its process died), and waiting longer only delays recovery
    browser_timeout: float = 30.0
    settle: float = 10.0  # memory sampled this long after the sessions closed
    release_wait: float = 130.0  # then, after Streamlit's disconnected-session TTL (120 s)
    kill_at: float | None = None  # deploy: seconds into the load; None is halfway
    reconnect_within: float = 90.0  # a session not back by then counts as lost
    savers: int = 4  # protocol clients that save their upload as a dataset (once each)
    browser_saves: bool = True  # the first Chromium session saves one through the page
    introspect: bool = False  # the app processes report their sessions (bench/introspect.py)

    @property
    def protocol_clients(self) -> int:
        return max(0, self.sessions - self.browsers)


# --- what happened ---------------------------------------------------------------------------


@dataclass
class Request:
    client: str
    kind: str
    start: float  # seconds since the load started
    seconds: float  # until the answer, or until the failure
    error: str | None = None
    detail: str = ""  # which download, for one

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def end(self) -> float:
        return self.start + self.seconds


class Recorder:
    """Every request and event of the soak, stamped in seconds since the load started."""

    def __init__(self) -> None:
        self.t0 = time.monotonic()
        self.requests: list[Request] = []
        self.events: list[tuple[float, str]] = []
        self.saved: list[dict[str, Any]] = []  # datasets the sessions saved
        self.lost: list[tuple[str, float]] = []  # (client, when) a connection dropped
        self._lock = threading.Lock()

    def now(self) -> float:
        return time.monotonic() - self.t0

    def add(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def event(self, text: str) -> None:
        with self._lock:
            self.events.append((round(self.now(), 2), text))

    def connection_lost(self, client: str) -> None:
        with self._lock:
            self.lost.append((client, round(self.now(), 2)))

    def timed(self, client: str, kind: str, action: Callable[[], T], detail: str = "") -> T:
        """Run ``action``, recording how long it took and whether it failed."""
        start, began = self.now(), time.perf_counter()
        try:
            result = action()
        except Exception as error:
            spent = time.perf_counter() - began
            self.add(Request(client, kind, start, spent, _short(error), detail))
            raise
        self.add(Request(client, kind, start, time.perf_counter() - began, None, detail))
        return result


def _short(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}".splitlines()[0]
    return text[:300]


# --- memory ----------------------------------------------------------------------------------


def rss(pid: int) -> int | None:
    """Resident memory of a process and all its children, in bytes; None once it is gone."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:  # killed, not yet reaped
            return None
        total = process.memory_info().rss
        for child in process.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
        return total
    except psutil.Error:
        return None


def _cpu_seconds(processes: list[psutil.Process]) -> dict[int, float]:
    """CPU time (user and system) each process has used so far, by pid."""
    used = {}
    for process in processes:
        with contextlib.suppress(psutil.Error):
            times = process.cpu_times()
            used[process.pid] = times.user + times.system
    return used


def _tree(pid: int) -> list[psutil.Process]:
    try:
        process = psutil.Process(pid)
        return [process, *process.children(recursive=True)]
    except psutil.Error:
        return []


class Sampler(threading.Thread):
    """RSS and CPU of each app process every ``interval`` seconds, with the phase it fell
    in; also the CPU of this soak's own clients (this process and its browsers), which
    share the machine with the servers."""

    CLIENTS = "clients"

    def __init__(self, recorder: Recorder, pids: dict[str, int], interval: float = 1.0) -> None:
        super().__init__(name="rss-sampler", daemon=True)
        self.recorder, self.pids, self.interval = recorder, pids, interval
        self.samples: list[dict[str, Any]] = []
        self.phase = "idle"
        self._halt = threading.Event()
        self._cpu: dict[str, tuple[float, dict[int, float]]] = {}

    def _cpu_percent(self, name: str, processes: list[psutil.Process]) -> float | None:
        """CPU used since the last sample, in % of one core; None on the first."""
        now, used = time.monotonic(), _cpu_seconds(processes)
        before = self._cpu.get(name)
        self._cpu[name] = (now, used)
        if before is None or now <= before[0]:
            return None
        spent = sum(t - before[1].get(pid, t) for pid, t in used.items())
        return round(100 * spent / (now - before[0]), 1)

    def _clients(self) -> list[psutil.Process]:
        servers = {p.pid for pid in self.pids.values() for p in _tree(pid)}
        mine = psutil.Process()
        found = [mine]
        with contextlib.suppress(psutil.Error):
            for child in mine.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    # The servers are children too (they are started from here), and nginx.
                    if child.pid not in servers and child.name() != "nginx":
                        found.append(child)
        return found

    def sample(self) -> None:
        row: dict[str, Any] = {"t": round(self.recorder.now(), 2), "phase": self.phase}
        for name, pid in self.pids.items():
            row[name] = rss(pid)
            row[f"{name}:cpu"] = self._cpu_percent(name, _tree(pid))
        row[f"{self.CLIENTS}:cpu"] = self._cpu_percent(self.CLIENTS, self._clients())
        self.samples.append(row)

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)


# --- the places the sessions click -----------------------------------------------------------


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    lat: float
    lng: float


def places(data_dir: Path = DATA) -> list[Place]:
    """Each province, with a point well inside it (for a click in the browser)."""
    from shapely.geometry import shape

    features = json.loads((data_dir / "provinces.geojson").read_text(encoding="utf-8"))
    found = []
    for feature in features["features"]:
        point = shape(feature["geometry"]).representative_point()
        props = feature["properties"]
        found.append(Place(props["code"], props["name"], point.y, point.x))
    return found


# --- the protocol clients --------------------------------------------------------------------


class ProtocolUser:
    """A session driven over Streamlit's websocket: see PROTOCOL_ACTIONS."""

    def __init__(
        self,
        name: str,
        url: str,
        source: str | None,
        plan: Plan,
        recorder: Recorder,
        stop: threading.Event,
        provinces: list[Place],
        *,
        saves: bool,
        may_save: Callable[[], bool],
    ) -> None:
        self.name, self.plan, self.recorder, self.stop = name, plan, recorder, stop
        self.session = Session(url, source_address=source, timeout=plan.timeout)
        self.rng = random.Random(f"{plan.seed}-{name}")
        self.provinces = provinces
        self.saves, self.may_save = saves, may_save
        self.saved = False

    # --- the loop ---

    def run(self) -> None:
        try:
            if not self._open():
                return
            first = True
            while not self.stop.is_set():
                if not self._think():
                    break
                if not self.session.alive:
                    # The page notices a closed socket at once and reconnects before the
                    # user does anything: so does this client, between its actions.
                    self.recorder.connection_lost(self.name)
                    if not self._reconnect():
                        return
                    continue
                action = "upload" if first and self.saves else self._pick()
                first = False
                try:
                    getattr(self, "_" + action.replace("-", "_"))()
                except Disconnected:
                    self.recorder.connection_lost(self.name)
                    if not self._reconnect():
                        return
                except ClientError:
                    pass  # recorded; the next action starts from what the page shows
        finally:
            self.session.close()

    def _think(self) -> bool:
        """Pause between actions; False once the soak is over."""
        until = time.monotonic() + self.rng.uniform(*self.plan.think)
        while time.monotonic() < until:
            if self.stop.wait(min(0.25, until - time.monotonic())):
                return False
            if not self.session.alive:
                break
        return not self.stop.is_set()

    def _pick(self) -> str:
        names = list(PROTOCOL_ACTIONS)
        return self.rng.choices(names, weights=[PROTOCOL_ACTIONS[n] for n in names])[0]

    def _rerun(self, kind: str, check: Callable[[Run], None] | None = None, **kwargs: Any) -> Run:
        """A timed rerun; it fails (and is recorded as failed) if ``check`` raises: an
        answer without what the action was for is no good answer."""

        def rerun() -> Run:
            run = self.session.rerun(**kwargs)
            if check is not None:
                check(run)
            return run

        return self.recorder.timed(self.name, kind, rerun)

    def _open(self) -> bool:
        try:
            self.recorder.timed(self.name, "connect", self.session.connect)
            self._rerun("open", new_page=True)
            return True
        except ClientError:
            return self._reconnect()

    def _reconnect(self) -> bool:
        """Reconnect as the page does: again and again, backing off, for a bounded time.

        Like the page (Streamlit 1.67), it asks for no rerun once reconnected: it keeps
        what the last run drew, and its next action's rerun is the first its session on
        the server runs (on another process after a kill, a new session)."""
        deadline = time.monotonic() + self.plan.reconnect_within
        delay = 0.25
        while not self.stop.is_set() and time.monotonic() < deadline:
            try:
                self.recorder.timed(self.name, "connect", self.session.connect)
                # Files uploaded to a process that is gone are gone with it.
                self.session.values = {
                    k: v
                    for k, v in self.session.values.items()
                    if v.WhichOneof("value") != "file_uploader_state_value"
                }
                self.recorder.event(f"{self.name}: reconnected")
                return True
            except ClientError:
                self.session.close()
                self.stop.wait(delay)
                delay = min(delay * 2, 4.0)
        if not self.stop.is_set():
            self.recorder.add(
                Request(
                    self.name,
                    "reconnect",
                    self.recorder.now(),
                    0.0,
                    f"not reconnected within {self.plan.reconnect_within:.0f} s",
                )
            )
        return False

    # --- the actions ---

    def _map(self) -> Run:
        """The Map page as the last run drew it; go there first if elsewhere."""
        run = self.session.last
        if run.find("component_instance", "") is None:
            run = self._rerun("page", _map_shown, page_name="")
        return run

    def _filter(self) -> None:
        run = self._map()
        boxes = [
            e
            for e in run.elements.values()
            if e.kind == "multiselect" and e.label.startswith(FILTERS)
        ]
        box = self.rng.choice(boxes)
        options = list(box.proto.options)
        picks = []  # about a third of the changes clear the filter again
        if self.rng.random() > 0.35:
            picks = self.rng.sample(options, k=min(self.rng.randint(1, 2), len(options)))
        self.session.set_value(box, "string_array_value", picks)
        self._rerun("filter", _map_shown)

    def _metric(self) -> None:
        radio = self._map().widget("radio", "Colour the map by")
        self.session.set_value(radio, "string_value", self.rng.choice(list(radio.proto.options)))
        self._rerun("metric", _map_shown)

    def _click(self) -> None:
        """A click on a province: the map frame's value, as streamlit-folium returns it."""
        frame = self._map().widget("component_instance", "")
        place = self.rng.choice(self.provinces)
        drawing = {
            "type": "Feature",
            "properties": {"code": place.code, "name": place.name},
            "geometry": None,
        }
        # A component's value is kept and sent with every rerun, as the page does.
        self.session.set_value(frame, "json_value", json.dumps({"last_active_drawing": drawing}))

        def notes_shown(run: Run) -> None:
            _map_shown(run)
            if not run.has_text(f"**{md(place.name)}**:"):
                raise ClientError(f"clicked {place.code}: its notes did not show")

        self._rerun("click", notes_shown)

    def _download(self) -> None:
        run = self._map()
        if not any(e.kind == "download_button" for e in run.elements.values()):
            box = run.widget("expandable", "Download or share")
            self.session.set_value(box, "bool_value", True)
            run = self._rerun("expand")
        names = list(DOWNLOADS)
        label = self.rng.choices(names, weights=[DOWNLOADS[n] for n in names])[0]
        button = run.widget("download_button", label)
        url = self.recorder.timed(
            self.name, "download-make", lambda: self.session.deferred_url(button), label
        )

        def get() -> bytes:
            data = self.session.download(url)
            if not data.startswith(SIGNATURES[label]):
                raise ClientError(f"{label}: unexpected content {data[:30]!r}")
            return data

        self.recorder.timed(self.name, "download-get", get, label)
        if self.rng.random() < 0.3:  # and sometimes closes the panel again
            box = run.widget("expandable", "Download or share")
            self.session.set_value(box, "bool_value", False)
            self._rerun("expand")

    def _upload(self) -> None:
        run = self._rerun("page", page_name="your_data")
        uploader = run.widget("file_uploader", "Claims table")
        self.recorder.timed(
            self.name,
            "upload-put",
            lambda: self.session.upload(uploader, ACLED.name, ACLED.read_bytes(), "text/csv"),
        )

        def read(run: Run) -> None:
            if not run.has_text(ACLED_LOADED):
                raise ClientError("the Your data page did not read the upload")

        run = self._rerun("upload-read", read)
        if self.saves and not self.saved and self.may_save():
            self._save(run)
        else:
            self._rerun("page", _map_shown, page_name="")

    def _save(self, run: Run) -> None:
        name = f"Soak {self.name}"
        self.session.set_value(run.widget("text_input", "Name"), "string_value", name)
        submit = Session.trigger(run.widget("button", "Save dataset"))

        def shown(run: Run) -> None:
            if not self._slug() or not run.has_text(f"Dataset: **{md(name)}**"):
                raise ClientError(f"saving {name!r} did not show it on the map")

        run = self._rerun("save", shown, triggers=[submit])
        slug = self._slug()
        self.saved = True
        self.recorder.saved.append(
            {"name": name, "slug": slug, "client": self.name, "t": round(self.recorder.now(), 2)}
        )
        self.recorder.event(f"{self.name}: saved {slug}")
        # Back to the built-in data, whose places and actors the other actions know.
        picker = run.widget("selectbox", "Dataset")
        self.session.set_value(picker, "string_value", picker.proto.options[0])
        self._rerun("dataset", _map_shown)

    def _other_page(self) -> None:
        self._rerun("page", page_name=self.rng.choice(OTHER_PAGES))
        self._rerun("page", _map_shown, page_name="")

    def _slug(self) -> str:
        """The dataset the page's address names (as the app last wrote it)."""
        return parse_qs(self.session.query_string).get("dataset", [""])[-1]


def _map_shown(run: Run) -> None:
    if run.find("component_instance", "") is None or not any(
        "claims shown" in t for t in run.texts
    ):
        raise ClientError("the Map page came back without its map or counts")


# --- the browser sessions --------------------------------------------------------------------


class BrowserUser:
    """A real page in headless Chromium (one browser per session: Playwright's sync API
    wants a thread of its own each), driven with the browser tests' helpers.

    What the page receives on its Streamlit socket is read as it arrives (Streamlit's own
    protobufs), so that a change the server answered without the expected effect (a click
    lost, a download refused) fails at once rather than after a timeout.
    """

    def __init__(
        self,
        name: str,
        url: str,
        plan: Plan,
        recorder: Recorder,
        stop: threading.Event,
        provinces: list[Place],
        *,
        saves: bool,
        may_save: Callable[[], bool],
    ) -> None:
        self.name, self.url, self.plan, self.recorder, self.stop = name, url, plan, recorder, stop
        self.may_save = may_save
        self.rng = random.Random(f"{plan.seed}-{name}")
        # Where a click lands on the province's own polygon in the default view: large
        # provinces, away from the legend and the zoom buttons.
        self.provinces = provinces
        self.saves = saves
        self.drops = 0  # times the page's Streamlit socket closed
        self.runs = 0  # script runs finished, as the page was told
        self.refused = 0  # deferred downloads the server could not make
        self.downloads: list[Any] = []

    def _kind(self, kind: str) -> str:
        return f"browser:{kind}"

    def timed(self, kind: str, action: Callable[[], T]) -> T:
        return self.recorder.timed(self.name, self._kind(kind), action)

    def run(self) -> None:
        from playwright.sync_api import expect, sync_playwright

        from bench.browser import CHROMIUM, CHROMIUM_ARGS

        expect.set_options(timeout=int(self.plan.browser_timeout * 1000))
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                context = browser.new_context(
                    viewport={"width": 1400, "height": 1000}, service_workers="block"
                )
                context.set_default_timeout(self.plan.browser_timeout * 1000)
                page = context.new_page()
                page.on("pageerror", lambda e: self._page_problem("page-error", str(e)))
                page.on("websocket", self._watch_socket)
                page.on("download", lambda download: self.downloads.append(download))
                page.on(
                    "response",
                    lambda r: (
                        self._page_problem("http", f"{r.status} {r.url}")
                        if r.status >= 500
                        else None
                    ),
                )
                self._loop(page)
            finally:
                with contextlib.suppress(Exception):
                    browser.close()

    # --- what the page is told ---

    def _watch_socket(self, socket: Any) -> None:
        if socket.url.endswith("/_stcore/stream"):
            socket.on("framereceived", self._received)
            socket.on("close", lambda _: self._dropped())

    def _received(self, payload: str | bytes) -> None:
        from google.protobuf.message import DecodeError
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if not isinstance(payload, bytes):
            return
        message = ForwardMsg()
        try:
            message.ParseFromString(payload)
        except DecodeError:
            return
        kind = message.WhichOneof("type")
        if kind == "script_finished" and message.script_finished != FINISHED_EARLY_FOR_RERUN:
            self.runs += 1
        elif kind == "backend_operation_response" and message.backend_operation_response.error_msg:
            self.refused += 1

    def _dropped(self) -> None:
        self.drops += 1
        self.recorder.connection_lost(self.name)

    def _page_problem(self, kind: str, text: str) -> None:
        self.recorder.add(Request(self.name, self._kind(kind), self.recorder.now(), 0.0, text))

    # --- the loop ---

    def _loop(self, page: Any) -> None:
        from tests.browser.mapui import open_app

        try:
            self.frame = self.timed("open", lambda: open_app(page, self.url))
        except Exception:
            if not self._recover(page):
                return
        first = True
        while not self.stop.is_set():
            if self.stop.wait(self.rng.uniform(*self.plan.think)):
                break
            if first and self.saves and self.may_save():
                action = "save"
            else:
                names = list(BROWSER_ACTIONS)
                action = self.rng.choices(names, weights=[BROWSER_ACTIONS[n] for n in names])[0]
            first = False
            try:
                # As a user does, wait for the page to be ready and act on it as it is
                # now: a rerun may have given the map a new frame (another dataset's base
                # map); a dropped connection shows as "connecting" until it is back.
                self.frame = self.timed("ready", lambda: self._wait_map(page))
                self.timed(action, lambda a=action: getattr(self, "_" + a)(page))  # type: ignore[misc]
                self._check_page(page)
            except Exception as error:
                self.recorder.event(f"{self.name}: {action} failed ({_short(error)})")
                if not self._recover(page):
                    return

    def _check_page(self, page: Any) -> None:
        crash = page.get_by_test_id("stException")
        if crash.count():
            text = crash.first.inner_text()[:300]
            self._page_problem("exception", text)

    def _recover(self, page: Any) -> bool:
        """Wait for the page to be usable by itself (bounded); reload only if it is not."""
        from tests.browser.mapui import nav_link, open_app

        deadline = time.monotonic() + self.plan.reconnect_within
        while not self.stop.is_set() and time.monotonic() < deadline:
            try:
                self._idle(page)
                if page.locator('iframe[src*="streamlit_folium.st_folium"]').count() == 0:
                    nav_link(page, "Map").click()
                self.frame = self._wait_map(page)
                return True
            except Exception:
                self.stop.wait(1.0)
        if self.stop.is_set():
            return False
        self._page_problem("reload", "the page did not come back by itself; reloading it")
        try:
            self.frame = self.timed("open", lambda: open_app(page, self.url))
            return True
        except Exception:
            return False

    # --- waiting ---

    def _until(
        self,
        page: Any,
        check: Callable[[], bool],
        what: str,
        refused: Callable[[], str | None] = lambda: None,
    ) -> None:
        """Wait (bounded) until ``check()``. Fail at once if the page's socket closes
        meanwhile (what was asked went to a process that died), or if ``refused()`` says
        why what was asked will not come."""
        drops = self.drops
        deadline = time.monotonic() + self.plan.browser_timeout
        while not check():
            if self.drops != drops:
                raise Disconnected(f"the connection dropped while waiting for {what}")
            if (why := refused()) is not None:
                raise ClientError(f"no {what}: {why}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {what} within {self.plan.browser_timeout:.0f} s")
            page.wait_for_timeout(50)  # also lets Playwright deliver the page's events

    def _idle_locator(self, page: Any) -> Any:
        return page.locator(
            '[data-testid="stApp"][data-test-script-state="notRunning"]'
            '[data-test-connection-state="CONNECTED"]'
        )

    def _idle(self, page: Any) -> None:
        idle = self._idle_locator(page)
        self._until(page, lambda: idle.count() > 0, "idle page")

    def _ran_without(self, page: Any, runs: int) -> Callable[[], str | None]:
        """For ``_until``: a script run finished since ``runs`` were, and the page has been
        idle for a second, without what was awaited: the change had no effect."""
        idle = self._idle_locator(page)
        since: list[float] = []

        def refused() -> str | None:
            if self.runs > runs and idle.count() > 0:
                since.append(time.monotonic())
                if since[-1] - since[0] >= 1.0:
                    return "the script ran and the page is idle, without it"
            else:
                since.clear()
            return None

        return refused

    def _wait_map(self, page: Any) -> Any:
        """Until the map frame shows a data layer and the page is idle; that frame."""
        from bench.browser import frame_state, map_frame

        found: list[Any] = []

        def painted() -> bool:
            frame = map_frame(page, timeout_s=1)
            state = frame_state(frame)
            if frame is not None and state and state["painted"] and state["view"] >= 1:
                found[:] = [frame]
                return True
            return False

        self._until(page, painted, "map")
        self._idle(page)
        return found[0]

    # --- the actions ---

    def _filter(self, page: Any) -> None:
        """Pick the actor, or remove it again: the map applies a new data layer."""
        from bench.browser import choose_actor, clear_actor
        from tests.browser.mapui import ACTOR, multiselect_tags, view_count

        before, runs = view_count(self.frame), self.runs
        if multiselect_tags(page, ACTOR).get_by_text(BROWSER_ACTOR).count():
            clear_actor(page)
        else:
            choose_actor(page, BROWSER_ACTOR)
        page.keyboard.press("Escape")
        self._until(
            page,
            lambda: view_count(self.frame) > before,
            "new data layer",
            self._ran_without(page, runs),
        )
        self._idle(page)

    def _click(self, page: Any) -> None:
        from tests.browser.mapui import notes_column, province_point

        place = self.rng.choice(self.provinces)
        point = province_point(page, self.frame, place.code, place.lat, place.lng)
        runs = self.runs
        page.mouse.click(point.x, point.y)
        notes = notes_column(page).get_by_text(
            re.compile(rf"^{re.escape(place.name)}: \d+ claims? in view")
        )
        self._until(
            page,
            lambda: notes.count() > 0,
            f"notes of {place.name} after a click on it",
            self._ran_without(page, runs),
        )
        self._idle(page)

    def _download(self, page: Any) -> None:
        button = page.get_by_role("button", name="Claims CSV")
        if not button.count():
            page.get_by_test_id("stExpander").filter(has_text="Download or share").locator(
                "summary"
            ).click()
            self._idle(page)
        started, refused = len(self.downloads), self.refused
        button.click()
        self._until(
            page,
            lambda: len(self.downloads) > started,
            "download",
            lambda: "the server could not make the file" if self.refused > refused else None,
        )
        got = self.downloads[-1]
        if (failure := got.failure()) is not None:
            raise ClientError(f"the download failed: {failure}")
        data = Path(got.path()).read_bytes()
        if not data.startswith(SIGNATURES["Claims CSV"]):
            raise ClientError(f"the CSV downloaded starts {data[:30]!r}")

    def _save(self, page: Any) -> None:
        from tests.browser.mapui import choose_in_selectbox, save_acled_as

        name = f"Soak {self.name}"
        save_acled_as(page, name)
        self.frame = self._wait_map(page)
        page.wait_for_url(re.compile(r"[?&]dataset=soak-"))
        slug = parse_qs(page.url.split("?", 1)[1]).get("dataset", [""])[-1]
        self.recorder.saved.append(
            {"name": name, "slug": slug, "client": self.name, "t": round(self.recorder.now(), 2)}
        )
        self.recorder.event(f"{self.name}: saved {slug}")
        choose_in_selectbox(page, "Dataset", "Built-in data", typed="Built-in")
        self.frame = self._wait_map(page)


# --- the servers -----------------------------------------------------------------------------


@dataclass
class Target:
    """Where the sessions go, and what the soak can see of the servers."""

    url: str
    pids: dict[str, int]  # app processes by name
    database_url: str
    sources: list[str | None] = field(default_factory=list)  # one per protocol client
    browser_backend: str = ""  # deploy: the app process 127.0.0.1 (the browsers) reaches
    backend_of_source: dict[str, str] = field(default_factory=dict)
    kill: Callable[[], None] | None = None
    describe: str = ""
    access_log: Path | None = None  # deploy: nginx's, with the process that answered


def _source_addresses(count: int) -> list[str]:
    # 127.0.0.1 is the browsers'; the protocol clients each get another loopback address.
    return [f"127.0.{(i + 2) // 250}.{(i + 2) % 250 or 250}" for i in range(count)]


def _introspection(tmp: Path) -> Path:
    """A folder to put first on the app processes' PYTHONPATH: its ``sitecustomize``
    starts bench/introspect.py's sampler, writing to ``tmp/introspect``."""
    from bench import introspect

    site = tmp / "site"
    site.mkdir()
    (tmp / "introspect").mkdir()
    (site / "sitecustomize.py").write_text(
        "from bench.introspect import start\n\nstart()\n", encoding="utf-8"
    )
    os.environ[introspect.ENV] = str(tmp / "introspect")  # the app processes inherit it
    return site


@contextlib.contextmanager
def single_target(plan: Plan, tmp: Path) -> Iterator[Target]:
    """One ``streamlit run app.py`` on a copy of data/, with a SQLite store of its own."""
    from bench.browser import app_server, filled_store

    data_dir = tmp / "data"
    shutil.copytree(DATA, data_dir)
    database_url = filled_store(data_dir)
    site = (str(_introspection(tmp)),) if plan.introspect else ()
    with app_server("ours", data_dir, tmp / "app.log", python_path=site) as server:
        yield Target(
            url=server.url.rstrip("/"),
            pids={"app": server.proc.pid},
            database_url=database_url,
            sources=list(_source_addresses(plan.protocol_clients)),
            describe=f"1 app process ({server.url}), SQLite store in a temporary folder",
        )


def stickiness(access_log: Path, until: float) -> dict[str, Any]:
    """Requests answered by another process than the one their client mostly reached,
    before wall-clock time ``until`` (the kill): with sticky sessions, none."""
    answered: dict[str, list[str]] = {}
    for line in access_log.read_text(errors="replace").splitlines():
        match = re.match(r"(\S+) \[([^\]]+)\] .* upstream=(\S+) ", line)
        if not match:
            continue
        when = dt.datetime.strptime(match.group(2), "%d/%b/%Y:%H:%M:%S %z").timestamp()
        if when < until - 1:  # the log's time has whole seconds
            answered.setdefault(match.group(1), []).append(match.group(3).split(",")[-1])
    elsewhere = {}
    for client, upstreams in answered.items():
        usual = max(set(upstreams), key=upstreams.count)
        if other := [u for u in upstreams if u != usual]:
            elsewhere[client] = len(other)
    return {
        "requests": sum(len(u) for u in answered.values()),
        "answered_by_another_process": sum(elsewhere.values()),
        "clients_concerned": elsewhere,
    }


def _upstreams(access_log: Path) -> dict[str, str]:
    """nginx's access log: the app process (upstream address) each client address reached."""
    seen: dict[str, str] = {}
    for line in access_log.read_text(errors="replace").splitlines():
        match = re.match(r"(\S+) .* upstream=(\S+)", line)
        if match and "," not in match.group(2):
            seen[match.group(1)] = match.group(2)
    return seen


def _spread(plan: Plan, url: str, access_log: Path, backends: list[str]) -> dict[str, str]:
    """Which app process each of many loopback addresses reaches through nginx.

    ``hash $remote_addr consistent`` sends every local client to one process; clients on
    different 127.x addresses are spread as different machines would be. A health check
    from each candidate address, then nginx's access log, says where each one lands.
    """
    candidates = ["127.0.0.1", *_source_addresses(max(4 * plan.protocol_clients, 8))]
    for address in candidates:
        with contextlib.suppress(ClientError):
            Session(url, source_address=address, timeout=10).http("GET", "/_stcore/health")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        seen = _upstreams(access_log)
        if all(a in seen for a in candidates):
            break
        time.sleep(0.2)
    return {a: b for a, b in seen.items() if a in candidates and b in backends}


@contextlib.contextmanager
def deploy_target(plan: Plan, tmp: Path) -> Iterator[Target]:
    """deploy.run's set-up: PostgreSQL, two app processes, nginx in front, on free ports."""
    from deploy.postgres import free_port
    from deploy.run import running

    state = tmp / "deploy"
    state.mkdir()
    # As root PostgreSQL runs as the postgres user, who must be able to reach its folder.
    for folder in (tmp, state):
        folder.chmod(0o755)
    if plan.introspect:
        # deploy.run gives the app processes this process's environment.
        paths = [str(_introspection(tmp)), str(REPO), os.environ.get("PYTHONPATH", "")]
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    with running(state, port=free_port(), apps=2) as deployment:
        apps = [c for c in deployment.processes if c.name.startswith("app")]
        backends = [b.removeprefix("http://") for b in deployment.backends]
        name_of = {b: c.name.replace(" ", "-") for b, c in zip(backends, apps, strict=True)}
        where = _spread(plan, deployment.url, state / "logs" / "nginx-access.log", backends)
        if "127.0.0.1" not in where:
            raise RuntimeError("nginx's log does not say where 127.0.0.1 lands")
        victim = where["127.0.0.1"]
        # Half the protocol clients on each process, so that the kill drops about half.
        by_backend = {
            b: [a for a, w in where.items() if w == b and a != "127.0.0.1"] for b in backends
        }
        sources: list[str | None] = []
        for i in range(plan.protocol_clients):
            pool = by_backend[backends[i % len(backends)]] or [a for a in where if a != "127.0.0.1"]
            sources.append(pool[(i // len(backends)) % len(pool)])
        victim_child = apps[backends.index(victim)]

        def kill() -> None:
            os.kill(victim_child.proc.pid, signal.SIGKILL)

        yield Target(
            url=deployment.url,
            pids={name_of[b]: c.proc.pid for b, c in zip(backends, apps, strict=True)},
            database_url=deployment.database_url,
            sources=sources,
            browser_backend=name_of[victim],
            backend_of_source={a: name_of[w] for a, w in where.items()},
            kill=kill,
            access_log=state / "logs" / "nginx-access.log",
            describe=(
                f"nginx ({deployment.url}) in front of 2 app processes "
                f"({', '.join(f'{name_of[b]} {b}' for b in backends)}), {deployment.store}"
            ),
        )


def postgres_pid(tmp: Path) -> int | None:
    """The PostgreSQL server of this soak (its postmaster, whose children are its
    connections), if any."""
    for process in psutil.process_iter(["cmdline"]):
        with contextlib.suppress(psutil.Error):
            line = process.info["cmdline"] or []
            if "-D" in line and any(part.startswith(str(tmp)) for part in line):
                return process.pid
    return None


# --- the datasets saved ------------------------------------------------------------------------


def listed_datasets(target: Target) -> dict[str, Any]:
    """The saved datasets as the store lists them, and as a new session's picker does
    (each empty, with the reason, if it could not be asked)."""
    import store

    listed: dict[str, Any] = {"store": {}, "picker": []}
    try:
        opened = store.open_store(target.database_url)
        try:
            listed["store"] = {d.slug: d.claim_count for d in opened.datasets()}
        finally:
            opened.engine.dispose()
    except Exception as error:  # reported as datasets missing, with why
        listed["store_error"] = _short(error)
    probe = Session(target.url, timeout=60)
    try:
        probe.connect()
        picker = probe.rerun(new_page=True).widget("selectbox", "Dataset")
        listed["picker"] = list(picker.proto.options)
    except ClientError as error:
        listed["picker_error"] = _short(error)
    finally:
        probe.close()
    return listed


def check_saved(saved: list[dict[str, Any]], listed: dict[str, Any]) -> list[str]:
    """Datasets saved (before ``listed`` was taken) that are missing from the store or the
    picker: none expected."""
    missing = [f"{k}: {v}" for k, v in listed.items() if k.endswith("_error")]
    for d in saved:
        if listed["store"].get(d["slug"]) != 5:
            missing.append(f"{d['slug']}: not in the store with its 5 claims")
        if d["name"] not in listed["picker"]:  # the picker lists names; counts are beneath
            missing.append(f"{d['name']}: not in a new session's Dataset picker")
    return missing


# --- the run -----------------------------------------------------------------------------------


def _stop_signal(signum: int, _frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt(signal.Signals(signum).name)


def soak(plan: Plan, logs: Path | None = None) -> dict[str, Any]:
    """Run the soak described by ``plan``; everything measured, as a JSON-able dict.

    ``logs``: where to copy the servers' logs (the app's, nginx's, PostgreSQL's) before
    their temporary folder goes, whatever happened.
    """
    recorder = Recorder()
    stop = threading.Event()
    threads: list[threading.Thread] = []
    result: dict[str, Any] = {"plan": asdict(plan)}
    provinces = places()
    started = time.perf_counter()
    environment = dict(os.environ)  # --introspect changes it for the app processes
    with (
        tempfile.TemporaryDirectory(prefix="claims-soak-") as folder,
        _restored(environment),
    ):
        tmp = Path(folder)
        try:
            opened = single_target if plan.mode == "single" else deploy_target
            with opened(plan, tmp) as target:
                result["target"] = target.describe
                result["set_up_seconds"] = round(time.perf_counter() - started, 1)
                pids = dict(target.pids)
                if plan.mode == "deploy" and (pg := postgres_pid(tmp)) is not None:
                    pids["postgres"] = pg
                sampler = Sampler(recorder, pids)
                sampler.start()
                try:
                    _wait_idle_memory(sampler)
                    idle_t0, recorder.t0 = recorder.t0, time.monotonic()
                    result["wall_t0"] = time.time()
                    for row in sampler.samples:  # times since the load started: negative here
                        row["t"] = round(row["t"] - (recorder.t0 - idle_t0), 2)
                    sampler.phase = "load"
                    result["client_backends"] = _client_backends(plan, target)
                    threads = _start_users(plan, target, recorder, stop, provinces)
                    _drive(plan, target, recorder, stop, result)
                finally:
                    stop.set()
                    result["stopped_at"] = round(recorder.now(), 1)
                    sampler.phase = "closing"
                    for thread in threads:
                        thread.join(timeout=plan.timeout + 30)
                    result["load_seconds"] = round(recorder.now(), 1)
                    result["threads_left"] = [t.name for t in threads if t.is_alive()]
                    sampler.phase = "closed"
                _after(plan, target, recorder, sampler, result)
                sampler.stop()
                if target.access_log is not None and "killed_at" in result:
                    kill_wall = result["wall_t0"] + result["killed_at"]
                    result["stickiness"] = stickiness(target.access_log, kill_wall)
                result["datasets_at_end"] = listed_datasets(target)
                result["saved_missing_at_end"] = check_saved(
                    recorder.saved, result["datasets_at_end"]
                )
                result["memory_samples"] = sampler.samples
                if plan.introspect:
                    result["introspect"] = _introspected(tmp, target, result["wall_t0"])
        finally:
            if logs is not None:
                _keep_logs(tmp, logs)
    result["requests"] = [asdict(r) for r in recorder.requests]
    result["events"] = recorder.events
    result["saved"] = recorder.saved
    result["summary"] = summarise(plan, result, recorder)
    return result


def _keep_logs(tmp: Path, logs: Path) -> None:
    logs.mkdir(parents=True, exist_ok=True)
    for log in tmp.rglob("*.log"):
        with contextlib.suppress(OSError):
            shutil.copy2(log, logs / log.name)


@contextlib.contextmanager
def _restored(environment: dict[str, str]) -> Iterator[None]:
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(environment)


def _introspected(tmp: Path, target: Target, wall_t0: float) -> dict[str, list[dict[str, Any]]]:
    """bench/introspect.py's samples by app process, timed like the rest."""
    from bench import introspect

    names = {pid: name for name, pid in target.pids.items()}
    out: dict[str, list[dict[str, Any]]] = {}
    for pid, rows in introspect.read(tmp / "introspect").items():
        for row in rows:
            row["t"] = round(row["t"] - wall_t0, 1)
        out[names.get(pid, str(pid))] = rows
    return out


def _wait_idle_memory(sampler: Sampler, most: float = 60.0) -> None:
    """Until the servers' memory holds still (they warm up after answering their health
    check), at most ``most`` seconds: the figure the sessions' memory is measured from."""
    deadline = time.monotonic() + most
    time.sleep(3)
    while time.monotonic() < deadline:
        last = sampler.samples[-3:]
        names = [k for k in last[0] if k not in ("t", "phase")] if last else []
        if len(last) == 3 and all(
            max(s[n] or 0 for s in last) - min(s[n] or 0 for s in last) < MB for n in names
        ):
            return
        time.sleep(1)


def _start_users(
    plan: Plan, target: Target, recorder: Recorder, stop: threading.Event, provinces: list[Place]
) -> list[threading.Thread]:
    """Start every session, spread over the first seconds (a crowd arriving, not a wall)."""
    users: list[tuple[str, Callable[[], None]]] = []
    clickable = _clickable(provinces)
    saves = {round(i * plan.protocol_clients / max(plan.savers, 1)) for i in range(plan.savers)}
    kill_at = plan.kill_at if plan.kill_at is not None else plan.duration / 2
    deadline = kill_at - min(10.0, kill_at / 4) if plan.mode == "deploy" else math.inf

    def may_save() -> bool:
        # Deploy: what the kill must not lose is saved before it, with time to spare.
        return recorder.now() < deadline

    for i in range(plan.browsers):
        saver = plan.browser_saves and i == 0
        user = BrowserUser(
            f"b{i + 1}",
            target.url,
            plan,
            recorder,
            stop,
            clickable,
            saves=saver,
            may_save=may_save,
        )
        users.append((user.name, user.run))

    for i in range(plan.protocol_clients):
        proto = ProtocolUser(
            f"p{i + 1:02d}",
            target.url,
            target.sources[i] if i < len(target.sources) else None,
            plan,
            recorder,
            stop,
            provinces,
            saves=i in saves,
            may_save=may_save,
        )
        users.append((proto.name, proto.run))
    ramp = min(10.0, plan.duration / 6)
    threads = []
    for n, (name, run) in enumerate(users):
        thread = threading.Thread(target=_guarded(recorder, name, run), name=name, daemon=True)
        thread.start()
        threads.append(thread)
        if stop.wait(ramp / max(len(users), 1) if n < len(users) - 1 else 0):
            break
    return threads


def _client_backends(plan: Plan, target: Target) -> dict[str, str]:
    """The app process each session reaches (deploy; "app" for the single process)."""
    where = target.backend_of_source
    names = {f"b{i + 1}": where.get("127.0.0.1", "app") for i in range(plan.browsers)}
    for i in range(plan.protocol_clients):
        source = target.sources[i] if i < len(target.sources) else None
        names[f"p{i + 1:02d}"] = where.get(source or "127.0.0.1", "app")
    return names


def _clickable(provinces: list[Place]) -> list[Place]:
    # Panjshir, and the larger provinces, whose inner point is well clear of the legend.
    chosen = {"AF-PAN", "AF-BAM", "AF-GHO", "AF-DAY", "AF-URU", "AF-GHA", "AF-SAR", "AF-BAL"}
    return [p for p in provinces if p.code in chosen] or provinces[:5]


def _guarded(recorder: Recorder, name: str, run: Callable[[], None]) -> Callable[[], None]:
    def guarded() -> None:
        try:
            run()
        except Exception as error:  # a session's own bug must show, not vanish in a thread
            recorder.add(Request(name, "crash", recorder.now(), 0.0, _short(error)))

    return guarded


def _drive(
    plan: Plan, target: Target, recorder: Recorder, stop: threading.Event, result: dict[str, Any]
) -> None:
    """Wait out the load; in deploy mode, kill a process at the set time and check what
    was saved before it."""
    kill_at = plan.kill_at if plan.kill_at is not None else plan.duration / 2
    killed = target.kill is None
    checked = target.kill is None
    end = plan.duration
    while recorder.now() < end and not stop.is_set():
        stop.wait(min(0.5, max(0.0, end - recorder.now())))
        if not killed and recorder.now() >= kill_at:
            assert target.kill is not None
            result["saved_before_kill"] = list(recorder.saved)
            target.kill()
            result["killed_at"] = round(recorder.now(), 2)
            result["killed"] = target.browser_backend
            result["clients_on_killed"] = [
                c for c, b in result["client_backends"].items() if b == target.browser_backend
            ]
            recorder.event(f"SIGKILL {target.browser_backend}")
            killed = True
        if killed and not checked and recorder.now() >= result["killed_at"] + 10:
            listed = listed_datasets(target)
            result["datasets_after_kill"] = listed
            result["saved_missing_after_kill"] = check_saved(result["saved_before_kill"], listed)
            checked = True


def _after(
    plan: Plan, target: Target, recorder: Recorder, sampler: Sampler, result: dict[str, Any]
) -> None:
    """Memory once the sessions are gone: at once, and after Streamlit let them go."""
    time.sleep(plan.settle)
    result["closed_at"] = result["load_seconds"]
    if plan.release_wait <= 0:
        return
    sampler.phase = "waiting-ttl"
    time.sleep(max(0.0, plan.release_wait - plan.settle))
    # Streamlit keeps a closed session for server.disconnectedSessionTTL (120 s) in case
    # it reconnects, and drops expired ones only when it next stores one: a session
    # opened and closed now does that; the next one's run ends with a full collection.
    sampler.phase = "probe"
    for _ in range(2):
        probe = Session(target.url, timeout=60)
        try:
            probe.connect()
            probe.rerun(new_page=True)
        except ClientError as error:
            recorder.event(f"probe session failed: {error}")
        finally:
            probe.close()
        time.sleep(1)
    sampler.phase = "after-ttl"
    time.sleep(5)


# --- the figures ---------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0-100) of ``values``; None if there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _stats(requests: list[Request]) -> dict[str, Any]:
    times = [r.seconds for r in requests if r.ok]
    return {
        "requests": len(requests),
        "errors": sum(1 for r in requests if not r.ok),
        **{f"p{p}": percentile(times, p) for p in (50, 90, 99)},
        "max": max(times) if times else None,
    }


# Not answers of the app: a websocket handshake, the page looking ready.
NOT_ANSWERS = ("connect", "browser:ready")


def _back(requests: list[Request], killed_at: float) -> dict[str, float]:
    """When each client first got a good answer of the app after the kill."""
    back: dict[str, float] = {}
    good = (r for r in requests if r.ok and r.start >= killed_at and r.kind not in NOT_ANSWERS)
    for r in sorted(good, key=lambda r: r.end):
        back.setdefault(r.client, r.end)
    return back


def _phases(requests: list[Request], killed_at: float | None) -> dict[str, str]:
    """Each failed request's phase: before the kill, in its window (until the client's
    first good answer of the app after it), or after the client was back."""
    phase: dict[int, str] = {}
    back = _back(requests, killed_at) if killed_at is not None else {}
    for i, r in enumerate(requests):
        if r.ok:
            continue
        if killed_at is None or r.end < killed_at:
            phase[i] = "before"
        elif r.client not in back or r.end <= back[r.client]:
            phase[i] = "window"
        else:
            phase[i] = "after"
    return {str(i): p for i, p in phase.items()}


def _load_cpu(samples: list[dict[str, Any]], name: str) -> list[float]:
    """CPU samples during the load, while the process was alive (not after its kill)."""
    return [
        s[f"{name}:cpu"]
        for s in samples
        if s["phase"] == "load"
        and s.get(f"{name}:cpu") is not None
        and (name == Sampler.CLIENTS or s.get(name) is not None)
    ]


def _memory(samples: list[dict[str, Any]], names: list[str], load_end: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in names:
        series = [(s["t"], s[name], s["phase"]) for s in samples if s.get(name)]
        if not series:
            continue
        load = [(t, v) for t, v, p in series if p == "load"]
        # None for a process that was dead by then (the one killed)
        last_load = [s.get(name) for s in samples if s["phase"] == "load"][-1:]
        second_half = [(t, v) for t, v in load if t >= load_end / 2]
        slope = None
        if len(second_half) >= 5:
            ts, vs = zip(*second_half, strict=True)
            slope = statistics.linear_regression(ts, vs).slope * 60 / MB  # MB per minute
        cpu = _load_cpu(samples, name)
        closed = [v for _, v, p in series if p == "closed"]
        after_ttl = [v for _, v, p in series if p == "after-ttl"]
        idle = [v for _, v, p in series if p == "idle"]
        out[name] = {
            "start": idle[-1] if idle else series[0][1],
            "peak": max(v for _, v, _ in series),
            "end_of_load": last_load[0] if last_load else None,
            "after_close": closed[-1] if closed else None,
            "after_ttl": after_ttl[-1] if after_ttl else None,
            "second_half_slope_mb_per_min": slope,
            "cpu_percent_mean_during_load": round(statistics.mean(cpu), 1) if cpu else None,
            "samples": len(series),
        }
    return out


def summarise(plan: Plan, result: dict[str, Any], recorder: Recorder) -> dict[str, Any]:
    requests = recorder.requests
    protocol = [r for r in requests if not r.kind.startswith("browser:")]
    browser = [r for r in requests if r.kind.startswith("browser:")]
    groups = {
        "protocol reruns": [r for r in protocol if r.kind in RERUN_KINDS],
        "downloads: make (deferred)": [r for r in protocol if r.kind == "download-make"],
        "downloads: GET /media/": [r for r in protocol if r.kind == "download-get"],
        "uploads: PUT": [r for r in protocol if r.kind == "upload-put"],
        "browser actions": [r for r in browser if r.kind.split(":")[1] in BROWSER_TIMED],
    }
    by_kind = {
        k: _stats([r for r in requests if r.kind == k]) for k in sorted({r.kind for r in requests})
    }
    killed_at = result.get("killed_at")
    phases = _phases(requests, killed_at)
    counts = {"before": 0, "window": 0, "after": 0}
    for p in phases.values():
        counts[p] += 1
    errors = [
        {**asdict(requests[int(i)]), "phase": p}
        for i, p in sorted(phases.items(), key=lambda x: int(x[0]))
    ]
    summary: dict[str, Any] = {
        "sessions": plan.sessions,
        "browsers": plan.browsers,
        "protocol_clients": plan.protocol_clients,
        "requests": len(requests),
        "errors": len(errors),
        "errors_by_phase": counts,
        "error_list": errors[:200],
        "groups": {k: _stats(v) for k, v in groups.items()},
        "by_kind": by_kind,
        "memory": _memory(
            result["memory_samples"],
            [k for k in result["memory_samples"][0] if k not in ("t", "phase") and ":" not in k]
            if result["memory_samples"]
            else [],
            result.get("load_seconds", plan.duration),
        ),
        "clients_cpu_percent_mean_during_load": (
            round(statistics.mean(cpu), 1)
            if (cpu := _load_cpu(result["memory_samples"], Sampler.CLIENTS))
            else None
        ),
        "saved": len(recorder.saved),
        "saved_missing_at_end": result.get("saved_missing_at_end", []),
        "threads_left": result.get("threads_left", []),
    }
    if killed_at is not None:
        back = _back(requests, killed_at)
        lost = {c for c, t in recorder.lost if killed_at <= t < plan.duration}
        lost |= {e["client"] for e in errors if e["phase"] == "window"}
        expected = set(result.get("clients_on_killed", []))
        summary["kill"] = {
            "at": killed_at,
            "process": result.get("killed"),
            "clients_on_it": sorted(expected),
            "clients_that_lost_their_connection": sorted(lost),
            "lost_but_not_on_it": sorted(lost - expected),
            "on_it_but_not_lost": sorted(expected - lost),
            "clients_back": sorted(c for c in lost if c in back),
            "clients_not_back": sorted(c for c in lost if c not in back),
            "seconds_to_first_good_answer": {
                c: round(back[c] - killed_at, 2) for c in sorted(lost) if c in back
            },
            "saved_before": len(result.get("saved_before_kill", [])),
            "saved_missing_after_kill": result.get("saved_missing_after_kill"),
            "stickiness_before_kill": result.get("stickiness"),
        }
    return summary


def _mb(value: int | None) -> str:
    return "-" if value is None else f"{value / MB:.0f}"


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def recorder_requests(result: dict[str, Any]) -> list[dict[str, Any]]:
    return result.get("requests", [])


def report(result: dict[str, Any]) -> str:
    plan, summary = result["plan"], result["summary"]
    lines = [
        f"Soak ({plan['mode']}): {summary['sessions']} sessions ({summary['browsers']} Chromium "
        f"+ {summary['protocol_clients']} protocol clients) for {plan['duration']:.0f} s, "
        f"{plan['think'][0]:g}-{plan['think'][1]:g} s between a session's actions",
        f"  {result['target']}; set-up {result['set_up_seconds']} s",
        "",
        f"{'':34} {'requests':>8} {'errors':>6} "
        f"{'p50 s':>7} {'p90 s':>7} {'p99 s':>7} {'max s':>7}",
    ]

    def row(name: str, s: dict[str, Any]) -> str:
        return (
            f"{name:34} {s['requests']:>8} {s['errors']:>6} {_s(s['p50']):>7} "
            f"{_s(s['p90']):>7} {_s(s['p99']):>7} {_s(s['max']):>7}"
        )

    for name, s in summary["groups"].items():
        lines.append(row(name, s))
    lines.append("  by kind:")
    for name, s in summary["by_kind"].items():
        lines.append(row("    " + name, s))
    errors = summary["errors_by_phase"]
    lines += ["", f"Errors: {summary['errors']}"]
    if "kill" in summary:
        k = summary["kill"]
        lines.append(
            f"  before the kill {errors['before']}, in the kill window {errors['window']} "
            f"(connections dropped), after reconnecting {errors['after']} (0 expected)"
        )
        waits = k["seconds_to_first_good_answer"]
        lines.append(
            f"Kill: SIGKILL {k['process']} at {k['at']:.0f} s; {len(k['clients_on_it'])} sessions "
            f"on it, {len(k['clients_that_lost_their_connection'])} lost their connection, "
            f"{len(k['clients_back'])} back on the other process (first good answer "
            f"{min(waits.values(), default=0):.1f}-{max(waits.values(), default=0):.1f} s "
            f"after the kill); not back: {k['clients_not_back'] or 'none'}"
        )
        if k["lost_but_not_on_it"] or k["on_it_but_not_lost"]:
            lines.append(
                f"  unexpected: lost but on the other process {k['lost_but_not_on_it']}, "
                f"on the killed process but never lost {k['on_it_but_not_lost']}"
            )
        if sticky := k.get("stickiness_before_kill"):
            lines.append(
                f"  before the kill, of {sticky['requests']} requests through nginx, "
                f"{sticky['answered_by_another_process']} were answered by another process "
                f"than their client's usual one {sticky['clients_concerned'] or ''}"
            )
        lost = k["saved_missing_after_kill"]
        lines.append(
            f"  datasets saved before the kill: {k['saved_before']}; missing 10 s after it: "
            f"{lost or 'none'}"
        )
    for e in summary["error_list"][:15]:
        lines.append(
            f"  {e['start']:7.1f} s {e['client']} {e['kind']} [{e['phase']}]: {e['error']}"
        )
    missing = summary["saved_missing_at_end"]
    settled = f"closed+{plan['settle']:.0f}s"
    lines.append(f"Datasets saved: {summary['saved']}; missing at the end: {missing or 'none'}")
    if summary["threads_left"]:
        lines.append(f"Sessions that did not stop: {summary['threads_left']}")
    makes = [
        r for r in recorder_requests(result) if r["kind"] == "download-make" and not r["error"]
    ]
    if makes:
        per_label = {
            label: percentile([r["seconds"] for r in makes if r["detail"] == label], 50)
            for label in DOWNLOADS
        }
        lines.append(
            "Deferred downloads made, median s: "
            + ", ".join(f"{k} {_s(v)}" for k, v in per_label.items())
        )
    lines += [
        "",
        "Server memory (RSS, MB; process and children), and CPU (% of one core, mean "
        "during the load):",
        f"  {'':14} {'start':>6} {'peak':>6} {'end of load':>11} "
        f"{settled:>10} {'after TTL':>9} {'MB/min, 2nd half':>17} {'CPU %':>6}",
    ]
    for name, m in summary["memory"].items():
        slope = m["second_half_slope_mb_per_min"]
        cpu = m["cpu_percent_mean_during_load"]
        lines.append(
            f"  {name:14} {_mb(m['start']):>6} {_mb(m['peak']):>6} {_mb(m['end_of_load']):>11} "
            f"{_mb(m['after_close']):>10} {_mb(m['after_ttl']):>9} "
            f"{'-' if slope is None else f'{slope:+.1f}':>17} {'-' if cpu is None else cpu:>6}"
        )
    clients = summary["clients_cpu_percent_mean_during_load"]
    lines.append(
        f"  The soak's own clients (this process and its browsers) used {clients} % of one "
        "core on the same machine."
    )
    lines += _introspection_report(result)
    return "\n".join(lines)


INTROSPECTED = (
    ("sessions_connected", "connected"),
    ("sessions_kept_for_reconnect", "kept"),
    ("media_sessions_referencing", "media refs"),
    ("deferred_downloads", "deferred"),
    ("uploaded_files", "uploads"),
    ("media_refs_of_gone_sessions", "gone: media"),
    ("uploads_of_gone_sessions", "gone: uploads"),
)


def _introspection_report(result: dict[str, Any]) -> list[str]:
    """What each process held for sessions at the end of the load, once they had closed,
    and at the very end (after the TTL, if waited for)."""
    found = result.get("introspect")
    if not found:
        return []
    load_end = result.get("stopped_at", result["load_seconds"])
    settled = result["load_seconds"] + result["plan"]["settle"]
    lines = ["", "Held by Streamlit for sessions (bench/introspect.py):"]
    header = "".join(f"{label:>14}" for _, label in INTROSPECTED)
    lines.append(f"  {'':26}{header}")
    for name, rows in found.items():
        rows = [r for r in rows if "error" not in r]
        for label, until in (("end of load", load_end), ("closed", settled), ("end", math.inf)):
            before = [r for r in rows if r["t"] <= until]
            if not before:
                continue
            row = before[-1]
            cells = "".join(f"{row.get(key, '-')!s:>14}" for key, _ in INTROSPECTED)
            where = f"{name}, {label} ({row['t']:.0f} s)"
            lines.append(f"  {where:26}{cells}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak", description=__doc__.splitlines()[0]
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--single", dest="mode", action="store_const", const="single")
    mode.add_argument("--deploy", dest="mode", action="store_const", const="deploy")
    parser.set_defaults(mode="single")
    parser.add_argument("--sessions", type=int, default=20, help="in all (default: 20)")
    parser.add_argument("--browsers", type=int, default=3, help="of which Chromium (default: 3)")
    parser.add_argument("--duration", type=float, default=120.0, help="seconds (default: 120)")
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(1.0, 4.0),
        metavar=("MIN", "MAX"),
        help="seconds between a session's actions (default: 1 4)",
    )
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument(
        "--settle", type=float, default=10.0, help="memory sampled after close (default: 10 s)"
    )
    parser.add_argument(
        "--release-wait",
        type=float,
        default=130.0,
        help="then wait past Streamlit's 120 s session TTL and sample again (0: skip)",
    )
    parser.add_argument("--kill-at", type=float, help="deploy: seconds in (default: halfway)")
    parser.add_argument("--savers", type=int, default=4, help="protocol clients that save")
    parser.add_argument(
        "--introspect",
        action="store_true",
        help="the app processes report the sessions they hold (bench/introspect.py)",
    )
    parser.add_argument("--out", type=Path, default=OUT, help="where the JSON goes")
    args = parser.parse_args(argv)
    if args.browsers > args.sessions:
        parser.error("--browsers cannot exceed --sessions")
    plan = Plan(
        mode=args.mode,
        sessions=args.sessions,
        browsers=args.browsers,
        duration=args.duration,
        think=tuple(args.think),
        seed=args.seed,
        settle=args.settle,
        release_wait=args.release_wait,
        kill_at=args.kill_at,
        savers=min(args.savers, max(0, args.sessions - args.browsers)),
        introspect=args.introspect,
    )
    signal.signal(signal.SIGTERM, _stop_signal)
    from bench.run import git_state, machine

    header = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "command": " ".join(["python", "-m", "bench.soak", *(argv or sys.argv[1:])]),
        "machine": machine(),
        "git": git_state(),
        "load_average_at_start": os.getloadavg(),
    }
    stamp = dt.datetime.now().strftime("%Y-%m-%d-%H%M%S")
    logs = args.out / f"soak-{plan.mode}-{stamp}-logs"
    try:
        result = {**header, **soak(plan, logs)}
    except KeyboardInterrupt:
        print("Stopped: the servers, browsers and temporary folders are gone.", file=sys.stderr)
        return 130
    result["load_average_at_end"] = os.getloadavg()
    result["logs"] = str(logs)
    path = args.out / f"soak-{plan.mode}-{stamp}.json"
    path.write_text(json.dumps(result, indent=1, default=str))
    print(report(result))
    load = ", ".join(f"{x:.1f}" for x in result["load_average_at_end"])
    print(f"\nLoad average at the end: {load} on {os.cpu_count()} cores. Saved {path}")
    print(f"The servers' logs: {logs}")
    summary = result["summary"]
    bad = summary["errors_by_phase"]["before"] + summary["errors_by_phase"]["after"]
    return 1 if bad or summary["saved_missing_at_end"] or summary["threads_left"] else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The real apps in headless Chromium: bytes, paint times, new frames, memory, cold start.

Each app runs as ``streamlit run`` on a free localhost port with ``CLAIMS_MAP_DATA_DIR``
pointing at a temporary data folder. Chromium is Debian's (``/usr/bin/chromium``) and may
resolve no host but localhost. Bytes come from the Chrome DevTools Protocol: HTTP bytes on
the wire (``Network.loadingFinished.encodedDataLength``, headers included) plus websocket
frames received (their payload size). Paint times come from the map frame itself: the
page's init script puts a watcher in each map frame (see ``INIT_JS``) that notes, in the
animation frame after each change, the time, the polygons drawn
(``path.leaflet-interactive``) and, for our map, the body's ``data-claims-painted`` and
``data-claims-view`` attributes; times are wall-clock milliseconds on both sides (Python's
``time.time`` and the page's ``Date.now``). A paint the watcher missed is timed when this
process sees it, and counted (``paints_timed_by_polling``).

Every wait here is bounded in time, every loop in count.
"""

from __future__ import annotations

import base64
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil
from playwright.sync_api import Browser, Frame, Page
from playwright.sync_api import Error as PlaywrightError

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Nothing but this machine: any other host fails to resolve, without a network attempt.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
APPS = {"ours": "app.py", "naive": "bench/naive_app.py", "floor": "bench/floor_app.py"}
# Per variant: which kind of map it draws (how its paint is detected), its script, and
# extra ``streamlit run`` options. "ours-nogc" is ours without Streamlit's full garbage
# collection after every script run (``runner.postScriptGC``, on by default); "floor" is
# our map alone on a page with one filter (bench/floor_app.py).
VARIANTS = {
    "ours": ("ours", []),
    "naive": ("naive", []),
    "ours-nogc": ("ours", ["--runner.postScriptGC", "false"]),
    "ours-nogc-nofreeze": ("ours", ["--runner.postScriptGC", "false"]),
    "floor": ("ours", []),
}
# How each variant's ``streamlit run`` is started, if not as ``python -m streamlit``.
# "ours-nogc-nofreeze" is Streamlit's public option alone: no full collection after a run,
# and the app's own ``gc.freeze()`` (dashboard/perf.py) made a no-op, to weigh the two
# ways against each other in one run (bench/postgc.py).
_NO_FREEZE = (
    "import gc; gc.freeze = lambda: None; "
    "from streamlit.web.cli import main; main(prog_name='streamlit')"
)
LAUNCHERS: dict[str, list[str]] = {"ours-nogc-nofreeze": ["-c", _NO_FREEZE]}
DATA_DIR_ENV = "CLAIMS_MAP_DATA_DIR"
DATABASE_URL_ENV = "CLAIMS_MAP_DATABASE_URL"
MAP_IFRAME = 'iframe[src*="streamlit_folium.st_folium"]'
ACTOR_LABEL = "Actor (who the claim is about)"
STARTUP_SECONDS = 120
WAIT_SECONDS = 90
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")

INIT_JS = r"""
(() => {
  if (window.top !== window) { return; }
  // Note when the user last pressed a mouse button or a key (capture phase, before the
  // app's own handlers): the start of a filter change.
  const note = () => { window.__benchInput = Date.now(); };
  window.addEventListener('mousedown', note, true);
  window.addEventListener('keydown', note, true);

  // Watch each map frame from here, not from an init script of its own: Streamlit creates
  // the frame as about:blank and then navigates it, and Chromium keeps that first window
  // for the same-origin page, so an init script runs only while the frame is still blank.
  // A component's first message ("componentReady") comes from its own page, before the
  // app sends it anything to draw, so the watcher is in place before the first paint.
  function watch(w) {
    let doc;
    try { doc = w.document; } catch (e) { return; }
    if (w.__bench || !w.location.pathname.includes('streamlit_folium')) { return; }
    // late: the map was already drawn when the watcher started, so it cannot time that.
    const bench = w.__bench = {events: [], started: Date.now(), late: false};
    let pending = false;
    function snapshot() {
      pending = false;
      const body = doc.body;
      if (!body) { return; }
      const e = {
        painted: body.getAttribute('data-claims-painted'),
        view: Number(body.getAttribute('data-claims-view') || 0),
        paths: doc.querySelectorAll('path.leaflet-interactive').length,
      };
      if (bench.events.length === 0 && (e.painted || e.view || e.paths)) { bench.late = true; }
      const last = bench.events[bench.events.length - 1];
      if (last && last.painted === e.painted && last.view === e.view
          && last.paths === e.paths) {
        return;
      }
      e.t = Date.now();
      bench.events.push(e);
    }
    snapshot();
    new w.MutationObserver(() => {
      if (!pending) { pending = true; w.requestAnimationFrame(snapshot); }
    }).observe(doc, {subtree: true, childList: true, attributes: true,
                     attributeFilter: ['data-claims-painted', 'data-claims-view']});
  }
  window.addEventListener('message', (event) => {
    if (event.source && event.source !== window) { watch(event.source); }
  }, true);
})();
"""

STATE_JS = """() => {
  const body = document.body;
  const paths = Array.from(document.querySelectorAll('path.leaflet-interactive'));
  return {
    marked: window.__benchMark === 1,
    painted: body ? body.getAttribute('data-claims-painted') : null,
    error: body ? body.getAttribute('data-claims-error') : null,
    view: body ? Number(body.getAttribute('data-claims-view') || 0) : 0,
    paths: paths.length,
    fills: paths.map(p => p.getAttribute('fill')).join(','),
    events: window.__bench ? window.__bench.events : [],
    watched: Boolean(window.__bench) && !window.__bench.late,
  };
}"""


def now_ms() -> float:
    return time.time() * 1000.0


# --- the server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    kind: str
    url: str
    proc: subprocess.Popen[bytes]
    launched_ms: float
    healthy_ms: float
    log: Path

    def rss(self) -> int:
        """Resident memory of the server process and all its children, in bytes."""
        try:
            process = psutil.Process(self.proc.pid)
            total = process.memory_info().rss
            for child in process.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += child.memory_info().rss
            return total
        except psutil.Error:
            return 0


def _log_tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def filled_store(data_dir: Path) -> str:
    """A SQLite store beside ``data_dir``, already filled from it; returns its URL.

    The app fills its store on its first start only: a deployment's later starts, which
    the cold-start figures stand for, find it filled. So it is filled here, untimed
    (``bench.store_load`` times filling), and every app started on ``data_dir`` shares it.
    """
    url = f"sqlite:///{data_dir.parent / (data_dir.name + '-store.db')}"
    if url not in _FILLED:
        import store

        opened = store.open_store(url)
        opened.sync_builtin(data_dir)
        opened.engine.dispose()
        _FILLED.add(url)
    return url


_FILLED: set[str] = set()


@contextlib.contextmanager
def app_server(
    variant: str,
    data_dir: Path,
    log: Path,
    python_path: tuple[str, ...] = (),
    repo: Path = REPO,
) -> Iterator[Server]:
    """``streamlit run`` the app (a key of VARIANTS) on a free port; stop it afterwards.

    ``python_path``: folders searched before the repository (bench.soak's diagnostics).
    ``repo``: the checkout whose app runs (bench.repaint_ab runs two side by side).
    """
    kind, options = VARIANTS[variant]
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != DATA_DIR_ENV}
    env[DATA_DIR_ENV] = str(data_dir)
    env[DATABASE_URL_ENV] = filled_store(data_dir)
    env["PYTHONPATH"] = os.pathsep.join([*python_path, str(repo)])
    command = [
        sys.executable,
        *LAUNCHERS.get(variant, ["-m", "streamlit"]),
        "run",
        APPS.get(variant, APPS[kind]),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        *options,
    ]
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    health = f"http://127.0.0.1:{port}/_stcore/health"
    with log.open("wb") as out:
        launched = now_ms()
        proc = subprocess.Popen(
            command, cwd=repo, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out
        )
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            healthy = None
            while time.monotonic() < deadline and healthy is None:
                if proc.poll() is not None:
                    raise RuntimeError(f"{kind} app exited {proc.returncode}:\n{_log_tail(log)}")
                with (
                    contextlib.suppress(urllib.error.URLError, OSError),
                    opener.open(health, timeout=2) as response,
                ):
                    if response.status == 200:
                        healthy = now_ms()
                        break
                time.sleep(0.05)
            if healthy is None:
                raise RuntimeError(f"{kind} app not healthy in {STARTUP_SECONDS} s")
            yield Server(variant, f"http://127.0.0.1:{port}/", proc, launched, healthy, log)
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=15)


# --- counting bytes ------------------------------------------------------------------------


@dataclass
class Meter:
    """Bytes the page receives, from the DevTools protocol; reset between phases."""

    page: Page
    http: int = 0
    ws_in: int = 0
    ws_out: int = 0
    requests: int = 0
    outside: list[str] = field(default_factory=list)
    by_url: dict[str, int] = field(default_factory=dict)
    last_event: float = 0.0
    # (wall-clock ms, "in" or "out", bytes) of each websocket frame since the last reset.
    frames: list[tuple[float, str, int]] = field(default_factory=list)
    _urls: dict[str, str] = field(default_factory=dict)
    # CDP stamps frames with a monotonic clock; requests give both clocks, hence the offset.
    _clock_offset_ms: float | None = None

    def __post_init__(self) -> None:
        cdp = self.page.context.new_cdp_session(self.page)
        cdp.on("Network.requestWillBeSent", self._request)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.webSocketFrameReceived", self._ws_in)
        cdp.on("Network.webSocketFrameSent", self._ws_out)
        cdp.send("Network.enable")
        self.cdp = cdp
        self.last_event = time.monotonic()

    def reset(self) -> None:
        self.http = self.ws_in = self.ws_out = self.requests = 0
        self.by_url = {}
        self.frames = []
        self.last_event = time.monotonic()

    def _wall_ms(self, event: dict[str, Any]) -> float:
        if self._clock_offset_ms is None:
            return now_ms()
        return float(event["timestamp"]) * 1000 + self._clock_offset_ms

    def _request(self, event: dict[str, Any]) -> None:
        url = event["request"]["url"]
        self._urls[event["requestId"]] = url
        if self._clock_offset_ms is None and "wallTime" in event:
            wall, mono = float(event["wallTime"]), float(event["timestamp"])
            self._clock_offset_ms = (wall - mono) * 1000
        self.requests += 1
        self.last_event = time.monotonic()
        if url.startswith(("http:", "https:", "ws:", "wss:")) and (
            urlsplit(url).hostname not in LOCAL_HOSTS
        ):
            self.outside.append(url)

    def _finished(self, event: dict[str, Any]) -> None:
        size = int(event.get("encodedDataLength") or 0)
        self.http += size
        url = self._urls.get(event["requestId"], "?").split("?")[0]
        path = "/" + url.split("/", 3)[3] if url.count("/") >= 3 else url
        self.by_url[path] = self.by_url.get(path, 0) + size
        self.last_event = time.monotonic()

    @staticmethod
    def _payload_size(event: dict[str, Any]) -> int:
        response = event["response"]
        data = response.get("payloadData", "")
        if response.get("opcode") == 2:  # binary frames arrive base64-encoded
            return len(base64.b64decode(data)) if data else 0
        return len(data.encode("utf-8"))

    def _ws_in(self, event: dict[str, Any]) -> None:
        size = self._payload_size(event)
        self.ws_in += size
        self.frames.append((self._wall_ms(event), "in", size))
        self.last_event = time.monotonic()

    def _ws_out(self, event: dict[str, Any]) -> None:
        size = self._payload_size(event)
        self.ws_out += size
        self.frames.append((self._wall_ms(event), "out", size))
        self.last_event = time.monotonic()

    def phases(self, started_ms: float, painted_ms: float) -> dict[str, float | None]:
        """Where a filter change's time went, in seconds: until the browser sent the new
        widget value, until the server's first answer, until its last answer before the
        repaint, and from there to the repaint."""
        sent = next((t for t, d, _ in self.frames if d == "out" and t >= started_ms - 5), None)
        answers = [t for t, d, _ in self.frames if d == "in" and sent is not None and t >= sent]
        before_paint = [t for t in answers if t <= painted_ms]
        first = answers[0] if answers else None
        last = before_paint[-1] if before_paint else None

        def span(a: float | None, b: float | None) -> float | None:
            return None if a is None or b is None else round((b - a) / 1000, 4)

        return {
            "to_last_message": span(started_ms, answers[-1] if answers else None),
            "click_to_sent": span(started_ms, sent),
            "sent_to_first_answer": span(sent, first),
            "first_to_last_answer": span(first, last),
            "last_answer_to_paint": span(last, painted_ms),
        }

    @property
    def received(self) -> int:
        return self.http + self.ws_in

    def snapshot(self) -> dict[str, Any]:
        top = sorted(self.by_url.items(), key=lambda kv: -kv[1])[:5]
        # Streamlit's own front end (/static/...), the same for any Streamlit app.
        bundle = sum(v for k, v in self.by_url.items() if k.startswith("/static/"))
        return {
            "received": self.received,
            "received_without_streamlit_bundle": self.received - bundle,
            "http": self.http,
            "ws_in": self.ws_in,
            "ws_out": self.ws_out,
            "requests": self.requests,
            "top_http": dict(top),
        }

    def wait_quiet(self, quiet_s: float = 0.6, limit_s: float = 15.0) -> None:
        """Until nothing was sent or received for ``quiet_s`` (at most ``limit_s``)."""
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            self.page.wait_for_timeout(100)  # lets Playwright deliver pending events
            if time.monotonic() - self.last_event >= quiet_s:
                return


# --- reading the map -----------------------------------------------------------------------


def wait_idle(page: Page, timeout_s: float = WAIT_SECONDS) -> None:
    page.locator(
        '[data-testid="stApp"][data-test-script-state="notRunning"]'
        '[data-test-connection-state="CONNECTED"]'
    ).wait_for(timeout=timeout_s * 1000)


def map_frame(page: Page, timeout_s: float = 5.0) -> Frame | None:
    with contextlib.suppress(PlaywrightError):
        handle = page.locator(MAP_IFRAME).first.element_handle(timeout=timeout_s * 1000)
        if handle is not None:
            return handle.content_frame()
    return None


def frame_state(frame: Frame | None) -> dict[str, Any] | None:
    if frame is None:
        return None
    with contextlib.suppress(PlaywrightError):
        return frame.evaluate(STATE_JS)
    return None


def _complete(kind: str, state: dict[str, Any], polygons: int) -> bool:
    """Is the map in this frame drawn (and, for ours, coloured by a data layer)?"""
    if kind == "ours":
        return bool(state["painted"]) and state["view"] >= 1
    return state["paths"] >= polygons


def _first_complete_time(kind: str, events: list[dict[str, Any]], polygons: int) -> float | None:
    for e in events:
        if (kind == "ours" and e["painted"] and e["view"] >= 1) or (
            kind == "naive" and e["paths"] >= polygons
        ):
            return float(e["t"])
    return None


@dataclass
class Paint:
    frame: Frame
    painted_ms: float  # wall clock, from the frame
    polygons: int
    new_frame: bool
    # False if the frame's watcher missed the paint and the time is when this process saw
    # it (up to a polling interval and a round trip late); counted in the results.
    timed_in_frame: bool = True


# How long a paint seen by polling may wait for its time from the frame's watcher, which
# notes it in the animation frame after the change: polling can fall in between.
WATCHER_GRACE_S = 1.0


class _PaintClock:
    """The time of a paint this process has seen: the frame's own, once its watcher has
    noted it, else (no watcher, one that started after the map was drawn, or none within
    the grace) the time this process first saw it."""

    def __init__(self) -> None:
        self.seen: float | None = None  # monotonic, for the grace
        self.seen_ms: float = 0.0  # wall clock, for the fallback

    def time(self, state: dict[str, Any], frame_time: float | None) -> tuple[float, bool] | None:
        if frame_time is not None and state["watched"]:
            return float(frame_time), True
        if self.seen is None:
            self.seen, self.seen_ms = time.monotonic(), now_ms()
        if state["watched"] and time.monotonic() - self.seen < WATCHER_GRACE_S:
            return None  # the watcher's animation frame is still due
        return self.seen_ms, False


def wait_first_paint(page: Page, kind: str, polygons: int) -> Paint:
    deadline = time.monotonic() + WAIT_SECONDS
    clock = _PaintClock()
    while time.monotonic() < deadline:
        frame = map_frame(page, timeout_s=2)
        state = frame_state(frame)
        if state and state.get("error"):
            raise RuntimeError(f"the map could not load its boundaries: {state['error']}")
        if frame is not None and state and _complete(kind, state, polygons):
            timed = clock.time(state, _first_complete_time(kind, state["events"], polygons))
            if timed is not None:
                drawn = int(state["painted"]) if state["painted"] else state["paths"]
                return Paint(frame, timed[0], drawn, True, timed[1])
        page.wait_for_timeout(20 if clock.seen else 50)
    raise TimeoutError(f"{kind}: the map was not painted within {WAIT_SECONDS} s")


def mark(frame: Frame) -> dict[str, Any]:
    """Mark the frame's window (a new frame will lack the mark); return its state."""
    frame.evaluate("() => { window.__benchMark = 1; }")
    state = frame_state(frame)
    assert state is not None
    return state


def wait_repaint(
    page: Page, kind: str, before: dict[str, Any], polygons: int, start_ms: float
) -> Paint:
    """After a filter change: the same frame restyled, or a new frame painted anew."""
    deadline = time.monotonic() + WAIT_SECONDS
    clock = _PaintClock()
    while time.monotonic() < deadline:
        frame = map_frame(page, timeout_s=2)
        state = frame_state(frame)
        if frame is not None and state is not None:
            timed, new_frame = None, False
            if not state["marked"] and _complete(kind, state, polygons):
                timed = clock.time(state, _first_complete_time(kind, state["events"], polygons))
                new_frame = True
            elif state["marked"] and kind == "ours" and state["view"] > before["view"]:
                later = (e["t"] for e in state["events"] if e["view"] > before["view"])
                timed = clock.time(state, next(later, None))
                new_frame = False
            elif (
                state["marked"]
                and kind == "naive"
                and state["paths"] >= polygons
                and state["fills"] != before["fills"]
            ):
                # The naive page restyled in place: its watcher does not note fills, so this
                # is timed here (and counted). It has not happened: each change makes a frame.
                timed = (now_ms(), False)
            if timed is not None:
                return Paint(frame, timed[0], state["paths"], new_frame, timed[1])
        page.wait_for_timeout(20)
    raise TimeoutError(f"{kind}: no repaint within {WAIT_SECONDS} s of the filter change")


# --- driving the filters -------------------------------------------------------------------


def input_time(page: Page, fallback: float) -> float:
    """When the page saw the last mouse button or key press (wall clock, ms)."""
    with contextlib.suppress(PlaywrightError):
        value = page.evaluate("() => window.__benchInput || null")
        if value:
            return float(value)
    return fallback


def choose_actor(page: Page, actor: str) -> None:
    """Pick ``actor`` in the sidebar multiselect (the pick starts the filter change)."""
    box = page.get_by_role("combobox", name=ACTOR_LABEL)
    box.click()
    box.fill(actor)
    option = page.get_by_role("option", name=actor, exact=True)
    option.wait_for(timeout=10_000)
    option.click()


def clear_actor(page: Page) -> None:
    """Remove the chosen actor again (Backspace in the empty box removes the last tag)."""
    box = page.get_by_role("combobox", name=ACTOR_LABEL)
    box.click()
    page.keyboard.press("Backspace")


def filter_change(
    page: Page, kind: str, frame: Frame, i: int, actor: str, polygons: int
) -> tuple[float, Paint]:
    """Change ``i`` of a run of filter changes: pick ``actor`` when ``i`` is even, clear it
    when odd; wait for the repaint and for the page to settle. Returns when the page saw
    the input (wall clock, ms) and the repaint."""
    before = mark(frame)
    clicked = now_ms()
    if i % 2 == 0:
        choose_actor(page, actor)
    else:
        clear_actor(page)
    repaint = wait_repaint(page, kind, before, polygons, clicked)
    started = input_time(page, clicked)
    page.keyboard.press("Escape")  # close the dropdown, after the timing
    wait_idle(page)
    return started, repaint


# --- one app, measured ---------------------------------------------------------------------


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def measure_app(
    browser: Browser,
    variant: str,
    data_dir: Path,
    log: Path,
    *,
    actor: str,
    polygons: int,
    changes: int,
    sessions: int,
) -> dict[str, Any]:
    """Cold start, first load, filter changes and memory per session for one app."""
    kind = VARIANTS[variant][0]
    out: dict[str, Any] = {"app": variant, "data_dir": str(data_dir)}
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(INIT_JS)
    try:
        with app_server(variant, data_dir, log) as server:
            out["rss_server_idle"] = server.rss()
            out["launch_to_healthy_s"] = (server.healthy_ms - server.launched_ms) / 1000

            # First page: cold start, first load bytes.
            page = context.new_page()
            meter = Meter(page)
            opened = now_ms()
            page.goto(server.url, wait_until="commit")
            paint = wait_first_paint(page, kind, polygons)
            out["cold_start_s"] = (paint.painted_ms - server.launched_ms) / 1000
            out["first_paint_cold_s"] = (paint.painted_ms - opened) / 1000
            out["polygons_painted"] = paint.polygons
            polled = int(not paint.timed_in_frame)
            first_until_paint = meter.received
            wait_idle(page)
            meter.wait_quiet()
            out["first_load_bytes_until_paint"] = first_until_paint
            out["first_load"] = meter.snapshot()
            page.wait_for_timeout(500)
            out["rss_1_session"] = server.rss()

            # Filter changes on the first page: pick the actor, clear it, pick it, ...
            frame = paint.frame
            timings: list[float] = []
            change_bytes: list[dict[str, Any]] = []
            new_frames = 0
            for i in range(changes):
                meter.reset()
                started, repaint = filter_change(page, kind, frame, i, actor, polygons)
                timings.append((repaint.painted_ms - started) / 1000)
                new_frames += int(repaint.new_frame)
                polled += int(not repaint.timed_in_frame)
                frame = repaint.frame
                meter.wait_quiet()
                change_bytes.append(
                    {**meter.snapshot(), "phases": meter.phases(started, repaint.painted_ms)}
                )
            out["rss_after_changes"] = server.rss()  # garbage left by the changes, if any
            out["filter_change_s"] = timings
            out["filter_change_median_s"] = _median(timings)
            out["filter_change_new_frames"] = new_frames
            out["filter_change_bytes"] = change_bytes
            out["filter_change_bytes_median"] = _median([b["received"] for b in change_bytes])
            # The whole page updated: the map repainted and the server's last message after
            # the change arrived (ours repaints before the script has done the rest).
            settled = [
                max(t, b["phases"]["to_last_message"] or 0.0)
                for t, b in zip(timings, change_bytes, strict=True)
            ]
            out["filter_change_settled_s"] = settled
            out["filter_change_settled_median_s"] = _median(settled)

            # A second visitor on a warm server (and a warm HTTP cache in this context).
            page2 = context.new_page()
            meter2 = Meter(page2)
            opened = now_ms()
            page2.goto(server.url, wait_until="commit")
            paint2 = wait_first_paint(page2, kind, polygons)
            out["first_paint_warm_s"] = (paint2.painted_ms - opened) / 1000
            polled += int(not paint2.timed_in_frame)
            # Paints this process had to time itself (see Paint.timed_in_frame); 0 expected.
            out["paints_timed_by_polling"] = polled
            wait_idle(page2)
            meter2.wait_quiet()
            out["first_load_warm"] = meter2.snapshot()

            # More sessions at once, up to ``sessions`` open pages in all.
            extra = [context.new_page() for _ in range(max(0, sessions - 2))]
            for p in extra:
                p.goto(server.url, wait_until="commit")
            for p in extra:
                wait_first_paint(p, kind, polygons)
            for p in [page, page2, *extra]:
                wait_idle(p)
            page.wait_for_timeout(1500)
            out["sessions"] = 2 + len(extra)
            out["rss_n_sessions"] = server.rss()
            out["rss_ratio"] = out["rss_n_sessions"] / out["rss_1_session"]
            out["outside_requests"] = meter.outside + meter2.outside
    finally:
        context.close()
    return out


def cold_start(
    browser: Browser, variant: str, data_dir: Path, log: Path, polygons: int
) -> tuple[float, bool]:
    """Seconds from launching ``streamlit run`` to the map painted in a fresh page, and
    whether the paint was timed in the frame (see :class:`Paint`)."""
    kind = VARIANTS[variant][0]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(INIT_JS)
    try:
        with app_server(variant, data_dir, log) as server:
            page = context.new_page()
            page.goto(server.url, wait_until="commit")
            paint = wait_first_paint(page, kind, polygons)
            return (paint.painted_ms - server.launched_ms) / 1000, paint.timed_in_frame
    finally:
        context.close()


def repaints_in_turns(
    browser: Browser,
    apps: dict[str, tuple[str, Path]],
    data_dir: Path,
    logs: Path,
    *,
    actor: str,
    polygons: int,
    rounds: int,
    per_round: int,
) -> dict[str, dict[str, Any]]:
    """Filter change to repaint for several apps served at once, taking turns.

    ``apps``: a name for each app and its (variant, checkout). One page per app; in each
    round every app makes ``per_round`` changes, the order of the apps reversed every other
    round. Measured one app after the other, a load spike on this shared machine lands on
    one app's changes and moves the ratio between them; taking turns spreads it over all
    of them. Each app's first changes after loading are counted like any other. Per app:
    each change's seconds to the repaint and to the whole page updated (the later of the
    repaint and the run's last message), and their medians.
    """
    out: dict[str, dict[str, Any]] = {
        name: {
            "filter_change_s": [],
            "whole_page_s": [],
            "new_frames": 0,
            "paints_timed_by_polling": 0,
        }
        for name in apps
    }
    with contextlib.ExitStack() as stack:
        pages: dict[str, tuple[Page, Meter, str, Frame]] = {}
        for name, (variant, repo) in apps.items():
            server = stack.enter_context(
                app_server(variant, data_dir, logs / f"{name}-turns.log", repo=repo)
            )
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            stack.callback(context.close)
            context.add_init_script(INIT_JS)
            page = context.new_page()
            meter = Meter(page)
            page.goto(server.url, wait_until="commit")
            kind = VARIANTS[variant][0]
            paint = wait_first_paint(page, kind, polygons)
            wait_idle(page)
            pages[name] = (page, meter, kind, paint.frame)
        done = dict.fromkeys(apps, 0)
        for r in range(rounds):
            for name in list(apps) if r % 2 == 0 else list(apps)[::-1]:
                page, meter, kind, frame = pages[name]
                page.bring_to_front()
                page.wait_for_timeout(300)
                for _ in range(per_round):
                    meter.reset()
                    started, repaint = filter_change(page, kind, frame, done[name], actor, polygons)
                    meter.wait_quiet()
                    last = meter.phases(started, repaint.painted_ms)["to_last_message"]
                    done[name] += 1
                    frame = repaint.frame
                    took = (repaint.painted_ms - started) / 1000
                    result = out[name]
                    result["filter_change_s"].append(took)
                    result["whole_page_s"].append(max(took, last or 0.0))
                    result["new_frames"] += int(repaint.new_frame)
                    result["paints_timed_by_polling"] += int(not repaint.timed_in_frame)
                pages[name] = (page, meter, kind, frame)
    for result in out.values():
        result["filter_change_median_s"] = _median(result["filter_change_s"])
        result["whole_page_median_s"] = _median(result["whole_page_s"])
    return out

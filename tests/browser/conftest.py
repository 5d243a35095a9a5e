"""The app in a subprocess, Debian's Chromium, and pages that may only talk to this machine.

Chromium comes from the system (``/usr/bin/chromium``); Playwright never downloads a browser
here. Every request to a host other than localhost is blocked and recorded, so a test can
assert that the dashboard works with no network at all.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    Dialog,
    Error,
    Page,
    Route,
    WebSocketRoute,
    expect,
    sync_playwright,
)

from tests.browser.mapui import (
    ARTIFACTS,
    TIMEOUT_MS,
    XSS_ACTOR,
    XSS_CLAIMANT,
    XSS_SUMMARY,
    Tab,
    is_local,
    map_iframe,
    wait_map_settled,
)

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
DATA_DIR_ENV = "CLAIMS_MAP_DATA_DIR"
DATABASE_URL_ENV = "CLAIMS_MAP_DATABASE_URL"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_SECONDS = 90
DEFAULT_VIEWPORT = {"width": 1400, "height": 1000}

# A first page load takes 5-15 s on a small machine: wait on conditions, generously.
expect.set_options(timeout=TIMEOUT_MS)


# --- the app -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _log_tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _wait_healthy(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the app exited with code {proc.returncode}:\n{_log_tail(log)}")
        with (
            contextlib.suppress(urllib.error.URLError, OSError),
            opener.open(url, timeout=2) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.25)
    pytest.fail(f"the app did not answer {url} within {STARTUP_SECONDS} s:\n{_log_tail(log)}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


@contextlib.contextmanager
def _running_app(
    log: Path,
    data_dir: Path | None = None,
    database_url: str | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """Run ``streamlit run app.py`` from the repo root on a free port; yield its base URL.

    The app keeps its store at ``database_url``: by default a SQLite file of its own
    beside the log, so that apps on different data folders never share a built-in copy.
    ``env`` adds to its environment (an editors file, say).
    """
    port = _free_port()
    environment = {k: v for k, v in os.environ.items() if k != DATA_DIR_ENV}
    if data_dir is not None:
        environment[DATA_DIR_ENV] = str(data_dir)
    environment[DATABASE_URL_ENV] = database_url or f"sqlite:///{log.parent / f'store-{port}.db'}"
    environment.update(env or {})
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, cwd=REPO, env=environment, stdin=subprocess.DEVNULL, stdout=out, stderr=out
        )
        try:
            _wait_healthy(proc, f"http://127.0.0.1:{port}/_stcore/health", log)
            yield f"http://localhost:{port}"
        finally:
            _stop(proc)


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        why = (
            f"browser tests need Debian's Chromium at {CHROMIUM}: install it with "
            "`apt-get install chromium` (Playwright must not download a browser of its own)"
        )
        # CI sets REQUIRE_BROWSER so that a missing browser fails the run instead of
        # quietly skipping the end-to-end tests.
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(why)
        pytest.skip(why)
    return CHROMIUM


@pytest.fixture(scope="session")
def app_url(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on the project's own data."""
    log = tmp_path_factory.mktemp("app") / "streamlit.log"
    with _running_app(log) as url:
        yield url


def _xss_claim(source_id: str) -> dict[str, str]:
    return {
        "claim_id": "XSS-TEST-1",
        "claimant": XSS_CLAIMANT,
        "actor": XSS_ACTOR,
        "claim_type": "presence",
        "province": "AF-PAN",
        "place": "Panjshir",
        "date_start": "2022-03-01",
        "date_end": "2022-03-01",
        "date_precision": "day",
        "status": "claimed",
        "source_id": source_id,
        "locator": "test",
        "quote": "",
        "summary": XSS_SUMMARY,
    }


def _append_rows(table: Path, rows: list[dict[str, str]]) -> None:
    """Add ``rows`` to a copy's CSV table, under its own header."""
    text = table.read_text(encoding="utf-8")
    header = next(csv.reader(text.splitlines()))
    with table.open("a", newline="", encoding="utf-8") as f:
        if not text.endswith("\n"):
            f.write("\n")
        for row in rows:
            assert set(row) <= set(header), f"{table.name} columns changed: {header}"
        csv.DictWriter(f, fieldnames=header).writerows(rows)


@pytest.fixture(scope="session")
def xss_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of data/ whose claims.csv has one more, hostile but valid, claim for Panjshir."""
    folder = tmp_path_factory.mktemp("xss") / "data"
    shutil.copytree(DATA, folder)
    with (folder / "sources.csv").open(newline="", encoding="utf-8") as f:
        source_id = next(csv.DictReader(f))["source_id"]
    _append_rows(folder / "claims.csv", [_xss_claim(source_id)])
    return folder


@pytest.fixture(scope="session")
def xss_app_url(
    chromium: Path, xss_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The app on :func:`xss_data_dir` (through ``CLAIMS_MAP_DATA_DIR``)."""
    log = tmp_path_factory.mktemp("xss-app") / "streamlit.log"
    with _running_app(log, data_dir=xss_data_dir) as url:
        yield url


@pytest.fixture(scope="session")
def crowded_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of data/ plus test sources and claims (not facts): ten provinces with 1 to 10
    claimants and sources each, so that tooltips list different claimants and sources and
    cut long lists ("and 2 more")."""
    folder = tmp_path_factory.mktemp("crowded") / "data"
    shutil.copytree(DATA, folder)
    sources = [
        {
            "source_id": f"test-source-{i:02d}",
            "title": "A test source",
            "publisher": f"Test <i>publisher</i> {i:02d}",
            "published": f"2022-03-{i + 1:02d}",
            "kind": "test",
        }
        for i in range(13)
    ]
    _append_rows(folder / "sources.csv", sources)
    with (folder / "provinces.csv").open(newline="", encoding="utf-8") as f:
        places = [row["code"] for row in csv.DictReader(f)][:10]
    claims = [
        _xss_claim(f"test-source-{(5 * j + k) % 13:02d}")
        | {
            "claim_id": f"CROWD-{j}-{k}",
            "claimant": f"Test claimant {(3 * j + k) % 13:02d} & co",
            "actor": "Test actor",
            "province": place,
            "place": "",
            "summary": "A test claim.",
        }
        for j, place in enumerate(places)
        for k in range(j + 1)
    ]
    _append_rows(folder / "claims.csv", claims)
    return folder


@pytest.fixture(scope="session")
def crowded_app_url(
    chromium: Path, crowded_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The app on :func:`crowded_data_dir`."""
    log = tmp_path_factory.mktemp("crowded-app") / "streamlit.log"
    with _running_app(log, data_dir=crowded_data_dir) as url:
        yield url


# --- the browser ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator[Browser]:
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def viewport() -> dict[str, int]:
    """Override with ``@pytest.mark.parametrize("viewport", [...])`` for another size."""
    return dict(DEFAULT_VIEWPORT)


_OUTCOME = pytest.StashKey[str]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    if report.when == "call":
        item.stash[_OUTCOME] = "xfailed" if hasattr(report, "wasxfail") else report.outcome
    return report


def _save_screenshot(page: Page, name: str, outcome: str) -> None:
    """Save the page as test-artifacts/<name>.png, marked -FAILED etc. unless it passed."""
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}*.png"):
        if old.stem == name or old.stem.removeprefix(name).isupper():
            old.unlink()  # an earlier run's final state, whatever its outcome
    suffix = "" if outcome == "passed" else f"-{outcome.upper()}"
    with contextlib.suppress(Exception):
        frame = map_iframe(page).element_handle(timeout=1000).content_frame()
        if frame is not None:
            wait_map_settled(frame, timeout_ms=5000)
    with contextlib.suppress(Exception):
        page.screenshot(path=ARTIFACTS / f"{name}{suffix}.png")


def _artifact_name(item: pytest.Item) -> str:
    name = item.name.removeprefix("test_")
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")


def _describe(error: Error) -> str:
    # A promise rejected with a non-Error (say a script's load Event) has no stack: say so.
    stack = (error.stack or "").strip()
    return f"{error.name}: {error.message}\n{stack}" if stack else str(error)


@pytest.fixture
def tab(
    browser: Browser, viewport: dict[str, int], request: pytest.FixtureRequest
) -> Iterator[Tab]:
    """A fresh browser context and page; non-local requests are blocked and recorded.

    The page's final state is saved as ``test-artifacts/<test name>.png`` (``-FAILED`` added
    when the test failed), and the test fails if anything left localhost or a dialog opened.
    """
    context = browser.new_context(
        viewport=viewport,
        device_scale_factor=1,
        locale="en-GB",
        timezone_id="UTC",
        service_workers="block",
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    result = Tab(page)

    def guard(route: Route) -> None:
        url = route.request.url
        result.requests.append(url)
        if is_local(url):
            route.continue_()
        else:
            result.blocked.append(url)
            route.abort("blockedbyclient")

    def guard_socket(ws: WebSocketRoute) -> None:
        result.blocked.append(ws.url)
        ws.close()

    def on_dialog(dialog: Dialog) -> None:
        result.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    context.route("**/*", guard)
    context.route_web_socket(lambda url: not is_local(url), guard_socket)
    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: result.errors.append(_describe(error)))
    page.on(
        "requestfailed",
        lambda req: result.failed.append(f"{req.url} ({req.failure or 'failed'})"),
    )
    page.on(
        "response",
        lambda resp: (
            result.failed.append(f"{resp.url} (HTTP {resp.status})") if resp.status >= 400 else None
        ),
    )
    try:
        yield result
    finally:
        outcome = request.node.stash.get(_OUTCOME, "error")
        _save_screenshot(page, _artifact_name(request.node), outcome)
        context.close()
    if outcome == "passed":
        result.assert_clean()

"""The deploy set-up (deploy/run.py) for real: nginx in front of two app processes on PostgreSQL.

Started by :func:`deploy.run.running`, the code ``python -m deploy.run`` runs, on free ports
in a temporary state folder. A browser session works through nginx, stays on one process,
and what it saved opens on both processes.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from deploy.postgres import free_port
from deploy.run import BODY_MARGIN_MB, Deployment, running
from tests.browser.mapui import (
    ACTOR,
    POLYGONS,
    PROVINCES,
    Tab,
    artifact,
    choose_in_multiselect,
    fills,
    nav_link,
    open_app,
    painted,
    save_acled_as,
    view_count,
    wait_for_map,
    wait_for_new_view,
)

pytestmark = pytest.mark.browser

# Small, so that the upload-limit check sends little; the ACLED export is far below it.
UPLOAD_MB = 2
NAME, SLUG = "Through nginx", "through-nginx"


@pytest.fixture(scope="module")
def deployment(
    chromium: Path, nginx_installed: None, postgres_installed: None
) -> Iterator[Deployment]:
    # Under /tmp, open to others: as root PostgreSQL runs as postgres, who must reach it.
    state = Path(tempfile.mkdtemp(prefix="claims-deploy-"))
    state.chmod(0o755)
    try:
        with running(state, port=free_port(), upload_mb=UPLOAD_MB) as started:
            yield started
    finally:
        shutil.rmtree(state, ignore_errors=True)


def upstreams(deployment: Deployment) -> dict[str, set[str]]:
    """nginx's access log: for each request path, the app processes that answered it."""
    log = deployment.state_dir / "logs" / "nginx-access.log"
    seen: dict[str, set[str]] = {}
    for line in log.read_text().splitlines():
        request = re.search(r'"[A-Z]+ (\S+?)(?:\?\S*)? HTTP', line)
        upstream = re.search(r"upstream=(\S+)", line)
        if request and upstream:
            seen.setdefault(request.group(1), set()).add(upstream.group(1))
    return seen


def test_a_session_through_nginx_stays_on_one_process_and_its_dataset_opens_on_both(
    tab: Tab, deployment: Deployment
) -> None:
    page = tab.page
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))

    frame = open_app(page, f"{deployment.url}/")
    assert painted(frame) == str(PROVINCES)
    expect(frame.locator(POLYGONS)).to_have_count(PROVINCES)
    page.screenshot(path=artifact("deploy-through-nginx-1-map"))

    # A filter change repaints the same frame; the layer also comes over the push socket.
    before, views = fills(frame), view_count(frame)
    choose_in_multiselect(page, ACTOR, "Taliban")
    wait_for_new_view(frame, views)
    assert fills(frame) != before, "filtering to one actor left every fill unchanged"
    pushed = frame.evaluate("Number(document.body.getAttribute('data-claims-pushed'))")
    assert pushed >= 1, "no data layer came over the push socket through nginx"

    # The uploader states the app's limit, which nginx lets through (see the test below).
    nav_link(page, "Your data").click()
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Claims table")
    expect(uploader).to_contain_text(re.compile(rf"(?<!\d){UPLOAD_MB}\s?MB per file"))
    save_acled_as(page, NAME)
    frame = wait_for_map(page)
    page.wait_for_url(re.compile(rf"[?&]dataset={SLUG}(&|$)"))
    expect(page.get_by_text(re.compile(r"5 of 5 claims shown"))).to_be_visible()
    saved = fills(frame)
    page.screenshot(path=artifact("deploy-through-nginx-2-saved"))

    # Both sockets went through nginx, and every request of the session reached one process.
    ws_base = deployment.url.replace("http://", "ws://")
    assert {u.split("?")[0] for u in sockets} >= {
        f"{ws_base}/_stcore/stream",
        f"{ws_base}/_claims_map/push",
    }, sockets
    answered = upstreams(deployment)
    assert any(p.startswith("/_stcore/upload_file/") for p in answered), answered
    processes = set().union(*answered.values())
    assert len(processes) == 1, f"one browser's requests went to {processes}"
    assert {f"http://{p}" for p in processes} <= set(deployment.backends)

    # Each app process, asked directly, opens the saved dataset: both share the store.
    for n, backend in enumerate(deployment.backends, start=1):
        direct = page.context.new_page()
        direct_frame = open_app(direct, f"{backend}/?dataset={SLUG}")
        expect(direct.get_by_text(re.compile(r"5 of 5 claims shown"))).to_be_visible()
        assert fills(direct_frame) == saved
        direct.screenshot(path=artifact(f"deploy-process-{n}-opens-the-dataset"))
        direct.close()
    tab.assert_clean()


def _put(url: str, size: int) -> tuple[int, str]:
    request = urllib.request.Request(url, data=b"x" * size, method="PUT")
    request.add_header("Content-Type", "application/octet-stream")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def test_an_upload_streamlit_would_take_passes_nginx_and_a_larger_one_does_not(
    deployment: Deployment,
) -> None:
    mb = 1024 * 1024
    url = f"{deployment.url}/_stcore/upload_file/no-session/no-file"
    # Streamlit reads a request up to 1 MB over its limit: it must get it, and answer
    # (here: no XSRF token), not nginx.
    status, body = _put(url, (UPLOAD_MB + 1) * mb)
    assert status != 413 and "nginx" not in body, (status, body)
    status, body = _put(url, (UPLOAD_MB + BODY_MARGIN_MB) * mb + 1)
    assert status == 413 and "nginx" in body, (status, body)

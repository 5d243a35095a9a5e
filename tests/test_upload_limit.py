"""One upload limit, CLAIMS_MAP_MAX_UPLOAD_MB, for Streamlit's server, its uploaders and the app."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import ClientConnection, connect

from dashboard import upload_limit

REPO = Path(__file__).resolve().parent.parent
MB = 1024 * 1024

# In a fresh interpreter, in the order `streamlit run app.py` works: read the config files
# and flags, import app.py (not as __main__) to find the server, then serve the pages.
SCRIPT = """
import json
from streamlit import config
from streamlit.web import bootstrap

bootstrap.load_config_options({})
import app
from streamlit.testing.v1 import AppTest

MB = 1024 * 1024
server = config.get_option("server.maxUploadSize")  # what the upload route checks
at = AppTest.from_file("pages/your_data.py", default_timeout=60).run()
stated = {u.key: u.proto.max_upload_size_mb for u in at.get("file_uploader")}
out = {"server": server, "stated": stated, "errors": []}

def errors():  # as shown, without the escapes that keep file names from being Markdown
    return [e.value.replace("\\\\", "") for e in at.error]

if server < 50:
    for size in (server * MB, server * MB + 1):
        data = b"{" + b" " * (size - 1)
        at.file_uploader(key="boundary_upload").upload("b.geojson", data, "text/json").run()
        out["errors"].append(errors())
    at.file_uploader(key="boundary_upload").clear().run()
    claims = b"claim_id\\n" + b"C1\\n" * ((server + 1) * MB // 3)
    at.file_uploader(key="claims_upload").upload("c.csv", claims, "text/csv").run()
    out["errors"].append(errors())
config.get_config_options(force_reparse=True)  # as when Streamlit sees config.toml change
out["after_reparse"] = config.get_option("server.maxUploadSize")
print(json.dumps(out))
"""


def served(env: dict[str, str]) -> dict:
    environ = {k: v for k, v in os.environ.items() if k != upload_limit.ENV} | env
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=REPO,
        env=environ,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_limit_set_for_the_app_is_streamlits_and_every_uploaders() -> None:
    found = served({upload_limit.ENV: "20"})
    assert found["server"] == 20
    assert found["stated"] == {"boundary_upload": 20, "sources_upload": 20, "claims_upload": 20}
    exactly, over, claims = found["errors"]
    # The app takes a file of exactly 20 MB and refuses one byte more, as Streamlit's check
    # of the uploaded file does (see the next test for its check of the request's length).
    assert not any("the limit is" in e for e in exactly), exactly
    assert any("is 20.0 MB; the limit is 20 MB" in e for e in over), over
    assert any("c.csv is 21.0 MB; the limit is 20.0 MB" in e for e in claims), claims
    assert found["after_reparse"] == 20


def test_by_default_both_limits_are_50_mb() -> None:
    found = served({})
    assert found["server"] == 50 == upload_limit.DEFAULT_MB
    assert set(found["stated"].values()) == {50}
    assert found["after_reparse"] == 50


@pytest.mark.parametrize("value", ["20 MB", "0", "-5", "1.5"])
def test_a_limit_that_is_not_a_whole_number_of_megabytes_is_refused(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(upload_limit.ENV, value)
    with pytest.raises(ValueError, match=rf"='{re.escape(value)}' is not a size in MB: set it to"):
        upload_limit.max_upload_mb()


def test_blank_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(upload_limit.ENV, " ")
    assert upload_limit.max_upload_mb() == 50
    monkeypatch.setenv(upload_limit.ENV, "7")
    assert upload_limit.max_upload_bytes() == 7 * 1024 * 1024


@contextmanager
def streamlit_run(*flags: str, env: dict[str, str]) -> Iterator[str]:
    """``streamlit run app.py`` on a free port, with ``env`` and ``flags``; its address."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    environ = {k: v for k, v in os.environ.items() if k != upload_limit.ENV} | env
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    server = subprocess.Popen(
        [*command, "--server.headless", "true", *flags],
        cwd=REPO,
        env=environ,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    address = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and server.poll() is None:
            try:
                if requests.get(f"http://{address}/_stcore/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield address
    finally:
        server.terminate()
        server.wait(timeout=30)


def run_page(browser: ClientConnection, page: str) -> tuple[str, dict[str, int]]:
    """Run a page as a browser asks to; the session id and each uploader's stated limit."""
    ask = BackMsg()
    ask.rerun_script.page_name = page
    browser.send(ask.SerializeToString())
    session, stated = "", {}
    while True:
        message = ForwardMsg()
        message.ParseFromString(browser.recv(timeout=60))
        kind = message.WhichOneof("type")
        if kind == "new_session":
            session = message.new_session.initialize.session_id
        elif kind == "delta" and message.delta.new_element.WhichOneof("type") == "file_uploader":
            uploader = message.delta.new_element.file_uploader
            stated[uploader.label.split(" (")[0]] = uploader.max_upload_size_mb
        elif kind == "script_finished":
            return session, stated


def test_a_real_server_states_and_enforces_the_limit() -> None:
    # A conflicting Streamlit setting gives way (with a warning in the log): the app's own
    # limit can come only from CLAIMS_MAP_MAX_UPLOAD_MB. XSRF is off: no browser here.
    flags = ("--server.maxUploadSize", "300", "--server.enableXsrfProtection", "false")
    with (
        streamlit_run(*flags, env={upload_limit.ENV: "1"}) as address,
        connect(f"ws://{address}/_stcore/stream", max_size=None) as browser,
    ):
        session, _ = run_page(browser, "")
        _, stated = run_page(browser, "your_data")
        assert stated == {"Boundary file": 1, "Sources table": 1, "Claims table": 1}

        def upload(size: int) -> int:
            url = f"http://{address}/_stcore/upload_file/{session}/file-{size}"
            files = {"file": ("claims.csv", b"x" * size, "text/csv")}
            return requests.put(url, files=files, timeout=60).status_code

        # Streamlit also refuses a request longer than the limit, and the multipart framing
        # around the file takes a few hundred bytes: a file of exactly 1 MB is refused.
        assert upload(MB - 1024) == 204
        assert upload(MB + 1) == 413

"""dashboard.warmup: a new server does its first-visit work before the first visit."""

from __future__ import annotations

import ast
import json
import logging
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from streamlit.web.server.app_discovery import discover_asgi_app
from xstatic.pkg.leaflet import VERSION as LEAFLET_VERSION

from dashboard import state, warmup

REPO = Path(__file__).resolve().parent.parent


def test_streamlit_run_app_py_starts_the_server_with_the_warm_up_hook() -> None:
    # `streamlit run` looks for an App in the file (without running it); found, it serves
    # that App, whose start-up hook is warmup.lifespan. Without it, no warm-up ever runs.
    found = discover_asgi_app(REPO / "app.py")
    assert found.is_asgi_app and found.app_name == "app"
    # The server imports app.py (not as __main__) to get it: in a fresh interpreter, as there.
    script = """
import json, sys
import app
from dashboard import warmup
print(json.dumps({
    "lifespan": app.app._user_lifespan is warmup.lifespan,
    "routes": [route.path for route in app.app._user_routes],
    "component_modules": [m for m in ("streamlit_folium", "dashboard.assets") if m in sys.modules],
    "heavy": [m for m in ("pandas", "openpyxl", "geopandas", "sqlalchemy") if m in sys.modules],
}))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found["lifespan"]
    # The server listens only once app.py is imported: what that imports delays every
    # cold start (pandas and openpyxl cost ~0.4 s; the warm-up imports them meanwhile).
    assert found["heavy"] == []
    # dashboard.served, .static and .push, at the root and under a base path
    assert found["routes"] == [
        "/_claims_map/files/{name}",
        "/{base:path}/_claims_map/files/{name}",
        f"/_claims_map/leaflet/{LEAFLET_VERSION}",
        f"/{{base:path}}/_claims_map/leaflet/{LEAFLET_VERSION}",
        "/_claims_map/data/{name}",
        "/{base:path}/_claims_map/data/{name}",
        "/_claims_map/context/{name}",
        "/{base:path}/_claims_map/context/{name}",
        "/_claims_map/push",
        "/{base:path}/_claims_map/push",
        "/_claims_map/layer",
        "/{base:path}/_claims_map/layer",
    ]
    assert found["component_modules"] == []


def test_warm_up_fills_the_shared_data_cache_and_declares_no_component() -> None:
    # In a fresh interpreter, as on a new server: a component declared outside a script
    # run is never registered (the map's iframe would get a 404 for the server's life).
    script = """
import json, sys
from dashboard import state, warmup
from geo.views import filtering
calls = []
real = state.load_dataset
state.load_dataset = lambda *a, **k: calls.append(1) or real(*a, **k)
warmup.warm_up()
by_warm_up = len(calls)
first = state.dataset()
print(json.dumps({
    "by_warm_up": by_warm_up,
    "loads": len(calls),
    "same": first is state.dataset(),
    "provinces": len(first.names),
    "component_modules": [m for m in ("streamlit_folium", "dashboard.assets") if m in sys.modules],
    "heavy": [m for m in ("pandas", "folium", "folium.plugins", "geopandas") if m in sys.modules],
    "store_modules": [m for m in ("dashboard.datastore", "sqlalchemy") if m in sys.modules],
    "made": sorted(map(str, filtering._MADE.get(id(first.claims), {}))),
}))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    found = json.loads(out.stdout.strip().splitlines()[-1])
    # The store is opened by the first run's sidebar, after the map is sent: in the
    # warm-up it competed with the first map for the GIL (bench/cold.py).
    assert found["store_modules"] == []
    assert found["by_warm_up"] == 1
    assert found["loads"] == 1, "the page's own call must find the data already loaded"
    assert found["same"] and found["provinces"] == 34
    # The first filter change finds the table's date order and coded columns made.
    assert "('by start', '')" in found["made"]
    assert "('pair keys', 'source_id')" in found["made"]
    assert found["component_modules"] == []
    assert found["heavy"] == ["pandas", "folium", "folium.plugins", "geopandas"]


def test_a_failed_warm_up_is_logged_not_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise FileNotFoundError("data/claims.csv")

    monkeypatch.setattr(state, "dataset", broken)
    with caplog.at_level(logging.WARNING, logger="dashboard.warmup"):
        warmup.warm_up()  # the first page load does the work again and shows the error
    assert "warming up failed" in caplog.text
    assert "data/claims.csv" in caplog.text


def test_the_warm_up_thread_does_not_trigger_streamlits_no_context_warning() -> None:
    record = logging.LogRecord("x", logging.WARNING, "", 0, "missing ScriptRunContext", (), None)
    keep = warmup._NoContextWarning()
    record.threadName = "warm-up"
    assert not keep.filter(record)
    record.threadName = "ScriptRunner.scriptThread"
    assert keep.filter(record)


def test_a_script_run_waits_for_the_warm_up_before_importing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Two threads importing folium, branca and jinja2 at once can deadlock, which Python
    # reports in one of them as an ImportError: the first run waits for the warm-up.
    done: list[str] = []

    def slow_warm_up() -> None:
        threading.Event().wait(0.3)
        done.append("warmed up")

    monkeypatch.setattr(warmup, "warm_up", slow_warm_up)
    monkeypatch.setattr(warmup, "_started", [])
    warmup.wait()  # no warm-up in this process: returns at once
    thread = warmup.start()
    warmup.wait()
    assert done == ["warmed up"] and not thread.is_alive()


def test_app_py_waits_for_the_warm_up_before_its_first_import() -> None:
    tree = ast.parse((REPO / "app.py").read_text(encoding="utf-8"))
    main = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "main")
    first, second = main.body[:2]
    assert isinstance(first, ast.ImportFrom) and [a.name for a in first.names] == ["warmup"]
    assert ast.unparse(second) == "warmup.wait()"


def test_a_stuck_warm_up_delays_runs_only_until_its_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A warm-up that never ends must not hold every later run for another full timeout.
    stuck = threading.Event()
    monkeypatch.setattr(warmup, "warm_up", stuck.wait)
    monkeypatch.setattr(warmup, "_started", [])
    warmup.start()
    try:
        began = time.monotonic()
        warmup.wait(timeout=0.5)
        first = time.monotonic() - began
        began = time.monotonic()
        for _ in range(3):
            warmup.wait(timeout=0.5)
        later = time.monotonic() - began
    finally:
        stuck.set()
    assert first >= 0.4  # waited for the warm-up, up to its deadline
    assert later < 0.45  # and no more after it (each would wait 0.5 s again)

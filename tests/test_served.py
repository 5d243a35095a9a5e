"""dashboard.served: a user's boundaries get an address of their own while they are loaded."""

from __future__ import annotations

import asyncio
import gc
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from starlette.requests import Request
from starlette.routing import Match

from dashboard import assets, mapframe, served
from geo.dataset import load_dataset
from geo.paths import DATA_DIR


class Owner:
    """Anything that can be weakly referenced stands in for a dataset."""


def fetch(name: str, path: str = served.ROUTE):
    (route,) = [r for r in served.routes() if r.path == f"{path}/{{name}}"]
    scope = {
        "type": "http",
        "method": "GET",
        "path": f"{path}/{name}",
        "path_params": {"name": name},
        "headers": [],
        "query_string": b"",
    }
    # In a thread of its own: the browser tests' driver may have a loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, route.endpoint(Request(scope))).result()


def test_a_file_is_served_while_an_owner_keeps_it() -> None:
    first, second = Owner(), Owner()
    name = served.serve(first, b'{"type": "FeatureCollection"}')
    assert served.serve(second, b'{"type": "FeatureCollection"}') == name  # by content
    response = fetch(name)
    assert response.status_code == 200
    assert response.body == b'{"type": "FeatureCollection"}'
    assert response.headers["content-type"] == "application/geo+json"
    assert "immutable" in response.headers["cache-control"]

    del first
    gc.collect()
    assert fetch(name).status_code == 200, "the second owner still uses it"
    del second
    gc.collect()
    gone = fetch(name)
    assert gone.status_code == 404
    assert b"reload the page" in gone.body


def test_the_route_answers_at_the_root_and_under_any_base_path() -> None:
    def match(path: str) -> dict[str, str] | None:
        scope = {"type": "http", "method": "GET", "path": path}
        for route in served.routes():
            found, child = route.matches(scope)
            if found == Match.FULL:
                return child["path_params"]["name"]
        return None

    assert match(f"{served.ROUTE}/a.geojson") == "a.geojson"
    assert match(f"/dashboards/claims{served.ROUTE}/a.geojson") == "a.geojson"
    assert match("/_stcore/health") is None


def test_an_owner_collected_while_the_lock_is_held_does_not_hang_the_server() -> None:
    # A finalizer runs wherever garbage collection happens, even inside serve() with the
    # lock held; it must not wait for that lock.
    left: list[bytes | None] = []

    def collect_under_the_lock() -> None:
        owner = Owner()
        owner.cycle = owner  # freed only by the cycle collector
        name = served.serve(owner, b"{}")
        del owner
        with served._lock:
            gc.collect()
        left.append(served.content(name))

    worker = threading.Thread(target=collect_under_the_lock, daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive(), "collecting an owner under the lock deadlocked"
    assert left == [None], "the file outlived its only owner"


def test_uploaded_boundaries_reach_the_map_by_address_not_inline() -> None:
    builtin = load_dataset(DATA_DIR)
    uploaded = replace(builtin, boundary_file=None)  # as after a boundary upload
    frame = mapframe.render_base_frame(assets.offline_base_map(uploaded))
    assert '"coordinates"' not in frame.script
    (name,) = [
        part.split('"')[0]
        for part in frame.script.split(f"{served.ROUTE}/")[1:]
        if part.split('"')[0].endswith(".geojson")
    ]
    assert frame.script.count(served.url_from_frame(name)) == 1
    geojson = json.loads(fetch(name).body)
    assert len(geojson["features"]) == 34
    assert {f["properties"]["code"] for f in geojson["features"]} == set(builtin.names)


def test_boundaries_another_process_served_come_from_the_store_once(tmp_path, monkeypatch) -> None:
    import hashlib

    import store
    from dashboard import datastore
    from store.config import DATABASE_URL_ENV
    from tests.test_store import _user_dataset

    url = f"sqlite:///{tmp_path / 'claims.db'}"
    monkeypatch.setenv(DATABASE_URL_ENV, url)
    data = _user_dataset(load_dataset(DATA_DIR), boundaries=True)
    store.open_store(url).save(data, name="theirs")
    name = hashlib.sha256(data.geojson.encode()).hexdigest() + ".geojson"
    assert served.content(name) is None  # this process never served it

    asked: list[str] = []
    real = datastore.boundary_geojson
    monkeypatch.setattr(datastore, "boundary_geojson", lambda sha: asked.append(sha) or real(sha))
    found = fetch(name)
    assert found.status_code == 200 and found.body == data.geojson.encode()
    assert fetch(name).body == found.body
    made_up = "0" * 64 + ".geojson"
    assert fetch(made_up).status_code == 404
    assert fetch(made_up).status_code == 404
    assert fetch("../../etc/passwd").status_code == 404
    # Each name was looked up in the store once: what it had is kept, what it lacked too.
    assert asked == [name.removesuffix(".geojson"), "0" * 64]

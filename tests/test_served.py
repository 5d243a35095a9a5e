"""dashboard.served: a user's boundaries get an address of their own while they are loaded."""

from __future__ import annotations

import asyncio
import gc
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from starlette.requests import Request

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


def test_routes_also_live_under_the_base_url_path() -> None:
    paths = [r.path for r in served.routes("/dashboards/claims/")]
    assert paths == [f"{served.ROUTE}/{{name}}", f"/dashboards/claims{served.ROUTE}/{{name}}"]


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

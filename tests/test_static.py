"""dashboard.static: Leaflet and the data folder's boundaries, from the app's own server.

On uvicorn, as ``streamlit run`` serves the app's routes, and fetched at the addresses the
map frame resolves from where Streamlit serves it, at the root and under a base path.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import uvicorn
import xstatic.pkg.leaflet
from starlette.applications import Starlette

from dashboard import assets, mapframe, static
from geo.dataset import load_dataset
from geo.paths import DATA_DIR, DATA_DIR_ENV

# Where Streamlit serves streamlit-folium's frame, under a server.baseUrlPath or not.
FRAME = "/component/streamlit_folium.st_folium/index.html"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(Starlette(routes=static.routes()), log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert running.started, "the test server did not start"
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(10)
    sock.close()


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def from_frame(server: str, base: str, address: str) -> str:
    """``address`` as the map frame's page at ``base`` resolves it."""
    resolved = urljoin(f"{server}{base}{FRAME}", address)
    assert urlsplit(resolved).netloc == urlsplit(server).netloc
    return resolved


@pytest.mark.parametrize("base", ["", "/dashboards/claims"])
def test_the_map_frame_finds_leaflet_and_the_boundaries(server: str, base: str) -> None:
    frame = mapframe.render_base_frame(assets.offline_base_map(load_dataset(DATA_DIR)))
    assert frame.js_links == (assets.leaflet_js(),)
    assert frame.css_links == (assets.leaflet_css(),)
    leaflet = Path(xstatic.pkg.leaflet.BASE_DIR)

    status, headers, body = get(from_frame(server, base, assets.leaflet_js()))
    assert status == 200
    assert body == (leaflet / "leaflet.js").read_bytes()
    assert headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert "immutable" in headers["cache-control"]  # the version is in the address

    status, headers, body = get(from_frame(server, base, assets.leaflet_css()))
    assert status == 200 and headers["content-type"].startswith("text/css")
    # Leaflet's stylesheet names its images relative to itself.
    image = urljoin(from_frame(server, base, assets.leaflet_css()), "images/layers.png")
    status, headers, body = get(image)
    assert status == 200 and headers["content-type"] == "image/png"

    geometry = static.data_url("provinces.geojson")
    assert geometry in frame.script
    status, headers, body = get(from_frame(server, base, geometry))
    assert status == 200
    assert body == (DATA_DIR / "provinces.geojson").read_bytes()
    assert headers["content-type"] == "application/geo+json"
    assert "etag" in headers


def test_the_data_folder_named_by_the_environment_is_served(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "provinces.geojson").write_text('{"type": "FeatureCollection"}')
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    status, _, body = get(f"{server}{static.DATA_ROUTE}/provinces.geojson")
    assert (status, body) == (200, b'{"type": "FeatureCollection"}')


@pytest.mark.parametrize(
    "path",
    [
        "claims.csv",  # the data folder's other files are not the map's
        "sources.csv",
        "missing.geojson",
        "..%2Fdata%2Fprovinces.geojson",
        "%2E%2E/README.md",
    ],
)
def test_nothing_but_the_data_folder_s_geojson_files(server: str, path: str) -> None:
    status, _, body = get(f"{server}{static.DATA_ROUTE}/{path}")
    assert status == 404, body


def test_leaflet_s_folder_only(server: str) -> None:
    status, _, _ = get(f"{server}{static.LEAFLET_ROUTE}/../../../../etc/passwd")
    assert status == 404
    status, _, _ = get(f"{server}{static.LEAFLET_ROUTE}/%2E%2E/__init__.py")
    assert status == 404


@pytest.mark.parametrize("base", ["", "/dashboards/claims"])
def test_the_countries_around_are_made_when_the_frame_asks(server: str, base: str) -> None:
    # The built map names the address only; the neighbours are read and clipped on request.
    frame = mapframe.render_base_frame(assets.offline_base_map(load_dataset(DATA_DIR)))
    address = static.context_url(("AF",))
    assert address in frame.script
    status, headers, body = get(from_frame(server, base, address))
    assert status == 200 and headers["content-type"] == "application/geo+json"
    names = {f["properties"]["name"] for f in json.loads(body)["features"]}
    assert {"Pakistan", "Iran", "Tajikistan"} <= names and "Afghanistan" not in names


def test_a_data_folder_without_countries_gets_the_built_in_ones_around(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An analyst's own folder holds claims, not every country's boundaries.
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    status, _, body = get(f"{server}{static.CONTEXT_ROUTE}/SD{static.DATA_SUFFIX}")
    assert status == 200, body
    names = {f["properties"]["name"] for f in json.loads(body)["features"]}
    assert {"Chad", "Egypt"} <= names


@pytest.mark.parametrize(
    "name", ["XX.geojson", "AF.csv", "af.geojson", "..%2FAF.geojson", "AF-<b>.geojson"]
)
def test_context_only_for_built_in_countries(server: str, name: str) -> None:
    status, _, body = get(f"{server}{static.CONTEXT_ROUTE}/{name}")
    assert status == 404, body

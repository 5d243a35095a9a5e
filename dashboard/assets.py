"""Serve Leaflet and the boundary file from this machine, so the map draws offline.

Streamlit serves any declared component's folder under ``/component/<name>/``. Declaring
"components" that are never drawn gives the installed XStatic Leaflet package and the
project's data folder such URLs, with no CDN and no copy of either.
"""

from __future__ import annotations

import folium
import streamlit.components.v1 as components
import xstatic.pkg.leaflet

from dashboard import served
from geo.dataset import Dataset
from geo.model.countries import neighbours
from geo.paths import active_data_dir
from geo.views.foliummap import base_map

_LEAFLET = components.declare_component("leaflet_assets", path=xstatic.pkg.leaflet.BASE_DIR)
_DATA = components.declare_component("data_files", path=str(active_data_dir()))

# The map frame lives at /component/streamlit_folium.st_folium/index.html; going up one
# level keeps these URLs right under any server.baseUrlPath.
_PREFIX = "../"


def leaflet_js() -> str:
    return f"{_PREFIX}{_LEAFLET.name}/leaflet.js"


def leaflet_css() -> str:
    return f"{_PREFIX}{_LEAFLET.name}/leaflet.css"


def data_url(filename: str) -> str:
    return f"{_PREFIX}{_DATA.name}/{filename}"


def offline_base_map(data: Dataset, *, presenter: bool = False, names: bool = False) -> folium.Map:
    """The base map for ``data``, with Leaflet and the boundaries served by this app.

    The boundaries are fetched by URL, once per browser: the built-in file from the data
    folder, a user's upload (which exists only in memory) from :mod:`dashboard.served`.
    """
    if data.boundary_file is not None:
        url = data_url(data.boundary_file.name)
    else:
        url = served.url_from_frame(served.serve(data, data.geojson.encode("utf-8")))
    return base_map(
        credit=f"Boundaries: {data.boundary_credit}",
        leaflet_js=leaflet_js(),
        leaflet_css=leaflet_css(),
        presenter=presenter,
        geometry_url=url,
        context_url=_context_url(data),
        names=names,
    )


def _context_url(data: Dataset) -> str:
    """Where the map fetches the countries around ``data``'s units; "" when they are not
    known to be built-in countries' (a user's own boundary file)."""
    codes = countries_of(data)
    if not codes:
        return ""
    around = neighbours(codes, active_data_dir())
    if around.empty:
        return ""
    text = around.to_json(drop_id=True).encode("utf-8")
    return served.url_from_frame(served.serve(data, text))


def countries_of(data: Dataset) -> tuple[str, ...]:
    """The built-in countries whose units ``data`` shows, or () when that is not known."""
    if "country" in data.boundaries.columns:
        return tuple(dict.fromkeys(str(c) for c in data.boundaries["country"]))
    if data.boundary_file is not None and data.boundary_file.name == "provinces.geojson":
        return ("AF",)  # the built-in data's own file (data/countries/index.csv says so)
    return ()

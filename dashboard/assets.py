"""The base map with Leaflet and the boundaries served by this app, so the map draws offline.

Leaflet and the built-in boundaries come from :mod:`dashboard.static`, a user's uploaded
boundaries from :mod:`dashboard.served`: routes of the app's own server, with no CDN and
no copy of either.
"""

from __future__ import annotations

import folium

from dashboard import served, static
from geo.dataset import Dataset
from geo.views.foliummap import base_map


def leaflet_js() -> str:
    return static.leaflet_url("leaflet.js")


def leaflet_css() -> str:
    return static.leaflet_url("leaflet.css")


def offline_base_map(data: Dataset, *, presenter: bool = False, names: bool = False) -> folium.Map:
    """The base map for ``data``, with Leaflet and the boundaries served by this app.

    The boundaries are fetched by URL, once per browser: the built-in file from the data
    folder, a user's upload (which exists only in memory) from :mod:`dashboard.served`.
    """
    if data.boundary_file is not None:
        url = static.data_url(data.boundary_file.name)
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
    return static.context_url(codes) if codes else ""


def countries_of(data: Dataset) -> tuple[str, ...]:
    """The built-in countries whose units ``data`` shows, or () when that is not known."""
    if "country" in data.boundaries.columns:
        return tuple(dict.fromkeys(str(c) for c in data.boundaries["country"]))
    if data.boundary_file is not None and data.boundary_file.name == "provinces.geojson":
        return ("AF",)  # the built-in data's own file (data/countries/index.csv says so)
    return ()

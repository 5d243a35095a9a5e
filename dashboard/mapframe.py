"""The map frame: streamlit-folium's front end, fed a base map rendered once per dataset.

``st_folium`` renders the whole folium map to strings on every call (the map, its header,
its HTML, a hash of the script for the component key) and runs its regular expressions
over the feature group, even though on this app's pages only the data layer changes from
one rerun to the next. That was 9 to 25 ms of every filter change on the Map page, spent
before the map's message could leave the server. Here the base map's strings are made
once per dataset and page style, exactly as ``st_folium`` makes them (with its own
helpers), and each rerun sends them with the data layer script
(:func:`geo.views.foliummap.numbered_layer` on the Map page,
:func:`~geo.views.foliummap.view_script` elsewhere).

This calls streamlit-folium's component function directly, a private name: the version is
pinned in requirements.txt, and tests/test_mapframe.py checks that the arguments match
what ``st_folium`` itself would send for the same map.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import folium
import streamlit as st
import streamlit_folium
from streamlit_folium import (
    _get_header,
    _get_html,
    _get_map_string,
    generate_js_hash,
    get_full_id,
)

from dashboard import assets
from geo.dataset import Dataset


@dataclass(frozen=True)
class BaseFrame:
    """The strings ``st_folium`` derives from an unchanging base map."""

    script: str
    header: str
    html: str
    map_id: str
    bounds: dict[str, dict[str, float | None]]
    zoom: int | None
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    _keys: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def component_key(self, key: str) -> str:
        """The key ``st_folium`` would give the component: the script's hash and ``key``.

        A different base map (other boundaries, presenter mode) gets another key, and so a
        new frame; the same base map keeps its frame across reruns.
        """
        if key not in self._keys:
            self._keys[key] = generate_js_hash(self.script, key, False)
        return self._keys[key]


def render_base_frame(folium_map: folium.Map) -> BaseFrame:
    """Render ``folium_map`` to the strings ``st_folium`` would send, in its order."""
    folium_map.get_root().render()
    folium_map.render()
    html = _get_html(folium_map)
    header = _get_header(folium_map)
    script = _get_map_string(folium_map)
    try:
        (south, west), (north, east) = folium_map.get_bounds()
    except AttributeError:
        south = west = north = east = None
    css: list[str] = []
    js: list[str] = []
    for element in _walk(folium_map):
        css.extend(href for _, href in getattr(element, "default_css", []))
        js.extend(src for _, src in getattr(element, "default_js", []))
    return BaseFrame(
        script=script,
        header=header,
        html=html,
        map_id=get_full_id(folium_map),
        bounds={
            "_southWest": {"lat": south, "lng": west},
            "_northEast": {"lat": north, "lng": east},
        },
        zoom=folium_map.options.get("zoom"),
        css_links=tuple(dict.fromkeys(css)),
        js_links=tuple(dict.fromkeys(js)),
    )


def _walk(element: Any) -> Any:
    # The elements whose scripts and stylesheets the frame must load, as st_folium finds
    # them. This app's maps have no branca colormap, whose extra d3 links are left out.
    if isinstance(element, folium.elements.JSCSSMixin):
        yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


_FRAMES: dict[tuple[int, bool, bool], BaseFrame] = {}


def base_frame(data: Dataset, *, presenter: bool = False, names: bool = False) -> BaseFrame:
    """The base map of ``data`` (see :func:`dashboard.assets.offline_base_map`), rendered once.

    Kept while ``data`` lives: the built-in data for the server's life, an upload for its
    session's. Keyed by identity, because a dataset is not hashable; the entry is removed
    when the dataset is collected, so a new dataset never meets an old one's frame.
    """
    key = (id(data), presenter, names)
    frame = _FRAMES.get(key)
    if frame is None:
        frame = render_base_frame(assets.offline_base_map(data, presenter=presenter, names=names))
        _FRAMES[key] = frame
        weakref.finalize(data, _FRAMES.pop, key, None)
    return frame


# What the streamlit-folium frame reports, in its order (st_folium's defaults list them so).
REPORT_ORDER = (
    "last_clicked",
    "last_object_clicked",
    "last_object_clicked_count",
    "last_object_clicked_tooltip",
    "last_object_clicked_popup",
    "all_drawings",
    "last_active_drawing",
    "bounds",
    "zoom",
    "last_circle_radius",
    "last_circle_polygon",
    "selected_layers",
    "selected_tags",
    "last_geocoder_result",
)


def show_map(
    frame: BaseFrame,
    data_layer: str,
    *,
    key: str,
    height: int,
    returned_objects: Sequence[str] = (),
    on_change: Callable[[], None] | None = None,
) -> Any:
    """Draw the map frame (as wide as its container) with ``data_layer`` applied.

    Like ``st_folium(..., key=key, use_container_width=True)``: the frame's last return
    value is also kept in ``st.session_state[key]`` before ``on_change`` runs.
    """
    component_key = frame.component_key(key)

    def changed() -> None:
        st.session_state[key] = st.session_state.get(component_key, {})
        if on_change is not None:
            on_change()

    # The click count starts at 0 in the frame (st_folium's default is None), so that its
    # first report, equal to the default, is no change and costs no rerun.
    values: dict[str, Any] = {
        "bounds": frame.bounds,
        "zoom": frame.zoom,
        "last_object_clicked_count": 0,
    }
    # The frame tells a change by comparing its report with the last one as JSON text:
    # the default must list the values in the report's order, whatever order they were
    # asked in (as st_folium's does).
    ordered = sorted(
        returned_objects, key=lambda k: REPORT_ORDER.index(k) if k in REPORT_ORDER else 99
    )
    defaults = {k: values.get(k) for k in ordered}
    return streamlit_folium._component_func(
        script=frame.script,
        header=frame.header,
        html=frame.html,
        id=frame.map_id,
        key=component_key,
        height=height,
        width=None,
        returned_objects=list(returned_objects),
        default=defaults,
        zoom=None,
        center=None,
        feature_group=data_layer,
        return_on_hover=False,
        layer_control=None,
        pixelated=False,
        css_links=list(frame.css_links),
        js_links=list(frame.js_links),
        on_change=changed,
        wrap_longitude=False,
    )

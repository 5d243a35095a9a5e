"""One rerun of the map page as pages/map.py does it, minus Streamlit.

filter -> per-province aggregate -> map view -> data layer script (and the same layer as
the message :mod:`dashboard.push` sends the frame, made with it). The base map's strings
are rendered once per base map, as the page keeps them per dataset
(:func:`dashboard.mapframe.base_frame`); :func:`base_frame_seconds` times that one render.
"""

from __future__ import annotations

import inspect
import time
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from bench.component import ComponentArgs
from bench.timing import lap_timer
from dashboard import static
from dashboard.mapframe import BaseFrame, render_base_frame
from geo.views import filtering as views
from geo.views.filtering import ClaimFilter, filter_claims
from geo.views.foliummap import _js, base_map, expected_layer, layer_payload, numbered_layer
from geo.views.mapview import MapView, build_map_view

# Where the app serves Leaflet (dashboard/static.py), as the map frame writes it.
LEAFLET_JS = static.leaflet_url("leaflet.js")
LEAFLET_CSS = static.leaflet_url("leaflet.css")


def _takes_source_labels() -> bool:
    return "source_labels" in inspect.signature(build_map_view).parameters


def aggregate_name() -> str:
    return "summarise" if hasattr(views, "summarise") else "province_summary"


def aggregate(result) -> pd.DataFrame:
    if hasattr(views, "summarise"):
        return views.summarise(result)
    return views.province_summary(result.on_map)


_FRAMES: dict[str, BaseFrame] = {}


def _render(base_kwargs: dict[str, object]) -> BaseFrame:
    return render_base_frame(
        base_map(**base_kwargs, leaflet_js=LEAFLET_JS, leaflet_css=LEAFLET_CSS)
    )


def _base_frame(base_kwargs: dict[str, object]) -> BaseFrame:
    key = repr(sorted(base_kwargs.items()))
    if key not in _FRAMES:
        _FRAMES[key] = _render(base_kwargs)
    return _FRAMES[key]


def base_frame_seconds(base_kwargs: dict[str, object]) -> float:
    """Seconds to render a base map's strings: paid once per dataset, not per rerun."""
    started = time.perf_counter()
    _render(base_kwargs)
    return time.perf_counter() - started


@dataclass(frozen=True)
class OursRerun:
    summary: pd.DataFrame
    view: MapView
    args: ComponentArgs
    pushed: str  # the layer as dashboard.push sends it, ahead of the component's arguments

    @cached_property
    def counts(self) -> dict[str, int]:
        """Claims per place code, for the cross-check: outside the timed rerun, since the
        page never needs them (3 ms of a rerun at 3,000 places)."""
        return {str(k): int(v) for k, v in self.summary["n_claims"].items()}

    @property
    def payload_bytes(self) -> int:
        """The MapView payload as JSON (the bulk of the data layer script)."""
        return len(_js(self.view.payload()).encode("utf-8"))


def rerun(
    claims: pd.DataFrame,
    names: dict[str, str],
    claim_filter: ClaimFilter,
    metric: str,
    base_kwargs: dict[str, object],
    selected: str | None = None,
    phases: dict[str, float] | None = None,
    source_labels: dict[str, str] | None = None,
) -> OursRerun:
    """One rerun; with ``phases``, the seconds each step took are added to it."""
    lap = lap_timer(phases)

    result = filter_claims(claims, claim_filter)
    lap("filter")
    summary = aggregate(result)
    lap("aggregate")
    if source_labels is not None and _takes_source_labels():
        view = build_map_view(names, summary, metric, selected, source_labels=source_labels)
    else:
        view = build_map_view(names, summary, metric, selected=selected)
    lap("map view")
    base = _base_frame(base_kwargs)
    token = "a-session-token-24-chars"
    _, pushed = numbered_layer(layer_payload(view), 2, token)
    # As pages/map.py sends it to a frame listening on the push socket (after the first
    # paint, always on one process): the layer's number only, the layer itself pushed.
    args = ComponentArgs(
        base.script,
        base.header,
        base.html,
        expected_layer(2, token),
        base.component_key("claims_map"),
    )
    lap("data layer")
    return OursRerun(summary, view, args, pushed)

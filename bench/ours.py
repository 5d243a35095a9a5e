"""One rerun of the map page as pages/map.py does it, minus Streamlit.

filter -> per-province aggregate -> map view -> data layer script, plus the base map
script that ``st_folium`` rebuilds (and hashes) on every rerun.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import pandas as pd

from bench.component import ComponentArgs, component_args
from bench.timing import lap_timer
from geo import views
from geo.foliummap import _js, base_map, view_layer
from geo.mapview import MapView, build_map_view
from geo.views import ClaimFilter, filter_claims

LEAFLET_JS = "../dashboard.assets.leaflet_assets/leaflet.js"
LEAFLET_CSS = "../dashboard.assets.leaflet_assets/leaflet.css"


def _takes_source_labels() -> bool:
    return "source_labels" in inspect.signature(build_map_view).parameters


def aggregate_name() -> str:
    return "summarise" if hasattr(views, "summarise") else "province_summary"


def aggregate(result) -> pd.DataFrame:
    if hasattr(views, "summarise"):
        return views.summarise(result)
    return views.province_summary(result.on_map)


@dataclass(frozen=True)
class OursRerun:
    counts: dict[str, int]  # claims per place code, for the cross-check
    view: MapView
    args: ComponentArgs

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
    folium_map = base_map(**base_kwargs, leaflet_js=LEAFLET_JS, leaflet_css=LEAFLET_CSS)
    args = component_args(folium_map, view_layer(view))
    lap("data layer + base map (folium, st_folium strings)")
    counts = {str(k): int(v) for k, v in summary["n_claims"].items()}
    return OursRerun(counts, view, args)

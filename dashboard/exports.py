"""Downloads of the current view: slide PNGs, CSV, GeoJSON, their metadata, and a permalink.

Files are made only when their button is pressed (Streamlit's deferred downloads), so a
rerun never pays for rendering a PNG nobody asked for.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode, urlsplit, urlunsplit

import geopandas as gpd
import pandas as pd
import streamlit as st

from dashboard import render
from geo.dataset import BUILTIN_LABEL, Dataset
from geo.export.files import claims_csv, export_metadata, metadata_json, provinces_geojson
from geo.paths import active_countries_dir
from geo.time.playback import as_of_filter, is_empty_window
from geo.views.filtering import FilterResult, sources_in_view
from geo.views.mapview import MapView
from geo.views.viewstate import ViewState, to_query

APP_VERSION = "0.1.0"


@st.cache_resource(show_spinner=False, max_entries=8)
def _neighbours(codes: tuple[str, ...]) -> gpd.GeoDataFrame | None:
    # Reading and clipping the countries around takes about a second: once per process.
    from geo.model.countries import UnknownCountryError, neighbours

    try:
        return neighbours(codes, active_countries_dir())
    except UnknownCountryError:  # a data folder's own countries/ may lack an upload's
        return None


def filters_text(view: ViewState) -> str:
    """The active filters (and as-of date) in words, for titles and metadata."""
    parts = [f"{k}: {v}" for k, v in view.filter.active().items()]
    if view.as_of is not None:
        parts.append(f"as of {view.as_of} ({view.as_of_mode})")
    return "; ".join(parts) or "none (all claims)"


def as_of_text(view: ViewState, result: FilterResult) -> str:
    if view.as_of is not None:
        return view.as_of.isoformat()
    if result.count:
        return str(result.shown["date_end"].max().date())
    return "no claims in view"


def permalink(view: ViewState) -> str:
    """This view's address: the app's own URL with the view's query parameters."""
    base = st.context.url or ""
    scheme, netloc, path, _, _ = urlsplit(base)
    return urlunsplit((scheme, netloc, path or "/", urlencode(to_query(view), doseq=True), ""))


def panel(
    data: Dataset, view: ViewState, result: FilterResult, map_view: MapView, summary: pd.DataFrame
) -> None:
    sources = [data.citation(s) for s in sources_in_view(result)]
    credits = f"Boundaries: {data.boundary_credit}. Sources: " + "; ".join(sources)
    words = filters_text(view)
    if data.label != BUILTIN_LABEL:
        words = f"dataset: {data.label}; {words}"
    as_of = as_of_text(view, result)
    if view.as_of is not None and is_empty_window(
        as_of_filter(view.filter, view.as_of, view.as_of_mode)  # type: ignore[arg-type]
    ):
        words += " (nothing in view on this date)"

    def metadata(rows: int) -> dict[str, object]:
        return export_metadata(
            dataset=data.label,
            filters={**view.filter.active(), **({"as_of": str(view.as_of)} if view.as_of else {})},
            as_of=as_of,
            generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            sources=sources,
            boundary_credit=data.boundary_credit,
            caveat=render.CAVEAT,
            row_count=rows,
            app_version=APP_VERSION,
        )

    def png(size: tuple[int, int]) -> bytes:
        # Imported on the first PNG asked for: matplotlib adds ~0.3 s to every cold start.
        from dashboard.assets import countries_of  # not in the warm-up: see its test
        from geo.export.png import render_map_png

        codes = countries_of(data)
        return render_map_png(
            data.boundaries,
            map_view,
            size=size,
            title=f"Claimed activity by province: {map_view.title.lower()}",
            as_of=as_of,
            filters_text=words,
            caveat=render.CAVEAT,
            credits=credits,
            context=_neighbours(codes) if codes else None,
        )

    st.markdown("**Download this view**")
    wide, square, table, shapes, meta = st.columns(5)
    wide.download_button(
        "Slide PNG 16:9",
        lambda: png((1920, 1080)),
        file_name="claims-map-1920x1080.png",
        mime="image/png",
        on_click="ignore",
    )
    square.download_button(
        "Square PNG",
        lambda: png((1080, 1080)),
        file_name="claims-map-1080x1080.png",
        mime="image/png",
        on_click="ignore",
    )
    table.download_button(
        "Claims CSV",
        lambda: claims_csv(result.shown, data.names, data.citation, metadata(result.count)),
        file_name="claims-in-view.csv",
        mime="text/csv",
        on_click="ignore",
        help="With the caveat, filters and sources as '#' lines at the top; text that a "
        "spreadsheet would run as a formula is neutralised.",
    )
    shapes.download_button(
        "Provinces GeoJSON",
        lambda: provinces_geojson(data.boundaries, summary, metadata(len(summary))),
        file_name="provinces-in-view.geojson",
        mime="application/geo+json",
        on_click="ignore",
    )
    meta.download_button(
        "Metadata JSON",
        lambda: metadata_json(metadata(result.count)),
        file_name="claims-view-metadata.json",
        mime="application/json",
        on_click="ignore",
    )
    st.markdown("**Permalink** (the copy button is at the right of the box)")
    st.code(permalink(view), language=None, wrap_lines=True)

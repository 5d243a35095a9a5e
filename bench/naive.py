"""The same page as a typical tutorial writes it: no caching, everything rebuilt per rerun.

On every rerun: read the full-resolution boundary GeoJSON with geopandas, filter the claims
with plain pandas boolean indexing, group and aggregate with pandas, merge into the
GeoDataFrame, and bake ``folium.Choropleth(geo_data=gdf.to_json(), ...)`` with a
``GeoJsonTooltip`` into a new ``folium.Map``, rendered to HTML (``m.get_root().render()``)
and to the strings ``st_folium`` sends.

Two departures from a tutorial, both forced by this machine having no internet: Leaflet
is served locally (folium's default CDN links for Leaflet, jQuery and Bootstrap would not
load), and the Choropleth's colour legend is dropped (branca's legend loads d3 from a CDN,
and st_folium refuses to draw the map when a script fails to load). Both make the naive
page a little cheaper, not dearer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd

from bench.component import ComponentArgs, component_args
from bench.timing import lap_timer
from dashboard import static

# Where the app serves Leaflet (dashboard/static.py), as the map frame writes it.
LEAFLET_JS = static.leaflet_url("leaflet.js")
LEAFLET_CSS = static.leaflet_url("leaflet.css")


@dataclass(frozen=True)
class NaiveFilter:
    actors: list[str] | None = None
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass(frozen=True)
class NaiveRerun:
    counts: dict[str, int]
    args: ComponentArgs


def filter_and_count(claims: pd.DataFrame, f: NaiveFilter) -> pd.DataFrame:
    """Plain pandas: boolean indexing, then a groupby per province."""
    selected = claims
    if f.actors:
        selected = selected[selected["actor"].isin(f.actors)]
    if f.end is not None:
        selected = selected[selected["date_start"] <= pd.Timestamp(f.end)]
    if f.start is not None:
        selected = selected[selected["date_end"] >= pd.Timestamp(f.start)]
    selected = selected[selected["province"].notna()]
    return (
        selected.groupby("province", observed=True)
        .agg(
            n_claims=("claim_id", "size"),
            n_actors=("actor", "nunique"),
            latest=("date_end", "max"),
        )
        .reset_index()
    )


def build_map(
    boundary_file: Path,
    claims: pd.DataFrame,
    f: NaiveFilter,
    *,
    key: str = "code",
    key_map: dict[str, str] | None = None,
    center: tuple[float, float] = (34.0, 66.0),
    zoom: int = 6,
    leaflet_js: str = LEAFLET_JS,
    leaflet_css: str = LEAFLET_CSS,
    lap: Callable[[str], None] = lambda name: None,
) -> tuple[folium.Map, pd.DataFrame]:
    gdf = gpd.read_file(boundary_file)
    gdf["code"] = gdf[key].map(key_map) if key_map else gdf[key].astype(str)
    lap("read boundaries")
    counts = filter_and_count(claims, f)
    lap("filter + aggregate")
    counts["province"] = counts["province"].astype(str)
    merged = gdf[["code", "name", "geometry"]].merge(
        counts, left_on="code", right_on="province", how="left"
    )
    merged["n_claims"] = merged["n_claims"].fillna(0).astype(int)
    merged["n_actors"] = merged["n_actors"].fillna(0).astype(int)
    merged["latest"] = merged["latest"].dt.strftime("%Y-%m-%d").fillna("no claims")
    merged = merged.drop(columns=["province"])
    lap("merge")

    m = folium.Map(location=center, zoom_start=zoom, tiles=None)
    m.default_js = [("leaflet", leaflet_js)]
    m.default_css = [("leaflet_css", leaflet_css)]
    choropleth = folium.Choropleth(
        geo_data=merged.to_json(),
        data=merged,
        columns=["code", "n_claims"],
        key_on="feature.properties.code",
        fill_color="YlOrRd",
        fill_opacity=0.8,
        line_opacity=0.4,
        legend_name="Claims in view",
        highlight=True,
    )
    if choropleth.color_scale is not None:  # its legend needs d3 from a CDN: see above
        del choropleth._children[choropleth.color_scale.get_name()]
        choropleth.color_scale = None
    choropleth.add_to(m)
    folium.GeoJsonTooltip(
        fields=["name", "n_claims", "n_actors", "latest"],
        aliases=["Province", "Claims", "Actors", "Latest"],
    ).add_to(choropleth.geojson)
    lap("folium map")
    return m, counts


def rerun(
    boundary_file: Path,
    claims: pd.DataFrame,
    f: NaiveFilter,
    *,
    key: str = "code",
    key_map: dict[str, str] | None = None,
    center: tuple[float, float] = (34.0, 66.0),
    zoom: int = 6,
    phases: dict[str, float] | None = None,
) -> NaiveRerun:
    """One rerun; with ``phases``, the seconds each step took are added to it."""
    lap = lap_timer(phases)

    m, counts = build_map(
        boundary_file, claims, f, key=key, key_map=key_map, center=center, zoom=zoom, lap=lap
    )
    # What st_folium does with it: render the page (m.get_root().render()), then the scripts.
    args = component_args(m, key="naive_map")
    lap("render (HTML, st_folium strings)")
    return NaiveRerun(
        {str(p): int(n) for p, n in zip(counts["province"], counts["n_claims"], strict=True)},
        args,
    )

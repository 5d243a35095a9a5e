"""Property-based tests of the boundary upload path: GeoJSON, GeoPackage, zipped Shapefile.

Each generated file goes through what the Your data page does with it: read, pick the
identifier properties, prepare each as the code and name (see tests/fuzzcheck.py).
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzzcheck import check_boundary_upload

# GDAL and shapely warn about the odd inputs (unclosed rings, overflowing coordinates) that
# these tests make on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::UserWarning")

coordinate = st.one_of(
    st.floats(-180, 180, allow_nan=False),
    st.sampled_from([0.0, 1e308, -1e308, 1e-300, 500.0]),
)
CODES = ("AF-KAB", "AF-PAN", "", " ", "AF-KAB ", "1", "<b>x</b>", "\u202eevil", "کابل")


@st.composite
def rings(draw: st.DrawFn) -> list[list[float]]:
    """A ring: usually a square somewhere, sometimes a bow-tie, a spike or a degenerate one."""
    shape = draw(st.integers(0, 5))
    x, y = draw(coordinate), draw(coordinate)
    size = draw(st.sampled_from([1.0, 1e-9, 0.0, 10.0]))
    if shape == 0:  # self-intersecting
        points = [[x, y], [x + size, y + size], [x + size, y], [x, y + size]]
    elif shape == 1:
        points = draw(st.lists(st.tuples(coordinate, coordinate).map(list), min_size=0, max_size=6))
    else:
        points = [[x, y], [x + size, y], [x + size, y + size], [x, y + size]]
    if points and draw(st.booleans()):
        points = [*points, points[0]]
    return points


@st.composite
def geometries(draw: st.DrawFn) -> object:
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return None
    if kind == 1:
        return {"type": "Point", "coordinates": [draw(coordinate), draw(coordinate)]}
    if kind == 2:
        return {"type": "GeometryCollection", "geometries": [draw(geometries())]}
    if kind == 3:
        return {"type": "MultiPolygon", "coordinates": [[draw(rings())] for _ in range(2)]}
    if kind == 4:
        return {"type": "Polygon", "coordinates": []}
    return {"type": "Polygon", "coordinates": [draw(rings())]}


@st.composite
def feature_collections(draw: st.DrawFn) -> dict[str, object]:
    count = draw(st.integers(0, 6))
    features = []
    for i in range(count):
        properties = {
            "code": draw(st.one_of(st.sampled_from(CODES), st.just(f"P{i}"), st.integers())),
            "name": draw(st.one_of(st.text(max_size=12), st.none())),
        }
        if draw(st.booleans()):
            properties["extra"] = draw(st.one_of(st.floats(), st.booleans(), st.text(max_size=4)))
        features.append(
            {"type": "Feature", "properties": properties, "geometry": draw(geometries())}
        )
    collection: dict[str, object] = {"type": "FeatureCollection", "features": features}
    crs = draw(st.sampled_from([None, "EPSG:4326", "EPSG:3857", "EPSG:32642", "EPSG:999999"]))
    if crs:
        collection["crs"] = {"type": "name", "properties": {"name": crs}}
    return collection


def _nested(depth: int) -> bytes:
    return b'{"type":"FeatureCollection","features":[' + b"[" * depth + b"]" * depth + b"]}"


@given(collection=feature_collections())
def test_a_geojson_is_prepared_or_refused_with_a_reason(collection: dict[str, object]) -> None:
    check_boundary_upload("areas.geojson", json.dumps(collection).encode("utf-8"))


@given(content=st.binary(max_size=600))
@example(content=_nested(100_000))
@example(content=b"PK\x03\x04" + bytes(40))
@example(content=b"[]")
@example(content=b'{"type": "Feature"}')
def test_raw_bytes_as_a_boundary_file_are_read_or_refused(content: bytes) -> None:
    for name in ("areas.geojson", "areas.gpkg", "areas.zip"):
        check_boundary_upload(name, content)


def _squares(count: int) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": [f"P{i}" for i in range(count)], "name": [f"Place {i}" for i in range(count)]},
        geometry=[shapely.box(i, 0, i + 1, 1) for i in range(count)],
        crs="EPSG:4326",
    )


@st.composite
def shapefile_zips(draw: st.DrawFn) -> bytes:
    """A real zipped Shapefile, then with parts left out, renamed, added, cut or nested."""
    with tempfile.TemporaryDirectory() as folder:
        _squares(draw(st.integers(1, 4))).to_file(Path(folder) / "layer.shp")
        parts = {p.name: p.read_bytes() for p in Path(folder).iterdir()}
    for _ in range(draw(st.integers(0, 3))):
        action = draw(st.sampled_from(["drop", "rename", "add", "cut", "nest", "folder"]))
        name = draw(st.sampled_from(sorted(parts)))
        if action == "drop" and len(parts) > 1:
            del parts[name]
        elif action == "rename":
            parts[draw(st.sampled_from(["../evil.shp", "/abs.dbf", "Other.SHX", "a/b.prj"]))] = (
                parts.pop(name)
            )
        elif action == "add":
            parts[draw(st.sampled_from(["second.shp", "inner.zip", "notes.txt"]))] = b"x" * 10
        elif action == "cut":
            parts[name] = parts[name][: draw(st.integers(0, len(parts[name])))]
        elif action == "nest":
            parts = {"layer.zip": _zip(parts)}
        else:
            parts = {f"folder/{k}": v for k, v in parts.items()}
    return _zip(parts)


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


@given(content=shapefile_zips())
def test_a_zipped_shapefile_is_prepared_or_refused_with_a_reason(content: bytes) -> None:
    check_boundary_upload("layer.zip", content)


@given(collection=feature_collections(), cut=st.integers(0, 2_000))
def test_a_geopackage_is_prepared_or_refused_with_a_reason(
    collection: dict[str, object], cut: int
) -> None:
    try:
        layer = gpd.GeoDataFrame.from_features(collection["features"], crs="EPSG:4326")
    except Exception:  # not every generated collection makes a layer: that is GeoJSON's test
        layer = _squares(2)
    if layer.empty or "geometry" not in layer:
        layer = _squares(2)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "layer.gpkg"
        layer.to_file(path, driver="GPKG")
        content = path.read_bytes()
    check_boundary_upload("layer.gpkg", content)
    check_boundary_upload("layer.gpkg", content[: len(content) - cut])  # cut off

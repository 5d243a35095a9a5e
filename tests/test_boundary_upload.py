"""Boundary files users bring: formats, CRS, repairs, and helpful refusals."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Polygon, box

from geo.model.boundaries import BoundaryError
from geo.reading.boundary_upload import identifier_fields, prepare_boundaries, read_boundary_upload


def layer(crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {"NAME_2": ["Alpha", "Beta"], "GID": ["D1", "D2"], "kind": ["x", "x"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
        crs="EPSG:4326",
    )
    return frame.to_crs(crs)


def as_bytes(gdf: gpd.GeoDataFrame, tmp_path: Path, name: str, driver: str) -> bytes:
    path = tmp_path / name
    gdf.to_file(path, driver=driver)
    return path.read_bytes()


def zipped_shapefile(gdf: gpd.GeoDataFrame, tmp_path: Path, drop: str = "") -> bytes:
    folder = tmp_path / "shp"
    folder.mkdir()
    gdf.to_file(folder / "districts.shp")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in sorted(folder.iterdir()):
            if drop and file.suffix == drop:
                continue
            archive.write(file, f"nested/{file.name}")
    return buffer.getvalue()


def test_geojson_in_another_crs_is_reprojected(tmp_path) -> None:
    data = as_bytes(layer("EPSG:3857"), tmp_path, "d.geojson", "GeoJSON")
    raw = read_boundary_upload("d.geojson", data)
    result = prepare_boundaries(raw, "d.geojson", code_field="GID", name_field="NAME_2")
    assert result.boundaries.crs.equals("EPSG:4326")
    assert list(result.boundaries["code"]) == ["D1", "D2"]
    assert result.places.match("alpha").code == "D1"
    assert any("reprojected" in n for n in result.notes)
    assert result.boundaries.total_bounds[2] == pytest.approx(2, abs=1e-6)


def test_geopackage(tmp_path) -> None:
    raw = read_boundary_upload("d.gpkg", as_bytes(layer(), tmp_path, "d.gpkg", "GPKG"))
    assert set(identifier_fields(raw)) == {"NAME_2", "GID"}


def test_zipped_shapefile(tmp_path) -> None:
    raw = read_boundary_upload("d.zip", zipped_shapefile(layer("EPSG:32642"), tmp_path))
    result = prepare_boundaries(raw, "d.zip", code_field="GID")
    assert list(result.boundaries["name"]) == ["D1", "D2"]


def test_shapefile_without_prj_is_refused_with_a_fix(tmp_path) -> None:
    with pytest.raises(BoundaryError, match=r"no \.prj.*Add the \.prj"):
        read_boundary_upload("d.zip", zipped_shapefile(layer(), tmp_path, drop=".prj"))


def test_invalid_polygon_is_repaired_and_noted(tmp_path) -> None:
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    raw = gpd.GeoDataFrame({"GID": ["B"]}, geometry=[bowtie], crs="EPSG:4326")
    result = prepare_boundaries(raw, "bow.geojson", code_field="GID")
    assert result.boundaries.geometry.is_valid.all()
    assert any(n.startswith("repaired B") for n in result.notes)


def test_non_unique_property_is_refused(tmp_path) -> None:
    with pytest.raises(BoundaryError, match="more than once"):
        prepare_boundaries(layer(), "d", code_field="kind")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("d.kml", b"<kml/>", "upload a GeoJSON"),
        ("d.geojson", b"", "is empty"),
        ("d.geojson", b"{not json", "cannot read d.geojson"),
        ("d.zip", b"PK\x03\x04garbage", "not a valid .zip"),
        ("d.geojson", b"PK\x03\x04garbage", "compressed archive, not a GeoJSON file. If it"),
        ("d.gpkg", b"\x1f\x8b\x08garbage", "compressed archive, not a GeoPackage file"),
    ],
)
def test_unreadable_uploads(name: str, data: bytes, message: str) -> None:
    with pytest.raises(BoundaryError, match=message):
        read_boundary_upload(name, data)

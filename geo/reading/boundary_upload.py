"""Boundary files that users bring: GeoJSON, GeoPackage or a zipped Shapefile, any CRS.

The bytes are read from a private temporary folder, never from or into the user's file. A
zipped Shapefile is checked against :func:`shapefile_limits` before anything is unpacked
(see geo/reading/archives.py), and only the layer's own files are copied out.
"""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import geopandas as gpd

from geo.model.boundaries import BoundaryError, check_boundaries
from geo.model.places import Place, PlaceRegistry, RegistryError
from geo.reading.archives import ArchiveError, ArchiveLimits, copy_member, open_archive

_MB = 1024 * 1024  # as Streamlit counts the upload limit
DEFAULT_MAX_BOUNDARY_BYTES = 100 * _MB
SUFFIXES = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GeoPackage", ".zip": "Shapefile"}
# A Shapefile's .shp (coordinates) packs about 2 to 1 (2.4 for data/provinces.geojson), so
# a zip within the upload limit unpacks to well under 4 times it. Its .dbf can pack far
# better: 257 to 1 measured for wide text columns of short names. Zeros pack 1,030 to 1.
SHAPEFILE_EXPANSION = 4
SHAPEFILE_MAX_RATIO = 500
# .shp, .shx, .dbf, .prj, .cpg, a few optional index and metadata files, and folders.
SHAPEFILE_MAX_MEMBERS = 32


def shapefile_limits(max_bytes: int = DEFAULT_MAX_BOUNDARY_BYTES) -> ArchiveLimits:
    """What a zipped Shapefile of at most ``max_bytes`` may hold."""
    return ArchiveLimits(
        max_unpacked=SHAPEFILE_EXPANSION * max_bytes,
        max_members=SHAPEFILE_MAX_MEMBERS,
        max_ratio=SHAPEFILE_MAX_RATIO,
        label="a zipped Shapefile",
        fix=(
            "Zip only the layer's .shp, .shx, .dbf and .prj files (and its .cpg if there is"
            " one), or save the layer as a GeoPackage (.gpkg) and upload that."
        ),
        allow_nested=False,
    )


@dataclass
class UploadedBoundaries:
    """A checked boundary layer with the registry of its places and what was done to it."""

    boundaries: gpd.GeoDataFrame
    places: PlaceRegistry
    notes: list[str] = field(default_factory=list)


def read_boundary_upload(
    name: str, data: bytes, *, max_bytes: int = DEFAULT_MAX_BOUNDARY_BYTES
) -> gpd.GeoDataFrame:
    """Read the layer in an uploaded file, with all its properties and its own CRS."""
    suffix = PurePosixPath(name.lower()).suffix
    if suffix not in SUFFIXES:
        raise BoundaryError(
            f"{name}: upload a GeoJSON (.geojson), a GeoPackage (.gpkg) or a zipped Shapefile"
            " (.zip holding .shp, .shx, .dbf and .prj)"
        )
    if not data:
        raise BoundaryError(
            f"{name} is empty (0 bytes); check that you picked the right file and that it"
            " was saved before uploading"
        )
    if len(data) > max_bytes:
        raise BoundaryError(
            f"{name} is {len(data) / _MB:.1f} MB; the limit is {max_bytes / _MB:.0f} MB."
            " Simplify the polygons or split the file."
        )
    shapefile = _shapefile_parts(name, data, max_bytes) if suffix == ".zip" else None
    if shapefile is None and data.startswith((b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b")):
        raise BoundaryError(
            f"{name} is a compressed archive, not a {SUFFIXES[suffix]} file. If it holds a"
            " Shapefile, upload it with a .zip name; otherwise unpack it and upload the"
            " .geojson or .gpkg file inside."
        )
    with tempfile.TemporaryDirectory(prefix="boundary-upload-") as folder:
        if shapefile is not None:
            path = _unpack_shapefile(name, data, shapefile, Path(folder))
        else:
            path = Path(folder) / f"upload{suffix}"
            path.write_bytes(data)
        try:
            gdf = gpd.read_file(path)
        except Exception as error:  # pyogrio raises several unrelated types
            raise BoundaryError(
                f"cannot read {name} as a {SUFFIXES[suffix]} file ({error}); check that it is"
                " one and that it is complete"
            ) from error
    if gdf.empty:
        raise BoundaryError(
            f"{name} holds no features; check that you picked the right file, with the"
            " polygons in it"
        )
    return gdf


def _shapefile_parts(name: str, data: bytes, max_bytes: int) -> dict[str, zipfile.ZipInfo]:
    """The layer's members by suffix, all checked; nothing is unpacked."""
    try:
        with open_archive(name, data, shapefile_limits(max_bytes)) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
    except zipfile.BadZipFile as error:
        raise BoundaryError(
            f"{name} is not a valid .zip archive ({error}); zip the layer's files again"
        ) from error
    except ArchiveError as error:
        raise BoundaryError(str(error)) from error
    shapefiles = [m for m in members if m.filename.lower().endswith(".shp")]
    if len(shapefiles) != 1:
        found = ", ".join(m.filename for m in shapefiles) or "none"
        raise BoundaryError(
            f"{name} must hold exactly one .shp file (found: {found}); zip one layer at a time"
        )
    stem = PurePosixPath(shapefiles[0].filename).stem.lower()
    parts = {
        PurePosixPath(m.filename).suffix.lower(): m
        for m in members
        if PurePosixPath(m.filename).stem.lower() == stem
    }
    missing = [s for s in (".shx", ".dbf") if s not in parts]
    if missing:
        raise BoundaryError(f"{name}: the Shapefile lacks {', '.join(missing)}; zip all its files")
    if ".prj" not in parts:
        raise BoundaryError(
            f"{name}: the Shapefile has no .prj, so its coordinate system is unknown and it"
            " cannot be placed on the map. Add the .prj file that came with it to the zip."
        )
    return parts


def _unpack_shapefile(
    name: str, data: bytes, parts: dict[str, zipfile.ZipInfo], folder: Path
) -> Path:
    for suffix, member in parts.items():
        # Written under fixed names: member paths from the archive are never trusted.
        with (folder / f"layer{suffix}").open("wb") as target:
            try:
                copy_member(name, data, member, target)
            except ArchiveError as error:
                raise BoundaryError(f"{error} Zip the layer's files again.") from error
    return folder / "layer.shp"


def identifier_fields(gdf: gpd.GeoDataFrame) -> list[str]:
    """Properties whose values are present and unique: candidates for a place code or name."""
    out = []
    for column in gdf.columns:
        if column == gdf.geometry.name:
            continue
        values = gdf[column]
        text = values.astype(str)
        if values.notna().all() and text.str.strip().ne("").all() and text.is_unique:
            out.append(str(column))
    return out


def prepare_boundaries(
    gdf: gpd.GeoDataFrame, label: str, code_field: str, name_field: str | None = None
) -> UploadedBoundaries:
    """Check the layer (repairing invalid polygons), reproject it, and index its names.

    The chosen code property becomes ``code`` and the name property ``name``; claims are
    matched against both.
    """
    notes: list[str] = []
    name_field = name_field or code_field
    if gdf.crs is None:
        raise BoundaryError(
            f"{label} declares no coordinate reference system; save it with one (a GeoJSON"
            " file without one is read as EPSG:4326)"
        )
    if not gdf.crs.equals("EPSG:4326"):
        notes.append(f"reprojected from {gdf.crs.to_string()} to EPSG:4326")
    checked = check_boundaries(gdf, label, code_field, name_field, repair=True, notes=notes)
    out = gpd.GeoDataFrame(
        {
            "code": checked[code_field].astype(str),
            "name": checked[name_field].astype(str).str.strip(),
        },
        geometry=checked.geometry.to_numpy(),
        crs=checked.crs,
    )
    try:
        places = PlaceRegistry(
            Place(code, name) for code, name in zip(out["code"], out["name"], strict=True)
        )
    except RegistryError as error:
        raise BoundaryError(
            f"{label}: {error}. Choose a code and name property whose values are unique."
        ) from error
    return UploadedBoundaries(out, places, notes)

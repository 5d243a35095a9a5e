"""Load a boundary file (one polygon per place) and check that it forms a clean coverage.

Nothing here knows which country the file covers: the code and name properties are parameters,
and the checks are about geometry only. The project's own file is built by
``scripts/build_boundaries.py``; see ``data/BOUNDARIES.md``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from geo.paths import DATA_DIR

DEFAULT_BOUNDARIES_PATH = DATA_DIR / "provinces.geojson"
METADATA_SUFFIX = ".meta.json"
TARGET_CRS = "EPSG:4326"

# Overlaps and gaps smaller than this share of the total area are floating-point noise from
# whatever produced the file, not real slivers.
RELATIVE_AREA_TOLERANCE = 1e-9
MAX_LISTED = 10


class BoundaryError(ValueError):
    """A boundary file that exists but cannot be used as it is."""


def _label(values: list[str]) -> str:
    shown = ", ".join(values[:MAX_LISTED])
    more = len(values) - MAX_LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def load_boundaries(
    path: Path, code_field: str = "code", name_field: str = "name"
) -> gpd.GeoDataFrame:
    """Read a boundary file and return it in EPSG:4326, one valid polygon per unique code.

    Raises FileNotFoundError if ``path`` does not exist and BoundaryError, naming the offending
    features, if a property is missing, a code repeats or is blank, a geometry is missing,
    empty, not a polygon or invalid, or the file has no CRS at all.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"boundary file {path} not found; build it with scripts/build_boundaries.py"
            " or pass the path of a GeoJSON/GeoPackage file"
        )
    try:
        gdf = gpd.read_file(path)
    except Exception as error:  # pyogrio raises several unrelated types for unreadable files
        raise BoundaryError(f"cannot read {path.name} as a vector file: {error}") from error

    return check_boundaries(gdf, path.name, code_field, name_field)


def check_boundaries(
    gdf: gpd.GeoDataFrame,
    label: str,
    code_field: str = "code",
    name_field: str = "name",
    *,
    repair: bool = False,
    notes: list[str] | None = None,
) -> gpd.GeoDataFrame:
    """Check a read boundary layer and return it in EPSG:4326 with clean string codes.

    With ``repair``, invalid polygons are mended with ``shapely.make_valid`` and each repair
    is added to ``notes`` instead of being an error.
    """
    gdf = gdf.copy()
    properties = [c for c in gdf.columns if c != gdf.geometry.name]
    for role, field in (("code", code_field), ("name", name_field)):
        if field not in gdf.columns:
            raise BoundaryError(
                f"{label} has no property {field!r} to use as the {role}; its features have"
                f" {properties or 'no properties'}. Pass {role}_field= to choose one."
            )

    # Codes are identifiers even when a file stores them as numbers.
    codes = gdf[code_field].where(gdf[code_field].notna(), "").astype(str).str.strip()
    blank = [str(i) for i in np.flatnonzero((codes == "").to_numpy())]
    if blank:
        raise BoundaryError(
            f"{label}: feature(s) at position {_label(blank)} have an empty {code_field!r};"
            " give every feature one, or choose another property"
        )
    gdf[code_field] = codes
    duplicated = sorted(set(gdf.loc[gdf[code_field].duplicated(), code_field]))
    if duplicated:
        raise BoundaryError(
            f"{label}: {code_field!r} must be unique but {_label(duplicated)} appear(s)"
            " more than once; choose a property whose values are unique, or merge those features"
        )

    geometries = gdf.geometry.to_numpy()
    missing = shapely.is_missing(geometries) | shapely.is_empty(geometries)
    if missing.any():
        raise BoundaryError(
            f"{label}: no geometry for {_label(list(gdf.loc[missing, code_field]))}; draw"
            " their polygons or remove those features"
        )
    kinds = gdf.geometry.geom_type
    not_polygon = ~kinds.isin(["Polygon", "MultiPolygon"])
    if not_polygon.any():
        found = [
            f"{code} ({kind})"
            for code, kind in zip(gdf.loc[not_polygon, code_field], kinds[not_polygon], strict=True)
        ]
        raise BoundaryError(
            f"{label}: expected polygons, got {_label(found)}; use a layer of areas (points and"
            " lines cannot be coloured) or remove those features"
        )
    invalid = ~shapely.is_valid(geometries)
    if invalid.any() and repair:
        for code, geometry in zip(gdf.loc[invalid, code_field], geometries[invalid], strict=True):
            if notes is not None:
                notes.append(f"repaired {code}: {shapely.is_valid_reason(geometry)}")
        gdf.loc[invalid, gdf.geometry.name] = [
            _mended(geometry, code, label)
            for code, geometry in zip(
                gdf.loc[invalid, code_field], geometries[invalid], strict=True
            )
        ]
        geometries = gdf.geometry.to_numpy()
        invalid = ~shapely.is_valid(geometries)
        # A polygon with no area (its points on one line) mends to nothing at all.
        vanished = shapely.is_empty(geometries)
        if vanished.any():
            raise BoundaryError(
                f"{label}: the polygon of {_label(list(gdf.loc[vanished, code_field]))} has no"
                " area (its points lie on one line or one spot); draw it again or remove it"
            )
    if invalid.any():
        reasons = [
            f"{code}: {shapely.is_valid_reason(geometry)}"
            for code, geometry in zip(
                gdf.loc[invalid, code_field], geometries[invalid], strict=True
            )
        ]
        raise BoundaryError(
            f"{label}: invalid geometry for {_label(reasons)}; fix the polygons (e.g. QGIS's"
            " Fix geometries) and save the file again"
        )

    if gdf.crs is None:
        raise BoundaryError(
            f"{label} declares no coordinate reference system; save it with one"
            f" (GeoJSON without a 'crs' member is read as {TARGET_CRS})"
        )
    if not gdf.crs.equals(TARGET_CRS):
        gdf = gdf.to_crs(TARGET_CRS)
    return gdf.reset_index(drop=True)


def _mended(geometry: shapely.Geometry, code: str, label: str) -> shapely.Geometry:
    """An invalid polygon made valid, keeping only its polygonal part."""
    try:
        try:
            repaired = shapely.make_valid(geometry)
        except shapely.errors.GEOSException:
            # Parts of different dimensions (a polygon collapsed to a point beside a real
            # one) defeat the usual method; this one rebuilds the areas from the rings.
            repaired = shapely.make_valid(geometry, method="structure", keep_collapsed=False)
        # make_valid may return collections with stray lines; keep only the polygonal part.
        parts = getattr(repaired, "geoms", [repaired])
        return shapely.union_all([g for g in parts if g.geom_type in ("Polygon", "MultiPolygon")])
    except shapely.errors.GEOSException as error:
        raise BoundaryError(
            f"{label}: the polygon of {code} cannot be repaired ({error}); fix it (e.g. QGIS's"
            " Fix geometries) or remove it, and save the file again"
        ) from error


def metadata_path(path: Path) -> Path:
    """The sidecar that records where ``path`` came from: ``<file>.meta.json``."""
    path = Path(path)
    if path.name.endswith(METADATA_SUFFIX):
        return path
    return path.with_name(path.name + METADATA_SUFFIX)


def load_boundary_metadata(path: Path) -> dict[str, Any]:
    """Read the provenance record of a boundary file.

    ``path`` may be the boundary file itself or its ``.meta.json`` sidecar.
    """
    meta_file = metadata_path(path)
    if not meta_file.is_file():
        raise FileNotFoundError(
            f"boundary metadata {meta_file} not found; scripts/build_boundaries.py writes it"
            " next to the boundary file"
        )
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise BoundaryError(f"{meta_file.name} is not valid JSON: {error}") from error
    if not isinstance(meta, dict):
        raise BoundaryError(
            f"{meta_file.name} should hold a JSON object, not {type(meta).__name__}"
        )
    return meta


def check_coverage(gdf: gpd.GeoDataFrame, code_field: str = "code") -> list[str]:
    """Describe what stops ``gdf`` being a clean coverage; an empty list means it is one.

    A clean coverage has valid polygons that meet edge to edge: no overlaps, and no holes in
    their union (which in a layer of provinces means a gap between neighbours; a genuine
    enclave of another country would be reported too). Areas are in the units of the CRS.
    """
    if len(gdf) == 0:
        return ["there are no features"]
    labels = (
        [str(v) for v in gdf[code_field]]
        if code_field in gdf.columns
        else [f"#{i}" for i in range(len(gdf))]
    )
    geometries = gdf.geometry.to_numpy()
    problems: list[str] = []

    unusable = shapely.is_missing(geometries) | shapely.is_empty(geometries)
    for i in np.flatnonzero(unusable):
        problems.append(f"{labels[i]} has no geometry")
    polygons = ~unusable & np.isin(shapely.get_type_id(geometries), [3, 6])
    for i in np.flatnonzero(~unusable & ~polygons):
        problems.append(f"{labels[i]} is a {geometries[i].geom_type}, not a polygon")
    invalid = polygons & ~shapely.is_valid(geometries)
    for i in np.flatnonzero(invalid):
        problems.append(f"{labels[i]} is invalid: {shapely.is_valid_reason(geometries[i])}")
    usable = np.flatnonzero(polygons & ~invalid)
    if problems:
        # Coverage checks on broken polygons report the breakage again, less clearly.
        return problems

    geoms = geometries[usable]
    total_area = float(shapely.area(geoms).sum())
    noise = total_area * RELATIVE_AREA_TOLERANCE

    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    for a, b in zip(left, right, strict=True):
        if a >= b:
            continue
        area = shapely.intersection(geoms[a], geoms[b]).area
        if area > noise:
            problems.append(
                f"{labels[usable[a]]} and {labels[usable[b]]} overlap by {area:.6g} square units"
            )

    union = shapely.union_all(geoms)
    parts = list(getattr(union, "geoms", [union]))
    holes = [shapely.Polygon(ring) for part in parts for ring in part.interiors]
    gaps = [h for h in holes if h.area > noise]
    if gaps:
        largest = max(gaps, key=lambda h: h.area)
        point = largest.representative_point()
        problems.append(
            f"{len(gaps)} gap(s) between polygons (holes in their union); the largest,"
            f" {largest.area:.6g} square units, is near ({point.x:.4f}, {point.y:.4f})"
        )

    edges = shapely.coverage_invalid_edges(geoms)
    bad = [labels[usable[i]] for i in np.flatnonzero(~shapely.is_empty(edges))]
    if bad and not problems:
        # Neighbours whose shared borders do not match vertex for vertex: invisible on a map
        # but they make topology-preserving simplification leave slivers.
        problems.append(f"edges of {_label(bad)} do not match their neighbours' exactly")
    return problems

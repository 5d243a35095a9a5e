"""The built-in countries: every country's first-level units, read only when asked for.

``data/countries/index.csv`` lists the countries (built by ``scripts/build_countries.py``;
Afghanistan's row points at the project's own corrected ``provinces.geojson``). Listing them
reads only that index; a country's boundary file and place registry are read when that country
is asked for, so a country nobody picks costs nothing.

>>> info = country_info("sudan")
>>> info.code, info.boundaries_path.name
('SD', 'boundaries.geojson')
>>> country_info("AFG").code, country_info("4").code
('AF', 'AF')
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from rapidfuzz import fuzz, process

from geo.model.boundaries import load_boundaries, load_boundary_metadata
from geo.model.places import PlaceRegistry, load_place_registry, normalise
from geo.paths import COUNTRY_INDEX, DATA_DIR

INDEX_NAME = COUNTRY_INDEX
INDEX_COLUMNS = (
    "country",
    "alpha3",
    "numeric",
    "name",
    "other_names",
    "units",
    "iso_keyed",
    "status",
    "as_of",
    "boundaries",
    "places",
)
STATUSES = ("current", "differs")
MAX_SUGGESTIONS = 3
SUGGESTION_CUTOFF = 75.0


class UnknownCountryError(LookupError):
    """No built-in units for the country asked for."""


class CountryIndexError(ValueError):
    """``data/countries/index.csv`` itself is unusable."""


@dataclass(frozen=True)
class CountryInfo:
    """One row of the index: what is built in for a country, and where its files are."""

    code: str  # ISO 3166-1 alpha-2, the prefix of its units' ISO 3166-2 codes
    alpha3: str
    numeric: str  # ISO 3166-1 numeric, as in ACLED's ``iso`` column
    name: str
    other_names: tuple[str, ...]
    units: int
    iso_keyed: int  # units keyed on ISO 3166-2 codes; the rest keep the source's codes
    status: str  # "current": the units are ISO 3166-2's first level today; "differs": not
    as_of: str  # the boundaries' vintage, e.g. "2012-2013"
    boundaries_path: Path
    places_path: Path

    @property
    def current(self) -> bool:
        return self.status == "current"

    def names(self) -> tuple[str, ...]:
        return (self.code, self.alpha3, self.numeric, self.name, *self.other_names)


def _read_index(path: Path) -> tuple[CountryInfo, ...]:
    if not path.is_file():
        raise FileNotFoundError(
            f"country index {path} not found; build it with scripts/build_countries.py"
        )
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = set(INDEX_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise CountryIndexError(f"{path.name} lacks column(s) {sorted(missing)}")
        rows = list(reader)
    infos: list[CountryInfo] = []
    for line, row in enumerate(rows, start=2):
        if row["status"] not in STATUSES:
            raise CountryIndexError(
                f"{path.name} row {line}: status {row['status']!r} is not one of {STATUSES}"
            )
        infos.append(
            CountryInfo(
                code=row["country"],
                alpha3=row["alpha3"],
                numeric=row["numeric"],
                name=row["name"],
                other_names=tuple(n for n in row["other_names"].split(";") if n),
                units=int(row["units"]),
                iso_keyed=int(row["iso_keyed"]),
                status=row["status"],
                as_of=row["as_of"],
                boundaries_path=path.parent.parent / row["boundaries"],
                places_path=path.parent.parent / row["places"],
            )
        )
    return tuple(infos)


@lru_cache(maxsize=4)
def _index(data_dir: Path) -> tuple[tuple[CountryInfo, ...], dict[str, CountryInfo]]:
    infos = _read_index(data_dir / INDEX_NAME)
    owners: dict[str, set[str]] = {}
    by_code = {info.code: info for info in infos}
    for info in infos:
        for name in info.names():
            if key := _key(name):
                owners.setdefault(key, set()).add(info.code)
    # A name two countries share ("Congo") names neither: the caller must say which.
    lookup = {key: by_code[codes.pop()] for key, codes in owners.items() if len(codes) == 1}
    return infos, lookup


def _key(text: str) -> str:
    key = normalise(text)
    # ACLED writes numeric codes without leading zeros ("4" for Afghanistan's "004").
    return (key.lstrip("0") or key) if key.isdigit() else key


def available_countries(data_dir: Path = DATA_DIR) -> tuple[CountryInfo, ...]:
    """Every built-in country, sorted by ISO code; reads only the index."""
    return _index(Path(data_dir))[0]


def country_info(country: str, data_dir: Path = DATA_DIR) -> CountryInfo:
    """The built-in country that ``country`` names: an ISO alpha-2, alpha-3 or numeric code,
    or a name (any case, with or without diacritics).

    Raises UnknownCountryError, with suggestions, when no built-in country has that name.
    """
    infos, lookup = _index(Path(data_dir))
    info = lookup.get(_key(str(country)))
    if info is not None:
        return info
    choices = {key: key for key in lookup if not key.isdigit()}
    hits = process.extract(
        normalise(str(country)),
        choices,
        scorer=fuzz.WRatio,
        limit=10,
        score_cutoff=SUGGESTION_CUTOFF,
    )
    suggestions: list[str] = []
    for key, _, _ in hits:
        label = f"{lookup[key].name} ({lookup[key].code})"
        if label not in suggestions:
            suggestions.append(label)
    hint = f" Did you mean {', '.join(suggestions[:MAX_SUGGESTIONS])}?" if suggestions else ""
    raise UnknownCountryError(
        f"no built-in units for {country!r}.{hint} {len(infos)} countries are built in"
        " (available_countries() lists them, by ISO 3166-1 code or name); for any other, upload"
        " a boundary file on the Your data page."
    )


@dataclass(frozen=True)
class Recognised:
    """The built-in country a table's place names belong to, and how many of them do."""

    country: CountryInfo
    matched: int  # distinct names that spell one of this country's units
    names: int  # distinct names looked at


# A majority: the rest are then reported with suggestions from that country's own units.
RECOGNISED_SHARE = 0.5


def recognise_country(
    names: Iterable[str], data_dir: Path = DATA_DIR, *, share: float = RECOGNISED_SHARE
) -> Recognised | None:
    """The one built-in country whose units at least ``share`` of the distinct ``names``
    spell exactly (after ``normalise``), or None.

    Only names that spell one country's units count: one several countries share
    ("Punjab", "Central", "Northern") says nothing of which (a table of Afghanistan's
    regions, Central, Eastern, Northern..., would otherwise look like Zambia's provinces).
    The winner must match more names than any other country, and at least two unless only
    one name is given. Suggestions are not matches: a misspelt table is not recognised here.

    >>> found = recognise_country(["Khartoum", "North Darfur", "Kassala", "Atlantis"])
    >>> found.country.name, found.matched, found.names
    ('Sudan', 3, 4)
    >>> recognise_country(["Punjab"]) is None  # India's and Pakistan's
    True
    """
    keys = {key for name in names if (key := normalise(str(name)))}
    if not keys:
        return None
    index = _spellings(Path(data_dir))
    counts: dict[str, int] = {}
    for key in keys:
        owners = index.get(key, ())
        if len(owners) == 1:
            (code,) = owners
            counts[code] = counts.get(code, 0) + 1
    if not counts:
        return None
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    code, matched = ranked[0]
    if len(ranked) > 1 and ranked[1][1] == matched:
        return None
    if matched < min(2, len(keys)) or matched < share * len(keys):
        return None
    return Recognised(country_info(code, data_dir), matched, len(keys))


@lru_cache(maxsize=2)
def _spellings(data_dir: Path) -> dict[str, frozenset[str]]:
    """Every built-in unit's code and spellings, normalised, to the countries that have it.

    Read from the countries' place registries with the csv module (about 0.1 s for all of
    them), not built into registries: only exact keys are needed here.
    """
    index: dict[str, set[str]] = {}
    for info in available_countries(data_dir):
        with info.places_path.open(newline="", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                spellings = [row["code"], row["name"], row.get("iso_name") or ""]
                spellings += (row.get("aliases") or "").split(";")
                for spelling in spellings:
                    if key := normalise(spelling):
                        index.setdefault(key, set()).add(info.code)
    return {key: frozenset(codes) for key, codes in index.items()}


def country_boundaries(country: str, data_dir: Path = DATA_DIR) -> gpd.GeoDataFrame:
    """The country's first-level units: one valid polygon per code, in EPSG:4326."""
    return load_boundaries(country_info(country, data_dir).boundaries_path)


def country_registry(country: str, data_dir: Path = DATA_DIR) -> PlaceRegistry:
    """The country's place registry: codes, names and every known spelling of its units."""
    return load_place_registry(country_info(country, data_dir).places_path)


def country_boundary_metadata(country: str, data_dir: Path = DATA_DIR) -> dict[str, Any]:
    """Where the country's boundaries came from: source, licence, credit, checksums, vintage."""
    return load_boundary_metadata(country_info(country, data_dir).boundaries_path)


def acled_country(country: str, iso: str = "", data_dir: Path = DATA_DIR) -> CountryInfo:
    """The built-in country of an ACLED row, from its ``iso`` (numeric) or ``country`` cell.

    The code is tried first (names change, "Turkey" and "Türkiye"); then the name. Raises
    UnknownCountryError with the name's reason (and suggestions) when neither is built in.

    >>> acled_country("Pakistan", "586").code, acled_country("Sudan").code
    ('PK', 'SD')
    """
    if iso.strip():
        try:
            return country_info(iso.strip(), data_dir)
        except UnknownCountryError:
            pass
    if not country.strip():
        raise UnknownCountryError(
            "the row names no country (its country and iso cells are empty); ACLED exports "
            "name one on every row"
        )
    return country_info(country, data_dir)


@dataclass(frozen=True)
class Region:
    """The units of one or more built-in countries, on one map."""

    countries: tuple[CountryInfo, ...]
    # Every country's units; a name two countries share is matched by neither here, only
    # in its own country's registry (``registries``).
    registry: PlaceRegistry
    registries: dict[str, PlaceRegistry]
    # code, name, country (ISO alpha-2 of the unit's country), geometry; EPSG:4326.
    boundaries: gpd.GeoDataFrame
    boundary_meta: dict[str, Any]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(info.code for info in self.countries)

    @property
    def name(self) -> str:
        """ "Sudan", "Afghanistan and Pakistan", "Chad, Mali and Niger"."""
        return _and([info.name for info in self.countries])

    @property
    def out_of_date(self) -> tuple[CountryInfo, ...]:
        """The countries whose units differ from ISO 3166-2's first level today."""
        return tuple(info for info in self.countries if not info.current)


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def region(codes: Iterable[str], data_dir: Path = DATA_DIR) -> Region:
    """The built-in units of the countries ``codes`` names (any names ``country_info``
    takes), in the order given, each unit tagged with its country.

    Unit codes are unique across countries (ISO 3166-2 codes carry the country's prefix,
    the source's own codes its alpha-3), so one registry and one map hold them all.
    """
    infos: list[CountryInfo] = []
    for code in codes:
        info = country_info(code, data_dir)
        if info not in infos:
            infos.append(info)
    if not infos:
        raise ValueError("a region needs at least one country")
    registries = {info.code: load_place_registry(info.places_path) for info in infos}
    frames = []
    for info in infos:
        units = load_boundaries(info.boundaries_path)[["code", "name", "geometry"]]
        frames.append(units.assign(country=info.code)[["code", "name", "country", "geometry"]])
    boundaries = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:4326")
    registry = PlaceRegistry(
        (place for reg in registries.values() for code in reg.codes for place in [reg.place(code)]),
        drop_shared=True,
    )
    return Region(
        countries=tuple(infos),
        registry=registry,
        registries=registries,
        boundaries=boundaries,
        boundary_meta=_region_meta(infos),
    )


def _region_meta(infos: list[CountryInfo]) -> dict[str, Any]:
    """What the map says about the region's boundaries: their credit and, for countries
    whose units are not today's, their vintage."""
    metas = [load_boundary_metadata(info.boundaries_path) for info in infos]
    credits = list(dict.fromkeys(str(m.get("credit", "")) for m in metas if m.get("credit")))
    old = [info for info in infos if not info.current]
    meta: dict[str, Any] = {
        "credit": "; ".join(credits),
        "countries": [info.code for info in infos],
        "status": "differs" if old else "current",
    }
    if old:
        meta["as_of"] = "; ".join(sorted({info.as_of for info in old}))
        meta["out_of_date"] = [info.name for info in old]
    if len(metas) == 1:
        meta = {**metas[0], **meta}
    return meta


def vintage_caption(meta: dict[str, Any]) -> str:
    """The map's note on boundaries that are not today's ("" when they are, or unknown).

    >>> vintage_caption({"status": "differs", "as_of": "2012-2013", "out_of_date": ["Sudan"]})
    "Boundaries of Sudan as of 2012-2013: some units differ from today's (ISO 3166-2)."
    >>> vintage_caption({"status": "current", "as_of": "2012-2013"})
    ''
    """
    if meta.get("status") != "differs":
        return ""
    names = [str(n) for n in meta.get("out_of_date", [])]
    whose = f"Boundaries of {_and(names)}" if names else "Boundaries"
    as_of = f" as of {meta['as_of']}" if meta.get("as_of") else ""
    return f"{whose}{as_of}: some units differ from today's (ISO 3166-2)."


# How far around a map's units its neighbours are drawn, as a share of the units' extent
# (at least CONTEXT_MIN_PAD degrees): about what a frame shows beside a fitted country.
CONTEXT_PAD = 0.25
CONTEXT_MIN_PAD = 1.0
# Neighbours are outlines for orientation only: simplified hard, to cost few bytes.
CONTEXT_TOLERANCE = 0.02


@lru_cache(maxsize=4)
def _extents(data_dir: Path) -> dict[str, tuple[float, float, float, float]]:
    import pyogrio  # geopandas' own reader; only the files' extents are read here

    return {
        info.code: tuple(
            pyogrio.read_info(info.boundaries_path, force_total_bounds=True)["total_bounds"]
        )
        for info in available_countries(data_dir)
    }


@lru_cache(maxsize=32)
def neighbours(codes: tuple[str, ...], data_dir: Path = DATA_DIR) -> gpd.GeoDataFrame:
    """The countries around the units of ``codes``, as outlines clipped to the area a map of
    them shows: ``country``, ``name``, ``label_lon``/``label_lat`` (a point inside for its
    name) and ``geometry``. For context only: they are no one's data.
    """
    from shapely.geometry import box

    extents = _extents(Path(data_dir))
    inside = [country_info(code, data_dir).code for code in codes]
    west = min(extents[c][0] for c in inside)
    south = min(extents[c][1] for c in inside)
    east = max(extents[c][2] for c in inside)
    north = max(extents[c][3] for c in inside)
    pad = max(CONTEXT_MIN_PAD, CONTEXT_PAD * max(east - west, north - south))
    frame = box(west - pad, south - pad, east + pad, north + pad)
    rows = []
    for info in available_countries(data_dir):
        if info.code in inside:
            continue
        w, s, e, n = extents[info.code]
        if not frame.intersects(box(w, s, e, n)):
            continue
        outline = load_boundaries(info.boundaries_path).geometry.union_all()
        shown = outline.intersection(frame).simplify(CONTEXT_TOLERANCE)
        if shown.is_empty or shown.area < 1e-4:
            continue
        point = shown.representative_point()
        rows.append((info.code, info.name, round(point.x, 3), round(point.y, 3), shown))
    columns = ["country", "name", "label_lon", "label_lat", "geometry"]
    frame_rows = pd.DataFrame(rows, columns=columns)
    return gpd.GeoDataFrame(frame_rows, geometry="geometry", crs="EPSG:4326")

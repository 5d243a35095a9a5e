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
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
from rapidfuzz import fuzz, process

from geo.model.boundaries import load_boundaries, load_boundary_metadata
from geo.model.places import PlaceRegistry, load_place_registry, normalise
from geo.paths import DATA_DIR

INDEX_NAME = "countries/index.csv"
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


def country_boundaries(country: str, data_dir: Path = DATA_DIR) -> gpd.GeoDataFrame:
    """The country's first-level units: one valid polygon per code, in EPSG:4326."""
    return load_boundaries(country_info(country, data_dir).boundaries_path)


def country_registry(country: str, data_dir: Path = DATA_DIR) -> PlaceRegistry:
    """The country's place registry: codes, names and every known spelling of its units."""
    return load_place_registry(country_info(country, data_dir).places_path)


def country_boundary_metadata(country: str, data_dir: Path = DATA_DIR) -> dict[str, Any]:
    """Where the country's boundaries came from: source, licence, credit, checksums, vintage."""
    return load_boundary_metadata(country_info(country, data_dir).boundaries_path)

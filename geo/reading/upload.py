"""The whole path of an uploaded claims table: read, recognise, convert or map, validate.

The upload page, the corpus tests and the benchmark all call :func:`load_upload`, so what a
user sees is what is tested. Every data row of the file ends up either among the loaded
claims or in :meth:`UploadResult.rejected_table`, with its row number and reasons.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from geo.model.claims import ClaimsLoad, ProgressCallback, validate_claims
from geo.model.countries import (
    RECOGNISED_SHARE,
    Region,
    acled_country,
    recognise_country,
    region,
)
from geo.model.places import PlaceRegistry, RegistryError, Suggestion, normalise
from geo.model.problems import Problem
from geo.model.sources import SOURCE_COLUMNS
from geo.reading.acled import FIELD_SOURCES, CountryScope, acled_to_claims, export_countries
from geo.reading.ingest import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ROWS,
    TableKind,
    TableRead,
    detect_kind,
    read_table_bytes,
)
from geo.reading.mapping import ColumnMapping, apply_mapping, guess_mapping, relabel_problems

# How fast uploads are read and checked, measured on a 2-core server with 50 MB files: a
# table in this project's format about 12 MB a second, an ACLED export (converted row by
# row) about 3.5 MB a second, an .xlsx workbook about 0.25 MB a second of its zipped size.
_CSV_BYTES_PER_SECOND = 3_500_000  # the slower CSV kind, ACLED
_XLSX_BYTES_PER_SECOND = 250_000


def expected_seconds(data: bytes) -> float:
    """Roughly how long :func:`load_upload` will take on these bytes (at worst, for CSV).

    >>> round(expected_seconds(b"x" * 7_000_000), 1), expected_seconds(b"PK" + b"x" * 249_998)
    (2.0, 1.0)
    """
    rate = _XLSX_BYTES_PER_SECOND if _zipped(data) else _CSV_BYTES_PER_SECOND
    return len(data) / rate


def _zipped(data: bytes) -> bool:
    # .xlsx files are ZIP archives; anything else that is one is refused before it is read.
    return data.startswith(b"PK")


def _part(progress: ProgressCallback | None, start: float, end: float) -> ProgressCallback | None:
    """A callback for one step of the work, reporting its share of [start, end]."""
    if progress is None:
        return None
    return lambda done: progress(start + (end - start) * done)


@dataclass
class UploadResult:
    """What became of one uploaded file."""

    name: str
    read: TableRead
    kind: TableKind
    load: ClaimsLoad
    sources: pd.DataFrame
    places: PlaceRegistry
    mapping: ColumnMapping | None = None
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # The built-in countries an ACLED export's rows were mapped onto, when it was.
    region: Region | None = None
    # An export of several countries: the admin1 names that matched no unit of their row's
    # own country, by (country code, name), with suggestions among that country's units.
    unmatched_in_countries: dict[tuple[str, str], tuple[Suggestion, ...]] = field(
        default_factory=dict
    )

    @property
    def warnings(self) -> list[str]:
        """Signs that the file's text was decoded wrongly, to show more plainly than notes."""
        return self.read.warnings

    # Cached: the Your data page keeps one result across its reruns and reads these often.
    @cached_property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @cached_property
    def file_errors(self) -> list[Problem]:
        """Errors about the whole file or mapping, not one row (say, an unmapped field)."""
        return [p for p in self.errors if p.row is None]

    @cached_property
    def rejected_count(self) -> int:
        return len({p.row for p in self.errors if p.row is not None})

    def unmatched_places(self) -> dict[str, tuple[Suggestion, ...]]:
        """Each place name that matched no place, with its suggestions (fixable by alias).

        Spellings that differ only in what matching ignores ("Central", "CENTRAL") are one
        name, listed as first written: a fix of one is a fix of both, and two different
        fixes of them could not both hold.
        """
        out: dict[str, tuple[Suggestion, ...]] = {}
        seen: set[str] = set()
        for problem in self.load.errors:
            if problem.column == "province" and problem.value:
                key = normalise(problem.value)
                if key not in seen:
                    seen.add(key)
                    out[problem.value] = self.places.match(problem.value).suggestions
        return out

    def unmatched_by_country(self) -> dict[str, dict[str, tuple[Suggestion, ...]]]:
        """An export of several countries: per country code, each admin1 name that matched
        none of that country's units, with its suggestions (fixable by ``country_aliases``).
        The same name can be unmatched in two countries, and is fixed in each on its own;
        within a country, spellings are listed once as in :meth:`unmatched_places`."""
        out: dict[str, dict[str, tuple[Suggestion, ...]]] = {}
        seen: set[tuple[str, str]] = set()
        for (country, name), suggestions in self.unmatched_in_countries.items():
            if (country, normalise(name)) not in seen:
                seen.add((country, normalise(name)))
                out.setdefault(country, {})[name] = suggestions
        return out

    def rejected_table(self) -> pd.DataFrame:
        """Every rejected row as it was in the file, with its row number and all its reasons."""
        reasons: dict[int, list[str]] = {}
        for p in self.errors:
            if p.row is not None:
                reasons.setdefault(p.row, []).append(str(p))
        columns = [str(c) for c in self.read.frame.columns]
        by_row = dict(zip(self.read.row_numbers, range(len(self.read.frame)), strict=True))
        bad = dict(self.read.bad_rows)
        records = []
        for row in sorted(reasons):
            if row in by_row:
                cells = [str(v) for v in self.read.frame.iloc[by_row[row]].tolist()]
            else:
                cells = list(bad.get(row, []))
            record: dict[str, str | int] = {"row": row, "problems": "; ".join(reasons[row])}
            record.update(dict.fromkeys(columns, ""))  # a short row's missing cells
            for i, value in enumerate(cells):
                record[columns[i] if i < len(columns) else f"(extra field {i + 1})"] = value
            records.append(record)
        return pd.DataFrame(records, columns=["row", "problems", *columns])


def load_upload(
    name: str,
    data: bytes,
    *,
    places: PlaceRegistry,
    source_ids: Collection[str],
    extra_sources: pd.DataFrame | None = None,
    mapping: ColumnMapping | None = None,
    aliases: Mapping[str, str] | None = None,
    country_aliases: Mapping[str, Mapping[str, str]] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
    sheet: str | None = None,
    encoding: str | None = None,
    progress: ProgressCallback | None = None,
    built_in_countries: bool = False,
) -> UploadResult:
    """Read and check an uploaded claims table; raises ``UnreadableFile`` for non-tables.

    ``mapping`` is used for tables in neither the project's format nor ACLED's (guessed
    from the column names when not given); ``aliases`` (spelling -> place code) are the
    user's own fixes for place names; ``country_aliases`` (country code -> spelling -> code)
    those for one country's rows of an export that spans several (see
    :meth:`UploadResult.unmatched_by_country`). ``extra_sources`` are sources the user brought.
    ``encoding`` reads a text file in that encoding instead of the detected one.
    ``progress`` is told the share of the work done, from 0 to 1, as it goes.
    ``built_in_countries``: map an ACLED export onto the built-in units of the countries its
    rows name (``country``/``iso``) instead of onto ``places`` (see :attr:`UploadResult.region`).
    """
    # The steps' shares of the bar follow their measured times (see _CSV_BYTES_PER_SECOND):
    # reading dominates a workbook, reading and converting an ACLED export.
    read_share = 0.9 if _zipped(data) else 0.5
    read = read_table_bytes(
        name,
        data,
        max_bytes=max_bytes,
        max_rows=max_rows,
        sheet=sheet,
        encoding=encoding,
        progress=_part(progress, 0.0, read_share),
    )
    kind = detect_kind([str(c) for c in read.frame.columns])
    problems = list(read.problems)
    notes = list(read.notes)
    known = set(source_ids)
    sources = pd.DataFrame(columns=list(SOURCE_COLUMNS))
    if extra_sources is not None:
        sources = extra_sources.reindex(columns=list(SOURCE_COLUMNS), fill_value="")
        known |= set(sources["source_id"])
    given = dict(aliases or {})
    if built_in_countries:
        # Fixes for the units of an export's own countries apply to those (below), not here.
        given = {s: c for s, c in given.items() if c in places}
    registry = places.with_aliases(given) if given else places
    used_mapping: ColumnMapping | None = None
    field_columns: Mapping[str, str] = {}
    checked_from = read_share
    scope: CountryScope | None = None
    found_region: Region | None = None
    unmatched_in: dict[tuple[str, str], tuple[Suggestion, ...]] = {}
    if kind == "acled":
        checked_from = read_share + (1 - read_share) * 0.9
        if built_in_countries:
            found = _export_region(read.frame, aliases or {}, country_aliases or {})
            if found is not None:
                found_region, scope, note = found
                registry = found_region.registry
                if aliases:
                    registry = registry.with_aliases(
                        {s: c for s, c in aliases.items() if c in registry}
                    )
                notes.append(note)
        converted = acled_to_claims(
            read.frame,
            read.row_numbers,
            scope=scope,
            progress=_part(progress, read_share, checked_from),
        )
        problems += converted.problems
        notes += converted.notes
        sources = pd.concat([sources, converted.sources], ignore_index=True)
        known |= set(converted.sources["source_id"])
        claims, numbers = converted.claims, converted.claim_row_numbers
        unmatched_in = converted.unmatched
        field_columns = FIELD_SOURCES
    elif kind == "claims":
        claims, numbers = read.frame, read.row_numbers
    else:
        used_mapping = mapping or guess_mapping([str(c) for c in read.frame.columns])
        mapped = apply_mapping(read.frame, used_mapping, read.row_numbers)
        problems += mapped.problems
        claims, numbers = mapped.claims, read.row_numbers
        field_columns = used_mapping.columns
    if kind != "acled" and built_in_countries and "province" in claims.columns:
        recognised = _table_region(claims["province"], registry)
        if recognised is not None:
            found_region, note = recognised
            registry = found_region.registry
            if aliases:
                registry = registry.with_aliases(
                    {s: c for s, c in aliases.items() if c in registry}
                )
            notes.append(note)
    load = validate_claims(
        claims,
        places=registry,
        source_ids=known,
        row_numbers=numbers,
        progress=_part(progress, checked_from, 1.0),
    )
    problems += relabel_problems(load.problems, field_columns) if field_columns else load.problems
    notes += [str(p) for p in problems if p.severity == "note"]
    used_region = found_region if scope is not None or kind != "acled" else None
    if used_region is not None and used_region.out_of_date and load.errors:
        notes.append(_vintage_note(used_region, load.errors))
    return UploadResult(
        name,
        read,
        kind,
        load,
        sources,
        registry,
        used_mapping,
        problems,
        notes,
        used_region,
        unmatched_in,
    )


def lasting_fixes(
    places: PlaceRegistry,
    aliases: Mapping[str, str],
    country_aliases: Mapping[str, Mapping[str, str]],
) -> dict[str, str]:
    """The user's fixes a saved dataset keeps with its one registry of ``places``: those that
    there still name the unit they were made for.

    Left out: a spelling fixed to different units in two countries of one export (each
    country's own "Central"), and one that names another unit there ("Kandahar" fixed for
    Pakistan's rows is Afghanistan's Kandahar), which kept would name neither unit, or take
    the name from its own unit.

    >>> from geo.model.places import Place
    >>> places = PlaceRegistry([Place("AF-KAN", "Kandahar"), Place("PK-SD", "Sindh")])
    >>> lasting_fixes(places, {}, {"AF": {"Central": "AF-KAN"}, "PK": {"Central": "PK-SD",
    ...     "Sindhh": "PK-SD", "Kandahar": "PK-SD"}})
    {'Sindhh': 'PK-SD'}
    """
    fixes = [*aliases.items(), *(f for fixed in country_aliases.values() for f in fixed.items())]
    codes: dict[str, set[str]] = {}
    for text, code in fixes:
        codes.setdefault(text, set()).add(code)
    kept: dict[str, str] = {}
    for text, code in fixes:
        if len(codes[text]) > 1 or text in kept or places.exact(text) not in (None, code):
            continue
        try:
            if places.with_aliases({**kept, text: code}).exact(text) == code:
                kept[text] = code
        except RegistryError:  # the code is not among these places
            continue
    return kept


def _resolve(country: str, iso: str) -> str:
    return acled_country(country, iso).code


def _export_region(
    frame: pd.DataFrame,
    aliases: Mapping[str, str],
    country_aliases: Mapping[str, Mapping[str, str]],
) -> tuple[Region, CountryScope, str] | None:
    """The built-in countries an ACLED export's rows are about, and the note saying so;
    None when it names none of them. Each country's units take the fixes that name one of
    them, and that country's own."""
    known, unknown = export_countries(frame, _resolve)
    if not known:
        return None
    # The country with the most rows first: it names a one-country view.
    found = region(sorted(known, key=lambda c: (-known[c], c)))

    def fixed(code: str) -> PlaceRegistry:
        own = found.registries[code]
        mine = {s: c for s, c in aliases.items() if c in own}
        mine |= {s: c for s, c in country_aliases.get(code, {}).items() if c in own}
        return own.with_aliases(mine) if mine else own

    scope = CountryScope(
        resolve=_resolve,
        registries={info.code: fixed(info.code) for info in found.countries},
        names={info.code: info.name for info in found.countries},
        as_of={info.code: info.as_of for info in found.out_of_date},
    )
    listed = ", ".join(
        f"{info.name} ({known[info.code]} row{'s' if known[info.code] != 1 else ''})"
        for info in found.countries
    )
    note = f"countries recognised in the export's country and iso columns: {listed}"
    if unknown:
        note += "; without built-in units: " + ", ".join(repr(c) for c in sorted(unknown))
    note += f". Its rows are mapped onto the built-in units of {found.name}."
    return found, scope, note


# Distinct place names looked at to recognise a table's country: enough to tell, and a
# bound on the work for a file of a million different names.
RECOGNISE_NAMES = 10_000


def _table_region(provinces: pd.Series, current: PlaceRegistry) -> tuple[Region, str] | None:
    """The built-in country whose units a table's own place names are, when most of them are
    not ``current``'s (a Sudan table uploaded while Afghanistan is shown), and the note
    saying so; None when they are ``current``'s or no one country's."""
    names: list[str] = []
    for value in provinces.dropna().unique():
        if text := str(value).strip():
            names.append(text)
            if len(names) == RECOGNISE_NAMES:
                break
    if not names:
        return None
    known = sum(current.exact(name) is not None for name in names)
    if known >= RECOGNISED_SHARE * len(names):
        return None
    found = recognise_country(names)
    if found is None or found.matched <= known:
        return None
    name = found.country.name
    note = (
        f"the place names in the table are {name}'s units ({found.matched} of {found.names} "
        f"distinct names match exactly), not the map's: its rows are mapped onto the built-in "
        f"units of {name}."
    )
    return region([found.country.code]), note


def _vintage_note(found: Region, errors: Collection[Problem]) -> str:
    names = ", ".join(f"{info.name} ({info.as_of})" for info in found.out_of_date)
    return (
        f"{len(errors)} row(s) name places that match no built-in unit. The built-in units of "
        f"{names} are not today's: if the file uses newer ones, upload a current boundary "
        "file for the country above; a name is never assigned to an old unit by guesswork."
    )

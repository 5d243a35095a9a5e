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
from geo.model.places import PlaceRegistry, Suggestion
from geo.model.problems import Problem
from geo.model.sources import SOURCE_COLUMNS
from geo.reading.acled import FIELD_SOURCES, acled_to_claims
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
        """Each place name that matched no place, with its suggestions (fixable by alias)."""
        out: dict[str, tuple[Suggestion, ...]] = {}
        for problem in self.load.errors:
            if problem.column == "province" and problem.value and problem.value not in out:
                out[problem.value] = self.places.match(problem.value).suggestions
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
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
    sheet: str | None = None,
    encoding: str | None = None,
    progress: ProgressCallback | None = None,
) -> UploadResult:
    """Read and check an uploaded claims table; raises ``UnreadableFile`` for non-tables.

    ``mapping`` is used for tables in neither the project's format nor ACLED's (guessed
    from the column names when not given); ``aliases`` (spelling -> place code) are the
    user's own fixes for place names. ``extra_sources`` are sources the user brought.
    ``encoding`` reads a text file in that encoding instead of the detected one.
    ``progress`` is told the share of the work done, from 0 to 1, as it goes.
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
    registry = places.with_aliases(dict(aliases)) if aliases else places
    used_mapping: ColumnMapping | None = None
    field_columns: Mapping[str, str] = {}
    checked_from = read_share
    if kind == "acled":
        checked_from = read_share + (1 - read_share) * 0.9
        converted = acled_to_claims(
            read.frame, read.row_numbers, progress=_part(progress, read_share, checked_from)
        )
        problems += converted.problems
        notes += converted.notes
        sources = pd.concat([sources, converted.sources], ignore_index=True)
        known |= set(converted.sources["source_id"])
        claims, numbers = converted.claims, converted.claim_row_numbers
        field_columns = FIELD_SOURCES
    elif kind == "claims":
        claims, numbers = read.frame, read.row_numbers
    else:
        used_mapping = mapping or guess_mapping([str(c) for c in read.frame.columns])
        mapped = apply_mapping(read.frame, used_mapping, read.row_numbers)
        problems += mapped.problems
        claims, numbers = mapped.claims, read.row_numbers
        field_columns = used_mapping.columns
    load = validate_claims(
        claims,
        places=registry,
        source_ids=known,
        row_numbers=numbers,
        progress=_part(progress, checked_from, 1.0),
    )
    problems += relabel_problems(load.problems, field_columns) if field_columns else load.problems
    notes += [str(p) for p in problems if p.severity == "note"]
    return UploadResult(name, read, kind, load, sources, registry, used_mapping, problems, notes)

"""The whole path of an uploaded claims table: read, recognise, convert or map, validate.

The upload page, the corpus tests and the benchmark all call :func:`load_upload`, so what a
user sees is what is tested. Every data row of the file ends up either among the loaded
claims or in :meth:`UploadResult.rejected_table`, with its row number and reasons.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import pandas as pd

from geo.acled import FIELD_SOURCES, acled_to_claims
from geo.claims import ClaimsLoad, validate_claims
from geo.ingest import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ROWS,
    TableKind,
    TableRead,
    detect_kind,
    read_table_bytes,
)
from geo.mapping import ColumnMapping, apply_mapping, guess_mapping, relabel_problems
from geo.places import PlaceRegistry, Suggestion
from geo.problems import Problem
from geo.sources import SOURCE_COLUMNS


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
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def file_errors(self) -> list[Problem]:
        """Errors about the whole file or mapping, not one row (say, an unmapped field)."""
        return [p for p in self.errors if p.row is None]

    @property
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
            for i, value in enumerate(cells):
                record[columns[i] if i < len(columns) else f"(extra field {i + 1})"] = value
            records.append(record)
        return pd.DataFrame(records, columns=["row", "problems", *columns]).fillna("")


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
) -> UploadResult:
    """Read and check an uploaded claims table; raises ``UnreadableFile`` for non-tables.

    ``mapping`` is used for tables in neither the project's format nor ACLED's (guessed
    from the column names when not given); ``aliases`` (spelling -> place code) are the
    user's own fixes for place names. ``extra_sources`` are sources the user brought.
    """
    read = read_table_bytes(name, data, max_bytes=max_bytes, max_rows=max_rows, sheet=sheet)
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
    if kind == "acled":
        converted = acled_to_claims(read.frame, read.row_numbers)
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
    load = validate_claims(claims, places=registry, source_ids=known, row_numbers=numbers)
    problems += relabel_problems(load.problems, field_columns) if field_columns else load.problems
    notes += [str(p) for p in problems if p.severity == "note"]
    return UploadResult(name, read, kind, load, sources, registry, used_mapping, problems, notes)

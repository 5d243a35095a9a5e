"""The sources table: one row per source document that claims cite."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from geo.model.claims import read_table
from geo.model.dates import parse_date
from geo.model.problems import FIRST_DATA_ROW, Problem
from geo.paths import DATA_DIR

DEFAULT_SOURCES_CSV = DATA_DIR / "sources.csv"

SOURCE_COLUMNS = (
    "source_id",
    "title",
    "publisher",
    "author",
    "published",
    "kind",
    "url",
    "speaker",
    "reliability_note",
    "file",
)
REQUIRED_SOURCE_COLUMNS = ("source_id", "title", "publisher", "published", "kind")


@dataclass
class SourcesLoad:
    sources: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)

    @property
    def ids(self) -> set[str]:
        return set(self.sources["source_id"])


def load_sources(path: Path = DEFAULT_SOURCES_CSV) -> SourcesLoad:
    """Load and check the sources table; rows with problems are reported, the rest load."""
    return validate_sources(read_table(path))


def validate_sources(raw: pd.DataFrame, row_numbers: Sequence[int] | None = None) -> SourcesLoad:
    """Check a sources table (all cells text); ``row_numbers`` as in ``validate_claims``."""
    missing = [c for c in REQUIRED_SOURCE_COLUMNS if c not in raw.columns]
    if missing:
        problem = Problem(
            None,
            ", ".join(missing),
            "",
            f"required column(s) missing; the header must name: {', '.join(SOURCE_COLUMNS)}",
        )
        return SourcesLoad(pd.DataFrame(columns=list(SOURCE_COLUMNS)), [problem])
    raw = raw.reset_index(drop=True).reindex(columns=list(SOURCE_COLUMNS), fill_value="")
    numbers = (
        list(row_numbers)
        if row_numbers is not None
        else [p + FIRST_DATA_ROW for p in range(len(raw))]
    )
    problems: list[Problem] = []
    keep: list[int] = []
    seen: dict[str, int] = {}
    for position, (row, record) in enumerate(zip(numbers, raw.to_dict("records"), strict=True)):
        found = []
        for column in REQUIRED_SOURCE_COLUMNS:
            if not str(record[column]).strip():
                found.append(Problem(row, column, "", f"{column} is empty; every source needs one"))
        sid = str(record["source_id"]).strip()
        if sid in seen:
            found.append(
                Problem(row, "source_id", sid, f"duplicate id: row {seen[sid]} already uses it")
            )
        seen.setdefault(sid, row)
        if str(record["published"]).strip():
            try:
                parse_date(record["published"])
            except ValueError as exc:
                found.append(Problem(row, "published", record["published"], str(exc)))
        problems.extend(found)
        if not found:
            keep.append(position)
    sources = raw.iloc[keep].reset_index(drop=True)
    sources["published"] = [parse_date(v) for v in sources["published"]]
    return SourcesLoad(sources, problems)


def citation(source: pd.Series) -> str:
    """A full citation in one line: author, title, publisher, date (and URL if known)."""
    parts = [
        str(source.get("author") or "").strip(),
        f"\u201c{str(source['title']).strip()}\u201d",
        str(source.get("publisher") or "").strip(),
        str(source["published"]),
    ]
    text = ", ".join(p for p in parts if p)
    url = str(source.get("url") or "").strip()
    return f"{text}. {url}" if url else f"{text}."

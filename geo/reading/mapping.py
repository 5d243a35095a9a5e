"""Any other table: the user's columns mapped onto claim fields, or fixed values given.

A :class:`ColumnMapping` says, for each claim field, which of the user's columns holds it
(``columns``) or which value every row gets (``constants``, e.g. status "claimed"). It can
be saved as JSON and loaded again for the next file of the same shape.

:func:`guess_mapping` proposes a mapping from column names alone. A name is compared after
folding case and treating ``_ - . /`` as spaces, and must equal one of these (no fuzzy
matching, so a guess is easy to predict and to correct):

- claim_id: claim id, id, ref, reference, claim ref, claim no, record id, event id
- claimant: claimant, claimed by, claim by, source, reported by, said by, spokesperson,
  spokesman, speaker
- actor: actor, actor1, actor 1, who, group, armed group, perpetrator, party, force, forces
- claim_type: claim type, type, event type, category, activity type, activity
- province: province, admin1, admin 1, region, wilayat, velayat, province name, governorate,
  state, state region, oblast
- place: place, location, district, admin2, admin 2, village, area, locality, site
- location_precision: location precision, geo precision, place precision
- date_start: date start, start date, date, event date, from, date from, start, when, day
- date_end: date end, end date, to, date to, end, until
- date_precision: date precision, precision
- status: status, claim status, verification status
- source_id: source id, document, document id, source document, source ref
- locator: locator, url, link, page, section, paragraph, where in source
- quote: quote, quotation, excerpt, verbatim
- summary: summary, description, notes, note, details, comment, comments, narrative, text

"source" is read as the claimant (who reports the claim, as in ACLED exports), not as a
source id, which must name a row of the sources table. A link goes to the locator: it says
where the claim is made. No column is guessed for two fields.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from geo.model.claims import COLUMNS, REQUIRED_COLUMNS
from geo.model.problems import FIRST_DATA_ROW, Problem
from geo.model.vocab import CLAIM_TYPES, DATE_PRECISIONS, LOCATION_PRECISIONS, STATUSES

MAPPING_VERSION = 1
GENERATED_ID_PREFIX = "ROW-"


def _names(listing: str) -> tuple[str, ...]:
    return tuple(listing.split(", "))


# Kept in step with the list in the module docstring by tests/test_mapping.py.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "claim_id": _names("claim id, id, ref, reference, claim ref, claim no, record id, event id"),
    "claimant": _names(
        "claimant, claimed by, claim by, source, reported by, said by, spokesperson, "
        "spokesman, speaker"
    ),
    "actor": _names(
        "actor, actor1, actor 1, who, group, armed group, perpetrator, party, force, forces"
    ),
    "claim_type": _names("claim type, type, event type, category, activity type, activity"),
    "province": _names(
        "province, admin1, admin 1, region, wilayat, velayat, province name, governorate, "
        "state, state region, oblast"
    ),
    "place": _names("place, location, district, admin2, admin 2, village, area, locality, site"),
    "location_precision": _names("location precision, geo precision, place precision"),
    "date_start": _names(
        "date start, start date, date, event date, from, date from, start, when, day"
    ),
    "date_end": _names("date end, end date, to, date to, end, until"),
    "date_precision": _names("date precision, precision"),
    "status": _names("status, claim status, verification status"),
    "source_id": _names("source id, document, document id, source document, source ref"),
    "locator": _names("locator, url, link, page, section, paragraph, where in source"),
    "quote": _names("quote, quotation, excerpt, verbatim"),
    "summary": _names(
        "summary, description, notes, note, details, comment, comments, narrative, text"
    ),
}

_VOCABULARIES = {
    "claim_type": CLAIM_TYPES,
    "status": STATUSES,
    "date_precision": DATE_PRECISIONS,
    "location_precision": LOCATION_PRECISIONS,
}
_SEPARATORS = re.compile(r"[\s_\-./]+")
_PUNCTUATION = re.compile(r"[^\w# ]+")


def normalise_name(name: str) -> str:
    """A column name as compared with the synonyms.

    >>> normalise_name("  Event_Date "), normalise_name("Claimed by:"), normalise_name("admin1")
    ('event date', 'claimed by', 'admin1')
    """
    spaced = _SEPARATORS.sub(" ", name.casefold())
    return " ".join(_PUNCTUATION.sub("", spaced).split())


@dataclass(frozen=True)
class ColumnMapping:
    """Claim field -> the user's column holding it, and claim field -> a value for all rows.

    A field is either mapped or fixed, not both. One column may feed two fields when the
    user says so (e.g. a group claiming its own actions is both claimant and actor).

    >>> m = ColumnMapping({"province": "Wilayat"}, {"status": "claimed"})
    >>> ColumnMapping.from_json(m.to_json()) == m
    True
    """

    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, part in (("columns", self.columns), ("constants", self.constants)):
            if not isinstance(part, dict):
                raise ValueError(f"{name} must map claim fields to text")
            for key, value in part.items():
                if key not in COLUMNS:
                    raise ValueError(
                        f"{key!r} is not a claim field; the fields are: {', '.join(COLUMNS)}"
                    )
                if not isinstance(value, str):
                    raise ValueError(f"{name}[{key!r}] must be text, not {value!r}")
                if name == "columns" and not value.strip():
                    raise ValueError(f"the column for {key} has no name; choose a column")
        both = sorted(set(self.columns) & set(self.constants))
        if both:
            raise ValueError(
                f"{', '.join(both)} is both mapped to a column and given a fixed value; choose one"
            )

    def to_json(self) -> str:
        """The mapping as JSON, to save and reuse for files of the same shape."""
        return json.dumps(
            {
                "version": MAPPING_VERSION,
                "columns": dict(sorted(self.columns.items())),
                "constants": dict(sorted(self.constants.items())),
            },
            indent=2,
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> ColumnMapping:
        """Read a mapping saved by :meth:`to_json`; ValueError says what is wrong with it.

        >>> ColumnMapping.from_json('{"version": 1, "columns": {"wilayat": "W"}}')
        Traceback (most recent call last):
        ...
        ValueError: 'wilayat' is not a claim field; the fields are: claim_id, claimant, ...
        """
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(
                f"the mapping is not valid JSON ({error}); use a file saved from this page"
            ) from error
        if not isinstance(data, dict):
            raise ValueError(
                "the mapping must be a JSON object with the keys version, columns and constants"
            )
        if "version" not in data:
            raise ValueError("the JSON has no 'version' key, so it is not a saved column mapping")
        if data["version"] != MAPPING_VERSION:
            raise ValueError(
                f"mapping version {data['version']!r} is not supported; this dashboard reads "
                f"version {MAPPING_VERSION}"
            )
        unknown = sorted(set(data) - {"version", "columns", "constants"})
        if unknown:
            raise ValueError(
                f"unknown key(s) {', '.join(map(repr, unknown))}; a mapping has only "
                "version, columns and constants"
            )
        columns, constants = data.get("columns", {}), data.get("constants", {})
        for name, part in (("columns", columns), ("constants", constants)):
            if not isinstance(part, dict):
                raise ValueError(f"{name} must be a JSON object of claim field -> text")
        return cls(dict(columns), dict(constants))


def guess_mapping(columns: Sequence[str]) -> ColumnMapping:
    """A first mapping from column names alone (see the table in the module docstring).

    When two columns fit one field, the one whose name comes first in that field's list
    wins; no column is used twice.

    >>> guess = guess_mapping(["Start date", "End date", "Wilayat", "Group", "Notes", "Date"])
    >>> guess.columns  # doctest: +NORMALIZE_WHITESPACE
    {'actor': 'Group', 'province': 'Wilayat', 'date_start': 'Start date',
     'date_end': 'End date', 'summary': 'Notes'}
    """
    names = {column: normalise_name(str(column)) for column in columns}
    used: set[str] = set()
    chosen: dict[str, str] = {}
    for claim_field in COLUMNS:
        for synonym in SYNONYMS[claim_field]:
            match = next((c for c, n in names.items() if n == synonym and c not in used), None)
            if match is not None:
                chosen[claim_field] = match
                used.add(match)
                break
    return ColumnMapping(chosen)


@dataclass
class MappedClaims:
    """The user's table as a claims table, and what is wrong with the mapping as a whole."""

    claims: pd.DataFrame
    # File-level: fields neither mapped nor fixed, mapped columns not in the file, ...
    problems: list[Problem] = field(default_factory=list)


def apply_mapping(
    frame: pd.DataFrame, mapping: ColumnMapping, row_numbers: Sequence[int] | None = None
) -> MappedClaims:
    """A text table with exactly the claims columns, filled as the mapping says.

    Unmapped optional fields are empty. A required field that is neither mapped nor fixed is
    empty too (so every row is reported) and reported once for the file. With no column for
    claim_id, each row gets the id "ROW-<its row number in the user's file>".

    >>> frame = pd.DataFrame({"Wilayat": ["Kabul"], "Extra": ["x"]})
    >>> result = apply_mapping(frame, ColumnMapping({"province": "Wilayat"}))
    >>> result.claims.loc[0, ["claim_id", "province", "status"]].tolist()
    ['ROW-2', 'Kabul', '']
    >>> [p.column for p in result.problems]  # doctest: +NORMALIZE_WHITESPACE
    ['claimant', 'actor', 'claim_type', 'date_start', 'date_precision', 'status',
     'source_id', 'locator', 'summary', 'Extra']
    """
    numbers = (
        list(row_numbers)
        if row_numbers is not None
        else [i + FIRST_DATA_ROW for i in range(len(frame))]
    )
    if len(numbers) != len(frame):
        raise ValueError(f"{len(numbers)} row numbers given for {len(frame)} rows")
    available = [str(c) for c in frame.columns]
    problems: list[Problem] = []
    out: dict[str, list[str]] = {}
    for claim_field in COLUMNS:
        column = mapping.columns.get(claim_field)
        if column is not None and column in frame.columns:
            out[claim_field] = [_text(v) for v in frame[column]]
            continue
        if column is not None:
            problems.append(
                Problem(
                    None,
                    claim_field,
                    column,
                    f"the column {column!r} chosen for {claim_field} is not in this file; its "
                    f"columns are: {', '.join(available)}",
                )
            )
        elif claim_field in mapping.constants:
            value = mapping.constants[claim_field]
            problems.extend(_check_constant(claim_field, value))
            out[claim_field] = [value] * len(frame)
            continue
        elif claim_field == "claim_id":
            out[claim_field] = [f"{GENERATED_ID_PREFIX}{n}" for n in numbers]
            continue
        elif claim_field in REQUIRED_COLUMNS:
            problems.append(
                Problem(
                    None,
                    claim_field,
                    "",
                    f"no column is mapped to {claim_field} and no fixed value is given; map a "
                    f"column to {claim_field} or give a fixed value (every claim needs one)",
                )
            )
        out[claim_field] = [""] * len(frame)
    unused = [c for c in available if c not in set(mapping.columns.values())]
    if unused:
        problems.append(
            Problem(
                None,
                ", ".join(unused),
                "",
                "not mapped to any claim field; ignored",
                "note",
            )
        )
    claims = pd.DataFrame(out, columns=list(COLUMNS), dtype=object)
    return MappedClaims(claims, problems)


def _check_constant(claim_field: str, value: str) -> list[Problem]:
    vocabulary = _VOCABULARIES.get(claim_field)
    if claim_field in REQUIRED_COLUMNS and not value.strip():
        return [Problem(None, claim_field, value, f"the fixed value for {claim_field} is empty")]
    if vocabulary is not None and value.strip().lower() not in vocabulary:
        return [
            Problem(
                None,
                claim_field,
                value,
                f"the fixed value for {claim_field} is not one of: {', '.join(vocabulary)}",
            )
        ]
    return []


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value)


def relabel_problems(
    problems: Iterable[Problem], field_columns: Mapping[str, str]
) -> list[Problem]:
    """Problems that name a claim field, renamed to the user's column that fed it.

    Use with ``mapping.columns`` or, for ACLED exports, ``geo.reading.acled.FIELD_SOURCES``.

    >>> problem = Problem(3, "province", "Kabol?", "unknown")
    >>> relabel_problems([problem], {"province": "Wilayat"})[0].column
    'Wilayat (province)'
    """
    out = []
    for problem in problems:
        column = problem.column
        if column in field_columns and field_columns[column] != column:
            column = f"{field_columns[column]} ({column})"
        out.append(Problem(problem.row, column, problem.value, problem.message, problem.severity))
    return out

"""ACLED event exports turned into claims, in memory; the user's file is never changed.

An ACLED event is what ACLED coded from the reports it names, so each converted event is a
claim *reported* by those sources. How each claim field is filled:

- claim_id: "ACLED-" + event_id_cnty
- claimant: source (who reported the event); "ACLED" if it is empty
- actor: the column :data:`SUB_EVENT_CLAIMS` names, actor1 for every converted event
- claim_type: from event_type and sub_event_type, by :data:`SUB_EVENT_CLAIMS`
- province: admin1, matched to a province by the usual checks (never guessed)
- place: location and admin2, e.g. "Gereshk, Nahr-e Saraj" (a name equal to the other is
  written once); empty when geo_precision is 3, since ACLED then knows only a wider region
  and its location is a stand-in for it (often the provincial capital), not the event's
- location_precision: ACLED's geo_precision: 1 is the place itself (place); 2 is near it
  (near); 3 is a wider region, often only the province (region)
- date_start, date_end, date_precision: event_date at ACLED's time_precision: 1 is that day
  (day); 2 is the week around it, three days either side (week); 3 is that whole month
  (month)
- status: reported
- source_id: ACLED, one source row standing for the export, dated by the latest timestamp
  (else the latest event date)
- locator: "ACLED event " + event_id_cnty
- quote: empty
- summary: notes on one line; if empty, "sub_event_type: actor1 vs actor2 in location"
  ("near location" at geo_precision 2, "in admin1" at 3)

Which sub-event types become which claims is :data:`SUB_EVENT_CLAIMS`, one entry per
sub-event type of ACLED's codebook; docs/acled.md shows the same table with the reasons,
and a test keeps the two equal. Events that fit no claim type (protests, riots, most
strategic developments) are not converted but listed as problems, as are rows about another
country, rows with an unreadable date, time_precision or geo_precision, and rows without an
event id.

>>> claim_type_for("Battles", "Armed clash"), claim_type_for("Protests", "Peaceful protest")
('attack', None)
>>> claim_type_for("Battles", "Non-state actor overtakes territory")
'control'
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from geo.model.claims import COLUMNS, ProgressCallback, _text
from geo.model.dates import date_or_reason
from geo.model.places import PlaceRegistry, Suggestion
from geo.model.problems import Problem
from geo.model.sources import SOURCE_COLUMNS
from geo.model.vocab import CLAIM_TYPES

ACLED_COLUMNS = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)
# Enough to recognise an export and convert it; some exports leave out other columns.
ACLED_CORE_COLUMNS = ("event_id_cnty", "event_date", "event_type", "actor1", "country", "admin1")
SOURCE_ID = "ACLED"
STATUS = "reported"

# The claim field each ACLED column feeds, so problems can name the user's own column.
FIELD_SOURCES: dict[str, str] = {
    "claim_id": "event_id_cnty",
    "claimant": "source",
    "actor": "actor1",  # the actor column of every converted sub-event type
    "claim_type": "event_type",
    "province": "admin1",
    "place": "location",
    "location_precision": "geo_precision",
    "date_start": "event_date",
    "date_end": "event_date",
    "date_precision": "time_precision",
    "locator": "event_id_cnty",
    "summary": "notes",
}

# A sub-event type not in ACLED's codebook (a newer one, or a blank cell) under a known
# event type.
ANY_OTHER = "(any other)"
# (event type, sub-event type) -> (claim type, the column holding the claim's actor), or
# None when no claim type of geo.model.vocab fits. The reasons are in docs/acled.md, whose table
# a test keeps equal to this one. Territory changing hands is "control" by whoever took it:
# ACLED records the actor that carries out an event as actor1, and in "Government regains
# territory" and "Non-state actor overtakes territory" the event is the taking.
SUB_EVENT_CLAIMS: dict[tuple[str, str], tuple[str, str] | None] = {
    ("Battles", "Armed clash"): ("attack", "actor1"),
    ("Battles", "Government regains territory"): ("control", "actor1"),
    ("Battles", "Non-state actor overtakes territory"): ("control", "actor1"),
    ("Battles", ANY_OTHER): ("attack", "actor1"),
    ("Explosions/Remote violence", "Chemical weapon"): ("attack", "actor1"),
    ("Explosions/Remote violence", "Air/drone strike"): ("attack", "actor1"),
    ("Explosions/Remote violence", "Suicide bomb"): ("attack", "actor1"),
    ("Explosions/Remote violence", "Shelling/artillery/missile attack"): ("attack", "actor1"),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED"): ("attack", "actor1"),
    ("Explosions/Remote violence", "Grenade"): ("attack", "actor1"),
    ("Explosions/Remote violence", ANY_OTHER): ("attack", "actor1"),
    ("Violence against civilians", "Sexual violence"): ("attack", "actor1"),
    ("Violence against civilians", "Attack"): ("attack", "actor1"),
    ("Violence against civilians", "Abduction/forced disappearance"): ("attack", "actor1"),
    ("Violence against civilians", ANY_OTHER): ("attack", "actor1"),
    ("Protests", "Peaceful protest"): None,
    ("Protests", "Protest with intervention"): None,
    ("Protests", "Excessive force against protesters"): None,
    ("Protests", ANY_OTHER): None,
    ("Riots", "Violent demonstration"): None,
    ("Riots", "Mob violence"): None,
    ("Riots", ANY_OTHER): None,
    ("Strategic developments", "Agreement"): None,
    ("Strategic developments", "Arrests"): None,
    ("Strategic developments", "Change to group/activity"): None,
    ("Strategic developments", "Disrupted weapons use"): None,
    ("Strategic developments", "Headquarters or base established"): ("presence", "actor1"),
    ("Strategic developments", "Looting/property destruction"): None,
    ("Strategic developments", "Non-violent transfer of territory"): ("control", "actor1"),
    ("Strategic developments", "Other"): None,
    ("Strategic developments", ANY_OTHER): None,
}
ACLED_EVENT_TYPES = tuple(dict.fromkeys(event for event, _ in SUB_EVENT_CLAIMS))
_PRECISIONS = {"1": "day", "2": "week", "3": "month"}
_GEO_PRECISIONS = {"1": "place", "2": "near", "3": "region"}
_WEEK_HALF = dt.timedelta(days=3)
# Rows converted between progress calls: at some 60 microseconds a row, about 0.1 s.
_PROGRESS_ROWS = 2_000
_RELIABILITY = (
    "Event data coded by ACLED from the sources named in each event's claimant; not verified "
    "by this dashboard."
)


@functools.lru_cache(maxsize=4096)  # called for several cells of every row; few distinct
def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


_BY_KEY = {(_key(e), _key(s)): claim for (e, s), claim in SUB_EVENT_CLAIMS.items()}


def _converted_summary() -> str:
    """What is converted, for the message on events that are not: from SUB_EVENT_CLAIMS."""
    parts = []
    for event in ACLED_EVENT_TYPES:
        subs = [(s, c) for (e, s), c in SUB_EVENT_CLAIMS.items() if e == event]
        by_type: dict[str, list[str]] = {}
        for sub, claim in subs:
            if claim is not None:
                shown = "any other sub-event type" if sub == ANY_OTHER else sub
                by_type.setdefault(claim[0], []).append(shown)
        if not by_type:
            continue
        if len(by_type) == 1 and all(c is not None for _, c in subs):
            parts.append(f"{event} (as {next(iter(by_type))})")
        else:
            listed = ", ".join(f"{' and '.join(s)} (as {t})" for t, s in by_type.items())
            parts.append(f"{event}: {listed}")
    return "; ".join(parts)


_CONVERTED = _converted_summary()


def conversion_for(event_type: str, sub_event_type: str) -> tuple[str, str] | None:
    """(claim type, actor column) for an ACLED event's types, or None when none fits.

    >>> conversion_for("Battles", "Government regains territory")
    ('control', 'actor1')
    >>> conversion_for("battles", ""), conversion_for("Riots", "Mob violence")
    (('attack', 'actor1'), None)
    """
    event = _key(event_type)
    found = _BY_KEY.get((event, _key(sub_event_type)))
    if found is None and (event, _key(sub_event_type)) not in _BY_KEY:
        found = _BY_KEY.get((event, _key(ANY_OTHER)))
    return found


def claim_type_for(event_type: str, sub_event_type: str) -> str | None:
    """The claim type for an ACLED event's types, or None when none fits honestly.

    >>> claim_type_for(" strategic developments", "Headquarters or base established")
    'presence'
    >>> claim_type_for("Strategic developments", "Arrests") is None
    True
    """
    found = conversion_for(event_type, sub_event_type)
    return found[0] if found else None


def is_acled(columns: Collection[str]) -> bool:
    """Whether a header has the columns every ACLED export has (in any case).

    >>> is_acled(["EVENT_ID_CNTY", "event_date", "event_type", "actor1", "country", "admin1"])
    True
    """
    names = {_key(str(c)) for c in columns}
    return all(c in names for c in ACLED_CORE_COLUMNS)


def missing_acled_columns(columns: Collection[str]) -> list[str]:
    """The standard ACLED columns that a header lacks.

    >>> missing_acled_columns(ACLED_COLUMNS[:-2])
    ['tags', 'timestamp']
    """
    names = {_key(str(c)) for c in columns}
    return [c for c in ACLED_COLUMNS if c not in names]


# (country cell, iso cell) -> the row's ISO 3166-1 alpha-2 code; raises LookupError, whose
# text is the reason, for a country that has no units to map onto.
CountryResolver = Callable[[str, str], str]


@dataclass(frozen=True)
class CountryScope:
    """The countries an export's rows are mapped onto, each row onto its own country's units.

    ``registries`` holds each country's place registry by code; ``names`` its display name;
    ``as_of`` the vintage of the countries whose units are not today's.
    """

    resolve: CountryResolver
    registries: Mapping[str, PlaceRegistry]
    names: Mapping[str, str]
    as_of: Mapping[str, str] = field(default_factory=dict)


def export_countries(
    frame: pd.DataFrame, resolve: CountryResolver
) -> tuple[dict[str, int], dict[str, str]]:
    """The countries an ACLED export's rows are about: {code: rows} for those ``resolve``
    knows, {country cell: reason} for the others. Reads each distinct pair once."""
    columns = _Columns(frame)
    pairs: dict[tuple[str, str], int] = {}
    for index in range(len(frame)):
        pair = (columns.cell("country", index), columns.cell("iso", index))
        pairs[pair] = pairs.get(pair, 0) + 1
    known: dict[str, int] = {}
    unknown: dict[str, str] = {}
    for (country, iso), rows in pairs.items():
        try:
            code = resolve(country, iso)
        except LookupError as error:
            unknown[country] = _reason(error)
            continue
        known[code] = known.get(code, 0) + rows
    return known, unknown


def _reason(error: LookupError) -> str:
    # KeyError's str() quotes its text; the others' is the text itself.
    return str(error.args[0]) if error.args else str(error)


@dataclass
class AcledConversion:
    """Claims and their one source made from an ACLED export, and the rows left out."""

    claims: pd.DataFrame
    sources: pd.DataFrame
    # The user's row number of each claims row, for validate_claims(row_numbers=...).
    claim_row_numbers: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # With several countries: each admin1 name that matched no unit of its row's own
    # country, by (country code, name), with that country's suggestions.
    unmatched: dict[tuple[str, str], tuple[Suggestion, ...]] = field(default_factory=dict)


def acled_to_claims(
    frame: pd.DataFrame,
    row_numbers: Sequence[int],
    *,
    country: str = "Afghanistan",
    scope: CountryScope | None = None,
    progress: ProgressCallback | None = None,
) -> AcledConversion:
    """Convert an ACLED export (all cells text) into claims rows, reporting what cannot be.

    ``row_numbers[i]`` is the user's row number of ``frame``'s i-th row. Without ``scope``
    only rows about ``country`` are converted; with it, rows of every country it holds, each
    row's admin1 matched only among its own country's units (a Pakistani "Punjab" never
    lands in India), its province written as that unit's code. Raises ValueError
    if the frame is not an ACLED export (check with :func:`is_acled` first). ``progress``
    is told the share of rows converted every few thousand rows, and 1.0 at the end.
    """
    if len(row_numbers) != len(frame):
        raise ValueError(f"{len(row_numbers)} row numbers given for {len(frame)} rows")
    if not is_acled([str(c) for c in frame.columns]):
        missing = [c for c in ACLED_CORE_COLUMNS if c in missing_acled_columns(frame.columns)]
        raise ValueError(f"not an ACLED export: it lacks the column(s) {', '.join(missing)}")
    columns = _Columns(frame)
    notes: list[str] = []
    missing = missing_acled_columns(frame.columns)
    if missing:
        notes.append(
            "the export lacks these usual ACLED columns: "
            + ", ".join(missing)
            + _needed_note([c for c in ("time_precision", "geo_precision") if c in missing])
        )

    records: list[dict[str, str]] = []
    numbers: list[int] = []
    problems: list[Problem] = []
    unmatched: dict[tuple[str, str], tuple[Suggestion, ...]] = {}
    other_countries: dict[str, int] = {}
    in_scope = _scope_lookup(scope) if scope is not None else None
    # The export is dated by when ACLED last changed its events, else by its latest event.
    stamps: list[dt.date] = []
    event_dates: list[dt.date] = []
    bad_timestamps = 0
    for done, row in enumerate(row_numbers):
        if progress is not None and done % _PROGRESS_ROWS == 0:
            progress(done / len(frame))
        event = _Event(row, done, columns)
        row_country = event.cell("country")
        if scope is not None:
            code, reason = in_scope(row_country, event.cell("iso"))
            if code is None:
                other_countries[row_country] = other_countries.get(row_country, 0) + 1
                problems.append(event.problem("country", reason))
                continue
            found, claim = _convert(event)
            if claim is not None:
                name = claim["province"]
                found, claim, suggestions = _place_in(scope, code, claim, event)
                if suggestions is not None:
                    unmatched.setdefault((code, name), suggestions)
            if claim is None:
                problems.extend(found)
                continue
        elif _key(row_country) != _key(country):
            other_countries[row_country] = other_countries.get(row_country, 0) + 1
            about = f"is about {row_country}" if row_country else "names no country"
            problems.append(
                event.problem(
                    "country",
                    f"row {about}, not {country}: not mapped onto the provinces of {country}",
                )
            )
            continue
        else:
            found, claim = _convert(event)
            if claim is None:
                problems.extend(found)
                continue
        records.append(claim)
        numbers.append(row)
        event_dates.append(_date(event.cell("event_date")))
        stamp = _timestamp_date(event.cell("timestamp"))
        if stamp is not None:
            stamps.append(stamp)
        elif event.cell("timestamp"):
            bad_timestamps += 1

    total = len(frame)
    if scope is not None:
        if other_countries and not records and sum(other_countries.values()) == total:
            named = ", ".join(c or "(blank)" for c in sorted(other_countries, key=str))
            notes.append(
                f"none of the export's {total} rows were converted: no built-in units for "
                f"{named}. Upload a boundary file for it on the Your data page."
            )
    elif other_countries and not records and sum(other_countries.values()) == total:
        named = ", ".join(c or "(blank)" for c in sorted(other_countries, key=str))
        notes.append(
            f"the export seems to be for {named}, not {country}: none of its {total} rows "
            f"were converted. Export the events for {country} from ACLED."
        )
    if bad_timestamps:
        notes.append(
            f"{bad_timestamps} timestamp value(s) are not Unix seconds and were not used to "
            "date the export"
        )
    notes.append(
        f"{len(records)} of {total} ACLED events converted to claims"
        + (
            f"; the other {total - len(records)} are listed as problems"
            if total > len(records)
            else ""
        )
    )
    claims = pd.DataFrame.from_records(records, columns=list(COLUMNS))
    if progress is not None:
        progress(1.0)
    published = max(stamps or event_dates, default=None)
    sources = pd.DataFrame(
        [_source_row(published)] if published else [], columns=list(SOURCE_COLUMNS)
    )
    return AcledConversion(claims, sources, numbers, problems, notes, unmatched)


def _scope_lookup(scope: CountryScope) -> Callable[[str, str], tuple[str | None, str]]:
    """(country, iso) -> (code, "") for a row to convert, or (None, the reason it is not);
    remembered: an export names few countries over many rows."""

    @functools.lru_cache(maxsize=1024)
    def lookup(country: str, iso: str) -> tuple[str | None, str]:
        try:
            code = scope.resolve(country, iso)
        except LookupError as error:
            return None, f"not mapped: {_reason(error)}"
        if code not in scope.registries:
            shown = ", ".join(scope.names.get(c, c) for c in scope.registries)
            return None, (
                f"row is about {country or iso}, not {shown}: not mapped onto the map's units"
            )
        return code, ""

    return lookup


def _place_in(
    scope: CountryScope, code: str, claim: dict[str, str], event: _Event
) -> tuple[list[Problem], dict[str, str] | None, tuple[Suggestion, ...] | None]:
    """The claim with its province as a unit of the row's own country.

    A name that matches none of them stays as it is when the export has one country (the
    usual check reports it with suggestions, and it can be fixed there); with several it is
    reported here, since the region's other countries must not lend it a unit, and comes
    back with its own country's suggestions (to be fixed for that country's rows only).
    """
    match = scope.registries[code].match(claim["province"])
    if match.code is not None:
        return [], {**claim, "province": match.code}, None
    if len(scope.registries) == 1:
        return [], claim, None
    name = scope.names.get(code, code)
    said = f"{claim['province']!r} names no unit of {name}"
    if match.suggestions:
        said += "; did you mean " + ", ".join(f"{s.name} ({s.code})" for s in match.suggestions)
        said += "?"
    else:
        said += "."
    if code in scope.as_of:
        said += (
            f" {name}'s built-in units are as of {scope.as_of[code]} and may predate the export's."
        )
    said += (
        f" On the Your data page, pick the unit of {name} it means, or, if the export uses "
        f"other units, upload a current boundary file for {name}"
    )
    return [event.problem("admin1", said)], None, match.suggestions


class _Columns:
    """The export's columns by ACLED name whatever their case in the file, as stripped
    text, each made when first read: the conversion reads about half of them."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame
        self._position: dict[str, int] = {}
        for position, column in enumerate(frame.columns):
            self._position.setdefault(_key(str(column)), position)
        self._texts: dict[str, list[str]] = {}

    def name(self, acled: str) -> str:
        """The user's own spelling of an ACLED column, for naming it in a problem."""
        at = self._position.get(acled)
        return acled if at is None else str(self._frame.columns[at])

    def cell(self, acled: str, index: int) -> str:
        texts = self._texts.get(acled)
        if texts is None:
            at = self._position.get(acled)
            if at is None:
                return ""
            texts = self._texts[acled] = [_text(v) for v in self._frame.iloc[:, at].tolist()]
        return texts[index]


def _date(text: str) -> dt.date:
    """``parse_date``, remembered across rows: an export repeats each date many times."""
    outcome = date_or_reason(text)
    if isinstance(outcome, str):
        raise ValueError(outcome)
    return outcome


@dataclass
class _Event:
    """One row of the export."""

    row: int
    index: int  # of the row in the frame
    columns: _Columns

    def cell(self, acled: str) -> str:
        return self.columns.cell(acled, self.index)

    def problem(self, acled: str, message: str) -> Problem:
        return Problem(self.row, self.columns.name(acled), self.cell(acled), message)


def _convert(event: _Event) -> tuple[list[Problem], dict[str, str] | None]:
    """One event's claim, or the problems that stop it from being one."""
    cell, problem = event.cell, event.problem
    found: list[Problem] = []
    event_id = cell("event_id_cnty")
    if not event_id:
        found.append(
            problem(
                "event_id_cnty",
                "event_id_cnty is empty; every ACLED event has "
                "one: check that the export is complete",
            )
        )
    event_type, sub_event_type = cell("event_type"), cell("sub_event_type")
    conversion = conversion_for(event_type, sub_event_type)
    if conversion is None:
        found.append(problem("event_type", _no_claim_type(event_type, sub_event_type)))
    date: dt.date | None = None
    try:
        date = _date(cell("event_date"))
    except ValueError as error:
        found.append(problem("event_date", str(error)))
    precision = _PRECISIONS.get(cell("time_precision"))
    if precision is None:
        found.append(
            problem(
                "time_precision",
                "time_precision must be 1 (the day is known), 2 (the week) or 3 (the month), "
                "as ACLED codes it",
            )
        )
    where = _GEO_PRECISIONS.get(cell("geo_precision"))
    if where is None:
        found.append(
            problem(
                "geo_precision",
                "geo_precision must be 1 (the place itself), 2 (near it) or 3 (only a wider "
                "region is known), as ACLED codes it",
            )
        )
    if found or date is None or precision is None or conversion is None or where is None:
        return found, None
    claim_type, actor_column = conversion
    try:
        start, end = _date_range(date, precision)
    except OverflowError:
        return [
            problem(
                "event_date",
                f"a {precision} around this date runs past the calendar (year 1 to 9999); "
                "check the date",
            )
        ], None
    return [], {
        "claim_id": f"ACLED-{event_id}",
        "claimant": cell("source") or "ACLED",
        "actor": cell(actor_column),
        "claim_type": claim_type,
        "province": cell("admin1"),
        # At geo_precision 3 ACLED's location and admin2 stand in for a wider region.
        "place": "" if where == "region" else _place(cell("location"), cell("admin2")),
        "location_precision": where,
        "date_start": start.isoformat(),
        "date_end": end.isoformat(),
        "date_precision": precision,
        "status": STATUS,
        "source_id": SOURCE_ID,
        "locator": f"ACLED event {event_id}",
        "quote": "",
        "summary": _summary(cell, where),
    }


def _needed_note(missing: list[str]) -> str:
    """What the lack of per-row columns means, for the note on missing columns.

    >>> _needed_note(["geo_precision"]), _needed_note([])
    (' (every row needs geo_precision to be converted)', '')
    """
    if not missing:
        return ""
    return f" (every row needs {' and '.join(missing)} to be converted)"


def _no_claim_type(event_type: str, sub_event_type: str) -> str:
    what = f"{event_type!r}" + (f" ({sub_event_type})" if sub_event_type else "")
    known = _key(event_type) in {_key(t) for t in ACLED_EVENT_TYPES}
    head = (
        f"ACLED event type {what} has no claim type in this dashboard's vocabulary "
        f"({', '.join(CLAIM_TYPES)}), so the event is not converted"
        if known
        else f"{what} is not an ACLED event type ({', '.join(ACLED_EVENT_TYPES)})"
    )
    return f"{head}. Converted are: {_CONVERTED}."


def _date_range(date: dt.date, precision: str) -> tuple[dt.date, dt.date]:
    """The days an ACLED date can mean at its time_precision.

    >>> _date_range(dt.date(2022, 2, 10), "month")
    (datetime.date(2022, 2, 1), datetime.date(2022, 2, 28))
    >>> _date_range(dt.date(2022, 1, 2), "week")
    (datetime.date(2021, 12, 30), datetime.date(2022, 1, 5))
    """
    if precision == "week":
        return date - _WEEK_HALF, date + _WEEK_HALF
    if precision == "month":
        last = calendar.monthrange(date.year, date.month)[1]
        return date.replace(day=1), date.replace(day=last)
    return date, date


def _place(location: str, admin2: str) -> str:
    """Location and district, each once.

    >>> _place("Lashkar Gah", "lashkar gah"), _place("", "Nad Ali"), _place("Gereshk", "Nad Ali")
    ('Lashkar Gah', 'Nad Ali', 'Gereshk, Nad Ali')
    """
    parts: list[str] = []
    for part in (location, admin2):
        if part and _key(part) not in {_key(p) for p in parts}:
            parts.append(part)
    return ", ".join(parts)


def _summary(cell: Callable[[str], str], where: str) -> str:
    notes = " ".join(cell("notes").split())
    if notes:
        return notes
    text = f"{cell('sub_event_type') or cell('event_type')}: {cell('actor1')}"
    if cell("actor2"):
        text += f" vs {cell('actor2')}"
    # A region's event gets no town, not even in the summary written for it.
    if where == "region":
        text += f" in {cell('admin1')}" if cell("admin1") else ""
    elif cell("location"):
        text += f" {'near' if where == 'near' else 'in'} {cell('location')}"
    return text


_UNIX_SECONDS = re.compile(r"^\d{9,11}(\.0+)?$")


def _timestamp_date(text: str) -> dt.date | None:
    """ACLED's timestamp (Unix seconds, when the event was last changed) as a date.

    >>> _timestamp_date("1652745600"), _timestamp_date("2022-05-17")
    (datetime.date(2022, 5, 17), None)
    """
    if not _UNIX_SECONDS.match(text):
        return None
    return dt.datetime.fromtimestamp(int(float(text)), tz=dt.UTC).date()


def _source_row(published: dt.date) -> dict[str, str]:
    return {
        "source_id": SOURCE_ID,
        "title": "ACLED event data export",
        "publisher": "Armed Conflict Location & Event Data Project (ACLED)",
        "author": "",
        "published": published.isoformat(),
        "kind": "dataset",
        "url": "",
        "speaker": "",
        "reliability_note": _RELIABILITY,
        "file": "",
    }

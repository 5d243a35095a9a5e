"""Filtering claims and the per-place aggregates that the map and its notes are drawn from.

This is the one place where "what is in view" and "what a province's colour means" are
computed, so the map, the tables, the exports and the tests cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from geo.model.vocab import VERIFIED_STATUSES

T = TypeVar("T")

# Filter attribute -> claims column it selects on.
CATEGORY_FILTERS: dict[str, str] = {
    "actors": "actor",
    "claim_types": "claim_type",
    "claimants": "claimant",
    "statuses": "status",
    "precisions": "date_precision",
}

FILTER_LABELS: dict[str, str] = {
    "dates": "date window",
    "actors": "actor",
    "claim_types": "claim type",
    "claimants": "claimant",
    "statuses": "status",
    "precisions": "date precision",
}


@dataclass(frozen=True)
class ClaimFilter:
    """Which claims are in view. ``None`` for a category means "all of them".

    The date window has interval semantics: a claim is in view when its own date range
    overlaps the window at all. A claim missing a date is in no window (the loader lets
    none in; a table made otherwise may have them).
    """

    start: dt.date | None = None
    end: dt.date | None = None
    actors: frozenset[str] | None = None
    claim_types: frozenset[str] | None = None
    claimants: frozenset[str] | None = None
    statuses: frozenset[str] | None = None
    precisions: frozenset[str] | None = None

    def active(self) -> dict[str, str]:
        """The filters that restrict anything, written out for people."""
        out: dict[str, str] = {}
        if self.start or self.end:
            start = self.start.isoformat() if self.start else "the beginning"
            end = self.end.isoformat() if self.end else "now"
            out["dates"] = f"{start} to {end}"
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in CATEGORY_FILTERS and value is not None:
                out[f.name] = ", ".join(sorted(value)) if value else "(none)"
        return out


@dataclass(frozen=True)
class FilterResult:
    """Which claims are in view, kept as their places in the table's date order
    (:func:`_by_start`): rows are only copied out, or marked in the table's own order, when
    asked for."""

    claims: pd.DataFrame
    positions: np.ndarray  # ascending positions in ``_by_start(claims).order``
    hidden_by: dict[str, int]

    @classmethod
    def of_mask(
        cls, claims: pd.DataFrame, mask: np.ndarray, hidden_by: dict[str, int]
    ) -> FilterResult:
        """The result that keeps the rows ``mask`` marks (in the table's own order)."""
        positions = np.flatnonzero(np.asarray(mask, dtype=bool)[_by_start(claims).order])
        return cls(claims, positions, hidden_by)

    @property
    def total(self) -> int:
        return len(self.claims)

    @property
    def count(self) -> int:
        return len(self.positions)

    @cached_property
    def mask(self) -> np.ndarray:
        """Which rows of the table are in view, in the table's own order."""
        mask = np.zeros(len(self.claims), dtype=bool)
        mask[_by_start(self.claims).order.take(self.positions)] = True
        return mask

    @cached_property
    def shown(self) -> pd.DataFrame:
        return self._rows(None)

    @cached_property
    def on_map(self) -> pd.DataFrame:
        return self._rows(lambda place: place >= 0)

    @cached_property
    def country_wide_count(self) -> int:
        """How many claims in view are country-wide, without copying them out."""
        return int(np.count_nonzero(self._places < 0))

    @cached_property
    def country_wide(self) -> pd.DataFrame:
        return self._rows(lambda place: place < 0)

    def at(self, place: str) -> pd.DataFrame:
        """The claims in view at one place."""
        labels = _coded(self.claims, "province").labels
        code = labels.index(place) if place in labels else -2  # -2: no claim's place
        return self._rows(lambda places: places == code)

    @cached_property
    def _places(self) -> np.ndarray:
        """The place code of each claim in view (-1: country-wide)."""
        return _in_date_order(self.claims, "province").take(self.positions)

    def _rows(self, where: Callable[[np.ndarray], np.ndarray] | None) -> pd.DataFrame:
        """The claims in view (``where`` their place codes pass), in the table's order:
        gathered at their row numbers, never by a mask over the whole table."""
        positions = self.positions if where is None else self.positions[where(self._places)]
        rows = _by_start(self.claims).order.take(positions)
        if len(rows) * 16 > len(self.claims):
            # Many rows: marking them costs less than sorting them (a million: 6 vs 45 ms).
            marked = np.zeros(len(self.claims), dtype=bool)
            marked[rows] = True
            return self.claims.iloc[np.flatnonzero(marked)]
        return self.claims.iloc[np.sort(rows)]


def sources_in_view(result: FilterResult) -> list[str]:
    """The ids of the sources that the claims in view cite, sorted."""
    source = _coded(result.claims, "source_id")
    codes = _in_date_order(result.claims, "source_id").take(result.positions)
    used = np.flatnonzero(np.bincount(codes.astype(np.intp) + 1, minlength=1)[1:])
    return sorted(source.labels[i] for i in used.tolist())


def filter_claims(claims: pd.DataFrame, claim_filter: ClaimFilter) -> FilterResult:
    """Apply a filter; also count, for each filter on its own, how many claims it hides.

    A date window is looked up in the table's rows sorted by start date, so only the
    claims that start in or shortly before the window are compared: a window's cost
    follows the claims near it, not the whole table (a playback step, a year of a
    million claims).
    """
    by_start = _by_start(claims)
    n = len(claims)
    lo, hi = 0, n
    if claim_filter.end is not None:
        # Rows that start before midnight after the window's last day: a prefix.
        hi = int(np.searchsorted(by_start.starts, by_start.bound(claim_filter.end, 1)))
    if claim_filter.start is not None and by_start.widest is not None:
        # A claim that ends in the window started at most ``widest`` before it.
        first = by_start.bound(claim_filter.start, 0) - by_start.widest
        lo = int(np.searchsorted(by_start.starts, max(first, _EARLIEST)))
    lo = min(lo, hi)
    masks: dict[str, np.ndarray] = {}
    if claim_filter.start is not None or claim_filter.end is not None:
        ok = np.ones(hi - lo, dtype=bool)
        if claim_filter.start is not None:
            ok &= ~_before(by_start.ends[lo:hi], by_start.end_unit, claim_filter.start)
        if by_start.dated is not None:  # a claim with no date is in no window
            ok &= by_start.dated[lo:hi]
        masks["dates"] = ok  # rows outside [lo, hi) are all out of the window
    for name, column in CATEGORY_FILTERS.items():
        wanted = getattr(claim_filter, name)
        if wanted is not None:
            masks[name] = _in(_in_date_order(claims, column)[lo:hi], _coded(claims, column), wanted)
    keep = np.ones(hi - lo, dtype=bool)
    for mask in masks.values():
        keep &= mask
    # Each filter on its own: the window's misses are all outside [lo, hi) or marked in
    # it; a value filter's are counted from the table's value counts.
    hidden_by = {
        name: n
        - (
            int(np.count_nonzero(mask))
            if name == "dates"
            else _how_many(claims, CATEGORY_FILTERS[name], getattr(claim_filter, name))
        )
        for name, mask in masks.items()
    }
    positions = np.flatnonzero(keep)
    positions += lo
    return FilterResult(claims, positions, hidden_by)


@dataclass(frozen=True)
class _ByStart:
    """A table's rows in order of their start date, with the dates in that order."""

    order: np.ndarray  # row numbers, by start date (ties in table order)
    starts: np.ndarray  # int64 start dates in that order, in the column's own unit
    ends: np.ndarray  # the same for the end dates
    start_unit: str
    end_unit: str
    # The longest claim, end minus start in the shared unit; None when the two columns
    # differ in unit or a date is missing, and a window then compares every claim.
    widest: int | None
    dated: np.ndarray | None  # which have both dates, in that order; None: all of them

    def bound(self, day: dt.date, after: int) -> int:
        """Midnight starting ``day`` (``after`` days later), as an int64 start date."""
        return _midnight(day + dt.timedelta(days=after), self.start_unit)


_UNBOUNDED = 2**64  # a claim's span larger than any: the window reaches back to the start


def _by_start(claims: pd.DataFrame) -> _ByStart:
    def make() -> _ByStart:
        starts, ends = _dates(claims, "date_start"), _dates(claims, "date_end")
        start_unit, _ = np.datetime_data(starts.dtype)
        end_unit, _ = np.datetime_data(ends.dtype)
        dated = ~(np.isnat(starts) | np.isnat(ends))
        complete = bool(dated.all())
        starts, ends = starts.view(np.int64), ends.view(np.int64)
        order = np.argsort(starts, kind="stable")
        if len(order) < 2**31:
            order = order.astype(np.int32)
        widest = None
        if start_unit == end_unit and complete:
            spans = ends - starts
            # A span past int64 (292 years in nanoseconds) wraps negative: such a table
            # has no useful bound, and a window then compares every claim.
            wrapped = bool(np.any((spans < 0) & (ends >= starts)))
            widest = _UNBOUNDED if wrapped else int(spans.max(initial=0))
        return _ByStart(
            order,
            starts[order],
            ends[order],
            start_unit,
            end_unit,
            widest,
            None if complete else dated[order],
        )

    return _made(claims, ("by start", ""), make)


def _dates(claims: pd.DataFrame, column: str) -> np.ndarray:
    if column not in claims.columns:
        raise ValueError(
            f"the claims table has no {column!r} column: filter a table made by "
            "geo.model.claims.load_claims (or with its columns)"
        )
    values = claims[column]
    if not pd.api.types.is_datetime64_dtype(values.dtype):
        raise TypeError(
            f"the claims' {column!r} column holds {values.dtype}, not dates: convert it "
            "with pd.to_datetime(...) (time-zone-aware dates with .dt.tz_localize(None) "
            "after converting to UTC), as geo.model.claims.load_claims does"
        )
    return values.to_numpy()


def _in_date_order(claims: pd.DataFrame, column: str) -> np.ndarray:
    """A column's codes in the order of :func:`_by_start`."""
    return _made(
        claims,
        ("by start", column),
        lambda: _coded(claims, column).codes.take(_by_start(claims).order),
    )


def _how_many(claims: pd.DataFrame, column: str, wanted: frozenset[str]) -> int:
    """How many claims of the whole table have one of the ``wanted`` values in ``column``."""
    coded = _coded(claims, column)
    counts = _made(
        claims,
        ("counts", column),
        lambda: np.bincount(coded.codes.astype(np.int64) + 1, minlength=len(coded.labels) + 1),
    )
    return int(counts[coded.chosen(wanted) + 1].sum())


_EARLIEST = int(np.iinfo(np.int64).min)


def _midnight(day: dt.date, unit: str) -> int:
    return int(np.datetime64(day, "D").astype(f"datetime64[{unit}]").astype(np.int64))


def _before(values: np.ndarray, unit: str, day: dt.date) -> np.ndarray:
    """Which int64 dates (in ``unit``) fall before midnight starting ``day``.

    Compared as integers in the column's own unit: converting a million dates on every
    rerun cost more than the comparison itself.
    """
    return values < _midnight(day, unit)


def _codes(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (-1 for missing) and their categories, cheap for categorical columns."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype("category")
    return column.cat.codes.to_numpy(), column.cat.categories


@dataclass(frozen=True)
class _Coded:
    """A column as integer codes, with what :func:`summarise` needs of its categories."""

    codes: np.ndarray
    labels: list[str]  # the categories as text, in code order
    by_label: list[str]  # the same, sorted
    rank: np.ndarray  # code -> position in ``by_label``

    @cached_property
    def label_array(self) -> np.ndarray:
        """``by_label`` as an object array, for gathering many labels at once."""
        return np.array(self.by_label, dtype=object)

    def chosen(self, wanted: frozenset[str]) -> np.ndarray:
        """The codes whose label is in ``wanted``."""
        return np.array([i for i, label in enumerate(self.labels) if label in wanted], np.int64)


# Per claims table: each column coded once, and what every filter change derives from the
# table alone. A filter change on a small table cost more in pandas' own overhead (a
# Series per column, categories turned to text, a sort) than in the work, and a table
# never changes once loaded: no code writes into a claims table.
_MADE: dict[int, dict[tuple[str, str], Any]] = {}
_MADE_LOCK = threading.Lock()


def _made(claims: pd.DataFrame, key: tuple[str, str], make: Callable[[], T]) -> T:
    """``make()``, made once per table under ``key`` (and freed with the table)."""
    table = id(claims)
    made = _MADE.get(table)
    if made is None:
        with _MADE_LOCK:
            made = _MADE.get(table)
            if made is None:
                made = _MADE[table] = {}
                weakref.finalize(claims, _MADE.pop, table, None)
    if key not in made:
        made[key] = make()
    return made[key]


def _coded(claims: pd.DataFrame, column: str) -> _Coded:
    """``claims[column]`` coded."""

    def make() -> _Coded:
        codes, categories = _codes(claims[column])
        labels = [str(c) for c in categories]
        order = sorted(range(len(labels)), key=labels.__getitem__)
        rank = np.empty(len(labels), dtype=np.int64)
        rank[order] = np.arange(len(labels))
        return _Coded(codes, labels, [labels[i] for i in order], rank)

    return _made(claims, ("coded", column), make)


_FEW_CHOSEN = 4


def _in(codes: np.ndarray, column: _Coded, wanted: frozenset[str]) -> np.ndarray:
    """Which of ``codes`` (of ``column``) stand for one of the ``wanted`` values."""
    chosen = column.chosen(wanted)
    if len(chosen) <= _FEW_CHOSEN:
        # A comparison per chosen value is a fraction of a gather through a lookup table.
        keep = np.zeros(len(codes), dtype=bool)
        for code in chosen:
            keep |= codes == code
        return keep
    lookup = np.zeros(len(column.labels) + 1, dtype=bool)  # the extra slot is for code -1
    lookup[chosen] = True
    return lookup[codes]


SUMMARY_COLUMNS = (
    "n_claims",
    "n_actors",
    "latest",
    "actors",
    "presence_actors",
    "claimants",
    "statuses",
    "precisions",
    "location_precisions",
    "source_ids",
    "verified",
)


def province_summary(claims: pd.DataFrame) -> pd.DataFrame:
    """Per place code: claims, distinct actors, latest claim date, who claims presence, ...

    Only places with at least one claim appear; a place absent here has no claims in view.
    """
    located = claims[claims["province"].notna()]
    if located.empty:
        return pd.DataFrame(columns=list(SUMMARY_COLUMNS)).rename_axis("province")
    grouped = located.groupby("province", observed=True, sort=True)
    presence = located[located["claim_type"] == "presence"].groupby("province", observed=True)
    summary = pd.DataFrame(
        {
            "n_claims": grouped.size(),
            "n_actors": grouped["actor"].nunique(),
            "latest": grouped["date_end"].max(),
            "actors": _value_sets(grouped["actor"]),
            "claimants": _value_sets(grouped["claimant"]),
            "statuses": _value_sets(grouped["status"]),
            "precisions": _value_sets(grouped["date_precision"]),
            "location_precisions": _value_sets(grouped["location_precision"]),
            "source_ids": _value_sets(grouped["source_id"]),
            "verified": grouped["status"].agg(lambda s: bool(s.isin(VERIFIED_STATUSES).any())),
        }
    )
    if presence.ngroups:
        presence_sets = _value_sets(presence["actor"]).reindex(summary.index)
        summary["presence_actors"] = [v if isinstance(v, tuple) else () for v in presence_sets]
    else:  # an empty group's unique() cannot be reindexed by place
        summary["presence_actors"] = [()] * len(summary)
    return summary[list(SUMMARY_COLUMNS)]


# Distinct (place, value) pairs are marked in a place x value grid while the grid is small,
# in absolute terms and against the rows in view; otherwise they are found by sorting.
# Measured: at 60,000 rows in view a grid of 260,000 cells is the faster (1.0 vs 1.6 ms),
# one of 1.3 million the slower (3.4 vs 0.9 ms).
_DENSE_CELLS = 4_000_000
_DENSE_PER_ROW = 8


def summarise(result: FilterResult) -> pd.DataFrame:
    """:func:`province_summary` of the claims in view, computed on integer codes.

    Linear in the number of claims in view, each column gathered at them in one step
    from what :func:`_in_date_order` and :func:`_pair_keys` keep per table, so a filter
    change on a million claims costs little more than on a thousand; it gives the same
    table as ``province_summary(result.on_map)`` (a test holds them to it).
    """
    claims = result.claims
    province = _coded(claims, "province")
    # Every column is gathered at the located claims in view (tens of thousands), in the
    # date order the filter found them in, rather than masked in full (a million).
    p = _in_date_order(claims, "province").take(result.positions)
    located = p >= 0
    rows_in_view = result.positions[located]
    # Category codes may be int8; pair keys below need room.
    p = p[located].astype(np.int64)
    n_places = len(province.labels)
    counts = np.bincount(p, minlength=n_places)
    present = np.flatnonzero(counts)
    if present.size == 0:
        return pd.DataFrame(columns=list(SUMMARY_COLUMNS)).rename_axis("province")

    def value_sets(column: str, where: np.ndarray | None = None) -> list[tuple[str, ...]]:
        coded = _coded(claims, column)
        keys = _pair_keys(claims, column).take(rows_in_view)
        if where is not None:
            keys = keys[where]
        k = len(coded.labels)
        cells = n_places * k
        if cells <= min(_DENSE_CELLS, _DENSE_PER_ROW * len(keys)):
            grid = np.zeros(cells + 1, dtype=bool)  # the last cell gathers missing values
            # As wide as an index: numpy converts narrower keys on every scatter, at
            # twice the cost of converting them once here.
            grid[keys.astype(np.intp)] = True
            grid = grid[:cells].reshape(-1, k)
            if k <= _BITS:
                # Each place's set as one integer: places share a few sets (statuses,
                # precisions), so each distinct set becomes a tuple once.
                bits = grid[present] @ (np.int64(1) << np.arange(k, dtype=np.int64))
                made: dict[int, tuple[str, ...]] = {}
                return [
                    made[b] if b in made else made.setdefault(b, _members(b, coded.by_label))
                    for b in bits.tolist()
                ]
            place_of, value_of = np.nonzero(grid)
        else:  # few rows for a big grid: sorting the rows' keys is cheaper than the grid
            # (in their narrow type: 60,000 int32 keys sort in 1.2 ms, as int64 in 2.1).
            distinct = _distinct(keys)
            place_of, value_of = np.divmod(distinct[distinct < cells].astype(np.int64), k)
        names = coded.label_array.take(value_of).tolist()
        per_place = np.bincount(place_of, minlength=n_places)
        ends = np.cumsum(per_place)
        bounds = zip((ends - per_place)[present].tolist(), ends[present].tolist(), strict=True)
        return [tuple(names[a:b]) for a, b in bounds]

    by_start = _by_start(claims)
    # The latest end per place in the column's own unit, made whole days afterwards: the
    # day of the latest instant is the latest day, and only one value per place converts.
    latest = np.full(n_places, _EARLIEST)
    np.maximum.at(latest, p, by_start.ends.take(rows_in_view))
    status = _coded(claims, "status")
    verified_rows = np.isin(
        _in_date_order(claims, "status").take(rows_in_view), status.chosen(VERIFIED_STATUSES)
    )
    verified = np.bincount(p[verified_rows], minlength=n_places)
    claim_type = _coded(claims, "claim_type")
    is_presence = _in_date_order(claims, "claim_type").take(rows_in_view) == (
        claim_type.labels.index("presence") if "presence" in claim_type.labels else -2
    )
    actors = value_sets("actor")
    labels = np.array(province.labels, dtype=object)
    # Built in SUMMARY_COLUMNS' order: selecting the columns afterwards copied them all.
    return pd.DataFrame(
        {
            "n_claims": counts[present],
            "n_actors": [len(a) for a in actors],
            "latest": latest[present]
            .view(f"datetime64[{by_start.end_unit}]")
            .astype("datetime64[D]")
            .astype("datetime64[s]"),
            "actors": actors,
            "presence_actors": value_sets("actor", is_presence),
            "claimants": value_sets("claimant"),
            "statuses": value_sets("status"),
            "precisions": value_sets("date_precision"),
            "location_precisions": value_sets("location_precision"),
            "source_ids": value_sets("source_id"),
            "verified": verified[present] > 0,
        },
        index=pd.Index(labels[present], name="province"),
    )


_BITS = 62  # values that fit in one int64 bit set


def _pair_keys(claims: pd.DataFrame, column: str) -> np.ndarray:
    """Each claim's (place, value) pair as one number, in the order of :func:`_by_start`.

    ``place * k + rank``, with values ranked in label order so that each place's values
    come out sorted and are cut from one list; ``places * k`` when either is missing.
    Made once per table: per rerun, one gather instead of five steps at the rows in view.
    """

    def make() -> np.ndarray:
        coded = _coded(claims, column)
        k = len(coded.labels)
        cells = len(_coded(claims, "province").labels) * k
        place = _in_date_order(claims, "province").astype(np.int64)
        codes = _in_date_order(claims, column).astype(np.int64)
        keys = place * k + np.append(coded.rank, 0)[codes]  # code -1 (missing): fixed below
        keys[(place < 0) | (codes < 0)] = cells
        for narrow in (np.int16, np.int32):
            if cells <= np.iinfo(narrow).max:
                return keys.astype(narrow)
        return keys  # more (place, value) pairs than int32 holds: 50,000 x 50,000

    return _made(claims, ("pair keys", column), make)


def _distinct(keys: np.ndarray) -> np.ndarray:
    """The distinct keys, sorted: what ``np.unique`` gives, several times faster here.

    >>> _distinct(np.array([5, 1, 5, 3, 1])).tolist()
    [1, 3, 5]
    """
    ordered = np.sort(keys)
    first = np.ones(len(ordered), dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


def _members(bits: int, labels: list[str]) -> tuple[str, ...]:
    return tuple(label for i, label in enumerate(labels) if bits >> i & 1)


def _value_sets(column: pd.core.groupby.SeriesGroupBy) -> pd.Series:
    # .agg(tuple) would be unpacked into arrays by pandas; build the tuples explicitly.
    return column.unique().map(lambda values: tuple(sorted(str(v) for v in values)))


def describe_result(result: FilterResult, *, unmatched: int = 0, rejected: int = 0) -> list[str]:
    """What is in view, in words: shown of total, and what each filter and the map leave out.

    >>> import numpy as np, pandas as pd
    >>> day = pd.Series(pd.to_datetime(["2022-05-01"] * 6))
    >>> claims = pd.DataFrame(
    ...     {"province": ["AF-PAN", None, "AF-KAB"] * 2, "date_start": day, "date_end": day}
    ... )
    >>> mask = np.array([True, True, False, False, False, False])
    >>> describe_result(FilterResult.of_mask(claims, mask, {"actors": 3}), rejected=1)
    ['2 of 6 claims shown', '3 hidden by the actor filter', \
'1 in view is country-wide (not on the map)', '1 row rejected on loading (see the load report)']
    """
    lines = [f"{result.count} of {result.total} claims shown"]
    for name, count in result.hidden_by.items():
        if count:
            lines.append(f"{count} hidden by the {FILTER_LABELS[name]} filter")
    country_wide = result.country_wide_count
    if country_wide:
        lines.append(
            f"{country_wide} in view {'is' if country_wide == 1 else 'are'} country-wide "
            "(not on the map)"
        )
    if unmatched:
        lines.append(
            f"{unmatched} with a place name that matched no province (see the load report)"
        )
    if rejected:
        plural = "s" if rejected != 1 else ""
        lines.append(f"{rejected} row{plural} rejected on loading (see the load report)")
    return lines

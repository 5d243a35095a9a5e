"""Filtering claims and the per-place aggregates that the map and its notes are drawn from.

This is the one place where "what is in view" and "what a province's colour means" are
computed, so the map, the tables, the exports and the tests cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from geo.vocab import VERIFIED_STATUSES

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
    overlaps the window at all.
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
    shown: pd.DataFrame
    total: int
    hidden_by: dict[str, int]

    @property
    def on_map(self) -> pd.DataFrame:
        return self.shown[self.shown["province"].notna()]

    @property
    def country_wide(self) -> pd.DataFrame:
        return self.shown[self.shown["province"].isna()]


def filter_claims(claims: pd.DataFrame, claim_filter: ClaimFilter) -> FilterResult:
    """Apply a filter; also count, for each filter on its own, how many claims it hides."""
    masks: dict[str, np.ndarray] = {}
    if claim_filter.start is not None or claim_filter.end is not None:
        ok = np.ones(len(claims), dtype=bool)
        if claim_filter.end is not None:
            ok &= (claims["date_start"] <= pd.Timestamp(claim_filter.end)).to_numpy()
        if claim_filter.start is not None:
            ok &= (claims["date_end"] >= pd.Timestamp(claim_filter.start)).to_numpy()
        masks["dates"] = ok
    for name, column in CATEGORY_FILTERS.items():
        wanted = getattr(claim_filter, name)
        if wanted is not None:
            masks[name] = claims[column].isin(list(wanted)).to_numpy(dtype=bool)
    keep = np.ones(len(claims), dtype=bool)
    for mask in masks.values():
        keep &= mask
    hidden_by = {name: int((~mask).sum()) for name, mask in masks.items()}
    return FilterResult(claims[keep], len(claims), hidden_by)


SUMMARY_COLUMNS = (
    "n_claims",
    "n_actors",
    "latest",
    "actors",
    "presence_actors",
    "claimants",
    "statuses",
    "precisions",
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
            "source_ids": _value_sets(grouped["source_id"]),
            "verified": grouped["status"].agg(lambda s: bool(s.isin(VERIFIED_STATUSES).any())),
        }
    )
    presence_sets = _value_sets(presence["actor"]).reindex(summary.index)
    summary["presence_actors"] = [v if isinstance(v, tuple) else () for v in presence_sets]
    return summary[list(SUMMARY_COLUMNS)]


def _value_sets(column: pd.core.groupby.SeriesGroupBy) -> pd.Series:
    # .agg(tuple) would be unpacked into arrays by pandas; build the tuples explicitly.
    return column.unique().map(lambda values: tuple(sorted(str(v) for v in values)))


def describe_result(result: FilterResult, *, unmatched: int = 0, rejected: int = 0) -> list[str]:
    """What is in view, in words: shown of total, and what each filter and the map leave out.

    >>> import pandas as pd
    >>> shown = pd.DataFrame({"province": pd.Series(["AF-PAN", None], dtype="string")})
    >>> describe_result(FilterResult(shown, 5, {"actors": 3}), rejected=1)
    ['2 of 5 claims shown', '3 hidden by the actor filter', \
'1 in view is country-wide (not on the map)', '1 row rejected on loading (see the load report)']
    """
    lines = [f"{len(result.shown)} of {result.total} claims shown"]
    for name, count in result.hidden_by.items():
        if count:
            lines.append(f"{count} hidden by the {FILTER_LABELS[name]} filter")
    country_wide = len(result.country_wide)
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

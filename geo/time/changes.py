"""What changed between two dates: per place, whose activity is claimed then and now.

"Claimed at a date" uses the playback window (:func:`geo.time.playback.as_of_filter`, mode
``window``): the claims whose range overlaps the ``window_days`` days up to that date. The
claims whose range contains the exact day would be too few: most claims are a single day
or a short range, so two arbitrary dates would mostly compare nothing with nothing. A
cumulative view would never let anything disappear. A quarter (91 days) by default, the
same as playback, so that "what changed" describes what the playback shows.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Literal

import pandas as pd

from geo.time.playback import DEFAULT_WINDOW_DAYS, as_of_filter
from geo.views.filtering import ClaimFilter, filter_claims
from geo.views.mapview import NO_CLAIMS, LegendEntry, MapView, PlaceStyle

Change = Literal["appeared", "disappeared", "actors changed", "unchanged"]
CHANGES: tuple[Change, ...] = ("appeared", "disappeared", "actors changed", "unchanged")

CHANGE_COLUMNS = (
    "code",
    "name",
    "change",
    "actors_before",
    "actors_after",
    "actors_added",
    "actors_removed",
    "claims_before",
    "claims_after",
)


def what_changed(
    claims: pd.DataFrame,
    names: dict[str, str],
    before: dt.date,
    after: dt.date,
    base: ClaimFilter | None = None,
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
    include_unchanged: bool = False,
) -> pd.DataFrame:
    """Per place code, how the actors with claims in view changed from ``before`` to ``after``.

    ``appeared``: no claims in view at ``before``, some at ``after``; ``disappeared``: the
    reverse; ``actors changed``: claims at both, different actors; ``unchanged``: the same
    actors (the counts may differ), left out unless ``include_unchanged``, which also lists
    places with no claims at either date. ``base`` (the user's other filters, and their date
    window) applies at both dates. Country-wide claims are on no place and are not compared.
    Sorted by place name; a code missing from ``names`` is named by its code.

    >>> claims = pd.DataFrame({
    ...     "claim_id": ["T1", "T2"], "actor": ["Test Group A", "Test Group B"],
    ...     "claimant": "Test Claimant", "claim_type": "presence", "status": "claimed",
    ...     "date_precision": "day", "source_id": "test-source", "province": ["AF-PAN"] * 2,
    ...     "date_start": pd.to_datetime(["2022-01-10", "2022-06-10"]),
    ...     "date_end": pd.to_datetime(["2022-01-10", "2022-06-10"]),
    ... })
    >>> row = what_changed(claims, {"AF-PAN": "Panjshir"}, dt.date(2022, 1, 31),
    ...                    dt.date(2022, 6, 30)).iloc[0]
    >>> row["change"], row["actors_before"], row["actors_after"]
    ('actors changed', ('Test Group A',), ('Test Group B',))
    """
    if before > after:
        raise ValueError(f"'before' ({before}) is after 'after' ({after}); swap the two dates")
    base = base or ClaimFilter()
    then = _actors_by_place(claims, as_of_filter(base, before, "window", window_days))
    now = _actors_by_place(claims, as_of_filter(base, after, "window", window_days))
    codes = set(then) | set(now)
    if include_unchanged:
        codes |= set(names)
    rows = []
    for code in codes:
        actors_then, n_then = then.get(code, ((), 0))
        actors_now, n_now = now.get(code, ((), 0))
        change = _change(n_then, n_now, actors_then, actors_now)
        if change == "unchanged" and not include_unchanged:
            continue
        rows.append(
            {
                "code": code,
                "name": names.get(code, code),
                "change": change,
                "actors_before": actors_then,
                "actors_after": actors_now,
                "actors_added": tuple(a for a in actors_now if a not in actors_then),
                "actors_removed": tuple(a for a in actors_then if a not in actors_now),
                "claims_before": n_then,
                "claims_after": n_now,
            }
        )
    table = pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))
    table = table.astype({"claims_before": "int64", "claims_after": "int64"})
    return table.sort_values(["name", "code"], kind="stable", ignore_index=True)


def change_summary(changes: pd.DataFrame) -> dict[str, int]:
    """How many places had each kind of change, in a fixed order, zeros included.

    ``unchanged`` is only counted when the table has it (``include_unchanged=True``):
    otherwise its absence would read as "0 places unchanged".

    >>> change_summary(pd.DataFrame({"change": ["appeared", "appeared", "disappeared"]}))
    {'appeared': 2, 'disappeared': 1, 'actors changed': 0}
    """
    counts = changes["change"].value_counts() if len(changes) else pd.Series(dtype="int64")
    summary = {kind: int(counts.get(kind, 0)) for kind in CHANGES if kind != "unchanged"}
    if "unchanged" in counts:
        summary["unchanged"] = int(counts["unchanged"])
    return summary


def _actors_by_place(
    claims: pd.DataFrame, claim_filter: ClaimFilter
) -> dict[str, tuple[tuple[str, ...], int]]:
    """Place code -> (sorted actors, number of claims) for the claims in view on the map."""
    on_map = filter_claims(claims, claim_filter).on_map
    if on_map.empty:
        return {}
    located = pd.DataFrame(
        {"province": on_map["province"].astype(str), "actor": on_map["actor"].astype(str)}
    )
    out: dict[str, tuple[tuple[str, ...], int]] = {}
    for code, group in located.groupby("province", sort=True):
        out[str(code)] = (tuple(sorted(set(group["actor"]))), len(group))
    return out


def _change(
    n_then: int, n_now: int, actors_then: tuple[str, ...], actors_now: tuple[str, ...]
) -> Change:
    if n_then == 0 and n_now > 0:
        return "appeared"
    if n_then > 0 and n_now == 0:
        return "disappeared"
    if actors_then != actors_now:
        return "actors changed"
    return "unchanged"


# Okabe & Ito colours again: distinguishable with the common colour-vision deficiencies.
CHANGE_COLOURS = {
    "appeared": "#0072B2",
    "disappeared": "#D55E00",
    "actors changed": "#E69F00",
    "unchanged": "#CCCCCC",
}


def change_map_view(
    names: dict[str, str], changes: pd.DataFrame, before: dt.date, after: dt.date
) -> MapView:
    """The "what changed" table as a map: one colour per kind of change, in words.

    >>> changes = pd.DataFrame([{"code": "P1", "name": "One", "change": "appeared",
    ...     "actors_before": (), "actors_after": ("<b>A</b>",)}])
    >>> view = change_map_view({"P1": "One", "P2": "Two"}, changes,
    ...                        dt.date(2022, 1, 1), dt.date(2022, 6, 1))
    >>> [s.fill for s in view.styles], "&lt;b&gt;A&lt;/b&gt;" in view.styles[0].tooltip_html
    (['#0072B2', '#F4F4F4'], True)
    """
    rows = {str(r["code"]): r for r in changes.to_dict("records")}
    styles = []
    for code, name in names.items():
        row = rows.get(code)
        if row is None:
            tip = (f"<b>{escape(name)}</b>", "no change in claims between the two dates")
            styles.append(PlaceStyle(code, NO_CLAIMS, False, False, False, tip, "no change"))
            continue
        change = str(row["change"])
        before_text = ", ".join(row["actors_before"]) or "none"
        after_text = ", ".join(row["actors_after"]) or "none"
        tip = (
            f"<b>{escape(name)}</b>",
            f"claims {escape(change)}",
            f"actors with claims on {before}: {escape(before_text)}",
            f"actors with claims on {after}: {escape(after_text)}",
        )
        colour = CHANGE_COLOURS.get(change, CHANGE_COLOURS["unchanged"])
        styles.append(PlaceStyle(code, colour, False, False, True, tip, change))
    present = {str(r["change"]) for r in rows.values()}
    legend = [LegendEntry(CHANGE_COLOURS[c], f"claims {c}") for c in CHANGE_COLOURS if c in present]
    legend.append(LegendEntry(NO_CLAIMS, "no change"))
    return MapView("claims", f"What changed, {before} to {after}", tuple(styles), tuple(legend))

"""What each place looks like on the map: colour, hatching, outline, tooltip and legend.

Pure data, no drawing library: the folium layer in :mod:`geo.foliummap` only ships this to
the browser. Every text that ends up in HTML is escaped here, before it leaves Python.
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass
from itertools import chain
from typing import Literal

import pandas as pd

Metric = Literal["presence", "claims", "actors", "latest"]

METRICS: dict[Metric, str] = {
    "presence": "Who claims presence",
    "claims": "Number of claims",
    "actors": "Number of distinct actors",
    "latest": "Most recent claim date",
}

# Okabe & Ito's palette: distinguishable with the common colour-vision deficiencies.
CATEGORICAL = ("#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442")
SEVERAL_ACTORS = "#000000"
OTHER_ACTOR = "#6E6E6E"
NO_PRESENCE = "#BBBBBB"
# Viridis, five classes: ordered light (few, old) to dark (many, recent) and safe in grey too.
SEQUENTIAL = ("#FDE725", "#5EC962", "#21918C", "#3B528B", "#440154")
NO_CLAIMS = "#F4F4F4"

UNVERIFIED_NOTE = "hatched: only unverified claims (claimed, reported, disputed or denied)"
VERIFIED_NOTE = "solid dark outline: at least one corroborated claim"
NO_CLAIMS_LABEL = "no claims in view"


@dataclass(frozen=True)
class PlaceStyle:
    code: str
    fill: str
    hatched: bool
    verified: bool
    has_claims: bool
    # Already-escaped HTML, one entry per tooltip line. Lines repeat across places ("Status:
    # claimed"), so the payload sends each distinct line once.
    tooltip_lines: tuple[str, ...]
    metric_text: str

    @property
    def tooltip_html(self) -> str:
        return "<br>".join(self.tooltip_lines)


@dataclass(frozen=True)
class LegendEntry:
    colour: str
    label: str


@dataclass(frozen=True)
class MapView:
    metric: Metric
    title: str
    styles: tuple[PlaceStyle, ...]
    legend: tuple[LegendEntry, ...]
    selected: str | None = None

    def payload(self) -> dict[str, object]:
        """The compact, JSON-ready form the browser layer reads.

        Column-wise, one entry per place in ``codes``: ``fill`` indexes ``fills``; ``flags``
        adds 1 for hatched, 2 for verified, 4 for has claims; ``tips`` lists indices into
        ``lines``, the distinct tooltip lines, which the browser joins with line breaks.
        With thousands of places, a dict per place cost more to build and to send.
        """
        # Iterated by map and chain (in C): tens of thousands of lines at 3,000 places.
        tooltips = [s.tooltip_lines for s in self.styles]
        lines = list(dict.fromkeys(chain.from_iterable(tooltips)))
        position = dict(zip(lines, range(len(lines)), strict=True))
        at = position.__getitem__
        fills = list(dict.fromkeys(s.fill for s in self.styles))
        fill_at = {f: i for i, f in enumerate(fills)}
        return {
            "title": html.escape(self.title),
            "selected": self.selected,
            "lines": lines,
            "fills": fills,
            "codes": [s.code for s in self.styles],
            "fill": [fill_at[s.fill] for s in self.styles],
            "flags": [s.hatched + 2 * s.verified + 4 * s.has_claims for s in self.styles],
            "tips": [list(map(at, tip)) for tip in tooltips],
            "legend": [{"c": e.colour, "l": html.escape(e.label)} for e in self.legend],
            "notes": [html.escape(UNVERIFIED_NOTE), html.escape(VERIFIED_NOTE)],
        }


def e(value: object) -> str:
    """Escape any value for HTML text or attribute context."""
    return html.escape(str(value), quote=True)


def build_map_view(
    names: dict[str, str],
    summary: pd.DataFrame,
    metric: Metric,
    selected: str | None = None,
    source_labels: dict[str, str] | None = None,
    palette: dict[str, str] | None = None,
) -> MapView:
    """Style every place in ``names`` from the per-place ``summary`` of claims in view.

    ``source_labels`` turns source ids into what a reader recognises ("CNN, 2022-08-30");
    ``palette`` (see :func:`presence_palette`) keeps each actor's colour fixed across views.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; use one of {', '.join(METRICS)}")
    # Column lists, not a .loc lookup or a Series per place: with thousands of places
    # those cost more than everything else here.
    columns = {c: _as_list(summary[c]) for c in summary.columns}
    colour_column, colour_of, legend = _colouring(summary, metric, palette, columns)
    # Most places share a handful of values (the same actors present, the same count).
    coloured = _memo(colour_of, columns.get(colour_column, []))
    tips = _tooltip_lines(columns, [text for _, text in coloured], source_labels or {})
    at = {str(code): i for i, code in enumerate(summary.index.tolist())}
    styles = []
    for code, name in names.items():
        i = at.get(code)
        if i is not None:
            fill, text = coloured[i]
            verified = bool(columns["verified"][i])
            lines = (_bold_name(name), *tips[i])
            styles.append(PlaceStyle(code, fill, not verified, verified, True, lines, text))
        else:
            lines = (_bold_name(name), _NO_CLAIMS_LINE)
            styles.append(PlaceStyle(code, NO_CLAIMS, False, False, False, lines, NO_CLAIMS_LABEL))
    legend = (*legend, LegendEntry(NO_CLAIMS, NO_CLAIMS_LABEL))
    return MapView(metric, METRICS[metric], tuple(styles), legend, selected)


def _as_list(column: pd.Series) -> list:
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        # datetime objects straight from numpy: pandas boxes each into a Timestamp slowly.
        return column.to_numpy().astype("datetime64[us]").tolist()
    return column.tolist()


MAX_LISTED = 5


def _listed(values: list[str] | tuple[str, ...], sep: str = ", ") -> str:
    """At most MAX_LISTED values, then how many more: a tooltip is read at a glance."""
    shown = sep.join(values[:MAX_LISTED])
    more = len(values) - MAX_LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def _tooltip_lines(
    columns: dict[str, list], metric_texts: list[str], source_labels: dict[str, str]
) -> list[tuple[str, ...]]:
    """Each place's tooltip lines after its name, built column by column.

    Thousands of places share a handful of status and precision lists: each distinct line
    is written and escaped once, then looked up. Claimant and source lists mostly differ
    from place to place; their lines are joined from names escaped once each (escaping
    commutes with joining, and the separators have nothing to escape).
    """

    def listed(prefix: str, column: list[tuple[str, ...]], sep: str, escaped: _Escaped) -> list:
        # _listed written out in the loop: calling it per place cost 1.4 ms a rerun at
        # 3,000 counties with claims.
        get = escaped.__getitem__
        lines = []
        for values in column:
            line = prefix + sep.join(map(get, values[:MAX_LISTED]))
            more = len(values) - MAX_LISTED
            lines.append(line + f" and {more} more" if more > 0 else line)
        return lines

    def statuses(key: tuple[tuple[str, ...], bool]) -> str:
        note = "includes corroborated claims" if key[1] else "unverified"
        return "Status: " + e(", ".join(key[0])) + f" ({e(note)})"

    def precisions(key: tuple[str, ...]) -> str:
        return "Date precision: " + e(", ".join(key))

    verified = [bool(v) for v in columns["verified"]]
    claimant_lines = listed("Claimed by: ", columns["claimants"], ", ", _Escaped(str))
    # Source ids are shown by their labels ("CNN, 2022-08-30").
    sources = _Escaped(lambda source_id: source_labels.get(source_id, source_id))
    source_lines = listed("Sources: ", columns["source_ids"], "; ", sources)
    return list(
        zip(
            _memo(e, metric_texts),
            [f"Claims in view: {int(n)}" for n in columns["n_claims"]],
            claimant_lines,
            _memo(statuses, list(zip(map(tuple, columns["statuses"]), verified, strict=True))),
            _memo(precisions, [tuple(v) for v in columns["precisions"]]),
            source_lines,
            [CLICK_HINT] * len(verified),
            strict=True,
        )
    )


class _Escaped(dict):
    """Each text's escaped form, made on first use: key -> ``e(text_of(key))``."""

    def __init__(self, text_of) -> None:
        super().__init__()
        self.text_of = text_of

    def __missing__(self, key: str) -> str:
        value = self[key] = e(self.text_of(key))
        return value


def _memo(render, keys: list) -> list:
    done: dict = {}
    return [done[k] if k in done else done.setdefault(k, render(k)) for k in keys]


@functools.lru_cache(maxsize=20_000)
def _bold_name(name: str) -> str:
    # Place names are the same on every rerun: escape each once per process.
    return f"<b>{e(name)}</b>"


CLICK_HINT = "<i>Click for the claims and their sources</i>"
_NO_CLAIMS_LINE = e(NO_CLAIMS_LABEL)


def _colouring(
    summary: pd.DataFrame, metric: Metric, palette: dict[str, str] | None, columns: dict
):
    """The summary column that colours a place, its (colour, text) per value, the legend."""
    if metric == "presence":
        return _presence_colouring(columns.get("presence_actors", []), palette)
    if metric == "latest":
        values = summary["latest"] if len(summary) else pd.Series(dtype="datetime64[s]")
        return _sequential(
            values,
            lambda v: f"latest claim ends {pd.Timestamp(v).date()}",
            lambda v: str(pd.Timestamp(v).date()),
        )
    column = "n_claims" if metric == "claims" else "n_actors"
    noun = "claims" if metric == "claims" else "distinct actors"
    return _sequential(
        summary[column] if len(summary) else pd.Series(dtype="int64"),
        lambda v: f"{int(v)} {noun}",
        lambda v: str(int(v)),
    )


def presence_palette(claims: pd.DataFrame) -> dict[str, str]:
    """A fixed colour for each of the actors most often claimed present in the whole data.

    Computed once per dataset, so an actor keeps its colour whatever the filters show.
    Actors beyond the palette share :data:`OTHER_ACTOR`.
    """
    presence = claims.loc[claims["claim_type"] == "presence", "actor"].astype(str)
    ranked = (
        presence.value_counts()
        .sort_index(kind="stable")
        .sort_values(ascending=False, kind="stable")
    )
    return {a: CATEGORICAL[i] for i, a in enumerate(ranked.index[: len(CATEGORICAL)])}


def _presence_colouring(present_sets: list[tuple[str, ...]], palette: dict[str, str] | None):
    in_view = sorted(set(chain.from_iterable(present_sets)))
    if palette is None:
        palette = {a: CATEGORICAL[i] for i, a in enumerate(in_view[: len(CATEGORICAL)])}

    def colour(actor: str) -> str:
        return palette.get(actor, OTHER_ACTOR)

    def colour_of(present: tuple[str, ...]) -> tuple[str, str]:
        if not present:
            return NO_PRESENCE, "claims in view, but nobody claims presence"
        text = "presence claimed for: " + _listed(present)
        if len(present) > 1:
            return SEVERAL_ACTORS, text
        return colour(present[0]), text

    legend = [LegendEntry(palette[a], f"presence claimed for {a}") for a in in_view if a in palette]
    if any(a not in palette for a in in_view):
        legend.append(LegendEntry(OTHER_ACTOR, "presence claimed for another actor"))
    sizes = set(map(len, present_sets))
    if any(size > 1 for size in sizes):
        legend.append(LegendEntry(SEVERAL_ACTORS, "presence claimed for more than one actor"))
    if 0 in sizes:
        legend.append(LegendEntry(NO_PRESENCE, "claims in view, none of presence"))
    return "presence_actors", colour_of, tuple(legend)


def _sequential(values: pd.Series, describe, label):
    """Up to five classes; each distinct value gets its own class when there are few."""
    distinct = sorted(values.unique())
    if len(distinct) <= len(SEQUENTIAL):
        edges = [(v, v) for v in distinct]
    else:
        quantiles = pd.Series(distinct).quantile([i / 5 for i in range(6)], interpolation="nearest")
        cuts = list(dict.fromkeys(quantiles.tolist()))
        # Classes [c0, c1], [c1 + 1, c2], ...: each value falls in exactly one.
        edges = [
            (cuts[i] if i == 0 else _after(cuts[i]), cuts[i + 1]) for i in range(len(cuts) - 1)
        ]
    colours = _spread(len(edges))

    def colour_of(value) -> tuple[str, str]:
        for (low, high), colour in zip(edges, colours, strict=True):
            if low <= value <= high:
                return colour, describe(value)
        return colours[-1], describe(value)

    legend = tuple(
        LegendEntry(c, label(lo) if lo == hi else f"{label(lo)} to {label(hi)}")
        for (lo, hi), c in zip(edges, colours, strict=True)
    )
    return values.name, colour_of, legend


def _after(value):
    if isinstance(value, pd.Timestamp):
        return value + pd.Timedelta(days=1)
    return value + 1


def _spread(n: int) -> tuple[str, ...]:
    """n colours from the sequential palette, spaced so that few classes still contrast."""
    if n <= 0:
        return ()
    if n == 1:
        return (SEQUENTIAL[2],)
    step = (len(SEQUENTIAL) - 1) / (n - 1)
    return tuple(SEQUENTIAL[round(i * step)] for i in range(n))

"""What each place looks like on the map: colour, hatching, outline, tooltip and legend.

Pure data, no drawing library: the folium layer in :mod:`geo.views.foliummap` only ships this to
the browser. Every text that ends up in HTML is escaped here, before it leaves Python, and
text from the data (names, claimants, sources, actors) is set in an element with
``dir="auto"`` or between Unicode isolates, so that Dari or Pashto reads right to left
without reordering the English around it.
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass, field
from functools import cached_property, partial
from itertools import accumulate, chain
from operator import attrgetter, itemgetter
from typing import Literal

import pandas as pd

from geo.escape import html_text, isolate

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


MAX_LISTED = 5


@dataclass(frozen=True)
class ListedLine:
    """A tooltip line that lists values ("Claimed by: A, B and 3 more"), for every place.

    Column-wise, made without a Python loop per place: ``counts[row]`` is how many values
    summary row ``row`` has, and the label indices of its first (at most MAX_LISTED) values
    follow those of the rows before it in ``items``. ``prefix``, ``sep`` and ``labels`` are
    escaped HTML. The browser joins each place's line itself (see :mod:`geo.views.foliummap`); at a
    million claims, thousands of such lines, nearly all different, cost more to write and
    to send whole.
    """

    prefix: str
    sep: str
    labels: tuple[str, ...]
    items: tuple[int, ...]
    counts: tuple[int, ...]

    @cached_property
    def _starts(self) -> list[int]:
        return [0, *accumulate(min(n, MAX_LISTED) for n in self.counts)]

    def line(self, row: int) -> str:
        """Row ``row``'s line, as the browser writes it."""
        if row < 0:
            raise ValueError(f"no summary row {row}: a place without claims has no listed line")
        n = self.counts[row]
        first = self.items[self._starts[row] : self._starts[row + 1]]
        shown = self.sep.join(self.labels[i] for i in first)
        return self.prefix + shown + (f" and {n - MAX_LISTED} more" if n > MAX_LISTED else "")


@dataclass(frozen=True)
class PlaceStyle:
    code: str
    fill: str
    hatched: bool
    verified: bool
    has_claims: bool
    # Already-escaped HTML, one entry per tooltip line; an int k stands for line
    # ``listed[k].line(row)``. Lines repeat across places ("Status: claimed"), so the
    # payload sends each distinct line once.
    tooltip_parts: tuple[str | int, ...]
    metric_text: str
    row: int = -1
    listed: tuple[ListedLine, ...] = field(default=(), repr=False)

    @property
    def tooltip_lines(self) -> tuple[str, ...]:
        return tuple(
            part if isinstance(part, str) else self.listed[part].line(self.row)
            for part in self.tooltip_parts
        )

    @property
    def tooltip_html(self) -> str:
        return "<br>".join(self.tooltip_lines)


@dataclass(frozen=True)
class LegendEntry:
    """A colour and what it means. ``label`` is plain text (right-to-left names in it set
    between Unicode isolates); ``subject``, when given, is the name from the data that
    ends it, which :attr:`html` sets in its own ``dir="auto"`` element."""

    colour: str
    label: str
    subject: str = ""

    @property
    def html(self) -> str:
        """The label as escaped HTML."""
        if not self.subject:
            return html.escape(self.label)
        head = self.label.removesuffix(isolate(self.subject))
        return html.escape(head) + html_text(self.subject)


@dataclass(frozen=True)
class MapView:
    metric: Metric
    title: str
    styles: tuple[PlaceStyle, ...]
    legend: tuple[LegendEntry, ...]
    selected: str | None = None
    listed: tuple[ListedLine, ...] = ()

    def __post_init__(self) -> None:
        # The payload sends the view's listed lines; each style's must be the same ones.
        if not set(map(id, map(_LISTED_OF, self.styles))) <= {id(()), id(self.listed)}:
            raise ValueError("every place's tooltip must list from the view's own lines")

    def payload(self) -> dict[str, object]:
        """The compact, JSON-ready form the browser layer reads.

        Column-wise, one entry per place in ``codes``: ``fill`` indexes ``fills``; ``flags``
        adds 1 for hatched, 2 for verified, 4 for has claims; ``tips`` lists indices into
        ``lines``, the distinct tooltip lines, which the browser joins with line breaks. A
        negative index -1-k stands for line ``listed[k]`` of the place's summary row
        ``rows[i]`` (see :class:`ListedLine`). With thousands of places, a dict per place
        cost more to build and to send.
        """
        # Iterated by map and chain (in C): tens of thousands of lines at 3,000 places.
        tooltips = [s.tooltip_parts for s in self.styles]
        distinct = dict.fromkeys(chain.from_iterable(tooltips))
        lines = [part for part in distinct if isinstance(part, str)]
        position: dict[str | int, int] = dict(zip(lines, range(len(lines)), strict=True))
        position.update((k, -1 - k) for k in range(len(self.listed)))
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
            "tips": list(map(list, map(partial(map, at), tooltips))),
            "rows": [s.row for s in self.styles],
            "listed": [
                {"p": c.prefix, "s": c.sep, "l": c.labels, "i": c.items, "n": c.counts}
                for c in self.listed
            ],
            "max": MAX_LISTED,
            "legend": [{"c": e.colour, "l": e.html} for e in self.legend],
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
    labels = source_labels or {}
    listed = (  # in the order of _CLAIMANTS and _SOURCES
        _listed_line("Claimed by: ", ", ", columns.get("claimants", []), str),
        # Source ids are shown by their labels ("CNN, 2022-08-30").
        _listed_line("Sources: ", "; ", columns.get("source_ids", []), lambda s: labels.get(s, s)),
    )
    tips = _tooltip_lines(columns, [text for _, text in coloured])
    at = {str(code): i for i, code in enumerate(summary.index.tolist())}
    styles = []
    for code, name in names.items():
        i = at.get(code)
        if i is not None:
            fill, text = coloured[i]
            verified = bool(columns["verified"][i])
            lines = (_bold_name(name), *tips[i])
            styles.append(
                PlaceStyle(code, fill, not verified, verified, True, lines, text, i, listed)
            )
        else:
            lines = (_bold_name(name), _NO_CLAIMS_LINE)
            styles.append(PlaceStyle(code, NO_CLAIMS, False, False, False, lines, NO_CLAIMS_LABEL))
    legend = (*legend, LegendEntry(NO_CLAIMS, NO_CLAIMS_LABEL))
    return MapView(metric, METRICS[metric], tuple(styles), legend, selected, listed)


def _as_list(column: pd.Series) -> list:
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        # datetime objects straight from numpy: pandas boxes each into a Timestamp slowly.
        return column.to_numpy().astype("datetime64[us]").tolist()
    return column.tolist()


def _listed(values: list[str] | tuple[str, ...], sep: str = ", ") -> str:
    """At most MAX_LISTED values, then how many more: a tooltip is read at a glance."""
    shown = sep.join(map(isolate, values[:MAX_LISTED]))
    more = len(values) - MAX_LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def _tooltip_lines(
    columns: dict[str, list], metric_texts: list[str]
) -> list[tuple[str | int, ...]]:
    """Each place's tooltip parts after its name, built column by column.

    Thousands of places share a handful of status and precision lists: each distinct line
    is written and escaped once, then looked up. The claimant and source lines, which
    mostly differ from place to place, stand as the ints _CLAIMANTS and _SOURCES for lines
    of the view's :class:`ListedLine` columns.
    """

    def statuses(key: tuple[tuple[str, ...], bool]) -> str:
        note = "includes corroborated claims" if key[1] else "unverified"
        return "Status: " + e(", ".join(key[0])) + f" ({e(note)})"

    def precisions(key: tuple[str, ...]) -> str:
        return "Date precision: " + e(", ".join(key))

    def locations(key: tuple[str, ...]) -> str:
        return "Location precision: " + e(", ".join(key))

    verified = [bool(v) for v in columns["verified"]]
    rows = len(verified)
    return list(
        zip(
            _memo(e, metric_texts),
            [f"Claims in view: {int(n)}" for n in columns["n_claims"]],
            [_CLAIMANTS] * rows,
            _memo(statuses, list(zip(map(tuple, columns["statuses"]), verified, strict=True))),
            _memo(precisions, [tuple(v) for v in columns["precisions"]]),
            _memo(locations, [tuple(v) for v in columns["location_precisions"]]),
            [_SOURCES] * rows,
            [CLICK_HINT] * rows,
            strict=True,
        )
    )


_CLAIMANTS, _SOURCES = 0, 1


def _listed_line(prefix: str, sep: str, column: list[tuple[str, ...]], text_of) -> ListedLine:
    """The :class:`ListedLine` of a summary column of value tuples (one per row)."""
    index = _Indexed(text_of)
    # Each step a map() over all rows, iterated in C rather than Python bytecode.
    items = tuple(map(index.__getitem__, chain.from_iterable(map(_FIRST_LISTED, column))))
    return ListedLine(e(prefix), e(sep), tuple(index.labels), items, tuple(map(len, column)))


_FIRST_LISTED = itemgetter(slice(MAX_LISTED))
_LISTED_OF = attrgetter("listed")


class _Indexed(dict):
    """Each text's position in ``labels``, its escaped form appended on first use."""

    def __init__(self, text_of) -> None:
        super().__init__()
        self.text_of = text_of
        self.labels: list[str] = []

    def __missing__(self, key: str) -> int:
        self.labels.append(html_text(self.text_of(key)))
        value = self[key] = len(self.labels) - 1
        return value


def _memo(render, keys: list) -> list:
    done: dict = {}
    return [done[k] if k in done else done.setdefault(k, render(k)) for k in keys]


@functools.lru_cache(maxsize=20_000)
def _bold_name(name: str) -> str:
    # Place names are the same on every rerun: escape each once per process.
    return html_text(name, "b")


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

    legend = [
        LegendEntry(palette[a], f"presence claimed for {isolate(a)}", a)
        for a in in_view
        if a in palette
    ]
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

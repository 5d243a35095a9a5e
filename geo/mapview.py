"""What each place looks like on the map: colour, hatching, outline, tooltip and legend.

Pure data, no drawing library: the folium layer in :mod:`geo.foliummap` only ships this to
the browser. Every text that ends up in HTML is escaped here, before it leaves Python.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
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
    tooltip_html: str
    metric_text: str


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
        """The compact, JSON-ready form the browser layer reads."""
        return {
            "title": html.escape(self.title),
            "selected": self.selected,
            "places": {
                s.code: {
                    "f": s.fill,
                    "h": s.hatched,
                    "v": s.verified,
                    "c": s.has_claims,
                    "t": s.tooltip_html,
                }
                for s in self.styles
            },
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
    colour_of, legend = _colouring(summary, metric, palette)
    styles = []
    # Plain dicts: a .loc lookup per place costs more than everything else here together.
    rows = dict(zip(summary.index.astype(str), summary.to_dict("records"), strict=True))
    for code, name in names.items():
        row = rows.get(code)
        if row is not None:
            fill, text = colour_of(row)
            verified = bool(row["verified"])
            styles.append(
                PlaceStyle(
                    code,
                    fill,
                    not verified,
                    verified,
                    True,
                    _tooltip(name, row, text, source_labels or {}),
                    text,
                )
            )
        else:
            tip = f"<b>{e(name)}</b><br>{e(NO_CLAIMS_LABEL)}"
            styles.append(PlaceStyle(code, NO_CLAIMS, False, False, False, tip, NO_CLAIMS_LABEL))
    legend = (*legend, LegendEntry(NO_CLAIMS, NO_CLAIMS_LABEL))
    return MapView(metric, METRICS[metric], tuple(styles), legend, selected)


MAX_LISTED = 5


def _listed(values: list[str] | tuple[str, ...], sep: str = ", ") -> str:
    """At most MAX_LISTED values, then how many more: a tooltip is read at a glance."""
    shown = sep.join(values[:MAX_LISTED])
    more = len(values) - MAX_LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def _tooltip(name: str, row: dict, metric_text: str, source_labels: dict[str, str]) -> str:
    sources = [source_labels.get(s, s) for s in row["source_ids"]]
    verified = "includes corroborated claims" if row["verified"] else "unverified"
    lines = [
        f"<b>{e(name)}</b>",
        e(metric_text),
        f"Claims in view: {int(row['n_claims'])}",
        "Claimed by: " + e(_listed(row["claimants"])),
        "Status: " + e(", ".join(row["statuses"])) + f" ({e(verified)})",
        "Date precision: " + e(", ".join(row["precisions"])),
        "Sources: " + e(_listed(sources, "; ")),
        "<i>Click for the claims and their sources</i>",
    ]
    return "<br>".join(lines)


def _colouring(summary: pd.DataFrame, metric: Metric, palette: dict[str, str] | None):
    if metric == "presence":
        return _presence_colouring(summary, palette)
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


def _presence_colouring(summary: pd.DataFrame, palette: dict[str, str] | None):
    in_view = sorted({a for tup in summary.get("presence_actors", []) for a in tup})
    if palette is None:
        palette = {a: CATEGORICAL[i] for i, a in enumerate(in_view[: len(CATEGORICAL)])}

    def colour(actor: str) -> str:
        return palette.get(actor, OTHER_ACTOR)

    def colour_of(row: dict) -> tuple[str, str]:
        present = row["presence_actors"]
        if not present:
            return NO_PRESENCE, "claims in view, but nobody claims presence"
        text = "presence claimed for: " + _listed(present)
        if len(present) > 1:
            return SEVERAL_ACTORS, text
        return colour(present[0]), text

    legend = [LegendEntry(palette[a], f"presence claimed for {a}") for a in in_view if a in palette]
    if any(a not in palette for a in in_view):
        legend.append(LegendEntry(OTHER_ACTOR, "presence claimed for another actor"))
    if any(len(t) > 1 for t in summary.get("presence_actors", [])):
        legend.append(LegendEntry(SEVERAL_ACTORS, "presence claimed for more than one actor"))
    if any(len(t) == 0 for t in summary.get("presence_actors", [])):
        legend.append(LegendEntry(NO_PRESENCE, "claims in view, none of presence"))
    return colour_of, tuple(legend)


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

    def colour_of(row: dict) -> tuple[str, str]:
        value = row[values.name]
        for (low, high), colour in zip(edges, colours, strict=True):
            if low <= value <= high:
                return colour, describe(value)
        return colours[-1], describe(value)

    legend = tuple(
        LegendEntry(c, label(lo) if lo == hi else f"{label(lo)} to {label(hi)}")
        for (lo, hi), c in zip(edges, colours, strict=True)
    )
    return colour_of, legend


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

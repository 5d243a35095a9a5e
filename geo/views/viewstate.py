"""The dashboard's view as URL query parameters, so that a link reproduces a view exactly.

Values from a URL are untrusted: each one is checked against what the data offers, and a
bad one is dropped with a note that the page shows, never an exception.

>>> opts = Options(actors=("NRF", "Taliban"), claim_types=("presence",), claimants=("NRF",),
...                statuses=("claimed",), precisions=("day",), places=("AF-PAN",))
>>> state, notes = parse_query({"actor": ["Taliban", "Nobody"], "metric": ["claims"]}, opts)
>>> sorted(state.filter.actors), state.metric, notes
(['Taliban'], 'claims', ["ignored actor 'Nobody': not in the data"])
>>> to_query(state)
{'metric': ['claims'], 'actor': ['Taliban']}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

from geo.views.filtering import ClaimFilter
from geo.views.mapview import METRICS, Metric

# URL parameter -> ClaimFilter attribute, for the category filters.
CATEGORY_PARAMS: dict[str, str] = {
    "actor": "actors",
    "type": "claim_types",
    "claimant": "claimants",
    "status": "statuses",
    "precision": "precisions",
}
DEFAULT_METRIC: Metric = "presence"
# The link name of the built-in data, which links leave out.
BUILTIN_DATASET = "builtin"
# The country whose built-in units the built-in data shows unless a link names another.
DEFAULT_COUNTRY = "AF"
MAX_VALUES = 200


@dataclass(frozen=True)
class Options:
    """What a URL may name: the values present in the loaded data."""

    actors: Sequence[str] = ()
    claim_types: Sequence[str] = ()
    claimants: Sequence[str] = ()
    statuses: Sequence[str] = ()
    precisions: Sequence[str] = ()
    places: Sequence[str] = ()


AS_OF_MODES = ("cumulative", "window")


@dataclass(frozen=True)
class ViewState:
    # The stored dataset shown, by its link name; None or "builtin" for the built-in data.
    dataset: str | None = None
    filter: ClaimFilter = field(default_factory=ClaimFilter)
    metric: Metric = DEFAULT_METRIC
    place: str | None = None
    presenter: bool = False
    # Playback: the map as of a date (see geo.time.playback), on top of the filter above.
    as_of: dt.date | None = None
    as_of_mode: str = "cumulative"
    # "As recorded on": the dataset as it stood in the store at a past moment of editing,
    # as the link wrote it (see :func:`parse_recorded`); None for the data as it is now.
    recorded: str | None = None
    # The country (ISO 3166-1 alpha-2) whose built-in units the built-in data is shown on.
    country: str = DEFAULT_COUNTRY


def parse_country(value: str, known: Collection[str]) -> tuple[str | None, str | None]:
    """A ``country`` link value (an ISO 3166-1 alpha-2 code of ``known``), or why it was
    ignored.

    >>> parse_country("sd", ("AF", "SD"))
    ('SD', None)
    >>> parse_country("Narnia", ("AF", "SD"))[1]
    "ignored country 'Narnia': no built-in units for it; use an ISO 3166-1 code such as SD"
    """
    code = value.strip().upper()
    if not code:
        return None, None
    if code in known:
        return code, None
    return None, (
        f"ignored country {value!r}: no built-in units for it; use an ISO 3166-1 code such as SD"
    )


def parse_query(
    params: Mapping[str, Sequence[str]], options: Options
) -> tuple[ViewState, list[str]]:
    """Read a view from query parameters (each a list of values); return it and the notes."""
    notes: list[str] = []
    state = ViewState()
    claim_filter = ClaimFilter()

    for param, attr in CATEGORY_PARAMS.items():
        values = [v for v in params.get(param, [])[:MAX_VALUES] if v != ""]
        if not values:
            continue
        allowed = set(getattr(options, attr))
        good = frozenset(v for v in values if v in allowed)
        notes += [f"ignored {param} {v!r}: not in the data" for v in values if v not in allowed]
        if good:
            claim_filter = replace(claim_filter, **{attr: good})

    start = _date(params, "from", notes)
    end = _date(params, "to", notes)
    if start and end and end < start:
        notes.append(f"ignored the date window: 'to' ({end}) is before 'from' ({start})")
        start = end = None
    claim_filter = replace(claim_filter, start=start, end=end)

    metric = _single(params, "metric")
    if metric is not None:
        if metric in METRICS:
            state = replace(state, metric=metric)  # type: ignore[arg-type]
        else:
            notes.append(f"ignored metric {metric!r}: use one of {', '.join(METRICS)}")

    place = _single(params, "place")
    if place is not None:
        if place in set(options.places):
            state = replace(state, place=place)
        else:
            notes.append(f"ignored place {place!r}: no such place code on this map")

    as_of = _date(params, "asof", notes)
    if as_of is not None:
        state = replace(state, as_of=as_of)
    mode = _single(params, "asof_mode")
    if mode is not None:
        if mode in AS_OF_MODES:
            state = replace(state, as_of_mode=mode)
        else:
            notes.append(f"ignored asof_mode {mode!r}: use one of {', '.join(AS_OF_MODES)}")

    presenter = _single(params, "presenter")
    if presenter is not None:
        if presenter in ("1", "0", "true", "false"):
            state = replace(state, presenter=presenter in ("1", "true"))
        else:
            notes.append(f"ignored presenter {presenter!r}: use 1 or 0")

    return replace(state, filter=claim_filter), notes


def to_query(state: ViewState) -> dict[str, list[str]]:
    """The query parameters that reproduce ``state``; defaults are left out."""
    out: dict[str, list[str]] = {}
    if state.dataset and state.dataset != BUILTIN_DATASET:
        out["dataset"] = [state.dataset]
    if state.country != DEFAULT_COUNTRY:
        out["country"] = [state.country]
    if state.metric != DEFAULT_METRIC:
        out["metric"] = [state.metric]
    f = state.filter
    if f.start:
        out["from"] = [f.start.isoformat()]
    if f.end:
        out["to"] = [f.end.isoformat()]
    for param, attr in CATEGORY_PARAMS.items():
        values = getattr(f, attr)
        if values:
            out[param] = sorted(values)
    if state.place:
        out["place"] = [state.place]
    if state.presenter:
        out["presenter"] = ["1"]
    if state.as_of:
        out["asof"] = [state.as_of.isoformat()]
        if state.as_of_mode != "cumulative":
            out["asof_mode"] = [state.as_of_mode]
    if state.recorded:
        out["recorded"] = [state.recorded]
    return out


@dataclass(frozen=True)
class Recorded:
    """A moment of editing that a link asks to see the data as of."""

    text: str  # as the link wrote it, and as links keep writing it
    moment: dt.datetime  # in UTC: edits after it are undone

    @property
    def label(self) -> str:
        """How every view names it, e.g. "2026-12-04" or "2026-12-04 13:05 UTC"."""
        if len(self.text) == len("YYYY-MM-DD"):
            return self.text
        return self.moment.strftime("%Y-%m-%d %H:%M:%S UTC").replace(":00 UTC", " UTC")


def parse_recorded(value: str) -> tuple[Recorded | None, str | None]:
    """A ``recorded`` link value, or why it was ignored.

    A date means the end of that day (UTC): the data after the day's last edit. A date and
    time (ISO 8601; UTC unless it names a zone) means that moment.

    >>> parse_recorded("2026-12-04")[0].moment.isoformat()
    '2026-12-04T23:59:59.999999+00:00'
    >>> parse_recorded("2026-12-04T13:05+01:00")[0].label
    '2026-12-04 12:05 UTC'
    >>> parse_recorded("yesterday")[1]
    "ignored recorded 'yesterday': write a date of editing as YYYY-MM-DD (or an ISO date and time)"
    """
    text = value.strip()
    if not text:
        return None, None
    why = (
        f"ignored recorded {value!r}: write a date of editing as YYYY-MM-DD "
        "(or an ISO date and time)"
    )
    try:
        if len(text) == len("YYYY-MM-DD"):
            day = dt.date.fromisoformat(text)
            end = dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC)
            return Recorded(text, end), None
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None, why
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return Recorded(text, moment.astimezone(dt.UTC)), None


def _single(params: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = params.get(name, [])
    return values[-1] if values else None


def _date(params: Mapping[str, Sequence[str]], name: str, notes: list[str]) -> dt.date | None:
    value = _single(params, name)
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        notes.append(f"ignored {name} {value!r}: write dates as YYYY-MM-DD")
        return None

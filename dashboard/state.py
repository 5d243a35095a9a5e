"""The view every page shares: read once from the URL, edited in the sidebar, written back.

Widget values live in ``st.session_state`` under the keys below; the URL is only read on a
session's first run (so a shared link restores the view) and rewritten after every run.

Not ``bind="query-params"`` (Streamlit 1.67): a bound widget gets its value from the URL
only when drawn, and the sidebar is drawn after the map; it drops a value it cannot use
without the note the page shows for each; and a place or a date window's two ends are not
one widget's value (tests/test_url_bind.py, docs/private-names.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

import streamlit as st

from geo.dataset import BUILTIN_LABEL, Dataset, country_view, load_dataset
from geo.escape import md
from geo.model.countries import available_countries, region
from geo.paths import active_countries_dir, active_data_dir
from geo.time.playback import DEFAULT_WINDOW_DAYS, as_of_filter
from geo.views.filtering import ClaimFilter, FilterResult, filter_claims
from geo.views.mapview import METRICS
from geo.views.viewstate import (
    AS_OF_MODES,
    BUILTIN_DATASET,
    CATEGORY_PARAMS,
    DEFAULT_COUNTRY,
    Options,
    Recorded,
    ViewState,
    parse_country,
    parse_query,
    parse_recorded,
    to_query,
)

DATES = "f_dates"
AS_OF_ON = "asof_on"
AS_OF = "asof"
AS_OF_MODE = "asof_mode"
METRIC = "metric"
PLACE = "place"
PRESENTER = "presenter"
# Unit names written on the map; always in presenter mode.
NAMES = "names"
CATEGORY_KEYS = {attr: f"f_{param}" for param, attr in CATEGORY_PARAMS.items()}
_URL_READ = "_url_read"
# A page switch from code (after loading a user's data) starts a run without the browser's
# widget values; session persistence keeps the sidebar's view across it.
PERSIST = "session"
_URL_NOTES = "_url_notes"
# Set by a session's first run; and, for a run, that the Map page sends its map before
# the session has a sidebar (see map_alone).
_STARTED = "_started"
MAP_ALONE = "_map_alone"
# The first and last dates of the data the date window was last drawn for.
_BOUNDS = "_date_bounds"

AS_OF_LABELS = {
    "cumulative": "claimed at any time up to this date",
    "window": f"claimed in the {DEFAULT_WINDOW_DAYS} days up to this date",
}
CATEGORY_LABELS = {
    "actors": "Actor (who the claim is about)",
    "claim_types": "Claim type",
    "claimants": "Claimant (who says it)",
    "statuses": "Status",
    "precisions": "Date precision",
}
CATEGORY_COLUMNS = {
    "actors": "actor",
    "claim_types": "claim_type",
    "claimants": "claimant",
    "statuses": "status",
    "precisions": "date_precision",
}


def dataset() -> Dataset:
    """The built-in data, one copy for every session of this server, from the data folder.

    The store keeps a copy of these files (filled and refreshed by their fingerprint, see
    store.Store.sync_builtin) for the picker, for other processes and for saving them with
    an upload; it refuses edits to that copy, so the copy and the files cannot differ, and
    the files are read here: the CSV loader is faster than a database read of the same
    rows, and a new server's first map needs nothing from the store.
    """
    return _files(str(active_data_dir()))


@st.cache_resource(show_spinner="Loading provinces, boundaries and claims…")
def _files(folder: str) -> Dataset:
    return load_dataset(Path(folder))


@st.cache_resource(show_spinner="Loading the country's units…")
def _country_files(folder: str, countries: str, code: str) -> Dataset:
    return country_view(_files(folder), region([code], Path(countries)))


def names_on_map() -> bool:
    """Whether the map writes its units' names: in presenter mode, or when asked for."""
    return bool(st.session_state.get(PRESENTER) or st.session_state.get(NAMES))


def country() -> str:
    """The country whose built-in units the built-in data is shown on (ISO alpha-2)."""
    return st.session_state.get(COUNTRY) or DEFAULT_COUNTRY


def from_files(data: Dataset) -> bool:
    """Whether ``data`` is the built-in data (read from the files)."""
    return data.label == BUILTIN_LABEL and data.stored_geojson is None and bool(data.boundary_file)


USER_DATA = "_user_data"
# The picker's value: the link name (slug) of the stored dataset this session shows.
DATASET = "dataset"
_DATASET_NOTES = "_dataset_notes"
_DATASET_NEXT = "_dataset_next"
# The "as recorded on" moment this session shows (a Recorded), read from its first link;
# under a key no widget uses, so only a link or the page's own button changes it.
_RECORDED = "_recorded"
# The country picker's value: whose built-in units the built-in data is shown on.
COUNTRY = "country"


def show_dataset(slug: str) -> None:
    """Show the stored dataset ``slug`` from the next run on (call st.rerun or switch_page).

    The picker's own value cannot be set once the sidebar has drawn it in this run.
    """
    st.session_state[_DATASET_NEXT] = slug
    st.session_state.pop(USER_DATA, None)
    st.session_state.pop(_RECORDED, None)


def recorded() -> Recorded | None:
    """The past moment of editing this session shows its stored dataset as of, if any."""
    return st.session_state.get(_RECORDED)


def show_current() -> None:
    """Leave the "as recorded on" view: the data as it is now, from the next run on."""
    st.session_state.pop(_RECORDED, None)


def active_dataset() -> Dataset:
    """This session's own upload if it has one, else the stored dataset it picked (on its
    first run, the one its link names), else the built-in data shared by all."""
    if _DATASET_NEXT in st.session_state:
        st.session_state[DATASET] = st.session_state.pop(_DATASET_NEXT)
        st.session_state.pop(_DATASET_NOTES, None)
    user = st.session_state.get(USER_DATA)
    if user is not None:
        return user
    if DATASET not in st.session_state:
        st.session_state[DATASET] = _dataset_from_url()
        _recorded_from_url()
    if COUNTRY not in st.session_state:
        st.session_state[COUNTRY] = _country_from_url()
    slug = st.session_state[DATASET]
    if slug == BUILTIN_DATASET and _RECORDED in st.session_state:
        st.session_state.pop(_RECORDED)
        _note(
            "ignored recorded: the built-in data has no editing history (it is read from "
            "the project's files); choose a saved dataset"
        )
    if slug != BUILTIN_DATASET:
        from dashboard import datastore  # the store's modules: only when a dataset needs them

        moment = recorded()
        stored = datastore.load(slug) if moment is None else datastore.load_recorded(slug, moment)
        if stored is not None:
            return stored
        st.session_state.pop(_RECORDED, None)
        st.session_state[_DATASET_NOTES] = (
            f"the dataset {slug!r} cannot be shown: "
            + (
                "the claims store cannot be reached right now"
                if datastore.problem()
                else "no saved dataset has that name (it may have been deleted)"
            )
            + "; showing the built-in data instead",
        )
        st.session_state[DATASET] = BUILTIN_DATASET
    if country() != DEFAULT_COUNTRY:
        return _country_files(str(active_data_dir()), str(active_countries_dir()), country())
    return dataset()


def _dataset_from_url() -> str:
    values = st.query_params.get_all("dataset")
    return values[-1] if values and values[-1] else BUILTIN_DATASET


def _country_from_url() -> str:
    values = st.query_params.get_all("country")
    known = [info.code for info in available_countries(active_countries_dir())]
    found, note = parse_country(values[-1], known) if values else (None, None)
    if note:
        _note(note)
    return found or DEFAULT_COUNTRY


def _recorded_from_url() -> None:
    values = st.query_params.get_all("recorded")
    found, note = parse_recorded(values[-1]) if values else (None, None)
    if found is not None:
        st.session_state[_RECORDED] = found
    if note:
        _note(note)


def _note(note: str) -> None:
    st.session_state[_DATASET_NOTES] = (*st.session_state.get(_DATASET_NOTES, ()), note)


def dataset_notes() -> tuple[str, ...]:
    """What became of a dataset a link or the picker named but could not be shown."""
    return st.session_state.get(_DATASET_NOTES, ())


def shown_dataset_slug() -> str | None:
    """The stored dataset this session shows (for its links); None for an unsaved upload."""
    if st.session_state.get(USER_DATA) is not None:
        return None
    return st.session_state.get(DATASET, BUILTIN_DATASET)


def _picked() -> None:
    # Picking a stored dataset leaves an unsaved upload (which stays on the Your data page),
    # and a past moment of editing, which was the linked dataset's.
    st.session_state.pop(USER_DATA, None)
    st.session_state.pop(_DATASET_NOTES, None)
    st.session_state.pop(_RECORDED, None)


@dataclass(frozen=True)
class Context:
    data: Dataset
    view: ViewState
    result: FilterResult
    url_notes: tuple[str, ...]


def _read_url_once(data: Dataset) -> None:
    if st.session_state.get(_URL_READ):
        return
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    state, notes = parse_query(params, data.filter_options)
    lo, hi = data.date_bounds
    f = state.filter
    st.session_state[DATES] = (f.start or lo, f.end or hi)
    for attr, key in CATEGORY_KEYS.items():
        st.session_state[key] = sorted(getattr(f, attr) or [])
    st.session_state[METRIC] = state.metric
    st.session_state[PLACE] = state.place
    st.session_state[PRESENTER] = state.presenter
    st.session_state[AS_OF_ON] = state.as_of is not None
    st.session_state[AS_OF] = min(max(state.as_of or hi, lo), hi)
    st.session_state[AS_OF_MODE] = state.as_of_mode
    st.session_state[_URL_NOTES] = tuple(notes)
    st.session_state[_URL_READ] = True


def sidebar(data: Dataset) -> Context:
    """Draw the shared filters and return what they select."""
    context = read_context(data)
    draw_sidebar(data)
    return context


def read_context(data: Dataset) -> Context:
    """What the shared filters select, read from their values without drawing them.

    Streamlit has a widget's new value in ``st.session_state`` before the widget is drawn,
    so app.py draws the sidebar after the page: the page's own elements, the map first
    among them, then reach the browser without waiting behind a dozen widgets.
    """
    _read_url_once(data)
    lo, hi = data.date_bounds
    _follow_date_bounds(lo, hi)
    _keep_only_available(data.filter_options, data)
    as_of_on = bool(st.session_state.get(AS_OF_ON))
    if as_of_on and not lo <= st.session_state.get(AS_OF, hi) <= hi:
        st.session_state[AS_OF] = hi
    start, end = _window(st.session_state.get(DATES), lo, hi)
    claim_filter = ClaimFilter(start=start, end=end)
    for attr, key in CATEGORY_KEYS.items():
        chosen = st.session_state.get(key) or []
        if chosen:
            claim_filter = replace(claim_filter, **{attr: frozenset(chosen)})
    as_of = st.session_state[AS_OF] if as_of_on else None
    mode = st.session_state.get(AS_OF_MODE, "cumulative")
    view = ViewState(
        dataset=shown_dataset_slug(),
        filter=claim_filter,
        metric=st.session_state[METRIC],
        place=st.session_state.get(PLACE),
        presenter=bool(st.session_state.get(PRESENTER)),
        as_of=as_of,
        as_of_mode=mode,
        recorded=moment.text if (moment := recorded()) is not None else None,
        country=country() if shown_dataset_slug() == BUILTIN_DATASET else DEFAULT_COUNTRY,
    )
    in_view = claim_filter if as_of is None else as_of_filter(claim_filter, as_of, mode)
    result = filter_claims(data.claims, in_view)
    notes = (*dataset_notes(), *st.session_state.get(_URL_NOTES, ()))
    return Context(data, view, result, notes)


def map_alone() -> bool:
    """Whether this run of the Map page is to send the map alone, without the sidebar.

    A new session's first run does: the map's frame then loads and paints without a dozen
    widgets being rendered on the page's one thread beside it (a new visitor's map painted
    about 0.3 s sooner, bench/RESULTS.md). The frame says when it has painted (or could
    not, or after 3 s of a slow boundary file), which reruns the script, and that run draws
    the sidebar; so does any other rerun, if the frame never says.
    """
    alone = _STARTED not in st.session_state
    st.session_state[_STARTED] = True
    st.session_state[MAP_ALONE] = alone
    return alone


def draw_sidebar(data: Dataset) -> None:
    """The shared filters, showing the values :func:`read_context` read."""
    st.session_state[_STARTED] = True
    opts = data.filter_options
    lo, hi = data.date_bounds
    with st.sidebar:
        _dataset_picker()
        _country_picker()
        st.toggle(
            "Presenter mode",
            key=PRESENTER,
            persist_state=PERSIST,
            help="Large type and a full-width map.",
        )
        st.toggle(
            "Names on the map",
            key=NAMES,
            persist_state=PERSIST,
            disabled=bool(st.session_state.get(PRESENTER)),
            help="Write each province's name on the map, where it fits without overlapping "
            "another (zoom in for more). Always on in presenter mode.",
        )
        st.radio(
            "Colour the map by",
            list(METRICS),
            format_func=METRICS.__getitem__,
            key=METRIC,
            persist_state=PERSIST,
        )
        st.markdown("**Filters**")
        st.date_input(
            "Claims dated within",
            key=DATES,
            persist_state=PERSIST,
            min_value=lo - dt.timedelta(days=3650),
            max_value=hi + dt.timedelta(days=3650),
            help="A claim is shown when its own date range overlaps this window.",
        )
        for attr, key in CATEGORY_KEYS.items():
            st.multiselect(
                CATEGORY_LABELS[attr],
                getattr(opts, attr),
                key=key,
                persist_state=PERSIST,
                placeholder="All",
            )
        st.markdown("**Time**")
        as_of_on = st.toggle(
            "Show the map as of a date",
            key=AS_OF_ON,
            persist_state=PERSIST,
            help="Step through time on the Map page (play, pause, step).",
        )
        if as_of_on:
            st.radio(
                "Claims shown",
                AS_OF_MODES,
                format_func=AS_OF_LABELS.__getitem__,
                key=AS_OF_MODE,
                persist_state=PERSIST,
            )
            st.slider(
                "As of",
                min_value=lo,
                max_value=hi,
                key=AS_OF,
                format="YYYY-MM-DD",
                persist_state=PERSIST,
            )


def _country_picked() -> None:
    # A country is picked to see its units: leave an upload, a saved dataset (each on its
    # own map) and the province chosen on the old map.
    _picked()
    st.session_state[DATASET] = BUILTIN_DATASET
    st.session_state[PLACE] = None


def _country_picker() -> None:
    names = {info.code: info.name for info in available_countries(active_countries_dir())}
    if st.session_state.get(COUNTRY) not in names:
        st.session_state[COUNTRY] = DEFAULT_COUNTRY
    st.selectbox(
        "Country",
        sorted(names, key=lambda code: names[code].casefold()),
        key=COUNTRY,
        # Names alone: the options are sent again with every rerun of every page.
        format_func=names.__getitem__,
        on_change=_country_picked,
        persist_state=PERSIST,
        help="Whose provinces to show (type to search). The built-in claims are "
        "Afghanistan's; an uploaded ACLED export picks its own countries.",
    )
    if st.session_state.get(USER_DATA) is None and country() != DEFAULT_COUNTRY:
        st.caption(
            f"No claims on {md(names[country()])}'s units: the built-in claims are "
            "Afghanistan's. Upload an export of it on the Your data page."
        )


def _dataset_picker() -> None:
    from dashboard import datastore  # drawn after the Map page's map: see app.py

    stored = datastore.datasets()
    if problem := datastore.problem():
        # The page's own warning comes from the next run on: the store is first asked here,
        # after the map was sent.
        st.warning(f"Saved datasets are unavailable: {md(problem)}.", icon=":material/cloud_off:")
    names = {d.slug: d.name for d in stored if d.slug != BUILTIN_DATASET}
    options = [BUILTIN_DATASET, *sorted(names, key=lambda slug: names[slug].casefold())]
    if st.session_state.get(DATASET) not in options:
        st.session_state[DATASET] = BUILTIN_DATASET
    counts = {d.slug: d.claim_count for d in stored}

    def label(slug: str) -> str:
        # The name alone: the browser sends a selectbox's value back as its label, so a
        # label that changes (a claim count, after a claim is added) would lose the choice.
        return BUILTIN_LABEL.capitalize() if slug == BUILTIN_DATASET else names[slug]

    st.selectbox(
        "Dataset",
        options,
        key=DATASET,
        format_func=label,
        on_change=_picked,
        persist_state=PERSIST,
        help="The built-in claims, or a dataset someone saved on the Your data page. "
        "Links to this view name the dataset.",
    )
    shown = st.session_state.get(DATASET)
    if shown in counts:
        st.caption(f"{counts[shown]:,} claims saved")
    user = st.session_state.get(USER_DATA)
    if user is not None:
        st.caption(
            f"Showing {md(user.label)}, not saved: only this browser tab sees it. "
            "Save it on the Your data page, or pick a dataset above."
        )


def _follow_date_bounds(lo: dt.date, hi: dt.date) -> None:
    """After a switch to other data, a window that spanned all the old data spans the new."""
    previous = st.session_state.get(_BOUNDS)
    dates = st.session_state.get(DATES)
    if previous is not None and previous != (lo, hi) and tuple(dates or ()) == previous:
        st.session_state[DATES] = (lo, hi)
    st.session_state[_BOUNDS] = (lo, hi)


def _keep_only_available(opts: Options, data: Dataset) -> None:
    """Drop chosen values the current data lacks (after switching to a user's upload)."""
    for attr, key in CATEGORY_KEYS.items():
        allowed = set(getattr(opts, attr))
        chosen = st.session_state.get(key) or []
        if any(v not in allowed for v in chosen):
            st.session_state[key] = [v for v in chosen if v in allowed]
    if st.session_state.get(PLACE) not in (None, *data.names):
        st.session_state[PLACE] = None


def _window(dates: object, lo: dt.date, hi: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The chosen window, or None for an end left at the data's own bound."""
    if not isinstance(dates, tuple | list) or len(dates) == 0:
        return None, None
    start = dates[0]
    end = dates[1] if len(dates) > 1 else None
    return (None if start == lo else start), (None if end in (None, hi) else end)


def write_url(view: ViewState) -> None:
    """Make the address bar reproduce the current view."""
    wanted = to_query(view)
    current = {k: st.query_params.get_all(k) for k in st.query_params}
    if current != wanted:
        st.query_params.from_dict(wanted)


def current() -> Context:
    """The context app.py computed for this run.

    A page run without app.py (on its own, as a test may) draws the shared sidebar itself.
    """
    # Taken, not read: a context left from an earlier run must never stand for this one.
    context = st.session_state.pop("_context", None)
    return context if context is not None else sidebar(active_dataset())

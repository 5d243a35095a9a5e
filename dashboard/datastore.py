"""The app's way to the shared store: opened once per process, polled for changes, and
answered for when it cannot be reached.

Every app process opens the store at ``CLAIMS_MAP_DATABASE_URL`` (default: a SQLite file
in the user's data folder) and fills it from the data folder on first start. Other
processes' saves are seen through the store's version, read at most once a second per
process; the list of datasets and each dataset are read again only when it changes.

When the store cannot be reached (a PostgreSQL server down, at start-up or later), every
function here answers as if there were only the built-in data, and :func:`problem` says
why; the next call after :data:`RETRY_S` seconds tries again, so the app recovers by
itself once the server is back.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import sqlalchemy as sa
import streamlit as st

from dashboard import storestatus
from dashboard.lasting import lasting
from geo.dataset import Dataset
from geo.paths import active_data_dir
from geo.views.viewstate import Recorded
from store import DatasetInfo, Store, StoreError, edits, open_store
from store.config import database_url, describe, public_name

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")
RETRY_S = 5.0
# How stale this process's idea of the store may be: a dataset saved on another process
# is listed here within this many seconds.
POLL_S = 1.0

_health_lock = storestatus.lock
_retrying: threading.Lock = lasting("store_retrying", threading.Lock)
# The list of datasets as last read from each store (see :func:`datasets`).
_last_listed: dict[str, list[DatasetInfo]] = lasting("store_last_listed", dict)
# Errors that mean "the database did not answer", as opposed to a bug of ours.
_UNREACHABLE = (StoreError, sa.exc.DBAPIError)


@st.cache_resource(show_spinner="Opening the claims store…")
def _opened(url: str, data_dir: str) -> Store:
    # Not cached when it raises: the next call tries again.
    opened = open_store(url)
    opened.sync_builtin(Path(data_dir))
    return opened


_health = storestatus.health
problem = storestatus.problem


def _failed(error: Exception) -> None:
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if isinstance(error, sa.exc.DBAPIError) and error.orig is not None:
        reason = str(error.orig).strip().splitlines()[0]
    if isinstance(error, sa.exc.DBAPIError) and "connection to server at" in reason:
        reason = reason.rsplit(": ", 1)[-1]  # the page names the server itself
    message = (
        reason
        if isinstance(error, StoreError)
        else f"the claims store ({public_name(database_url())}) stopped answering ({reason})"
    )
    health = _health()
    with _health_lock:
        if health.get("message") != message:
            _LOGGER.warning("claims store at %s unavailable: %s", describe(database_url()), error)
        health["message"] = message
        health["at"] = time.monotonic()


def store() -> Store | None:
    """The store, or None while it cannot be reached (see :func:`problem`)."""
    health = _health()
    failed_at = health.get("at")
    if isinstance(failed_at, float) and time.monotonic() - failed_at < RETRY_S:
        return None
    if failed_at is not None and not _retrying.acquire(blocking=False):
        return None  # another session is trying already: don't queue behind its timeout
    try:
        opened = _opened(database_url(), str(active_data_dir()))
        if failed_at is not None:
            opened.version()  # it failed before: make sure it answers again
    except _UNREACHABLE as error:
        _failed(error)
        return None
    finally:
        if failed_at is not None:
            _retrying.release()
    with _health_lock:
        health.pop("message", None)
        health.pop("at", None)
    return opened


@st.cache_data(ttl=POLL_S, show_spinner=False, max_entries=1)
def _version(url: str) -> int:
    opened = store()
    if opened is None:
        raise StoreError("unavailable")
    return opened.version()


@st.cache_data(show_spinner=False, max_entries=2)
def _listed(url: str, version: int) -> list[DatasetInfo]:
    opened = store()
    if opened is None:
        raise StoreError("unavailable")
    return opened.datasets()


def datasets() -> list[DatasetInfo]:
    """Every stored dataset, built-in first.

    While the store cannot be reached: the list as last read, so that a dataset this
    process has loaded stays on its viewers' screens (the others cannot be loaded).
    """
    url = database_url()
    known: dict[str, list[DatasetInfo]] = _last_listed
    if store() is None:
        return known.get(url, [])
    try:
        listed = _listed(url, _version(url))
    except _UNREACHABLE as error:
        if not isinstance(error, StoreError):
            _failed(error)
        return known.get(url, [])
    known[url] = listed
    return listed


def find(slug: str) -> DatasetInfo | None:
    return next((d for d in datasets() if d.slug == slug), None)


@st.cache_resource(show_spinner="Loading the dataset…", max_entries=6)
def _load(url: str, slug: str, dataset_id: int, revision: int) -> Dataset:
    # Keyed by id and revision: a dataset replaced or saved again is read afresh.
    opened = store()
    if opened is None:
        raise StoreError("unavailable")
    return opened.load(slug)


def load(slug: str) -> Dataset | None:
    """The stored dataset ``slug``; None if there is none or the store cannot be reached."""
    info = find(slug)
    if info is None and store() is not None:
        # A link to a dataset saved on another process a moment ago: look again now
        # rather than wait for the next poll.
        _version.clear()
        info = find(slug)
    if info is None:
        return None
    try:
        return _load(database_url(), slug, info.id, info.revision)
    except KeyError:  # deleted since the list was read
        return None
    except _UNREACHABLE as error:
        if not isinstance(error, StoreError):
            _failed(error)
        return None


@st.cache_resource(show_spinner="Loading the dataset as recorded…", max_entries=4)
def _load_recorded(
    url: str, slug: str, dataset_id: int, revision: int, moment: dt.datetime, label: str
) -> Dataset:
    opened = store()
    if opened is None:
        raise StoreError("unavailable")
    data = opened.load(slug, as_recorded_on=moment)
    # The label is in every view's header and every export's metadata.
    return replace(data, label=f"{data.label}, as recorded on {label}")


def load_recorded(slug: str, when: Recorded) -> Dataset | None:
    """The stored dataset ``slug`` as it stood at ``when`` (see :func:`load`)."""
    if find(slug) is None and load(slug) is None:  # load() looks again for a new one
        return None
    info = find(slug)
    if info is None:
        return None
    try:
        return _load_recorded(database_url(), slug, info.id, info.revision, when.moment, when.label)
    except KeyError:
        return None
    except _UNREACHABLE as error:
        if not isinstance(error, StoreError):
            _failed(error)
        return None


def save(data: Dataset, **details: Any) -> DatasetInfo:
    """Save ``data`` (see :meth:`store.Store.save`) and list it in this process at once.

    Raises :class:`store.SaveRefused` for a save against the rules, :class:`StoreError`
    while the store cannot be reached; nothing is written then.
    """
    return _writing(lambda s: s.save(data, **details))


def _writing(action: Callable[[Store], T]) -> T:
    """Run a write on the store and list its effect in this process at once."""
    opened = store()
    if opened is None:
        raise StoreError(problem() or "the claims store cannot be reached")
    try:
        result = action(opened)
    except _UNREACHABLE as error:
        if not isinstance(error, StoreError):
            _failed(error)
        raise
    _version.clear()  # other processes see it within POLL_S; this one now
    return result


def edit_claim(slug: str, claim_id: str, changes: dict[str, str], **details: Any) -> int:
    """See :func:`store.edits.edit_claim`."""
    return _writing(lambda s: edits.edit_claim(s, slug, claim_id, changes, **details))


def set_retracted(slug: str, claim_id: str, retracted: bool, **details: Any) -> int:
    """See :func:`store.edits.set_retracted`."""
    return _writing(lambda s: edits.set_retracted(s, slug, claim_id, retracted, **details))


def add_source(slug: str, fields: dict[str, str], **details: Any) -> str:
    """See :func:`store.edits.add_source`."""
    return _writing(lambda s: edits.add_source(s, slug, fields, **details))


def add_claim(slug: str, fields: dict[str, str], **details: Any) -> str:
    """See :func:`store.edits.add_claim`."""
    return _writing(lambda s: edits.add_claim(s, slug, fields, **details))


def review_many(slug: str, versions: dict[str, int], status: str, **details: Any) -> dict[str, int]:
    """See :func:`store.edits.review_many`."""
    return _writing(lambda s: edits.review_many(s, slug, versions, status, **details))


def claim_versions(slug: str, claim_ids: list[str]) -> dict[str, int]:
    """The claims' versions now; {} while the store cannot be reached."""
    opened = store()
    try:
        return edits.claim_versions(opened, slug, claim_ids) if opened else {}
    except KeyError:
        return {}
    except _UNREACHABLE as error:
        _failed(error)
        return {}


def retracted_claims(slug: str) -> pd.DataFrame | None:
    """The dataset's retracted claims (see :func:`store.edits.retracted_claims`)."""
    opened = store()
    try:
        return edits.retracted_claims(opened, slug) if opened else None
    except KeyError:
        return None
    except _UNREACHABLE as error:
        _failed(error)
        return None


def claim_version(slug: str, claim_id: str) -> int | None:
    opened = store()
    try:
        return edits.claim_version(opened, slug, claim_id) if opened else None
    except KeyError:
        return None
    except _UNREACHABLE as error:
        _failed(error)
        return None


def history(slug: str, claim_id: str | None = None) -> list[edits.Edit]:
    """The dataset's (or one claim's) change log; [] while the store cannot be reached."""
    opened = store()
    try:
        return edits.history(opened, slug, claim_id) if opened else []
    except KeyError:
        return []
    except _UNREACHABLE as error:
        _failed(error)
        return []


def boundary_geojson(sha256: str) -> str | None:
    """A stored boundary set's GeoJSON by its hash, for a map frame served by this process."""
    opened = store()
    if opened is None:
        return None
    try:
        return opened.boundary_geojson(sha256)
    except _UNREACHABLE as error:
        _failed(error)
        return None

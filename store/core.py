"""The shared store: saved datasets on SQLite or PostgreSQL, one code path for both.

A :class:`Store` wraps a SQLAlchemy engine whose schema Alembic has brought up to date.
Every write is one transaction that first raises the store's version: that serialises
writers on both engines (a row lock on PostgreSQL, the write lock on SQLite), so that what
a save checks (is the name free? is the boundary set there?) still holds when it commits,
and it tells every app process, which polls the version, that something changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from geo.dataset import BUILTIN_LABEL, Dataset, load_dataset
from geo.model.claims import (
    CATEGORY_COLUMNS,
    CLAIM_FIELDS,
    COLUMNS,
    ClaimsLoad,
    concat_claims,
    empty_claims,
    validate_claims,
)
from geo.model.places import Place, PlaceRegistry
from geo.model.problems import Problem
from geo.model.sources import SOURCE_COLUMNS, validate_sources
from geo.views.viewstate import BUILTIN_DATASET
from store import schema
from store.config import describe

BUILTIN = BUILTIN_DATASET
# Claims written or read per statement: large enough that per-statement costs vanish,
# small enough that one batch's Python objects stay a few tens of MB.
BATCH_ROWS = 20_000
# The data files the built-in copy is made from; any change to one is a new copy.
BUILTIN_FILES = (
    "provinces.csv",
    "provinces.geojson",
    "provinces.geojson.meta.json",
    "sources.csv",
    "claims.csv",
)
MAX_NAME_CHARS = 120

Progress = Callable[[float], None]


class StoreError(RuntimeError):
    """The store cannot be reached or used; the message says what and how to fix it."""


class SaveRefused(ValueError):
    """A save that would break a rule (a taken name, a claim the loader rejects)."""


@dataclass(frozen=True)
class DatasetInfo:
    """One stored dataset as the picker lists it."""

    id: int
    slug: str
    name: str
    description: str
    saved_by: str
    saved_at: dt.datetime
    kind: str
    claim_count: int
    revision: int
    boundary_sha256: str


def slugify(name: str) -> str:
    """A link-safe form of a dataset's name.

    >>> slugify("NRF claims, Sept. 2022 (Dari sources)")
    'nrf-claims-sept-2022-dari-sources'
    >>> slugify("جبهه مقاومت")
    'dataset'
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-")
    return slug or "dataset"


def fingerprint(data_dir: Path) -> str:
    """A hash of the built-in data files' names and contents."""
    digest = hashlib.sha256()
    for name in BUILTIN_FILES:
        path = data_dir / name
        digest.update(name.encode() + b"\0")
        if path.exists():
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()


class Store:
    """Datasets kept in a database. Make one with :func:`store.open_store`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def url(self) -> str:
        """The database's URL with any password hidden."""
        return describe(self.engine.url.render_as_string(hide_password=False))

    # --- reading ------------------------------------------------------------------------

    def version(self) -> int:
        """A number that every write raises: compare it to learn whether anything changed."""
        with self.engine.connect() as conn:
            return int(conn.scalar(sa.select(schema.store_state.c.version)) or 0)

    def datasets(self) -> list[DatasetInfo]:
        """Every dataset, the built-in copy first, then the saved ones by name."""
        d = schema.datasets
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(*_INFO_COLUMNS).order_by((d.c.kind != BUILTIN), d.c.name)
            ).all()
        return [_info(row) for row in rows]

    def find(self, slug: str) -> DatasetInfo | None:
        d = schema.datasets
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(*_INFO_COLUMNS).where(d.c.slug == slug)).first()
        return _info(row) if row is not None else None

    def boundary_geojson(self, sha256: str) -> str | None:
        """Stored polygons' GeoJSON text, by the SHA-256 of that text."""
        b = schema.boundary_sets
        with self.engine.connect() as conn:
            return conn.scalar(sa.select(b.c.geojson).where(b.c.geojson_sha256 == sha256).limit(1))

    def load(self, slug: str, as_recorded_on: dt.datetime | None = None) -> Dataset:
        """The dataset ``slug`` as the app uses it. Raises KeyError if there is none.

        Retracted claims are left out. ``as_recorded_on``: the claims as they stood in the
        store at that moment, every later edit undone (not the claims' own dates).
        """
        for _ in range(3):
            info = self.find(slug)
            if info is None:
                raise KeyError(slug)
            try:
                with self.engine.connect() as conn:
                    data = _read_dataset(conn, info, as_recorded_on)
            except _Replaced:
                continue
            # Reads are not one snapshot on every engine; a dataset replaced while it was
            # read (the built-in copy, refreshed by another process) is read again.
            again = self.find(slug)
            if again is not None and (again.id, again.revision) == (info.id, info.revision):
                return data
        raise StoreError(f"dataset {slug!r} kept changing while it was read; reload the page")

    # --- writing ------------------------------------------------------------------------

    def save(
        self,
        data: Dataset,
        *,
        name: str,
        description: str = "",
        saved_by: str = "",
        aliases: Mapping[str, str] | None = None,
        progress: Progress | None = None,
    ) -> DatasetInfo:
        """Save ``data`` as a new dataset named ``name``, whole or not at all.

        Raises :class:`SaveRefused` if the name is taken or empty, or if any claim is one
        the loader would reject (nothing is then written).
        """
        name = " ".join(name.split())
        if not name:
            raise SaveRefused("give the dataset a name")
        if len(name) > MAX_NAME_CHARS:
            raise SaveRefused(f"the name is {len(name)} characters; keep it to {MAX_NAME_CHARS}")
        if slugify(name) == BUILTIN or name.casefold() == BUILTIN_LABEL:
            raise SaveRefused(f"{name!r} is the built-in data's name; choose another")
        for label, text in (("name", name), ("description", description), ("your name", saved_by)):
            _refuse_control_characters(label, text)
        _check_claims(data, aliases or {})
        with self.engine.begin() as conn:
            _bump(conn)
            d = schema.datasets
            if conn.scalar(sa.select(d.c.id).where(d.c.name == name)) is not None:
                raise SaveRefused(f"a dataset named {name!r} already exists; choose another name")
            slug = _free_slug(conn, slugify(name))
            return _write(
                conn,
                data,
                slug=slug,
                name=name,
                description=description.strip(),
                saved_by=saved_by.strip(),
                kind="saved",
                fingerprint="",
                aliases=aliases or {},
                progress=progress,
            )

    def sync_builtin(self, data_dir: Path) -> DatasetInfo:
        """Make the built-in copy match the files in ``data_dir``, reading them only if needed.

        The files are never written. On first start this fills the store; after a change
        to any of the files, the copy is replaced whole, in one transaction.
        """
        stamp = fingerprint(data_dir)
        current = self.find(BUILTIN)
        if current is not None and self._fingerprint(current.id) == stamp:
            return current
        data = load_dataset(data_dir)
        with self.engine.begin() as conn:
            _bump(conn)
            d = schema.datasets
            row = conn.execute(
                sa.select(d.c.id, d.c.source_fingerprint).where(d.c.slug == BUILTIN)
            ).first()
            if row is not None and row.source_fingerprint == stamp:
                # Another process refreshed it first.
                found = self.find(BUILTIN)
                assert found is not None
                return found
            revision = 1
            if row is not None:
                revision = conn.scalar(sa.select(d.c.revision).where(d.c.id == row.id)) + 1
                conn.execute(sa.delete(d).where(d.c.id == row.id))
            return _write(
                conn,
                data,
                slug=BUILTIN,
                name=BUILTIN_LABEL,
                description=f"The files in the project's data folder ({data_dir.name}/).",
                saved_by="",
                kind=BUILTIN,
                fingerprint=stamp,
                aliases={},
                revision=revision,
            )

    def delete(self, slug: str) -> bool:
        """Remove a saved dataset; True if there was one. The built-in copy stays."""
        if slug == BUILTIN:
            raise SaveRefused("the built-in data cannot be deleted")
        with self.engine.begin() as conn:
            _bump(conn)
            d = schema.datasets
            gone = conn.execute(sa.delete(d).where(d.c.slug == slug)).rowcount
        return bool(gone)

    def _fingerprint(self, dataset_id: int) -> str:
        d = schema.datasets
        with self.engine.connect() as conn:
            return conn.scalar(sa.select(d.c.source_fingerprint).where(d.c.id == dataset_id))


_INFO_COLUMNS = tuple(
    schema.datasets.c[n]
    for n in (
        "id",
        "slug",
        "name",
        "description",
        "saved_by",
        "saved_at",
        "kind",
        "claim_count",
        "revision",
        "boundary_sha256",
    )
)


def _info(row: sa.Row) -> DatasetInfo:
    fields = row._asdict()
    if fields["saved_at"].tzinfo is None:  # SQLite keeps no zone; every time is saved in UTC
        fields["saved_at"] = fields["saved_at"].replace(tzinfo=dt.UTC)
    return DatasetInfo(**fields)


def _bump(conn: Connection) -> int:
    """Raise the store's version: a write's first statement (see the module's docstring)."""
    s = schema.store_state
    conn.execute(sa.update(s).where(s.c.id == 1).values(version=s.c.version + 1))
    return int(conn.scalar(sa.select(s.c.version).where(s.c.id == 1)))


def _free_slug(conn: Connection, base: str) -> str:
    d = schema.datasets
    taken = set(conn.scalars(sa.select(d.c.slug).where(d.c.slug.like(f"{base}%"))))
    if base not in taken and base != BUILTIN:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


# --- checks before a save ---------------------------------------------------------------

# Control characters but tab and line breaks: PostgreSQL cannot store NUL, and the others
# are invisible on the page; refused on both engines alike.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _refuse_control_characters(label: str, text: str) -> None:
    """
    >>> _refuse_control_characters("name", "a\\x00b")
    Traceback (most recent call last):
    ...
    store.core.SaveRefused: the name holds a control character (U+0000); remove it
    """
    found = _CONTROL.search(text)
    if found:
        raise SaveRefused(
            f"the {label} holds a control character (U+{ord(found.group()):04X}); remove it"
        )


def _claims_as_text(claims: pd.DataFrame) -> pd.DataFrame:
    """The claims as the loader reads a file: every cell text, the province by its code."""
    out = pd.DataFrame(index=claims.index)
    for column in COLUMNS:
        if column in ("date_start", "date_end"):
            out[column] = claims[column].dt.strftime("%Y-%m-%d")
        else:
            out[column] = claims[column].astype("string").fillna("").astype(str)
    return out


def _check_claims(data: Dataset, aliases: Mapping[str, str]) -> None:
    """Refuse claims the loader would reject: the store holds nothing a file could not."""
    places = data.places.with_aliases(dict(aliases)) if aliases else data.places
    checked = validate_claims(
        _claims_as_text(data.claims),
        places=places,
        source_ids=set(data.sources["source_id"].astype(str)),
        row_numbers=[int(r) for r in data.claims["row"]],
    )
    errors = checked.errors
    if errors:
        shown = "; ".join(str(p) for p in errors[:3])
        more = f" and {len(errors) - 3} more" if len(errors) > 3 else ""
        raise SaveRefused(
            f"{len(errors)} claims would be rejected by the loader ({shown}{more}); "
            "fix them in the table and load it again"
        )


# --- writing a dataset's rows -----------------------------------------------------------


def _write(
    conn: Connection,
    data: Dataset,
    *,
    slug: str,
    name: str,
    description: str,
    saved_by: str,
    kind: str,
    fingerprint: str,
    aliases: Mapping[str, str],
    progress: Progress | None = None,
    revision: int = 1,
) -> DatasetInfo:
    now = dt.datetime.now(dt.UTC)
    sha = _ensure_boundary_set(conn, data, now)
    dataset_id = conn.execute(
        sa.insert(schema.datasets)
        .values(
            slug=slug,
            name=name,
            description=description,
            saved_by=saved_by,
            saved_at=now,
            boundary_sha256=sha,
            kind=kind,
            source_fingerprint=fingerprint,
            problems_json=json.dumps([_problem_record(p) for p in data.problems]),
            claim_count=len(data.claims),
            revision=revision,
        )
        .returning(schema.datasets.c.id)
    ).scalar_one()
    source_rows = [
        {"dataset_id": dataset_id, "position": i, **record}
        for i, record in enumerate(_source_records(data.sources))
    ]
    if source_rows:
        conn.execute(sa.insert(schema.sources), source_rows)
    if aliases:
        conn.execute(
            sa.insert(schema.dataset_aliases),
            [{"dataset_id": dataset_id, "spelling": k, "code": v} for k, v in aliases.items()],
        )
    total = len(data.claims)
    for start, batch in _claim_batches(data.claims, dataset_id):
        conn.execute(sa.insert(schema.claims), batch)
        if progress is not None:
            progress(min(start + len(batch), total) / max(total, 1))
    if progress is not None:
        progress(1.0)
    row = conn.execute(sa.select(*_INFO_COLUMNS).where(schema.datasets.c.id == dataset_id)).one()
    return _info(row)


def _ensure_boundary_set(conn: Connection, data: Dataset, now: dt.datetime) -> str:
    text = data.geojson
    geojson_sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    meta_json = json.dumps(data.boundary_meta, default=str, sort_keys=True)
    places = [
        {
            "code": place.code,
            "name": place.name,
            "iso_name": place.iso_name,
            "aliases": ";".join(place.aliases),
            "position": i,
        }
        for i, place in enumerate(data.places.place(c) for c in data.places.codes)
    ]
    key = hashlib.sha256(
        json.dumps([geojson_sha, data.boundary_credit, meta_json, places]).encode("utf-8")
    ).hexdigest()
    b = schema.boundary_sets
    if conn.scalar(sa.select(b.c.sha256).where(b.c.sha256 == key)) is not None:
        return key
    conn.execute(
        sa.insert(b).values(
            sha256=key,
            geojson_sha256=geojson_sha,
            label=str(data.boundary_meta.get("output_file") or data.label),
            credit=data.boundary_credit,
            geojson=text,
            meta_json=meta_json,
            created_at=now,
        )
    )
    conn.execute(sa.insert(schema.boundary_places), [{"boundary_sha256": key, **p} for p in places])
    return key


def _problem_record(problem: Problem) -> list[object]:
    return [problem.row, problem.column, problem.value, problem.message, problem.severity]


def _source_records(sources: pd.DataFrame) -> Iterator[dict[str, str]]:
    for record in sources.reindex(columns=list(SOURCE_COLUMNS)).to_dict("records"):
        yield {k: _text(v) for k, v in record.items()}


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    return str(value)


def _claim_batches(
    claims: pd.DataFrame, dataset_id: int
) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    for start in range(0, len(claims), BATCH_ROWS):
        chunk = claims.iloc[start : start + BATCH_ROWS]
        columns: dict[str, Iterable[object]] = {}
        for column in CLAIM_FIELDS:
            values = chunk[column]
            if column in ("date_start", "date_end"):
                columns[column] = values.dt.date.tolist()
            elif column == "row":
                columns[column] = values.astype("int64").tolist()
            elif column == "province":
                # NULL, not "", for a country-wide claim.
                columns[column] = values.astype(object).where(values.notna(), None).tolist()
            else:
                columns[column] = values.astype("string").fillna("").astype(str).tolist()
        positions = range(start, start + len(chunk))
        names = list(columns)
        yield (
            start,
            [
                {"dataset_id": dataset_id, "position": p, **dict(zip(names, row, strict=True))}
                for p, row in zip(positions, zip(*columns.values(), strict=True), strict=True)
            ],
        )


# --- reading a dataset back -------------------------------------------------------------

# Dates are read as their ISO text: one vectorised parse instead of a Python date object
# per cell, and the same text from SQLite (which stores it so) and PostgreSQL.
_CLAIM_SELECT = tuple(
    sa.cast(schema.claims.c[c], sa.Text).label(c)
    if c in ("date_start", "date_end")
    else schema.claims.c[c]
    for c in CLAIM_FIELDS
)


class _Replaced(Exception):
    """The dataset row went away while it was read (the built-in copy, refreshed)."""


def _read_dataset(
    conn: Connection, info: DatasetInfo, as_recorded_on: dt.datetime | None = None
) -> Dataset:
    problems_json = conn.scalar(
        sa.select(schema.datasets.c.problems_json).where(schema.datasets.c.id == info.id)
    )
    if problems_json is None:
        raise _Replaced
    problems = tuple(Problem(*record) for record in json.loads(problems_json))
    boundaries, geojson, meta, registry = _read_boundaries(conn, info.boundary_sha256)
    a = schema.dataset_aliases
    aliases = dict(
        conn.execute(sa.select(a.c.spelling, a.c.code).where(a.c.dataset_id == info.id)).all()
    )
    if aliases:
        registry = registry.with_aliases(aliases)
    s = schema.sources
    source_rows = conn.execute(
        sa.select(*(s.c[c] for c in SOURCE_COLUMNS))
        .where(s.c.dataset_id == info.id)
        .order_by(s.c.position)
    ).all()
    raw_sources = pd.DataFrame(
        [tuple(r) for r in source_rows], columns=list(SOURCE_COLUMNS), dtype=str
    )
    sources = validate_sources(raw_sources).sources
    if as_recorded_on is None:
        claims = _read_claims(conn, info.id, schema.claims.c.retracted == sa.false())
    else:
        claims = _recorded_claims(conn, info.id, as_recorded_on)
    builtin = info.kind == BUILTIN
    return Dataset(
        places=registry,
        boundaries=boundaries,
        boundary_meta=meta,
        sources=sources,
        claims=claims,
        problems=problems,
        claims_load=ClaimsLoad(claims, list(problems)),
        boundary_file=None,
        label=BUILTIN_LABEL if builtin else info.name,
        stored_geojson=geojson,
    )


def _read_claims(conn: Connection, dataset_id: int, *where: sa.ColumnElement[bool]) -> pd.DataFrame:
    c = schema.claims
    query = sa.select(*_CLAIM_SELECT).where(c.c.dataset_id == dataset_id, *where)
    query = query.order_by(c.c.position)
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        pieces = list(_copied_pieces(conn, query))
    else:
        result = conn.execution_options(stream_results=True, yield_per=BATCH_ROWS).execute(query)
        pieces = [_typed_piece(list(zip(*rows, strict=True))) for rows in result.partitions()]
    return concat_claims(pieces) if pieces else empty_claims()


_PROVINCE_NULL = "_province_null"


def _copied_pieces(conn: Connection, query: sa.Select[Any]) -> Iterator[pd.DataFrame]:
    """The claims ``query`` selects, through PostgreSQL's COPY as CSV, parsed by pandas.

    Fetching rows makes the driver build one Python string per cell (16 per claim), which
    put a million-claim load at 1.7-2.1x the CSV loader's time (bench/store_load.py);
    pandas' C reader parses the same text about as fast as it reads the CSV files. CSV
    writes NULL and an empty text alike once pandas has read them, so the one nullable
    column's NULLs travel as a flag of their own.
    """
    flagged = query.add_columns(schema.claims.c.province.is_(None).label(_PROVINCE_NULL))
    # Inlined values are the dataset's id and booleans: nothing a user typed.
    sql = flagged.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
    names = [*CLAIM_FIELDS, _PROVINCE_NULL]
    raw = conn.connection.driver_connection
    # UTF-8 whatever the connection's client encoding: pandas reads it as UTF-8.
    statement = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, ENCODING 'UTF8')"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        chunks = pd.read_csv(
            io.BufferedReader(_CopyStream(copy), buffer_size=1 << 20),
            header=None,
            names=names,
            dtype=str,
            na_filter=False,
            encoding="utf-8",
            chunksize=BATCH_ROWS,
        )
        for chunk in chunks:
            columns = [chunk[name].to_numpy(dtype=object) for name in CLAIM_FIELDS]
            province = CLAIM_FIELDS.index("province")
            nulls = chunk[_PROVINCE_NULL].to_numpy(dtype=object) == "t"
            if nulls.any():
                columns[province] = columns[province].copy()
                columns[province][nulls] = None
            yield _typed_piece(columns)


class _CopyStream(io.RawIOBase):
    """The blocks of a psycopg COPY TO, as a file pandas can read."""

    def __init__(self, copy: Any) -> None:
        self._blocks = iter(copy)
        self._rest = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._rest:
            block = next(self._blocks, None)
            if block is None:
                return 0
            self._rest = memoryview(block)
        size = min(len(buffer), len(self._rest))
        buffer[:size] = self._rest[:size]
        self._rest = self._rest[size:]
        return size


def _recorded_claims(conn: Connection, dataset_id: int, moment: dt.datetime) -> pd.DataFrame:
    from store.edits import _edit, as_recorded

    c, e, d = schema.claims, schema.claim_edits, schema.datasets
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    saved_at = conn.scalar(sa.select(d.c.saved_at).where(d.c.id == dataset_id))
    if saved_at.replace(tzinfo=saved_at.tzinfo or dt.UTC) > moment:
        return empty_claims()  # the dataset was not yet saved then
    claims = _read_claims(conn, dataset_id)
    retracted = pd.Series(
        list(
            conn.scalars(
                sa.select(c.c.retracted).where(c.c.dataset_id == dataset_id).order_by(c.c.position)
            )
        ),
        dtype=bool,
    )
    later = [
        _edit(r)
        for r in conn.execute(
            sa.select(e)
            .where(e.c.dataset_id == dataset_id, e.c.edited_at > moment)
            .order_by(e.c.id)
        )
    ]
    return as_recorded(claims, retracted, later)


def _typed_piece(columns: list[Any]) -> pd.DataFrame:
    """The claims table from one sequence of values per column of CLAIM_FIELDS, as text."""
    piece: dict[str, object] = {}
    for name, values in zip(CLAIM_FIELDS, columns, strict=True):
        if name in ("date_start", "date_end"):
            # NumPy reads ISO dates itself, far faster than a parser per cell.
            piece[name] = np.array(values, dtype="datetime64[D]").astype("datetime64[s]")
        elif name == "row":
            piece[name] = np.array(values, dtype="int64")
        elif name in CATEGORY_COLUMNS:
            # Few distinct values: factorised as Python objects, and only the distinct
            # ones made pandas strings.
            codes, uniques = pd.factorize(np.array(values, dtype=object))
            piece[name] = pd.Categorical.from_codes(
                codes, dtype=pd.CategoricalDtype(pd.Index(uniques, dtype="string"))
            )
        else:
            piece[name] = pd.array(values, dtype="string")
    return pd.DataFrame(piece, columns=list(CLAIM_FIELDS))


def _read_boundaries(
    conn: Connection, sha256: str
) -> tuple[gpd.GeoDataFrame, str, dict[str, Any], PlaceRegistry]:
    b = schema.boundary_sets
    row = conn.execute(sa.select(b.c.geojson, b.c.meta_json).where(b.c.sha256 == sha256)).one()
    boundaries = gpd.read_file(io.BytesIO(row.geojson.encode("utf-8")))[
        ["code", "name", "geometry"]
    ]
    p = schema.boundary_places
    # A spelling two places share names neither, as in the registry the set was saved from:
    # several countries' units (India's and Pakistan's "Punjab") are saved as one set. A set
    # of one country's or a user's units has no shared spelling, and reads the same either way.
    places = PlaceRegistry(
        (
            Place(r.code, r.name, r.iso_name, tuple(a for a in r.aliases.split(";") if a))
            for r in conn.execute(
                sa.select(p.c.code, p.c.name, p.c.iso_name, p.c.aliases)
                .where(p.c.boundary_sha256 == sha256)
                .order_by(p.c.position)
            )
        ),
        drop_shared=True,
    )
    return boundaries, row.geojson, json.loads(row.meta_json), places

"""The store's tables, in SQLAlchemy Core: one description for SQLite and PostgreSQL.

The Alembic migrations in ``store/migrations`` create and change these tables; this module
is what the code reads and writes through. A test checks the two agree.

A saved dataset is a snapshot: its claims and sources are copied in whole when it is
saved, so a later change to the built-in data or to another dataset never alters it.
"""

from __future__ import annotations

import sqlalchemy as sa

from geo.model.sources import SOURCE_COLUMNS

metadata = sa.MetaData(
    # Named constraints, so that a later migration can drop or alter them by name on
    # both engines (SQLite has no names of its own to refer to).
    naming_convention={
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

# One row: a number raised by every write. Other app processes poll it (one indexed read)
# to learn that the list of datasets or a dataset's content changed.
store_state = sa.Table(
    "store_state",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.BigInteger, nullable=False),
)


def _dataset_key() -> sa.Column:
    """The column tying a row to its dataset, part of its key; deleted with the dataset."""
    return sa.Column(
        "dataset_id",
        sa.Integer,
        sa.ForeignKey("datasets.id", ondelete="CASCADE"),
        primary_key=True,
    )


# A map layer with its credit, provenance record and places, named by a SHA-256 of all of
# them: the same set saved twice is stored once, and a change to any part is a new set.
# Its polygons are also found by the SHA-256 of their GeoJSON text alone, which is how any
# app process serves them to a map frame.
boundary_sets = sa.Table(
    "boundary_sets",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("geojson_sha256", sa.String(64), nullable=False, index=True),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("credit", sa.Text, nullable=False),
    sa.Column("geojson", sa.Text, nullable=False),
    # The boundary file's provenance record (source, licence, checksums) as JSON text.
    sa.Column("meta_json", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# The places a boundary set's polygons stand for, with every spelling the matcher knows.
boundary_places = sa.Table(
    "boundary_places",
    metadata,
    sa.Column(
        "boundary_sha256",
        sa.String(64),
        sa.ForeignKey("boundary_sets.sha256", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("iso_name", sa.Text, nullable=False),
    # Separated by ";", as in data/provinces.csv.
    sa.Column("aliases", sa.Text, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
)

datasets = sa.Table(
    "datasets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # What a link names (?dataset=...): letters, digits and hyphens.
    sa.Column("slug", sa.String(80), nullable=False, unique=True),
    sa.Column("name", sa.Text, nullable=False, unique=True),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("saved_by", sa.Text, nullable=False),
    sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column(
        "boundary_sha256",
        sa.String(64),
        sa.ForeignKey("boundary_sets.sha256"),
        nullable=False,
    ),
    # "builtin" for the copy of data/ the store is filled with, "saved" for a user's.
    sa.Column("kind", sa.String(16), nullable=False),
    # For the built-in copy: a fingerprint of the data files it was read from, so a
    # change to them is noticed at start-up.
    sa.Column("source_fingerprint", sa.Text, nullable=False),
    # The rows the loader rejected when this dataset was read, as JSON: the map says how
    # many, and they are never stored as claims.
    sa.Column("problems_json", sa.Text, nullable=False),
    sa.Column("claim_count", sa.Integer, nullable=False),
    # Raised whenever the dataset's content is replaced: the app's caches key on it.
    sa.Column("revision", sa.Integer, nullable=False),
    # Never reuse a deleted dataset's id: caches key on (id, revision).
    sqlite_autoincrement=True,
)

sources = sa.Table(
    "sources",
    metadata,
    _dataset_key(),
    sa.Column("source_id", sa.Text, primary_key=True),
    # The loader's other columns, as text: "published" as the ISO date the loader checked.
    *(sa.Column(c, sa.Text, nullable=False) for c in SOURCE_COLUMNS if c != "source_id"),
    sa.Column("position", sa.Integer, nullable=False),
    # The document's text, when an editor pasted it in: a claim's quote must appear in it.
    # NULL for sources that came from files or uploads (their quotes are checked by the
    # data tests, or not at all).
    sa.Column("full_text", sa.Text, nullable=True),
)

claims = sa.Table(
    "claims",
    metadata,
    _dataset_key(),
    # The claim's place in the dataset's table: loads come back in the order saved.
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("claim_id", sa.Text, nullable=False),
    sa.Column("claimant", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("claim_type", sa.Text, nullable=False),
    # The matched place code; NULL for a country-wide claim.
    sa.Column("province", sa.Text, nullable=True),
    sa.Column("province_input", sa.Text, nullable=False),
    sa.Column("place", sa.Text, nullable=False),
    # One of geo.model.vocab.LOCATION_PRECISIONS; rows from before it existed got "place".
    sa.Column("location_precision", sa.Text, nullable=False, server_default=sa.text("'place'")),
    sa.Column("date_start", sa.Date, nullable=False),
    sa.Column("date_end", sa.Date, nullable=False),
    sa.Column("date_precision", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("source_id", sa.Text, nullable=False),
    sa.Column("locator", sa.Text, nullable=False),
    sa.Column("quote", sa.Text, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    # The row of the file the claim was read from, as the loader numbered it.
    sa.Column("row", sa.Integer, nullable=False),
    # Raised by every edit: an editor's save names the version it started from, and is
    # refused if another editor's save came first.
    sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1")),
    # A retracted claim is kept (and can be restored) but never shown.
    sa.Column("retracted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.UniqueConstraint("dataset_id", "claim_id"),
)

# Every change to a claim, and every source added, never edited or deleted: who, when, why,
# and each field's old and new value (``changes_json``: {"field": [old, new]}).
claim_edits = sa.Table(
    "claim_edits",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "dataset_id", sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False
    ),
    # "claim", or "source" for a source added in the app (``claim_id`` is then its id).
    sa.Column("subject", sa.String(16), nullable=False, server_default="claim"),
    sa.Column("claim_id", sa.Text, nullable=False),
    # The claim's version after this change.
    sa.Column("version", sa.Integer, nullable=False),
    # "add", "edit", "retract" or "restore".
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("edited_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("editor", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("changes_json", sa.Text, nullable=False),
    sa.Index("ix_claim_edits_dataset_id", "dataset_id", "claim_id", "version"),
)

# Spellings a user accepted for place names that matched nothing ("Panjsher" -> AF-PAN),
# kept with the dataset they were accepted for.
dataset_aliases = sa.Table(
    "dataset_aliases",
    metadata,
    _dataset_key(),
    sa.Column("spelling", sa.Text, primary_key=True),
    sa.Column("code", sa.Text, nullable=False),
)

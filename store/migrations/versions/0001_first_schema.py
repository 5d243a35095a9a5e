"""The first schema: datasets, their sources and claims, boundary sets, aliases.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "store_state",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_store_state"),
    )
    op.execute(sa.text("INSERT INTO store_state (id, version) VALUES (1, 0)"))
    op.create_table(
        "boundary_sets",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("geojson_sha256", sa.String(64), nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("credit", sa.Text, nullable=False),
        sa.Column("geojson", sa.Text, nullable=False),
        sa.Column("meta_json", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_boundary_sets"),
    )
    op.create_index("ix_boundary_sets_geojson_sha256", "boundary_sets", ["geojson_sha256"])
    op.create_table(
        "boundary_places",
        sa.Column("boundary_sha256", sa.String(64), nullable=False),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("iso_name", sa.Text, nullable=False),
        sa.Column("aliases", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("boundary_sha256", "code", name="pk_boundary_places"),
        sa.ForeignKeyConstraint(
            ["boundary_sha256"],
            ["boundary_sets.sha256"],
            ondelete="CASCADE",
            name="fk_boundary_places_boundary_sha256_boundary_sets",
        ),
    )
    op.create_table(
        "datasets",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("slug", sa.String(80), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("saved_by", sa.Text, nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("boundary_sha256", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("source_fingerprint", sa.Text, nullable=False),
        sa.Column("problems_json", sa.Text, nullable=False),
        sa.Column("claim_count", sa.Integer, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_datasets"),
        sa.UniqueConstraint("slug", name="uq_datasets_slug"),
        sa.UniqueConstraint("name", name="uq_datasets_name"),
        sa.ForeignKeyConstraint(
            ["boundary_sha256"],
            ["boundary_sets.sha256"],
            name="fk_datasets_boundary_sha256_boundary_sets",
        ),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "sources",
        sa.Column("dataset_id", sa.Integer, nullable=False),
        sa.Column("source_id", sa.Text, nullable=False),
        *(
            sa.Column(name, sa.Text, nullable=False)
            for name in (
                "title",
                "publisher",
                "author",
                "published",
                "kind",
                "url",
                "speaker",
                "reliability_note",
                "file",
            )
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("dataset_id", "source_id", name="pk_sources"),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            ondelete="CASCADE",
            name="fk_sources_dataset_id_datasets",
        ),
    )
    op.create_table(
        "claims",
        sa.Column("dataset_id", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("claim_id", sa.Text, nullable=False),
        sa.Column("claimant", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("claim_type", sa.Text, nullable=False),
        sa.Column("province", sa.Text, nullable=True),
        sa.Column("province_input", sa.Text, nullable=False),
        sa.Column("place", sa.Text, nullable=False),
        sa.Column("date_start", sa.Date, nullable=False),
        sa.Column("date_end", sa.Date, nullable=False),
        sa.Column("date_precision", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("source_id", sa.Text, nullable=False),
        sa.Column("locator", sa.Text, nullable=False),
        sa.Column("quote", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("row", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("dataset_id", "position", name="pk_claims"),
        sa.UniqueConstraint("dataset_id", "claim_id", name="uq_claims_dataset_id"),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            ondelete="CASCADE",
            name="fk_claims_dataset_id_datasets",
        ),
    )
    op.create_table(
        "dataset_aliases",
        sa.Column("dataset_id", sa.Integer, nullable=False),
        sa.Column("spelling", sa.Text, nullable=False),
        sa.Column("code", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("dataset_id", "spelling", name="pk_dataset_aliases"),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            ondelete="CASCADE",
            name="fk_dataset_aliases_dataset_id_datasets",
        ),
    )


def downgrade() -> None:
    for table in (
        "dataset_aliases",
        "claims",
        "sources",
        "datasets",
        "boundary_places",
        "boundary_sets",
        "store_state",
    ):
        op.drop_table(table)

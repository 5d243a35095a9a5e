"""Claims that can be edited and reviewed: a version per claim, retraction, an edit log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing claims start at version 1, not retracted: what they were when saved.
    with op.batch_alter_table("claims") as batch:
        batch.add_column(
            sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1"))
        )
        batch.add_column(
            sa.Column("retracted", sa.Boolean, nullable=False, server_default=sa.false())
        )
    op.create_table(
        "claim_edits",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("dataset_id", sa.Integer, nullable=False),
        sa.Column("claim_id", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("editor", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("changes_json", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_claim_edits"),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            ondelete="CASCADE",
            name="fk_claim_edits_dataset_id_datasets",
        ),
    )
    op.create_index(
        "ix_claim_edits_dataset_id", "claim_edits", ["dataset_id", "claim_id", "version"]
    )


def downgrade() -> None:
    op.drop_index("ix_claim_edits_dataset_id", table_name="claim_edits")
    op.drop_table("claim_edits")
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("retracted")
        batch.drop_column("version")

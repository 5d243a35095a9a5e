"""Sources added in the app: their full text, and the edit log naming what each entry is about.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Sources saved before have no text in the store: NULL, so their quotes go unchecked
    # (as before), not checked against an empty text.
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("full_text", sa.Text, nullable=True))
    # Every entry logged so far is about a claim.
    with op.batch_alter_table("claim_edits") as batch:
        batch.add_column(
            sa.Column("subject", sa.String(16), nullable=False, server_default="claim")
        )


def downgrade() -> None:
    with op.batch_alter_table("claim_edits") as batch:
        batch.drop_column("subject")
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("full_text")

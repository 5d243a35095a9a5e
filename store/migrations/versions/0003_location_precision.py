"""Claims record how exactly their location is known (ACLED's geo_precision).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Claims saved before this column existed get "place", the loader's default for a
    # claim that says nothing of it. An ACLED export saved then kept each event's town
    # whatever its geo_precision; saving it again from the file records the precision.
    with op.batch_alter_table("claims") as batch:
        batch.add_column(
            sa.Column(
                "location_precision",
                sa.Text,
                nullable=False,
                server_default=sa.text("'place'"),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("location_precision")

"""relay origin: an outbound notice names the party whose own words it carries

Content security checks those words as that sender before the recipient sees them; before this
the relay was inferred at delivery from a matching inbound message, which masking broke.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbound_details") as batch:
        batch.add_column(sa.Column("relay_sender_id", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("relay_words_enc", sa.Text(), nullable=True))
        batch.create_foreign_key(
            "fk_outbound_details_relay_sender", "parties", ["relay_sender_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("outbound_details") as batch:
        batch.drop_constraint("fk_outbound_details_relay_sender", type_="foreignkey")
        batch.drop_column("relay_words_enc")
        batch.drop_column("relay_sender_id")

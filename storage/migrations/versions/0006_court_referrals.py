"""court referrals (委托调解) and the normalized employer of a case

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "court_referrals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("court", sa.String(length=128), nullable=False),
        sa.Column("court_case_no", sa.String(length=64), nullable=False),
        sa.Column("entrusted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("feedback_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_by", sa.String(length=32), nullable=True),
        sa.Column("feedback", sa.Text(), nullable=True),
        sa.Column("feedback_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_court_referrals_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["registered_by"], ["parties.id"], name=op.f("fk_court_referrals_registered_by_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_court_referrals")),
        sa.UniqueConstraint("case_id", name=op.f("uq_court_referrals_case_id")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("employer_key", sa.String(length=128), nullable=True))
        batch_op.create_index(batch_op.f("ix_cases_employer_key"), ["employer_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_employer_key"))
        batch_op.drop_column("employer_key")
    op.drop_table("court_referrals")

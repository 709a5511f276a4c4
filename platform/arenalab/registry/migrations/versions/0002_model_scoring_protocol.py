"""Models: the scoring protocol, the margin over random and the league rating's uncertainty.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 17:00:00

Models scored before this revision have no protocol, so they are never "best" until
they are scored again (``arenalab evaluate`` or ``arenalab league``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the scoring columns and clear best flags that no protocol backs."""
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.add_column(sa.Column("protocol", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("eval_episodes", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("beats_random", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("rating_mu", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("rating_sigma", sa.Float(), nullable=True))
        batch_op.create_index(batch_op.f("ix_models_protocol"), ["protocol"], unique=False)
    models = sa.table("models", sa.column("is_best", sa.Boolean()))
    op.execute(models.update().values(is_best=False))


def downgrade() -> None:
    """Drop the scoring columns."""
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_models_protocol"))
        batch_op.drop_column("rating_sigma")
        batch_op.drop_column("rating_mu")
        batch_op.drop_column("beats_random")
        batch_op.drop_column("eval_episodes")
        batch_op.drop_column("protocol")

"""when an admin deactivated a partnership, and when one was registered through the site

Revision ID: c9d0e1f2a3b4
Revises: b8c9d0e1f2a3
Create Date: 2026-12-01 03:20:00

A partnership is inactive while its registration waits for the email confirmation, and when an
admin deactivated it. Only the first may be brought in by confirming the address; the column
tells them apart. Existing inactive partnerships are left unmarked (the database cannot tell
which of the two they are); an admin who deactivated one can do so again to mark it.

A partnership registered through the site carries a contact address its registrant typed, which
proves nothing to an import (services/importing.py); ``registered_at`` marks those. Existing
rows are left unmarked.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c9d0e1f2a3b4'
down_revision = 'b8c9d0e1f2a3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('partnership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('registered_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('partnership', schema=None) as batch_op:
        batch_op.drop_column('registered_at')
        batch_op.drop_column('deactivated_at')

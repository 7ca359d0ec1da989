"""when an admin deactivated a partnership, and when one was registered through the site

Revision ID: c9d0e1f2a3b4
Revises: b8c9d0e1f2a3
Create Date: 2026-12-01 03:20:00

A partnership is inactive while its registration waits for the email confirmation, and when an
admin deactivated it. Only the first may be brought in by confirming the address; the column
tells them apart. Existing rows: an inactive partnership without an unconfirmed account (a
registration waiting for its confirmation always has one) was deactivated by an admin.

A partnership registered through the site carries a contact address its registrant typed, which
proves nothing to an import (services/importing.py); ``registered_at`` marks those. Existing
rows: a partnership with an account that did not join through an invitation is taken to have
been registered (or given an account by an operator); either way its contact address was not
proven by an import, and the import then asks for one of its confirmed accounts' addresses.
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
    backfill(op.get_bind())


def backfill(bind) -> None:
    """Mark existing rows as the module says."""
    bind.execute(sa.text(
        "UPDATE partnership SET deactivated_at = updated_at WHERE active = :no AND id NOT IN ("
        " SELECT partnership_id FROM user_account"
        " WHERE partnership_id IS NOT NULL AND email_confirmed_at IS NULL)"
    ), {"no": False})
    bind.execute(sa.text(
        "UPDATE partnership SET registered_at = created_at WHERE id IN ("
        " SELECT u.partnership_id FROM user_account u WHERE u.partnership_id IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM invitation i WHERE i.user_id = u.id))"
    ))


def downgrade():
    with op.batch_alter_table('partnership', schema=None) as batch_op:
        batch_op.drop_column('registered_at')
        batch_op.drop_column('deactivated_at')

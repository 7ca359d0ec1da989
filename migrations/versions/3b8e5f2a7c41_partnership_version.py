"""partnership version: every profile edit bumps it; stale edits (web form, API If-Match) are refused

Revision ID: 3b8e5f2a7c41
Revises: 7d2e4b9c1a36
Create Date: 2026-11-30 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3b8e5f2a7c41'
down_revision = '7d2e4b9c1a36'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('partnership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('partnership', schema=None) as batch_op:
        batch_op.drop_column('version')

"""context version: suggestions' context (introductions, reviews, dismissals) cached per version

Revision ID: 5c1f0e7a9b2d
Revises: ec66459b9b5b
Create Date: 2026-11-28 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1f0e7a9b2d'
down_revision = 'ec66459b9b5b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('data_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('context_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('data_version', schema=None) as batch_op:
        batch_op.drop_column('context_version')

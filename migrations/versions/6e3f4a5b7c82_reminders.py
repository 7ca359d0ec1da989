"""reminders: one row per reminder sent about an introduction (unique per introduction and kind)

Revision ID: 6e3f4a5b7c82
Revises: 5d2e3f4a6b71
Create Date: 2026-12-03 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6e3f4a5b7c82'
down_revision = '5d2e3f4a6b71'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('introduction_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('mentor_reminder', 'admin_unanswered', 'followup')", name=op.f('ck_reminder_kind_known')),
    sa.ForeignKeyConstraint(['introduction_id'], ['introduction.id'], name=op.f('fk_reminder_introduction_id_introduction'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder')),
    sa.UniqueConstraint('introduction_id', 'kind', name='uq_reminder_introduction_kind')
    )


def downgrade():
    op.drop_table('reminder')

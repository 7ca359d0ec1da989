"""stories: what a partnership tried and what worked, per partnership in order

Revision ID: 7d2e4b9c1a36
Revises: 5c1f0e7a9b2d
Create Date: 2026-11-29 21:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7d2e4b9c1a36'
down_revision = '5c1f0e7a9b2d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('story',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('tips', sa.JSON(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('visibility', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("language IN ('nl', 'en')", name=op.f('ck_story_language_known')),
    sa.CheckConstraint("outcome IN ('worked', 'partly', 'did_not_work')", name=op.f('ck_story_outcome_known')),
    sa.CheckConstraint("visibility IN ('public', 'members')", name=op.f('ck_story_visibility_known')),
    sa.CheckConstraint('length(title) BETWEEN 1 AND 200', name=op.f('ck_story_title_length')),
    sa.CheckConstraint('position >= 0', name=op.f('ck_story_position_range')),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], name=op.f('fk_story_partnership_id_partnership'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_story'))
    )
    with op.batch_alter_table('story', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_story_partnership_id'), ['partnership_id'], unique=False)


def downgrade():
    with op.batch_alter_table('story', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_story_partnership_id'))

    op.drop_table('story')

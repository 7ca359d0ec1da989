"""practice sessions: Praktijk-in-zicht sessions, their sign-ups, and calendar attachments in the outbox

Revision ID: a7b8c9d0e1f2
Revises: 9c3d4e5f6a14
Create Date: 2026-12-05 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7b8c9d0e1f2'
down_revision = '9c3d4e5f6a14'
branch_labels = None
depends_on = None

ACTIVE = sa.text("state IN ('confirmed', 'waiting')")


def upgrade():
    op.create_table('practice_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('online_url', sa.String(length=500), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('visit', 'online', 'workshop')", name=op.f('ck_practice_session_kind_known')),
    sa.CheckConstraint("language IN ('nl', 'en')", name=op.f('ck_practice_session_language_known')),
    sa.CheckConstraint('capacity BETWEEN 1 AND 500', name=op.f('ck_practice_session_capacity_range')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_practice_session_ends_after_start')),
    sa.CheckConstraint('length(title) BETWEEN 1 AND 200', name=op.f('ck_practice_session_title_length')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_practice_session_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], name=op.f('fk_practice_session_partnership_id_partnership'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_session'))
    )
    with op.batch_alter_table('practice_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_session_partnership_id'), ['partnership_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_practice_session_starts_at'), ['starts_at'], unique=False)

    op.create_table('session_signup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('confirmed', 'waiting', 'cancelled')", name=op.f('ck_session_signup_state_known')),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], name=op.f('fk_session_signup_partnership_id_partnership'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['practice_session.id'], name=op.f('fk_session_signup_session_id_practice_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_session_signup_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_signup'))
    )
    with op.batch_alter_table('session_signup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_signup_partnership_id'), ['partnership_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_signup_session_id'), ['session_id'], unique=False)
        batch_op.create_index('uq_session_signup_active', ['session_id', 'partnership_id'], unique=True, sqlite_where=ACTIVE, postgresql_where=ACTIVE)

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('calendar')

    with op.batch_alter_table('session_signup', schema=None) as batch_op:
        batch_op.drop_index('uq_session_signup_active', sqlite_where=ACTIVE, postgresql_where=ACTIVE)
        batch_op.drop_index(batch_op.f('ix_session_signup_session_id'))
        batch_op.drop_index(batch_op.f('ix_session_signup_partnership_id'))

    op.drop_table('session_signup')
    with op.batch_alter_table('practice_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_session_starts_at'))
        batch_op.drop_index(batch_op.f('ix_practice_session_partnership_id'))

    op.drop_table('practice_session')

"""introduction messages: the conversation of the two partnerships (and admins) on an introduction

Revision ID: 9c3d4e5f6a14
Revises: 8f1a2b3c4d93
Create Date: 2026-12-04 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9c3d4e5f6a14'
down_revision = '8f1a2b3c4d93'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('introduction_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('introduction_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_side', sa.String(length=8), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("author_side IN ('mentee', 'mentor', 'admin')", name=op.f('ck_introduction_message_author_side_known')),
    sa.CheckConstraint('length(body) > 0', name=op.f('ck_introduction_message_body_not_empty')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_introduction_message_author_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['introduction_id'], ['introduction.id'], name=op.f('fk_introduction_message_introduction_id_introduction'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_introduction_message'))
    )
    with op.batch_alter_table('introduction_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_introduction_message_introduction_id'), ['introduction_id'], unique=False)


def downgrade():
    with op.batch_alter_table('introduction_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_introduction_message_introduction_id'))

    op.drop_table('introduction_message')

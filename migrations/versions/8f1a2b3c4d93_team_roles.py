"""team roles: a partnership's accounts are coordinators (edit and act) or members (read and follow)

Existing partnership accounts become coordinators: until now every account could edit. An
invitation carries the role it grants; invitations made before this migration were all made by
admins or the command line, so they grant ``coordinator``.

Revision ID: 8f1a2b3c4d93
Revises: 6e3f4a5b7c82
Create Date: 2026-11-30 00:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8f1a2b3c4d93'
down_revision = '6e3f4a5b7c82'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_account_role_known'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_user_account_role_known'), "role IN ('member', 'coordinator', 'admin')"
        )
    op.execute(sa.text(
        "UPDATE user_account SET role = 'coordinator' WHERE role = 'member' AND partnership_id IS NOT NULL"
    ))
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=16), server_default='coordinator', nullable=False))
        batch_op.create_check_constraint(op.f('ck_invitation_role_known'), "role IN ('coordinator', 'member')")


def downgrade():
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_invitation_role_known'), type_='check')
        batch_op.drop_column('role')
    op.execute(sa.text("UPDATE user_account SET role = 'member' WHERE role = 'coordinator'"))
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_account_role_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_user_account_role_known'), "role IN ('member', 'admin')")

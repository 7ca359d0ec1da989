"""challenge visibility (everyone or signed-in partnerships), and free-text regions mapped to provinces

Revision ID: b8c9d0e1f2a3
Revises: a7b8c9d0e1f2
Create Date: 2026-12-12 10:00:00

The data step rewrites each partnership's region into the province form of the exchange format
("Apeldoorn" → "Gelderland, Apeldoorn") with matchmaker/provinces.py. A region that cannot be
mapped (an unknown name, or one that lies in two provinces) is left as it is and logged, so an
admin can fix it by hand.
"""
import logging

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b8c9d0e1f2a3'
down_revision = 'a7b8c9d0e1f2'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade():
    with op.batch_alter_table('partnership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('challenges_visibility', sa.String(length=10), server_default='public', nullable=False))
        batch_op.create_check_constraint(
            op.f('ck_partnership_challenges_visibility_known'), "challenges_visibility IN ('public', 'members')"
        )
    map_regions(op.get_bind())


def map_regions(bind) -> None:
    """Free-text regions to "Provincie" / "Provincie, Plaats"; unmappable ones logged and kept."""
    from matchmaker.provinces import UnknownRegion, parse_region

    partnership = sa.table('partnership', sa.column('id', sa.Integer), sa.column('key', sa.String),
                           sa.column('region', sa.String))
    rows = bind.execute(sa.select(partnership.c.id, partnership.c.key, partnership.c.region)
                        .where(partnership.c.region.is_not(None))).all()
    for row in rows:
        try:
            mapped = parse_region(row.region)
        except UnknownRegion:
            log.warning("partnership %s: region %r is not a province or a place in one province; left as it is",
                        row.key, row.region)
            continue
        if mapped != row.region and (mapped is None or len(mapped) <= 100):
            bind.execute(partnership.update().where(partnership.c.id == row.id).values(region=mapped))


def downgrade():
    # The mapped regions stay (they are valid free text too); only the column goes.
    with op.batch_alter_table('partnership', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_partnership_challenges_visibility_known'), type_='check')
        batch_op.drop_column('challenges_visibility')

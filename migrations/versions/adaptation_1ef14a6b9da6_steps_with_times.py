"""Adaptation steps carry arrival and pick-up times, a parent, a meal; the director's overrides

Adaptation no longer limits the unit a family may book: the longest-unit
limit (max_unit_hours) goes; meal_allowed becomes with_meal. A child's step
also records the day the director moved it to, whether it is skipped and who
changed it last.

Revision ID: 1ef14a6b9da6
Revises: 1795b8fe9345
Create Date: 2026-12-03 08:00:49.762828

"""
from datetime import time

from alembic import op
import sqlalchemy as sa


revision = '1ef14a6b9da6'
down_revision = '1795b8fe9345'
branch_labels = None
depends_on = None

FALSE = sa.text("false")


def _times(batch_op):
    batch_op.add_column(sa.Column('arrival', sa.Time(), nullable=True))
    batch_op.add_column(sa.Column('pickup', sa.Time(), nullable=True))
    batch_op.add_column(sa.Column('with_parent', sa.Boolean(), nullable=False, server_default=FALSE))
    batch_op.alter_column('meal_allowed', new_column_name='with_meal', existing_type=sa.Boolean(),
                          existing_nullable=False)
    batch_op.drop_column('max_unit_hours')


def upgrade():
    with op.batch_alter_table('adaptation_step', schema=None) as batch_op:
        _times(batch_op)
        batch_op.add_column(sa.Column('day', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('skipped', sa.Boolean(), nullable=False, server_default=FALSE))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('updated_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_adaptation_step_updated_by_id_user_account'), 'user_account',
                                    ['updated_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('adaptation_template_step', schema=None) as batch_op:
        _times(batch_op)

    # The demo's default steps (and copies of them) get the times they describe; any other step
    # keeps the booked unit's hours until its director sets them.
    for name in ('adaptation_template_step', 'adaptation_step'):
        table = sa.table(name, sa.column('label', sa.String), sa.column('arrival', sa.Time),
                         sa.column('pickup', sa.Time), sa.column('with_parent', sa.Boolean))
        for label, arrival, pickup, parent in DEFAULT_TIMES:
            op.execute(table.update().where(table.c.label == label)
                       .values(arrival=arrival, pickup=pickup, with_parent=parent))


DEFAULT_TIMES = (
    ("Une heure avec un parent", time(9, 30), time(10, 30), True),
    ("Une matinée sans repas", None, time(11, 45), False),
    ("Une matinée avec repas", None, time(13, 30), False),
)


def _untimes(batch_op):
    batch_op.add_column(sa.Column('max_unit_hours', sa.NUMERIC(precision=4, scale=2), nullable=True))
    batch_op.alter_column('with_meal', new_column_name='meal_allowed', existing_type=sa.Boolean(),
                          existing_nullable=False)
    batch_op.drop_column('with_parent')
    batch_op.drop_column('pickup')
    batch_op.drop_column('arrival')


def downgrade():
    with op.batch_alter_table('adaptation_template_step', schema=None) as batch_op:
        _untimes(batch_op)

    with op.batch_alter_table('adaptation_step', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_adaptation_step_updated_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('updated_by_id')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('skipped')
        batch_op.drop_column('day')
        _untimes(batch_op)

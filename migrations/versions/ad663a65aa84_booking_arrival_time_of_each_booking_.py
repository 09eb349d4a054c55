"""Booking: arrival time of each booking request (fairness audit)

Revision ID: ad663a65aa84
Revises: d45e9b0b5ff5
Create Date: 2026-11-29 03:38:40.807350

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ad663a65aa84'
down_revision = 'd45e9b0b5ff5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requested_at', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_column('requested_at')


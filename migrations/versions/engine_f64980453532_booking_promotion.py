"""engine booking promoted_at and passed over reason

Revision ID: f64980453532
Revises: 9169d4d16309
Create Date: 2026-12-03 08:02:37.704098

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f64980453532'
down_revision = '9169d4d16309'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('promoted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('passed_over_code', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('passed_over_reason', sa.String(length=500), nullable=True))



def downgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_column('passed_over_reason')
        batch_op.drop_column('passed_over_code')
        batch_op.drop_column('promoted_at')


"""Occasional-care providers choose their pricing: their own hourly tariff by QF band, or the CNAF
national scale (PSU), an hourly rate computed from the household's resources

Revision ID: c3a9e1f0b7d2
Revises: 41b11e656fa6
Create Date: 2026-12-03 12:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3a9e1f0b7d2'
down_revision = '41b11e656fa6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('occasional_provider', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pricing', sa.String(length=20), server_default='OWN_TARIFF',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('occasional_provider', schema=None) as batch_op:
        batch_op.drop_column('pricing')

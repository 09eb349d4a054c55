"""payments: the pain.008 batches sent (PmtInfId), for the bank reconciliation (issue 22)

Revision ID: 3d8b6f2a9c41
Revises: 7a1e5c0d2b34
Create Date: 2026-12-03 16:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3d8b6f2a9c41'
down_revision = '7a1e5c0d2b34'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sepa_debit_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pmt_inf_id', sa.String(length=35), nullable=False),
    sa.Column('msg_id', sa.String(length=35), nullable=False),
    sa.Column('collection_date', sa.Date(), nullable=False),
    sa.Column('sequence_type', sa.String(length=4), nullable=False),
    sa.Column('transactions', sa.Integer(), nullable=False),
    sa.Column('total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('end_to_end_ids', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sepa_debit_batch')),
    sa.UniqueConstraint('pmt_inf_id', name=op.f('uq_sepa_debit_batch_pmt_inf_id'))
    )
    with op.batch_alter_table('sepa_debit_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sepa_debit_batch_collection_date'), ['collection_date'], unique=False)


def downgrade():
    with op.batch_alter_table('sepa_debit_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sepa_debit_batch_collection_date'))

    op.drop_table('sepa_debit_batch')

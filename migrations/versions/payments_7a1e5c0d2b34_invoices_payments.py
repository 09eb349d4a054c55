"""payments: invoices, the régie's sequence, payments, online transactions, SEPA mandates (issue 22)

Revision ID: 7a1e5c0d2b34
Revises: 5c3e9a1d7b20
Create Date: 2026-12-03 13:20:05.216635

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a1e5c0d2b34'
down_revision = '5c3e9a1d7b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invoice_sequence',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_invoice_sequence'))
    )
    op.create_table('payment_transaction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('backend', sa.String(length=30), nullable=False),
    sa.Column('bank_transaction_id', sa.String(length=120), nullable=True),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('status', sa.Enum('PENDING', 'PAID', 'REFUSED', 'CANCELLED', name='transactionstatus', native_enum=False, length=30), nullable=False),
    sa.Column('bank_status', sa.String(length=200), nullable=False),
    sa.Column('notifications', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_payment_transaction_household_id_household'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_payment_transaction_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_transaction')),
    sa.UniqueConstraint('bank_transaction_id', name=op.f('uq_payment_transaction_bank_transaction_id')),
    sa.UniqueConstraint('reference', name=op.f('uq_payment_transaction_reference'))
    )
    with op.batch_alter_table('payment_transaction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_transaction_household_id'), ['household_id'], unique=False)

    op.create_table('sepa_mandate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('rum', sa.String(length=35), nullable=False),
    sa.Column('creditor_id', sa.String(length=35), nullable=False),
    sa.Column('holder_name', sa.String(length=140), nullable=False),
    sa.Column('iban', sa.String(length=34), nullable=False),
    sa.Column('bic', sa.String(length=11), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('last_collected_on', sa.Date(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_sepa_mandate_household_id_household'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['user_account.id'], name=op.f('fk_sepa_mandate_revoked_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['signed_by_id'], ['user_account.id'], name=op.f('fk_sepa_mandate_signed_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sepa_mandate')),
    sa.UniqueConstraint('rum', name=op.f('uq_sepa_mandate_rum'))
    )
    with op.batch_alter_table('sepa_mandate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sepa_mandate_household_id'), ['household_id'], unique=False)

    op.create_table('invoice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('paid', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('status', sa.Enum('TO_PAY', 'PARTLY_PAID', 'PAID', 'DIRECT_DEBIT', 'REJECTED', 'TRESOR', name='invoicestatus', native_enum=False, length=30), nullable=False),
    sa.Column('sent_to_tresor_on', sa.Date(), nullable=True),
    sa.Column('direct_debit_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_invoice_household_id_household'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['statement_id'], ['statement.id'], name=op.f('fk_invoice_statement_id_statement'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice')),
    sa.UniqueConstraint('number', name=op.f('uq_invoice_number')),
    sa.UniqueConstraint('statement_id', name=op.f('uq_invoice_statement_id'))
    )
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoice_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoice_status'), ['status'], unique=False)

    op.create_table('payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('method', sa.Enum('ONLINE', 'CASH', 'CHEQUE', 'CESU', 'ANCV', 'DIRECT_DEBIT', name='paymentmethod', native_enum=False, length=30), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=True),
    sa.Column('reference', sa.String(length=120), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_payment_invoice_id_invoice'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_payment_recorded_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['transaction_id'], ['payment_transaction.id'], name=op.f('fk_payment_transaction_id_payment_transaction'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment'))
    )
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_transaction_id'), ['transaction_id'], unique=False)

    op.create_table('payment_transaction_invoice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_payment_transaction_invoice_invoice_id_invoice'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['transaction_id'], ['payment_transaction.id'], name=op.f('fk_payment_transaction_invoice_transaction_id_payment_transaction'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_transaction_invoice')),
    sa.UniqueConstraint('transaction_id', 'invoice_id', name=op.f('uq_payment_transaction_invoice_transaction_id_invoice_id'))
    )
    with op.batch_alter_table('payment_transaction_invoice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_transaction_invoice_invoice_id'), ['invoice_id'], unique=False)



def downgrade():
    with op.batch_alter_table('payment_transaction_invoice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_transaction_invoice_invoice_id'))

    op.drop_table('payment_transaction_invoice')
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_transaction_id'))
        batch_op.drop_index(batch_op.f('ix_payment_invoice_id'))

    op.drop_table('payment')
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_status'))
        batch_op.drop_index(batch_op.f('ix_invoice_household_id'))
        batch_op.drop_index(batch_op.f('ix_invoice_due_on'))

    op.drop_table('invoice')
    with op.batch_alter_table('sepa_mandate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sepa_mandate_household_id'))

    op.drop_table('sepa_mandate')
    with op.batch_alter_table('payment_transaction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_transaction_household_id'))

    op.drop_table('payment_transaction')
    op.drop_table('invoice_sequence')

"""Allocation by draw; billing statements, months, certificates

Revision ID: 353507e98b61
Revises: f3f71264782f
Create Date: 2026-11-29 02:47:35.927929

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '353507e98b61'
down_revision = 'f3f71264782f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('billing_month',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('statements_count', sa.Integer(), nullable=False),
    sa.Column('total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('charge_late_cancellations', sa.Boolean(), nullable=False),
    sa.Column('late_cancellation_share', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('charge_unjustified_absences', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user_account.id'], name=op.f('fk_billing_month_closed_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_month')),
    sa.UniqueConstraint('month', name=op.f('uq_billing_month_month'))
    )
    op.create_table('billing_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('charge_late_cancellations', sa.Boolean(), nullable=False),
    sa.Column('late_cancellation_share', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('charge_unjustified_absences', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_billing_settings_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_settings'))
    )
    op.create_table('statement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('household_name', sa.String(length=150), nullable=False),
    sa.Column('household_address', sa.String(length=300), nullable=False),
    sa.Column('family_quotient', sa.Integer(), nullable=True),
    sa.Column('family_quotient_valid_until', sa.Date(), nullable=True),
    sa.Column('resident', sa.Boolean(), nullable=False),
    sa.Column('total', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_statement_household_id_household'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement')),
    sa.UniqueConstraint('household_id', 'month', name=op.f('uq_statement_household_id_month')),
    sa.UniqueConstraint('number', name=op.f('uq_statement_number'))
    )
    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_household_id'), ['household_id'], unique=False)

    op.create_table('allocation_period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=150), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('requests_open_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('requests_close_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('REQUESTS', 'DRAWN', name='periodstatus', native_enum=False, length=30), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=True),
    sa.Column('drawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('drawn_by_id', sa.Integer(), nullable=True),
    sa.Column('places_at_draw', sa.JSON(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_allocation_period_activity_id_activity'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_allocation_period_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['drawn_by_id'], ['user_account.id'], name=op.f('fk_allocation_period_drawn_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocation_period')),
    sa.UniqueConstraint('activity_id', 'first_day', name=op.f('uq_allocation_period_activity_id_first_day'))
    )
    with op.batch_alter_table('allocation_period', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocation_period_activity_id'), ['activity_id'], unique=False)

    op.create_table('statement_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('BOOKING', 'LATE_CANCELLATION', 'UNJUSTIFIED_ABSENCE', 'JUSTIFIED_ABSENCE', 'ADJUSTMENT', 'OTHER', name='linekind', native_enum=False, length=30), nullable=False),
    sa.Column('source', sa.String(length=30), nullable=False),
    sa.Column('reference', sa.String(length=80), nullable=False),
    sa.Column('concerns_month', sa.Date(), nullable=False),
    sa.Column('day', sa.Date(), nullable=True),
    sa.Column('child_name', sa.String(length=200), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('detail', sa.String(length=300), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('share', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['statement_id'], ['statement.id'], name=op.f('fk_statement_line_statement_id_statement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_line'))
    )
    with op.batch_alter_table('statement_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_line_reference'), ['reference'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_line_statement_id'), ['statement_id'], unique=False)

    op.create_table('allocation_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('siblings_together', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('draw_number', sa.Integer(), nullable=True),
    sa.Column('items_requested', sa.Integer(), nullable=True),
    sa.Column('items_confirmed', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_allocation_request_household_id_household'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['period_id'], ['allocation_period.id'], name=op.f('fk_allocation_request_period_id_allocation_period'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], name=op.f('fk_allocation_request_submitted_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocation_request')),
    sa.UniqueConstraint('period_id', 'household_id', name=op.f('uq_allocation_request_period_id_household_id'))
    )
    with op.batch_alter_table('allocation_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocation_request_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_allocation_request_period_id'), ['period_id'], unique=False)

    op.create_table('absence_certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=50), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_absence_certificate_booking_id_booking'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_absence_certificate_household_id_household'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_absence_certificate_uploaded_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_absence_certificate')),
    sa.UniqueConstraint('booking_id', name=op.f('uq_absence_certificate_booking_id')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_absence_certificate_stored_name'))
    )
    with op.batch_alter_table('absence_certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_absence_certificate_household_id'), ['household_id'], unique=False)

    op.create_table('allocation_request_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=True),
    sa.Column('age_band', sa.String(length=10), nullable=True),
    sa.Column('priority', sa.JSON(), nullable=True),
    sa.Column('draw_order', sa.Integer(), nullable=True),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('waitlist_position', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_allocation_request_item_booking_id_booking'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_allocation_request_item_child_id_child'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['allocation_request.id'], name=op.f('fk_allocation_request_item_request_id_allocation_request'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['booking_session.id'], name=op.f('fk_allocation_request_item_session_id_booking_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocation_request_item')),
    sa.UniqueConstraint('request_id', 'child_id', 'session_id', name=op.f('uq_allocation_request_item_request_id_child_id_session_id'))
    )
    with op.batch_alter_table('allocation_request_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocation_request_item_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_allocation_request_item_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_allocation_request_item_session_id'), ['session_id'], unique=False)



def downgrade():
    with op.batch_alter_table('allocation_request_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocation_request_item_session_id'))
        batch_op.drop_index(batch_op.f('ix_allocation_request_item_request_id'))
        batch_op.drop_index(batch_op.f('ix_allocation_request_item_child_id'))

    op.drop_table('allocation_request_item')
    with op.batch_alter_table('absence_certificate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_absence_certificate_household_id'))

    op.drop_table('absence_certificate')
    with op.batch_alter_table('allocation_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocation_request_period_id'))
        batch_op.drop_index(batch_op.f('ix_allocation_request_household_id'))

    op.drop_table('allocation_request')
    with op.batch_alter_table('statement_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_line_statement_id'))
        batch_op.drop_index(batch_op.f('ix_statement_line_reference'))

    op.drop_table('statement_line')
    with op.batch_alter_table('allocation_period', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocation_period_activity_id'))

    op.drop_table('allocation_period')
    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_household_id'))

    op.drop_table('statement')
    op.drop_table('billing_settings')
    op.drop_table('billing_month')

"""Occasional care: providers, openings, blocks, requests, shift patterns, Relais transmissions

Revision ID: d45e9b0b5ff5
Revises: 353507e98b61
Create Date: 2026-11-29 03:13:11.087440

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd45e9b0b5ff5'
down_revision = '353507e98b61'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('occasional_provider',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.Column('kind', sa.Enum('MULTI_ACCUEIL', 'SHIFTED_HOURS', name='providerkind', native_enum=False, length=30), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('commune_insee', sa.String(length=5), nullable=True),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('min_age_months', sa.Integer(), nullable=False),
    sa.Column('max_age_months', sa.Integer(), nullable=False),
    sa.Column('walking_age_months', sa.Integer(), nullable=False),
    sa.Column('notice_hours', sa.Integer(), nullable=False),
    sa.Column('ratio_not_walking', sa.Integer(), nullable=False),
    sa.Column('ratio_walking', sa.Integer(), nullable=False),
    sa.Column('closed_on_public_holidays', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['commune_insee'], ['commune.insee'], name=op.f('fk_occasional_provider_commune_insee_commune')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_occasional_provider')),
    sa.UniqueConstraint('name', name=op.f('uq_occasional_provider_name'))
    )
    op.create_table('occasional_block',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=False),
    sa.Column('capacity_not_walking', sa.Integer(), nullable=False),
    sa.Column('capacity_walking', sa.Integer(), nullable=False),
    sa.Column('taken_not_walking', sa.Integer(), nullable=False),
    sa.Column('taken_walking', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['occasional_provider.id'], name=op.f('fk_occasional_block_provider_id_occasional_provider'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_occasional_block')),
    sa.UniqueConstraint('provider_id', 'day', 'starts_at', name=op.f('uq_occasional_block_provider_id_day_starts_at'))
    )
    op.create_table('occasional_opening',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('opens_at', sa.Time(), nullable=False),
    sa.Column('closes_at', sa.Time(), nullable=False),
    sa.Column('capacity_not_walking', sa.Integer(), nullable=False),
    sa.Column('capacity_walking', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['occasional_provider.id'], name=op.f('fk_occasional_opening_provider_id_occasional_provider'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_occasional_opening'))
    )
    with op.batch_alter_table('occasional_opening', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_occasional_opening_provider_id'), ['provider_id'], unique=False)

    op.create_table('occasional_provider_staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['occasional_provider.id'], name=op.f('fk_occasional_provider_staff_provider_id_occasional_provider'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_occasional_provider_staff_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_occasional_provider_staff')),
    sa.UniqueConstraint('user_id', 'provider_id', name=op.f('uq_occasional_provider_staff_user_id_provider_id'))
    )
    with op.batch_alter_table('occasional_provider_staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_occasional_provider_staff_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_occasional_provider_staff_user_id'), ['user_id'], unique=False)

    op.create_table('occasional_tariff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('qf_min', sa.Integer(), nullable=False),
    sa.Column('qf_max', sa.Integer(), nullable=True),
    sa.Column('hourly_price', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['occasional_provider.id'], name=op.f('fk_occasional_tariff_provider_id_occasional_provider'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_occasional_tariff'))
    )
    with op.batch_alter_table('occasional_tariff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_occasional_tariff_provider_id'), ['provider_id'], unique=False)

    op.create_table('occasional_pattern',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('ALTERNATING', 'CHOSEN_DATES', name='patternkind', native_enum=False, length=30), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('cancelled_from', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_occasional_pattern_child_id_child'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_occasional_pattern_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['provider_id'], ['occasional_provider.id'], name=op.f('fk_occasional_pattern_provider_id_occasional_provider'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_occasional_pattern'))
    )
    with op.batch_alter_table('occasional_pattern', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_occasional_pattern_child_id'), ['child_id'], unique=False)

    op.create_table('occasional_booking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('pattern_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=False),
    sa.Column('ends_at', sa.Time(), nullable=False),
    sa.Column('band', sa.Enum('NOT_WALKING', 'WALKING', name='careband', native_enum=False, length=30), nullable=False),
    sa.Column('status', sa.Enum('CONFIRMED', 'URGENT_PENDING', 'WAITLISTED', 'DECLINED', 'CANCELLED', 'TRANSMITTED', name='requeststatus', native_enum=False, length=30), nullable=False),
    sa.Column('hourly_price', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('price', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('waitlist_order', sa.Integer(), nullable=True),
    sa.Column('submission_id', sa.String(length=36), nullable=False),
    sa.Column('booked_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('arrived_at', sa.Time(), nullable=True),
    sa.Column('left_at', sa.Time(), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('ever_held', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['booked_by_id'], ['user_account.id'], name=op.f('fk_occasional_booking_booked_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_occasional_booking_child_id_child'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_occasional_booking_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pattern_id'], ['occasional_pattern.id'], name=op.f('fk_occasional_booking_pattern_id_occasional_pattern'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['provider_id'], ['occasional_provider.id'], name=op.f('fk_occasional_booking_provider_id_occasional_provider'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_occasional_booking'))
    )
    with op.batch_alter_table('occasional_booking', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_occasional_booking_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_occasional_booking_pattern_id'), ['pattern_id'], unique=False)
        batch_op.create_index('ix_occasional_booking_provider_day', ['provider_id', 'day', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_occasional_booking_submission_id'), ['submission_id'], unique=False)

    op.create_table('occasional_relais_transmission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('schedule', sa.JSON(), nullable=False),
    sa.Column('atypical_hours', sa.Boolean(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('relais_reference', sa.String(length=100), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['occasional_booking.id'], name=op.f('fk_occasional_relais_transmission_booking_id_occasional_booking'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_occasional_relais_transmission_child_id_child'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_occasional_relais_transmission_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_occasional_relais_transmission_household_id_household'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_occasional_relais_transmission'))
    )
    with op.batch_alter_table('occasional_relais_transmission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_occasional_relais_transmission_household_id'), ['household_id'], unique=False)



def downgrade():
    with op.batch_alter_table('occasional_relais_transmission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_occasional_relais_transmission_household_id'))

    op.drop_table('occasional_relais_transmission')
    with op.batch_alter_table('occasional_booking', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_occasional_booking_submission_id'))
        batch_op.drop_index('ix_occasional_booking_provider_day')
        batch_op.drop_index(batch_op.f('ix_occasional_booking_pattern_id'))
        batch_op.drop_index(batch_op.f('ix_occasional_booking_child_id'))

    op.drop_table('occasional_booking')
    with op.batch_alter_table('occasional_pattern', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_occasional_pattern_child_id'))

    op.drop_table('occasional_pattern')
    with op.batch_alter_table('occasional_tariff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_occasional_tariff_provider_id'))

    op.drop_table('occasional_tariff')
    with op.batch_alter_table('occasional_provider_staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_occasional_provider_staff_user_id'))
        batch_op.drop_index(batch_op.f('ix_occasional_provider_staff_provider_id'))

    op.drop_table('occasional_provider_staff')
    with op.batch_alter_table('occasional_opening', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_occasional_opening_provider_id'))

    op.drop_table('occasional_opening')
    op.drop_table('occasional_block')
    op.drop_table('occasional_provider')

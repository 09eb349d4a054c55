"""Booking and inclusion: sites, activities, sessions, bookings, reception plans, adaptation, audit

Revision ID: f0954ec27194
Revises: 7aa63d9f5b79
Create Date: 2026-11-29 02:27:42.735484

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f0954ec27194'
down_revision = '7aa63d9f5b79'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('school_holiday_period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('zone', sa.String(length=1), nullable=False),
    sa.Column('label', sa.String(length=150), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_holiday_period')),
    sa.UniqueConstraint('zone', 'first_day', name=op.f('uq_school_holiday_period_zone_first_day'))
    )
    op.create_table('idempotency_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('response', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_idempotency_key_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_key')),
    sa.UniqueConstraint('user_id', 'key', name=op.f('uq_idempotency_key_user_id_key'))
    )
    op.create_table('site',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('commune_insee', sa.String(length=5), nullable=False),
    sa.Column('opening_hours', sa.Text(), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('school_zone', sa.String(length=1), nullable=False),
    sa.ForeignKeyConstraint(['commune_insee'], ['commune.insee'], name=op.f('fk_site_commune_insee_commune')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site')),
    sa.UniqueConstraint('name', name=op.f('uq_site_name'))
    )
    op.create_table('activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.Column('kind', sa.Enum('PERISCOLAIRE', 'EXTRASCOLAIRE', name='activitykind', native_enum=False, length=30), nullable=False),
    sa.Column('min_age', sa.Integer(), nullable=False),
    sa.Column('max_age', sa.Integer(), nullable=False),
    sa.Column('regime', sa.Enum('EXTRASCOLAIRE', 'PERISCOLAIRE_LONG', 'PERISCOLAIRE_SHORT', 'PEDT_LONG', 'PEDT_SHORT', name='staffingregime', native_enum=False, length=30), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('booking_deadline_days', sa.Integer(), nullable=False),
    sa.Column('booking_deadline_time', sa.Time(), nullable=False),
    sa.Column('cancel_deadline_days', sa.Integer(), nullable=False),
    sa.Column('cancel_deadline_time', sa.Time(), nullable=False),
    sa.Column('residents_first_until', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_activity_site_id_site'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity'))
    )
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_site_id'), ['site_id'], unique=False)

    op.create_table('adaptation_template_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=150), nullable=False),
    sa.Column('max_unit_hours', sa.Numeric(precision=4, scale=2), nullable=True),
    sa.Column('meal_allowed', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_adaptation_template_step_site_id_site'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adaptation_template_step'))
    )
    with op.batch_alter_table('adaptation_template_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_adaptation_template_step_site_id'), ['site_id'], unique=False)

    op.create_table('calendar_feed_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_calendar_feed_token_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_calendar_feed_token_household_id_household'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_calendar_feed_token_site_id_site'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feed_token')),
    sa.UniqueConstraint('token', name=op.f('uq_calendar_feed_token_token'))
    )
    with op.batch_alter_table('calendar_feed_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_feed_token_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calendar_feed_token_site_id'), ['site_id'], unique=False)

    op.create_table('site_staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_site_staff_site_id_site'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_site_staff_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_staff')),
    sa.UniqueConstraint('user_id', 'site_id', name=op.f('uq_site_staff_user_id_site_id'))
    )
    with op.batch_alter_table('site_staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_staff_site_id'), ['site_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_site_staff_user_id'), ['user_id'], unique=False)

    op.create_table('adaptation_period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Boolean(), nullable=False),
    sa.Column('skip_reason', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_adaptation_period_child_id_child'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_adaptation_period_site_id_site'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adaptation_period')),
    sa.UniqueConstraint('child_id', 'site_id', name=op.f('uq_adaptation_period_child_id_site_id'))
    )
    with op.batch_alter_table('adaptation_period', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_adaptation_period_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_adaptation_period_site_id'), ['site_id'], unique=False)

    op.create_table('child_needs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('needs_particular_care', sa.Boolean(), nullable=False),
    sa.Column('has_pai', sa.Boolean(), nullable=False),
    sa.Column('allergies', sa.Text(), nullable=False),
    sa.Column('diet', sa.Text(), nullable=False),
    sa.Column('medication', sa.Text(), nullable=False),
    sa.Column('emergency_protocol', sa.Text(), nullable=False),
    sa.Column('has_aeeh', sa.Boolean(), nullable=False),
    sa.Column('disability_nature', sa.Text(), nullable=False),
    sa.Column('rhythm', sa.Text(), nullable=False),
    sa.Column('communication', sa.Text(), nullable=False),
    sa.Column('to_avoid', sa.Text(), nullable=False),
    sa.Column('what_helps', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_child_needs_child_id_child'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_child_needs_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_child_needs')),
    sa.UniqueConstraint('child_id', name=op.f('uq_child_needs_child_id'))
    )
    op.create_table('inclusion_audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=300), nullable=False),
    sa.Column('actor_role', sa.String(length=20), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target', sa.String(length=60), nullable=False),
    sa.Column('detail', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_inclusion_audit_entry_actor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_inclusion_audit_entry_child_id_child'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inclusion_audit_entry'))
    )
    with op.batch_alter_table('inclusion_audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inclusion_audit_entry_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inclusion_audit_entry_child_id'), ['child_id'], unique=False)

    op.create_table('meeting_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('director_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_meeting_proposal_child_id_child'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['director_id'], ['user_account.id'], name=op.f('fk_meeting_proposal_director_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_meeting_proposal_site_id_site'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_proposal')),
    sa.UniqueConstraint('child_id', 'site_id', name=op.f('uq_meeting_proposal_child_id_site_id'))
    )
    with op.batch_alter_table('meeting_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_proposal_child_id'), ['child_id'], unique=False)

    op.create_table('need_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('PAI', 'PRESCRIPTION', 'OTHER', name='documentkind', native_enum=False, length=30), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=50), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_need_document_child_id_child'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_need_document_uploaded_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_need_document')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_need_document_stored_name'))
    )
    with op.batch_alter_table('need_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_need_document_child_id'), ['child_id'], unique=False)

    op.create_table('reception_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_reception_plan_child_id_child'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_reception_plan_site_id_site'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reception_plan')),
    sa.UniqueConstraint('child_id', 'site_id', name=op.f('uq_reception_plan_child_id_site_id'))
    )
    with op.batch_alter_table('reception_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reception_plan_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reception_plan_site_id'), ['site_id'], unique=False)

    op.create_table('unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.Enum('MORNING', 'MORNING_WITH_LUNCH', 'AFTERNOON', 'AFTERNOON_WITH_LUNCH', 'WHOLE_DAY', 'PERISCOLAIRE_MORNING', 'PERISCOLAIRE_LUNCH', 'PERISCOLAIRE_EVENING', name='unitkind', native_enum=False, length=30), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.Column('with_meal', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_unit_activity_id_activity'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit'))
    )
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_activity_id'), ['activity_id'], unique=False)

    op.create_table('adaptation_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=150), nullable=False),
    sa.Column('max_unit_hours', sa.Numeric(precision=4, scale=2), nullable=True),
    sa.Column('meal_allowed', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('PLANNED', 'VALIDATED', 'EXTENDED', name='stepstatus', native_enum=False, length=30), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['period_id'], ['adaptation_period.id'], name=op.f('fk_adaptation_step_period_id_adaptation_period'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_adaptation_step_recorded_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adaptation_step'))
    )
    with op.batch_alter_table('adaptation_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_adaptation_step_period_id'), ['period_id'], unique=False)

    op.create_table('booking_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('capacity_under6', sa.Integer(), nullable=False),
    sa.Column('capacity_over6', sa.Integer(), nullable=False),
    sa.Column('taken_under6', sa.Integer(), nullable=False),
    sa.Column('taken_over6', sa.Integer(), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled', sa.Boolean(), nullable=False),
    sa.Column('animators_planned', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_booking_session_unit_id_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_session')),
    sa.UniqueConstraint('unit_id', 'day', name=op.f('uq_booking_session_unit_id_day'))
    )
    with op.batch_alter_table('booking_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_session_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_session_unit_id'), ['unit_id'], unique=False)

    op.create_table('plan_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('DRAFT', 'SHARED', 'ACTIVE', 'SUPERSEDED', name='planstatus', native_enum=False, length=30), nullable=False),
    sa.Column('first_meeting_on', sa.Date(), nullable=True),
    sa.Column('first_meeting_notes', sa.Text(), nullable=False),
    sa.Column('professionals', sa.Text(), nullable=False),
    sa.Column('professionals_consent', sa.Boolean(), nullable=False),
    sa.Column('referent', sa.String(length=150), nullable=False),
    sa.Column('extra_staff', sa.Integer(), nullable=False),
    sa.Column('extra_staff_hours', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('adapt_rhythm', sa.Text(), nullable=False),
    sa.Column('adapt_meals', sa.Text(), nullable=False),
    sa.Column('adapt_rest', sa.Text(), nullable=False),
    sa.Column('adapt_materials', sa.Text(), nullable=False),
    sa.Column('adapt_outings', sa.Text(), nullable=False),
    sa.Column('adapt_transport', sa.Text(), nullable=False),
    sa.Column('emergency_protocol', sa.Text(), nullable=False),
    sa.Column('medication', sa.Text(), nullable=False),
    sa.Column('goals', sa.Text(), nullable=False),
    sa.Column('review_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('shared_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('parent_ack_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('parent_ack_by_id', sa.Integer(), nullable=True),
    sa.Column('director_ack_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('director_ack_by_id', sa.Integer(), nullable=True),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_plan_version_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['director_ack_by_id'], ['user_account.id'], name=op.f('fk_plan_version_director_ack_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['parent_ack_by_id'], ['user_account.id'], name=op.f('fk_plan_version_parent_ack_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['reception_plan.id'], name=op.f('fk_plan_version_plan_id_reception_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_version')),
    sa.UniqueConstraint('plan_id', 'number', name=op.f('uq_plan_version_plan_id_number'))
    )
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_version_plan_id'), ['plan_id'], unique=False)

    op.create_table('tariff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('qf_min', sa.Integer(), nullable=False),
    sa.Column('qf_max', sa.Integer(), nullable=True),
    sa.Column('resident', sa.Boolean(), nullable=False),
    sa.Column('price', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_tariff_unit_id_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tariff'))
    )
    with op.batch_alter_table('tariff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tariff_unit_id'), ['unit_id'], unique=False)

    op.create_table('booking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('CONFIRMED', 'WAITLISTED', 'PENDING_PREPARATION', 'CANCELLED', 'LATE_CANCELLED', name='bookingstatus', native_enum=False, length=30), nullable=False),
    sa.Column('age_band', sa.Enum('UNDER6', 'OVER6', name='ageband', native_enum=False, length=30), nullable=False),
    sa.Column('price', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('waitlist_order', sa.Integer(), nullable=True),
    sa.Column('submission_id', sa.String(length=36), nullable=False),
    sa.Column('booked_by_id', sa.Integer(), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['booked_by_id'], ['user_account.id'], name=op.f('fk_booking_booked_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_booking_child_id_child'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['booking_session.id'], name=op.f('fk_booking_session_id_booking_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking'))
    )
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_child_id'), ['child_id'], unique=False)
        batch_op.create_index('ix_booking_session_status', ['session_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_submission_id'), ['submission_id'], unique=False)
        batch_op.create_index('uq_booking_active_child_session', ['child_id', 'session_id'], unique=True, postgresql_where=sa.text("status IN ('confirmed', 'waitlisted', 'pending_preparation')"), sqlite_where=sa.text("status IN ('confirmed', 'waitlisted', 'pending_preparation')"))

    op.create_table('attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('PRESENT', 'ABSENT', 'ABSENT_JUSTIFIED', name='attendancestatus', native_enum=False, length=30), nullable=False),
    sa.Column('late_departure', sa.Boolean(), nullable=False),
    sa.Column('marked_by_id', sa.Integer(), nullable=True),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_attendance_booking_id_booking'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['marked_by_id'], ['user_account.id'], name=op.f('fk_attendance_marked_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance')),
    sa.UniqueConstraint('booking_id', name=op.f('uq_attendance_booking_id'))
    )
    op.create_table('preparation_waiver',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('director_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_preparation_waiver_booking_id_booking'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['director_id'], ['user_account.id'], name=op.f('fk_preparation_waiver_director_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_preparation_waiver'))
    )
    with op.batch_alter_table('preparation_waiver', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_preparation_waiver_booking_id'), ['booking_id'], unique=False)



def downgrade():
    with op.batch_alter_table('preparation_waiver', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_preparation_waiver_booking_id'))

    op.drop_table('preparation_waiver')
    op.drop_table('attendance')
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_index('uq_booking_active_child_session', postgresql_where=sa.text("status IN ('confirmed', 'waitlisted', 'pending_preparation')"), sqlite_where=sa.text("status IN ('confirmed', 'waitlisted', 'pending_preparation')"))
        batch_op.drop_index(batch_op.f('ix_booking_submission_id'))
        batch_op.drop_index('ix_booking_session_status')
        batch_op.drop_index(batch_op.f('ix_booking_child_id'))

    op.drop_table('booking')
    with op.batch_alter_table('tariff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tariff_unit_id'))

    op.drop_table('tariff')
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_version_plan_id'))

    op.drop_table('plan_version')
    with op.batch_alter_table('booking_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_session_unit_id'))
        batch_op.drop_index(batch_op.f('ix_booking_session_day'))

    op.drop_table('booking_session')
    with op.batch_alter_table('adaptation_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_adaptation_step_period_id'))

    op.drop_table('adaptation_step')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_activity_id'))

    op.drop_table('unit')
    with op.batch_alter_table('reception_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reception_plan_site_id'))
        batch_op.drop_index(batch_op.f('ix_reception_plan_child_id'))

    op.drop_table('reception_plan')
    with op.batch_alter_table('need_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_need_document_child_id'))

    op.drop_table('need_document')
    with op.batch_alter_table('meeting_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_proposal_child_id'))

    op.drop_table('meeting_proposal')
    with op.batch_alter_table('inclusion_audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inclusion_audit_entry_child_id'))
        batch_op.drop_index(batch_op.f('ix_inclusion_audit_entry_at'))

    op.drop_table('inclusion_audit_entry')
    op.drop_table('child_needs')
    with op.batch_alter_table('adaptation_period', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_adaptation_period_site_id'))
        batch_op.drop_index(batch_op.f('ix_adaptation_period_child_id'))

    op.drop_table('adaptation_period')
    with op.batch_alter_table('site_staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_staff_user_id'))
        batch_op.drop_index(batch_op.f('ix_site_staff_site_id'))

    op.drop_table('site_staff')
    with op.batch_alter_table('calendar_feed_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_feed_token_site_id'))
        batch_op.drop_index(batch_op.f('ix_calendar_feed_token_household_id'))

    op.drop_table('calendar_feed_token')
    with op.batch_alter_table('adaptation_template_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_adaptation_template_step_site_id'))

    op.drop_table('adaptation_template_step')
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_site_id'))

    op.drop_table('activity')
    op.drop_table('site')
    op.drop_table('idempotency_key')
    op.drop_table('school_holiday_period')

"""Waiting list: places offered with a deadline, and the recorded steps (issue 19, waiting list)

Revision ID: 5c3e9a1d7b20
Revises: 7c3e2a91d0b4
Create Date: 2026-12-03 12:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c3e9a1d7b20'
down_revision = '7c3e2a91d0b4'
branch_labels = None
depends_on = None

# The status column holds the enum's names (capitals), as migration 7c3e2a91d0b4 wrote them.
OLD_ACTIVE = "status IN ('CONFIRMED', 'WAITLISTED', 'PENDING_PREPARATION')"
NEW_ACTIVE = "status IN ('CONFIRMED', 'WAITLISTED', 'PENDING_PREPARATION', 'OFFERED')"


def upgrade():
    op.create_table('waitlist_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('OFFERED', 'ACCEPTED', 'DECLINED', 'LAPSED', 'REMOVED', name='waitlisteventkind',
                              native_enum=False, length=30), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=300), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_waitlist_event_actor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_waitlist_event_booking_id_booking'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_event'))
    )
    with op.batch_alter_table('waitlist_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waitlist_event_booking_id'), ['booking_id'], unique=False)

    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offer_expires_at', sa.DateTime(timezone=True), nullable=True))
        # An offered place is an active booking: still one per child and session.
        batch_op.drop_index('uq_booking_active_child_session', postgresql_where=sa.text(OLD_ACTIVE),
                            sqlite_where=sa.text(OLD_ACTIVE))
        batch_op.create_index('uq_booking_active_child_session', ['child_id', 'session_id'], unique=True,
                              postgresql_where=sa.text(NEW_ACTIVE), sqlite_where=sa.text(NEW_ACTIVE))


def downgrade():
    # Offers still open go back to the waiting list (the place they kept is counted free again).
    op.execute("UPDATE booking_session SET taken_under6 = taken_under6 - (SELECT COUNT(*) FROM booking "
               "WHERE booking.session_id = booking_session.id AND booking.status = 'OFFERED' "
               "AND booking.age_band = 'UNDER6')")
    op.execute("UPDATE booking_session SET taken_over6 = taken_over6 - (SELECT COUNT(*) FROM booking "
               "WHERE booking.session_id = booking_session.id AND booking.status = 'OFFERED' "
               "AND booking.age_band = 'OVER6')")
    op.execute("UPDATE booking SET status = 'WAITLISTED' WHERE status = 'OFFERED'")
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_index('uq_booking_active_child_session', postgresql_where=sa.text(NEW_ACTIVE),
                            sqlite_where=sa.text(NEW_ACTIVE))
        batch_op.create_index('uq_booking_active_child_session', ['child_id', 'session_id'], unique=True,
                              postgresql_where=sa.text(OLD_ACTIVE), sqlite_where=sa.text(OLD_ACTIVE))
        batch_op.drop_column('offer_expires_at')

    with op.batch_alter_table('waitlist_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_waitlist_event_booking_id'))

    op.drop_table('waitlist_event')

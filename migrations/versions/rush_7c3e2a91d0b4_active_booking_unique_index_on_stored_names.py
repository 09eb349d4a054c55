"""The unique index of active bookings (child, session) now matches the stored statuses (issue 20)

The partial index uq_booking_active_child_session was written with the enum's
values ('confirmed', ...) while the column stores the names ('CONFIRMED', ...):
it covered no row at all. It is recreated with the names, so the database
itself refuses a second active booking of a child for one session, and the
booking engine no longer looks for one under the session's lock.

Revision ID: 7c3e2a91d0b4
Revises: a7d3c5e19b42
Create Date: 2026-12-03 12:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c3e2a91d0b4'
down_revision = 'a7d3c5e19b42'
branch_labels = None
depends_on = None

OLD = "status IN ('confirmed', 'waitlisted', 'pending_preparation')"
NEW = "status IN ('CONFIRMED', 'WAITLISTED', 'PENDING_PREPARATION')"


def upgrade():
    op.drop_index('uq_booking_active_child_session', table_name='booking')
    op.create_index('uq_booking_active_child_session', 'booking', ['child_id', 'session_id'], unique=True,
                    postgresql_where=sa.text(NEW), sqlite_where=sa.text(NEW))


def downgrade():
    op.drop_index('uq_booking_active_child_session', table_name='booking')
    op.create_index('uq_booking_active_child_session', 'booking', ['child_id', 'session_id'], unique=True,
                    postgresql_where=sa.text(OLD), sqlite_where=sa.text(OLD))

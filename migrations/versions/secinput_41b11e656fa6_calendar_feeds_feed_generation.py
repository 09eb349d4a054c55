"""Calendar feed URLs tied to their creator's feed generation (issue 17, item 6)

Revision ID: 41b11e656fa6
Revises: 1ef14a6b9da6
Create Date: 2026-12-03 09:04:35.623228

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '41b11e656fa6'
down_revision = '1ef14a6b9da6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('calendar_feed_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('creator_feed_generation', sa.Integer(), nullable=True))

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('feed_generation', sa.Integer(), server_default='0', nullable=False))

    # Feeds issued before: generation 0, like their creators, so phones keep their subscription.
    op.execute("UPDATE calendar_feed_token SET creator_feed_generation = 0")


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('feed_generation')

    with op.batch_alter_table('calendar_feed_token', schema=None) as batch_op:
        batch_op.drop_column('creator_feed_generation')

"""Notifications: opt-outs, job runs, outbox claim token

Revision ID: 7aa63d9f5b79
Revises: e9a04b74eced
Create Date: 2026-11-29 02:11:33.028299

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7aa63d9f5b79'
down_revision = 'e9a04b74eced'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('run_date', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('RUNNING', 'DONE', 'FAILED', name='jobrunstatus', native_enum=False, length=20), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('count', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_run'))
    )
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.create_index('ix_job_run_name_run_date', ['name', 'run_date'], unique=False)

    op.create_table('notification_opt_out',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_opt_out_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_opt_out')),
    sa.UniqueConstraint('user_id', 'kind', name=op.f('uq_notification_opt_out_user_id_kind'))
    )
    with op.batch_alter_table('notification_opt_out', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_opt_out_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('last_attempt_at')
        batch_op.drop_column('claim_token')

    with op.batch_alter_table('notification_opt_out', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_opt_out_user_id'))

    op.drop_table('notification_opt_out')
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.drop_index('ix_job_run_name_run_date')

    op.drop_table('job_run')

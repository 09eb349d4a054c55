"""Accounts audit trail and desk actions (issue 19: administrators, desk mode)

Revision ID: a7d3c5e19b42
Revises: 7c3e1f0a9b52
Create Date: 2026-12-03 12:21:06.694289

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7d3c5e19b42'
down_revision = '7c3e1f0a9b52'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('account_audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('details', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_account_audit_entry_actor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_account_audit_entry_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_audit_entry'))
    )
    with op.batch_alter_table('account_audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_audit_entry_user_id'), ['user_id'], unique=False)

    op.create_table('desk_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('desk', sa.String(length=30), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('summary', sa.String(length=1000), nullable=False),
    sa.Column('consent_given_by', sa.String(length=150), nullable=False),
    sa.Column('consent_text', sa.String(length=500), nullable=False),
    sa.Column('consented_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_desk_action_household_id_household'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['user_account.id'], name=op.f('fk_desk_action_staff_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_action'))
    )
    with op.batch_alter_table('desk_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_desk_action_household_id'), ['household_id'], unique=False)



def downgrade():
    with op.batch_alter_table('desk_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desk_action_household_id'))

    op.drop_table('desk_action')
    with op.batch_alter_table('account_audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_audit_entry_user_id'))

    op.drop_table('account_audit_entry')

"""Families: second-guardian invitations

Revision ID: e9a04b74eced
Revises: 5f657d2f1c73
Create Date: 2026-11-29 02:08:11.745466

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e9a04b74eced'
down_revision = '5f657d2f1c73'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('household_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('invited_email', sa.String(length=254), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_by_user_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user_account.id'], name=op.f('fk_household_invitation_created_by_user_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_household_invitation_household_id_household'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['used_by_user_id'], ['user_account.id'], name=op.f('fk_household_invitation_used_by_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household_invitation')),
    sa.UniqueConstraint('nonce', name=op.f('uq_household_invitation_nonce'))
    )
    with op.batch_alter_table('household_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_invitation_household_id'), ['household_id'], unique=False)



def downgrade():
    with op.batch_alter_table('household_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_invitation_household_id'))

    op.drop_table('household_invitation')

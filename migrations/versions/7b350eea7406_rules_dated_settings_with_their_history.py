"""Rules: dated settings with their history

Revision ID: 7b350eea7406
Revises: ad663a65aa84
Create Date: 2026-12-03 07:54:31.086007

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7b350eea7406'
down_revision = 'ad663a65aa84'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rule_value',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_rule_value_created_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_value'))
    )
    with op.batch_alter_table('rule_value', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rule_value_key'), ['key'], unique=False)



def downgrade():
    with op.batch_alter_table('rule_value', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rule_value_key'))

    op.drop_table('rule_value')

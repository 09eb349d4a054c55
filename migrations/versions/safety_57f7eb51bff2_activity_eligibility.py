"""Activity eligibility by age in months or from school entry; staffing regimes by framework only
(the length of each session now chooses the ratio, CASF R227-16)

Revision ID: 57f7eb51bff2
Revises: 7b350eea7406
Create Date: 2026-12-03 08:11:18.282017

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '57f7eb51bff2'
down_revision = '7b350eea7406'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_age_months', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('admits_from_school_entry', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    # The regime now says only "PEDT or not": the session's length picks the ratio.
    op.execute("UPDATE activity SET regime = 'pedt_short' WHERE regime = 'pedt_long'")
    op.execute("UPDATE activity SET regime = 'periscolaire_short' WHERE regime = 'periscolaire_long'")


def downgrade():
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_column('admits_from_school_entry')
        batch_op.drop_column('min_age_months')

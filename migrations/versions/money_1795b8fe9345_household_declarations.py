"""household declarations; billing charging settings become dated rules

Revision ID: 1795b8fe9345
Revises: f64980453532
Create Date: 2026-12-03 08:09:44.613888

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1795b8fe9345'
down_revision = 'f64980453532'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('household_declaration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('commune_insee', sa.String(length=5), nullable=True),
    sa.Column('family_quotient', sa.Integer(), nullable=True),
    sa.Column('family_quotient_valid_until', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('PENDING', 'VALIDATED', 'REFUSED', 'SUPERSEDED', name='declarationstatus', native_enum=False, length=20), nullable=False),
    sa.Column('proof_kind', sa.Enum('CAF_CERTIFICATE', 'TAX_NOTICE', name='proofkind', native_enum=False, length=20), nullable=True),
    sa.Column('proof_stored_name', sa.String(length=80), nullable=True),
    sa.Column('proof_original_name', sa.String(length=200), nullable=False),
    sa.Column('proof_content_type', sa.String(length=50), nullable=False),
    sa.Column('declared_by_id', sa.Integer(), nullable=True),
    sa.Column('declared_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('refusal_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['commune_insee'], ['commune.insee'], name=op.f('fk_household_declaration_commune_insee_commune')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_household_declaration_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['declared_by_id'], ['user_account.id'], name=op.f('fk_household_declaration_declared_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_household_declaration_household_id_household'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household_declaration'))
    )
    with op.batch_alter_table('household_declaration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_declaration_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_declaration_status'), ['status'], unique=False)


    # The charging settings (one billing_settings row, if an administrator saved them) become
    # dated rules applying from 2000-01-01; the table stays, unused, for the record.
    for key, expression in (
            ("billing.charge_late_cancellations",
             "CASE WHEN charge_late_cancellations THEN 'true' ELSE 'false' END"),
            ("billing.late_cancellation_share", "CAST(late_cancellation_share AS VARCHAR(20))"),
            ("billing.charge_unjustified_absences",
             "CASE WHEN charge_unjustified_absences THEN 'true' ELSE 'false' END")):
        op.execute(sa.text(
            f"INSERT INTO rule_value (key, value, valid_from, note, created_at, created_by_id) "
            f"SELECT '{key}', {expression}, '2000-01-01', 'billing_settings', updated_at, updated_by_id "
            f"FROM billing_settings WHERE id = (SELECT MIN(id) FROM billing_settings)"))


def downgrade():
    op.execute(sa.text("DELETE FROM rule_value WHERE note = 'billing_settings'"))
    with op.batch_alter_table('household_declaration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_declaration_status'))
        batch_op.drop_index(batch_op.f('ix_household_declaration_household_id'))

    op.drop_table('household_declaration')

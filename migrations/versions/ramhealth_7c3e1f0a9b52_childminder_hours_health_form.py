"""Childminders' accepted hours, absences and contact consents; the health form (issue 19)

Revision ID: 7c3e1f0a9b52
Revises: c3a9e1f0b7d2
Create Date: 2026-12-03 12:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c3e1f0a9b52'
down_revision = 'c3a9e1f0b7d2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('childminder', schema=None) as batch_op:
        batch_op.add_column(sa.Column('show_phone', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('show_email', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('accepted_schedule', sa.JSON(), nullable=True))

    op.create_table(
        'childminder_absence',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('childminder_id', sa.Integer(), nullable=False),
        sa.Column('start_date', sa.Date(), nullable=False),
        sa.Column('end_date', sa.Date(), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['childminder_id'], ['childminder.id'],
                                name=op.f('fk_childminder_absence_childminder_id_childminder'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_childminder_absence')),
    )
    with op.batch_alter_table('childminder_absence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_childminder_absence_childminder_id'), ['childminder_id'], unique=False)

    op.create_table(
        'health_form',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('child_id', sa.Integer(), nullable=False),
        sa.Column('vaccinations', sa.JSON(), nullable=False),
        sa.Column('vaccination_exemption', sa.Text(), nullable=False),
        sa.Column('doctor_name', sa.String(length=150), nullable=False),
        sa.Column('doctor_phone', sa.String(length=30), nullable=False),
        sa.Column('asthma', sa.Boolean(), nullable=False),
        sa.Column('food_allergies', sa.Text(), nullable=False),
        sa.Column('drug_allergies', sa.Text(), nullable=False),
        sa.Column('other_allergies', sa.Text(), nullable=False),
        sa.Column('severe_allergy', sa.Boolean(), nullable=False),
        sa.Column('allergy_conduct', sa.Text(), nullable=False),
        sa.Column('treatments', sa.Text(), nullable=False),
        sa.Column('past_illnesses', sa.Text(), nullable=False),
        sa.Column('other_information', sa.Text(), nullable=False),
        sa.Column('emergency_care_authorised', sa.Boolean(), nullable=False),
        sa.Column('authorisation_signed_by', sa.String(length=200), nullable=False),
        sa.Column('authorisation_signed_on', sa.Date(), nullable=True),
        sa.Column('authorisation_signed_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['authorisation_signed_by_id'], ['user_account.id'],
                                name=op.f('fk_health_form_authorisation_signed_by_id_user_account'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_health_form_child_id_child'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'],
                                name=op.f('fk_health_form_updated_by_id_user_account'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_health_form')),
        sa.UniqueConstraint('child_id', name=op.f('uq_health_form_child_id')),
    )


def downgrade():
    op.drop_table('health_form')
    with op.batch_alter_table('childminder_absence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_childminder_absence_childminder_id'))
    op.drop_table('childminder_absence')
    with op.batch_alter_table('childminder', schema=None) as batch_op:
        batch_op.drop_column('accepted_schedule')
        batch_op.drop_column('show_email')
        batch_op.drop_column('show_phone')

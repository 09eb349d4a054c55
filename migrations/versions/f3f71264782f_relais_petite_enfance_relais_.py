"""Relais Petite Enfance: relais, childminders, licences, demands, introductions, workshops

Revision ID: f3f71264782f
Revises: f0954ec27194
Create Date: 2026-11-29 02:28:49.703002

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3f71264782f'
down_revision = 'f0954ec27194'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('relais',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('commune_insee', sa.String(length=5), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['commune_insee'], ['commune.insee'], name=op.f('fk_relais_commune_insee_commune')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_relais')),
    sa.UniqueConstraint('name', name=op.f('uq_relais_name'))
    )
    op.create_table('childminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('relais_id', sa.Integer(), nullable=True),
    sa.Column('commune_insee', sa.String(length=5), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('show_address', sa.Boolean(), nullable=False),
    sa.Column('offers_meals', sa.Boolean(), nullable=False),
    sa.Column('offers_school_pickup', sa.Boolean(), nullable=False),
    sa.Column('hours_before_8', sa.Boolean(), nullable=False),
    sa.Column('hours_after_18', sa.Boolean(), nullable=False),
    sa.Column('works_saturday', sa.Boolean(), nullable=False),
    sa.Column('works_sunday', sa.Boolean(), nullable=False),
    sa.Column('works_nights', sa.Boolean(), nullable=False),
    sa.Column('presentation', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['commune_insee'], ['commune.insee'], name=op.f('fk_childminder_commune_insee_commune')),
    sa.ForeignKeyConstraint(['relais_id'], ['relais.id'], name=op.f('fk_childminder_relais_id_relais'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_childminder_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_childminder')),
    sa.UniqueConstraint('user_id', name=op.f('uq_childminder_user_id'))
    )
    with op.batch_alter_table('childminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_childminder_commune_insee'), ['commune_insee'], unique=False)
        batch_op.create_index(batch_op.f('ix_childminder_relais_id'), ['relais_id'], unique=False)

    op.create_table('family_demand',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_user_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('relais_id', sa.Integer(), nullable=True),
    sa.Column('family_name', sa.String(length=150), nullable=False),
    sa.Column('contact_phone', sa.String(length=30), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('child_first_name', sa.String(length=100), nullable=False),
    sa.Column('child_birth_date', sa.Date(), nullable=False),
    sa.Column('birth_expected', sa.Boolean(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('schedule', sa.JSON(), nullable=False),
    sa.Column('atypical_hours', sa.Boolean(), nullable=False),
    sa.Column('needs_meals', sa.Boolean(), nullable=False),
    sa.Column('needs_school_pickup', sa.Boolean(), nullable=False),
    sa.Column('commune_insee', sa.String(length=5), nullable=False),
    sa.Column('max_distance_km', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('OPEN', 'IN_PROGRESS', 'MET', 'CANCELLED', name='demandstatus', native_enum=False, length=20), nullable=False),
    sa.Column('met_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['commune_insee'], ['commune.insee'], name=op.f('fk_family_demand_commune_insee_commune')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_family_demand_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['parent_user_id'], ['user_account.id'], name=op.f('fk_family_demand_parent_user_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['relais_id'], ['relais.id'], name=op.f('fk_family_demand_relais_id_relais'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_demand'))
    )
    with op.batch_alter_table('family_demand', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_demand_commune_insee'), ['commune_insee'], unique=False)
        batch_op.create_index(batch_op.f('ix_family_demand_parent_user_id'), ['parent_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_family_demand_relais_id'), ['relais_id'], unique=False)
        batch_op.create_index('ix_family_demand_status_created_at', ['status', 'created_at'], unique=False)

    op.create_table('relais_staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('relais_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['relais_id'], ['relais.id'], name=op.f('fk_relais_staff_relais_id_relais'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_relais_staff_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_relais_staff')),
    sa.UniqueConstraint('user_id', 'relais_id', name=op.f('uq_relais_staff_user_id_relais_id'))
    )
    with op.batch_alter_table('relais_staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_relais_staff_relais_id'), ['relais_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_relais_staff_user_id'), ['user_id'], unique=False)

    op.create_table('workshop',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('relais_id', sa.Integer(), nullable=False),
    sa.Column('theme', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('cancelled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['relais_id'], ['relais.id'], name=op.f('fk_workshop_relais_id_relais'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop'))
    )
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_relais_id'), ['relais_id'], unique=False)

    op.create_table('availability_declaration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('childminder_id', sa.Integer(), nullable=False),
    sa.Column('declared_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('declared_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['childminder_id'], ['childminder.id'], name=op.f('fk_availability_declaration_childminder_id_childminder'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['declared_by_id'], ['user_account.id'], name=op.f('fk_availability_declaration_declared_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_availability_declaration'))
    )
    with op.batch_alter_table('availability_declaration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_availability_declaration_childminder_id'), ['childminder_id'], unique=False)

    op.create_table('care_contract',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('childminder_id', sa.Integer(), nullable=False),
    sa.Column('child_first_name', sa.String(length=100), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('schedule', sa.JSON(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('demand_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['childminder_id'], ['childminder.id'], name=op.f('fk_care_contract_childminder_id_childminder'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['demand_id'], ['family_demand.id'], name=op.f('fk_care_contract_demand_id_family_demand'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_contract'))
    )
    with op.batch_alter_table('care_contract', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_contract_childminder_id'), ['childminder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_care_contract_demand_id'), ['demand_id'], unique=False)

    op.create_table('childminder_own_child',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('childminder_id', sa.Integer(), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['childminder_id'], ['childminder.id'], name=op.f('fk_childminder_own_child_childminder_id_childminder'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_childminder_own_child'))
    )
    with op.batch_alter_table('childminder_own_child', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_childminder_own_child_childminder_id'), ['childminder_id'], unique=False)

    op.create_table('licence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('childminder_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=50), nullable=False),
    sa.Column('max_children', sa.Integer(), nullable=False),
    sa.Column('max_under_3', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('extension_from', sa.Date(), nullable=True),
    sa.Column('extension_until', sa.Date(), nullable=True),
    sa.Column('extension_places', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['childminder_id'], ['childminder.id'], name=op.f('fk_licence_childminder_id_childminder'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_licence'))
    )
    with op.batch_alter_table('licence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_licence_childminder_id'), ['childminder_id'], unique=False)

    op.create_table('workshop_registration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('childminder_id', sa.Integer(), nullable=False),
    sa.Column('children', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['childminder_id'], ['childminder.id'], name=op.f('fk_workshop_registration_childminder_id_childminder'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_workshop_registration_workshop_id_workshop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop_registration')),
    sa.UniqueConstraint('workshop_id', 'childminder_id', name=op.f('uq_workshop_registration_workshop_id_childminder_id'))
    )
    with op.batch_alter_table('workshop_registration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_registration_childminder_id'), ['childminder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_registration_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('introduction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('demand_id', sa.Integer(), nullable=False),
    sa.Column('childminder_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('introduced_on', sa.Date(), nullable=False),
    sa.Column('outcome', sa.Enum('PENDING', 'CONTRACT_SIGNED', 'DECLINED', 'NO_ANSWER', name='introductionoutcome', native_enum=False, length=20), nullable=False),
    sa.Column('outcome_on', sa.Date(), nullable=True),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['childminder_id'], ['childminder.id'], name=op.f('fk_introduction_childminder_id_childminder'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contract_id'], ['care_contract.id'], name=op.f('fk_introduction_contract_id_care_contract'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['demand_id'], ['family_demand.id'], name=op.f('fk_introduction_demand_id_family_demand'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['user_account.id'], name=op.f('fk_introduction_staff_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_introduction')),
    sa.UniqueConstraint('demand_id', 'childminder_id', name=op.f('uq_introduction_demand_id_childminder_id'))
    )
    with op.batch_alter_table('introduction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_introduction_childminder_id'), ['childminder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_introduction_demand_id'), ['demand_id'], unique=False)



def downgrade():
    with op.batch_alter_table('introduction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_introduction_demand_id'))
        batch_op.drop_index(batch_op.f('ix_introduction_childminder_id'))

    op.drop_table('introduction')
    with op.batch_alter_table('workshop_registration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_registration_workshop_id'))
        batch_op.drop_index(batch_op.f('ix_workshop_registration_childminder_id'))

    op.drop_table('workshop_registration')
    with op.batch_alter_table('licence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_licence_childminder_id'))

    op.drop_table('licence')
    with op.batch_alter_table('childminder_own_child', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_childminder_own_child_childminder_id'))

    op.drop_table('childminder_own_child')
    with op.batch_alter_table('care_contract', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_care_contract_demand_id'))
        batch_op.drop_index(batch_op.f('ix_care_contract_childminder_id'))

    op.drop_table('care_contract')
    with op.batch_alter_table('availability_declaration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_availability_declaration_childminder_id'))

    op.drop_table('availability_declaration')
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_relais_id'))
        batch_op.drop_index(batch_op.f('ix_workshop_day'))

    op.drop_table('workshop')
    with op.batch_alter_table('relais_staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_relais_staff_user_id'))
        batch_op.drop_index(batch_op.f('ix_relais_staff_relais_id'))

    op.drop_table('relais_staff')
    with op.batch_alter_table('family_demand', schema=None) as batch_op:
        batch_op.drop_index('ix_family_demand_status_created_at')
        batch_op.drop_index(batch_op.f('ix_family_demand_relais_id'))
        batch_op.drop_index(batch_op.f('ix_family_demand_parent_user_id'))
        batch_op.drop_index(batch_op.f('ix_family_demand_commune_insee'))

    op.drop_table('family_demand')
    with op.batch_alter_table('childminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_childminder_relais_id'))
        batch_op.drop_index(batch_op.f('ix_childminder_commune_insee'))

    op.drop_table('childminder')
    op.drop_table('relais')

"""The Relais matching index's version counter (issue 20, item 4)

Revision ID: 8e41c7d2b5a3
Revises: 3d8b6f2a9c41
Create Date: 2026-12-03 20:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8e41c7d2b5a3'
down_revision = '3d8b6f2a9c41'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('ram_index_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.bulk_insert(table, [{'id': 1, 'version': 0}])


def downgrade():
    op.drop_table('ram_index_version')

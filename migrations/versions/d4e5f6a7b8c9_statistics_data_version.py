"""statistics: the data version under which computed dashboards are kept

Revision ID: d4e5f6a7b8c9
Revises: c3f8a1d2e4b6
Create Date: 2026-11-29 06:00:00

"""
import uuid

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd4e5f6a7b8c9'
down_revision = 'c3f8a1d2e4b6'
branch_labels = None
depends_on = None


def upgrade():
    version = op.create_table(
        'statistics_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.Column('n', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.bulk_insert(version, [{'id': 1, 'token': uuid.uuid4().hex, 'n': 0}])


def downgrade():
    op.drop_table('statistics_version')

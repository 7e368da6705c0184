"""join followup, statistics, scheduling and api

Revision ID: 1f7b165592cc
Revises: a6b7c8d9e0f1, b7c8d9e0f1a2, c5e1d2a3b4f5, e8a1b2c3d4f5
Create Date: 2026-11-29 05:11:25.724415

"""
from alembic import op
import sqlalchemy as sa

import portal.timeutil


# revision identifiers, used by Alembic.
revision = '1f7b165592cc'
down_revision = ('a6b7c8d9e0f1', 'b7c8d9e0f1a2', 'c5e1d2a3b4f5', 'e8a1b2c3d4f5')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

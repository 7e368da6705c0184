"""issued agreements: the sealed PDF and its content hash, for verification

Revision ID: c3f8a1d2e4b6
Revises: 1f7b165592cc
Create Date: 2026-11-29 05:40:00

"""
from alembic import op
import sqlalchemy as sa

import portal.timeutil


# revision identifiers, used by Alembic.
revision = 'c3f8a1d2e4b6'
down_revision = '1f7b165592cc'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agreements') as batch:
        batch.add_column(sa.Column('content_hash', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('issued_at', portal.timeutil.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('pdf', sa.LargeBinary(), nullable=True))
        batch.create_index('ix_agreements_content_hash', ['content_hash'], unique=True)


def downgrade():
    with op.batch_alter_table('agreements') as batch:
        batch.drop_index('ix_agreements_content_hash')
        batch.drop_column('pdf')
        batch.drop_column('issued_at')
        batch.drop_column('content_hash')

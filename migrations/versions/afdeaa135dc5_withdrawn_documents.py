"""withdrawn case documents: hidden from the room, kept for the audit

Revision ID: afdeaa135dc5
Revises: 3c9e71a4b2d8
Create Date: 2026-12-02 03:30:00

"""
import sqlalchemy as sa
from alembic import op

import portal.timeutil

# revision identifiers, used by Alembic.
revision = 'afdeaa135dc5'
down_revision = '3c9e71a4b2d8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', portal.timeutil.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_documents_withdrawn_by_id_users'), 'users',
                                    ['withdrawn_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_documents_withdrawn_by_id_users'),
                                 type_='foreignkey')
        batch_op.drop_column('withdrawn_by_id')
        batch_op.drop_column('withdrawn_at')

"""villages: working hours of the community police officer and the grid worker

Revision ID: 3b1f6c2d9a47
Revises: b3d1f0a7c2e9
Create Date: 2026-12-02 06:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '3b1f6c2d9a47'
down_revision = 'b3d1f0a7c2e9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('villages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('police_hours', sa.String(length=120), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('grid_worker_hours', sa.String(length=120),
                                      server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('villages', schema=None) as batch_op:
        batch_op.drop_column('grid_worker_hours')
        batch_op.drop_column('police_hours')

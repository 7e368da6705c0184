"""hazard items: the standard address and the resident's request an item is about

Revision ID: b8d2f4a6c1e3
Revises: a4e9c1d27b53
Create Date: 2026-12-03 19:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b8d2f4a6c1e3'
down_revision = 'a4e9c1d27b53'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('hazard_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('request_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_hazard_items_address_id_standard_addresses',
                                    'standard_addresses', ['address_id'], ['id'])
        batch_op.create_foreign_key('fk_hazard_items_request_id_resident_requests',
                                    'resident_requests', ['request_id'], ['id'])


def downgrade():
    with op.batch_alter_table('hazard_items', schema=None) as batch_op:
        batch_op.drop_constraint('fk_hazard_items_request_id_resident_requests',
                                 type_='foreignkey')
        batch_op.drop_constraint('fk_hazard_items_address_id_standard_addresses',
                                 type_='foreignkey')
        batch_op.drop_column('request_id')
        batch_op.drop_column('address_id')

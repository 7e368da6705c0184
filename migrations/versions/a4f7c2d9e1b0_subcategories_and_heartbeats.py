"""disputes: sub-categories and the further sector bodies they call for; heartbeats of the
background processes

Revision ID: a4f7c2d9e1b0
Revises: cd5e2ac6df28
Create Date: 2026-12-02 06:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a4f7c2d9e1b0'
down_revision = 'cd5e2ac6df28'
branch_labels = None
depends_on = None

SUBCATEGORY = sa.Enum(
    'CONSTRUCTION_SITE_WAGES', 'WORK_INJURY', 'PROPERTY_MANAGEMENT', 'HOUSE_QUALITY',
    'HOMESTEAD', 'LAND_CONTRACT', 'DOMESTIC_VIOLENCE', 'INHERITANCE', 'ADJOINING_BUILDINGS',
    name='subcategory', native_enum=False, length=32)
ORGKIND = sa.Enum(
    'COURT', 'JUDICIAL_BUREAU', 'POLICE_STATION', 'ECOLOGY_ENVIRONMENT',
    'HOUSING_CONSTRUCTION', 'TRAFFIC_POLICE', 'WOMENS_FEDERATION', 'EDUCATION',
    'LABOUR_ARBITRATION', 'LABOUR_MEDIATION', 'QUALITY_SUPERVISION', 'NATURAL_RESOURCES', 'HEALTH_SPORTS',
    'LAWYER_OFFICE', 'VILLAGE_COMMITTEE', 'GOVERNANCE_CENTRE',
    name='orgkind', native_enum=False, length=32)
DEFAULT_SUBCATEGORY_SECTORS = (
    ('CONSTRUCTION_SITE_WAGES', 'HOUSING_CONSTRUCTION'),
    ('HOUSE_QUALITY', 'QUALITY_SUPERVISION'),
    ('ADJOINING_BUILDINGS', 'HOUSING_CONSTRUCTION'),
    ('ADJOINING_BUILDINGS', 'NATURAL_RESOURCES'),
)


def upgrade():
    op.create_table(
        'heartbeats',
        sa.Column('process', sa.String(length=40), nullable=False),
        sa.Column('seen_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('process', name=op.f('pk_heartbeats')),
    )
    table = op.create_table(
        'subcategory_sectors',
        sa.Column('subcategory', SUBCATEGORY, nullable=False),
        sa.Column('sector', ORGKIND, nullable=False),
        sa.PrimaryKeyConstraint('subcategory', 'sector', name=op.f('pk_subcategory_sectors')),
    )
    op.bulk_insert(table, [{'subcategory': s, 'sector': k}
                           for s, k in DEFAULT_SUBCATEGORY_SECTORS])
    with op.batch_alter_table('disputes') as batch_op:
        batch_op.add_column(sa.Column('subcategory', SUBCATEGORY, nullable=True))


def downgrade():
    with op.batch_alter_table('disputes') as batch_op:
        batch_op.drop_column('subcategory')
    op.drop_table('subcategory_sectors')
    op.drop_table('heartbeats')

"""statistics: disputes and sent invitations per UTC hour, day and month, for any zone

Revision ID: b4356a2d00ff
Revises: 3b1f6c2d9a47
Create Date: 2026-12-02 06:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b4356a2d00ff'
down_revision = '3b1f6c2d9a47'
branch_labels = None
depends_on = None

CATEGORIES = ('NEIGHBOUR', 'MARRIAGE_FAMILY', 'LAND_FOREST', 'LABOUR_WAGES',
              'CONSTRUCTION_PROPERTY', 'TRAFFIC_ACCIDENT', 'ENVIRONMENTAL_POLLUTION',
              'CONSUMER_QUALITY', 'MEDICAL', 'EDUCATION_CAMPUS', 'DEBT_CONTRACT', 'OTHER')


def _category():
    return sa.Enum(*CATEGORIES, name='category', native_enum=False, length=32,
                   create_constraint=False)


def _measures(*names):
    return [sa.Column(name, sa.Integer(), nullable=False) for name in names]


def _empty_registers(bind) -> bool:
    return all(bind.execute(sa.text(f'SELECT count(*) FROM {table}')).scalar() == 0
               for table in ('disputes', 'invitations'))


def upgrade():
    op.create_table(
        'statistics_dispute_periods',
        sa.Column('span', sa.String(length=5), nullable=False),
        sa.Column('start', sa.BigInteger(), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('category', _category(), nullable=False),
        sa.Column('tier', sa.Integer(), nullable=False),
        *_measures('registered', 'concluded', 'resolved', 'referred'),
        sa.PrimaryKeyConstraint('span', 'start', 'village_id', 'category', 'tier',
                                name=op.f('pk_statistics_dispute_periods')),
    )
    op.create_table(
        'statistics_invitation_periods',
        sa.Column('span', sa.String(length=5), nullable=False),
        sa.Column('start', sa.BigInteger(), nullable=False),
        sa.Column('body_id', sa.Integer(), nullable=False),
        sa.Column('tier', sa.Integer(), nullable=False),
        *_measures('invited', 'answered', 'timed'),
        sa.PrimaryKeyConstraint('span', 'start', 'body_id', 'tier',
                                name=op.f('pk_statistics_invitation_periods')),
    )
    op.drop_table('statistics_dispute_months')
    op.drop_table('statistics_invitation_months')
    with op.batch_alter_table('statistics_version') as batch_op:
        batch_op.add_column(sa.Column('summarised_through', sa.BigInteger(), nullable=True))
    # Empty registers are summarised by empty summaries; otherwise the scheduler's next
    # tick (or `portal statistics rebuild`) builds the new ones, and until then the
    # dashboard reads the registers.
    bind = op.get_bind()
    bind.execute(sa.text('UPDATE statistics_version SET summary_zone = :zone'),
                 {'zone': 'UTC' if _empty_registers(bind) else None})


def downgrade():
    with op.batch_alter_table('statistics_version') as batch_op:
        batch_op.drop_column('summarised_through')
    op.create_table(
        'statistics_dispute_months',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('category', _category(), nullable=False),
        sa.Column('tier', sa.Integer(), nullable=False),
        *_measures('registered', 'concluded', 'resolved', 'referred'),
        sa.PrimaryKeyConstraint('month', 'village_id', 'category', 'tier',
                                name=op.f('pk_statistics_dispute_months')),
    )
    op.create_table(
        'statistics_invitation_months',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('body_id', sa.Integer(), nullable=False),
        sa.Column('tier', sa.Integer(), nullable=False),
        *_measures('invited', 'answered', 'timed'),
        sa.PrimaryKeyConstraint('month', 'body_id', 'tier',
                                name=op.f('pk_statistics_invitation_months')),
    )
    op.drop_table('statistics_invitation_periods')
    op.drop_table('statistics_dispute_periods')
    # The month tables are empty: the summaries are built again in the portal's zone.
    op.get_bind().execute(sa.text('UPDATE statistics_version SET summary_zone = NULL'))

"""statistics: disputes per month, invitation and conference facts, kept by the writers

Revision ID: e5f6a7b8c9d0
Revises: d4e5f6a7b8c9
Create Date: 2026-11-29 09:40:00

"""
import os

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e5f6a7b8c9d0'
down_revision = 'd4e5f6a7b8c9'
branch_labels = None
depends_on = None

CATEGORIES = ('NEIGHBOUR', 'MARRIAGE_FAMILY', 'LAND_FOREST', 'LABOUR_WAGES',
              'CONSTRUCTION_PROPERTY', 'TRAFFIC_ACCIDENT', 'ENVIRONMENTAL_POLLUTION',
              'CONSUMER_QUALITY', 'MEDICAL', 'EDUCATION_CAMPUS', 'DEBT_CONTRACT', 'OTHER')
ORG_KINDS = ('COURT', 'JUDICIAL_BUREAU', 'POLICE_STATION', 'ECOLOGY_ENVIRONMENT',
             'HOUSING_CONSTRUCTION', 'TRAFFIC_POLICE', 'WOMENS_FEDERATION', 'EDUCATION',
             'LABOUR_ARBITRATION', 'QUALITY_SUPERVISION', 'NATURAL_RESOURCES',
             'HEALTH_SPORTS', 'LAWYER_OFFICE', 'VILLAGE_COMMITTEE', 'GOVERNANCE_CENTRE')


def _zone() -> str:
    try:
        from flask import current_app

        return current_app.config['PORTAL_TIMEZONE']
    except (ImportError, RuntimeError, KeyError):
        return os.environ.get('PORTAL_TIMEZONE', 'Asia/Shanghai')


def upgrade():
    op.create_table(
        'statistics_dispute_months',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('category', sa.Enum(*CATEGORIES, name='category', native_enum=False,
                                      length=32, create_constraint=False), nullable=False),
        sa.Column('tier', sa.Integer(), nullable=False),
        sa.Column('registered', sa.Integer(), nullable=False),
        sa.Column('concluded', sa.Integer(), nullable=False),
        sa.Column('resolved', sa.Integer(), nullable=False),
        sa.Column('referred', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('month', 'village_id', 'category', 'tier',
                                name=op.f('pk_statistics_dispute_months')),
    )
    op.create_table(
        'statistics_invitations',
        sa.Column('invitation_id', sa.Integer(), nullable=False),
        sa.Column('conference_id', sa.Integer(), nullable=False),
        sa.Column('dispute_id', sa.Integer(), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('category', sa.Enum(*CATEGORIES, name='category', native_enum=False,
                                      length=32, create_constraint=False), nullable=False),
        sa.Column('tier', sa.Integer(), nullable=False),
        sa.Column('body_id', sa.Integer(), nullable=True),
        sa.Column('body_kind', sa.Enum(*ORG_KINDS, name='orgkind', native_enum=False,
                                       length=32, create_constraint=False), nullable=True),
        sa.Column('delegated', sa.Boolean(), nullable=False),
        sa.Column('answered', sa.Boolean(), nullable=False),
        sa.Column('accepted', sa.Boolean(), nullable=False),
        sa.Column('invited_at', sa.BigInteger(), nullable=True),
        sa.Column('hours', sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(['invitation_id'], ['invitations.id'], ondelete='CASCADE',
                                name=op.f('fk_statistics_invitations_invitation_id_invitations')),
        sa.PrimaryKeyConstraint('invitation_id', name=op.f('pk_statistics_invitations')),
    )
    op.create_index('ix_statistics_invitations_body', 'statistics_invitations',
                    ['body_id', 'delegated', 'hours', 'invited_at', 'answered', 'village_id',
                     'category', 'tier'])
    op.create_index('ix_statistics_invitations_dispute', 'statistics_invitations',
                    ['dispute_id'])
    op.create_index('ix_statistics_invitations_conference', 'statistics_invitations',
                    ['conference_id', 'accepted', 'body_kind', 'body_id'])
    op.create_index('ix_statistics_invitations_sent', 'statistics_invitations',
                    ['invited_at', 'delegated', 'body_id', 'answered', 'hours', 'village_id',
                     'category', 'tier'])
    op.create_table(
        'statistics_invitation_months',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('body_id', sa.Integer(), nullable=False),
        sa.Column('tier', sa.Integer(), nullable=False),
        sa.Column('invited', sa.Integer(), nullable=False),
        sa.Column('answered', sa.Integer(), nullable=False),
        sa.Column('timed', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('month', 'body_id', 'tier',
                                name=op.f('pk_statistics_invitation_months')),
    )
    op.create_table(
        'statistics_conferences',
        sa.Column('conference_id', sa.Integer(), nullable=False),
        sa.Column('dispute_id', sa.Integer(), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('category', sa.Enum(*CATEGORIES, name='category', native_enum=False,
                                      length=32, create_constraint=False), nullable=False),
        sa.Column('tier', sa.Integer(), nullable=False),
        sa.Column('held_at', sa.BigInteger(), nullable=True),
        sa.Column('heads', sa.Integer(), nullable=False),
        sa.Column('sectors', sa.Integer(), nullable=False),
        sa.Column('bodies', sa.Integer(), nullable=False),
        sa.Column('first_for_dispute', sa.Boolean(), nullable=False),
        sa.Column('escalation_days', sa.Float(), nullable=True),
        sa.Column('minutes_days', sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(['conference_id'], ['conferences.id'], ondelete='CASCADE',
                                name=op.f('fk_statistics_conferences_conference_id_conferences')),
        sa.PrimaryKeyConstraint('conference_id', name=op.f('pk_statistics_conferences')),
    )
    op.create_index('ix_statistics_conferences_dispute_id', 'statistics_conferences',
                    ['dispute_id'])
    op.create_index('ix_statistics_conferences_held', 'statistics_conferences',
                    ['held_at', 'village_id', 'category', 'tier', 'heads', 'sectors',
                     'bodies', 'first_for_dispute', 'escalation_days', 'minutes_days'])
    op.add_column('statistics_version',
                  sa.Column('summary_zone', sa.String(length=64), nullable=True))
    # Empty registers are summarised by empty summaries; otherwise the scheduler's next
    # tick (or `portal statistics rebuild`) builds them, and until then the dashboard
    # reads the registers.
    bind = op.get_bind()
    empty = all(bind.execute(sa.text(f'SELECT count(*) FROM {table}')).scalar() == 0
                for table in ('disputes', 'invitations'))
    if empty:
        bind.execute(sa.text('UPDATE statistics_version SET summary_zone = :zone'),
                     {'zone': _zone()})


def downgrade():
    op.drop_column('statistics_version', 'summary_zone')
    op.drop_index('ix_statistics_conferences_held', table_name='statistics_conferences')
    op.drop_index('ix_statistics_conferences_dispute_id', table_name='statistics_conferences')
    op.drop_table('statistics_conferences')
    op.drop_table('statistics_invitation_months')
    op.drop_index('ix_statistics_invitations_dispute', table_name='statistics_invitations')
    op.drop_index('ix_statistics_invitations_sent', table_name='statistics_invitations')
    op.drop_index('ix_statistics_invitations_conference', table_name='statistics_invitations')
    op.drop_index('ix_statistics_invitations_body', table_name='statistics_invitations')
    op.drop_table('statistics_invitations')
    op.drop_table('statistics_dispute_months')

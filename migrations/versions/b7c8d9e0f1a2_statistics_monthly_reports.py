"""statistics: stored monthly reports and indexes for the aggregates

Revision ID: b7c8d9e0f1a2
Revises: f9d3e4c5b6a7
Create Date: 2026-11-29 04:10:00

"""
from alembic import op
import sqlalchemy as sa

import portal.timeutil


# revision identifiers, used by Alembic.
revision = 'b7c8d9e0f1a2'
down_revision = 'f9d3e4c5b6a7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('monthly_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('generated_at', portal.timeutil.UTCDateTime(), nullable=False),
    sa.Column('generated_by_id', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['generated_by_id'], ['users.id'], name=op.f('fk_monthly_reports_generated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monthly_reports')),
    sa.UniqueConstraint('month', name=op.f('uq_monthly_reports_month'))
    )
    # For the statistics' aggregates on the other domains' tables (see
    # portal/statistics/models.py).
    op.create_index('ix_disputes_statistics', 'disputes',
                    ['reported_at', 'village_id', 'category', 'tier', 'status', 'referral'])
    op.create_index('ix_conferences_invited_at', 'conferences', ['invited_at'])
    op.create_index('ix_conferences_started_at', 'conferences', ['started_at'])
    op.create_index('ix_answer_changes_invitation_at', 'answer_changes', ['invitation_id', 'at'])


def downgrade():
    op.drop_index('ix_answer_changes_invitation_at', table_name='answer_changes')
    op.drop_index('ix_conferences_started_at', table_name='conferences')
    op.drop_index('ix_conferences_invited_at', table_name='conferences')
    op.drop_index('ix_disputes_statistics', table_name='disputes')
    op.drop_table('monthly_reports')

"""holiday calendar: the station's own holidays and make-up working days

Revision ID: 5e76c2196b39
Revises: f1a2b3c4d5e6
Create Date: 2026-12-02 03:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5e76c2196b39'
down_revision = 'f1a2b3c4d5e6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'holiday_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('working', sa.Boolean(), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_holiday_entries')),
        sa.UniqueConstraint('day', name=op.f('uq_holiday_entries_day')),
    )


def downgrade():
    op.drop_table('holiday_entries')

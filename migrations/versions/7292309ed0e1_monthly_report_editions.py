"""statistics: a month's report in editions, a later edition superseding an earlier one

Revision ID: 7292309ed0e1
Revises: afdeaa135dc5
Create Date: 2026-12-02 03:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7292309ed0e1'
down_revision = 'afdeaa135dc5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('monthly_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edition', sa.Integer(), nullable=False,
                                      server_default='1'))
        # The naming convention names a constraint by its first column: the new
        # (month, edition) constraint takes the old one's name.
        batch_op.drop_constraint('uq_monthly_reports_month', type_='unique')
        batch_op.create_unique_constraint('uq_monthly_reports_month', ['month', 'edition'])
    with op.batch_alter_table('monthly_reports', schema=None) as batch_op:
        batch_op.alter_column('edition', server_default=None)


def downgrade():
    op.execute("DELETE FROM monthly_reports WHERE edition > 1")
    with op.batch_alter_table('monthly_reports', schema=None) as batch_op:
        batch_op.drop_constraint('uq_monthly_reports_month', type_='unique')
        batch_op.create_unique_constraint('uq_monthly_reports_month', ['month'])
        batch_op.drop_column('edition')

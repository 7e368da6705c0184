"""review minutes: a refusal to sign with its reason, and how often the minutes were drawn
up (an amendment draws them up again)

Revision ID: a4e9c1d27b53
Revises: d7572721e821
Create Date: 2026-12-03 19:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a4e9c1d27b53'
down_revision = 'd7572721e821'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('review_meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('minutes_version', sa.Integer(), server_default='0',
                                      nullable=False))
    # Minutes drawn up before are in their first version.
    op.execute("UPDATE review_meetings SET minutes_version = 1 WHERE minutes_state <> 'NONE'")
    with op.batch_alter_table('review_signatures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refused', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('reason', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('review_signatures', schema=None) as batch_op:
        batch_op.drop_column('reason')
        batch_op.drop_column('refused')
    with op.batch_alter_table('review_meetings', schema=None) as batch_op:
        batch_op.drop_column('minutes_version')

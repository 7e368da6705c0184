"""timeline events carry their facts as data; users keep the sign-in before the current one

Revision ID: b3d1f0a7c2e9
Revises: a4f7c2d9e1b0
Create Date: 2026-12-02 06:30:00

"""
import sqlalchemy as sa
from alembic import op

import portal.timeutil

# revision identifiers, used by Alembic.
revision = 'b3d1f0a7c2e9'
down_revision = 'a4f7c2d9e1b0'
branch_labels = None
depends_on = None

events = sa.table('dispute_events', sa.column('id', sa.Integer), sa.column('action', sa.String),
                  sa.column('note', sa.Text), sa.column('data', sa.JSON))


def upgrade():
    with op.batch_alter_table('dispute_events') as batch_op:
        batch_op.add_column(sa.Column('data', sa.JSON(), nullable=False, server_default='{}'))
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('previous_login_at', portal.timeutil.UTCDateTime(),
                                      nullable=True))
    # An edit's note was the list of the changed fields' code names; as data they read as
    # the fields' labels. Other old notes are sentences and stay readable as they are.
    connection = op.get_bind()
    edits = connection.execute(sa.select(events.c.id, events.c.note)
                               .where(events.c.action == 'edited')).all()
    for ident, note in edits:
        fields = [name.strip() for name in (note or '').split(',') if name.strip()]
        connection.execute(events.update().where(events.c.id == ident)
                           .values(note='', data={'fields': fields}))


def downgrade():
    # Not in batch mode: SQLite (3.35 and later) drops a column in place, where rebuilding
    # the users table would trip over the rows that refer to it.
    op.drop_column('users', 'previous_login_at')
    op.drop_column('dispute_events', 'data')

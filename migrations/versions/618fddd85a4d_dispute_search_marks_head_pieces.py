"""disputes: the short-word index marks the pieces of the reference, title and party names

Revision ID: 618fddd85a4d
Revises: b8d2f4a6c1e3
Create Date: 2026-12-03 19:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '618fddd85a4d'
down_revision = 'b8d2f4a6c1e3'
branch_labels = None
depends_on = None


def upgrade():
    from portal.disputes.search import rebuild_all

    rebuild_all(op.get_bind())


def downgrade():
    # The marked pieces are extra tokens an earlier search never asks for.
    pass

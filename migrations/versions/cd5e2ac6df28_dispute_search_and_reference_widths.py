"""disputes: an indexed search row per dispute; reference serials of a fixed width

Revision ID: cd5e2ac6df28
Revises: 7292309ed0e1
Create Date: 2026-12-02 03:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'cd5e2ac6df28'
down_revision = '7292309ed0e1'
branch_labels = None
depends_on = None

# SQLite: two FTS5 indexes over the rows' text, kept in step by triggers on the table.
SQLITE_UP = (
    "CREATE VIRTUAL TABLE dispute_search_fts USING fts5(head, body, content='dispute_search', "
    "content_rowid='dispute_id', tokenize='trigram')",
    "CREATE VIRTUAL TABLE dispute_grams_fts USING fts5(grams, content='dispute_search', "
    "content_rowid='dispute_id', tokenize='unicode61')",
    "CREATE TRIGGER dispute_search_ai AFTER INSERT ON dispute_search BEGIN "
    "INSERT INTO dispute_search_fts(rowid, head, body) VALUES (new.dispute_id, new.head, new.body); "
    "INSERT INTO dispute_grams_fts(rowid, grams) VALUES (new.dispute_id, new.grams); END",
    "CREATE TRIGGER dispute_search_ad AFTER DELETE ON dispute_search BEGIN "
    "INSERT INTO dispute_search_fts(dispute_search_fts, rowid, head, body) "
    "VALUES ('delete', old.dispute_id, old.head, old.body); "
    "INSERT INTO dispute_grams_fts(dispute_grams_fts, rowid, grams) "
    "VALUES ('delete', old.dispute_id, old.grams); END",
    "CREATE TRIGGER dispute_search_au AFTER UPDATE ON dispute_search BEGIN "
    "INSERT INTO dispute_search_fts(dispute_search_fts, rowid, head, body) "
    "VALUES ('delete', old.dispute_id, old.head, old.body); "
    "INSERT INTO dispute_grams_fts(dispute_grams_fts, rowid, grams) "
    "VALUES ('delete', old.dispute_id, old.grams); "
    "INSERT INTO dispute_search_fts(rowid, head, body) VALUES (new.dispute_id, new.head, new.body); "
    "INSERT INTO dispute_grams_fts(rowid, grams) VALUES (new.dispute_id, new.grams); END",
)
SQLITE_DOWN = ("DROP TRIGGER dispute_search_au", "DROP TRIGGER dispute_search_ad",
               "DROP TRIGGER dispute_search_ai", "DROP TABLE dispute_grams_fts",
               "DROP TABLE dispute_search_fts")
# PostgreSQL: pg_trgm for three characters and more, the array of short pieces for fewer.
POSTGRES_UP = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_dispute_search_head_trgm ON dispute_search USING gin (head gin_trgm_ops)",
    "CREATE INDEX ix_dispute_search_body_trgm ON dispute_search USING gin (body gin_trgm_ops)",
    "CREATE INDEX ix_dispute_search_grams ON dispute_search "
    "USING gin (string_to_array(grams, ' '))",
)
POSTGRES_DOWN = ("DROP INDEX ix_dispute_search_grams", "DROP INDEX ix_dispute_search_body_trgm",
                 "DROP INDEX ix_dispute_search_head_trgm")


def upgrade():
    op.create_table(
        'dispute_search',
        sa.Column('dispute_id', sa.Integer(), nullable=False),
        sa.Column('head', sa.Text(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('grams', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['dispute_id'], ['disputes.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('dispute_id'),
    )
    connection = op.get_bind()
    for statement in SQLITE_UP if connection.dialect.name == 'sqlite' else POSTGRES_UP:
        op.execute(statement)
    from portal.disputes.search import rebuild_all

    rebuild_all(connection)
    with op.batch_alter_table('reference_counters') as batch_op:
        batch_op.add_column(sa.Column('digits', sa.Integer(), nullable=False,
                                      server_default='4'))


def downgrade():
    with op.batch_alter_table('reference_counters') as batch_op:
        batch_op.drop_column('digits')
    connection = op.get_bind()
    for statement in SQLITE_DOWN if connection.dialect.name == 'sqlite' else POSTGRES_DOWN:
        op.execute(statement)
    op.drop_table('dispute_search')

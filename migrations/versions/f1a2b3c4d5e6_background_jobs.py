"""background jobs, rendered documents kept for download, registration form tokens, one
reminder table

Revision ID: f1a2b3c4d5e6
Revises: e5f6a7b8c9d0
Create Date: 2026-12-02 04:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f1a2b3c4d5e6'
down_revision = 'e5f6a7b8c9d0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('state', sa.Enum('QUEUED', 'RUNNING', 'DONE', 'FAILED', name='jobstate',
                                   native_enum=False, length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('run_after', sa.DateTime(), nullable=False),
        sa.Column('lease_until', sa.DateTime(), nullable=True),
        sa.Column('claim_token', sa.String(length=32), nullable=True),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('step', sa.String(length=200), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'],
                                name=op.f('fk_jobs_requested_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
        sa.UniqueConstraint('key', name=op.f('uq_jobs_key')),
    )
    op.create_index('ix_jobs_due', 'jobs', ['state', 'run_after'], unique=False)
    op.create_table(
        'rendered_pdfs',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('rendered_at', sa.DateTime(), nullable=False),
        sa.Column('pdf', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_rendered_pdfs')),
    )
    with op.batch_alter_table('disputes') as batch:
        batch.add_column(sa.Column('form_token', sa.String(length=32), nullable=True))
        batch.create_unique_constraint(batch.f('uq_disputes_form_token'), ['form_token'])
    # Case files a restart left waiting are built by the workers from now on.
    op.execute(
        "INSERT INTO jobs (kind, key, payload, state, attempts, run_after, progress, step, "
        "requested_by_id, created_at) "
        "SELECT 'casefile.build', 'casefile:' || id, '{\"casefile\": ' || id || '}', 'QUEUED', "
        "0, requested_at, 0, '', requested_by_id, requested_at FROM casefiles "
        "WHERE state IN ('QUEUED', 'RUNNING')")
    # Follow-up reminders join the one reminder table: subject "task:12" → ("task", 12).
    if op.get_bind().dialect.name == "postgresql":
        kind, ident = "split_part(subject, ':', 1)", "split_part(subject, ':', 2)::integer"
    else:
        kind = "substr(subject, 1, instr(subject, ':') - 1)"
        ident = "CAST(substr(subject, instr(subject, ':') + 1) AS INTEGER)"
    op.execute(
        f"INSERT INTO reminders (subject_kind, subject_id, recipient_id, kind, due_at, sent_at) "
        f"SELECT {kind}, {ident}, recipient_id, kind, sent_at, sent_at FROM followup_reminders")
    op.drop_table('followup_reminders')


def downgrade():
    op.create_table(
        'followup_reminders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=40), nullable=False),
        sa.Column('recipient_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['recipient_id'], ['users.id'],
                                name=op.f('fk_followup_reminders_recipient_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_followup_reminders')),
        sa.UniqueConstraint('subject', 'recipient_id', 'kind',
                            name=op.f('uq_followup_reminders_subject')),
    )
    op.execute("DELETE FROM reminders WHERE subject_kind IN ('task', 'agreement')")
    with op.batch_alter_table('disputes') as batch:
        batch.drop_constraint('uq_disputes_form_token', type_='unique')
        batch.drop_column('form_token')
    op.drop_table('rendered_pdfs')
    op.drop_index('ix_jobs_due', table_name='jobs')
    op.drop_table('jobs')

"""scheduling: availability polls, room bookings, reminders, feed secrets, event revisions

Revision ID: c5e1d2a3b4f5
Revises: aefc16e57d1a
Create Date: 2026-11-29 04:30:00.000000

"""
import uuid

import sqlalchemy as sa
from alembic import op

import portal.timeutil

# revision identifiers, used by Alembic.
revision = "c5e1d2a3b4f5"
down_revision = "aefc16e57d1a"
branch_labels = None
depends_on = None

UTC = portal.timeutil.UTCDateTime


def upgrade():
    # Constant server defaults let SQLite add NOT NULL columns in place: recreating the
    # conferences table would cascade-delete its invitations under PRAGMA foreign_keys.
    with op.batch_alter_table("conferences", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ical_uid", sa.String(length=100), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("sequence", sa.Integer(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("updated_at", UTC(), nullable=False,
                                      server_default="2000-01-01 00:00:00"))
    connection = op.get_bind()
    conferences = sa.table("conferences", sa.column("id", sa.Integer),
                           sa.column("ical_uid", sa.String), sa.column("created_at", sa.DateTime),
                           sa.column("updated_at", sa.DateTime))
    for (ident,) in connection.execute(sa.select(conferences.c.id)).all():
        connection.execute(conferences.update().where(conferences.c.id == ident).values(
            ical_uid=f"{uuid.uuid4()}@conference-portal"))
    connection.execute(conferences.update().values(updated_at=conferences.c.created_at))
    if connection.dialect.name != "sqlite":
        for column in ("ical_uid", "sequence", "updated_at"):
            op.alter_column("conferences", column, server_default=None)
    with op.batch_alter_table("conferences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conferences_ical_uid"), ["ical_uid"], unique=True)

    op.create_table(
        "proposed_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conference_id", sa.Integer(), nullable=False),
        sa.Column("starts_local", sa.DateTime(), nullable=False),
        sa.Column("ends_local", sa.DateTime(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("warnings", sa.String(length=100), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("proposed_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["conference_id"], ["conferences.id"],
                                name=op.f("fk_proposed_slots_conference_id_conferences"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["users.id"],
                                name=op.f("fk_proposed_slots_proposed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposed_slots")),
    )
    with op.batch_alter_table("proposed_slots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposed_slots_conference_id"), ["conference_id"],
                              unique=False)

    op.create_table(
        "slot_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.Enum("YES", "IF_NEED_BE", "NO", name="votechoice",
                                    native_enum=False, length=16), nullable=False),
        sa.Column("voter_id", sa.Integer(), nullable=False),
        sa.Column("voted_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["invitation_id"], ["invitations.id"],
                                name=op.f("fk_slot_votes_invitation_id_invitations"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["slot_id"], ["proposed_slots.id"],
                                name=op.f("fk_slot_votes_slot_id_proposed_slots"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["voter_id"], ["users.id"],
                                name=op.f("fk_slot_votes_voter_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slot_votes")),
        sa.UniqueConstraint("slot_id", "invitation_id", name=op.f("uq_slot_votes_slot_id")),
    )
    with op.batch_alter_table("slot_votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slot_votes_invitation_id"), ["invitation_id"],
                              unique=False)

    op.create_table(
        "polls",
        sa.Column("conference_id", sa.Integer(), nullable=False),
        sa.Column("closed_at", UTC(), nullable=True),
        sa.Column("chosen_slot_id", sa.Integer(), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["chosen_slot_id"], ["proposed_slots.id"],
                                name=op.f("fk_polls_chosen_slot_id_proposed_slots"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["conference_id"], ["conferences.id"],
                                name=op.f("fk_polls_conference_id_conferences"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("conference_id", name=op.f("pk_polls")),
    )

    op.create_table(
        "room_bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("conference_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", UTC(), nullable=False),
        sa.Column("ends_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["conference_id"], ["conferences.id"],
                                name=op.f("fk_room_bookings_conference_id_conferences"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"],
                                name=op.f("fk_room_bookings_room_id_rooms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_bookings")),
        sa.UniqueConstraint("conference_id", name=op.f("uq_room_bookings_conference_id")),
    )
    with op.batch_alter_table("room_bookings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_room_bookings_room_id"), ["room_id"], unique=False)
    _room_rule(connection.dialect.name)
    # Conferences scheduled before this revision hold their rooms too.
    op.execute(
        "INSERT INTO room_bookings (room_id, conference_id, starts_at, ends_at) "
        "SELECT room_id, id, starts_at, ends_at FROM conferences "
        "WHERE room_id IS NOT NULL AND starts_at IS NOT NULL AND ends_at IS NOT NULL "
        "AND state NOT IN ('DRAFT', 'INVITING', 'CANCELLED')")

    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("due_at", UTC(), nullable=False),
        sa.Column("sent_at", UTC(), nullable=True),
        sa.ForeignKeyConstraint(["recipient_id"], ["users.id"],
                                name=op.f("fk_reminders_recipient_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.UniqueConstraint("subject_kind", "subject_id", "recipient_id", "kind",
                            name=op.f("uq_reminders_subject_kind")),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index("ix_reminders_due", ["sent_at", "due_at"], unique=False)

    op.create_table(
        "feed_secrets",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("rotated_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_feed_secrets_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_feed_secrets")),
    )


def _room_rule(dialect: str) -> None:
    """No two bookings of one room may overlap, enforced by the database itself."""
    if dialect == "postgresql":
        # An exclusion constraint is checked under concurrency too: of two transactions
        # booking overlapping times, the second waits for the first and then fails.
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE room_bookings ADD CONSTRAINT ex_room_bookings_overlap "
            "EXCLUDE USING gist (room_id WITH =, tsrange(starts_at, ends_at, '[)') WITH &&)")
        op.execute("ALTER TABLE room_bookings ADD CONSTRAINT ck_room_bookings_order "
                   "CHECK (ends_at > starts_at)")
    elif dialect == "sqlite":
        # SQLite has no exclusion constraints. Triggers suffice because the portal opens
        # every SQLite transaction with BEGIN IMMEDIATE (portal/web.py): writers are
        # serialised, so no second booking can slip in between a trigger's check and the
        # insert it guards. (A unique slot grid would force a fixed granularity on times.)
        for event, exclude_self in (("INSERT", ""), ("UPDATE", "AND b.id != NEW.id ")):
            op.execute(
                f"CREATE TRIGGER room_bookings_no_overlap_{event.lower()} "
                f"BEFORE {event} ON room_bookings FOR EACH ROW BEGIN "
                "SELECT RAISE(ABORT, 'room_bookings_overlap') WHERE NEW.ends_at <= NEW.starts_at "
                "OR EXISTS (SELECT 1 FROM room_bookings b WHERE b.room_id = NEW.room_id "
                f"{exclude_self}AND b.starts_at < NEW.ends_at AND NEW.starts_at < b.ends_at); "
                "END")


def downgrade():
    op.drop_table("feed_secrets")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_reminders_due")
    op.drop_table("reminders")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS room_bookings_no_overlap_insert")
        op.execute("DROP TRIGGER IF EXISTS room_bookings_no_overlap_update")
    with op.batch_alter_table("room_bookings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_room_bookings_room_id"))
    op.drop_table("room_bookings")
    op.drop_table("polls")
    with op.batch_alter_table("slot_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slot_votes_invitation_id"))
    op.drop_table("slot_votes")
    with op.batch_alter_table("proposed_slots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposed_slots_conference_id"))
    op.drop_table("proposed_slots")
    with op.batch_alter_table("conferences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conferences_ical_uid"))
        batch_op.drop_column("updated_at")
        batch_op.drop_column("sequence")
        batch_op.drop_column("ical_uid")

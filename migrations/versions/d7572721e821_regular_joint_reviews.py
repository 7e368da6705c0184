"""regular joint reviews: series, their meetings and members, hazard items, attendance and
signatures of the minutes; follow-up tasks of a review item (which may have no dispute)

Revision ID: d7572721e821
Revises: b4356a2d00ff
Create Date: 2026-12-03 14:13:54

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd7572721e821'
down_revision = 'b4356a2d00ff'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('review_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('rrule', sa.String(length=200), nullable=False),
    sa.Column('first_start', sa.DateTime(), nullable=False),
    sa.Column('minutes_long', sa.Integer(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('convener_id', sa.Integer(), nullable=False),
    sa.Column('ical_uid', sa.String(length=120), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['convener_id'], ['users.id'], name=op.f('fk_review_series_convener_id_users')),
    sa.ForeignKeyConstraint(['room_id'], ['rooms.id'], name=op.f('fk_review_series_room_id_rooms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_series')),
    sa.UniqueConstraint('ical_uid', name=op.f('uq_review_series_ical_uid'))
    )
    op.create_table('review_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('occurrence', sa.DateTime(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('cancelled', sa.Boolean(), nullable=False),
    sa.Column('change_reason', sa.Text(), nullable=False),
    sa.Column('held', sa.Boolean(), nullable=False),
    sa.Column('minutes_state', sa.Enum('NONE', 'SIGNING', 'ISSUED', name='minutesstate', native_enum=False, length=20), nullable=False),
    sa.Column('minutes_snapshot', sa.Text(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.Column('issued_at', sa.DateTime(), nullable=True),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['series_id'], ['review_series.id'], name=op.f('fk_review_meetings_series_id_review_series'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_meetings')),
    sa.UniqueConstraint('series_id', 'occurrence', name=op.f('uq_review_meetings_series_id'))
    )
    with op.batch_alter_table('review_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_meetings_content_hash'), ['content_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_meetings_series_id'), ['series_id'], unique=False)

    op.create_table('review_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('HEAD', 'COMMUNITY_POLICE', 'GRID_WORKER', 'OTHER', name='memberrole', native_enum=False, length=20), nullable=False),
    sa.ForeignKeyConstraint(['series_id'], ['review_series.id'], name=op.f('fk_review_members_series_id_review_series'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_review_members_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_members')),
    sa.UniqueConstraint('series_id', 'user_id', name=op.f('uq_review_members_series_id'))
    )
    with op.batch_alter_table('review_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_members_series_id'), ['series_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_members_user_id'), ['user_id'], unique=False)

    op.create_table('review_series_villages',
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['series_id'], ['review_series.id'], name=op.f('fk_review_series_villages_series_id_review_series'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_review_series_villages_village_id_villages')),
    sa.PrimaryKeyConstraint('series_id', 'village_id', name=op.f('pk_review_series_villages'))
    )
    op.create_table('hazard_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('first_meeting_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Enum('POLICE_CALL', 'GRID_VISIT', name='itemsource', native_enum=False, length=20), nullable=False),
    sa.Column('kind', sa.Enum('NEIGHBOUR', 'MARRIAGE_FAMILY', 'LAND_FOREST', 'LABOUR_WAGES', 'CONSTRUCTION_PROPERTY', 'TRAFFIC_ACCIDENT', 'ENVIRONMENTAL_POLLUTION', 'CONSUMER_QUALITY', 'MEDICAL', 'EDUCATION_CAMPUS', 'DEBT_CONTRACT', 'OTHER', name='category', native_enum=False, length=32), nullable=False),
    sa.Column('risk', sa.Enum('LOW', 'MEDIUM', 'HIGH', name='risk', native_enum=False, length=20), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('reported_by_id', sa.Integer(), nullable=False),
    sa.Column('reported_at', sa.DateTime(), nullable=False),
    sa.Column('dispute_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.Enum('OPEN', 'REGISTERED', 'HANDED_OVER', 'MERGED', 'CLOSED', name='itemstate', native_enum=False, length=20), nullable=False),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('carried_over', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['dispute_id'], ['disputes.id'], name=op.f('fk_hazard_items_dispute_id_disputes')),
    sa.ForeignKeyConstraint(['first_meeting_id'], ['review_meetings.id'], name=op.f('fk_hazard_items_first_meeting_id_review_meetings')),
    sa.ForeignKeyConstraint(['meeting_id'], ['review_meetings.id'], name=op.f('fk_hazard_items_meeting_id_review_meetings')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_hazard_items_owner_id_users')),
    sa.ForeignKeyConstraint(['reported_by_id'], ['users.id'], name=op.f('fk_hazard_items_reported_by_id_users')),
    sa.ForeignKeyConstraint(['series_id'], ['review_series.id'], name=op.f('fk_hazard_items_series_id_review_series'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_hazard_items_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard_items'))
    )
    with op.batch_alter_table('hazard_items', schema=None) as batch_op:
        batch_op.create_index('ix_hazard_items_meeting_state', ['meeting_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_items_series_id'), ['series_id'], unique=False)

    op.create_table('review_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['review_meetings.id'], name=op.f('fk_review_attendance_meeting_id_review_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_review_attendance_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_attendance')),
    sa.UniqueConstraint('meeting_id', 'user_id', name=op.f('uq_review_attendance_meeting_id'))
    )
    with op.batch_alter_table('review_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_attendance_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('review_signatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['review_meetings.id'], name=op.f('fk_review_signatures_meeting_id_review_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_review_signatures_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_signatures')),
    sa.UniqueConstraint('meeting_id', 'user_id', name=op.f('uq_review_signatures_meeting_id'))
    )
    with op.batch_alter_table('review_signatures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_signatures_meeting_id'), ['meeting_id'], unique=False)

    with op.batch_alter_table('followup_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_item_id', sa.Integer(), nullable=True))
        batch_op.alter_column('dispute_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_followup_tasks_review_item_id'), ['review_item_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_followup_tasks_review_item_id_hazard_items'), 'hazard_items', ['review_item_id'], ['id'])



def downgrade():
    with op.batch_alter_table('followup_tasks', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_followup_tasks_review_item_id_hazard_items'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_followup_tasks_review_item_id'))
        batch_op.alter_column('dispute_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('review_item_id')

    with op.batch_alter_table('review_signatures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_signatures_meeting_id'))

    op.drop_table('review_signatures')
    with op.batch_alter_table('review_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_attendance_meeting_id'))

    op.drop_table('review_attendance')
    with op.batch_alter_table('hazard_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hazard_items_series_id'))
        batch_op.drop_index('ix_hazard_items_meeting_state')

    op.drop_table('hazard_items')
    op.drop_table('review_series_villages')
    with op.batch_alter_table('review_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_members_user_id'))
        batch_op.drop_index(batch_op.f('ix_review_members_series_id'))

    op.drop_table('review_members')
    with op.batch_alter_table('review_meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_meetings_series_id'))
        batch_op.drop_index(batch_op.f('ix_review_meetings_content_hash'))

    op.drop_table('review_meetings')
    op.drop_table('review_series')

"""Standard addresses, doorplates, resident requests, case codes, parties' acknowledgements
and ratings, and the SMS log.

Revision ID: 3c9e71a4b2d8
Revises: 5e76c2196b39
Create Date: 2026-12-02 03:06:00.654214

"""
from alembic import op
import sqlalchemy as sa

import portal.timeutil


# revision identifiers, used by Alembic.
revision = '3c9e71a4b2d8'
down_revision = '5e76c2196b39'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sms_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('provider_ref', sa.String(length=64), nullable=True),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.Column('created_at', portal.timeutil.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_messages'))
    )
    op.create_table('standard_addresses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('road', sa.String(length=60), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('building', sa.String(length=20), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('room', sa.String(length=20), nullable=False),
    sa.Column('police_grid', sa.String(length=80), nullable=False),
    sa.Column('community_grid', sa.String(length=80), nullable=False),
    sa.Column('created_at', portal.timeutil.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_standard_addresses_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_standard_addresses')),
    sa.UniqueConstraint('village_id', 'road', 'number', 'building', 'unit', 'room', name='uq_standard_addresses_place')
    )
    with op.batch_alter_table('standard_addresses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_standard_addresses_village_id'), ['village_id'], unique=False)

    op.create_table('doorplates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=43), nullable=False),
    sa.Column('issued_at', portal.timeutil.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', portal.timeutil.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['address_id'], ['standard_addresses.id'], name=op.f('fk_doorplates_address_id_standard_addresses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_doorplates')),
    sa.UniqueConstraint('token', name=op.f('uq_doorplates_token'))
    )
    with op.batch_alter_table('doorplates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_doorplates_address_id'), ['address_id'], unique=False)

    op.create_table('resident_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('address_id', sa.Integer(), nullable=True),
    sa.Column('doorplate_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.Enum('DOORPLATE', 'GRID_WORKER', 'POLICE_CALL', name='channel', native_enum=False, length=20), nullable=False),
    sa.Column('topic', sa.Enum('NEIGHBOURS', 'FAMILY', 'LAND_HOUSE', 'WAGES_MONEY', 'ENVIRONMENT', 'OTHER', name='topic', native_enum=False, length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=True),
    sa.Column('contact_name', sa.String(length=60), nullable=False),
    sa.Column('contact_phone', sa.String(length=20), nullable=False),
    sa.Column('status', sa.Enum('NEW', 'CONTACTED', 'REGISTERED', 'CLOSED', 'SPAM', name='requeststatus', native_enum=False, length=20), nullable=False),
    sa.Column('received_at', portal.timeutil.UTCDateTime(), nullable=False),
    sa.Column('first_contact_due_at', portal.timeutil.UTCDateTime(), nullable=False),
    sa.Column('contacted_at', portal.timeutil.UTCDateTime(), nullable=True),
    sa.Column('contact_note', sa.Text(), nullable=False),
    sa.Column('handler_id', sa.Integer(), nullable=True),
    sa.Column('dispute_id', sa.Integer(), nullable=True),
    sa.Column('closure', sa.Enum('ADVICE', 'REFERRED', 'NOT_DISPUTE', name='closure', native_enum=False, length=20), nullable=True),
    sa.Column('closure_note', sa.Text(), nullable=False),
    sa.Column('closed_at', portal.timeutil.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['address_id'], ['standard_addresses.id'], name=op.f('fk_resident_requests_address_id_standard_addresses')),
    sa.ForeignKeyConstraint(['dispute_id'], ['disputes.id'], name=op.f('fk_resident_requests_dispute_id_disputes')),
    sa.ForeignKeyConstraint(['doorplate_id'], ['doorplates.id'], name=op.f('fk_resident_requests_doorplate_id_doorplates')),
    sa.ForeignKeyConstraint(['handler_id'], ['users.id'], name=op.f('fk_resident_requests_handler_id_users')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_resident_requests_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_requests')),
    sa.UniqueConstraint('dispute_id', name=op.f('uq_resident_requests_dispute_id'))
    )
    with op.batch_alter_table('resident_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resident_requests_address_id'), ['address_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resident_requests_handler_id'), ['handler_id'], unique=False)
        batch_op.create_index('ix_resident_requests_status_due', ['status', 'first_contact_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_resident_requests_village_id'), ['village_id'], unique=False)

    op.create_table('case_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('dispute_id', sa.Integer(), nullable=True),
    sa.Column('created_at', portal.timeutil.UTCDateTime(), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', portal.timeutil.UTCDateTime(), nullable=True),
    sa.Column('otp_hash', sa.String(length=64), nullable=True),
    sa.Column('otp_phone', sa.String(length=20), nullable=True),
    sa.Column('otp_expires_at', portal.timeutil.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['dispute_id'], ['disputes.id'], name=op.f('fk_case_codes_dispute_id_disputes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['resident_requests.id'], name=op.f('fk_case_codes_request_id_resident_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_codes')),
    sa.UniqueConstraint('code', name=op.f('uq_case_codes_code')),
    sa.UniqueConstraint('dispute_id', name=op.f('uq_case_codes_dispute_id')),
    sa.UniqueConstraint('request_id', name=op.f('uq_case_codes_request_id'))
    )
    op.create_table('resident_request_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['resident_requests.id'], name=op.f('fk_resident_request_photos_request_id_resident_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_request_photos'))
    )
    with op.batch_alter_table('resident_request_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resident_request_photos_request_id'), ['request_id'], unique=False)

    op.create_table('case_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_code_id', sa.Integer(), nullable=False),
    sa.Column('rater', sa.String(length=20), nullable=False),
    sa.Column('rating', sa.Enum('SATISFIED', 'BASICALLY', 'DISSATISFIED', name='rating', native_enum=False, length=20), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=True),
    sa.Column('rated_at', portal.timeutil.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['organisations.id'], name=op.f('fk_case_ratings_body_id_organisations')),
    sa.ForeignKeyConstraint(['case_code_id'], ['case_codes.id'], name=op.f('fk_case_ratings_case_code_id_case_codes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_case_ratings_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_ratings')),
    sa.UniqueConstraint('case_code_id', 'rater', name=op.f('uq_case_ratings_case_code_id'))
    )
    with op.batch_alter_table('case_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_ratings_case_code_id'), ['case_code_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_ratings_village_id'), ['village_id'], unique=False)

    op.create_table('notice_acknowledgements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_code_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('acknowledged_at', portal.timeutil.UTCDateTime(), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.ForeignKeyConstraint(['case_code_id'], ['case_codes.id'], name=op.f('fk_notice_acknowledgements_case_code_id_case_codes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_notice_acknowledgements_party_id_parties'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_acknowledgements')),
    sa.UniqueConstraint('party_id', name=op.f('uq_notice_acknowledgements_party_id'))
    )
    with op.batch_alter_table('notice_acknowledgements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_acknowledgements_case_code_id'), ['case_code_id'], unique=False)



def downgrade():
    with op.batch_alter_table('notice_acknowledgements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_acknowledgements_case_code_id'))

    op.drop_table('notice_acknowledgements')
    with op.batch_alter_table('case_ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_ratings_village_id'))
        batch_op.drop_index(batch_op.f('ix_case_ratings_case_code_id'))

    op.drop_table('case_ratings')
    with op.batch_alter_table('resident_request_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resident_request_photos_request_id'))

    op.drop_table('resident_request_photos')
    op.drop_table('case_codes')
    with op.batch_alter_table('resident_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resident_requests_village_id'))
        batch_op.drop_index('ix_resident_requests_status_due')
        batch_op.drop_index(batch_op.f('ix_resident_requests_handler_id'))
        batch_op.drop_index(batch_op.f('ix_resident_requests_address_id'))

    op.drop_table('resident_requests')
    with op.batch_alter_table('doorplates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_doorplates_address_id'))

    op.drop_table('doorplates')
    with op.batch_alter_table('standard_addresses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_standard_addresses_village_id'))

    op.drop_table('standard_addresses')
    op.drop_table('sms_messages')

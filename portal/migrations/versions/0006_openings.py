"""openings: dedicated customer account requests (R6), record numbers (R25)

Revision ID: 0006_openings
Revises: 0005_vip
Create Date: 2026-11-24 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_openings'
down_revision = "0005_vip"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('record_counter',
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('prefix', 'year', name=op.f('pk_record_counter'))
    )
    op.create_table('account_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('for_staff_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=500), nullable=False),
    sa.Column('notes', sa.String(length=1000), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('account_ref', sa.String(length=64), nullable=True),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('activated_by_id', sa.Integer(), nullable=True),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rejection_reason', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activated_by_id'], ['user_account.id'], name=op.f('fk_account_request_activated_by_id_user_account')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user_account.id'], name=op.f('fk_account_request_closed_by_id_user_account')),
    sa.ForeignKeyConstraint(['for_staff_id'], ['user_account.id'], name=op.f('fk_account_request_for_staff_id_user_account')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user_account.id'], name=op.f('fk_account_request_opened_by_id_user_account')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_account_request_requested_by_id_user_account')),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], name=op.f('fk_account_request_store_id_store')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_request')),
    sa.UniqueConstraint('number', name=op.f('uq_account_request_number'))
    )
    with op.batch_alter_table('account_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_request_account_ref'), ['account_ref'], unique=False)
        batch_op.create_index('ix_account_request_created', ['created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_request_for_staff_id'), ['for_staff_id'], unique=False)
        batch_op.create_index('ix_account_request_status_created', ['status', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_account_request_store_created', ['store_id', 'created_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('account_request', schema=None) as batch_op:
        batch_op.drop_index('ix_account_request_store_created')
        batch_op.drop_index('ix_account_request_status_created')
        batch_op.drop_index(batch_op.f('ix_account_request_for_staff_id'))
        batch_op.drop_index('ix_account_request_created')
        batch_op.drop_index(batch_op.f('ix_account_request_account_ref'))

    op.drop_table('account_request')
    op.drop_table('record_counter')

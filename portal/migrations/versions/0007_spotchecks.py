"""spot checks of approved VIP files (R7)

Revision ID: 0007_spotchecks
Revises: 0006_openings
Create Date: 2026-11-24 09:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_spotchecks'
# after the vip branch: spot_check_item refers to vip_file
down_revision = "0006_openings"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('spot_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('drawn_by_id', sa.Integer(), nullable=False),
    sa.Column('drawn_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sample_size', sa.Integer(), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['drawn_by_id'], ['user_account.id'], name=op.f('fk_spot_check_drawn_by_id_user_account')),
    sa.ForeignKeyConstraint(['store_id'], ['store.id'], name=op.f('fk_spot_check_store_id_store')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spot_check'))
    )
    with op.batch_alter_table('spot_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spot_check_drawn_at'), ['drawn_at'], unique=False)
        batch_op.create_index('ix_spot_check_store_drawn', ['store_id', 'drawn_at', 'id'], unique=False)

    op.create_table('spot_check_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('spot_check_id', sa.Integer(), nullable=False),
    sa.Column('vip_file_id', sa.Integer(), nullable=False),
    sa.Column('finding', sa.String(length=8), nullable=True),
    sa.Column('notes', sa.String(length=1000), nullable=True),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['checked_by_id'], ['user_account.id'], name=op.f('fk_spot_check_item_checked_by_id_user_account')),
    sa.ForeignKeyConstraint(['spot_check_id'], ['spot_check.id'], name=op.f('fk_spot_check_item_spot_check_id_spot_check'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['vip_file_id'], ['vip_file.id'], name=op.f('fk_spot_check_item_vip_file_id_vip_file')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spot_check_item')),
    sa.UniqueConstraint('spot_check_id', 'vip_file_id', name=op.f('uq_spot_check_item_spot_check_id_vip_file_id'))
    )
    with op.batch_alter_table('spot_check_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spot_check_item_vip_file_id'), ['vip_file_id'], unique=False)


def downgrade():
    with op.batch_alter_table('spot_check_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spot_check_item_vip_file_id'))

    op.drop_table('spot_check_item')
    with op.batch_alter_table('spot_check', schema=None) as batch_op:
        batch_op.drop_index('ix_spot_check_store_drawn')
        batch_op.drop_index(batch_op.f('ix_spot_check_drawn_at'))

    op.drop_table('spot_check')

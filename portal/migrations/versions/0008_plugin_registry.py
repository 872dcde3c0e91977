"""plugin registry: enabled or disabled per plugin

Revision ID: 0008_plugin_registry
Revises: 0007_spotchecks
Create Date: 2026-11-30 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_plugin_registry'
down_revision = "0007_spotchecks"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plugin_state',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user_account.id'], name=op.f('fk_plugin_state_changed_by_id_user_account')),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_plugin_state'))
    )


def downgrade():
    op.drop_table('plugin_state')

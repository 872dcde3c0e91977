"""winelist: the wines of each store

Revision ID: winelist_0001
Revises:
Create Date: 2026-12-01 12:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "winelist_0001"
down_revision = None
branch_labels = ("winelist",)
depends_on = "0001_core"  # the core revision that creates `store`


def upgrade():
    op.create_table(
        "winelist_wine",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_winelist_wine_store_id_store")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_winelist_wine")),
    )
    op.create_index("ix_winelist_wine_store_name", "winelist_wine", ["store_id", "name"])


def downgrade():
    op.drop_index("ix_winelist_wine_store_name", table_name="winelist_wine")
    op.drop_table("winelist_wine")

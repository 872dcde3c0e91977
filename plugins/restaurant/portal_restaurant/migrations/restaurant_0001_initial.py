"""restaurant: visits (R22) and the days greetings were queued

Revision ID: restaurant_0001
Revises:
Create Date: 2026-12-01 22:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "restaurant_0001"
down_revision = None
branch_labels = ("restaurant",)
depends_on = "0008_plugin_registry"


def upgrade():
    op.create_table(
        "restaurant_visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("table_label", sa.String(length=20), nullable=True),
        sa.Column("party_size", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("reservation_ref", sa.String(length=40), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column("consumption_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "amount IS NULL OR amount > 0", name=op.f("ck_restaurant_visit_amount_positive")
        ),
        sa.CheckConstraint("party_size > 0", name=op.f("ck_restaurant_visit_party_size_positive")),
        sa.ForeignKeyConstraint(
            ["consumption_id"],
            ["vip_consumption.id"],
            name=op.f("fk_restaurant_visit_consumption_id_vip_consumption"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_restaurant_visit_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_restaurant_visit_recorded_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_restaurant_visit_store_id_store")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_restaurant_visit")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_restaurant_visit_idempotency_key")),
    )
    with op.batch_alter_table("restaurant_visit", schema=None) as batch_op:
        batch_op.create_index(
            "ix_restaurant_visit_store_visited", ["store_id", "visited_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_restaurant_visit_member_visited", ["member_id", "visited_at"], unique=False
        )

    op.create_table(
        "restaurant_greeting_day",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_restaurant_greeting_day_store_id_store")
        ),
        sa.PrimaryKeyConstraint("store_id", "day", name=op.f("pk_restaurant_greeting_day")),
    )


def downgrade():
    op.drop_table("restaurant_greeting_day")
    op.drop_table("restaurant_visit")

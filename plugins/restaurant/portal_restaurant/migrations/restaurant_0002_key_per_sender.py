"""restaurant: an idempotency key is unique per account that records, not across all

Revision ID: restaurant_0002
Revises: restaurant_0001
Create Date: 2026-12-01 22:30:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "restaurant_0002"
down_revision = "restaurant_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("restaurant_visit", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_restaurant_visit_idempotency_key"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_restaurant_visit_recorded_by_id_idempotency_key"),
            ["recorded_by_id", "idempotency_key"],
        )


def downgrade():
    with op.batch_alter_table("restaurant_visit", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_restaurant_visit_recorded_by_id_idempotency_key"), type_="unique"
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_restaurant_visit_idempotency_key"), ["idempotency_key"]
        )

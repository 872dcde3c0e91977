"""referrer ownership: contacts, assignment history, conflict cases (R8, R9)

Revision ID: 0004_ownership
Revises: 0003_notifications
Create Date: 2026-11-24 09:00:00

Existing members' mobiles (and e-mails) become their primary contacts; existing referrers
become open assignments starting when the member was created.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004_ownership"
down_revision = "0003_notifications"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "member_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=254), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_member_contact_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_member_contact_store_id_store")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_contact")),
        sa.UniqueConstraint(
            "store_id", "kind", "value", name=op.f("uq_member_contact_store_id_kind_value")
        ),
    )
    with op.batch_alter_table("member_contact", schema=None) as batch_op:
        batch_op.create_index("ix_member_contact_member", ["member_id", "kind", "id"], unique=False)
        batch_op.create_index("ix_member_contact_value", ["value", "kind"], unique=False)

    op.create_table(
        "ownership_conflict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("claimant_id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("claimed", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("kept_referrer_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claimant_id"],
            ["user_account.id"],
            name=op.f("fk_ownership_conflict_claimant_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_ownership_conflict_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_ownership_conflict_decided_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["holder_id"],
            ["user_account.id"],
            name=op.f("fk_ownership_conflict_holder_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["kept_referrer_id"],
            ["user_account.id"],
            name=op.f("fk_ownership_conflict_kept_referrer_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_ownership_conflict_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_ownership_conflict_store_id_store")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ownership_conflict")),
    )
    with op.batch_alter_table("ownership_conflict", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ownership_conflict_claimant", ["claimant_id", "created_at", "id"], unique=False
        )
        batch_op.create_index("ix_ownership_conflict_member", ["member_id", "status"], unique=False)
        batch_op.create_index(
            "ix_ownership_conflict_queue", ["store_id", "status", "created_at", "id"], unique=False
        )

    op.create_table(
        "referrer_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("referrer_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["ownership_conflict.id"],
            name=op.f("fk_referrer_assignment_case_id_ownership_conflict"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_referrer_assignment_decided_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_referrer_assignment_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["referrer_id"],
            ["user_account.id"],
            name=op.f("fk_referrer_assignment_referrer_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_referrer_assignment_store_id_store")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrer_assignment")),
    )
    with op.batch_alter_table("referrer_assignment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_referrer_assignment_member_starts", ["member_id", "starts_at", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_referrer_assignment_referrer_id"), ["referrer_id"], unique=False
        )
        batch_op.create_index(
            "ix_referrer_assignment_store_starts", ["store_id", "starts_at"], unique=False
        )
        batch_op.create_index(
            "uq_referrer_assignment_open",
            ["member_id"],
            unique=True,
            postgresql_where=sa.text("ends_at IS NULL"),
            sqlite_where=sa.text("ends_at IS NULL"),
        )

    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.create_index(
            "ix_member_store_referrer", ["store_id", "referrer_id", "id"], unique=False
        )

    # R8: what the portal knew before becomes the members' primary contacts and history
    op.execute(
        "INSERT INTO member_contact (member_id, store_id, kind, value, is_primary, created_at) "
        "SELECT id, store_id, 'mobile', mobile, true, created_at FROM member"
    )
    op.execute(
        "INSERT INTO member_contact (member_id, store_id, kind, value, is_primary, created_at) "
        "SELECT m.id, m.store_id, 'email', lower(m.email), true, m.created_at FROM member m "
        "WHERE m.email IS NOT NULL AND m.id = (SELECT min(o.id) FROM member o "
        "WHERE o.store_id = m.store_id AND lower(o.email) = lower(m.email))"
    )
    op.execute(
        "INSERT INTO referrer_assignment (member_id, store_id, referrer_id, starts_at, reason) "
        "SELECT id, store_id, referrer_id, created_at, 'assigned' FROM member "
        "WHERE referrer_id IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_index("ix_member_store_referrer")
    with op.batch_alter_table("referrer_assignment", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_referrer_assignment_open",
            postgresql_where=sa.text("ends_at IS NULL"),
            sqlite_where=sa.text("ends_at IS NULL"),
        )
        batch_op.drop_index("ix_referrer_assignment_store_starts")
        batch_op.drop_index(batch_op.f("ix_referrer_assignment_referrer_id"))
        batch_op.drop_index("ix_referrer_assignment_member_starts")
    op.drop_table("referrer_assignment")
    with op.batch_alter_table("ownership_conflict", schema=None) as batch_op:
        batch_op.drop_index("ix_ownership_conflict_queue")
        batch_op.drop_index("ix_ownership_conflict_member")
        batch_op.drop_index("ix_ownership_conflict_claimant")
    op.drop_table("ownership_conflict")
    with op.batch_alter_table("member_contact", schema=None) as batch_op:
        batch_op.drop_index("ix_member_contact_value")
        batch_op.drop_index("ix_member_contact_member")
    op.drop_table("member_contact")

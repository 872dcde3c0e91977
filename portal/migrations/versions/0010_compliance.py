"""compliance: cases, evidence, decided measures, notices, rectifications, appeals (R17-R21, R25)

Revision ID: 0010_compliance
Revises: 0009_memberships
Create Date: 2026-12-02 01:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010_compliance"
down_revision = "0009_memberships"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "compliance_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=4000), nullable=False),
        sa.Column("illicit_gain", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_compliance_case_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["membership.id"],
            name=op.f("fk_compliance_case_membership_id_membership"),
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_id"],
            ["user_account.id"],
            name=op.f("fk_compliance_case_opened_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_compliance_case_store_id_store")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_case")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_compliance_case_idempotency_key")),
        sa.UniqueConstraint("number", name=op.f("uq_compliance_case_number")),
    )
    with op.batch_alter_table("compliance_case", schema=None) as batch_op:
        batch_op.create_index("ix_compliance_case_created", ["created_at", "id"], unique=False)
        batch_op.create_index(
            "ix_compliance_case_member", ["member_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_compliance_case_membership_id"), ["membership_id"], unique=False
        )
        batch_op.create_index(
            "ix_compliance_case_state", ["state", "created_at", "id"], unique=False
        )

    op.create_table(
        "compliance_case_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["compliance_case.id"],
            name=op.f("fk_compliance_case_attachment_case_id_compliance_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["user_account.id"],
            name=op.f("fk_compliance_case_attachment_uploaded_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_case_attachment")),
    )
    with op.batch_alter_table("compliance_case_attachment", schema=None) as batch_op:
        batch_op.create_index("ix_compliance_case_attachment_case", ["case_id", "id"], unique=False)

    op.create_table(
        "compliance_case_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user_account.id"],
            name=op.f("fk_compliance_case_event_actor_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["compliance_case.id"],
            name=op.f("fk_compliance_case_event_case_id_compliance_case"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_case_event")),
    )
    with op.batch_alter_table("compliance_case_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_compliance_case_event_case", ["case_id", "occurred_at", "id"], unique=False
        )

    op.create_table(
        "compliance_case_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=4000), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user_account.id"],
            name=op.f("fk_compliance_case_note_author_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["compliance_case.id"],
            name=op.f("fk_compliance_case_note_case_id_compliance_case"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_case_note")),
    )
    with op.batch_alter_table("compliance_case_note", schema=None) as batch_op:
        batch_op.create_index(
            "ix_compliance_case_note_case", ["case_id", "created_at", "id"], unique=False
        )

    op.create_table(
        "compliance_case_violation",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["compliance_case.id"],
            name=op.f("fk_compliance_case_violation_case_id_compliance_case"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "code", name=op.f("pk_compliance_case_violation")),
    )
    with op.batch_alter_table("compliance_case_violation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_compliance_case_violation_code", ["code", "case_id"], unique=False
        )

    op.create_table(
        "compliance_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.String(length=4000), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("appeal_until", sa.Date(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"],
            ["user_account.id"],
            name=op.f("fk_compliance_notice_acknowledged_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["compliance_case.id"],
            name=op.f("fk_compliance_notice_case_id_compliance_case"),
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["user_account.id"],
            name=op.f("fk_compliance_notice_issued_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_compliance_notice_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_compliance_notice_store_id_store")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_notice")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_compliance_notice_idempotency_key")),
        sa.UniqueConstraint("number", name=op.f("uq_compliance_notice_number")),
    )
    with op.batch_alter_table("compliance_notice", schema=None) as batch_op:
        batch_op.create_index("ix_compliance_notice_case", ["case_id", "id"], unique=False)
        batch_op.create_index(
            "ix_compliance_notice_member", ["member_id", "issued_at", "id"], unique=False
        )

    op.create_table(
        "compliance_appeal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("grounds", sa.String(length=4000), nullable=False),
        sa.Column("lodged_by_id", sa.Integer(), nullable=False),
        sa.Column("lodged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("decision_reasons", sa.String(length=4000), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_compliance_appeal_decided_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["lodged_by_id"],
            ["user_account.id"],
            name=op.f("fk_compliance_appeal_lodged_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["compliance_notice.id"],
            name=op.f("fk_compliance_appeal_notice_id_compliance_notice"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_appeal")),
        sa.UniqueConstraint("notice_id", name=op.f("uq_compliance_appeal_notice_id")),
    )
    with op.batch_alter_table("compliance_appeal", schema=None) as batch_op:
        batch_op.create_index(
            "ix_compliance_appeal_state", ["state", "lodged_at", "id"], unique=False
        )

    op.create_table(
        "compliance_measure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=24), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("offset_against_deposit", sa.Boolean(), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["compliance_case.id"],
            name=op.f("fk_compliance_measure_case_id_compliance_case"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_compliance_measure_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["compliance_notice.id"],
            name=op.f("fk_compliance_measure_notice_id_compliance_notice"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_measure")),
        sa.UniqueConstraint(
            "notice_id", "measure", name=op.f("uq_compliance_measure_notice_id_measure")
        ),
    )
    with op.batch_alter_table("compliance_measure", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_compliance_measure_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            "ix_compliance_measure_decided", ["decided_at", "measure"], unique=False
        )
        batch_op.create_index(
            "ix_compliance_measure_member", ["member_id", "decided_at"], unique=False
        )

    op.create_table(
        "compliance_rectification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("requirement", sa.String(length=2000), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("outcome_note", sa.String(length=2000), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["compliance_case.id"],
            name=op.f("fk_compliance_rectification_case_id_compliance_case"),
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["compliance_notice.id"],
            name=op.f("fk_compliance_rectification_notice_id_compliance_notice"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_compliance_rectification_recorded_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_rectification")),
        sa.UniqueConstraint("notice_id", name=op.f("uq_compliance_rectification_notice_id")),
    )
    with op.batch_alter_table("compliance_rectification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_compliance_rectification_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            "ix_compliance_rectification_due", ["state", "due_at", "id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("compliance_rectification", schema=None) as batch_op:
        batch_op.drop_index("ix_compliance_rectification_due")
        batch_op.drop_index(batch_op.f("ix_compliance_rectification_case_id"))

    op.drop_table("compliance_rectification")
    with op.batch_alter_table("compliance_measure", schema=None) as batch_op:
        batch_op.drop_index("ix_compliance_measure_member")
        batch_op.drop_index("ix_compliance_measure_decided")
        batch_op.drop_index(batch_op.f("ix_compliance_measure_case_id"))

    op.drop_table("compliance_measure")
    with op.batch_alter_table("compliance_appeal", schema=None) as batch_op:
        batch_op.drop_index("ix_compliance_appeal_state")

    op.drop_table("compliance_appeal")
    with op.batch_alter_table("compliance_notice", schema=None) as batch_op:
        batch_op.drop_index("ix_compliance_notice_member")
        batch_op.drop_index("ix_compliance_notice_case")

    op.drop_table("compliance_notice")
    with op.batch_alter_table("compliance_case_violation", schema=None) as batch_op:
        batch_op.drop_index("ix_compliance_case_violation_code")

    op.drop_table("compliance_case_violation")
    with op.batch_alter_table("compliance_case_note", schema=None) as batch_op:
        batch_op.drop_index("ix_compliance_case_note_case")

    op.drop_table("compliance_case_note")
    with op.batch_alter_table("compliance_case_event", schema=None) as batch_op:
        batch_op.drop_index("ix_compliance_case_event_case")

    op.drop_table("compliance_case_event")
    with op.batch_alter_table("compliance_case_attachment", schema=None) as batch_op:
        batch_op.drop_index("ix_compliance_case_attachment_case")

    op.drop_table("compliance_case_attachment")
    with op.batch_alter_table("compliance_case", schema=None) as batch_op:
        batch_op.drop_index("ix_compliance_case_state")
        batch_op.drop_index(batch_op.f("ix_compliance_case_membership_id"))
        batch_op.drop_index("ix_compliance_case_member")
        batch_op.drop_index("ix_compliance_case_created")

    op.drop_table("compliance_case")

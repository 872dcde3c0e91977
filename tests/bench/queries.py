"""The hot queries as plain SQL, for the baseline endpoints and the query plans.

Each is the SQL the portal's service issues for the same page, minus the ORM.
"""

from __future__ import annotations

#: the first page of one store's review queue, nearest deadline first (R5)
REVIEW_QUEUE = """
SELECT t.id, t.due_at, f.id, f.member_id, f.referrer_id, f.data
FROM sla_task t
JOIN vip_file f ON t.subject_type = 'vip_file' AND t.subject_id = f.id
WHERE t.policy = 'vip_review' AND t.state = 'open' AND f.status = 'submitted'
  AND t.store_id IN (:store_id)
ORDER BY t.due_at, t.id
LIMIT :limit
"""

#: the customers of one store holding a mobile number, as a clerk at the counter finds them
LOOKUP_BY_MOBILE = """
SELECT m.id, m.full_name, m.mobile, m.status, m.referrer_id, m.created_at
FROM member m
WHERE m.store_id = :store_id
  AND m.id IN (
    SELECT member_id FROM member_contact
    WHERE (kind = 'mobile' AND value = :mobile) OR (kind = 'landline' AND value = :mobile)
  )
ORDER BY m.created_at DESC, m.id DESC
LIMIT 26
"""

#: a member's in-portal messages, newest first (the notice page), and their unread badge
INBOX = """
SELECT n.id, n.kind, n.params, n.read_at, n.created_at
FROM notification n
WHERE n.recipient_user_id = :user_id AND n.channel = 'portal'
ORDER BY n.created_at DESC, n.id DESC
LIMIT 26
"""
UNREAD = """
SELECT count(*) FROM notification
WHERE recipient_user_id = :user_id AND channel = 'portal' AND read_at IS NULL
"""

#: self-registration's rows: the login, the member, its primary contact, two audit events
REGISTER_USER = """
INSERT INTO user_account (login, display_name, mobile, password_hash, is_enabled, created_at)
VALUES (:mobile, :name, :mobile, :hash, true, :now) RETURNING id
"""
REGISTER_MEMBER = """
INSERT INTO member (store_id, user_id, full_name, mobile, status, source, consent_version,
                    consented_at, created_at, updated_at)
VALUES (:store_id, :user_id, :name, :mobile, 'registered', 'self', '1', :now, :now, :now)
RETURNING id
"""
REGISTER_CONTACT = """
INSERT INTO member_contact (member_id, store_id, kind, value, is_primary, created_at)
VALUES (:member_id, :store_id, 'mobile', :mobile, true, :now)
"""

#: a VIP decision's rows: the compare-and-set on the file, the task done, the member active
DECIDE_FILE = """
UPDATE vip_file SET status = 'approved', decided_at = :now, decided_by_id = :actor,
       version = version + 1, updated_at = :now
WHERE id = :file_id AND status = 'submitted' AND version = :version
"""
DECIDE_TASK = """
UPDATE sla_task SET state = 'done', completed_at = :now, completed_by_id = :actor,
       outcome = 'approved', updated_at = :now
WHERE subject_type = 'vip_file' AND subject_id = :file_id AND state = 'open'
"""
DECIDE_MEMBER = """
UPDATE member SET status = 'active', updated_at = :now
WHERE id = (SELECT member_id FROM vip_file WHERE id = :file_id)
"""
NOTIFY = """
INSERT INTO notification (channel, recipient, recipient_user_id, store_id, kind, params,
                          dedupe_key, status, not_before, attempts, created_at)
VALUES ('portal', :recipient, :user_id, :store_id, 'vip.approved', :params, :key, 'pending',
        :now, 0, :now)
"""

#: one audit event (every write above leaves one or two)
AUDIT = """
INSERT INTO audit_event (occurred_at, actor_id, actor_label, action, object_type, object_id,
                         store_id, after)
VALUES (:now, :actor, :label, :action, :object_type, :object_id, :store_id, :after)
"""

#: what one tick selects: SLA steps that are due
TICK_DUE = """
SELECT id FROM sla_task
WHERE state = 'open' AND next_step_at <= :now
ORDER BY next_step_at, id
LIMIT 500
"""

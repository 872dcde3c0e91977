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

#: what one tick selects: SLA steps that are due
TICK_DUE = """
SELECT id FROM sla_task
WHERE state = 'open' AND next_step_at <= :now
ORDER BY next_step_at, id
LIMIT 500
"""

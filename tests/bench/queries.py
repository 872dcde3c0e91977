"""The hot queries as plain SQL, for the baseline endpoints and the query plans."""

from __future__ import annotations

#: the first page of one store's review queue, nearest deadline first (R5)
REVIEW_QUEUE = """
SELECT f.id, f.member_id, f.status, t.due_at, m.full_name
FROM sla_task t
JOIN vip_file f ON f.id = t.subject_id
JOIN member m ON m.id = f.member_id
WHERE t.subject_type = 'vip_file' AND t.state = 'open' AND t.store_id = :store_id
ORDER BY t.due_at, t.id
LIMIT :limit
"""

#: a member of one store found by mobile number, as a clerk at the counter does
LOOKUP_BY_MOBILE = """
SELECT id, full_name, mobile, status, referrer_id
FROM member
WHERE store_id = :store_id AND mobile = :mobile
"""

#: what one tick selects: SLA steps that are due
TICK_DUE = """
SELECT id FROM sla_task
WHERE state = 'open' AND next_step_at <= :now
ORDER BY next_step_at, id
LIMIT 200
"""

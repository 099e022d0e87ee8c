-- Hand-written. The reviewer's queue page (src/services/queue-page.ts) reads the waiting cases of one queue in
-- (priority, slaDueAt, id) order after a keyset cursor. This partial index holds only the cases waiting in the reviewing
-- queues, so the page reads its rows in order and stops at the page's end; decided and closed cases, the bulk of the
-- table over time, are not in it. Prisma's schema cannot express a partial index, so schema.prisma does not list it:
-- test/foundation.test.ts names it as the one index the migrations add beyond the schema. The page's statement writes
-- the statuses as SQL literals (not cast parameters), which is what lets the planner match this predicate.
CREATE INDEX "Case_waiting_queue_priority_slaDueAt_id_idx" ON "Case"("queue", "priority", "slaDueAt", "id") WHERE "status" IN ('OPEN', 'IN_REVIEW');

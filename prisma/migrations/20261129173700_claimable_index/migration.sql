-- Hand-written. The claim's pick (claimableSql in src/services/claims.ts) takes the most urgent unclaimed case of one
-- queue, open or under appeal, in (priority, slaDueAt, createdAt) order. The waiting-queue index of the page also holds
-- claimed cases (IN_REVIEW), and without table statistics (the embedded database is never analysed) the planner read
-- the pick through it, stepping past every claimed case of the queue and sorting what was left. This partial index
-- holds only the cases a claim may take, in the pick's order. Prisma's schema cannot express a partial index:
-- test/foundation.test.ts lists it beside the page's index. The pick writes its status as an SQL literal, which is what
-- lets the planner match this predicate in a prepared statement too.
CREATE INDEX "Case_claimable_idx" ON "Case"("queue", "priority", "slaDueAt", "createdAt") WHERE "status" IN ('OPEN', 'APPEALED') AND "assigneeId" IS NULL;

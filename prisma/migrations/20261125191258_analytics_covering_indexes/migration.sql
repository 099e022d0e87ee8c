-- DropIndex
DROP INDEX "Case_firstDecidedAt_idx";

-- DropIndex
DROP INDEX "Decision_decidedAt_idx";

-- CreateIndex
CREATE INDEX "Case_firstDecidedAt_createdAt_firstDecisionWithinSla_idx" ON "Case"("firstDecidedAt", "createdAt", "firstDecisionWithinSla");

-- CreateIndex
CREATE INDEX "Decision_decidedAt_category_actions_idx" ON "Decision"("decidedAt", "category", "actions");


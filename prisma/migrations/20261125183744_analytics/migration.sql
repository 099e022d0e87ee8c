-- AlterTable
ALTER TABLE "Case" ADD COLUMN     "firstDecidedAt" TIMESTAMP(3),
ADD COLUMN     "firstDecisionWithinSla" BOOLEAN;

-- CreateIndex
CREATE INDEX "Case_firstDecidedAt_idx" ON "Case"("firstDecidedAt");

-- CreateIndex
CREATE INDEX "NcmecReport_submittedAt_idx" ON "NcmecReport"("submittedAt");

-- CreateIndex
CREATE INDEX "LawEnforcementReferral_createdAt_idx" ON "LawEnforcementReferral"("createdAt");

-- CreateIndex
CREATE INDEX "Appeal_decidedAt_idx" ON "Appeal"("decidedAt");


-- Backfill cases decided before this migration. The SLA due time recorded on the case is the best one left for them.
UPDATE "Case" AS c
SET "firstDecidedAt" = d.first,
    "firstDecisionWithinSla" = d.first <= c."slaDueAt"
FROM (SELECT "caseId", min("decidedAt") AS first FROM "Decision" GROUP BY "caseId") AS d
WHERE d."caseId" = c.id AND c."firstDecidedAt" IS NULL;

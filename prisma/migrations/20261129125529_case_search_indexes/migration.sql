-- DropIndex
DROP INDEX "Case_createdAt_idx";

-- CreateIndex
CREATE INDEX "Case_createdAt_id_idx" ON "Case"("createdAt", "id");

-- CreateIndex
CREATE INDEX "Case_status_createdAt_id_idx" ON "Case"("status", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Case_category_createdAt_id_idx" ON "Case"("category", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Case_queue_createdAt_id_idx" ON "Case"("queue", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Case_assigneeId_idx" ON "Case"("assigneeId");

-- CreateIndex
CREATE INDEX "Case_reportedAccountId_idx" ON "Case"("reportedAccountId");

-- CreateIndex
CREATE INDEX "Case_updatedAt_idx" ON "Case"("updatedAt");


-- CreateIndex
CREATE INDEX "Case_duplicateOfId_idx" ON "Case"("duplicateOfId");


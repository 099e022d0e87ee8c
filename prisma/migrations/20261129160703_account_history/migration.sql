-- AlterTable
ALTER TABLE "Case" ADD COLUMN     "priorViolations" INTEGER NOT NULL DEFAULT 0;

-- CreateIndex
CREATE INDEX "Case_reportedAccountId_createdAt_id_idx" ON "Case"("reportedAccountId", "createdAt", "id");


-- CreateEnum
CREATE TYPE "EscalationReason" AS ENUM ('AGE_UNDETERMINED', 'DECLINED_ENFORCEMENT_ON_EXPLOITATION');

-- AlterTable
ALTER TABLE "Case" ADD COLUMN     "escalatedAt" TIMESTAMP(3),
ADD COLUMN     "escalatedById" TEXT,
ADD COLUMN     "escalationReason" "EscalationReason";

-- CreateTable
CREATE TABLE "AccountStrike" (
    "id" UUID NOT NULL,
    "accountId" TEXT NOT NULL,
    "caseId" UUID NOT NULL,
    "decisionId" UUID NOT NULL,
    "category" "ChildSafetyCategory" NOT NULL,
    "recordedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AccountStrike_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "AccountStrike_decisionId_key" ON "AccountStrike"("decisionId");

-- CreateIndex
CREATE INDEX "AccountStrike_accountId_recordedAt_idx" ON "AccountStrike"("accountId", "recordedAt");

-- CreateIndex
CREATE INDEX "AccountStrike_caseId_idx" ON "AccountStrike"("caseId");

-- AddForeignKey
ALTER TABLE "Case" ADD CONSTRAINT "Case_escalatedById_fkey" FOREIGN KEY ("escalatedById") REFERENCES "Reviewer"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountStrike" ADD CONSTRAINT "AccountStrike_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccountStrike" ADD CONSTRAINT "AccountStrike_decisionId_fkey" FOREIGN KEY ("decisionId") REFERENCES "Decision"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


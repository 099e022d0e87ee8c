-- AlterEnum
ALTER TYPE "ReferralStatus" ADD VALUE 'SENT';

-- AlterTable
ALTER TABLE "Case" ADD COLUMN     "depictedRelationClaimed" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "Assessment" ADD COLUMN     "childAtImmediateRisk" BOOLEAN,
ADD COLUMN     "immediateRiskClearedReason" TEXT,
ADD COLUMN     "reporterRelationConfirmed" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "LawEnforcementReferral" ADD COLUMN     "agency" TEXT,
ADD COLUMN     "closeNote" TEXT,
ADD COLUMN     "closedAt" TIMESTAMP(3),
ADD COLUMN     "closedById" TEXT,
ADD COLUMN     "reference" TEXT,
ADD COLUMN     "sentAt" TIMESTAMP(3),
ADD COLUMN     "sentById" TEXT;

-- AddForeignKey
ALTER TABLE "LawEnforcementReferral" ADD CONSTRAINT "LawEnforcementReferral_sentById_fkey" FOREIGN KEY ("sentById") REFERENCES "Reviewer"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LawEnforcementReferral" ADD CONSTRAINT "LawEnforcementReferral_closedById_fkey" FOREIGN KEY ("closedById") REFERENCES "Reviewer"("id") ON DELETE SET NULL ON UPDATE CASCADE;


-- Until now "requestedByDepicted" recorded what reports claimed; it now records what a reviewer confirmed.
-- Move the claims to their own column; nothing has been confirmed yet.
UPDATE "Case" SET "depictedRelationClaimed" = true, "requestedByDepicted" = false WHERE "requestedByDepicted";

-- CreateEnum
CREATE TYPE "NcmecSubmissionChannel" AS ENUM ('API', 'MANUAL');

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "NcmecReportStatus" ADD VALUE 'AWAITING_SUBMISSION';
ALTER TYPE "NcmecReportStatus" ADD VALUE 'NEEDS_CORRECTION';
ALTER TYPE "NcmecReportStatus" ADD VALUE 'WITHDRAWN';

-- AlterTable
ALTER TABLE "NcmecReport" ADD COLUMN     "evidenceFileId" TEXT,
ADD COLUMN     "evidenceOutcome" TEXT,
ADD COLUMN     "nextAttemptAt" TIMESTAMP(3),
ADD COLUMN     "responseCode" INTEGER,
ADD COLUMN     "responseDescription" TEXT,
ADD COLUMN     "submissionChannel" "NcmecSubmissionChannel",
ADD COLUMN     "withdrawalReason" TEXT,
ADD COLUMN     "withdrawalRequestedAt" TIMESTAMP(3),
ADD COLUMN     "withdrawnAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "PreservationHold" ADD COLUMN     "releasedAt" TIMESTAMP(3);


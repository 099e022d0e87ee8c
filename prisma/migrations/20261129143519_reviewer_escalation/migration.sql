-- AlterEnum
ALTER TYPE "EscalationReason" ADD VALUE 'REVIEWER_REQUEST';

-- AlterTable
ALTER TABLE "Case" ADD COLUMN     "escalationNote" TEXT;


-- AlterTable
ALTER TABLE "Reviewer" ADD COLUMN     "revokedRoles" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "suspendedAt" TIMESTAMP(3);


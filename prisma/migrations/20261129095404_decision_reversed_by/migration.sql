-- AlterEnum
ALTER TYPE "AppealStatus" ADD VALUE 'SUPERSEDED';

-- AlterTable
ALTER TABLE "Decision" ADD COLUMN     "reversedById" TEXT;

-- AddForeignKey
ALTER TABLE "Decision" ADD CONSTRAINT "Decision_reversedById_fkey" FOREIGN KEY ("reversedById") REFERENCES "Reviewer"("id") ON DELETE SET NULL ON UPDATE CASCADE;


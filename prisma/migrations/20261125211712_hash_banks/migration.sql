-- AlterTable
ALTER TABLE "Case" ADD COLUMN     "knownHashMatch" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "HashBank" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "category" "ChildSafetyCategory" NOT NULL DEFAULT 'CHILD_SEXUAL_EXPLOITATION',
    "matchingEnabled" BOOLEAN NOT NULL DEFAULT true,
    "generation" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "HashBank_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BankHash" (
    "bankId" UUID NOT NULL,
    "algorithm" "HashAlgorithm" NOT NULL,
    "value" TEXT NOT NULL,
    "addedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "addedGeneration" INTEGER NOT NULL,
    "removedAt" TIMESTAMP(3),
    "removedGeneration" INTEGER,

    CONSTRAINT "BankHash_pkey" PRIMARY KEY ("bankId","algorithm","value")
);

-- CreateTable
CREATE TABLE "CaseHashMatch" (
    "id" UUID NOT NULL,
    "caseId" UUID NOT NULL,
    "bankId" UUID NOT NULL,
    "algorithm" "HashAlgorithm" NOT NULL,
    "value" TEXT NOT NULL,
    "matchedValue" TEXT NOT NULL,
    "distance" INTEGER NOT NULL,
    "matchedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CaseHashMatch_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "HashBank_name_key" ON "HashBank"("name");

-- CreateIndex
CREATE INDEX "BankHash_algorithm_value_idx" ON "BankHash"("algorithm", "value");

-- CreateIndex
CREATE INDEX "BankHash_bankId_addedGeneration_idx" ON "BankHash"("bankId", "addedGeneration");

-- CreateIndex
CREATE INDEX "BankHash_bankId_removedGeneration_idx" ON "BankHash"("bankId", "removedGeneration");

-- CreateIndex
CREATE INDEX "CaseHashMatch_bankId_idx" ON "CaseHashMatch"("bankId");

-- CreateIndex
CREATE UNIQUE INDEX "CaseHashMatch_caseId_bankId_algorithm_value_key" ON "CaseHashMatch"("caseId", "bankId", "algorithm", "value");

-- AddForeignKey
ALTER TABLE "BankHash" ADD CONSTRAINT "BankHash_bankId_fkey" FOREIGN KEY ("bankId") REFERENCES "HashBank"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseHashMatch" ADD CONSTRAINT "CaseHashMatch_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseHashMatch" ADD CONSTRAINT "CaseHashMatch_bankId_fkey" FOREIGN KEY ("bankId") REFERENCES "HashBank"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- CreateTable
CREATE TABLE "CaseLink" (
    "id" UUID NOT NULL,
    "caseId" UUID NOT NULL,
    "linkedCaseId" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "createdById" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CaseLink_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CaseLink_linkedCaseId_idx" ON "CaseLink"("linkedCaseId");

-- CreateIndex
CREATE UNIQUE INDEX "CaseLink_caseId_linkedCaseId_key" ON "CaseLink"("caseId", "linkedCaseId");

-- AddForeignKey
ALTER TABLE "CaseLink" ADD CONSTRAINT "CaseLink_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseLink" ADD CONSTRAINT "CaseLink_linkedCaseId_fkey" FOREIGN KEY ("linkedCaseId") REFERENCES "Case"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseLink" ADD CONSTRAINT "CaseLink_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "Reviewer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "ChildSafetyCategory" AS ENUM ('CHILD_SEXUAL_EXPLOITATION', 'PHYSICAL_CHILD_ABUSE_MEDIA', 'MINOR_PHYSICAL_ALTERCATION');

-- CreateEnum
CREATE TYPE "QueueName" AS ENUM ('IMMEDIATE_RISK', 'CHILD_SEXUAL_EXPLOITATION', 'PHYSICAL_CHILD_ABUSE_MEDIA', 'MINOR_PHYSICAL_ALTERCATION', 'APPEALS');

-- CreateEnum
CREATE TYPE "ReporterRelation" AS ENUM ('DEPICTED_MINOR', 'AUTHORIZED_REPRESENTATIVE', 'OTHER');

-- CreateEnum
CREATE TYPE "HashAlgorithm" AS ENUM ('MD5', 'SHA256', 'PDQ');

-- CreateEnum
CREATE TYPE "CaseStatus" AS ENUM ('OPEN', 'IN_REVIEW', 'DECIDED', 'APPEALED', 'CLOSED');

-- CreateEnum
CREATE TYPE "EnforcementAction" AS ENUM ('REMOVE_CONTENT', 'SENSITIVE_MEDIA_LABEL', 'ACCOUNT_STRIKE', 'SUSPEND_ACCOUNT', 'NO_ACTION');

-- CreateEnum
CREATE TYPE "NcmecReportStatus" AS ENUM ('DRAFT', 'SUBMITTING', 'SUBMITTED', 'ACKNOWLEDGED', 'FAILED');

-- CreateEnum
CREATE TYPE "ReferralStatus" AS ENUM ('PENDING', 'REFERRED', 'CLOSED');

-- CreateEnum
CREATE TYPE "AppealStatus" AS ENUM ('PENDING', 'DECIDED');

-- CreateEnum
CREATE TYPE "AppealOutcome" AS ENUM ('UPHELD', 'OVERTURNED');

-- CreateEnum
CREATE TYPE "AppellantKind" AS ENUM ('AFFECTED_ACCOUNT', 'NOTIFIER');

-- CreateTable
CREATE TABLE "Reviewer" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "roles" TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Reviewer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Report" (
    "id" UUID NOT NULL,
    "caseId" UUID NOT NULL,
    "contentId" TEXT NOT NULL,
    "contentUrl" TEXT,
    "mediaHashes" JSONB NOT NULL DEFAULT '[]',
    "reportedAccountId" TEXT,
    "category" "ChildSafetyCategory" NOT NULL,
    "description" TEXT,
    "childAtImmediateRisk" BOOLEAN NOT NULL DEFAULT false,
    "reporterRelation" "ReporterRelation" NOT NULL DEFAULT 'OTHER',
    "reporterAccountId" TEXT,
    "contactEmail" TEXT,
    "reporterKey" TEXT NOT NULL,
    "followUpTokenHash" TEXT NOT NULL,
    "idempotencyKey" TEXT,
    "requestHash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Report_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Case" (
    "id" UUID NOT NULL,
    "contentId" TEXT NOT NULL,
    "contentUrl" TEXT,
    "reportedAccountId" TEXT,
    "category" "ChildSafetyCategory" NOT NULL,
    "status" "CaseStatus" NOT NULL DEFAULT 'OPEN',
    "queue" "QueueName" NOT NULL,
    "priority" INTEGER NOT NULL,
    "slaDueAt" TIMESTAMP(3) NOT NULL,
    "childAtImmediateRisk" BOOLEAN NOT NULL DEFAULT false,
    "requestedByDepicted" BOOLEAN NOT NULL DEFAULT false,
    "reportCount" INTEGER NOT NULL DEFAULT 0,
    "distinctReporterCount" INTEGER NOT NULL DEFAULT 0,
    "assigneeId" TEXT,
    "leaseExpiresAt" TIMESTAMP(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "decidedAt" TIMESTAMP(3),
    "closedAt" TIMESTAMP(3),

    CONSTRAINT "Case_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CaseMediaHash" (
    "id" UUID NOT NULL,
    "caseId" UUID NOT NULL,
    "algorithm" "HashAlgorithm" NOT NULL,
    "value" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CaseMediaHash_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Assessment" (
    "id" UUID NOT NULL,
    "caseId" UUID NOT NULL,
    "reviewerId" TEXT NOT NULL,
    "factors" JSONB NOT NULL,
    "recommendation" JSONB NOT NULL,
    "policyVersion" TEXT NOT NULL,
    "notes" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Assessment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Decision" (
    "id" UUID NOT NULL,
    "caseId" UUID NOT NULL,
    "assessmentId" UUID NOT NULL,
    "category" "ChildSafetyCategory" NOT NULL,
    "actions" "EnforcementAction"[],
    "recommendedActions" "EnforcementAction"[],
    "deviatesFromRecommendation" BOOLEAN NOT NULL,
    "justification" TEXT,
    "statementOfReasons" JSONB NOT NULL,
    "policyVersion" TEXT NOT NULL,
    "decidedById" TEXT NOT NULL,
    "decidedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "appealableUntil" TIMESTAMP(3) NOT NULL,
    "reversedAt" TIMESTAMP(3),

    CONSTRAINT "Decision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CaseClaim" (
    "id" UUID NOT NULL,
    "caseId" UUID NOT NULL,
    "reviewerId" TEXT NOT NULL,
    "category" "ChildSafetyCategory" NOT NULL,
    "claimedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CaseClaim_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NcmecReport" (
    "id" UUID NOT NULL,
    "caseId" UUID NOT NULL,
    "decisionId" UUID NOT NULL,
    "status" "NcmecReportStatus" NOT NULL DEFAULT 'DRAFT',
    "payload" JSONB NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastAttemptAt" TIMESTAMP(3),
    "lastError" TEXT,
    "externalReportId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "submittedAt" TIMESTAMP(3),
    "acknowledgedAt" TIMESTAMP(3),

    CONSTRAINT "NcmecReport_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PreservationHold" (
    "id" UUID NOT NULL,
    "caseId" UUID NOT NULL,
    "ncmecReportId" UUID,
    "contentRefs" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PreservationHold_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LawEnforcementReferral" (
    "id" UUID NOT NULL,
    "caseId" UUID NOT NULL,
    "status" "ReferralStatus" NOT NULL DEFAULT 'PENDING',
    "source" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "dueAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "LawEnforcementReferral_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Appeal" (
    "id" UUID NOT NULL,
    "caseId" UUID NOT NULL,
    "decisionId" UUID NOT NULL,
    "appellantKind" "AppellantKind" NOT NULL,
    "appellantAccountId" TEXT,
    "reportId" UUID,
    "statement" TEXT NOT NULL,
    "status" "AppealStatus" NOT NULL DEFAULT 'PENDING',
    "outcome" "AppealOutcome",
    "reason" TEXT,
    "statementOfReasons" JSONB,
    "decidedById" TEXT,
    "decidedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Appeal_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "seq" BIGINT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorKind" TEXT NOT NULL,
    "actorId" TEXT,
    "actorRoles" TEXT[],
    "action" TEXT NOT NULL,
    "entityType" TEXT NOT NULL,
    "entityId" TEXT NOT NULL,
    "caseId" UUID,
    "changes" JSONB NOT NULL,
    "policyVersion" TEXT,
    "requestId" TEXT,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "AuditChainHead" (
    "id" INTEGER NOT NULL,
    "seq" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "AuditChainHead_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Report_followUpTokenHash_key" ON "Report"("followUpTokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "Report_idempotencyKey_key" ON "Report"("idempotencyKey");

-- CreateIndex
CREATE INDEX "Report_caseId_createdAt_idx" ON "Report"("caseId", "createdAt");

-- CreateIndex
CREATE INDEX "Report_createdAt_category_idx" ON "Report"("createdAt", "category");

-- CreateIndex
CREATE INDEX "Case_queue_status_priority_slaDueAt_idx" ON "Case"("queue", "status", "priority", "slaDueAt");

-- CreateIndex
CREATE INDEX "Case_contentId_status_idx" ON "Case"("contentId", "status");

-- CreateIndex
CREATE INDEX "Case_status_leaseExpiresAt_idx" ON "Case"("status", "leaseExpiresAt");

-- CreateIndex
CREATE INDEX "Case_createdAt_idx" ON "Case"("createdAt");

-- CreateIndex
CREATE INDEX "CaseMediaHash_algorithm_value_idx" ON "CaseMediaHash"("algorithm", "value");

-- CreateIndex
CREATE UNIQUE INDEX "CaseMediaHash_caseId_algorithm_value_key" ON "CaseMediaHash"("caseId", "algorithm", "value");

-- CreateIndex
CREATE INDEX "Assessment_caseId_createdAt_idx" ON "Assessment"("caseId", "createdAt");

-- CreateIndex
CREATE INDEX "Decision_caseId_decidedAt_idx" ON "Decision"("caseId", "decidedAt");

-- CreateIndex
CREATE INDEX "Decision_decidedAt_idx" ON "Decision"("decidedAt");

-- CreateIndex
CREATE INDEX "CaseClaim_reviewerId_claimedAt_idx" ON "CaseClaim"("reviewerId", "claimedAt");

-- CreateIndex
CREATE INDEX "CaseClaim_caseId_idx" ON "CaseClaim"("caseId");

-- CreateIndex
CREATE UNIQUE INDEX "NcmecReport_caseId_key" ON "NcmecReport"("caseId");

-- CreateIndex
CREATE INDEX "NcmecReport_status_createdAt_idx" ON "NcmecReport"("status", "createdAt");

-- CreateIndex
CREATE INDEX "PreservationHold_caseId_idx" ON "PreservationHold"("caseId");

-- CreateIndex
CREATE INDEX "PreservationHold_expiresAt_idx" ON "PreservationHold"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "LawEnforcementReferral_caseId_key" ON "LawEnforcementReferral"("caseId");

-- CreateIndex
CREATE INDEX "LawEnforcementReferral_status_dueAt_idx" ON "LawEnforcementReferral"("status", "dueAt");

-- CreateIndex
CREATE INDEX "Appeal_caseId_idx" ON "Appeal"("caseId");

-- CreateIndex
CREATE INDEX "Appeal_decisionId_idx" ON "Appeal"("decisionId");

-- CreateIndex
CREATE INDEX "Appeal_createdAt_idx" ON "Appeal"("createdAt");

-- CreateIndex
CREATE INDEX "AuditEvent_caseId_seq_idx" ON "AuditEvent"("caseId", "seq");

-- CreateIndex
CREATE INDEX "AuditEvent_entityType_entityId_seq_idx" ON "AuditEvent"("entityType", "entityId", "seq");

-- CreateIndex
CREATE INDEX "AuditEvent_action_seq_idx" ON "AuditEvent"("action", "seq");

-- AddForeignKey
ALTER TABLE "Report" ADD CONSTRAINT "Report_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Case" ADD CONSTRAINT "Case_assigneeId_fkey" FOREIGN KEY ("assigneeId") REFERENCES "Reviewer"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseMediaHash" ADD CONSTRAINT "CaseMediaHash_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Assessment" ADD CONSTRAINT "Assessment_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Assessment" ADD CONSTRAINT "Assessment_reviewerId_fkey" FOREIGN KEY ("reviewerId") REFERENCES "Reviewer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Decision" ADD CONSTRAINT "Decision_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Decision" ADD CONSTRAINT "Decision_assessmentId_fkey" FOREIGN KEY ("assessmentId") REFERENCES "Assessment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Decision" ADD CONSTRAINT "Decision_decidedById_fkey" FOREIGN KEY ("decidedById") REFERENCES "Reviewer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseClaim" ADD CONSTRAINT "CaseClaim_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseClaim" ADD CONSTRAINT "CaseClaim_reviewerId_fkey" FOREIGN KEY ("reviewerId") REFERENCES "Reviewer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NcmecReport" ADD CONSTRAINT "NcmecReport_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PreservationHold" ADD CONSTRAINT "PreservationHold_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PreservationHold" ADD CONSTRAINT "PreservationHold_ncmecReportId_fkey" FOREIGN KEY ("ncmecReportId") REFERENCES "NcmecReport"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LawEnforcementReferral" ADD CONSTRAINT "LawEnforcementReferral_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Appeal" ADD CONSTRAINT "Appeal_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Appeal" ADD CONSTRAINT "Appeal_decisionId_fkey" FOREIGN KEY ("decisionId") REFERENCES "Decision"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Appeal" ADD CONSTRAINT "Appeal_reportId_fkey" FOREIGN KEY ("reportId") REFERENCES "Report"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Appeal" ADD CONSTRAINT "Appeal_decidedById_fkey" FOREIGN KEY ("decidedById") REFERENCES "Reviewer"("id") ON DELETE SET NULL ON UPDATE CASCADE;


-- Hand-written migration: records that claimed a CyberTipline submission no report ever made.
-- Before the reporting API client, every record was "submitted" to an in-memory recorder with an id like
-- `recorded-1`; nothing reached NCMEC. Those records go back to AWAITING_SUBMISSION (they are sent now if the
-- CyberTipline is configured), and DRAFT records take the state new records start in.
UPDATE "NcmecReport"
SET "status" = 'AWAITING_SUBMISSION', "externalReportId" = NULL, "submittedAt" = NULL, "acknowledgedAt" = NULL,
    "attempts" = 0, "lastError" = NULL
WHERE "externalReportId" LIKE 'recorded-%';

UPDATE "NcmecReport" SET "status" = 'AWAITING_SUBMISSION' WHERE "status" = 'DRAFT';

-- Stored transparency figures counted those records as filed: recount the closed days from accepted reports only.
DELETE FROM "DailyFigure" WHERE "metric" = 'ncmecReportsFiled';
INSERT INTO "DailyFigure" ("day", "metric", "category", "action", "count")
SELECT date_trunc('day', "submittedAt")::date, 'ncmecReportsFiled', '', '', count(*)::int
FROM "NcmecReport"
WHERE "status" IN ('SUBMITTED', 'ACKNOWLEDGED') AND "externalReportId" IS NOT NULL AND "submittedAt" IS NOT NULL
  AND date_trunc('day', "submittedAt")::date IN (SELECT "day" FROM "DailyFigureDay")
GROUP BY 1;

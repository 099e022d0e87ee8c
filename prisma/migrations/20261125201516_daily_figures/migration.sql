-- CreateTable
CREATE TABLE "DailyFigure" (
    "day" DATE NOT NULL,
    "metric" TEXT NOT NULL,
    "category" TEXT NOT NULL DEFAULT '',
    "action" TEXT NOT NULL DEFAULT '',
    "count" INTEGER NOT NULL,

    CONSTRAINT "DailyFigure_pkey" PRIMARY KEY ("day","metric","category","action")
);

-- CreateTable
CREATE TABLE "DailyFigureDay" (
    "day" DATE NOT NULL,
    "computedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DailyFigureDay_pkey" PRIMARY KEY ("day")
);


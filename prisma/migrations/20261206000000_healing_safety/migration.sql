-- Healing safety: the conductor's gate before a destructive policy action
-- (confirmation from a second vantage, correlated-failure holds) and its
-- limit on recreations in flight.

-- AlterTable
ALTER TABLE "policy_action_executions" ADD COLUMN "reported_by" TEXT,
ADD COLUMN "gate" TEXT,
ADD COLUMN "hold_id" UUID,
ADD COLUMN "request" JSONB;

-- CreateTable
CREATE TABLE "heal_holds" (
    "id" UUID NOT NULL,
    "scope_type" TEXT NOT NULL,
    "scope_id" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'HELD',
    "reason" TEXT NOT NULL,
    "failed" INTEGER NOT NULL,
    "total" INTEGER NOT NULL,
    "window_seconds" INTEGER NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "limit_at" TIMESTAMPTZ(3) NOT NULL,
    "limit_reported" BOOLEAN NOT NULL DEFAULT false,
    "decided_at" TIMESTAMPTZ(3),
    "decided_by" TEXT,
    "ended_at" TIMESTAMPTZ(3),

    CONSTRAINT "heal_holds_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "recreation_slots" (
    "execution_id" UUID NOT NULL,
    "vim_id" UUID NOT NULL,
    "acquired_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "recreation_slots_pkey" PRIMARY KEY ("execution_id")
);

-- CreateTable
CREATE TABLE "probe_path_faults" (
    "id" BIGSERIAL NOT NULL,
    "worker" TEXT NOT NULL,
    "vnf_id" UUID NOT NULL,
    "instance_id" TEXT NOT NULL,
    "ip" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "probe_path_faults_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "policy_action_executions_started_at_idx" ON "policy_action_executions"("started_at");

-- CreateIndex
CREATE INDEX "policy_action_executions_hold_id_idx" ON "policy_action_executions"("hold_id");

-- CreateIndex
CREATE INDEX "heal_holds_scope_type_scope_id_idx" ON "heal_holds"("scope_type", "scope_id");

-- At most one open hold per scope (Prisma's schema cannot say "where"; the SQL can).
CREATE UNIQUE INDEX "heal_holds_one_open_per_scope" ON "heal_holds"("scope_type", "scope_id") WHERE "state" IN ('HELD', 'RELEASED');

-- CreateIndex
CREATE INDEX "recreation_slots_vim_id_idx" ON "recreation_slots"("vim_id");

-- CreateIndex
CREATE INDEX "probe_path_faults_worker_at_idx" ON "probe_path_faults"("worker", "at");

-- AddForeignKey
ALTER TABLE "recreation_slots" ADD CONSTRAINT "recreation_slots_execution_id_fkey" FOREIGN KEY ("execution_id") REFERENCES "policy_action_executions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "policy_action_executions" ADD CONSTRAINT "policy_action_executions_hold_id_fkey" FOREIGN KEY ("hold_id") REFERENCES "heal_holds"("id") ON DELETE SET NULL ON UPDATE CASCADE;

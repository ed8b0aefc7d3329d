-- CreateTable
CREATE TABLE "tenants" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tenants_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_tokens" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "name" TEXT,
    "token_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "is_admin" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vims" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "type" TEXT NOT NULL,
    "is_default" BOOLEAN NOT NULL DEFAULT false,
    "config" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'REACHABLE',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "vims_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vnfds" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "template_source" TEXT NOT NULL DEFAULT 'onboarded',
    "template" TEXT NOT NULL,
    "parsed" JSONB NOT NULL,
    "service_types" JSONB NOT NULL DEFAULT '["vnfd"]',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "vnfds_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vnfs" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "vnfd_id" UUID NOT NULL,
    "vim_id" UUID NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING_CREATE',
    "error_reason" TEXT,
    "monitor_action_id" UUID,
    "monitor_generation" INTEGER NOT NULL DEFAULT 0,
    "attributes" JSONB NOT NULL DEFAULT '{}',
    "placement_attr" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "vnfs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vdu_instances" (
    "id" UUID NOT NULL,
    "vnf_id" UUID NOT NULL,
    "vdu_name" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "mgmt_ip" TEXT,
    "vim_resource_id" TEXT,
    "status" TEXT NOT NULL DEFAULT 'BUILDING',
    "booted_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "vdu_instances_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "events" (
    "id" BIGSERIAL NOT NULL,
    "tenant_id" UUID,
    "resource_id" TEXT NOT NULL,
    "resource_type" TEXT NOT NULL,
    "resource_state" TEXT NOT NULL,
    "event_type" TEXT NOT NULL,
    "event_details" JSONB NOT NULL DEFAULT '{}',
    "timestamp" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "policy_action_executions" (
    "id" UUID NOT NULL,
    "vnf_id" UUID NOT NULL,
    "action_id" UUID NOT NULL,
    "episode" INTEGER NOT NULL,
    "action" TEXT NOT NULL,
    "vdu_name" TEXT NOT NULL,
    "instance_id" TEXT,
    "ip" TEXT,
    "status" TEXT NOT NULL DEFAULT 'RUNNING',
    "result" JSONB,
    "evidence" JSONB NOT NULL DEFAULT '{}',
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "policy_action_executions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ip_allocations" (
    "id" UUID NOT NULL,
    "vim_id" UUID NOT NULL,
    "ip" TEXT NOT NULL,
    "vnf_id" UUID,
    "instance_id" UUID,
    "allocated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "released_at" TIMESTAMPTZ(3),

    CONSTRAINT "ip_allocations_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "tenants_name_key" ON "tenants"("name");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "api_tokens_tenant_id_idx" ON "api_tokens"("tenant_id");

-- CreateIndex
CREATE INDEX "vims_tenant_id_idx" ON "vims"("tenant_id");

-- CreateIndex
CREATE INDEX "vnfds_tenant_id_created_at_id_idx" ON "vnfds"("tenant_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "vnfs_tenant_id_created_at_id_idx" ON "vnfs"("tenant_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "vnfs_status_idx" ON "vnfs"("status");

-- CreateIndex
CREATE INDEX "vdu_instances_vnf_id_idx" ON "vdu_instances"("vnf_id");

-- CreateIndex
CREATE INDEX "events_resource_id_id_idx" ON "events"("resource_id", "id");

-- CreateIndex
CREATE INDEX "events_tenant_id_id_idx" ON "events"("tenant_id", "id");

-- CreateIndex
CREATE INDEX "policy_action_executions_vnf_id_started_at_idx" ON "policy_action_executions"("vnf_id", "started_at");

-- CreateIndex
CREATE UNIQUE INDEX "policy_action_executions_vnf_id_action_id_episode_key" ON "policy_action_executions"("vnf_id", "action_id", "episode");

-- CreateIndex
CREATE UNIQUE INDEX "ip_allocations_instance_id_key" ON "ip_allocations"("instance_id");

-- CreateIndex
CREATE UNIQUE INDEX "ip_allocations_vim_id_ip_key" ON "ip_allocations"("vim_id", "ip");

-- AddForeignKey
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vims" ADD CONSTRAINT "vims_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vnfds" ADD CONSTRAINT "vnfds_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vnfs" ADD CONSTRAINT "vnfs_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vnfs" ADD CONSTRAINT "vnfs_vnfd_id_fkey" FOREIGN KEY ("vnfd_id") REFERENCES "vnfds"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vnfs" ADD CONSTRAINT "vnfs_vim_id_fkey" FOREIGN KEY ("vim_id") REFERENCES "vims"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vdu_instances" ADD CONSTRAINT "vdu_instances_vnf_id_fkey" FOREIGN KEY ("vnf_id") REFERENCES "vnfs"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "policy_action_executions" ADD CONSTRAINT "policy_action_executions_vnf_id_fkey" FOREIGN KEY ("vnf_id") REFERENCES "vnfs"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ip_allocations" ADD CONSTRAINT "ip_allocations_vim_id_fkey" FOREIGN KEY ("vim_id") REFERENCES "vims"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Beyond what the Prisma schema can express: at most one default VIM per
-- tenant, and at most one live instance per (VNF, VDU, index).
CREATE UNIQUE INDEX "vims_one_default_per_tenant" ON "vims"("tenant_id") WHERE "is_default" AND "deleted_at" IS NULL;
CREATE UNIQUE INDEX "vdu_instances_live_slot" ON "vdu_instances"("vnf_id", "vdu_name", "index") WHERE "deleted_at" IS NULL;

-- One row per database: the identity of this vnfm installation. Host objects
-- (netns bridges, namespaces, veths) carry it as their owner mark, so a later
-- start can tell its own leftovers from another installation's.
CREATE TABLE "installation" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "singleton" BOOLEAN NOT NULL DEFAULT true,
    "home" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "installation_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "installation_singleton_check" CHECK ("singleton")
);

CREATE UNIQUE INDEX "installation_singleton_key" ON "installation"("singleton");

INSERT INTO "installation" DEFAULT VALUES;

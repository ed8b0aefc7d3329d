-- The Temporal run that owns a VNF's current lifecycle step (the create,
-- scale, heal, update, delete or settle run that claimed it). The conductor's
-- reconciliation settles a VNF left in PENDING_* by a run that no longer runs,
-- and only that run may add instances to the VNF while it owns the step.
ALTER TABLE "vnfs" ADD COLUMN "lifecycle_run" TEXT;

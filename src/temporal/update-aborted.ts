// Whether an update-with-start failed because its workflow closed before it
// accepted the update (terminated by a force delete, typically): the operation
// did not run. Two shapes: after acceptance was awaited, WorkflowUpdateFailedError;
// closed before its first workflow task, the ExecuteMultiOperation call itself
// fails with NOT_FOUND "workflow update was aborted by closing workflow".
import { isGrpcServiceError, ServiceError, WorkflowUpdateFailedError } from '@temporalio/client';

const CLOSED = /aborted by closing workflow|workflow execution already completed/i;

export function endedBeforeAccepting(err: unknown): boolean {
  if (err instanceof WorkflowUpdateFailedError) return true;
  const grpc = err instanceof ServiceError ? err.cause : err;
  return isGrpcServiceError(grpc) && grpc.code === 5 && CLOSED.test(`${grpc.details ?? ''} ${grpc.message}`);
}

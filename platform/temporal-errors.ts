// Reading the Temporal client's failures: which mean "no such journey" and which mean
// "Temporal is not reachable now" (the caller should retry).
import { WorkflowNotFoundError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';

/** gRPC status codes the Temporal client surfaces (from the gRPC spec). */
export const grpcStatus = { DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, UNAVAILABLE: 14 } as const;

export function isNotFound(error: unknown): boolean {
  return error instanceof WorkflowNotFoundError || (error as { code?: number } | null)?.code === grpcStatus.NOT_FOUND;
}

/**
 * The call ran out of its deadline: the gRPC status, or an Update whose request timed out while the
 * journey's worker was away (the client reports that as its own error). The caller retries.
 */
export function isDeadlineExceeded(error: unknown): boolean {
  return error instanceof WorkflowUpdateRPCTimeoutOrCancelledError || (error as { code?: number } | null)?.code === grpcStatus.DEADLINE_EXCEEDED;
}

export function isTemporalUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
    const code = (e as { code?: unknown }).code;
    if (code === grpcStatus.UNAVAILABLE || code === grpcStatus.DEADLINE_EXCEEDED) return true;
    if ((e as { name?: unknown }).name === 'ServiceError' && /UNAVAILABLE|DEADLINE_EXCEEDED|connect/i.test(String((e as { message?: unknown }).message))) return true;
  }
  return false;
}

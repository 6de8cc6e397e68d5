import type { S3Client } from '@aws-sdk/client-s3';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { deleteObjectIfUnchanged, getObjectVersioned, putObject, putObjectIfAbsent } from '../adapters/s3';
import { executionStatus } from '../adapters/sfn';
import { claimKey, judgeExistingClaim, parseClaim, relatedFindingKey, type ClaimDocument } from '../domain/claim';
import type { ClaimResult } from '../domain/state';
import { ClaimConflictError } from '../errors';

/** Rounds of write / read / judge before giving up to the state machine's retry. */
export const CLAIM_ATTEMPTS = 3;

export interface ClaimEvents {
  held?: (heldBy: string) => void;
  takeover?: (staleIncident: string, status: string | undefined) => void;
}

/**
 * Takes the per-instance claim, an S3 object written only if absent (no lock table). A claim held
 * by a running execution wins: this request is recorded against it and `claimed: false` returned.
 * A claim whose execution is no longer running (aborted, timed out: its teardown never ran) is
 * stale and taken over, deleting only the version read, so a claim another investigation wrote
 * meanwhile stays. An unreadable claim is removed the same way. After `CLAIM_ATTEMPTS` rounds of
 * losing races, `ClaimConflictError` (retried by the state machine).
 */
export async function claimInstanceFor(
  clients: { s3: S3Client; sfn: SFNClient },
  bucket: string,
  mine: ClaimDocument,
  related: { reason?: string; finding?: unknown },
  events: ClaimEvents = {},
): Promise<ClaimResult> {
  const key = claimKey(mine.instanceId);
  for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
    if (await putObjectIfAbsent(clients.s3, bucket, key, JSON.stringify(mine))) return { claimed: true };
    const read = await getObjectVersioned(clients.s3, bucket, key);
    const existing = parseClaim(read?.text);
    if (!existing) {
      if (read) await deleteObjectIfUnchanged(clients.s3, bucket, key, read.etag);
      continue;
    }
    const status = existing.incidentId === mine.incidentId ? 'RUNNING' : (await executionStatus(clients.sfn, existing.executionArn))?.status;
    const verdict = judgeExistingClaim(existing, mine.incidentId, status);
    if (verdict === 'ours') return { claimed: true };
    if (verdict === 'held') {
      const record = { incidentId: mine.incidentId, reason: related.reason, finding: related.finding, recordedAt: mine.claimedAt };
      await putObject(clients.s3, bucket, relatedFindingKey(existing.incidentId, mine.incidentId), JSON.stringify(record), 'application/json');
      events.held?.(existing.incidentId);
      return { claimed: false, heldBy: existing.incidentId };
    }
    events.takeover?.(existing.incidentId, status);
    if (read) await deleteObjectIfUnchanged(clients.s3, bucket, key, read.etag);
  }
  throw new ClaimConflictError(`could not settle the claim on ${mine.instanceId} after ${CLAIM_ATTEMPTS} attempts (concurrent investigations?)`);
}

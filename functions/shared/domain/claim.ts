import { reportKeys } from './layout';

/**
 * One investigation per instance at a time. The claim is an S3 object written only if absent;
 * a second finding for a claimed instance is recorded against the running investigation.
 */
export interface ClaimDocument {
  incidentId: string;
  executionArn: string;
  instanceId: string;
  findingId?: string;
  claimedAt: string;
}

export const claimKey = (instanceId: string): string => `claims/${instanceId}.json`;

export const relatedFindingKey = (holderIncidentId: string, incidentId: string): string =>
  `${reportKeys(holderIncidentId).relatedPrefix}${incidentId}.json`;

export type ClaimVerdict = 'ours' | 'held' | 'stale';

/**
 * A claim left by an execution that is no longer running (its teardown never ran: aborted,
 * timed out) must not block the instance forever.
 */
export function judgeExistingClaim(existing: ClaimDocument, incidentId: string, holderStatus: string | undefined): ClaimVerdict {
  if (existing.incidentId === incidentId) return 'ours';
  return holderStatus === 'RUNNING' ? 'held' : 'stale';
}

export function parseClaim(text: string | undefined): ClaimDocument | undefined {
  if (!text) return undefined;
  try {
    const doc = JSON.parse(text) as Partial<ClaimDocument>;
    if (typeof doc.incidentId === 'string' && typeof doc.executionArn === 'string' && typeof doc.instanceId === 'string') {
      return doc as ClaimDocument;
    }
  } catch {
    // An unreadable claim is treated like a stale one below.
  }
  return undefined;
}

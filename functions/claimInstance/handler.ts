import { required } from '../shared/config';
import { deleteObjectIfUnchanged, getObjectVersioned, putObject, putObjectIfAbsent } from '../shared/adapters/s3';
import { executionStatus } from '../shared/adapters/sfn';
import { claimKey, judgeExistingClaim, parseClaim, relatedFindingKey, type ClaimDocument } from '../shared/domain/claim';
import { asState, type ClaimResult } from '../shared/domain/state';
import { lambdaHandler, type Deps } from '../shared/runtime';
import { ClaimConflictError } from '../shared/errors';

/**
 * Takes the per-instance claim so a second finding for the same instance does not launch a
 * second sensor. A claim whose execution is no longer running is stale and taken over.
 */
export const claimInstance = (deps: Deps) => {
  const bucket = required(deps.config, 'logBucket');
  return async (input: unknown): Promise<ClaimResult> => {
    const state = asState(input);
    const key = claimKey(state.target.instanceId);
    const mine: ClaimDocument = {
      incidentId: state.incidentId,
      executionArn: state.executionArn,
      instanceId: state.target.instanceId,
      findingId: state.request.finding?.id,
      claimedAt: deps.now().toISOString(),
    };
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await putObjectIfAbsent(deps.clients.s3, bucket, key, JSON.stringify(mine))) return { claimed: true };
      const read = await getObjectVersioned(deps.clients.s3, bucket, key);
      const existing = parseClaim(read?.text);
      if (!existing) {
        // Unreadable (or gone already): remove that version only, then try again.
        if (read) await deleteObjectIfUnchanged(deps.clients.s3, bucket, key, read.etag);
        continue;
      }
      const status = existing.incidentId === state.incidentId ? 'RUNNING' : await executionStatus(deps.clients.sfn, existing.executionArn);
      const verdict = judgeExistingClaim(existing, state.incidentId, status);
      if (verdict === 'ours') return { claimed: true };
      if (verdict === 'held') {
        const record = { incidentId: state.incidentId, reason: state.request.reason, finding: state.request.finding, recordedAt: mine.claimedAt };
        await putObject(deps.clients.s3, bucket, relatedFindingKey(existing.incidentId, state.incidentId), JSON.stringify(record), 'application/json');
        deps.logger.info('instance already under investigation; request recorded there', { incidentId: state.incidentId, heldBy: existing.incidentId });
        return { claimed: false, heldBy: existing.incidentId };
      }
      deps.logger.warn('taking over a stale claim', { incidentId: state.incidentId, staleIncident: existing.incidentId, status });
      // Only the stale version read: if another investigation took the claim over meanwhile, its claim stays.
      if (read) await deleteObjectIfUnchanged(deps.clients.s3, bucket, key, read.etag);
    }
    throw new ClaimConflictError(`could not settle the claim on ${state.target.instanceId} after 3 attempts (concurrent investigations?)`);
  };
};

export const handler = lambdaHandler(claimInstance);

import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { FUNCTION_CONFIGS } from '../shared/function-configs';
import { asState, type ClaimResult } from '../shared/domain/state';
import { claimInstanceFor } from '../shared/workflows/claim';
import { lambdaHandler, type Deps } from '../shared/runtime';

/**
 * Takes the per-instance claim so a second finding for the same instance does not launch a
 * second sensor (the protocol: `workflows/claim.ts`).
 */
export const claimInstance = (deps: Deps<'s3' | 'sfn'>) => {
  const config = FUNCTION_CONFIGS.claimInstance.pick(deps.config);
  const bucket = config.logBucket;
  return async (input: unknown): Promise<ClaimResult> => {
    const state = asState(input);
    const mine = {
      incidentId: state.incidentId,
      executionArn: state.executionArn,
      instanceId: state.target.instanceId,
      findingId: state.request.finding?.id,
      claimedAt: deps.now().toISOString(),
    };
    return claimInstanceFor(deps.clients, bucket, mine, { reason: state.request.reason, finding: state.request.finding }, {
      held: (heldBy) => deps.logger.info('instance already under investigation; request recorded there', { incidentId: state.incidentId, heldBy }),
      takeover: (staleIncident, status) => deps.logger.warn('taking over a stale claim', { incidentId: state.incidentId, staleIncident, status }),
    });
  };
};

export const handler = lambdaHandler(claimInstance, { s3: S3Client, sfn: SFNClient });

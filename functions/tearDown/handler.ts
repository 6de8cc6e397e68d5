import { EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import { FUNCTION_CONFIGS } from '../shared/function-configs';
import { asState, type TeardownResult } from '../shared/domain/state';
import { tearDownIncident } from '../shared/workflows/teardown';
import { lambdaHandler, type Deps } from '../shared/runtime';

/** The state machine's teardown step: one pass over the incident's tagged resources. */
export const tearDown = (deps: Deps<'ec2' | 's3'>) => {
  const config = FUNCTION_CONFIGS.tearDown.pick(deps.config);
  const scope = { bucket: config.logBucket, stack: config.stack };
  return async (input: unknown): Promise<TeardownResult> => {
    const state = asState(input);
    const result = await tearDownIncident(deps.clients, scope, { incidentId: state.incidentId, instanceId: state.target?.instanceId, previous: state.teardown }, deps.now);
    deps.logger.info('teardown pass', { incidentId: state.incidentId, attempts: result.attempts, complete: result.complete, remaining: result.remaining.length });
    return result;
  };
};

export const handler = lambdaHandler(tearDown, { ec2: EC2Client, s3: S3Client });

import { EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { FUNCTION_CONFIGS } from '../shared/function-configs';
import { parseOrThrow } from '../shared/domain/validation';
import type { TeardownResult } from '../shared/domain/state';
import { tearDownIncident } from '../shared/workflows/teardown';
import { lambdaHandler, type Deps } from '../shared/runtime';

const eventSchema = z
  .object({
    source: z.literal('aws.states'),
    'detail-type': z.literal('Step Functions Execution Status Change'),
    detail: z
      .object({
        name: z.string().min(1).max(80),
        status: z.string(),
        input: z.string().nullish(),
      })
      .loose(),
  })
  .loose();

const PASSES = 8;

/**
 * An execution that ends ABORTED or TIMED_OUT never reaches its own Catch, so nothing inside it
 * tears down. EventBridge tells us instead, and this runs the same teardown for that incident
 * (the execution name is the incident id). A few passes, a little apart, cover the minute a
 * terminating sensor holds its security group; the scheduled sweeper catches anything later.
 */
export const cleanUpExecution = (deps: Deps<'ec2' | 's3'>, options: { pauseMs?: number; sleep?: (ms: number) => Promise<void> } = {}) => {
  const config = FUNCTION_CONFIGS.cleanUpExecution.pick(deps.config);
  const scope = { bucket: config.logBucket, stack: config.stack };
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return async (event: unknown): Promise<{ incidentId: string; status: string; teardown?: TeardownResult }> => {
    const { detail } = parseOrThrow(eventSchema, event, 'Step Functions status-change event');
    if (!['ABORTED', 'TIMED_OUT', 'FAILED'].includes(detail.status)) return { incidentId: detail.name, status: detail.status };
    let instanceId: string | undefined;
    try {
      const input = JSON.parse(detail.input ?? '{}') as { instanceId?: unknown };
      if (typeof input.instanceId === 'string') instanceId = input.instanceId;
    } catch {
      // No readable input: resources are still found by tag; only the claim is left for the next investigation to judge stale.
    }
    let result: TeardownResult | undefined;
    for (let pass = 0; pass < PASSES && !result?.complete; pass++) {
      if (pass > 0) await sleep(options.pauseMs ?? 20_000);
      result = await tearDownIncident(deps.clients, scope, { incidentId: detail.name, instanceId, previous: result }, deps.now);
    }
    deps.logger.info('cleaned up after execution', { incidentId: detail.name, status: detail.status, complete: result?.complete, remaining: result?.remaining.length });
    return { incidentId: detail.name, status: detail.status, teardown: result };
  };
};

export const handler = lambdaHandler((deps: Deps<'ec2' | 's3'>) => cleanUpExecution(deps), { ec2: EC2Client, s3: S3Client });

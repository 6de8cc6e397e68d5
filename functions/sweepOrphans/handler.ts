import { EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { FUNCTION_CONFIGS } from '../shared/function-configs';
import { findManagedResources } from '../shared/adapters/ec2';
import { executionArnFor, executionStatus } from '../shared/adapters/sfn';
import { planSweep, type IncidentFacts, type SweepDecision } from '../shared/domain/sweep';
import { parseOrThrow } from '../shared/domain/validation';
import type { TeardownResult } from '../shared/domain/state';
import { tearDownIncident } from '../shared/workflows/teardown';
import { lambdaHandler, type Deps } from '../shared/runtime';

const inputSchema = z.object({ dryRun: z.boolean().optional(), ttlHours: z.number().positive().max(24 * 30).optional() }).loose();

export interface SweepReport {
  dryRun: boolean;
  decisions: Array<SweepDecision & { teardown?: Pick<TeardownResult, 'complete' | 'deleted' | 'remaining'> }>;
}

/**
 * Scheduled backstop for everything the state machine's own teardown could not reach: finds
 * resources tagged `mirrorhunt:managed` by this deployment (`mirrorhunt:stack`) whose
 * investigation is over (or older than the TTL) and tears them down. Untagged resources, and
 * another stage's, are never seen, let alone touched: another stage's executions are unknown to
 * this stage's state machine, which would otherwise read as "over".
 */
export const sweepOrphans = (deps: Deps<'ec2' | 's3' | 'sfn'>) => {
  const config = FUNCTION_CONFIGS.sweepOrphans.pick(deps.config);
  const scope = { bucket: config.logBucket, stack: config.stack };
  const stateMachineArn = config.stateMachineArn;
  return async (raw: unknown): Promise<SweepReport> => {
    const input = parseOrThrow(inputSchema, raw ?? {}, 'sweeper input');
    const dryRun = input.dryRun ?? deps.config.sweepDryRun;
    const resources = await findManagedResources(deps.clients.ec2, scope.stack);
    const byIncident = new Map<string, { count: number; sourceInstanceId?: string }>();
    for (const r of resources) {
      if (!r.incidentId) continue;
      const entry = byIncident.get(r.incidentId) ?? { count: 0 };
      entry.count++;
      entry.sourceInstanceId ??= r.sourceInstanceId;
      byIncident.set(r.incidentId, entry);
    }
    const facts: IncidentFacts[] = [];
    for (const [incidentId, entry] of byIncident) {
      const execution = await executionStatus(deps.clients.sfn, executionArnFor(stateMachineArn, incidentId));
      facts.push({ incidentId, resourceCount: entry.count, executionStatus: execution?.status, executionStartedAt: execution?.startedAt });
    }
    const decisions: SweepReport['decisions'] = planSweep(facts, deps.now(), input.ttlHours ?? deps.config.sweepTtlHours);
    for (const decision of decisions) {
      deps.logger.info('sweep decision', { ...decision, dryRun });
      if (decision.action !== 'delete' || dryRun) continue;
      const result = await tearDownIncident(deps.clients, scope, { incidentId: decision.incidentId, instanceId: byIncident.get(decision.incidentId)?.sourceInstanceId }, deps.now);
      Object.assign(decision, { teardown: { complete: result.complete, deleted: result.deleted, remaining: result.remaining } });
    }
    return { dryRun, decisions };
  };
};

export const handler = lambdaHandler(sweepOrphans, { ec2: EC2Client, s3: S3Client, sfn: SFNClient });

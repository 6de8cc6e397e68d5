import { EC2Client } from '@aws-sdk/client-ec2';
import * as z from 'zod';
import { describeInstance, describeVpcCidrs, existingSessions, instanceIdForNetworkInterface, mirrorTargetNetworkInterfaces } from '../shared/adapters/ec2';
import { eastWestFilterRules } from '../shared/domain/filter-rules';
import { parseInvestigationRequest } from '../shared/domain/request';
import { planTarget } from '../shared/domain/target';
import { parseOrThrow } from '../shared/domain/validation';
import type { InvestigationState } from '../shared/domain/state';
import { FilterRuleQuotaError } from '../shared/errors';
import { lambdaHandler, type Deps } from '../shared/runtime';

const inputSchema = z.object({
  input: z.unknown(),
  execution: z.object({ name: z.string().min(1).max(80), id: z.string().min(1), startTime: z.string().min(1) }),
});

/** First step: validate the request and find out what can be mirrored, before anything is created. */
export const resolveTarget = (deps: Deps<'ec2'>) => async (raw: unknown): Promise<InvestigationState> => {
  const { input, execution } = parseOrThrow(inputSchema, raw, 'Resolve Target input');
  const request = parseInvestigationRequest(input);
  const ec2 = deps.clients.ec2;
  const instanceId = request.instanceId ?? (await instanceIdForNetworkInterface(ec2, request.networkInterfaceId ?? ''));
  const instance = await describeInstance(ec2, instanceId);
  const eniIds = instance.networkInterfaces.map((e) => e.networkInterfaceId);
  const [vpcCidrs, mirrorTargetEnis, sessions] = await Promise.all([
    describeVpcCidrs(ec2, instance.vpcId),
    mirrorTargetNetworkInterfaces(ec2, eniIds),
    existingSessions(ec2, eniIds),
  ]);
  let target = planTarget({ instance, vpcCidrs, mirrorTargetEnis, existingSessions: sessions, onlyNetworkInterfaceId: request.networkInterfaceId });
  if (target.mirrorable) {
    try {
      eastWestFilterRules(vpcCidrs);
    } catch (error) {
      if (!(error instanceof FilterRuleQuotaError)) throw error;
      target = { ...target, mirrorable: false, reason: `cannot build the east/west filter: ${error.message}` };
    }
  }
  deps.logger.info('target resolved', { incidentId: execution.name, instanceId, mirrorable: target.mirrorable, enis: target.enis.length, skipped: target.skipped.length });
  return {
    incidentId: execution.name,
    executionArn: execution.id,
    startedAt: execution.startTime,
    request: { ...request, captureSeconds: request.captureMinutes * 60 },
    target,
  };
};

export const handler = lambdaHandler(resolveTarget, { ec2: EC2Client });

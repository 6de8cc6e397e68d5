import { EC2Client } from '@aws-sdk/client-ec2';
import { createEastWestFilter, createMirrorSession, createMirrorTarget } from '../shared/adapters/ec2/mirroring';
import { eastWestFilterRules } from '../shared/domain/filter-rules';
import { clientToken } from '../shared/domain/ids';
import { asState, requireSlice, type MirrorInfo } from '../shared/domain/state';
import { MirrorSessionError, SensorNotReadyError } from '../shared/errors';
import { incidentTags, TAG_SOURCE_INSTANCE } from '../shared/tags';
import { FUNCTION_CONFIGS } from '../shared/function-configs';
import { lambdaHandler, type Deps } from '../shared/runtime';

/**
 * Target on the sensor's ENI, the east/west-dropping filter, and one session per source ENI.
 * Every create carries a ClientToken derived from the incident, so a retried step gets the
 * same resources back instead of duplicates.
 */
export const startMirroring = (deps: Deps<'ec2'>) => async (input: unknown): Promise<MirrorInfo> => {
  const state = asState(input);
  const { incidentId, target } = state;
  const sensor = requireSlice(state, 'sensor');
  const sensorEni = requireSlice(state, 'sensorStatus').networkInterfaceId;
  if (!sensorEni) throw new SensorNotReadyError(`sensor ${sensor.instanceId} has no primary network interface yet`);
  const extra = { [TAG_SOURCE_INSTANCE]: target.instanceId };
  const rules = eastWestFilterRules(target.cidrs);
  const ec2 = deps.clients.ec2;
  const stack = FUNCTION_CONFIGS.startMirroring.pick(deps.config).stack;

  const targetId = await createMirrorTarget(ec2, {
    networkInterfaceId: sensorEni,
    clientToken: clientToken(stack, incidentId, 'target'),
    tags: incidentTags(stack, incidentId, 'mirror-target', extra),
  }, deps.consistency);
  const { filterId, ruleIds } = await createEastWestFilter(ec2, {
    rules,
    clientToken: clientToken(stack, incidentId, 'filter'),
    tags: incidentTags(stack, incidentId, 'mirror-filter', extra),
  }, deps.consistency);
  const sessions: MirrorInfo['sessions'] = [];
  const failedEnis: MirrorInfo['failedEnis'] = [];
  for (const eni of target.enis) {
    try {
      const sessionId = await createMirrorSession(ec2, {
        networkInterfaceId: eni.networkInterfaceId,
        targetId,
        filterId,
        sessionNumber: eni.sessionNumber,
        vni: sensor.vni,
        clientToken: clientToken(stack, incidentId, 'session', eni.networkInterfaceId),
        tags: incidentTags(stack, incidentId, 'mirror-session', extra),
        // The target and filter were created above, moments ago: a NotFound for them is EC2 catching up.
        justCreated: true,
      }, deps.consistency);
      sessions.push({ sessionId, networkInterfaceId: eni.networkInterfaceId, sessionNumber: eni.sessionNumber });
    } catch (error) {
      // One ENI refused (its quota filled since we looked, say) must not cost us the others.
      if (!(error instanceof MirrorSessionError)) throw error;
      failedEnis.push({ networkInterfaceId: eni.networkInterfaceId, reason: error.message });
    }
  }
  if (sessions.length === 0) {
    throw new MirrorSessionError(`no mirror session could be created: ${failedEnis.map((f) => f.reason).join('; ')}`);
  }
  deps.logger.info('mirroring active', { incidentId, sessions: sessions.length, failed: failedEnis.length });
  return { targetId, filterId, ruleIds, sessions, failedEnis, vni: sensor.vni, startedAt: deps.now().toISOString() };
};

export const handler = lambdaHandler(startMirroring, { ec2: EC2Client });

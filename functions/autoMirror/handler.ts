import { EC2Client } from '@aws-sdk/client-ec2';
import { FUNCTION_CONFIGS } from '../shared/function-configs';
import { describeInstance } from '../shared/adapters/ec2/instances';
import { deleteMirrorSession, existingSessions } from '../shared/adapters/ec2/mirroring';
import { isFleetSession, launchedFromView, parseLaunchEvent, type LaunchedInstance } from '../shared/domain/auto-mirror';
import type { InstanceView } from '../shared/domain/target';
import { TargetNotFoundError } from '../shared/errors';
import { withBackoff, type BackoffOptions } from '../shared/workflows/backoff';
import { mirrorInstancesToFleet } from '../shared/workflows/fleet-mirror';
import { powertoolsCount, type CountMetric } from '../shared/metrics';
import { lambdaHandler, type Deps } from '../shared/runtime';

export type AutoMirrorOutcome = 'created' | 'already-mirrored' | 'unsupported-type' | 'quota-full' | 'out-of-scope' | 'not-mirrorable' | 'deleted' | 'failed';

export interface AutoMirrorResult {
  event: 'launch' | 'state-change' | 'failed-call' | 'rejected';
  decisions: Array<{ instanceId: string; networkInterfaceId?: string; outcome: AutoMirrorOutcome; reason: string; sessionId?: string }>;
}

/**
 * Mirrors new instances onto the standing sensor fleet. Idempotent: the session's ClientToken is
 * derived from the ENI, the fleet target and the instance's launch time, so a replayed event or a concurrent invocation gets
 * the same session back from EC2 instead of a second one; and an ENI already mirrored to the
 * fleet is left alone. Every decision is logged as JSON and counted (`EnisProcessed` by outcome, through Powertools Metrics).
 */
export const autoMirror = (deps: Deps<'ec2'>, options: { backoff?: BackoffOptions; metrics?: CountMetric } = {}) => {
  const metrics = options.metrics ?? powertoolsCount;
  const config = FUNCTION_CONFIGS.autoMirror.pick(deps.config);
  const targetId = config.fleetTargetId;
  const filterId = config.fleetFilterId;
  const stack = config.stack;
  const backoff = options.backoff ?? { retries: 8, baseMs: 200, maxMs: 20_000 };
  const scope = deps.config.mirrorScope;
  return async (event: unknown): Promise<AutoMirrorResult> => {
    let parsed;
    try {
      parsed = parseLaunchEvent(event);
    } catch (error) {
      deps.logger.error('rejected event', { reason: (error as Error).message });
      return { event: 'rejected', decisions: [] };
    }
    if (parsed.kind === 'failed-call') {
      deps.logger.info('RunInstances failed; nothing launched', { errorCode: parsed.errorCode });
      return { event: 'failed-call', decisions: [] };
    }
    const ec2 = deps.clients.ec2;
    const result: AutoMirrorResult = { event: parsed.kind, decisions: [] };
    let instances: LaunchedInstance[];
    if (parsed.kind === 'launch') {
      instances = parsed.instances;
    } else {
      let view: InstanceView;
      try {
        view = await withBackoff(() => describeInstance(ec2, parsed.instanceId), backoff);
      } catch (error) {
        if (!(error instanceof TargetNotFoundError)) throw error;
        return result;
      }
      // EventBridge delivers at least once and retries for a day: act on the state EC2 reports now,
      // not the one the event carries, or a late "stopped" would unmirror a running instance.
      if (parsed.state !== view.state && !(parsed.state === 'stopped' && view.state === 'stopping')) {
        deps.logger.info('state-change event is stale; the instance has moved on', { instanceId: view.instanceId, event: parsed.state, now: view.state });
        return result;
      }
      if (parsed.state === 'stopped' && deps.config.stoppedInstancePolicy === 'delete') {
        // Sessions bill while the instance is stopped; ours are re-created when it runs again.
        const sessions = await withBackoff(() => existingSessions(ec2, view.networkInterfaces.map((n) => n.networkInterfaceId)), backoff);
        for (const s of sessions.filter((x) => isFleetSession(x.tags, stack))) {
          try {
            await withBackoff(() => deleteMirrorSession(ec2, s.sessionId), backoff);
            result.decisions.push({ instanceId: view.instanceId, networkInterfaceId: s.networkInterfaceId, outcome: 'deleted', reason: 'instance stopped', sessionId: s.sessionId });
          } catch (error) {
            result.decisions.push({ instanceId: view.instanceId, networkInterfaceId: s.networkInterfaceId, outcome: 'failed', reason: (error as Error).message });
          }
        }
        return emit(deps, result, metrics);
      }
      if (parsed.state !== 'running') return result;
      instances = [launchedFromView(view)];
    }

    const decisions = await mirrorInstancesToFleet(ec2, instances, { targetId, filterId, stack, vni: deps.config.fleetVni, scope, backoff, now: deps.now });
    for (const d of decisions) {
      // A launch event never runs dry, so 'would-create' does not occur here.
      if (d.outcome === 'would-create') continue;
      result.decisions.push({ instanceId: d.instanceId, networkInterfaceId: d.networkInterfaceId, outcome: d.outcome, reason: d.reason, sessionId: d.sessionId });
    }
    return emit(deps, result, metrics);
  };
};

function emit(deps: Deps, result: AutoMirrorResult, metrics: CountMetric): AutoMirrorResult {
  const counts = new Map<string, number>();
  for (const d of result.decisions) {
    deps.logger.info('auto-mirror decision', { ...d });
    counts.set(d.outcome, (counts.get(d.outcome) ?? 0) + 1);
  }
  for (const [outcome, count] of counts) metrics('EnisProcessed', outcome, count);
  return result;
}

export const handler = lambdaHandler((deps: Deps<'ec2'>) => autoMirror(deps), { ec2: EC2Client });

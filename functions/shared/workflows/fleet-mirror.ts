import type { EC2Client } from '@aws-sdk/client-ec2';
import { createMirrorSession, existingSessions, mirrorTargetNetworkInterfaces, withFilterRules } from '../adapters/ec2/mirroring';
import { decideEnis, fleetSessionToken, isOwnSensor, scopeDecision, type EniOutcome, type LaunchedInstance, type MirrorScope } from '../domain/auto-mirror';
import type { TaggedSession } from '../domain/target';
import { MirrorSessionError } from '../errors';
import { fleetSessionTags } from '../tags';
import { withBackoff, type BackoffOptions } from './backoff';
import { unpaced, type Pacer } from './pacer';

export type FleetOutcome = Exclude<EniOutcome, 'create'> | 'created' | 'would-create' | 'failed';

export interface FleetDecision {
  instanceId: string;
  networkInterfaceId?: string;
  outcome: FleetOutcome;
  reason: string;
  sessionId?: string;
  sessionNumber?: number;
}

export interface FleetMirrorOptions {
  targetId: string;
  filterId: string;
  /** This deployment's stack tag, put on every session created. */
  stack: string;
  /** VXLAN id of the fleet sessions; omitted lets EC2 pick one per session. */
  vni?: number;
  scope: MirrorScope;
  backoff: BackoffOptions;
  /** Decide and report, create nothing. */
  dryRun?: boolean;
  /** Awaited before every create call. */
  pacer?: Pacer;
  /** The clock of the idempotency tokens (`fleetSessionToken`). */
  now?: () => Date;
}

/** EC2 filters take a bounded list of values; ENI lookups go in chunks of this size. */
const LOOKUP_CHUNK = 100;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Mirrors instances onto the standing fleet: the scope and per-ENI decisions are the domain's
 * (`scopeDecision`, `decideEnis`); this looks up the sessions and mirror targets already on the
 * in-scope ENIs in a few batched calls, then creates one session per ENI that needs one. Used by
 * the autoMirror function (one launch event) and the backfill command (a page of instances).
 * A failed create is reported on its ENI and does not stop the others.
 */
export async function mirrorInstancesToFleet(ec2: EC2Client, instances: LaunchedInstance[], options: FleetMirrorOptions): Promise<FleetDecision[]> {
  const decisions: FleetDecision[] = [];
  const inScope: LaunchedInstance[] = [];
  for (const instance of instances) {
    if (isOwnSensor(instance.tags)) continue;
    const scope = scopeDecision(instance, options.scope);
    if (scope.inScope) inScope.push(instance);
    else decisions.push({ instanceId: instance.instanceId, outcome: 'out-of-scope', reason: scope.reason });
  }
  if (inScope.length === 0) return decisions;

  // Sessions first, without their filters' rules: an ENI already mirrored to the fleet (the usual
  // answer to a `running` notification that follows the launch event) needs nothing more. Only
  // ENIs still to mirror cost the rules and mirror-target look-ups.
  const considered = (i: LaunchedInstance) => i.networkInterfaces.filter((n) => options.scope.eniMode === 'all' || n.deviceIndex === 0).map((n) => n.networkInterfaceId);
  const eniIds = [...new Set(inScope.flatMap(considered))];
  let sessions: TaggedSession[] = [];
  const targetEnis = new Set<string>();
  try {
    for (const ids of chunks(eniIds, LOOKUP_CHUNK)) sessions.push(...(await withBackoff(() => existingSessions(ec2, ids, { withRules: false }), options.backoff)));
    const mirrored = new Set(sessions.filter((s) => s.targetId === options.targetId).map((s) => s.networkInterfaceId));
    const pending = eniIds.filter((id) => !mirrored.has(id));
    if (pending.length > 0) {
      const pendingSet = new Set(pending);
      const [ruled, targets] = await Promise.all([
        withBackoff(() => withFilterRules(ec2, sessions.filter((s) => pendingSet.has(s.networkInterfaceId))), options.backoff),
        (async () => {
          const found = new Set<string>();
          for (const ids of chunks(pending, LOOKUP_CHUNK)) for (const id of await withBackoff(() => mirrorTargetNetworkInterfaces(ec2, ids), options.backoff)) found.add(id);
          return found;
        })(),
      ]);
      sessions = [...sessions.filter((s) => !pendingSet.has(s.networkInterfaceId)), ...ruled];
      for (const id of targets) targetEnis.add(id);
    }
  } catch (error) {
    for (const instance of inScope) decisions.push({ instanceId: instance.instanceId, outcome: 'failed', reason: (error as Error).message });
    return decisions;
  }
  const pacer = options.pacer ?? unpaced;
  for (const instance of inScope) {
    for (const decision of decideEnis(instance, options.scope, options.targetId, sessions, targetEnis)) {
      const base = { instanceId: instance.instanceId, networkInterfaceId: decision.networkInterfaceId };
      if (decision.outcome !== 'create') {
        decisions.push({ ...base, outcome: decision.outcome, reason: decision.reason });
        continue;
      }
      const sessionNumber = decision.sessionNumber ?? 1;
      if (options.dryRun) {
        decisions.push({ ...base, outcome: 'would-create', reason: decision.reason, sessionNumber });
        continue;
      }
      try {
        await pacer.wait();
        const sessionId = await withBackoff(
          () =>
            createMirrorSession(ec2, {
              networkInterfaceId: decision.networkInterfaceId,
              targetId: options.targetId,
              filterId: options.filterId,
              sessionNumber,
              vni: options.vni,
              clientToken: fleetSessionToken({ networkInterfaceId: decision.networkInterfaceId, targetId: options.targetId, filterId: options.filterId, sessionNumber, launchTime: instance.launchTime, now: (options.now ?? (() => new Date()))() }),
              tags: fleetSessionTags(options.stack, instance.instanceId),
              description: 'mirrorhunt fleet capture',
            }),
          options.backoff,
        );
        decisions.push({ ...base, outcome: 'created', reason: decision.reason, sessionId, sessionNumber });
      } catch (error) {
        const quota = error instanceof MirrorSessionError && /SessionsPerInterfaceLimitExceeded/.test(error.message);
        decisions.push({ ...base, outcome: quota ? 'quota-full' : 'failed', reason: (error as Error).message });
      }
    }
  }
  return decisions;
}

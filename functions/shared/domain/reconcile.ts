import { decideEnis, isFleetSession, isOwnSensor, scopeDecision, type EniOutcome, type LaunchedInstance, type MirrorScope } from './auto-mirror';
import { TAG_SOURCE_INSTANCE } from '../tags';
import type { TaggedSession } from './target';

/** What the reconciler knows about the account: pure data, gathered by the handler's adapters. */
export interface ReconcileFacts {
  /** Every instance that is not terminated (any state), with its ENIs, tags and launch time. */
  instances: LaunchedInstance[];
  /** Every traffic mirror session in the region, ours and others', with tags. */
  sessions: TaggedSession[];
  /** ENIs that are themselves mirror targets. */
  mirrorTargetEnis: ReadonlySet<string>;
  fleetTargetId: string;
  fleetFilterId: string;
  /** This deployment's stack tag: fleet sessions carrying another are someone else's. */
  stack: string;
  scope: MirrorScope;
  stoppedInstancePolicy: 'keep' | 'delete';
}

export type DeleteReason = 'eni-gone' | 'out-of-scope' | 'instance-stopped' | 'instance-ending' | 'eni-not-selected' | 'duplicate' | 'own-sensor';

export type ReconcileAction =
  | { kind: 'create'; instanceId: string; networkInterfaceId: string; sessionNumber: number; launchTime?: string; reason: string }
  | { kind: 'repoint'; instanceId: string; networkInterfaceId: string; sessionId: string; fromTargetId?: string; fromFilterId?: string; reason: string }
  | { kind: 'delete'; instanceId?: string; networkInterfaceId: string; sessionId: string; why: DeleteReason; reason: string };

export interface ReconcileSkip {
  instanceId: string;
  networkInterfaceId: string;
  outcome: Exclude<EniOutcome, 'create' | 'out-of-scope'>;
  reason: string;
}

export interface ReconcilePlan {
  /** Repoints first (they restore coverage without a gap), then creates, then deletes. */
  actions: ReconcileAction[];
  /** In-scope ENIs left unmirrored, and why (quota full, unsupported type, ...). */
  skipped: ReconcileSkip[];
}

const ENDING_STATES = new Set(['shutting-down', 'terminated']);
const STOPPED_STATES = new Set(['stopping', 'stopped']);

/** Ours that is already right first, then the highest-priority one: the one to keep. */
function keepOrder(targetId: string, filterId: string) {
  const right = (s: TaggedSession) => (s.targetId === targetId && s.filterId === filterId ? 0 : 1);
  return (a: TaggedSession, b: TaggedSession) => right(a) - right(b) || a.sessionNumber - b.sessionNumber || a.sessionId.localeCompare(b.sessionId);
}

/**
 * Compares what is mirrored onto the fleet with what should be, and says what to change:
 * - an in-scope ENI of a running instance without a fleet session gets one (number and quota
 *   checks are `decideEnis`', the same rules auto-mirroring applies);
 * - a fleet session pointing at another target or filter (the fleet was replaced, or a byo id
 *   changed) is re-pointed in place, keeping its number;
 * - a fleet session is deleted when its ENI is gone, its instance is out of scope, is ending, is
 *   stopped under the `delete` policy, or is one of our sensors; and extra fleet sessions on one
 *   ENI are deleted down to one.
 * Only sessions tagged `mirrorhunt:managed=true`, with this stack's tag and the fleet-session role, are ever changed:
 * other people's sessions and an investigation's own sessions are only read (for quota and
 * priority). A pending instance is left alone: auto-mirroring is handling it right now.
 */
export function planReconcile(facts: ReconcileFacts): ReconcilePlan {
  const { fleetTargetId, fleetFilterId } = facts;
  const ours = facts.sessions.filter((s) => isFleetSession(s.tags, facts.stack));
  const others = facts.sessions.filter((s) => !isFleetSession(s.tags, facts.stack));
  const oursByEni = new Map<string, TaggedSession[]>();
  for (const s of ours) oursByEni.set(s.networkInterfaceId, [...(oursByEni.get(s.networkInterfaceId) ?? []), s]);
  for (const list of oursByEni.values()) list.sort(keepOrder(fleetTargetId, fleetFilterId));

  const repoints: ReconcileAction[] = [];
  const creates: ReconcileAction[] = [];
  const deletes: ReconcileAction[] = [];
  const skipped: ReconcileSkip[] = [];
  const seen = new Set<string>();
  const deleteAll = (instanceId: string, eniId: string, why: DeleteReason, reason: string) => {
    for (const s of oursByEni.get(eniId) ?? []) deletes.push({ kind: 'delete', instanceId, networkInterfaceId: eniId, sessionId: s.sessionId, why, reason });
  };

  for (const instance of facts.instances) {
    const eniIds = instance.networkInterfaces.map((n) => n.networkInterfaceId);
    for (const id of eniIds) seen.add(id);
    const state = instance.state ?? 'unknown';

    let removal: { why: DeleteReason; reason: string } | undefined;
    if (isOwnSensor(instance.tags)) removal = { why: 'own-sensor', reason: 'our own sensors are never mirrored' };
    else if (ENDING_STATES.has(state)) removal = { why: 'instance-ending', reason: `instance is ${state}` };
    else {
      const scope = scopeDecision(instance, facts.scope);
      if (!scope.inScope) removal = { why: 'out-of-scope', reason: scope.reason };
      else if (STOPPED_STATES.has(state) && facts.stoppedInstancePolicy === 'delete') removal = { why: 'instance-stopped', reason: `instance is ${state}; sessions bill while it is stopped` };
    }
    if (removal) {
      for (const id of eniIds) deleteAll(instance.instanceId, id, removal.why, removal.reason);
      continue;
    }
    // Pending, stopped under the keep policy, or a state we do not know: keep what is there, add nothing.
    if (state !== 'running') continue;

    const selected = decideEnis(instance, facts.scope, fleetTargetId, others, facts.mirrorTargetEnis);
    const selectedIds = new Set(selected.map((d) => d.networkInterfaceId));
    for (const id of eniIds) {
      if (!selectedIds.has(id)) deleteAll(instance.instanceId, id, 'eni-not-selected', `ENI mode ${facts.scope.eniMode} does not mirror this interface`);
    }
    for (const decision of selected) {
      const id = decision.networkInterfaceId;
      const [keep, ...extra] = oursByEni.get(id) ?? [];
      if (keep) {
        // AWS accepted this session once: its verdict beats our type list, so it is kept as is.
        if (keep.targetId !== fleetTargetId || keep.filterId !== fleetFilterId) {
          repoints.push({
            kind: 'repoint',
            instanceId: instance.instanceId,
            networkInterfaceId: id,
            sessionId: keep.sessionId,
            fromTargetId: keep.targetId,
            fromFilterId: keep.filterId,
            reason: `session ${keep.sessionId} sends to ${keep.targetId ?? '?'} / ${keep.filterId ?? '?'}, the fleet is ${fleetTargetId} / ${fleetFilterId}`,
          });
        }
        for (const s of extra) deletes.push({ kind: 'delete', instanceId: instance.instanceId, networkInterfaceId: id, sessionId: s.sessionId, why: 'duplicate', reason: `${keep.sessionId} already mirrors this ENI to the fleet` });
        continue;
      }
      if (decision.outcome === 'create') {
        creates.push({
          kind: 'create',
          instanceId: instance.instanceId,
          networkInterfaceId: id,
          sessionNumber: decision.sessionNumber ?? 1,
          launchTime: instance.launchTime,
          reason: decision.reason,
        });
      } else if (decision.outcome !== 'out-of-scope') {
        skipped.push({ instanceId: instance.instanceId, networkInterfaceId: id, outcome: decision.outcome, reason: decision.reason });
      }
    }
  }

  for (const [eniId, sessions] of oursByEni) {
    if (seen.has(eniId)) continue;
    for (const s of sessions) {
      deletes.push({ kind: 'delete', instanceId: s.tags[TAG_SOURCE_INSTANCE], networkInterfaceId: eniId, sessionId: s.sessionId, why: 'eni-gone', reason: 'the ENI is on no instance any more' });
    }
  }
  return { actions: [...repoints, ...creates, ...deletes], skipped };
}

import { mirroringSupport } from './instance-types';
import type { VpcCidrs } from './filter-rules';

export const MAX_SESSIONS_PER_ENI = 3;
/** An ENI mirror target accepts at most 10 sources (100 only on a few of the largest sizes). */
export const MAX_SOURCES_PER_ENI_TARGET = 10;
export const MIN_SESSION_NUMBER = 1;
export const MAX_SESSION_NUMBER = 32766;

export interface NetworkInterfaceView {
  networkInterfaceId: string;
  interfaceType: string;
  deviceIndex: number;
  subnetId: string;
  vpcId: string;
  privateIps: string[];
  ipv6Ips: string[];
}

export interface InstanceView {
  instanceId: string;
  instanceType: string;
  state: string;
  vpcId: string;
  subnetId: string;
  availabilityZone: string;
  /** ISO time of the latest start; absent when EC2 did not say. */
  launchTime?: string;
  networkInterfaces: NetworkInterfaceView[];
  tags: Record<string, string>;
}

export interface FilterRuleView {
  action: 'accept' | 'reject';
  sourceCidrBlock: string;
  destinationCidrBlock: string;
  protocol?: number;
  hasPortRange: boolean;
  ruleNumber: number;
}

export interface ExistingSession {
  sessionId: string;
  networkInterfaceId: string;
  sessionNumber: number;
  targetId?: string;
  ingressRules: FilterRuleView[];
  egressRules: FilterRuleView[];
}

/** A session as the reconciler sees it: with its filter and tags, so ours can be told apart. */
export interface TaggedSession extends ExistingSession {
  filterId?: string;
  tags: Record<string, string>;
}

export interface MirrorableEni {
  networkInterfaceId: string;
  sessionNumber: number;
  privateIps: string[];
  warnings: string[];
}

export type SkipReason =
  | 'not-interface-type'
  | 'is-mirror-target'
  | 'no-ipv4-address'
  | 'quota-full'
  | 'shadowed-by-existing-session'
  | 'target-source-limit';

export interface SkippedEni {
  networkInterfaceId: string;
  reason: SkipReason;
  detail: string;
}

export interface TargetPlan {
  instanceId: string;
  instanceType: string;
  vpcId: string;
  subnetId: string;
  availabilityZone: string;
  cidrs: VpcCidrs;
  /** Every IP of the instance: the hunts' host list. */
  hosts: string[];
  enis: MirrorableEni[];
  skipped: SkippedEni[];
  mirrorable: boolean;
  /** Why nothing can be mirrored, when `mirrorable` is false. */
  reason?: string;
}

export interface TargetFacts {
  instance: InstanceView;
  vpcCidrs: VpcCidrs;
  /** ENI ids that are themselves traffic mirror targets. */
  mirrorTargetEnis: ReadonlySet<string>;
  existingSessions: ExistingSession[];
  /** When the investigation names one ENI, only that one is considered. */
  onlyNetworkInterfaceId?: string;
}

/**
 * Decides what an investigation of this instance can mirror: every ENI of type `interface` that
 * is not itself a mirror target, each with a session number that puts our session ahead of the
 * sessions already on it, within the per-ENI session quota. Nothing here calls AWS.
 */
export function planTarget(facts: TargetFacts): TargetPlan {
  const { instance } = facts;
  const base = {
    instanceId: instance.instanceId,
    instanceType: instance.instanceType,
    vpcId: instance.vpcId,
    subnetId: instance.subnetId,
    availabilityZone: instance.availabilityZone,
    cidrs: facts.vpcCidrs,
    hosts: [...new Set(instance.networkInterfaces.flatMap((eni) => [...eni.privateIps, ...eni.ipv6Ips]))],
  };
  const notMirrorable = (reason: string, skipped: SkippedEni[] = []): TargetPlan => ({
    ...base,
    enis: [],
    skipped,
    mirrorable: false,
    reason,
  });

  const support = mirroringSupport(instance.instanceType);
  if (!support.supported) return notMirrorable(`instance type not supported: ${support.reason}`);
  if (instance.state !== 'running' && instance.state !== 'pending') {
    return notMirrorable(`instance ${instance.instanceId} is ${instance.state}; only a running instance has traffic to mirror`);
  }

  const candidates = [...instance.networkInterfaces]
    .filter((eni) => !facts.onlyNetworkInterfaceId || eni.networkInterfaceId === facts.onlyNetworkInterfaceId)
    .sort((a, b) => a.deviceIndex - b.deviceIndex);
  if (candidates.length === 0) {
    return notMirrorable(
      facts.onlyNetworkInterfaceId
        ? `network interface ${facts.onlyNetworkInterfaceId} is not attached to ${instance.instanceId}`
        : `instance ${instance.instanceId} has no network interfaces`,
    );
  }

  const enis: MirrorableEni[] = [];
  const skipped: SkippedEni[] = [];
  for (const eni of candidates) {
    const id = eni.networkInterfaceId;
    if (eni.interfaceType !== 'interface') {
      skipped.push({ networkInterfaceId: id, reason: 'not-interface-type', detail: `${id} is of type ${eni.interfaceType}; only "interface" ENIs can be mirrored` });
      continue;
    }
    if (facts.mirrorTargetEnis.has(id)) {
      skipped.push({ networkInterfaceId: id, reason: 'is-mirror-target', detail: `${id} is itself a traffic mirror target` });
      continue;
    }
    if (eni.privateIps.length === 0) {
      skipped.push({ networkInterfaceId: id, reason: 'no-ipv4-address', detail: `${id} has no IPv4 address (IPv6-only subnets cannot be mirrored)` });
      continue;
    }
    const sessions = facts.existingSessions.filter((s) => s.networkInterfaceId === id);
    const choice = chooseSessionNumber(sessions);
    if (!choice.ok) {
      skipped.push({ networkInterfaceId: id, reason: choice.reason, detail: `${id}: ${choice.detail}` });
      continue;
    }
    if (enis.length >= MAX_SOURCES_PER_ENI_TARGET) {
      skipped.push({ networkInterfaceId: id, reason: 'target-source-limit', detail: `${id}: an ENI mirror target takes at most ${MAX_SOURCES_PER_ENI_TARGET} sources` });
      continue;
    }
    enis.push({ networkInterfaceId: id, sessionNumber: choice.sessionNumber, privateIps: eni.privateIps, warnings: choice.warnings });
  }

  if (enis.length === 0) {
    return notMirrorable(`no network interface of ${instance.instanceId} can be mirrored: ${skipped.map((s) => s.detail).join('; ')}`, skipped);
  }
  return { ...base, enis, skipped, mirrorable: true };
}

type SessionNumberChoice =
  | { ok: true; sessionNumber: number; warnings: string[] }
  | { ok: false; reason: SkipReason; detail: string };

/**
 * AWS mirrors each packet once, to the lowest-numbered session whose filter accepts it. An
 * investigation takes the lowest free number (`first`), ahead of every existing session unless
 * number 1 is taken; the standing fleet takes the highest (`last`), behind all of them. If we must
 * sit behind a session whose filter accepts everything in both directions, our session would
 * receive nothing, so the ENI is reported instead of mirrored in vain.
 */
export function chooseSessionNumber(sessions: ExistingSession[], prefer: 'first' | 'last' = 'first'): SessionNumberChoice {
  if (sessions.length >= MAX_SESSIONS_PER_ENI) {
    const numbers = sessions.map((s) => s.sessionNumber).sort((a, b) => a - b);
    return {
      ok: false,
      reason: 'quota-full',
      detail: `already has ${sessions.length} mirror sessions (numbers ${numbers.join(', ')}); AWS allows ${MAX_SESSIONS_PER_ENI} per network interface`,
    };
  }
  const taken = new Set(sessions.map((s) => s.sessionNumber));
  // 'first': ahead of every other session (an investigation must see everything); 'last': behind
  // all of them (a standing fleet must not take traffic from an investigation or another tool).
  let sessionNumber = prefer === 'first' ? MIN_SESSION_NUMBER : MAX_SESSION_NUMBER;
  while (taken.has(sessionNumber)) sessionNumber += prefer === 'first' ? 1 : -1;

  const ahead = sessions.filter((s) => s.sessionNumber < sessionNumber);
  const warnings: string[] = [];
  for (const session of ahead) {
    const ingress = acceptsAll(session.ingressRules);
    const egress = acceptsAll(session.egressRules);
    if (ingress && egress) {
      return {
        ok: false,
        reason: 'shadowed-by-existing-session',
        detail: `session ${session.sessionId} (number ${session.sessionNumber}) accepts all traffic and sits ahead of any number we could take, so our session would receive nothing`,
      };
    }
    if (ingress || egress) {
      warnings.push(
        `session ${session.sessionId} (number ${session.sessionNumber}) takes all ${ingress ? 'inbound' : 'outbound'} packets before ours; only the other direction is captured`,
      );
    }
  }
  return { ok: true, sessionNumber, warnings };
}

/**
 * True when the filter ends in a reachable accept of all IPv4 traffic. Narrower rules before it
 * may reject some packets (those then fall through to later sessions), but everything else is
 * taken, which for an incident sensor means the north/south traffic it exists to see.
 */
function acceptsAll(rules: FilterRuleView[]): boolean {
  const ordered = [...rules].sort((a, b) => a.ruleNumber - b.ruleNumber);
  for (const rule of ordered) {
    const matchesEverything =
      rule.sourceCidrBlock === '0.0.0.0/0' && rule.destinationCidrBlock === '0.0.0.0/0' && rule.protocol === undefined && !rule.hasPortRange;
    if (matchesEverything) return rule.action === 'accept';
  }
  return false;
}

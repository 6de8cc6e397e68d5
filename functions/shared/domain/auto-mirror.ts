import * as z from 'zod';
import { InvalidInputError } from '../errors';
import { clientToken } from './ids';
import { mirroringSupport } from './instance-types';
import { ROLE_FLEET_SESSION, TAG_MANAGED, TAG_ROLE, TAG_STACK } from '../tags';
import { chooseSessionNumber, type ExistingSession, type InstanceView } from './target';

/** One instance a launch event (or a state change) tells us about. */
export interface LaunchedInstance {
  instanceId: string;
  instanceType?: string;
  vpcId?: string;
  subnetId?: string;
  state?: string;
  /** ISO time of the instance's latest start (EC2 resets it on every start from stopped). */
  launchTime?: string;
  tags: Record<string, string>;
  networkInterfaces: Array<{ networkInterfaceId: string; deviceIndex: number; interfaceType: string }>;
}

const item = z
  .object({
    instanceId: z.string().regex(/^i-[0-9a-f]{8,17}$/),
    instanceType: z.string().max(64).optional(),
    vpcId: z.string().max(64).optional(),
    subnetId: z.string().max(64).optional(),
    instanceState: z.object({ name: z.string().max(32) }).loose().optional(),
    launchTime: z.union([z.number(), z.string().max(64)]).optional(),
    tagSet: z.object({ items: z.array(z.object({ key: z.string().max(128), value: z.string().max(256).optional() })).max(50) }).loose().optional(),
    networkInterfaceSet: z
      .object({
        items: z
          .array(
            z
              .object({
                networkInterfaceId: z.string().regex(/^eni-[0-9a-f]{8,17}$/),
                interfaceType: z.string().max(64).optional(),
                attachment: z.object({ deviceIndex: z.number().int().min(0).max(64).optional() }).loose().optional(),
              })
              .loose(),
          )
          .max(64),
      })
      .loose()
      .optional(),
  })
  .loose();

const runInstancesSchema = z.object({
  source: z.literal('aws.ec2'),
  'detail-type': z.literal('AWS API Call via CloudTrail'),
  detail: z
    .object({
      eventName: z.literal('RunInstances'),
      // Logged when the call failed: CloudTrail codes are short (`Client.UnauthorizedOperation`).
      errorCode: z.string().max(128).optional(),
      responseElements: z.object({ instancesSet: z.object({ items: z.array(item).max(1000) }).loose() }).loose().nullish(),
    })
    .loose(),
});

/** The states EC2 reports in a state-change notification. */
const INSTANCE_STATES = ['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated'] as const;

const stateChangeSchema = z.object({
  source: z.literal('aws.ec2'),
  'detail-type': z.literal('EC2 Instance State-change Notification'),
  detail: z.object({ 'instance-id': z.string().regex(/^i-[0-9a-f]{8,17}$/), state: z.enum(INSTANCE_STATES) }).loose(),
});

export type LaunchEvent =
  | { kind: 'launch'; instances: LaunchedInstance[] }
  | { kind: 'state-change'; instanceId: string; state: string }
  | { kind: 'failed-call'; errorCode: string };

/** Reads a CloudTrail RunInstances event or an EC2 state-change notification; anything else is an error naming what was wrong. */
export function parseLaunchEvent(event: unknown): LaunchEvent {
  const stateChange = stateChangeSchema.safeParse(event);
  if (stateChange.success) return { kind: 'state-change', instanceId: stateChange.data.detail['instance-id'], state: stateChange.data.detail.state };
  const parsed = runInstancesSchema.safeParse(event);
  if (!parsed.success) {
    // Report the issues of the kind of event it claims to be, so the log names the field at fault.
    const claimsStateChange = typeof event === 'object' && event !== null && (event as Record<string, unknown>)['detail-type'] === 'EC2 Instance State-change Notification';
    const problems = (claimsStateChange ? stateChange.error : parsed.error).issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new InvalidInputError(`not a RunInstances CloudTrail event or an EC2 state-change notification: ${problems}`);
  }
  const { detail } = parsed.data;
  if (detail.errorCode) return { kind: 'failed-call', errorCode: detail.errorCode };
  const items = detail.responseElements?.instancesSet.items ?? [];
  return {
    kind: 'launch',
    instances: items.map((i) => ({
      instanceId: i.instanceId,
      instanceType: i.instanceType,
      vpcId: i.vpcId,
      subnetId: i.subnetId,
      state: i.instanceState?.name,
      launchTime: isoTime(i.launchTime),
      tags: Object.fromEntries((i.tagSet?.items ?? []).map((t) => [t.key, t.value ?? ''])),
      networkInterfaces: (i.networkInterfaceSet?.items ?? []).map((n) => ({
        networkInterfaceId: n.networkInterfaceId,
        deviceIndex: n.attachment?.deviceIndex ?? 0,
        interfaceType: n.interfaceType ?? 'interface',
      })),
    })),
  };
}

function isoTime(value: number | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}

/** Sensors of any mirrorhunt deployment (incident or fleet, any stage) carry the managed tag and a role: they are never mirrored. */
export function isOwnSensor(tags: Record<string, string>): boolean {
  return tags[TAG_MANAGED] === 'true' && !!tags[TAG_ROLE];
}

/**
 * A session this deployment's auto-mirroring created (managed tag, this stack's tag, the
 * fleet-session role): the only kind fleet code changes or deletes. Another stage's fleet
 * sessions on the same ENIs are only read, like anyone else's.
 */
export function isFleetSession(tags: Record<string, string>, stack: string): boolean {
  return tags[TAG_MANAGED] === 'true' && tags[TAG_STACK] === stack && tags[TAG_ROLE] === ROLE_FLEET_SESSION;
}

/** The fields of a described instance that the mirroring decisions read. */
export function launchedFromView(view: InstanceView): LaunchedInstance {
  return {
    instanceId: view.instanceId,
    instanceType: view.instanceType,
    vpcId: view.vpcId,
    subnetId: view.subnetId,
    state: view.state,
    launchTime: view.launchTime,
    tags: view.tags,
    networkInterfaces: view.networkInterfaces.map((n) => ({ networkInterfaceId: n.networkInterfaceId, deviceIndex: n.deviceIndex, interfaceType: n.interfaceType })),
  };
}

/**
 * Idempotency token of the fleet session for one ENI. Concurrent callers (auto-mirror,
 * reconciler, backfill) deciding the same session within the same hour get one session back;
 * a later replay is stopped earlier, by the check for an existing fleet session. EC2 honours a
 * token for at least a day and answers it with the first session's id even after that session
 * was deleted, so anything that may follow a delete changes the token: the launch time (a stop
 * and start), the filter and session number, and the hour (unmirror then backfill, or the
 * reconciler bringing an ENI back into scope).
 */
export function fleetSessionToken(input: { networkInterfaceId: string; targetId: string; filterId: string; sessionNumber: number; launchTime: string | undefined; now: Date }): string {
  const hour = Math.floor(input.now.getTime() / 3_600_000);
  return clientToken('fleet', input.networkInterfaceId, input.targetId, input.filterId, String(input.sessionNumber), input.launchTime ?? '', String(hour));
}

export interface MirrorScope {
  vpcIds: string[];
  subnetIds: string[];
  /** Tags that opt an instance in, `key=value` or `key` (any value). */
  optInTags: string[];
  /** Tags that opt an instance out; opt-out always wins. */
  optOutTags: string[];
  /** How opt-in tags combine with the VPC/subnet lists: `and` = both must match, `or` = either. */
  combine: 'and' | 'or';
  eniMode: 'primary' | 'all';
}

function hasTag(tags: Record<string, string>, spec: string): boolean {
  const [key, value] = spec.split('=', 2) as [string, string | undefined];
  return key in tags && (value === undefined || tags[key] === value);
}

/**
 * Is this instance in scope? Opt-out tags win over everything. Then the location test (VPC and
 * subnet allow lists; an empty list allows all) and the tag test (any opt-in tag; no opt-in tags
 * configured means no tag is needed) are combined with AND or OR.
 */
export function scopeDecision(instance: LaunchedInstance, scope: MirrorScope): { inScope: boolean; reason: string } {
  const optOut = scope.optOutTags.find((t) => hasTag(instance.tags, t));
  if (optOut) return { inScope: false, reason: `opted out by tag ${optOut}` };
  const vpcOk = scope.vpcIds.length === 0 || (!!instance.vpcId && scope.vpcIds.includes(instance.vpcId));
  const subnetOk = scope.subnetIds.length === 0 || (!!instance.subnetId && scope.subnetIds.includes(instance.subnetId));
  const locationOk = vpcOk && subnetOk;
  const hasLists = scope.vpcIds.length > 0 || scope.subnetIds.length > 0;
  const tagOk = scope.optInTags.some((t) => hasTag(instance.tags, t));
  const hasOptIn = scope.optInTags.length > 0;
  let inScope: boolean;
  if (scope.combine === 'and') inScope = locationOk && (!hasOptIn || tagOk);
  else inScope = (hasLists && locationOk) || (hasOptIn && tagOk) || (!hasLists && !hasOptIn);
  if (inScope) return { inScope, reason: 'in scope' };
  const why = [!vpcOk && `VPC ${instance.vpcId ?? '?'} not allowed`, !subnetOk && `subnet ${instance.subnetId ?? '?'} not allowed`, hasOptIn && !tagOk && `no opt-in tag (${scope.optInTags.join(', ')})`]
    .filter(Boolean)
    .join('; ');
  return { inScope, reason: why || 'out of scope' };
}

export type EniOutcome = 'create' | 'already-mirrored' | 'unsupported-type' | 'quota-full' | 'not-mirrorable' | 'out-of-scope';

export interface EniDecision {
  networkInterfaceId: string;
  outcome: EniOutcome;
  sessionNumber?: number;
  reason: string;
}

/** What to do with each ENI of an in-scope instance, given the sessions already on them. */
export function decideEnis(
  instance: LaunchedInstance,
  scope: MirrorScope,
  fleetTargetId: string,
  existing: ExistingSession[],
  mirrorTargetEnis: ReadonlySet<string>,
): EniDecision[] {
  const support = instance.instanceType ? mirroringSupport(instance.instanceType) : { supported: true, reason: 'type unknown; AWS will decide' };
  const enis = [...instance.networkInterfaces].sort((a, b) => a.deviceIndex - b.deviceIndex).filter((e) => scope.eniMode === 'all' || e.deviceIndex === 0);
  return enis.map((eni) => {
    const id = eni.networkInterfaceId;
    if (!support.supported) return { networkInterfaceId: id, outcome: 'unsupported-type', reason: support.reason };
    if (eni.interfaceType !== 'interface') return { networkInterfaceId: id, outcome: 'not-mirrorable', reason: `interface type ${eni.interfaceType}` };
    if (mirrorTargetEnis.has(id)) return { networkInterfaceId: id, outcome: 'not-mirrorable', reason: 'the ENI is a mirror target' };
    const sessions = existing.filter((s) => s.networkInterfaceId === id);
    const ours = sessions.find((s) => s.targetId === fleetTargetId);
    if (ours) return { networkInterfaceId: id, outcome: 'already-mirrored', reason: `session ${ours.sessionId} already sends it to the fleet` };
    // Behind every other session: AWS hands each packet to the lowest-numbered session whose filter
    // accepts it, so a fleet session at number 1 would shadow every later investigation of the
    // instance, and take traffic from any other tool's session.
    const choice = chooseSessionNumber(sessions, 'last');
    if (!choice.ok) return { networkInterfaceId: id, outcome: choice.reason === 'quota-full' ? 'quota-full' : 'not-mirrorable', reason: choice.detail };
    return { networkInterfaceId: id, outcome: 'create', sessionNumber: choice.sessionNumber, reason: choice.warnings.join('; ') || 'mirroring to the fleet' };
  });
}

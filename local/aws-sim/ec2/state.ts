import { EventEmitter } from 'node:events';
import type { IpPermission, TrafficMirrorSession } from '@aws-sdk/client-ec2';
import type { SimClock } from '../clock';
import { sessionShape } from './shapes';
import { IdFactory, fail, fromSdkTags, ipToString, parseCidr, type SdkTag, type Tags } from '../support';

/**
 * The simulated EC2's state store: every resource of one region, the clock that moves instances
 * between states, client-token memory, and the lookups every operation shares (`require*`, which
 * answer with AWS's NotFound / Malformed codes). Operations live in the sibling modules and take
 * this store; nothing here knows about the SDK's request shapes beyond tags.
 */

export type InstanceStateName = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';

export const STATE_CODES: Record<InstanceStateName, number> = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 };

export interface Ec2Quotas {
  sessionsPerEni: number;
  sourcesPerEniTarget: number;
  rulesPerFilter: number;
  sessionsPerAccount: number;
  targetsPerAccount: number;
  filtersPerAccount: number;
  /** Running or pending on-demand instances the account may hold (a stand-in for the vCPU quota). */
  instances: number;
  securityGroupsPerVpc: number;
  userDataBytes: number;
}

export const DEFAULT_EC2_QUOTAS: Ec2Quotas = {
  sessionsPerEni: 3,
  sourcesPerEniTarget: 10,
  rulesPerFilter: 10,
  sessionsPerAccount: 10_000,
  targetsPerAccount: 10_000,
  filtersPerAccount: 10_000,
  instances: 1000,
  securityGroupsPerVpc: 2500,
  userDataBytes: 16 * 1024,
};

export interface Ec2Timings {
  bootSeconds: number;
  shutdownSeconds: number;
  stopSeconds: number;
  /** How long a terminated instance stays visible to DescribeInstances. */
  terminatedVisibleSeconds: number;
  /**
   * How long a just-launched instance stays invisible to DescribeInstances (EC2's eventual
   * consistency: a Describe right after RunInstances may answer InvalidInstanceID.NotFound).
   */
  launchInvisibleSeconds: number;
  /**
   * Eventual consistency for every id a create call hands out (security groups, instances,
   * mirror targets, filters, sessions): for this many simulated seconds any *other* call naming
   * the id answers `*.NotFound`, as EC2's "Eventual consistency" page warns. 0 = off.
   */
  consistencyLagSeconds: number;
  /** How many lookups by other calls miss an unsettled id before it appears anyway. */
  consistencyLagMisses: number;
  /** How many further EC2 calls (of any kind) pass before an unsettled id appears anyway. */
  consistencyLagCalls: number;
}

export const DEFAULT_EC2_TIMINGS: Ec2Timings = { bootSeconds: 30, shutdownSeconds: 20, stopSeconds: 15, terminatedVisibleSeconds: 3600, launchInvisibleSeconds: 0, consistencyLagSeconds: 0, consistencyLagMisses: 2, consistencyLagCalls: 4 };

export interface SimVpc {
  id: string;
  cidrs: Array<{ cidr: string; associationId: string; state: 'associated' | 'disassociated' | 'failed' }>;
  ipv6Cidrs: string[];
  tags: Tags;
}

export interface SimSubnet {
  id: string;
  vpcId: string;
  cidr: string;
  az: string;
  nextHost: number;
  tags: Tags;
  mapPublicIpOnLaunch: boolean;
}

export interface SimInstance {
  id: string;
  type: string;
  imageId: string;
  state: InstanceStateName;
  transitionAt?: number;
  subnetId: string;
  vpcId: string;
  az: string;
  eniIds: string[];
  tags: Tags;
  userData?: string;
  reservationId: string;
  launchTime: Date;
  securityGroupIds: string[];
  metadataOptions?: { HttpTokens?: string; HttpEndpoint?: string; HttpPutResponseHopLimit?: number };
  iamInstanceProfileArn?: string;
  publicIp?: string;
  shutdownBehavior: 'stop' | 'terminate';
  terminatedAt?: number;
  /** Before this time DescribeInstances does not see the instance yet. */
  visibleAt?: number;
}

export interface SimEni {
  id: string;
  subnetId: string;
  vpcId: string;
  az: string;
  privateIps: string[];
  interfaceType: string;
  attachment?: { instanceId: string; deviceIndex: number; attachmentId: string; deleteOnTermination: boolean };
  groupIds: string[];
  tags: Tags;
  description: string;
}

export interface SimSecurityGroup {
  id: string;
  name: string;
  description: string;
  vpcId: string;
  tags: Tags;
  ingress: IpPermission[];
  isDefault: boolean;
}

export interface SimTarget {
  id: string;
  eniId?: string;
  nlbArn?: string;
  gwlbEndpointId?: string;
  description?: string;
  tags: Tags;
}

export interface SimRule {
  id: string;
  filterId: string;
  direction: 'ingress' | 'egress';
  ruleNumber: number;
  action: 'accept' | 'reject';
  protocol?: number;
  source: string;
  destination: string;
  sourcePorts?: { FromPort?: number; ToPort?: number };
  destinationPorts?: { FromPort?: number; ToPort?: number };
  description?: string;
}

export interface SimFilter {
  id: string;
  description?: string;
  tags: Tags;
  rules: SimRule[];
  networkServices: string[];
}

export interface SimSession {
  id: string;
  eniId: string;
  targetId: string;
  filterId: string;
  sessionNumber: number;
  vni: number;
  packetLength?: number;
  description?: string;
  tags: Tags;
}

export interface Ec2Events {
  instanceStateChanged: { instanceId: string; from: InstanceStateName; to: InstanceStateName };
  mirrorSessionCreated: { session: TrafficMirrorSession };
  mirrorSessionDeleted: { session: TrafficMirrorSession };
}

export interface Ec2StoreOptions {
  pageSize?: number;
  accountId: string;
  region: string;
  ids?: IdFactory;
}

const INSTANCE_ID = /^i-([0-9a-f]{8}|[0-9a-f]{17})$/;

export function idPattern(prefix: string): RegExp {
  return new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`);
}

export function isInstanceId(id: string): boolean {
  return INSTANCE_ID.test(id);
}

export class Ec2Store {
  readonly events = new EventEmitter();
  readonly vpcs = new Map<string, SimVpc>();
  readonly subnets = new Map<string, SimSubnet>();
  readonly images = new Set<string>();
  readonly instances = new Map<string, SimInstance>();
  readonly enis = new Map<string, SimEni>();
  readonly groups = new Map<string, SimSecurityGroup>();
  readonly targets = new Map<string, SimTarget>();
  readonly filters = new Map<string, SimFilter>();
  readonly sessions = new Map<string, SimSession>();
  /** Instance profile ARN → the ARN of the role it holds (what RunInstances passes: iam:PassRole). */
  readonly instanceProfileRoles = new Map<string, string>();
  /** ClientToken → what the first call with it created and a fingerprint of its parameters. */
  private readonly tokens = new Map<string, { fingerprint: string; result: unknown }>();
  /** Id → when other calls start to see it (eventual consistency): a simulated time, and lookups that must miss it first. */
  private readonly settling = new Map<string, { at: number; misses: number; atCall: number }>();
  /** Set by the account for one call: the ids that call creates settle late (a fault-matrix kind). */
  lagNextCreate?: { seconds: number; misses: number; calls: number };
  /** EC2 calls answered so far: a stand-in for the wall time that passes between calls, which the simulated clock does not count. */
  callCount = 0;
  readonly ids: IdFactory;
  vniCounter = 0;

  constructor(
    readonly clock: SimClock,
    readonly quotas: Ec2Quotas,
    readonly timings: Ec2Timings,
    readonly options: Ec2StoreOptions,
  ) {
    this.ids = options.ids ?? new IdFactory();
  }

  get accountId(): string {
    return this.options.accountId;
  }

  pageSize(fallback: number): number {
    return this.options.pageSize ?? fallback;
  }

  // ---- eventual consistency ----

  /** A create call handed out `id`: under the consistency lag, other calls miss it for a while. */
  created(id: string): void {
    const lag =
      this.lagNextCreate ??
      (this.timings.consistencyLagSeconds > 0 ? { seconds: this.timings.consistencyLagSeconds, misses: this.timings.consistencyLagMisses, calls: this.timings.consistencyLagCalls } : undefined);
    if (lag) this.settling.set(id, { at: this.clock.now().getTime() + lag.seconds * 1000, misses: lag.misses, atCall: this.callCount + lag.calls });
  }

  /**
   * Whether a call other than the one that created `id` can see it yet. An id settles when the
   * simulated clock has passed its time, after it was missed `misses` times, or after `calls`
   * further EC2 calls, whichever is first: the product's in-process backoff and a fast failure
   * path do not move the simulated clock, so a time alone could hide an id forever.
   */
  visible(id: string): boolean {
    const settling = this.settling.get(id);
    if (!settling) return true;
    if (this.settled(settling)) {
      this.settling.delete(id);
      return true;
    }
    settling.misses -= 1;
    return false;
  }

  /** For listings: an unsettled id is left out (without using up one of its misses). */
  listed(id: string): boolean {
    const settling = this.settling.get(id);
    return !settling || this.settled(settling);
  }

  private settled(settling: { at: number; misses: number; atCall: number }): boolean {
    return settling.at <= this.clock.now().getTime() || settling.misses <= 0 || this.callCount >= settling.atCall;
  }

  // ---- time ----

  /** Applies the state changes whose time has come on the simulated clock. */
  tick(): void {
    const now = this.clock.now().getTime();
    for (const instance of this.instances.values()) {
      if (instance.transitionAt === undefined || instance.transitionAt > now) {
        if (instance.state === 'terminated' && instance.terminatedAt !== undefined && now - instance.terminatedAt > this.timings.terminatedVisibleSeconds * 1000) {
          this.instances.delete(instance.id);
        }
        continue;
      }
      if (instance.state === 'pending') this.transition(instance, 'running');
      else if (instance.state === 'shutting-down') this.transition(instance, 'terminated');
      else if (instance.state === 'stopping') this.transition(instance, 'stopped');
    }
  }

  transition(instance: SimInstance, to: InstanceStateName): void {
    const from = instance.state;
    if (from === to) return;
    instance.state = to;
    const now = this.clock.now().getTime();
    instance.transitionAt = undefined;
    // EC2 reports the time of the latest start as LaunchTime.
    if (from === 'stopped' && (to === 'pending' || to === 'running')) instance.launchTime = new Date(now);
    if (to === 'pending') instance.transitionAt = now + this.timings.bootSeconds * 1000;
    if (to === 'shutting-down') instance.transitionAt = now + this.timings.shutdownSeconds * 1000;
    if (to === 'stopping') instance.transitionAt = now + this.timings.stopSeconds * 1000;
    if (to === 'terminated') {
      instance.terminatedAt = now;
      instance.publicIp = undefined;
      for (const eniId of instance.eniIds) {
        const eni = this.enis.get(eniId);
        if (!eni) continue;
        if (eni.attachment?.deleteOnTermination) this.deleteEni(eni);
        else eni.attachment = undefined;
      }
    }
    this.events.emit('instanceStateChanged', { instanceId: instance.id, from, to });
  }

  /** Deleting an ENI deletes the mirror sessions whose source it was (AWS's one automatic cleanup). */
  deleteEni(eni: SimEni): void {
    for (const session of [...this.sessions.values()]) {
      if (session.eniId === eni.id) {
        this.sessions.delete(session.id);
        this.events.emit('mirrorSessionDeleted', { session: sessionShape(this, session) });
      }
    }
    this.enis.delete(eni.id);
  }

  // ---- shared helpers ----

  allocateIp(subnet: SimSubnet): string {
    const parsed = parseCidr(subnet.cidr) as { base: number; prefix: number };
    const last = parsed.base + 2 ** (32 - parsed.prefix) - 2;
    const taken = new Set([...this.enis.values()].flatMap((e) => e.privateIps));
    while (subnet.nextHost <= last) {
      const ip = ipToString(subnet.nextHost);
      subnet.nextHost += 1;
      if (!taken.has(ip)) return ip;
    }
    return fail('InsufficientFreeAddressesInSubnet', `There are not enough free addresses in subnet '${subnet.id}' to satisfy the requested number of instances.`);
  }

  /** ClientToken idempotency: the same token and parameters return the first result; other parameters fail. */
  idempotent<T>(operation: string, token: unknown, input: object, create: () => T): T {
    if (token === undefined || token === null || token === '') return create();
    if (typeof token !== 'string' || token.length > 64) fail('InvalidParameterValue', `${operation}: ClientToken must be a string of at most 64 characters`);
    const { ClientToken: _omit, ...rest } = input as Record<string, unknown>;
    const fingerprint = JSON.stringify(rest, Object.keys(rest).sort());
    const key = `${operation}:${token as string}`;
    const previous = this.tokens.get(key);
    if (previous) {
      if (previous.fingerprint !== fingerprint) fail('IdempotentParameterMismatch', `${operation}: the client token ${token as string} was already used with different parameters`);
      return previous.result as T;
    }
    const result = create();
    this.tokens.set(key, { fingerprint, result });
    return result;
  }

  tagsFromSpecifications(input: { TagSpecifications?: Array<{ ResourceType?: string; Tags?: SdkTag[] }> }, resourceType: string, operation: string): Tags {
    const tags: Tags = {};
    for (const spec of input.TagSpecifications ?? []) {
      if (!spec.ResourceType) fail('InvalidParameterValue', `${operation}: every tag specification needs a ResourceType`);
      if (spec.ResourceType === resourceType) Object.assign(tags, fromSdkTags(spec.Tags, operation));
    }
    return tags;
  }

  checkTagSpecTypes(input: { TagSpecifications?: Array<{ ResourceType?: string }> }, allowed: string[], operation: string): void {
    for (const spec of input.TagSpecifications ?? []) {
      if (!spec.ResourceType || !allowed.includes(spec.ResourceType)) {
        fail('InvalidParameterValue', `${operation}: "${spec.ResourceType}" is not a valid resource type for tag specifications here (allowed: ${allowed.join(', ')})`);
      }
    }
  }

  requireInstance(id: string): SimInstance {
    if (!INSTANCE_ID.test(id)) fail('InvalidInstanceID.Malformed', `Invalid id: "${id}" (expecting "i-...")`);
    const instance = this.instances.get(id);
    if (!instance || !this.visible(id)) return fail('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
    return instance;
  }

  requireEni(id: string): SimEni {
    if (!idPattern('eni').test(id)) fail('InvalidNetworkInterfaceID.Malformed', `Invalid id: "${id}" (expecting "eni-...")`);
    const eni = this.enis.get(id);
    if (!eni || !this.visible(id)) return fail('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${id}' does not exist`);
    return eni;
  }

  requireGroup(id: string): SimSecurityGroup {
    if (!idPattern('sg').test(id)) fail('InvalidGroupId.Malformed', `Invalid id: "${id}" (expecting "sg-...")`);
    const group = this.groups.get(id);
    if (!group || !this.visible(id)) return fail('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
    return group;
  }

  requireTarget(id: unknown): SimTarget {
    if (typeof id !== 'string' || id === '') return fail('MissingParameter', 'The request must contain the parameter TrafficMirrorTargetId');
    const target = this.targets.get(id);
    if (!target || !this.visible(id)) return fail('InvalidTrafficMirrorTargetId.NotFound', `The traffic mirror target '${id}' does not exist`);
    return target;
  }

  requireFilter(id: unknown): SimFilter {
    if (typeof id !== 'string' || id === '') return fail('MissingParameter', 'The request must contain the parameter TrafficMirrorFilterId');
    const filter = this.filters.get(id);
    if (!filter || !this.visible(id)) return fail('InvalidTrafficMirrorFilterId.NotFound', `The traffic mirror filter '${id}' does not exist`);
    return filter;
  }

  requireSession(id: unknown): SimSession {
    const key = String(id ?? '');
    const session = this.sessions.get(key);
    if (!session || !this.visible(key)) return fail('InvalidTrafficMirrorSessionId.NotFound', `The traffic mirror session '${key}' does not exist`);
    return session;
  }
}

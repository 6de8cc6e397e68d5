import { EventEmitter } from 'node:events';
import type {
  Filter,
  Instance,
  IpPermission,
  NetworkInterface,
  SecurityGroup,
  TrafficMirrorFilter,
  TrafficMirrorFilterRule,
  TrafficMirrorSession,
  TrafficMirrorTarget,
  Vpc,
} from '@aws-sdk/client-ec2';
import type { SimClock } from './clock';
import {
  IdFactory,
  cidrContains,
  fail,
  fromSdkTags,
  ipToString,
  isIpv6Cidr,
  paginate,
  parseCidr,
  toSdkTags,
  wildcardMatch,
  type SdkTag,
  type Tags,
} from './support';

/** Describe calls for which AWS documents no tag filters. */
const TRAFFIC_MIRROR_OPERATIONS = new Set(['DescribeTrafficMirrorSessions', 'DescribeTrafficMirrorTargets', 'DescribeTrafficMirrorFilters']);

/**
 * An in-memory EC2 for one region: VPCs, subnets, instances whose state moves pending → running
 * and shutting-down → terminated on the simulated clock, ENIs, security groups, and Traffic
 * Mirroring targets, filters, rules and sessions. It answers with AWS's error codes and enforces
 * AWS's rules and quotas (see local/aws-sim/README.md for the list and where each comes from).
 * It is a simulation for local runs and tests, not AWS.
 */

export type InstanceStateName = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';

const STATE_CODES: Record<InstanceStateName, number> = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 };

/**
 * Families Traffic Mirroring refuses as a source: the previous generations AWS names. The
 * simulation keeps its own list, independent of the product's allowlist, so a wrong product list
 * shows up as a refused session rather than agreeing with itself.
 */
const UNMIRRORABLE_FAMILIES = new Set(['t1', 't2', 'm1', 'm2', 'm3', 'c1', 'c3', 'cc2', 'cr1', 'g2', 'hs1', 'i2', 'r3']);

/** ENI targets of these sizes accept up to 100 sources; the rest 10 (AWS's quota page). */
const LARGE_TARGET_TYPES = new Set(['m5.24xlarge', 'm5.metal', 'c5n.18xlarge', 'c5n.metal', 'r5.24xlarge', 'r5.metal', 'c5.24xlarge', 'c5.metal']);

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
}

export const DEFAULT_EC2_TIMINGS: Ec2Timings = { bootSeconds: 30, shutdownSeconds: 20, stopSeconds: 15, terminatedVisibleSeconds: 3600, launchInvisibleSeconds: 0 };

interface SimVpc {
  id: string;
  cidrs: Array<{ cidr: string; associationId: string; state: 'associated' | 'disassociated' | 'failed' }>;
  ipv6Cidrs: string[];
  tags: Tags;
}

interface SimSubnet {
  id: string;
  vpcId: string;
  cidr: string;
  az: string;
  nextHost: number;
  tags: Tags;
  mapPublicIpOnLaunch: boolean;
}

interface SimInstance {
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

interface SimEni {
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

interface SimSecurityGroup {
  id: string;
  name: string;
  description: string;
  vpcId: string;
  tags: Tags;
  ingress: IpPermission[];
  isDefault: boolean;
}

interface SimTarget {
  id: string;
  eniId?: string;
  nlbArn?: string;
  gwlbEndpointId?: string;
  description?: string;
  tags: Tags;
}

interface SimRule {
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

interface SimFilter {
  id: string;
  description?: string;
  tags: Tags;
  rules: SimRule[];
  networkServices: string[];
}

interface SimSession {
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

export interface SeedInstance {
  instanceId?: string;
  instanceType: string;
  subnetId: string;
  imageId?: string;
  /** Ids for the instance's ENIs, primary first; generated where missing. */
  networkInterfaceIds?: string[];
  /** The primary private address of each ENI, in order; allocated from the subnet where missing. */
  privateIps?: string[];
  /** ENIs beyond the primary one. */
  extraNetworkInterfaces?: number;
  tags?: Tags;
  state?: InstanceStateName;
  interfaceTypes?: string[];
}

export interface Ec2Events {
  instanceStateChanged: { instanceId: string; from: InstanceStateName; to: InstanceStateName };
  mirrorSessionCreated: { session: TrafficMirrorSession };
  mirrorSessionDeleted: { session: TrafficMirrorSession };
}

type Input = Record<string, unknown>;

const INSTANCE_ID = /^i-([0-9a-f]{8}|[0-9a-f]{17})$/;

function idPattern(prefix: string): RegExp {
  return new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`);
}

export class SimulatedEc2 {
  readonly events = new EventEmitter();
  private readonly vpcs = new Map<string, SimVpc>();
  private readonly subnets = new Map<string, SimSubnet>();
  private readonly images = new Set<string>();
  private readonly instanceMap = new Map<string, SimInstance>();
  private readonly enis = new Map<string, SimEni>();
  private readonly groups = new Map<string, SimSecurityGroup>();
  private readonly targetMap = new Map<string, SimTarget>();
  private readonly filterMap = new Map<string, SimFilter>();
  private readonly sessionMap = new Map<string, SimSession>();
  /** ClientToken → what the first call with it created and a fingerprint of its parameters. */
  private readonly tokens = new Map<string, { fingerprint: string; result: unknown }>();
  private readonly ids: IdFactory;

  constructor(
    private readonly clock: SimClock,
    readonly quotas: Ec2Quotas = DEFAULT_EC2_QUOTAS,
    readonly timings: Ec2Timings = DEFAULT_EC2_TIMINGS,
    private readonly options: { pageSize?: number; accountId: string; region: string; ids?: IdFactory } = { accountId: '000000000000', region: 'us-east-1' },
  ) {
    this.ids = options.ids ?? new IdFactory();
    clock.onAdvance(() => this.tick());
  }

  // ---- seeding (what exists before the product runs; not part of the API) ----

  createVpc(input: { cidrBlocks: string[]; vpcId?: string; disassociatedCidrBlocks?: string[]; ipv6CidrBlocks?: string[]; tags?: Tags }): string {
    if (input.cidrBlocks.length === 0) throw new Error('a VPC needs at least one CIDR block');
    for (const cidr of [...input.cidrBlocks, ...(input.disassociatedCidrBlocks ?? [])]) {
      if (!parseCidr(cidr)) throw new Error(`"${cidr}" is not an IPv4 CIDR block`);
    }
    const id = input.vpcId ?? this.ids.next('vpc');
    if (input.vpcId) this.ids.reserve(id);
    this.vpcs.set(id, {
      id,
      cidrs: [
        ...input.cidrBlocks.map((cidr) => ({ cidr, associationId: this.ids.next('vpc-cidr-assoc'), state: 'associated' as const })),
        ...(input.disassociatedCidrBlocks ?? []).map((cidr) => ({ cidr, associationId: this.ids.next('vpc-cidr-assoc'), state: 'disassociated' as const })),
      ],
      ipv6Cidrs: input.ipv6CidrBlocks ?? [],
      tags: input.tags ?? {},
    });
    const sg = this.ids.next('sg');
    this.groups.set(sg, { id: sg, name: 'default', description: 'default VPC security group', vpcId: id, tags: {}, ingress: [], isDefault: true });
    return id;
  }

  createSubnet(input: { vpcId: string; cidrBlock: string; availabilityZone: string; subnetId?: string; tags?: Tags; mapPublicIpOnLaunch?: boolean }): string {
    const vpc = this.vpcs.get(input.vpcId);
    if (!vpc) throw new Error(`no VPC ${input.vpcId} in the simulated account`);
    const parsed = parseCidr(input.cidrBlock);
    if (!parsed) throw new Error(`"${input.cidrBlock}" is not an IPv4 CIDR block`);
    const id = input.subnetId ?? this.ids.next('subnet');
    if (input.subnetId) this.ids.reserve(id);
    // AWS keeps the first four addresses of a subnet for itself.
    this.subnets.set(id, { id, vpcId: vpc.id, cidr: input.cidrBlock, az: input.availabilityZone, nextHost: parsed.base + 4, tags: input.tags ?? {}, mapPublicIpOnLaunch: input.mapPublicIpOnLaunch ?? false });
    return id;
  }

  /** A subnet that gives launched instances a public address by default (a "public subnet"). */
  setMapPublicIpOnLaunch(subnetId: string, value: boolean): void {
    const subnet = this.subnets.get(subnetId);
    if (!subnet) throw new Error(`no subnet ${subnetId} in the simulated account`);
    subnet.mapPublicIpOnLaunch = value;
  }

  registerImage(imageId: string): void {
    this.images.add(imageId);
  }

  seedInstance(input: SeedInstance): { instanceId: string; networkInterfaceIds: string[]; privateIps: string[] } {
    const subnet = this.subnets.get(input.subnetId);
    if (!subnet) throw new Error(`no subnet ${input.subnetId} in the simulated account`);
    const instanceId = input.instanceId ?? this.ids.next('i');
    if (input.instanceId) this.ids.reserve(instanceId);
    const count = Math.max(1 + (input.extraNetworkInterfaces ?? 0), input.networkInterfaceIds?.length ?? 0, input.privateIps?.length ?? 0);
    const defaultGroup = [...this.groups.values()].find((g) => g.vpcId === subnet.vpcId && g.isDefault);
    const eniIds: string[] = [];
    for (let index = 0; index < count; index += 1) {
      const given = input.networkInterfaceIds?.[index];
      const eniId = given ?? this.ids.next('eni');
      if (given) this.ids.reserve(given);
      this.enis.set(eniId, {
        id: eniId,
        subnetId: subnet.id,
        vpcId: subnet.vpcId,
        az: subnet.az,
        privateIps: [input.privateIps?.[index] ?? this.allocateIp(subnet)],
        interfaceType: input.interfaceTypes?.[index] ?? 'interface',
        attachment: { instanceId, deviceIndex: index, attachmentId: this.ids.next('eni-attach'), deleteOnTermination: index === 0 },
        groupIds: defaultGroup ? [defaultGroup.id] : [],
        tags: {},
        description: index === 0 ? 'Primary network interface' : '',
      });
      eniIds.push(eniId);
    }
    const state = input.state ?? 'running';
    this.instanceMap.set(instanceId, {
      id: instanceId,
      type: input.instanceType,
      imageId: input.imageId ?? 'ami-0123456789abcdef0',
      state,
      transitionAt: state === 'pending' ? this.clock.now().getTime() + this.timings.bootSeconds * 1000 : undefined,
      subnetId: subnet.id,
      vpcId: subnet.vpcId,
      az: subnet.az,
      eniIds,
      tags: { ...(input.tags ?? {}) },
      reservationId: this.ids.next('r'),
      launchTime: this.clock.now(),
      securityGroupIds: defaultGroup ? [defaultGroup.id] : [],
      shutdownBehavior: 'stop',
    });
    return { instanceId, networkInterfaceIds: eniIds, privateIps: eniIds.map((id) => this.enis.get(id)?.privateIps[0] ?? '') };
  }

  /** Moves a seeded instance to a state directly (a user stopping it in the console, say). */
  setInstanceState(instanceId: string, state: InstanceStateName): void {
    const instance = this.instanceMap.get(instanceId);
    if (!instance) throw new Error(`no instance ${instanceId}`);
    this.transition(instance, state);
  }

  // ---- views for tests and the demo (SDK-shaped) ----

  instances(): Array<Instance & { UserData?: string }> {
    this.tick();
    return [...this.instanceMap.values()].map((i) => ({ ...this.instanceShape(i), UserData: i.userData }));
  }

  networkInterfaces(): NetworkInterface[] {
    return [...this.enis.values()].map((e) => this.eniShape(e));
  }

  sessions(): TrafficMirrorSession[] {
    return [...this.sessionMap.values()].map((s) => this.sessionShape(s));
  }

  targets(): TrafficMirrorTarget[] {
    return [...this.targetMap.values()].map((t) => this.targetShape(t));
  }

  filters(): TrafficMirrorFilter[] {
    return [...this.filterMap.values()].map((f) => this.filterShape(f));
  }

  securityGroups(): Array<SecurityGroup & { isDefault: boolean }> {
    return [...this.groups.values()].map((g) => ({ ...this.groupShape(g), isDefault: g.isDefault }));
  }

  vpcList(): Vpc[] {
    return [...this.vpcs.values()].map((v) => this.vpcShape(v));
  }

  subnetList(): Array<{ SubnetId: string; VpcId: string; CidrBlock: string; AvailabilityZone: string; Tags: SdkTag[] }> {
    return [...this.subnets.values()].map((s) => ({ SubnetId: s.id, VpcId: s.vpcId, CidrBlock: s.cidr, AvailabilityZone: s.az, Tags: toSdkTags(s.tags) }));
  }

  // ---- the API ----

  handle(operation: string, input: Input): Record<string, unknown> {
    this.tick();
    switch (operation) {
      case 'DescribeInstances':
        return this.describeInstances(input);
      case 'DescribeNetworkInterfaces':
        return this.describeNetworkInterfaces(input);
      case 'DescribeVpcs':
        return this.describeVpcs(input);
      case 'DescribeSubnets':
        return this.describeSubnets(input);
      case 'DescribeSecurityGroups':
        return this.describeSecurityGroups(input);
      case 'CreateSecurityGroup':
        return this.createSecurityGroup(input);
      case 'AuthorizeSecurityGroupIngress':
        return this.authorizeIngress(input);
      case 'DeleteSecurityGroup':
        return this.deleteSecurityGroup(input);
      case 'RunInstances':
        return this.runInstances(input);
      case 'TerminateInstances':
        return this.changeInstances(input, 'terminate');
      case 'StopInstances':
        return this.changeInstances(input, 'stop');
      case 'StartInstances':
        return this.changeInstances(input, 'start');
      case 'CreateTags':
        return this.createTags(input);
      case 'DescribeTrafficMirrorTargets':
        return this.describeTargets(input);
      case 'DescribeTrafficMirrorFilters':
        return this.describeFilters(input);
      case 'DescribeTrafficMirrorSessions':
        return this.describeSessions(input);
      case 'CreateTrafficMirrorTarget':
        return this.createTarget(input);
      case 'CreateTrafficMirrorFilter':
        return this.createFilter(input);
      case 'CreateTrafficMirrorFilterRule':
        return this.createRule(input);
      case 'ModifyTrafficMirrorFilterNetworkServices':
        return this.modifyNetworkServices(input);
      case 'CreateTrafficMirrorSession':
        return this.createSession(input);
      case 'DeleteTrafficMirrorSession':
        return this.deleteSession(input);
      case 'ModifyTrafficMirrorSession':
        return this.modifySession(input);
      case 'DeleteTrafficMirrorTarget':
        return this.deleteTarget(input);
      case 'DeleteTrafficMirrorFilter':
        return this.deleteFilter(input);
      case 'DeleteTrafficMirrorFilterRule':
        return this.deleteRule(input);
      default:
        return fail('InvalidAction', `The action ${operation} is not valid for this web service (the local EC2 simulation does not implement it)`);
    }
  }

  // ---- time ----

  /** Applies the state changes whose time has come on the simulated clock. */
  tick(): void {
    const now = this.clock.now().getTime();
    for (const instance of this.instanceMap.values()) {
      if (instance.transitionAt === undefined || instance.transitionAt > now) {
        if (instance.state === 'terminated' && instance.terminatedAt !== undefined && now - instance.terminatedAt > this.timings.terminatedVisibleSeconds * 1000) {
          this.instanceMap.delete(instance.id);
        }
        continue;
      }
      if (instance.state === 'pending') this.transition(instance, 'running');
      else if (instance.state === 'shutting-down') this.transition(instance, 'terminated');
      else if (instance.state === 'stopping') this.transition(instance, 'stopped');
    }
  }

  private transition(instance: SimInstance, to: InstanceStateName): void {
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
  private deleteEni(eni: SimEni): void {
    for (const session of [...this.sessionMap.values()]) {
      if (session.eniId === eni.id) {
        this.sessionMap.delete(session.id);
        this.events.emit('mirrorSessionDeleted', { session: this.sessionShape(session) });
      }
    }
    this.enis.delete(eni.id);
  }

  // ---- helpers ----

  private allocateIp(subnet: SimSubnet): string {
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

  private idempotent<T>(operation: string, token: unknown, input: Input, create: () => T): T {
    if (token === undefined || token === null || token === '') return create();
    if (typeof token !== 'string' || token.length > 64) fail('InvalidParameterValue', `${operation}: ClientToken must be a string of at most 64 characters`);
    const { ClientToken: _omit, ...rest } = input;
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

  private tagsFromSpecifications(input: Input, resourceType: string, operation: string): Tags {
    const specs = (input.TagSpecifications as Array<{ ResourceType?: string; Tags?: SdkTag[] }> | undefined) ?? [];
    const tags: Tags = {};
    for (const spec of specs) {
      if (!spec.ResourceType) fail('InvalidParameterValue', `${operation}: every tag specification needs a ResourceType`);
      if (spec.ResourceType === resourceType) Object.assign(tags, fromSdkTags(spec.Tags, operation));
    }
    return tags;
  }

  private checkTagSpecTypes(input: Input, allowed: string[], operation: string): void {
    for (const spec of (input.TagSpecifications as Array<{ ResourceType?: string }> | undefined) ?? []) {
      if (!spec.ResourceType || !allowed.includes(spec.ResourceType)) {
        fail('InvalidParameterValue', `${operation}: "${spec.ResourceType}" is not a valid resource type for tag specifications here (allowed: ${allowed.join(', ')})`);
      }
    }
  }

  private requireInstance(id: string): SimInstance {
    if (!INSTANCE_ID.test(id)) fail('InvalidInstanceID.Malformed', `Invalid id: "${id}" (expecting "i-...")`);
    const instance = this.instanceMap.get(id);
    if (!instance) return fail('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
    return instance;
  }

  private requireEni(id: string): SimEni {
    if (!idPattern('eni').test(id)) fail('InvalidNetworkInterfaceID.Malformed', `Invalid id: "${id}" (expecting "eni-...")`);
    const eni = this.enis.get(id);
    if (!eni) return fail('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${id}' does not exist`);
    return eni;
  }

  private requireGroup(id: string): SimSecurityGroup {
    if (!idPattern('sg').test(id)) fail('InvalidGroupId.Malformed', `Invalid id: "${id}" (expecting "sg-...")`);
    const group = this.groups.get(id);
    if (!group) return fail('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
    return group;
  }

  private requireTarget(id: unknown): SimTarget {
    if (typeof id !== 'string' || id === '') return fail('MissingParameter', 'The request must contain the parameter TrafficMirrorTargetId');
    const target = this.targetMap.get(id);
    if (!target) return fail('InvalidTrafficMirrorTargetId.NotFound', `The traffic mirror target '${id}' does not exist`);
    return target;
  }

  private requireFilter(id: unknown): SimFilter {
    if (typeof id !== 'string' || id === '') return fail('MissingParameter', 'The request must contain the parameter TrafficMirrorFilterId');
    const filter = this.filterMap.get(id);
    if (!filter) return fail('InvalidTrafficMirrorFilterId.NotFound', `The traffic mirror filter '${id}' does not exist`);
    return filter;
  }

  private pageSize(fallback: number): number {
    return this.options.pageSize ?? fallback;
  }

  /**
   * Filters as EC2 applies them. AWS documents tag filters (`tag:<key>`, `tag-key`, `tag-value`)
   * for most Describe calls but none for the Traffic Mirror ones, so those are refused there
   * (`TRAFFIC_MIRROR_OPERATIONS`): code that relied on them could not be trusted in AWS.
   */
  private applyFilters<T>(items: T[], filters: Filter[] | undefined, attributes: (item: T) => Record<string, string[]>, tags: (item: T) => Tags, operation: string, known: string[]): T[] {
    const list = filters ?? [];
    const tagFilters = !TRAFFIC_MIRROR_OPERATIONS.has(operation);
    for (const filter of list) {
      const name = filter.Name ?? '';
      const isTagFilter = name.startsWith('tag:') || name === 'tag-key' || name === 'tag-value';
      if (!(isTagFilter && tagFilters) && !known.includes(name)) {
        fail('InvalidParameterValue', `${operation}: the filter '${name}' is invalid`);
      }
      if ((filter.Values ?? []).length > 200) fail('FilterLimitExceeded', `${operation}: the filter '${name}' has more than 200 values`);
    }
    return items.filter((item) =>
      list.every((filter) => {
        const name = filter.Name ?? '';
        const values = filter.Values ?? [];
        let actual: string[];
        if (name.startsWith('tag:')) {
          const v = tags(item)[name.slice(4)];
          actual = v === undefined ? [] : [v];
        } else if (name === 'tag-key') actual = Object.keys(tags(item));
        else if (name === 'tag-value') actual = Object.values(tags(item));
        else actual = attributes(item)[name] ?? [];
        return values.some((pattern) => actual.some((a) => wildcardMatch(pattern, a)));
      }),
    );
  }

  // ---- shapes ----

  private eniShape(e: SimEni): NetworkInterface {
    return {
      NetworkInterfaceId: e.id,
      InterfaceType: e.interfaceType as never,
      SubnetId: e.subnetId,
      VpcId: e.vpcId,
      AvailabilityZone: e.az,
      Description: e.description,
      PrivateIpAddress: e.privateIps[0],
      PrivateIpAddresses: e.privateIps.map((ip, i) => ({ PrivateIpAddress: ip, Primary: i === 0 })),
      Ipv6Addresses: [],
      Groups: e.groupIds.map((id) => ({ GroupId: id, GroupName: this.groups.get(id)?.name })),
      Status: e.attachment ? 'in-use' : 'available',
      Attachment: e.attachment
        ? { AttachmentId: e.attachment.attachmentId, InstanceId: e.attachment.instanceId, DeviceIndex: e.attachment.deviceIndex, DeleteOnTermination: e.attachment.deleteOnTermination, Status: 'attached' }
        : undefined,
      TagSet: toSdkTags(e.tags),
      OwnerId: this.options.accountId,
    };
  }

  private instanceShape(i: SimInstance): Instance {
    const enis = i.eniIds.map((id) => this.enis.get(id)).filter((e): e is SimEni => !!e);
    const live = i.state !== 'terminated';
    return {
      InstanceId: i.id,
      ImageId: i.imageId,
      InstanceType: i.type as never,
      State: { Code: STATE_CODES[i.state], Name: i.state },
      LaunchTime: i.launchTime,
      Placement: { AvailabilityZone: i.az },
      SubnetId: live ? i.subnetId : undefined,
      VpcId: live ? i.vpcId : undefined,
      PrivateIpAddress: enis[0]?.privateIps[0],
      PublicIpAddress: i.publicIp,
      Tags: toSdkTags(i.tags),
      SecurityGroups: live ? i.securityGroupIds.map((id) => ({ GroupId: id, GroupName: this.groups.get(id)?.name })) : [],
      MetadataOptions: i.metadataOptions as never,
      IamInstanceProfile: i.iamInstanceProfileArn ? { Arn: i.iamInstanceProfileArn } : undefined,
      NetworkInterfaces: enis.map((e) => {
        const shape = this.eniShape(e);
        return {
          NetworkInterfaceId: shape.NetworkInterfaceId,
          InterfaceType: shape.InterfaceType,
          SubnetId: shape.SubnetId,
          VpcId: shape.VpcId,
          Description: shape.Description,
          PrivateIpAddress: shape.PrivateIpAddress,
          PrivateIpAddresses: shape.PrivateIpAddresses,
          Ipv6Addresses: [],
          Groups: shape.Groups,
          Status: shape.Status,
          Attachment: shape.Attachment ? { AttachmentId: shape.Attachment.AttachmentId, DeviceIndex: shape.Attachment.DeviceIndex, DeleteOnTermination: shape.Attachment.DeleteOnTermination, Status: 'attached' } : undefined,
        };
      }),
    };
  }

  private groupShape(g: SimSecurityGroup): SecurityGroup {
    return { GroupId: g.id, GroupName: g.name, Description: g.description, VpcId: g.vpcId, Tags: toSdkTags(g.tags), IpPermissions: g.ingress, OwnerId: this.options.accountId };
  }

  private vpcShape(v: SimVpc): Vpc {
    return {
      VpcId: v.id,
      CidrBlock: v.cidrs[0]?.cidr,
      State: 'available',
      CidrBlockAssociationSet: v.cidrs.map((c) => ({ AssociationId: c.associationId, CidrBlock: c.cidr, CidrBlockState: { State: c.state } })),
      Ipv6CidrBlockAssociationSet: v.ipv6Cidrs.map((cidr) => ({ Ipv6CidrBlock: cidr, Ipv6CidrBlockState: { State: 'associated' } })),
      Tags: toSdkTags(v.tags),
      OwnerId: this.options.accountId,
    };
  }

  private targetShape(t: SimTarget): TrafficMirrorTarget {
    return {
      TrafficMirrorTargetId: t.id,
      NetworkInterfaceId: t.eniId,
      NetworkLoadBalancerArn: t.nlbArn,
      GatewayLoadBalancerEndpointId: t.gwlbEndpointId,
      Type: t.eniId ? 'network-interface' : t.nlbArn ? 'network-load-balancer' : ('gateway-load-balancer-endpoint' as never),
      Description: t.description,
      Tags: toSdkTags(t.tags),
      OwnerId: this.options.accountId,
    };
  }

  private ruleShape(r: SimRule): TrafficMirrorFilterRule {
    return {
      TrafficMirrorFilterRuleId: r.id,
      TrafficMirrorFilterId: r.filterId,
      TrafficDirection: r.direction,
      RuleNumber: r.ruleNumber,
      RuleAction: r.action,
      Protocol: r.protocol,
      SourceCidrBlock: r.source,
      DestinationCidrBlock: r.destination,
      SourcePortRange: r.sourcePorts,
      DestinationPortRange: r.destinationPorts,
      Description: r.description,
    };
  }

  private filterShape(f: SimFilter): TrafficMirrorFilter {
    const sorted = [...f.rules].sort((a, b) => a.ruleNumber - b.ruleNumber);
    return {
      TrafficMirrorFilterId: f.id,
      Description: f.description,
      IngressFilterRules: sorted.filter((r) => r.direction === 'ingress').map((r) => this.ruleShape(r)),
      EgressFilterRules: sorted.filter((r) => r.direction === 'egress').map((r) => this.ruleShape(r)),
      NetworkServices: f.networkServices as never,
      Tags: toSdkTags(f.tags),
    };
  }

  private sessionShape(s: SimSession): TrafficMirrorSession {
    return {
      TrafficMirrorSessionId: s.id,
      NetworkInterfaceId: s.eniId,
      TrafficMirrorTargetId: s.targetId,
      TrafficMirrorFilterId: s.filterId,
      SessionNumber: s.sessionNumber,
      VirtualNetworkId: s.vni,
      PacketLength: s.packetLength,
      Description: s.description,
      Tags: toSdkTags(s.tags),
      OwnerId: this.options.accountId,
    };
  }

  // ---- describe ----

  private describeInstances(input: Input): Record<string, unknown> {
    const ids = (input.InstanceIds as string[] | undefined) ?? [];
    if (ids.length > 0 && input.MaxResults !== undefined) fail('InvalidParameterCombination', 'The parameter instancesSet cannot be used with the parameter maxResults');
    const now = this.clock.now().getTime();
    const visible = new Map([...this.instanceMap].filter(([, i]) => i.visibleAt === undefined || i.visibleAt <= now));
    let list = [...visible.values()];
    if (ids.length > 0) {
      const missing = ids.filter((id) => {
        if (!INSTANCE_ID.test(id)) fail('InvalidInstanceID.Malformed', `Invalid id: "${id}" (expecting "i-...")`);
        return !visible.has(id);
      });
      if (missing.length > 0) fail('InvalidInstanceID.NotFound', `The instance ID${missing.length > 1 ? 's' : ''} '${missing.join(', ')}' do${missing.length > 1 ? '' : 'es'} not exist`);
      list = list.filter((i) => ids.includes(i.id));
    }
    list = this.applyFilters(
      list,
      input.Filters as Filter[] | undefined,
      (i) => ({
        'instance-id': [i.id],
        'instance-state-name': [i.state],
        'instance-state-code': [String(STATE_CODES[i.state])],
        'instance-type': [i.type],
        'vpc-id': [i.vpcId],
        'subnet-id': [i.subnetId],
        'image-id': [i.imageId],
        'availability-zone': [i.az],
        'network-interface.network-interface-id': i.eniIds,
        'private-ip-address': i.eniIds.map((id) => this.enis.get(id)?.privateIps[0] ?? ''),
      }),
      (i) => i.tags,
      'DescribeInstances',
      ['instance-id', 'instance-state-name', 'instance-state-code', 'instance-type', 'vpc-id', 'subnet-id', 'image-id', 'availability-zone', 'network-interface.network-interface-id', 'private-ip-address'],
    );
    // One reservation per launch, as RunInstances groups them.
    const page = paginate(list, { maxResults: input.MaxResults as number | undefined, nextToken: input.NextToken as string | undefined, defaultPageSize: this.pageSize(1000), minPageSize: 5, operation: 'DescribeInstances' });
    const reservations = new Map<string, Instance[]>();
    for (const i of page.items) reservations.set(i.reservationId, [...(reservations.get(i.reservationId) ?? []), this.instanceShape(i)]);
    return {
      Reservations: [...reservations.entries()].map(([ReservationId, Instances]) => ({ ReservationId, OwnerId: this.options.accountId, Instances })),
      NextToken: page.nextToken,
    };
  }

  private describeNetworkInterfaces(input: Input): Record<string, unknown> {
    const ids = (input.NetworkInterfaceIds as string[] | undefined) ?? [];
    let list = [...this.enis.values()];
    if (ids.length > 0) {
      for (const id of ids) this.requireEni(id);
      list = list.filter((e) => ids.includes(e.id));
    }
    list = this.applyFilters(
      list,
      input.Filters as Filter[] | undefined,
      (e) => ({
        'network-interface-id': [e.id],
        'attachment.instance-id': e.attachment ? [e.attachment.instanceId] : [],
        'vpc-id': [e.vpcId],
        'subnet-id': [e.subnetId],
        'interface-type': [e.interfaceType],
        'private-ip-address': e.privateIps,
        'group-id': e.groupIds,
        status: [e.attachment ? 'in-use' : 'available'],
      }),
      (e) => e.tags,
      'DescribeNetworkInterfaces',
      ['network-interface-id', 'attachment.instance-id', 'vpc-id', 'subnet-id', 'interface-type', 'private-ip-address', 'group-id', 'status'],
    );
    const page = paginate(list, { maxResults: input.MaxResults as number | undefined, nextToken: input.NextToken as string | undefined, defaultPageSize: this.pageSize(1000), minPageSize: 5, operation: 'DescribeNetworkInterfaces' });
    return { NetworkInterfaces: page.items.map((e) => this.eniShape(e)), NextToken: page.nextToken };
  }

  private describeVpcs(input: Input): Record<string, unknown> {
    const ids = (input.VpcIds as string[] | undefined) ?? [];
    for (const id of ids) if (!this.vpcs.has(id)) fail('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`);
    const list = [...this.vpcs.values()].filter((v) => ids.length === 0 || ids.includes(v.id));
    return { Vpcs: list.map((v) => this.vpcShape(v)) };
  }

  private describeSubnets(input: Input): Record<string, unknown> {
    const ids = (input.SubnetIds as string[] | undefined) ?? [];
    for (const id of ids) if (!this.subnets.has(id)) fail('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`);
    const list = this.applyFilters(
      this.subnetList().filter((s) => ids.length === 0 || ids.includes(s.SubnetId)),
      input.Filters as Filter[] | undefined,
      (s) => ({ 'vpc-id': [s.VpcId], 'subnet-id': [s.SubnetId], 'availability-zone': [s.AvailabilityZone] }),
      (s) => Object.fromEntries(s.Tags.map((t) => [t.Key ?? '', t.Value ?? ''])),
      'DescribeSubnets',
      ['vpc-id', 'subnet-id', 'availability-zone'],
    );
    return { Subnets: list };
  }

  private describeSecurityGroups(input: Input): Record<string, unknown> {
    const ids = (input.GroupIds as string[] | undefined) ?? [];
    for (const id of ids) this.requireGroup(id);
    if (ids.length > 0 && input.MaxResults !== undefined) fail('InvalidParameterCombination', 'GroupIds cannot be used with MaxResults');
    let list = [...this.groups.values()].filter((g) => ids.length === 0 || ids.includes(g.id));
    list = this.applyFilters(
      list,
      input.Filters as Filter[] | undefined,
      (g) => ({ 'group-id': [g.id], 'group-name': [g.name], 'vpc-id': [g.vpcId], description: [g.description] }),
      (g) => g.tags,
      'DescribeSecurityGroups',
      ['group-id', 'group-name', 'vpc-id', 'description'],
    );
    const page = paginate(list, { maxResults: input.MaxResults as number | undefined, nextToken: input.NextToken as string | undefined, defaultPageSize: this.pageSize(1000), minPageSize: 5, operation: 'DescribeSecurityGroups' });
    return { SecurityGroups: page.items.map((g) => this.groupShape(g)), NextToken: page.nextToken };
  }

  private describeTargets(input: Input): Record<string, unknown> {
    const ids = (input.TrafficMirrorTargetIds as string[] | undefined) ?? [];
    for (const id of ids) this.requireTarget(id);
    let list = [...this.targetMap.values()].filter((t) => ids.length === 0 || ids.includes(t.id));
    list = this.applyFilters(
      list,
      input.Filters as Filter[] | undefined,
      (t) => ({
        'traffic-mirror-target-id': [t.id],
        'network-interface-id': t.eniId ? [t.eniId] : [],
        'network-load-balancer-arn': t.nlbArn ? [t.nlbArn] : [],
        description: t.description ? [t.description] : [],
        'owner-id': [this.options.accountId],
      }),
      (t) => t.tags,
      'DescribeTrafficMirrorTargets',
      ['traffic-mirror-target-id', 'network-interface-id', 'network-load-balancer-arn', 'description', 'owner-id'],
    );
    const page = paginate(list, { maxResults: input.MaxResults as number | undefined, nextToken: input.NextToken as string | undefined, defaultPageSize: this.pageSize(1000), minPageSize: 5, operation: 'DescribeTrafficMirrorTargets' });
    return { TrafficMirrorTargets: page.items.map((t) => this.targetShape(t)), NextToken: page.nextToken };
  }

  private describeFilters(input: Input): Record<string, unknown> {
    const ids = (input.TrafficMirrorFilterIds as string[] | undefined) ?? [];
    for (const id of ids) this.requireFilter(id);
    let list = [...this.filterMap.values()].filter((f) => ids.length === 0 || ids.includes(f.id));
    list = this.applyFilters(
      list,
      input.Filters as Filter[] | undefined,
      (f) => ({ 'traffic-mirror-filter-id': [f.id], description: f.description ? [f.description] : [] }),
      (f) => f.tags,
      'DescribeTrafficMirrorFilters',
      ['traffic-mirror-filter-id', 'description'],
    );
    const page = paginate(list, { maxResults: input.MaxResults as number | undefined, nextToken: input.NextToken as string | undefined, defaultPageSize: this.pageSize(1000), minPageSize: 5, operation: 'DescribeTrafficMirrorFilters' });
    return { TrafficMirrorFilters: page.items.map((f) => this.filterShape(f)), NextToken: page.nextToken };
  }

  private describeSessions(input: Input): Record<string, unknown> {
    const ids = (input.TrafficMirrorSessionIds as string[] | undefined) ?? [];
    for (const id of ids) if (!this.sessionMap.has(id)) fail('InvalidTrafficMirrorSessionId.NotFound', `The traffic mirror session '${id}' does not exist`);
    let list = [...this.sessionMap.values()].filter((s) => ids.length === 0 || ids.includes(s.id));
    list = this.applyFilters(
      list,
      input.Filters as Filter[] | undefined,
      (s) => ({
        'traffic-mirror-session-id': [s.id],
        'traffic-mirror-target-id': [s.targetId],
        'traffic-mirror-filter-id': [s.filterId],
        'network-interface-id': [s.eniId],
        'session-number': [String(s.sessionNumber)],
        'virtual-network-id': [String(s.vni)],
        'owner-id': [this.options.accountId],
        description: s.description ? [s.description] : [],
      }),
      (s) => s.tags,
      'DescribeTrafficMirrorSessions',
      ['traffic-mirror-session-id', 'traffic-mirror-target-id', 'traffic-mirror-filter-id', 'network-interface-id', 'session-number', 'virtual-network-id', 'owner-id', 'description'],
    );
    const page = paginate(list, { maxResults: input.MaxResults as number | undefined, nextToken: input.NextToken as string | undefined, defaultPageSize: this.pageSize(1000), minPageSize: 5, operation: 'DescribeTrafficMirrorSessions' });
    return { TrafficMirrorSessions: page.items.map((s) => this.sessionShape(s)), NextToken: page.nextToken };
  }

  // ---- security groups ----

  private createSecurityGroup(input: Input): Record<string, unknown> {
    const name = input.GroupName;
    const description = input.Description;
    if (typeof name !== 'string' || name === '') return fail('MissingParameter', 'The request must contain the parameter GroupName');
    if (typeof description !== 'string' || description === '') return fail('MissingParameter', 'The request must contain the parameter GroupDescription');
    if (name.length > 255 || description.length > 255) fail('InvalidParameterValue', 'GroupName and Description are limited to 255 characters');
    if (name.toLowerCase().startsWith('sg-')) fail('InvalidParameterValue', `Group names may not be in the format sg-* (${name})`);
    if (typeof input.VpcId !== 'string') return fail('VPCIdNotSpecified', 'No default VPC for this user (the simulation has no EC2-Classic or default VPC: pass VpcId)');
    const vpcId = input.VpcId;
    if (!this.vpcs.has(vpcId)) fail('InvalidVpcID.NotFound', `The vpc ID '${vpcId}' does not exist`);
    this.checkTagSpecTypes(input, ['security-group'], 'CreateSecurityGroup');
    const inVpc = [...this.groups.values()].filter((g) => g.vpcId === vpcId);
    if (inVpc.some((g) => g.name === name)) fail('InvalidGroup.Duplicate', `The security group '${name}' already exists for VPC '${vpcId}'`);
    if (inVpc.length >= this.quotas.securityGroupsPerVpc) fail('SecurityGroupLimitExceeded', 'The maximum number of security groups for this VPC has been reached');
    const id = this.ids.next('sg');
    this.groups.set(id, { id, name, description, vpcId, tags: this.tagsFromSpecifications(input, 'security-group', 'CreateSecurityGroup'), ingress: [], isDefault: false });
    return { GroupId: id };
  }

  private authorizeIngress(input: Input): Record<string, unknown> {
    const group = this.requireGroup(String(input.GroupId ?? ''));
    const permissions = (input.IpPermissions as IpPermission[] | undefined) ?? [];
    if (permissions.length === 0) fail('MissingParameter', 'AuthorizeSecurityGroupIngress needs at least one IpPermission');
    for (const p of permissions) {
      if (!p.IpProtocol) fail('MissingParameter', 'every IpPermission needs an IpProtocol');
      if ((p.IpRanges ?? []).length + (p.Ipv6Ranges ?? []).length + (p.UserIdGroupPairs ?? []).length + (p.PrefixListIds ?? []).length === 0) {
        fail('MissingParameter', 'every IpPermission needs at least one source (IpRanges, Ipv6Ranges, UserIdGroupPairs or PrefixListIds)');
      }
      for (const r of p.IpRanges ?? []) if (!parseCidr(r.CidrIp ?? '')) fail('InvalidParameterValue', `CIDR block ${r.CidrIp} is malformed`);
      for (const r of p.Ipv6Ranges ?? []) if (!isIpv6Cidr(r.CidrIpv6 ?? '')) fail('InvalidParameterValue', `CIDR block ${r.CidrIpv6} is malformed`);
      const duplicate = group.ingress.some(
        (e) => e.IpProtocol === p.IpProtocol && e.FromPort === p.FromPort && e.ToPort === p.ToPort && (e.IpRanges ?? []).some((a) => (p.IpRanges ?? []).some((b) => a.CidrIp === b.CidrIp)),
      );
      if (duplicate) fail('InvalidPermission.Duplicate', `the specified rule already exists in ${group.id}`);
    }
    group.ingress.push(...permissions);
    return { Return: true };
  }

  private deleteSecurityGroup(input: Input): Record<string, unknown> {
    const group = this.requireGroup(String(input.GroupId ?? ''));
    if (group.isDefault) fail('CannotDelete', `the default security group ${group.id} cannot be deleted`);
    const users = [...this.enis.values()].filter((e) => e.groupIds.includes(group.id));
    if (users.length > 0) fail('DependencyViolation', `resource ${group.id} has a dependent object (${users.map((e) => e.id).join(', ')})`);
    this.groups.delete(group.id);
    return { Return: true, GroupId: group.id };
  }

  // ---- instances ----

  private runInstances(input: Input): Record<string, unknown> {
    return this.idempotent('RunInstances', input.ClientToken, input, () => {
      const min = Number(input.MinCount);
      const max = Number(input.MaxCount);
      if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max < min) fail('InvalidParameterValue', 'MinCount and MaxCount must be whole numbers with 1 <= MinCount <= MaxCount');
      const imageId = input.ImageId;
      if (typeof imageId !== 'string' || imageId === '') return fail('MissingParameter', 'The request must contain the parameter ImageId');
      if (!this.images.has(imageId)) fail('InvalidAMIID.NotFound', `The image id '[${imageId}]' does not exist`);
      const type = input.InstanceType;
      if (typeof type !== 'string' || !/^[a-z][a-z0-9-]*\.[a-z0-9-]+$/.test(type)) fail('InvalidParameterValue', `Invalid value '${String(type)}' for InstanceType.`);
      this.checkTagSpecTypes(input, ['instance', 'volume', 'network-interface', 'spot-instances-request', 'elastic-gpu'], 'RunInstances');
      const interfaces = (input.NetworkInterfaces as Array<Record<string, unknown>> | undefined) ?? [];
      if (interfaces.length > 0 && (input.SubnetId !== undefined || input.SecurityGroupIds !== undefined)) {
        fail('InvalidParameterCombination', 'Network interfaces and an instance-level subnet ID or security groups may not be specified on the same request');
      }
      const primary = interfaces.find((n) => (n.DeviceIndex ?? 0) === 0);
      const subnetId = String(primary?.SubnetId ?? input.SubnetId ?? '');
      if (!subnetId) fail('MissingParameter', 'the simulation has no default VPC: pass SubnetId');
      const subnet = this.subnets.get(subnetId);
      if (!subnet) return fail('InvalidSubnetID.NotFound', `The subnet ID '${subnetId}' does not exist`);
      const groupIds = ((primary?.Groups ?? input.SecurityGroupIds) as string[] | undefined) ?? [];
      for (const id of groupIds) {
        const group = this.requireGroup(id);
        if (group.vpcId !== subnet.vpcId) fail('InvalidParameter', `Security group ${id} and subnet ${subnetId} belong to different networks.`);
      }
      const userData = input.UserData;
      if (userData !== undefined) {
        if (typeof userData !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(userData)) fail('InvalidParameterValue', 'Invalid BASE64 encoding of user data.');
        if (Buffer.from(userData as string, 'base64').length > this.quotas.userDataBytes) fail('InvalidParameterValue', `User data is limited to ${this.quotas.userDataBytes} bytes`);
      }
      const live = [...this.instanceMap.values()].filter((i) => i.state === 'pending' || i.state === 'running').length;
      if (live + min > this.quotas.instances) {
        fail('VcpuLimitExceeded', `You have requested more vCPU capacity than your current vCPU limit allows (the simulated account holds at most ${this.quotas.instances} running instances)`);
      }
      const count = Math.min(max, this.quotas.instances - live);
      const reservationId = this.ids.next('r');
      const tags = this.tagsFromSpecifications(input, 'instance', 'RunInstances');
      const eniTags = this.tagsFromSpecifications(input, 'network-interface', 'RunInstances');
      // A public subnet hands out a public address unless the interface says otherwise.
      const explicit = primary?.AssociatePublicIpAddress;
      const wantsPublicIp = typeof explicit === 'boolean' ? explicit : subnet.mapPublicIpOnLaunch;
      const created: SimInstance[] = [];
      const groups = groupIds.length > 0 ? groupIds : [...this.groups.values()].filter((g) => g.vpcId === subnet.vpcId && g.isDefault).map((g) => g.id);
      for (let n = 0; n < count; n += 1) {
        const id = this.ids.next('i');
        const eniId = this.ids.next('eni');
        this.enis.set(eniId, {
          id: eniId,
          subnetId: subnet.id,
          vpcId: subnet.vpcId,
          az: subnet.az,
          privateIps: [this.allocateIp(subnet)],
          interfaceType: 'interface',
          attachment: { instanceId: id, deviceIndex: 0, attachmentId: this.ids.next('eni-attach'), deleteOnTermination: true },
          groupIds: groups,
          tags: { ...eniTags },
          description: '',
        });
        const instance: SimInstance = {
          id,
          type: type as string,
          imageId,
          state: 'pending',
          transitionAt: this.clock.now().getTime() + this.timings.bootSeconds * 1000,
          subnetId: subnet.id,
          vpcId: subnet.vpcId,
          az: subnet.az,
          eniIds: [eniId],
          tags: { ...tags },
          userData: userData === undefined ? undefined : (userData as string),
          reservationId,
          launchTime: this.clock.now(),
          securityGroupIds: groups,
          metadataOptions: input.MetadataOptions as SimInstance['metadataOptions'],
          iamInstanceProfileArn: (input.IamInstanceProfile as { Arn?: string } | undefined)?.Arn,
          publicIp: wantsPublicIp ? `198.51.100.${(this.instanceMap.size % 250) + 1}` : undefined,
          shutdownBehavior: input.InstanceInitiatedShutdownBehavior === 'terminate' ? 'terminate' : 'stop',
          visibleAt: this.timings.launchInvisibleSeconds > 0 ? this.clock.now().getTime() + this.timings.launchInvisibleSeconds * 1000 : undefined,
        };
        this.instanceMap.set(id, instance);
        created.push(instance);
      }
      return { ReservationId: reservationId, OwnerId: this.options.accountId, Instances: created.map((i) => this.instanceShape(i)) };
    });
  }

  private changeInstances(input: Input, action: 'terminate' | 'stop' | 'start'): Record<string, unknown> {
    const ids = (input.InstanceIds as string[] | undefined) ?? [];
    if (ids.length === 0) fail('MissingParameter', 'The request must contain the parameter InstanceIds');
    const instances = ids.map((id) => this.requireInstance(id));
    const changes = instances.map((instance) => {
      const previous = instance.state;
      if (action === 'terminate') {
        if (previous !== 'terminated' && previous !== 'shutting-down') this.transition(instance, 'shutting-down');
      } else if (action === 'stop') {
        if (previous === 'terminated' || previous === 'shutting-down') fail('IncorrectInstanceState', `The instance '${instance.id}' is not in a state from which it can be stopped.`);
        if (previous === 'pending' || previous === 'running') this.transition(instance, 'stopping');
      } else {
        if (previous !== 'stopped' && previous !== 'pending' && previous !== 'running') fail('IncorrectInstanceState', `The instance '${instance.id}' is not in a state from which it can be started.`);
        if (previous === 'stopped') this.transition(instance, 'pending');
      }
      return {
        InstanceId: instance.id,
        PreviousState: { Code: STATE_CODES[previous], Name: previous },
        CurrentState: { Code: STATE_CODES[instance.state], Name: instance.state },
      };
    });
    const key = action === 'terminate' ? 'TerminatingInstances' : action === 'stop' ? 'StoppingInstances' : 'StartingInstances';
    return { [key]: changes };
  }

  private createTags(input: Input): Record<string, unknown> {
    const ids = (input.Resources as string[] | undefined) ?? [];
    const tags = fromSdkTags(input.Tags as SdkTag[] | undefined, 'CreateTags');
    for (const id of ids) {
      const holder =
        this.instanceMap.get(id) ?? this.enis.get(id) ?? this.groups.get(id) ?? this.targetMap.get(id) ?? this.filterMap.get(id) ?? this.sessionMap.get(id) ?? this.vpcs.get(id);
      if (!holder) fail('InvalidID', `The ID '${id}' is not valid`);
      Object.assign((holder as { tags: Tags }).tags, tags);
    }
    return {};
  }

  // ---- traffic mirroring ----

  private createTarget(input: Input): Record<string, unknown> {
    return this.idempotent('CreateTrafficMirrorTarget', input.ClientToken, input, () => {
      const given = [input.NetworkInterfaceId, input.NetworkLoadBalancerArn, input.GatewayLoadBalancerEndpointId].filter((v) => v !== undefined && v !== '');
      if (given.length !== 1) fail('InvalidParameterCombination', 'A traffic mirror target needs exactly one of NetworkInterfaceId, NetworkLoadBalancerArn or GatewayLoadBalancerEndpointId');
      this.checkTagSpecTypes(input, ['traffic-mirror-target'], 'CreateTrafficMirrorTarget');
      if (this.targetMap.size >= this.quotas.targetsPerAccount) fail('TrafficMirrorTargetLimitExceeded', 'The maximum number of traffic mirror targets has been reached');
      const target: SimTarget = { id: this.ids.next('tmt'), description: input.Description as string | undefined, tags: this.tagsFromSpecifications(input, 'traffic-mirror-target', 'CreateTrafficMirrorTarget') };
      if (typeof input.NetworkInterfaceId === 'string') {
        const eni = this.requireEni(input.NetworkInterfaceId);
        if ([...this.targetMap.values()].some((t) => t.eniId === eni.id)) fail('InvalidParameterValue', `The network interface ${eni.id} is already a traffic mirror target`);
        if ([...this.sessionMap.values()].some((s) => s.eniId === eni.id)) fail('InvalidParameterValue', `The network interface ${eni.id} is a traffic mirror source and cannot also be a target`);
        target.eniId = eni.id;
      } else if (typeof input.NetworkLoadBalancerArn === 'string') {
        if (!/^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer\/net\/[^/]+\/[0-9a-f]+$/.test(input.NetworkLoadBalancerArn)) {
          fail('InvalidParameterValue', `${input.NetworkLoadBalancerArn} is not the ARN of a Network Load Balancer`);
        }
        target.nlbArn = input.NetworkLoadBalancerArn;
      } else {
        target.gwlbEndpointId = String(input.GatewayLoadBalancerEndpointId);
      }
      this.targetMap.set(target.id, target);
      return { TrafficMirrorTarget: this.targetShape(target), ClientToken: input.ClientToken };
    });
  }

  private createFilter(input: Input): Record<string, unknown> {
    return this.idempotent('CreateTrafficMirrorFilter', input.ClientToken, input, () => {
      this.checkTagSpecTypes(input, ['traffic-mirror-filter'], 'CreateTrafficMirrorFilter');
      if (this.filterMap.size >= this.quotas.filtersPerAccount) fail('TrafficMirrorFilterLimitExceeded', 'The maximum number of traffic mirror filters has been reached');
      const filter: SimFilter = { id: this.ids.next('tmf'), description: input.Description as string | undefined, tags: this.tagsFromSpecifications(input, 'traffic-mirror-filter', 'CreateTrafficMirrorFilter'), rules: [], networkServices: [] };
      this.filterMap.set(filter.id, filter);
      return { TrafficMirrorFilter: this.filterShape(filter), ClientToken: input.ClientToken };
    });
  }

  private createRule(input: Input): Record<string, unknown> {
    return this.idempotent('CreateTrafficMirrorFilterRule', input.ClientToken, input, () => {
      const filter = this.requireFilter(input.TrafficMirrorFilterId);
      const direction = input.TrafficDirection;
      if (direction !== 'ingress' && direction !== 'egress') return fail('InvalidParameterValue', `TrafficDirection must be ingress or egress (got ${String(direction)})`);
      const ruleNumber = Number(input.RuleNumber);
      if (!Number.isInteger(ruleNumber) || ruleNumber < 1 || ruleNumber > 32766) fail('InvalidParameterValue', `RuleNumber must be from 1 to 32766 (got ${String(input.RuleNumber)})`);
      const action = input.RuleAction;
      if (action !== 'accept' && action !== 'reject') return fail('InvalidParameterValue', `RuleAction must be accept or reject (got ${String(action)})`);
      const source = input.SourceCidrBlock;
      const destination = input.DestinationCidrBlock;
      if (typeof source !== 'string' || typeof destination !== 'string') return fail('MissingParameter', 'A traffic mirror filter rule needs both SourceCidrBlock and DestinationCidrBlock');
      const v6 = [isIpv6Cidr(source), isIpv6Cidr(destination)];
      for (const [cidr, isV6] of [[source, v6[0]], [destination, v6[1]]] as const) {
        if (!isV6 && !parseCidr(cidr)) fail('InvalidParameterValue', `${cidr} is not a valid CIDR block`);
      }
      if (v6[0] !== v6[1]) fail('InvalidParameterValue', 'SourceCidrBlock and DestinationCidrBlock must be of the same IP family');
      const protocol = input.Protocol === undefined ? undefined : Number(input.Protocol);
      if ((input.SourcePortRange || input.DestinationPortRange) && protocol !== 6 && protocol !== 17) {
        fail('InvalidParameterValue', 'Port ranges are only valid for TCP (6) and UDP (17) rules');
      }
      if (filter.rules.some((r) => r.direction === direction && r.ruleNumber === ruleNumber)) {
        fail('TrafficMirrorFilterRuleAlreadyExists', `Rule number ${ruleNumber} already exists in the ${direction} direction of ${filter.id}`);
      }
      if (filter.rules.length >= this.quotas.rulesPerFilter) {
        fail('TrafficMirrorFilterRuleLimitExceeded', `The traffic mirror filter ${filter.id} already has ${filter.rules.length} rules, the most a filter can hold`);
      }
      const rule: SimRule = {
        id: this.ids.next('tmfr'),
        filterId: filter.id,
        direction,
        ruleNumber,
        action,
        protocol,
        source,
        destination,
        sourcePorts: input.SourcePortRange as SimRule['sourcePorts'],
        destinationPorts: input.DestinationPortRange as SimRule['destinationPorts'],
        description: input.Description as string | undefined,
      };
      filter.rules.push(rule);
      return { TrafficMirrorFilterRule: this.ruleShape(rule), ClientToken: input.ClientToken };
    });
  }

  private deleteRule(input: Input): Record<string, unknown> {
    const id = String(input.TrafficMirrorFilterRuleId ?? '');
    for (const filter of this.filterMap.values()) {
      const index = filter.rules.findIndex((r) => r.id === id);
      if (index >= 0) {
        filter.rules.splice(index, 1);
        return { TrafficMirrorFilterRuleId: id };
      }
    }
    return fail('InvalidTrafficMirrorFilterRuleId.NotFound', `The traffic mirror filter rule '${id}' does not exist`);
  }

  private modifyNetworkServices(input: Input): Record<string, unknown> {
    const filter = this.requireFilter(input.TrafficMirrorFilterId);
    const add = (input.AddNetworkServices as string[] | undefined) ?? [];
    const remove = (input.RemoveNetworkServices as string[] | undefined) ?? [];
    for (const service of [...add, ...remove]) if (service !== 'amazon-dns') fail('InvalidParameterValue', `${service} is not a traffic mirror network service (only amazon-dns)`);
    filter.networkServices = [...new Set([...filter.networkServices, ...add])].filter((s) => !remove.includes(s));
    return { TrafficMirrorFilter: this.filterShape(filter) };
  }

  private createSession(input: Input): Record<string, unknown> {
    return this.idempotent('CreateTrafficMirrorSession', input.ClientToken, input, () => {
      if (typeof input.NetworkInterfaceId !== 'string') return fail('MissingParameter', 'The request must contain the parameter NetworkInterfaceId');
      const eni = this.requireEni(input.NetworkInterfaceId);
      const target = this.requireTarget(input.TrafficMirrorTargetId);
      const filter = this.requireFilter(input.TrafficMirrorFilterId);
      this.checkTagSpecTypes(input, ['traffic-mirror-session'], 'CreateTrafficMirrorSession');
      const sessionNumber = Number(input.SessionNumber);
      if (!Number.isInteger(sessionNumber) || sessionNumber < 1 || sessionNumber > 32766) fail('InvalidParameterValue', `SessionNumber must be from 1 to 32766 (got ${String(input.SessionNumber)})`);
      const vni = input.VirtualNetworkId === undefined ? this.randomVni() : Number(input.VirtualNetworkId);
      if (!Number.isInteger(vni) || vni < 0 || vni > 16_777_215) fail('InvalidParameterValue', `VirtualNetworkId must be from 0 to 16777215 (got ${String(input.VirtualNetworkId)})`);
      if (input.PacketLength !== undefined) {
        const length = Number(input.PacketLength);
        if (!Number.isInteger(length) || length < 1 || length > 8500) fail('InvalidParameterValue', 'PacketLength must be from 1 to 8500');
      }
      if (eni.interfaceType !== 'interface') fail('InvalidParameterValue', `The network interface ${eni.id} is of type ${eni.interfaceType}, which cannot be a traffic mirror source`);
      if ([...this.targetMap.values()].some((t) => t.eniId === eni.id)) fail('InvalidParameterValue', `The network interface ${eni.id} is a traffic mirror target and cannot be a source`);
      const owner = eni.attachment ? this.instanceMap.get(eni.attachment.instanceId) : undefined;
      if (owner) {
        const family = owner.type.split('.')[0] ?? '';
        if (UNMIRRORABLE_FAMILIES.has(family)) {
          fail('InvalidParameterValue', `The network interface ${eni.id} is attached to an instance of type ${owner.type}, which is not supported as a traffic mirror source`);
        }
      }
      const onEni = [...this.sessionMap.values()].filter((s) => s.eniId === eni.id);
      if (onEni.length >= this.quotas.sessionsPerEni) {
        fail('TrafficMirrorSessionsPerInterfaceLimitExceeded', `The network interface ${eni.id} already has ${onEni.length} traffic mirror sessions, the most an interface can have`);
      }
      if (target.eniId) {
        const targetOwner = this.enis.get(target.eniId)?.attachment?.instanceId;
        const targetType = targetOwner ? this.instanceMap.get(targetOwner)?.type : undefined;
        const limit = targetType && LARGE_TARGET_TYPES.has(targetType) ? 100 : this.quotas.sourcesPerEniTarget;
        const sources = new Set([...this.sessionMap.values()].filter((s) => s.targetId === target.id).map((s) => s.eniId));
        if (!sources.has(eni.id) && sources.size >= limit) {
          fail('TrafficMirrorSourcesPerTargetLimitExceeded', `Sources per interface-target limit reached (${sources.size + 1})`);
        }
        const sourceVpc = eni.vpcId;
        const targetVpc = this.enis.get(target.eniId)?.vpcId;
        if (targetVpc && sourceVpc !== targetVpc) fail('InvalidParameterValue', `The source ${eni.id} and the target ${target.id} are in different VPCs with no route between them in this simulation`);
      }
      if (this.sessionMap.size >= this.quotas.sessionsPerAccount) fail('TrafficMirrorSessionLimitExceeded', 'The maximum number of traffic mirror sessions has been reached');
      const session: SimSession = {
        id: this.ids.next('tms'),
        eniId: eni.id,
        targetId: target.id,
        filterId: filter.id,
        sessionNumber,
        vni,
        packetLength: input.PacketLength === undefined ? undefined : Number(input.PacketLength),
        description: input.Description as string | undefined,
        tags: this.tagsFromSpecifications(input, 'traffic-mirror-session', 'CreateTrafficMirrorSession'),
      };
      this.sessionMap.set(session.id, session);
      this.events.emit('mirrorSessionCreated', { session: this.sessionShape(session) });
      return { TrafficMirrorSession: this.sessionShape(session), ClientToken: input.ClientToken };
    });
  }

  private vniCounter = 0;

  /** AWS picks a random unique VNI when none is given; the simulation picks a repeatable one. */
  private randomVni(): number {
    const used = new Set([...this.sessionMap.values()].map((s) => s.vni));
    for (;;) {
      this.vniCounter += 1;
      const vni = (this.vniCounter * 2654435761) % 16_777_216;
      if (!used.has(vni)) return vni;
    }
  }

  /** Re-points or renumbers a session in place; the same quotas as creating one apply to its new target. */
  private modifySession(input: Input): Record<string, unknown> {
    const id = String(input.TrafficMirrorSessionId ?? '');
    const session = this.sessionMap.get(id);
    if (!session) return fail('InvalidTrafficMirrorSessionId.NotFound', `The traffic mirror session '${id}' does not exist`);
    const target = input.TrafficMirrorTargetId === undefined ? this.requireTarget(session.targetId) : this.requireTarget(input.TrafficMirrorTargetId);
    const filter = input.TrafficMirrorFilterId === undefined ? this.requireFilter(session.filterId) : this.requireFilter(input.TrafficMirrorFilterId);
    if (target.eniId === session.eniId) fail('InvalidParameterValue', `The network interface ${session.eniId} cannot mirror to itself`);
    if (target.eniId && target.id !== session.targetId) {
      const sources = new Set([...this.sessionMap.values()].filter((s) => s.targetId === target.id).map((s) => s.eniId));
      if (!sources.has(session.eniId) && sources.size >= this.quotas.sourcesPerEniTarget) fail('TrafficMirrorSourcesPerTargetLimitExceeded', `Sources per interface-target limit reached (${sources.size + 1})`);
    }
    if (input.SessionNumber !== undefined) {
      const n = Number(input.SessionNumber);
      if (!Number.isInteger(n) || n < 1 || n > 32766) fail('InvalidParameterValue', `SessionNumber must be from 1 to 32766 (got ${String(input.SessionNumber)})`);
      session.sessionNumber = n;
    }
    if (input.VirtualNetworkId !== undefined) {
      const vni = Number(input.VirtualNetworkId);
      if (!Number.isInteger(vni) || vni < 0 || vni > 16_777_215) fail('InvalidParameterValue', 'VirtualNetworkId must be from 0 to 16777215');
      session.vni = vni;
    }
    session.targetId = target.id;
    session.filterId = filter.id;
    return { TrafficMirrorSession: this.sessionShape(session) };
  }

  private deleteSession(input: Input): Record<string, unknown> {
    const id = String(input.TrafficMirrorSessionId ?? '');
    const session = this.sessionMap.get(id);
    if (!session) return fail('InvalidTrafficMirrorSessionId.NotFound', `The traffic mirror session '${id}' does not exist`);
    this.sessionMap.delete(id);
    this.events.emit('mirrorSessionDeleted', { session: this.sessionShape(session) });
    return { TrafficMirrorSessionId: id };
  }

  private deleteTarget(input: Input): Record<string, unknown> {
    const target = this.requireTarget(input.TrafficMirrorTargetId);
    const users = [...this.sessionMap.values()].filter((s) => s.targetId === target.id);
    if (users.length > 0) fail('TrafficMirrorTargetInUseException', `The traffic mirror target ${target.id} is in use by ${users.map((s) => s.id).join(', ')}`);
    this.targetMap.delete(target.id);
    return { TrafficMirrorTargetId: target.id };
  }

  private deleteFilter(input: Input): Record<string, unknown> {
    const filter = this.requireFilter(input.TrafficMirrorFilterId);
    const users = [...this.sessionMap.values()].filter((s) => s.filterId === filter.id);
    if (users.length > 0) fail('TrafficMirrorFilterInUse', `The traffic mirror filter ${filter.id} is in use by ${users.map((s) => s.id).join(', ')}`);
    this.filterMap.delete(filter.id);
    return { TrafficMirrorFilterId: filter.id };
  }

  /** Whether an address belongs to one of the account's VPC CIDRs (east/west vs north/south). */
  isVpcInternal(ip: string): boolean {
    return [...this.vpcs.values()].some((v) => v.cidrs.some((c) => c.state === 'associated' && cidrContains(c.cidr, ip)));
  }
}

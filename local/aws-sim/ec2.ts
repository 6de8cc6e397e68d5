import type { Instance, NetworkInterface, SecurityGroup, TrafficMirrorFilter, TrafficMirrorSession, TrafficMirrorTarget, Vpc } from '@aws-sdk/client-ec2';
import type { SimClock } from './clock';
import type { AuthCheck } from './ec2/operation';
import { authorizationFor, runOperation } from './ec2/registry';
import { eniShape, filterShape, groupShape, instanceShape, sessionShape, subnetShape, targetShape, vpcShape } from './ec2/shapes';
import { DEFAULT_EC2_QUOTAS, DEFAULT_EC2_TIMINGS, Ec2Store, type Ec2Quotas, type Ec2StoreOptions, type Ec2Timings, type InstanceStateName } from './ec2/state';
import { cidrContains, parseCidr, type SdkTag, type Tags } from './support';

export { DEFAULT_EC2_QUOTAS, DEFAULT_EC2_TIMINGS, type Ec2Events, type Ec2Quotas, type Ec2Timings, type InstanceStateName } from './ec2/state';

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

/**
 * An in-memory EC2 for one region: VPCs, subnets, instances whose state moves pending → running
 * and shutting-down → terminated on the simulated clock, ENIs, security groups, and Traffic
 * Mirroring targets, filters, rules and sessions. It answers with AWS's error codes and enforces
 * AWS's rules and quotas (see local/aws-sim/README.md for the list and where each comes from).
 * It is a simulation for local runs and tests, not AWS.
 *
 * This class is the seeding API (what exists before the product runs) and SDK-shaped views for
 * tests; the state lives in `ec2/state.ts` and each API operation in its module under `ec2/`.
 */
export class SimulatedEc2 {
  readonly store: Ec2Store;

  constructor(clock: SimClock, quotas: Ec2Quotas = DEFAULT_EC2_QUOTAS, timings: Ec2Timings = DEFAULT_EC2_TIMINGS, options: Ec2StoreOptions = { accountId: '000000000000', region: 'us-east-1' }) {
    this.store = new Ec2Store(clock, quotas, timings, options);
    clock.onAdvance(() => this.store.tick());
  }

  get events() {
    return this.store.events;
  }

  get quotas(): Ec2Quotas {
    return this.store.quotas;
  }

  get timings(): Ec2Timings {
    return this.store.timings;
  }

  // ---- the API ----

  handle(operation: string, input: Record<string, unknown>): Record<string, unknown> {
    this.store.tick();
    this.store.callCount += 1;
    return runOperation(this.store, operation, input);
  }

  /** What IAM evaluates before the call runs (see aws-sim/iam.ts). */
  authorization(operation: string, input: Record<string, unknown>): AuthCheck[] {
    return authorizationFor(this.store, operation, input);
  }

  // ---- seeding (what exists before the product runs; not part of the API) ----

  createVpc(input: { cidrBlocks: string[]; vpcId?: string; disassociatedCidrBlocks?: string[]; ipv6CidrBlocks?: string[]; tags?: Tags }): string {
    const s = this.store;
    if (input.cidrBlocks.length === 0) throw new Error('a VPC needs at least one CIDR block');
    for (const cidr of [...input.cidrBlocks, ...(input.disassociatedCidrBlocks ?? [])]) {
      if (!parseCidr(cidr)) throw new Error(`"${cidr}" is not an IPv4 CIDR block`);
    }
    const id = input.vpcId ?? s.ids.next('vpc');
    if (input.vpcId) s.ids.reserve(id);
    s.vpcs.set(id, {
      id,
      cidrs: [
        ...input.cidrBlocks.map((cidr) => ({ cidr, associationId: s.ids.next('vpc-cidr-assoc'), state: 'associated' as const })),
        ...(input.disassociatedCidrBlocks ?? []).map((cidr) => ({ cidr, associationId: s.ids.next('vpc-cidr-assoc'), state: 'disassociated' as const })),
      ],
      ipv6Cidrs: input.ipv6CidrBlocks ?? [],
      tags: input.tags ?? {},
    });
    const sg = s.ids.next('sg');
    s.groups.set(sg, { id: sg, name: 'default', description: 'default VPC security group', vpcId: id, tags: {}, ingress: [], isDefault: true });
    return id;
  }

  createSubnet(input: { vpcId: string; cidrBlock: string; availabilityZone: string; subnetId?: string; tags?: Tags; mapPublicIpOnLaunch?: boolean }): string {
    const s = this.store;
    const vpc = s.vpcs.get(input.vpcId);
    if (!vpc) throw new Error(`no VPC ${input.vpcId} in the simulated account`);
    const parsed = parseCidr(input.cidrBlock);
    if (!parsed) throw new Error(`"${input.cidrBlock}" is not an IPv4 CIDR block`);
    const id = input.subnetId ?? s.ids.next('subnet');
    if (input.subnetId) s.ids.reserve(id);
    // AWS keeps the first four addresses of a subnet for itself.
    s.subnets.set(id, { id, vpcId: vpc.id, cidr: input.cidrBlock, az: input.availabilityZone, nextHost: parsed.base + 4, tags: input.tags ?? {}, mapPublicIpOnLaunch: input.mapPublicIpOnLaunch ?? false });
    return id;
  }

  /** A subnet that gives launched instances a public address by default (a "public subnet"). */
  setMapPublicIpOnLaunch(subnetId: string, value: boolean): void {
    const subnet = this.store.subnets.get(subnetId);
    if (!subnet) throw new Error(`no subnet ${subnetId} in the simulated account`);
    subnet.mapPublicIpOnLaunch = value;
  }

  registerImage(imageId: string): void {
    this.store.images.add(imageId);
  }

  /** An instance profile and the role it holds, so RunInstances can be checked for iam:PassRole. */
  registerInstanceProfile(profileArn: string, roleArn: string): void {
    this.store.instanceProfileRoles.set(profileArn, roleArn);
  }

  seedInstance(input: SeedInstance): { instanceId: string; networkInterfaceIds: string[]; privateIps: string[] } {
    const s = this.store;
    const subnet = s.subnets.get(input.subnetId);
    if (!subnet) throw new Error(`no subnet ${input.subnetId} in the simulated account`);
    const instanceId = input.instanceId ?? s.ids.next('i');
    if (input.instanceId) s.ids.reserve(instanceId);
    const count = Math.max(1 + (input.extraNetworkInterfaces ?? 0), input.networkInterfaceIds?.length ?? 0, input.privateIps?.length ?? 0);
    const defaultGroup = [...s.groups.values()].find((g) => g.vpcId === subnet.vpcId && g.isDefault);
    const eniIds: string[] = [];
    for (let index = 0; index < count; index += 1) {
      const given = input.networkInterfaceIds?.[index];
      const eniId = given ?? s.ids.next('eni');
      if (given) s.ids.reserve(given);
      s.enis.set(eniId, {
        id: eniId,
        subnetId: subnet.id,
        vpcId: subnet.vpcId,
        az: subnet.az,
        privateIps: [input.privateIps?.[index] ?? s.allocateIp(subnet)],
        interfaceType: input.interfaceTypes?.[index] ?? 'interface',
        attachment: { instanceId, deviceIndex: index, attachmentId: s.ids.next('eni-attach'), deleteOnTermination: index === 0 },
        groupIds: defaultGroup ? [defaultGroup.id] : [],
        tags: {},
        description: index === 0 ? 'Primary network interface' : '',
      });
      eniIds.push(eniId);
    }
    const state = input.state ?? 'running';
    s.instances.set(instanceId, {
      id: instanceId,
      type: input.instanceType,
      imageId: input.imageId ?? 'ami-0123456789abcdef0',
      state,
      transitionAt: state === 'pending' ? s.clock.now().getTime() + s.timings.bootSeconds * 1000 : undefined,
      subnetId: subnet.id,
      vpcId: subnet.vpcId,
      az: subnet.az,
      eniIds,
      tags: { ...(input.tags ?? {}) },
      reservationId: s.ids.next('r'),
      launchTime: s.clock.now(),
      securityGroupIds: defaultGroup ? [defaultGroup.id] : [],
      shutdownBehavior: 'stop',
    });
    return { instanceId, networkInterfaceIds: eniIds, privateIps: eniIds.map((id) => s.enis.get(id)?.privateIps[0] ?? '') };
  }

  /** Moves a seeded instance to a state directly (a user stopping it in the console, say). */
  setInstanceState(instanceId: string, state: InstanceStateName): void {
    const instance = this.store.instances.get(instanceId);
    if (!instance) throw new Error(`no instance ${instanceId}`);
    this.store.transition(instance, state);
  }

  // ---- views for tests and the demo (SDK-shaped) ----

  instances(): Array<Instance & { UserData?: string }> {
    this.store.tick();
    return [...this.store.instances.values()].map((i) => ({ ...instanceShape(this.store, i), UserData: i.userData }));
  }

  networkInterfaces(): NetworkInterface[] {
    return [...this.store.enis.values()].map((e) => eniShape(this.store, e));
  }

  sessions(): TrafficMirrorSession[] {
    return [...this.store.sessions.values()].map((s) => sessionShape(this.store, s));
  }

  targets(): TrafficMirrorTarget[] {
    return [...this.store.targets.values()].map((t) => targetShape(this.store, t));
  }

  filters(): TrafficMirrorFilter[] {
    return [...this.store.filters.values()].map(filterShape);
  }

  securityGroups(): Array<SecurityGroup & { isDefault: boolean }> {
    return [...this.store.groups.values()].map((g) => ({ ...groupShape(this.store, g), isDefault: g.isDefault }));
  }

  vpcList(): Vpc[] {
    return [...this.store.vpcs.values()].map((v) => vpcShape(this.store, v));
  }

  subnetList(): Array<{ SubnetId: string; VpcId: string; CidrBlock: string; AvailabilityZone: string; Tags: SdkTag[] }> {
    return [...this.store.subnets.values()].map(subnetShape);
  }

  /** Whether an address belongs to one of the account's VPC CIDRs (east/west vs north/south). */
  isVpcInternal(ip: string): boolean {
    return [...this.store.vpcs.values()].some((v) => v.cidrs.some((c) => c.state === 'associated' && cidrContains(c.cidr, ip)));
  }
}

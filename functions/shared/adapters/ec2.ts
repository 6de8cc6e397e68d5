import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateTrafficMirrorFilterCommand,
  CreateTrafficMirrorFilterRuleCommand,
  CreateTrafficMirrorSessionCommand,
  CreateTrafficMirrorTargetCommand,
  DeleteSecurityGroupCommand,
  DeleteTrafficMirrorFilterCommand,
  DeleteTrafficMirrorSessionCommand,
  DeleteTrafficMirrorTargetCommand,
  DescribeNetworkInterfacesCommand,
  DescribeVpcsCommand,
  ModifyTrafficMirrorFilterNetworkServicesCommand,
  ModifyTrafficMirrorSessionCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  paginateDescribeInstances,
  paginateDescribeSecurityGroups,
  paginateDescribeTrafficMirrorFilters,
  paginateDescribeTrafficMirrorSessions,
  paginateDescribeTrafficMirrorTargets,
  type EC2Client,
  type Filter,
  type Instance,
  type TrafficMirrorFilterRule,
} from '@aws-sdk/client-ec2';
import { AwsCallError, MirrorSessionError, TargetNotFoundError, UnexpectedAwsResponseError } from '../errors';
import type { FilterRuleSpec, VpcCidrs } from '../domain/filter-rules';
import type { FilterRuleView, InstanceView, TaggedSession } from '../domain/target';
import { TAG_INCIDENT, TAG_MANAGED, TAG_STACK, isManagedByUs, type Tag } from '../tags';
import { isAwsError, translateAwsError } from './aws-errors';

const NOT_FOUND_INSTANCE = ['InvalidInstanceID.NotFound', 'InvalidInstanceID.Malformed'];
const NOT_FOUND_ENI = ['InvalidNetworkInterfaceID.NotFound', 'InvalidNetworkInterfaceID.Malformed'];

async function call<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw translateAwsError(error, action);
  }
}

function toInstanceView(instance: Instance): InstanceView {
  return {
    instanceId: instance.InstanceId ?? '',
    instanceType: instance.InstanceType ?? '',
    state: instance.State?.Name ?? 'unknown',
    vpcId: instance.VpcId ?? '',
    subnetId: instance.SubnetId ?? '',
    availabilityZone: instance.Placement?.AvailabilityZone ?? '',
    launchTime: instance.LaunchTime?.toISOString(),
    tags: Object.fromEntries((instance.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
    networkInterfaces: (instance.NetworkInterfaces ?? []).map((eni) => ({
      networkInterfaceId: eni.NetworkInterfaceId ?? '',
      interfaceType: eni.InterfaceType ?? 'interface',
      deviceIndex: eni.Attachment?.DeviceIndex ?? 0,
      subnetId: eni.SubnetId ?? '',
      vpcId: eni.VpcId ?? '',
      privateIps: (eni.PrivateIpAddresses ?? []).map((p) => p.PrivateIpAddress).filter((ip): ip is string => !!ip),
      ipv6Ips: (eni.Ipv6Addresses ?? []).map((p) => p.Ipv6Address).filter((ip): ip is string => !!ip),
    })),
  };
}

async function describeInstances(ec2: EC2Client, input: { InstanceIds?: string[]; Filters?: Filter[] }): Promise<Instance[]> {
  const instances: Instance[] = [];
  for await (const page of paginateDescribeInstances({ client: ec2 }, input)) {
    for (const reservation of page.Reservations ?? []) instances.push(...(reservation.Instances ?? []));
  }
  return instances;
}

export async function describeInstance(ec2: EC2Client, instanceId: string): Promise<InstanceView> {
  try {
    const [instance] = await describeInstances(ec2, { InstanceIds: [instanceId] });
    if (!instance) throw new TargetNotFoundError(`instance ${instanceId} was not found in this account and region`);
    return toInstanceView(instance);
  } catch (error) {
    if (isAwsError(error, ...NOT_FOUND_INSTANCE)) {
      throw new TargetNotFoundError(`instance ${instanceId} was not found in this account and region`, { cause: error });
    }
    if (error instanceof TargetNotFoundError) throw error;
    throw translateAwsError(error, 'DescribeInstances');
  }
}

/** The instance an ENI is attached to, for investigations that name an ENI. */
export async function instanceIdForNetworkInterface(ec2: EC2Client, networkInterfaceId: string): Promise<string> {
  try {
    const out = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [networkInterfaceId] }));
    const instanceId = out.NetworkInterfaces?.[0]?.Attachment?.InstanceId;
    if (!instanceId) throw new TargetNotFoundError(`network interface ${networkInterfaceId} is not attached to an EC2 instance`);
    return instanceId;
  } catch (error) {
    if (isAwsError(error, ...NOT_FOUND_ENI)) {
      throw new TargetNotFoundError(`network interface ${networkInterfaceId} was not found`, { cause: error });
    }
    if (error instanceof TargetNotFoundError) throw error;
    throw translateAwsError(error, 'DescribeNetworkInterfaces');
  }
}

/** Every *associated* CIDR of the VPC: disassociated or failed ones carry no traffic. */
export async function describeVpcCidrs(ec2: EC2Client, vpcId: string): Promise<VpcCidrs> {
  const out = await call('DescribeVpcs', () => ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] })));
  const vpc = out.Vpcs?.[0];
  if (!vpc) throw new TargetNotFoundError(`VPC ${vpcId} was not found`);
  const ipv4 = (vpc.CidrBlockAssociationSet ?? [])
    .filter((a) => a.CidrBlockState?.State === 'associated')
    .map((a) => a.CidrBlock)
    .filter((c): c is string => !!c);
  const ipv6 = (vpc.Ipv6CidrBlockAssociationSet ?? [])
    .filter((a) => a.Ipv6CidrBlockState?.State === 'associated')
    .map((a) => a.Ipv6CidrBlock)
    .filter((c): c is string => !!c);
  return { ipv4: ipv4.length > 0 ? ipv4 : vpc.CidrBlock ? [vpc.CidrBlock] : [], ipv6 };
}

export async function mirrorTargetNetworkInterfaces(ec2: EC2Client, networkInterfaceIds: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  if (networkInterfaceIds.length === 0) return found;
  await call('DescribeTrafficMirrorTargets', async () => {
    const pages = paginateDescribeTrafficMirrorTargets(
      { client: ec2 },
      { Filters: [{ Name: 'network-interface-id', Values: networkInterfaceIds }] },
    );
    for await (const page of pages) {
      for (const target of page.TrafficMirrorTargets ?? []) if (target.NetworkInterfaceId) found.add(target.NetworkInterfaceId);
    }
  });
  return found;
}

function toRuleView(rule: TrafficMirrorFilterRule): FilterRuleView {
  return {
    action: rule.RuleAction === 'accept' ? 'accept' : 'reject',
    sourceCidrBlock: rule.SourceCidrBlock ?? '',
    destinationCidrBlock: rule.DestinationCidrBlock ?? '',
    protocol: rule.Protocol,
    hasPortRange: !!rule.SourcePortRange || !!rule.DestinationPortRange,
    ruleNumber: rule.RuleNumber ?? 0,
  };
}

/** Sessions matching the filters (all of them without), each with its filter's rules and its tags. */
async function describeSessions(ec2: EC2Client, filters: Filter[] | undefined): Promise<TaggedSession[]> {
  return call('DescribeTrafficMirrorSessions', async () => {
    const sessions = [];
    const pages = paginateDescribeTrafficMirrorSessions({ client: ec2 }, filters ? { Filters: filters } : {});
    for await (const page of pages) sessions.push(...(page.TrafficMirrorSessions ?? []));
    const filterIds = [...new Set(sessions.map((s) => s.TrafficMirrorFilterId).filter((id): id is string => !!id))];
    const rulesByFilter = new Map<string, { ingress: FilterRuleView[]; egress: FilterRuleView[] }>();
    if (filterIds.length > 0) {
      for await (const page of paginateDescribeTrafficMirrorFilters({ client: ec2 }, { TrafficMirrorFilterIds: filterIds })) {
        for (const filter of page.TrafficMirrorFilters ?? []) {
          rulesByFilter.set(filter.TrafficMirrorFilterId ?? '', {
            ingress: (filter.IngressFilterRules ?? []).map(toRuleView),
            egress: (filter.EgressFilterRules ?? []).map(toRuleView),
          });
        }
      }
    }
    return sessions.map((s) => ({
      sessionId: s.TrafficMirrorSessionId ?? '',
      networkInterfaceId: s.NetworkInterfaceId ?? '',
      sessionNumber: s.SessionNumber ?? 0,
      targetId: s.TrafficMirrorTargetId,
      filterId: s.TrafficMirrorFilterId,
      tags: Object.fromEntries((s.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
      ingressRules: rulesByFilter.get(s.TrafficMirrorFilterId ?? '')?.ingress ?? [],
      egressRules: rulesByFilter.get(s.TrafficMirrorFilterId ?? '')?.egress ?? [],
    }));
  });
}

/** Sessions already on these ENIs, with their filters' rules so we can tell if they would shadow ours. */
export async function existingSessions(ec2: EC2Client, networkInterfaceIds: string[]): Promise<TaggedSession[]> {
  if (networkInterfaceIds.length === 0) return [];
  return describeSessions(ec2, [{ Name: 'network-interface-id', Values: networkInterfaceIds }]);
}

/** Every mirror session in the account and region, ours and others', with tags: what the reconciler compares. */
export async function listMirrorSessions(ec2: EC2Client): Promise<TaggedSession[]> {
  return describeSessions(ec2, undefined);
}

/** Every ENI in the region that is itself a mirror target (it cannot be a source). */
export async function listMirrorTargetNetworkInterfaces(ec2: EC2Client): Promise<Set<string>> {
  const found = new Set<string>();
  await call('DescribeTrafficMirrorTargets', async () => {
    for await (const page of paginateDescribeTrafficMirrorTargets({ client: ec2 }, {})) {
      for (const target of page.TrafficMirrorTargets ?? []) if (target.NetworkInterfaceId) found.add(target.NetworkInterfaceId);
    }
  });
  return found;
}

/**
 * Instances page by page (the SDK paginator follows NextToken), so a caller can report progress
 * and pace its own calls between pages instead of holding the whole account in memory first.
 */
export async function* instancePages(ec2: EC2Client, input: { states: string[]; vpcIds?: string[]; pageSize?: number }): AsyncGenerator<InstanceView[]> {
  const filters: Filter[] = [{ Name: 'instance-state-name', Values: input.states }];
  if (input.vpcIds && input.vpcIds.length > 0) filters.push({ Name: 'vpc-id', Values: input.vpcIds });
  const pages = paginateDescribeInstances({ client: ec2, pageSize: input.pageSize ?? 200 }, { Filters: filters });
  try {
    for await (const page of pages) {
      yield (page.Reservations ?? []).flatMap((r) => r.Instances ?? []).map(toInstanceView);
    }
  } catch (error) {
    throw translateAwsError(error, 'DescribeInstances');
  }
}

/** Points an existing session at another target and filter, keeping its number (its priority on the ENI). */
export async function repointMirrorSession(ec2: EC2Client, input: { sessionId: string; targetId: string; filterId: string }): Promise<void> {
  await call(`ModifyTrafficMirrorSession ${input.sessionId}`, () =>
    ec2.send(
      new ModifyTrafficMirrorSessionCommand({
        TrafficMirrorSessionId: input.sessionId,
        TrafficMirrorTargetId: input.targetId,
        TrafficMirrorFilterId: input.filterId,
      }),
    ),
  );
}

function tagSpec(resourceType: string, tags: Tag[]) {
  return [{ ResourceType: resourceType as never, Tags: tags }];
}

/**
 * The sensor's security group: UDP 4789 from the VPC's CIDRs only. Safe to call again after a
 * failure half-way (the state machine retries the step): a group of the same name that already
 * carries this incident's tags is reused, and a rule that already exists is not an error.
 */
export async function createSensorSecurityGroup(
  ec2: EC2Client,
  input: { vpcId: string; incidentId: string; stack: string; cidrs: VpcCidrs; tags: Tag[] },
): Promise<string> {
  // Group names are unique per VPC: two stages investigating the same finding each get their own.
  const groupName = `${input.stack}-sensor-${input.incidentId}`.slice(0, 255);
  let groupId: string | undefined;
  try {
    const group = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: groupName,
        Description: 'mirrorhunt incident sensor: VXLAN (UDP 4789) from the VPC only',
        VpcId: input.vpcId,
        TagSpecifications: tagSpec('security-group', input.tags),
      }),
    );
    groupId = group.GroupId;
  } catch (error) {
    if (!isAwsError(error, 'InvalidGroup.Duplicate')) throw translateAwsError(error, 'CreateSecurityGroup');
    groupId = await existingIncidentGroup(ec2, input.vpcId, groupName, input.incidentId, input.stack);
    if (!groupId) throw translateAwsError(error, 'CreateSecurityGroup (a group of that name exists and is not this incident\'s)');
  }
  if (!groupId) throw new UnexpectedAwsResponseError('CreateSecurityGroup returned no group id');
  const id = groupId;
  try {
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: id,
        IpPermissions: [
          {
            IpProtocol: 'udp',
            FromPort: 4789,
            ToPort: 4789,
            IpRanges: input.cidrs.ipv4.map((cidr) => ({ CidrIp: cidr, Description: 'mirrored traffic (VXLAN)' })),
            Ipv6Ranges: input.cidrs.ipv6.map((cidr) => ({ CidrIpv6: cidr, Description: 'mirrored traffic (VXLAN)' })),
          },
        ],
      }),
    );
  } catch (error) {
    // A retried launch finds its rule already there: the group is as it should be.
    if (!isAwsError(error, 'InvalidPermission.Duplicate')) throw translateAwsError(error, 'AuthorizeSecurityGroupIngress');
  }
  return id;
}

/** The group a previous attempt of this incident created, found by name and checked by our tags. */
async function existingIncidentGroup(ec2: EC2Client, vpcId: string, groupName: string, incidentId: string, stack: string): Promise<string | undefined> {
  return call('DescribeSecurityGroups', async () => {
    const filters: Filter[] = [
      { Name: 'vpc-id', Values: [vpcId] },
      { Name: 'group-name', Values: [groupName] },
    ];
    for await (const page of paginateDescribeSecurityGroups({ client: ec2 }, { Filters: filters })) {
      for (const group of page.SecurityGroups ?? []) {
        if (group.GroupId && isManagedByUs(group.Tags, stack) && group.Tags?.some((t) => t.Key === TAG_INCIDENT && t.Value === incidentId)) return group.GroupId;
      }
    }
    return undefined;
  });
}

export interface SensorLaunch {
  imageId: string;
  instanceType: string;
  subnetId: string;
  securityGroupId: string;
  instanceProfileArn?: string;
  userData: string;
  clientToken: string;
  tags: Tag[];
}

export async function runSensorInstance(ec2: EC2Client, launch: SensorLaunch): Promise<{ instanceId: string; networkInterfaceId?: string }> {
  const out = await call('RunInstances', () =>
    ec2.send(
      new RunInstancesCommand({
        ImageId: launch.imageId,
        InstanceType: launch.instanceType as never,
        MinCount: 1,
        MaxCount: 1,
        // The interface is spelled out so the sensor never gets a public address, even in a
        // subnet that hands them out by default: it only receives VXLAN and writes to S3.
        NetworkInterfaces: [
          { DeviceIndex: 0, SubnetId: launch.subnetId, Groups: [launch.securityGroupId], AssociatePublicIpAddress: false, DeleteOnTermination: true },
        ],
        IamInstanceProfile: launch.instanceProfileArn ? { Arn: launch.instanceProfileArn } : undefined,
        MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1 },
        UserData: Buffer.from(launch.userData, 'utf8').toString('base64'),
        ClientToken: launch.clientToken,
        InstanceInitiatedShutdownBehavior: 'terminate',
        TagSpecifications: [...tagSpec('instance', launch.tags), ...tagSpec('volume', launch.tags), ...tagSpec('network-interface', launch.tags)],
      }),
    ),
  );
  const instance = out.Instances?.[0];
  if (!instance?.InstanceId) throw new UnexpectedAwsResponseError('RunInstances returned no instance');
  return { instanceId: instance.InstanceId, networkInterfaceId: instance.NetworkInterfaces?.[0]?.NetworkInterfaceId };
}

export async function describeSensor(ec2: EC2Client, instanceId: string): Promise<InstanceView | undefined> {
  try {
    const [instance] = await describeInstances(ec2, { InstanceIds: [instanceId] });
    return instance ? toInstanceView(instance) : undefined;
  } catch (error) {
    // A just-launched instance can be briefly invisible to Describe (eventual consistency).
    if (isAwsError(error, 'InvalidInstanceID.NotFound')) return undefined;
    throw translateAwsError(error, 'DescribeInstances');
  }
}

export async function createMirrorTarget(ec2: EC2Client, input: { networkInterfaceId: string; clientToken: string; tags: Tag[] }): Promise<string> {
  const out = await call('CreateTrafficMirrorTarget', () =>
    ec2.send(
      new CreateTrafficMirrorTargetCommand({
        NetworkInterfaceId: input.networkInterfaceId,
        Description: 'mirrorhunt incident sensor',
        ClientToken: input.clientToken,
        TagSpecifications: tagSpec('traffic-mirror-target', input.tags),
      }),
    ),
  );
  const id = out.TrafficMirrorTarget?.TrafficMirrorTargetId;
  if (!id) throw new UnexpectedAwsResponseError('CreateTrafficMirrorTarget returned no id');
  return id;
}

export async function createEastWestFilter(
  ec2: EC2Client,
  input: { rules: FilterRuleSpec[]; clientToken: string; tags: Tag[] },
): Promise<{ filterId: string; ruleIds: string[] }> {
  const out = await call('CreateTrafficMirrorFilter', () =>
    ec2.send(
      new CreateTrafficMirrorFilterCommand({
        Description: 'mirrorhunt: drop east/west, keep north/south and Amazon DNS',
        ClientToken: input.clientToken,
        TagSpecifications: tagSpec('traffic-mirror-filter', input.tags),
      }),
    ),
  );
  const filterId = out.TrafficMirrorFilter?.TrafficMirrorFilterId;
  if (!filterId) throw new UnexpectedAwsResponseError('CreateTrafficMirrorFilter returned no id');
  // The VPC resolver sits inside the VPC CIDR, so the reject rules would hide DNS without this.
  await call('ModifyTrafficMirrorFilterNetworkServices', () =>
    ec2.send(new ModifyTrafficMirrorFilterNetworkServicesCommand({ TrafficMirrorFilterId: filterId, AddNetworkServices: ['amazon-dns'] })),
  );
  const ruleIds: string[] = [];
  for (const rule of input.rules) {
    const created = await call('CreateTrafficMirrorFilterRule', () =>
      ec2.send(
        new CreateTrafficMirrorFilterRuleCommand({
          TrafficMirrorFilterId: filterId,
          TrafficDirection: rule.direction,
          RuleNumber: rule.ruleNumber,
          RuleAction: rule.action,
          SourceCidrBlock: rule.sourceCidrBlock,
          DestinationCidrBlock: rule.destinationCidrBlock,
          Description: rule.description,
          ClientToken: `${input.clientToken.slice(0, 48)}-${rule.direction}-${rule.ruleNumber}`,
        }),
      ),
    );
    if (created.TrafficMirrorFilterRule?.TrafficMirrorFilterRuleId) ruleIds.push(created.TrafficMirrorFilterRule.TrafficMirrorFilterRuleId);
  }
  return { filterId, ruleIds };
}

export async function createMirrorSession(
  ec2: EC2Client,
  input: { networkInterfaceId: string; targetId: string; filterId: string; sessionNumber: number; vni?: number; clientToken: string; tags: Tag[]; description?: string },
): Promise<string> {
  try {
    const out = await ec2.send(
      new CreateTrafficMirrorSessionCommand({
        NetworkInterfaceId: input.networkInterfaceId,
        TrafficMirrorTargetId: input.targetId,
        TrafficMirrorFilterId: input.filterId,
        SessionNumber: input.sessionNumber,
        VirtualNetworkId: input.vni,
        Description: input.description ?? 'mirrorhunt incident capture',
        ClientToken: input.clientToken,
        TagSpecifications: tagSpec('traffic-mirror-session', input.tags),
      }),
    );
    const id = out.TrafficMirrorSession?.TrafficMirrorSessionId;
    if (!id) throw new UnexpectedAwsResponseError('CreateTrafficMirrorSession returned no id');
    return id;
  } catch (error) {
    if (error instanceof UnexpectedAwsResponseError) throw error;
    const translated = translateAwsError(error, `CreateTrafficMirrorSession on ${input.networkInterfaceId}`);
    // Quota and instance-type refusals are AWS's final word on mirroring this ENI: report them as such.
    if (translated instanceof AwsCallError) throw new MirrorSessionError(translated.message, { cause: error });
    throw translated;
  }
}

export interface IncidentResources {
  sessionIds: string[];
  targetIds: string[];
  filterIds: string[];
  instanceIds: string[];
  securityGroupIds: string[];
}

/**
 * Everything of this deployment (managed and stack tags) carrying this incident's tag. Teardown
 * works from this, not from ids in the execution state, so a step that failed half-way leaves
 * nothing unnamed. AWS documents no tag filters for the Traffic Mirror Describe calls, so those
 * list everything and the tags are checked here; instances and groups are filtered by tag in AWS
 * and checked here again.
 */
export async function findIncidentResources(ec2: EC2Client, incidentId: string, stack: string): Promise<IncidentResources> {
  const filters: Filter[] = [
    { Name: `tag:${TAG_INCIDENT}`, Values: [incidentId] },
    { Name: `tag:${TAG_MANAGED}`, Values: ['true'] },
    { Name: `tag:${TAG_STACK}`, Values: [stack] },
  ];
  const mine = (tags: Array<{ Key?: string; Value?: string }> | undefined): boolean =>
    isManagedByUs(tags, stack) && (tags ?? []).some((t) => t.Key === TAG_INCIDENT && t.Value === incidentId);
  const result: IncidentResources = { sessionIds: [], targetIds: [], filterIds: [], instanceIds: [], securityGroupIds: [] };
  await call('DescribeTrafficMirrorSessions', async () => {
    for await (const page of paginateDescribeTrafficMirrorSessions({ client: ec2 }, {})) {
      for (const s of page.TrafficMirrorSessions ?? []) if (s.TrafficMirrorSessionId && mine(s.Tags)) result.sessionIds.push(s.TrafficMirrorSessionId);
    }
  });
  await call('DescribeTrafficMirrorTargets', async () => {
    for await (const page of paginateDescribeTrafficMirrorTargets({ client: ec2 }, {})) {
      for (const t of page.TrafficMirrorTargets ?? []) if (t.TrafficMirrorTargetId && mine(t.Tags)) result.targetIds.push(t.TrafficMirrorTargetId);
    }
  });
  await call('DescribeTrafficMirrorFilters', async () => {
    for await (const page of paginateDescribeTrafficMirrorFilters({ client: ec2 }, {})) {
      for (const f of page.TrafficMirrorFilters ?? []) if (f.TrafficMirrorFilterId && mine(f.Tags)) result.filterIds.push(f.TrafficMirrorFilterId);
    }
  });
  await call('DescribeInstances', async () => {
    const instances = await describeInstances(ec2, {
      Filters: [...filters, { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'] }],
    });
    for (const i of instances) if (i.InstanceId && mine(i.Tags)) result.instanceIds.push(i.InstanceId);
  });
  await call('DescribeSecurityGroups', async () => {
    for await (const page of paginateDescribeSecurityGroups({ client: ec2 }, { Filters: filters })) {
      for (const g of page.SecurityGroups ?? []) if (g.GroupId && mine(g.Tags)) result.securityGroupIds.push(g.GroupId);
    }
  });
  return result;
}

export type DeleteOutcome = 'deleted' | 'already-gone' | 'terminating' | 'in-use';

/** Deletes are idempotent: a resource that is already gone is the outcome we wanted. */
async function deleteTolerant(action: string, notFound: string[], inUse: string[], fn: () => Promise<unknown>): Promise<DeleteOutcome> {
  try {
    await fn();
    return 'deleted';
  } catch (error) {
    if (isAwsError(error, ...notFound)) return 'already-gone';
    if (isAwsError(error, ...inUse)) return 'in-use';
    throw translateAwsError(error, action);
  }
}

export const deleteMirrorSession = (ec2: EC2Client, id: string) =>
  deleteTolerant('DeleteTrafficMirrorSession', ['InvalidTrafficMirrorSessionId.NotFound'], [], () =>
    ec2.send(new DeleteTrafficMirrorSessionCommand({ TrafficMirrorSessionId: id })),
  );

export const deleteMirrorTarget = (ec2: EC2Client, id: string) =>
  deleteTolerant('DeleteTrafficMirrorTarget', ['InvalidTrafficMirrorTargetId.NotFound'], ['TrafficMirrorTargetInUseException', 'TrafficMirrorTargetInUse'], () =>
    ec2.send(new DeleteTrafficMirrorTargetCommand({ TrafficMirrorTargetId: id })),
  );

export const deleteMirrorFilter = (ec2: EC2Client, id: string) =>
  deleteTolerant('DeleteTrafficMirrorFilter', ['InvalidTrafficMirrorFilterId.NotFound'], ['TrafficMirrorFilterInUse', 'TrafficMirrorFilterInUseException'], () =>
    ec2.send(new DeleteTrafficMirrorFilterCommand({ TrafficMirrorFilterId: id })),
  );

export const terminateInstance = (ec2: EC2Client, id: string) =>
  deleteTolerant('TerminateInstances', ['InvalidInstanceID.NotFound'], [], () => ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] })));

export const deleteSecurityGroup = (ec2: EC2Client, id: string) =>
  deleteTolerant('DeleteSecurityGroup', ['InvalidGroup.NotFound'], ['DependencyViolation'], () =>
    ec2.send(new DeleteSecurityGroupCommand({ GroupId: id })),
  );

export interface ManagedResource {
  type: 'mirror-session' | 'mirror-target' | 'mirror-filter' | 'sensor-instance' | 'security-group';
  id: string;
  incidentId?: string;
  sourceInstanceId?: string;
}

function tagValue(tags: ReadonlyArray<{ Key?: string; Value?: string }> | undefined, key: string): string | undefined {
  return (tags ?? []).find((t) => t.Key === key)?.Value;
}

/**
 * Every live resource of this deployment (managed and stack tags), across incidents: what the
 * sweeper inspects. Another stage's resources in the same account are not listed.
 */
export async function findManagedResources(ec2: EC2Client, stack: string): Promise<ManagedResource[]> {
  const filters: Filter[] = [
    { Name: `tag:${TAG_MANAGED}`, Values: ['true'] },
    { Name: `tag:${TAG_STACK}`, Values: [stack] },
  ];
  const out: ManagedResource[] = [];
  const add = (type: ManagedResource['type'], id: string | undefined, tags: Array<{ Key?: string; Value?: string }> | undefined) => {
    if (!id || !isManagedByUs(tags, stack)) return;
    out.push({ type, id, incidentId: tagValue(tags, TAG_INCIDENT), sourceInstanceId: tagValue(tags, 'mirrorhunt:source-instance') });
  };
  await call('DescribeTrafficMirrorSessions', async () => {
    for await (const page of paginateDescribeTrafficMirrorSessions({ client: ec2 }, {})) {
      for (const s of page.TrafficMirrorSessions ?? []) add('mirror-session', s.TrafficMirrorSessionId, s.Tags);
    }
  });
  await call('DescribeTrafficMirrorTargets', async () => {
    for await (const page of paginateDescribeTrafficMirrorTargets({ client: ec2 }, {})) {
      for (const t of page.TrafficMirrorTargets ?? []) add('mirror-target', t.TrafficMirrorTargetId, t.Tags);
    }
  });
  await call('DescribeTrafficMirrorFilters', async () => {
    for await (const page of paginateDescribeTrafficMirrorFilters({ client: ec2 }, {})) {
      for (const f of page.TrafficMirrorFilters ?? []) add('mirror-filter', f.TrafficMirrorFilterId, f.Tags);
    }
  });
  await call('DescribeInstances', async () => {
    const instances = await describeInstances(ec2, {
      Filters: [...filters, { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'] }],
    });
    for (const i of instances) add('sensor-instance', i.InstanceId, i.Tags);
  });
  await call('DescribeSecurityGroups', async () => {
    for await (const page of paginateDescribeSecurityGroups({ client: ec2 }, { Filters: filters })) {
      for (const g of page.SecurityGroups ?? []) add('security-group', g.GroupId, g.Tags);
    }
  });
  return out;
}

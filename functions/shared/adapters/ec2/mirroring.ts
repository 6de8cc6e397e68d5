import {
  CreateTrafficMirrorFilterCommand,
  CreateTrafficMirrorFilterRuleCommand,
  CreateTrafficMirrorSessionCommand,
  CreateTrafficMirrorTargetCommand,
  DeleteTrafficMirrorFilterCommand,
  DeleteTrafficMirrorSessionCommand,
  DeleteTrafficMirrorTargetCommand,
  ModifyTrafficMirrorFilterNetworkServicesCommand,
  ModifyTrafficMirrorSessionCommand,
  paginateDescribeTrafficMirrorFilters,
  paginateDescribeTrafficMirrorSessions,
  paginateDescribeTrafficMirrorTargets,
  type EC2Client,
  type Filter,
  type TrafficMirrorFilterRule,
} from '@aws-sdk/client-ec2';
import { AwsCallError, MirrorSessionError, UnexpectedAwsResponseError } from '../../errors';
import { filterRuleToken, type FilterRuleSpec } from '../../domain/filter-rules';
import type { FilterRuleView, TaggedSession } from '../../domain/target';
import type { Tag } from '../../tags';
import { ec2Call, ec2Delete, tagMap, tagSpec, type ConsistencyWait } from './call';

/** NotFound answers for a filter or target created moments before by the same step (eventual consistency). */
const FILTER_NOT_VISIBLE = ['InvalidTrafficMirrorFilterId.NotFound'];
const SESSION_PARTS_NOT_VISIBLE = ['InvalidTrafficMirrorFilterId.NotFound', 'InvalidTrafficMirrorTargetId.NotFound'];

/** Which of these ENIs (all of them when none are named) are themselves mirror targets: those cannot be sources. */
export async function mirrorTargetNetworkInterfaces(ec2: EC2Client, networkInterfaceIds?: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  if (networkInterfaceIds && networkInterfaceIds.length === 0) return found;
  const input = networkInterfaceIds ? { Filters: [{ Name: 'network-interface-id', Values: networkInterfaceIds }] } : {};
  await ec2Call('DescribeTrafficMirrorTargets', async () => {
    for await (const page of paginateDescribeTrafficMirrorTargets({ client: ec2 }, input)) {
      for (const target of page.TrafficMirrorTargets ?? []) if (target.NetworkInterfaceId) found.add(target.NetworkInterfaceId);
    }
  });
  return found;
}

/** Every ENI in the region that is itself a mirror target (it cannot be a source). */
export const listMirrorTargetNetworkInterfaces = (ec2: EC2Client): Promise<Set<string>> => mirrorTargetNetworkInterfaces(ec2);

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

/** Sessions matching the filters (all of them without), with their tags; their filters' rules only when asked for. */
async function describeSessions(ec2: EC2Client, filters: Filter[] | undefined, withRules: boolean): Promise<TaggedSession[]> {
  const sessions = await ec2Call('DescribeTrafficMirrorSessions', async () => {
    const found = [];
    for await (const page of paginateDescribeTrafficMirrorSessions({ client: ec2 }, filters ? { Filters: filters } : {})) found.push(...(page.TrafficMirrorSessions ?? []));
    return found.map(
      (s): TaggedSession => ({
        sessionId: s.TrafficMirrorSessionId ?? '',
        networkInterfaceId: s.NetworkInterfaceId ?? '',
        sessionNumber: s.SessionNumber ?? 0,
        targetId: s.TrafficMirrorTargetId,
        filterId: s.TrafficMirrorFilterId,
        tags: tagMap(s.Tags),
        ingressRules: [],
        egressRules: [],
      }),
    );
  });
  return withRules ? withFilterRules(ec2, sessions) : sessions;
}

/**
 * The sessions with their filters' rules (one more Describe call when there are any), which tell
 * whether an existing session would shadow a new one behind it.
 */
export async function withFilterRules<S extends TaggedSession>(ec2: EC2Client, sessions: S[]): Promise<S[]> {
  const filterIds = [...new Set(sessions.map((s) => s.filterId).filter((id): id is string => !!id))];
  if (filterIds.length === 0) return sessions;
  const rulesByFilter = new Map<string, { ingress: FilterRuleView[]; egress: FilterRuleView[] }>();
  await ec2Call('DescribeTrafficMirrorFilters', async () => {
    for await (const page of paginateDescribeTrafficMirrorFilters({ client: ec2 }, { TrafficMirrorFilterIds: filterIds })) {
      for (const filter of page.TrafficMirrorFilters ?? []) {
        rulesByFilter.set(filter.TrafficMirrorFilterId ?? '', { ingress: (filter.IngressFilterRules ?? []).map(toRuleView), egress: (filter.EgressFilterRules ?? []).map(toRuleView) });
      }
    }
  });
  return sessions.map((s) => ({ ...s, ingressRules: rulesByFilter.get(s.filterId ?? '')?.ingress ?? [], egressRules: rulesByFilter.get(s.filterId ?? '')?.egress ?? [] }));
}

/**
 * Sessions already on these ENIs, by default with their filters' rules so we can tell if they
 * would shadow ours; `withRules: false` saves that call when only "which sessions" matters.
 */
export async function existingSessions(ec2: EC2Client, networkInterfaceIds: string[], options: { withRules?: boolean } = {}): Promise<TaggedSession[]> {
  if (networkInterfaceIds.length === 0) return [];
  return describeSessions(ec2, [{ Name: 'network-interface-id', Values: networkInterfaceIds }], options.withRules ?? true);
}

/** Every mirror session in the account and region, ours and others', with tags: what the reconciler compares. */
export async function listMirrorSessions(ec2: EC2Client): Promise<TaggedSession[]> {
  return describeSessions(ec2, undefined, true);
}

/** Points an existing session at another target and filter, keeping its number (its priority on the ENI). */
export async function repointMirrorSession(ec2: EC2Client, input: { sessionId: string; targetId: string; filterId: string }): Promise<void> {
  await ec2Call(`ModifyTrafficMirrorSession ${input.sessionId}`, () =>
    ec2.send(new ModifyTrafficMirrorSessionCommand({ TrafficMirrorSessionId: input.sessionId, TrafficMirrorTargetId: input.targetId, TrafficMirrorFilterId: input.filterId })),
  );
}

/**
 * The target on the sensor's ENI. That ENI was created with the sensor moments before (RunInstances
 * in Launch Sensor), so `InvalidNetworkInterfaceID.NotFound` is EC2 not showing it everywhere yet,
 * and is retried like a same-step id.
 */
export async function createMirrorTarget(ec2: EC2Client, input: { networkInterfaceId: string; clientToken: string; tags: Tag[] }, consistency?: ConsistencyWait): Promise<string> {
  const out = await ec2Call(
    'CreateTrafficMirrorTarget',
    () =>
      ec2.send(
        new CreateTrafficMirrorTargetCommand({
          NetworkInterfaceId: input.networkInterfaceId,
          Description: 'mirrorhunt incident sensor',
          ClientToken: input.clientToken,
          TagSpecifications: tagSpec('traffic-mirror-target', input.tags),
        }),
      ),
    { notYetVisible: ['InvalidNetworkInterfaceID.NotFound'], consistency },
  );
  const id = out.TrafficMirrorTarget?.TrafficMirrorTargetId;
  if (!id) throw new UnexpectedAwsResponseError('CreateTrafficMirrorTarget returned no id');
  return id;
}

/**
 * The incident's filter, the Amazon DNS service on it and its rules. The service and the rules
 * name the filter created just before, which EC2 may not show yet: NotFound there is retried.
 */
export async function createEastWestFilter(
  ec2: EC2Client,
  input: { rules: FilterRuleSpec[]; clientToken: string; tags: Tag[] },
  consistency?: ConsistencyWait,
): Promise<{ filterId: string; ruleIds: string[] }> {
  const out = await ec2Call('CreateTrafficMirrorFilter', () =>
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
  await ec2Call(
    'ModifyTrafficMirrorFilterNetworkServices',
    () => ec2.send(new ModifyTrafficMirrorFilterNetworkServicesCommand({ TrafficMirrorFilterId: filterId, AddNetworkServices: ['amazon-dns'] })),
    { notYetVisible: FILTER_NOT_VISIBLE, consistency },
  );
  const ruleIds: string[] = [];
  for (const rule of input.rules) {
    const created = await ec2Call(
      'CreateTrafficMirrorFilterRule',
      () =>
        ec2.send(
          new CreateTrafficMirrorFilterRuleCommand({
            TrafficMirrorFilterId: filterId,
            TrafficDirection: rule.direction,
            RuleNumber: rule.ruleNumber,
            RuleAction: rule.action,
            SourceCidrBlock: rule.sourceCidrBlock,
            DestinationCidrBlock: rule.destinationCidrBlock,
            Description: rule.description,
            ClientToken: filterRuleToken(input.clientToken, rule),
          }),
        ),
      { notYetVisible: FILTER_NOT_VISIBLE, consistency },
    );
    if (created.TrafficMirrorFilterRule?.TrafficMirrorFilterRuleId) ruleIds.push(created.TrafficMirrorFilterRule.TrafficMirrorFilterRuleId);
  }
  return { filterId, ruleIds };
}

/**
 * One session. Quota and instance-type refusals are AWS's final word on mirroring this ENI and
 * surface as `MirrorSessionError`. With `justCreated`, the target and filter were created by this
 * same step and a NotFound for them is retried (eventual consistency); the fleet's long-lived
 * target and filter are not retried, their NotFound is real.
 */
export async function createMirrorSession(
  ec2: EC2Client,
  input: { networkInterfaceId: string; targetId: string; filterId: string; sessionNumber: number; vni?: number; clientToken: string; tags: Tag[]; description?: string; justCreated?: boolean },
  consistency?: ConsistencyWait,
): Promise<string> {
  let out;
  try {
    out = await ec2Call(
      `CreateTrafficMirrorSession on ${input.networkInterfaceId}`,
      () =>
        ec2.send(
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
        ),
      { notYetVisible: input.justCreated ? SESSION_PARTS_NOT_VISIBLE : [], consistency },
    );
  } catch (error) {
    if (error instanceof AwsCallError) throw new MirrorSessionError(error.message, { cause: error.cause });
    throw error;
  }
  const id = out.TrafficMirrorSession?.TrafficMirrorSessionId;
  if (!id) throw new UnexpectedAwsResponseError('CreateTrafficMirrorSession returned no id');
  return id;
}

export const deleteMirrorSession = (ec2: EC2Client, id: string) =>
  ec2Delete('DeleteTrafficMirrorSession', { notFound: ['InvalidTrafficMirrorSessionId.NotFound'] }, () => ec2.send(new DeleteTrafficMirrorSessionCommand({ TrafficMirrorSessionId: id })));

export const deleteMirrorTarget = (ec2: EC2Client, id: string) =>
  ec2Delete('DeleteTrafficMirrorTarget', { notFound: ['InvalidTrafficMirrorTargetId.NotFound'], inUse: ['TrafficMirrorTargetInUseException', 'TrafficMirrorTargetInUse'] }, () =>
    ec2.send(new DeleteTrafficMirrorTargetCommand({ TrafficMirrorTargetId: id })),
  );

export const deleteMirrorFilter = (ec2: EC2Client, id: string) =>
  ec2Delete('DeleteTrafficMirrorFilter', { notFound: ['InvalidTrafficMirrorFilterId.NotFound'], inUse: ['TrafficMirrorFilterInUse', 'TrafficMirrorFilterInUseException'] }, () =>
    ec2.send(new DeleteTrafficMirrorFilterCommand({ TrafficMirrorFilterId: id })),
  );

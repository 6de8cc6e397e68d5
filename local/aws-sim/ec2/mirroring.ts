import type {
  CreateTrafficMirrorFilterCommandInput,
  CreateTrafficMirrorFilterCommandOutput,
  CreateTrafficMirrorFilterRuleCommandInput,
  CreateTrafficMirrorFilterRuleCommandOutput,
  CreateTrafficMirrorSessionCommandInput,
  CreateTrafficMirrorSessionCommandOutput,
  CreateTrafficMirrorTargetCommandInput,
  CreateTrafficMirrorTargetCommandOutput,
  DeleteTrafficMirrorFilterCommandInput,
  DeleteTrafficMirrorFilterCommandOutput,
  DeleteTrafficMirrorFilterRuleCommandInput,
  DeleteTrafficMirrorFilterRuleCommandOutput,
  DeleteTrafficMirrorSessionCommandInput,
  DeleteTrafficMirrorSessionCommandOutput,
  DeleteTrafficMirrorTargetCommandInput,
  DeleteTrafficMirrorTargetCommandOutput,
  DescribeTrafficMirrorFiltersCommandInput,
  DescribeTrafficMirrorFiltersCommandOutput,
  DescribeTrafficMirrorSessionsCommandInput,
  DescribeTrafficMirrorSessionsCommandOutput,
  DescribeTrafficMirrorTargetsCommandInput,
  DescribeTrafficMirrorTargetsCommandOutput,
  ModifyTrafficMirrorFilterNetworkServicesCommandInput,
  ModifyTrafficMirrorFilterNetworkServicesCommandOutput,
  ModifyTrafficMirrorSessionCommandInput,
  ModifyTrafficMirrorSessionCommandOutput,
} from '@aws-sdk/client-ec2';
import { fail, isIpv6Cidr, parseCidr } from '../support';
import { applyFilters, describePage } from './filters';
import { NEW, arn, tagOnCreate, type AuthResource, type Ec2Operation } from './operation';
import { filterShape, ruleShape, sessionShape, targetShape } from './shapes';
import type { Ec2Store, SimFilter, SimRule, SimSession, SimTarget } from './state';
import { checkMirrorableSource, checkSourcesPerTarget, packetLength, sessionNumber, virtualNetworkId } from './validators';

/** Traffic Mirroring: targets, filters and their rules, sessions. */

type Op<I, O> = Ec2Operation<I, O>;

const describeTargets: Op<DescribeTrafficMirrorTargetsCommandInput, DescribeTrafficMirrorTargetsCommandOutput> = {
  run(store, input) {
    const ids = input.TrafficMirrorTargetIds ?? [];
    for (const id of ids) store.requireTarget(id);
    let list = [...store.targets.values()].filter((t) => (ids.length === 0 ? store.listed(t.id) : ids.includes(t.id)));
    list = applyFilters(
      list,
      input.Filters,
      {
        operation: 'DescribeTrafficMirrorTargets',
        attributes: (t) => ({
          'traffic-mirror-target-id': [t.id],
          'network-interface-id': t.eniId ? [t.eniId] : [],
          'network-load-balancer-arn': t.nlbArn ? [t.nlbArn] : [],
          description: t.description ? [t.description] : [],
          'owner-id': [store.accountId],
        }),
        tags: (t) => t.tags,
      },
      ['traffic-mirror-target-id', 'network-interface-id', 'network-load-balancer-arn', 'description', 'owner-id'],
    );
    const page = describePage(store, list, input, 'DescribeTrafficMirrorTargets');
    return { TrafficMirrorTargets: page.items.map((t) => targetShape(store, t)), NextToken: page.nextToken };
  },
};

const describeFilters: Op<DescribeTrafficMirrorFiltersCommandInput, DescribeTrafficMirrorFiltersCommandOutput> = {
  run(store, input) {
    const ids = input.TrafficMirrorFilterIds ?? [];
    for (const id of ids) store.requireFilter(id);
    let list = [...store.filters.values()].filter((f) => (ids.length === 0 ? store.listed(f.id) : ids.includes(f.id)));
    list = applyFilters(
      list,
      input.Filters,
      { operation: 'DescribeTrafficMirrorFilters', attributes: (f) => ({ 'traffic-mirror-filter-id': [f.id], description: f.description ? [f.description] : [] }), tags: (f) => f.tags },
      ['traffic-mirror-filter-id', 'description'],
    );
    const page = describePage(store, list, input, 'DescribeTrafficMirrorFilters');
    return { TrafficMirrorFilters: page.items.map(filterShape), NextToken: page.nextToken };
  },
};

/** Filter names from the EC2 API reference for DescribeTrafficMirrorSessions (botocore ec2 2016-11-15, DescribeTrafficMirrorSessionsRequest.Filters). */
const SESSION_FILTERS = ['traffic-mirror-session-id', 'traffic-mirror-target-id', 'traffic-mirror-filter-id', 'network-interface-id', 'session-number', 'virtual-network-id', 'owner-id', 'description', 'packet-length'] as const;

const describeSessions: Op<DescribeTrafficMirrorSessionsCommandInput, DescribeTrafficMirrorSessionsCommandOutput> = {
  run(store, input) {
    const ids = input.TrafficMirrorSessionIds ?? [];
    for (const id of ids) store.requireSession(id);
    let list = [...store.sessions.values()].filter((s) => (ids.length === 0 ? store.listed(s.id) : ids.includes(s.id)));
    list = applyFilters(
      list,
      input.Filters,
      {
        operation: 'DescribeTrafficMirrorSessions',
        attributes: (s) => ({
          'traffic-mirror-session-id': [s.id],
          'traffic-mirror-target-id': [s.targetId],
          'traffic-mirror-filter-id': [s.filterId],
          'network-interface-id': [s.eniId],
          'session-number': [String(s.sessionNumber)],
          'virtual-network-id': [String(s.vni)],
          'owner-id': [store.accountId],
          description: s.description ? [s.description] : [],
          'packet-length': s.packetLength === undefined ? [] : [String(s.packetLength)],
        }),
        tags: (s) => s.tags,
      },
      SESSION_FILTERS,
    );
    const page = describePage(store, list, input, 'DescribeTrafficMirrorSessions');
    return { TrafficMirrorSessions: page.items.map((s) => sessionShape(store, s)), NextToken: page.nextToken };
  },
};

function newResource(store: Ec2Store, type: string, input: { TagSpecifications?: Array<{ ResourceType?: string; Tags?: Array<{ Key?: string; Value?: string }> }> }): AuthResource {
  const requestTags: Record<string, string> = {};
  for (const spec of input.TagSpecifications ?? []) if (spec.ResourceType === type) for (const t of spec.Tags ?? []) requestTags[t.Key ?? ''] = t.Value ?? '';
  return { type, arn: arn(store, type, NEW), requestTags };
}

function existing(store: Ec2Store, type: string, id: string, tags: Record<string, string> | undefined): AuthResource {
  return { type, arn: arn(store, type, id), tags: tags ?? {} };
}

const createTarget: Op<CreateTrafficMirrorTargetCommandInput, CreateTrafficMirrorTargetCommandOutput> = {
  authorize(store, input) {
    const created = newResource(store, 'traffic-mirror-target', input);
    const resources = [created];
    if (input.NetworkInterfaceId) resources.push(existing(store, 'network-interface', input.NetworkInterfaceId, store.enis.get(input.NetworkInterfaceId)?.tags));
    return [{ action: 'ec2:CreateTrafficMirrorTarget', resources }, ...tagOnCreate('CreateTrafficMirrorTarget', [created])];
  },
  run(store, input) {
    return store.idempotent('CreateTrafficMirrorTarget', input.ClientToken, input, () => {
      const given = [input.NetworkInterfaceId, input.NetworkLoadBalancerArn, input.GatewayLoadBalancerEndpointId].filter((v) => v !== undefined && v !== '');
      if (given.length !== 1) fail('InvalidParameterCombination', 'A traffic mirror target needs exactly one of NetworkInterfaceId, NetworkLoadBalancerArn or GatewayLoadBalancerEndpointId');
      store.checkTagSpecTypes(input, ['traffic-mirror-target'], 'CreateTrafficMirrorTarget');
      if (store.targets.size >= store.quotas.targetsPerAccount) fail('TrafficMirrorTargetLimitExceeded', 'The maximum number of traffic mirror targets has been reached');
      const target: SimTarget = { id: store.ids.next('tmt'), description: input.Description, tags: store.tagsFromSpecifications(input, 'traffic-mirror-target', 'CreateTrafficMirrorTarget') };
      if (typeof input.NetworkInterfaceId === 'string') {
        const eni = store.requireEni(input.NetworkInterfaceId);
        if ([...store.targets.values()].some((t) => t.eniId === eni.id)) fail('InvalidParameterValue', `The network interface ${eni.id} is already a traffic mirror target`);
        if ([...store.sessions.values()].some((s) => s.eniId === eni.id)) fail('InvalidParameterValue', `The network interface ${eni.id} is a traffic mirror source and cannot also be a target`);
        target.eniId = eni.id;
      } else if (typeof input.NetworkLoadBalancerArn === 'string') {
        if (!/^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer\/net\/[^/]+\/[0-9a-f]+$/.test(input.NetworkLoadBalancerArn)) {
          fail('InvalidParameterValue', `${input.NetworkLoadBalancerArn} is not the ARN of a Network Load Balancer`);
        }
        target.nlbArn = input.NetworkLoadBalancerArn;
      } else {
        target.gwlbEndpointId = String(input.GatewayLoadBalancerEndpointId);
      }
      store.targets.set(target.id, target);
      store.created(target.id);
      return { TrafficMirrorTarget: targetShape(store, target), ClientToken: input.ClientToken };
    });
  },
};

const createFilter: Op<CreateTrafficMirrorFilterCommandInput, CreateTrafficMirrorFilterCommandOutput> = {
  authorize(store, input) {
    const created = newResource(store, 'traffic-mirror-filter', input);
    return [{ action: 'ec2:CreateTrafficMirrorFilter', resources: [created] }, ...tagOnCreate('CreateTrafficMirrorFilter', [created])];
  },
  run(store, input) {
    return store.idempotent('CreateTrafficMirrorFilter', input.ClientToken, input, () => {
      store.checkTagSpecTypes(input, ['traffic-mirror-filter'], 'CreateTrafficMirrorFilter');
      if (store.filters.size >= store.quotas.filtersPerAccount) fail('TrafficMirrorFilterLimitExceeded', 'The maximum number of traffic mirror filters has been reached');
      const filter: SimFilter = { id: store.ids.next('tmf'), description: input.Description, tags: store.tagsFromSpecifications(input, 'traffic-mirror-filter', 'CreateTrafficMirrorFilter'), rules: [], networkServices: [] };
      store.filters.set(filter.id, filter);
      store.created(filter.id);
      return { TrafficMirrorFilter: filterShape(filter), ClientToken: input.ClientToken };
    });
  },
};

const createRule: Op<CreateTrafficMirrorFilterRuleCommandInput, CreateTrafficMirrorFilterRuleCommandOutput> = {
  authorize(store, input) {
    const filterId = String(input.TrafficMirrorFilterId ?? '');
    return [
      {
        action: 'ec2:CreateTrafficMirrorFilterRule',
        resources: [existing(store, 'traffic-mirror-filter', filterId, store.filters.get(filterId)?.tags), newResource(store, 'traffic-mirror-filter-rule', input)],
      },
    ];
  },
  run(store, input) {
    return store.idempotent('CreateTrafficMirrorFilterRule', input.ClientToken, input, () => {
      const filter = store.requireFilter(input.TrafficMirrorFilterId);
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
      if (filter.rules.length >= store.quotas.rulesPerFilter) {
        fail('TrafficMirrorFilterRuleLimitExceeded', `The traffic mirror filter ${filter.id} already has ${filter.rules.length} rules, the most a filter can hold`);
      }
      const rule: SimRule = {
        id: store.ids.next('tmfr'),
        filterId: filter.id,
        direction,
        ruleNumber,
        action,
        protocol,
        source,
        destination,
        sourcePorts: input.SourcePortRange,
        destinationPorts: input.DestinationPortRange,
        description: input.Description,
      };
      filter.rules.push(rule);
      return { TrafficMirrorFilterRule: ruleShape(rule), ClientToken: input.ClientToken };
    });
  },
};

function ruleOwner(store: Ec2Store, ruleId: string): SimFilter | undefined {
  return [...store.filters.values()].find((f) => f.rules.some((r) => r.id === ruleId));
}

const deleteRule: Op<DeleteTrafficMirrorFilterRuleCommandInput, DeleteTrafficMirrorFilterRuleCommandOutput> = {
  authorize(store, input) {
    const id = String(input.TrafficMirrorFilterRuleId ?? '');
    const filter = ruleOwner(store, id);
    return [{ action: 'ec2:DeleteTrafficMirrorFilterRule', resources: [existing(store, 'traffic-mirror-filter', filter?.id ?? 'unknown', filter?.tags), existing(store, 'traffic-mirror-filter-rule', id, {})] }];
  },
  run(store, input) {
    const id = String(input.TrafficMirrorFilterRuleId ?? '');
    const filter = ruleOwner(store, id);
    if (!filter) return fail('InvalidTrafficMirrorFilterRuleId.NotFound', `The traffic mirror filter rule '${id}' does not exist`);
    filter.rules = filter.rules.filter((r) => r.id !== id);
    return { TrafficMirrorFilterRuleId: id };
  },
};

const modifyNetworkServices: Op<ModifyTrafficMirrorFilterNetworkServicesCommandInput, ModifyTrafficMirrorFilterNetworkServicesCommandOutput> = {
  authorize(store, input) {
    const id = String(input.TrafficMirrorFilterId ?? '');
    return [{ action: 'ec2:ModifyTrafficMirrorFilterNetworkServices', resources: [existing(store, 'traffic-mirror-filter', id, store.filters.get(id)?.tags)] }];
  },
  run(store, input) {
    const filter = store.requireFilter(input.TrafficMirrorFilterId);
    const add: string[] = input.AddNetworkServices ?? [];
    const remove: string[] = input.RemoveNetworkServices ?? [];
    for (const service of [...add, ...remove]) if (service !== 'amazon-dns') fail('InvalidParameterValue', `${service} is not a traffic mirror network service (only amazon-dns)`);
    filter.networkServices = [...new Set([...filter.networkServices, ...add])].filter((s) => !remove.includes(s));
    return { TrafficMirrorFilter: filterShape(filter) };
  },
};

/** AWS picks a random unique VNI when none is given; the simulation picks a repeatable one. */
function pickVni(store: Ec2Store): number {
  const used = new Set([...store.sessions.values()].map((s) => s.vni));
  for (;;) {
    store.vniCounter += 1;
    const vni = (store.vniCounter * 2654435761) % 16_777_216;
    if (!used.has(vni)) return vni;
  }
}

function sessionResources(store: Ec2Store, input: { TrafficMirrorTargetId?: string; TrafficMirrorFilterId?: string }): AuthResource[] {
  const out: AuthResource[] = [];
  if (input.TrafficMirrorTargetId) out.push(existing(store, 'traffic-mirror-target', input.TrafficMirrorTargetId, store.targets.get(input.TrafficMirrorTargetId)?.tags));
  if (input.TrafficMirrorFilterId) out.push(existing(store, 'traffic-mirror-filter', input.TrafficMirrorFilterId, store.filters.get(input.TrafficMirrorFilterId)?.tags));
  return out;
}

const createSession: Op<CreateTrafficMirrorSessionCommandInput, CreateTrafficMirrorSessionCommandOutput> = {
  authorize(store, input) {
    const created = newResource(store, 'traffic-mirror-session', input);
    const eniId = String(input.NetworkInterfaceId ?? '');
    const resources = [created, ...sessionResources(store, input), existing(store, 'network-interface', eniId, store.enis.get(eniId)?.tags)];
    return [{ action: 'ec2:CreateTrafficMirrorSession', resources }, ...tagOnCreate('CreateTrafficMirrorSession', [created])];
  },
  run(store, input) {
    return store.idempotent('CreateTrafficMirrorSession', input.ClientToken, input, () => {
      if (typeof input.NetworkInterfaceId !== 'string') return fail('MissingParameter', 'The request must contain the parameter NetworkInterfaceId');
      const eni = store.requireEni(input.NetworkInterfaceId);
      const target = store.requireTarget(input.TrafficMirrorTargetId);
      const filter = store.requireFilter(input.TrafficMirrorFilterId);
      store.checkTagSpecTypes(input, ['traffic-mirror-session'], 'CreateTrafficMirrorSession');
      const number = sessionNumber(input.SessionNumber);
      const vni = input.VirtualNetworkId === undefined ? pickVni(store) : virtualNetworkId(input.VirtualNetworkId);
      const length = input.PacketLength === undefined ? undefined : packetLength(input.PacketLength);
      checkMirrorableSource(store, eni);
      const onEni = [...store.sessions.values()].filter((s) => s.eniId === eni.id);
      if (onEni.length >= store.quotas.sessionsPerEni) {
        fail('TrafficMirrorSessionsPerInterfaceLimitExceeded', `The network interface ${eni.id} already has ${onEni.length} traffic mirror sessions, the most an interface can have`);
      }
      // No same-VPC rule: a target may sit in another VPC reached by peering or a transit
      // gateway (Traffic Mirroring guide, "How Traffic Mirroring works").
      checkSourcesPerTarget(store, target, eni.id);
      if (store.sessions.size >= store.quotas.sessionsPerAccount) fail('TrafficMirrorSessionLimitExceeded', 'The maximum number of traffic mirror sessions has been reached');
      const session: SimSession = {
        id: store.ids.next('tms'),
        eniId: eni.id,
        targetId: target.id,
        filterId: filter.id,
        sessionNumber: number,
        vni,
        packetLength: length,
        description: input.Description,
        tags: store.tagsFromSpecifications(input, 'traffic-mirror-session', 'CreateTrafficMirrorSession'),
      };
      store.sessions.set(session.id, session);
      store.created(session.id);
      store.events.emit('mirrorSessionCreated', { session: sessionShape(store, session) });
      return { TrafficMirrorSession: sessionShape(store, session), ClientToken: input.ClientToken };
    });
  },
};

/** Re-points or renumbers a session in place; the same validators as creating one apply. */
const modifySession: Op<ModifyTrafficMirrorSessionCommandInput, ModifyTrafficMirrorSessionCommandOutput> = {
  authorize(store, input) {
    const id = String(input.TrafficMirrorSessionId ?? '');
    return [{ action: 'ec2:ModifyTrafficMirrorSession', resources: [existing(store, 'traffic-mirror-session', id, store.sessions.get(id)?.tags), ...sessionResources(store, input)] }];
  },
  run(store, input) {
    const session = store.requireSession(input.TrafficMirrorSessionId);
    const target = store.requireTarget(input.TrafficMirrorTargetId ?? session.targetId);
    const filter = store.requireFilter(input.TrafficMirrorFilterId ?? session.filterId);
    if (target.eniId === session.eniId) fail('InvalidParameterValue', `The network interface ${session.eniId} cannot mirror to itself`);
    if (target.id !== session.targetId) checkSourcesPerTarget(store, target, session.eniId);
    const number = input.SessionNumber === undefined ? session.sessionNumber : sessionNumber(input.SessionNumber);
    const vni = input.VirtualNetworkId === undefined ? session.vni : virtualNetworkId(input.VirtualNetworkId);
    const length = input.PacketLength === undefined ? session.packetLength : packetLength(input.PacketLength);
    Object.assign(session, { sessionNumber: number, vni, packetLength: length, targetId: target.id, filterId: filter.id });
    return { TrafficMirrorSession: sessionShape(store, session) };
  },
};

const deleteSession: Op<DeleteTrafficMirrorSessionCommandInput, DeleteTrafficMirrorSessionCommandOutput> = {
  authorize(store, input) {
    const id = String(input.TrafficMirrorSessionId ?? '');
    return [{ action: 'ec2:DeleteTrafficMirrorSession', resources: [existing(store, 'traffic-mirror-session', id, store.sessions.get(id)?.tags)] }];
  },
  run(store, input) {
    const session = store.requireSession(input.TrafficMirrorSessionId);
    store.sessions.delete(session.id);
    store.events.emit('mirrorSessionDeleted', { session: sessionShape(store, session) });
    return { TrafficMirrorSessionId: session.id };
  },
};

const deleteTarget: Op<DeleteTrafficMirrorTargetCommandInput, DeleteTrafficMirrorTargetCommandOutput> = {
  authorize(store, input) {
    const id = String(input.TrafficMirrorTargetId ?? '');
    return [{ action: 'ec2:DeleteTrafficMirrorTarget', resources: [existing(store, 'traffic-mirror-target', id, store.targets.get(id)?.tags)] }];
  },
  run(store, input) {
    const target = store.requireTarget(input.TrafficMirrorTargetId);
    const users = [...store.sessions.values()].filter((s) => s.targetId === target.id);
    if (users.length > 0) fail('TrafficMirrorTargetInUseException', `The traffic mirror target ${target.id} is in use by ${users.map((s) => s.id).join(', ')}`);
    store.targets.delete(target.id);
    return { TrafficMirrorTargetId: target.id };
  },
};

const deleteFilter: Op<DeleteTrafficMirrorFilterCommandInput, DeleteTrafficMirrorFilterCommandOutput> = {
  authorize(store, input) {
    const id = String(input.TrafficMirrorFilterId ?? '');
    return [{ action: 'ec2:DeleteTrafficMirrorFilter', resources: [existing(store, 'traffic-mirror-filter', id, store.filters.get(id)?.tags)] }];
  },
  run(store, input) {
    const filter = store.requireFilter(input.TrafficMirrorFilterId);
    const users = [...store.sessions.values()].filter((s) => s.filterId === filter.id);
    if (users.length > 0) fail('TrafficMirrorFilterInUse', `The traffic mirror filter ${filter.id} is in use by ${users.map((s) => s.id).join(', ')}`);
    store.filters.delete(filter.id);
    return { TrafficMirrorFilterId: filter.id };
  },
};

export const mirroringOperations = {
  DescribeTrafficMirrorTargets: describeTargets,
  DescribeTrafficMirrorFilters: describeFilters,
  DescribeTrafficMirrorSessions: describeSessions,
  CreateTrafficMirrorTarget: createTarget,
  CreateTrafficMirrorFilter: createFilter,
  CreateTrafficMirrorFilterRule: createRule,
  DeleteTrafficMirrorFilterRule: deleteRule,
  ModifyTrafficMirrorFilterNetworkServices: modifyNetworkServices,
  CreateTrafficMirrorSession: createSession,
  ModifyTrafficMirrorSession: modifySession,
  DeleteTrafficMirrorSession: deleteSession,
  DeleteTrafficMirrorTarget: deleteTarget,
  DeleteTrafficMirrorFilter: deleteFilter,
};

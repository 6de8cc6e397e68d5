import type {
  CreateTagsCommandInput,
  CreateTagsCommandOutput,
  DescribeInstancesCommandInput,
  DescribeInstancesCommandOutput,
  Instance,
  RunInstancesCommandInput,
  RunInstancesCommandOutput,
  StartInstancesCommandInput,
  StartInstancesCommandOutput,
  StopInstancesCommandInput,
  StopInstancesCommandOutput,
  TerminateInstancesCommandInput,
  TerminateInstancesCommandOutput,
} from '@aws-sdk/client-ec2';
import { fail, fromSdkTags, type Tags } from '../support';
import { applyFilters, describePage } from './filters';
import { NEW, arn, tagOnCreate, typeOfId, type AuthCheck, type AuthResource, type Ec2Operation } from './operation';
import { instanceShape } from './shapes';
import { STATE_CODES, isInstanceId, type Ec2Store, type SimInstance } from './state';

/** Instances: launch, describe, stop/start/terminate, and tagging (which spans every resource type). */

type Op<I, O> = Ec2Operation<I, O>;

const describeInstances: Op<DescribeInstancesCommandInput, DescribeInstancesCommandOutput> = {
  run(store, input) {
    const ids = input.InstanceIds ?? [];
    if (ids.length > 0 && input.MaxResults !== undefined) fail('InvalidParameterCombination', 'The parameter instancesSet cannot be used with the parameter maxResults');
    const now = store.clock.now().getTime();
    const visible = new Map([...store.instances].filter(([, i]) => i.visibleAt === undefined || i.visibleAt <= now));
    let list = [...visible.values()];
    if (ids.length > 0) {
      const missing = ids.filter((id) => {
        if (!isInstanceId(id)) fail('InvalidInstanceID.Malformed', `Invalid id: "${id}" (expecting "i-...")`);
        return !visible.has(id) || !store.visible(id);
      });
      if (missing.length > 0) fail('InvalidInstanceID.NotFound', `The instance ID${missing.length > 1 ? 's' : ''} '${missing.join(', ')}' do${missing.length > 1 ? '' : 'es'} not exist`);
      list = list.filter((i) => ids.includes(i.id));
    } else {
      list = list.filter((i) => store.listed(i.id));
    }
    list = applyFilters(
      list,
      input.Filters,
      {
        operation: 'DescribeInstances',
        attributes: (i) => ({
          'instance-id': [i.id],
          'instance-state-name': [i.state],
          'instance-state-code': [String(STATE_CODES[i.state])],
          'instance-type': [i.type],
          'vpc-id': [i.vpcId],
          'subnet-id': [i.subnetId],
          'image-id': [i.imageId],
          'availability-zone': [i.az],
          'network-interface.network-interface-id': i.eniIds,
          'private-ip-address': i.eniIds.map((id) => store.enis.get(id)?.privateIps[0] ?? ''),
        }),
        tags: (i) => i.tags,
      },
      ['instance-id', 'instance-state-name', 'instance-state-code', 'instance-type', 'vpc-id', 'subnet-id', 'image-id', 'availability-zone', 'network-interface.network-interface-id', 'private-ip-address'],
    );
    const page = describePage(store, list, input, 'DescribeInstances');
    // One reservation per launch, as RunInstances groups them.
    const reservations = new Map<string, Instance[]>();
    for (const i of page.items) reservations.set(i.reservationId, [...(reservations.get(i.reservationId) ?? []), instanceShape(store, i)]);
    return {
      Reservations: [...reservations.entries()].map(([ReservationId, Instances]) => ({ ReservationId, OwnerId: store.accountId, Instances })),
      NextToken: page.nextToken,
    };
  },
};

function specTags(input: RunInstancesCommandInput, type: string): Tags {
  const tags: Tags = {};
  for (const spec of input.TagSpecifications ?? []) if (spec.ResourceType === type) for (const t of spec.Tags ?? []) tags[t.Key ?? ''] = t.Value ?? '';
  return tags;
}

const runInstances: Op<RunInstancesCommandInput, RunInstancesCommandOutput> = {
  /**
   * RunInstances is authorized on everything the launch uses and creates (Service Authorization
   * Reference, ec2:RunInstances: image, instance, network-interface, security-group, subnet
   * required; volume, key-pair when used), the implicit CreateTags of its tag specifications, and
   * iam:PassRole for the instance profile's role.
   */
  authorize(store, input) {
    const primary = (input.NetworkInterfaces ?? []).find((n) => (n.DeviceIndex ?? 0) === 0);
    const subnetId = String(primary?.SubnetId ?? input.SubnetId ?? '');
    const groupIds = primary?.Groups ?? input.SecurityGroupIds ?? [];
    const subnetVpc = store.subnets.get(subnetId)?.vpcId;
    const groups = groupIds.length > 0 ? groupIds : [...store.groups.values()].filter((g) => g.vpcId === subnetVpc && g.isDefault).map((g) => g.id);
    const created: AuthResource[] = ['instance', 'volume', 'network-interface'].map((type) => ({ type, arn: arn(store, type, NEW), requestTags: specTags(input, type) }));
    const resources: AuthResource[] = [
      ...created,
      { type: 'image', arn: arn(store, 'image', String(input.ImageId ?? '')) },
      { type: 'subnet', arn: arn(store, 'subnet', subnetId), tags: store.subnets.get(subnetId)?.tags ?? {} },
      ...groups.map((id) => ({ type: 'security-group', arn: arn(store, 'security-group', id), tags: store.groups.get(id)?.tags ?? {} })),
    ];
    if (input.KeyName) resources.push({ type: 'key-pair', arn: arn(store, 'key-pair', input.KeyName) });
    const checks: AuthCheck[] = [{ action: 'ec2:RunInstances', resources }, ...tagOnCreate('RunInstances', created)];
    const profile = input.IamInstanceProfile?.Arn;
    const role = profile ? store.instanceProfileRoles.get(profile) : undefined;
    if (role) checks.push({ action: 'iam:PassRole', resources: [{ type: 'role', arn: role }], context: { 'iam:PassedToService': 'ec2.amazonaws.com' } });
    return checks;
  },
  run(store, input) {
    return store.idempotent('RunInstances', input.ClientToken, input, () => {
      const min = Number(input.MinCount);
      const max = Number(input.MaxCount);
      if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max < min) fail('InvalidParameterValue', 'MinCount and MaxCount must be whole numbers with 1 <= MinCount <= MaxCount');
      const imageId = input.ImageId;
      if (typeof imageId !== 'string' || imageId === '') return fail('MissingParameter', 'The request must contain the parameter ImageId');
      if (!store.images.has(imageId)) fail('InvalidAMIID.NotFound', `The image id '[${imageId}]' does not exist`);
      const type = input.InstanceType;
      if (typeof type !== 'string' || !/^[a-z][a-z0-9-]*\.[a-z0-9-]+$/.test(type)) fail('InvalidParameterValue', `Invalid value '${String(type)}' for InstanceType.`);
      store.checkTagSpecTypes(input, ['instance', 'volume', 'network-interface', 'spot-instances-request', 'elastic-gpu'], 'RunInstances');
      const interfaces = input.NetworkInterfaces ?? [];
      if (interfaces.length > 0 && (input.SubnetId !== undefined || input.SecurityGroupIds !== undefined)) {
        fail('InvalidParameterCombination', 'Network interfaces and an instance-level subnet ID or security groups may not be specified on the same request');
      }
      const primary = interfaces.find((n) => (n.DeviceIndex ?? 0) === 0);
      const subnetId = String(primary?.SubnetId ?? input.SubnetId ?? '');
      if (!subnetId) fail('MissingParameter', 'the simulation has no default VPC: pass SubnetId');
      const subnet = store.subnets.get(subnetId);
      if (!subnet) return fail('InvalidSubnetID.NotFound', `The subnet ID '${subnetId}' does not exist`);
      const groupIds = primary?.Groups ?? input.SecurityGroupIds ?? [];
      for (const id of groupIds) {
        const group = store.requireGroup(id);
        if (group.vpcId !== subnet.vpcId) fail('InvalidParameter', `Security group ${id} and subnet ${subnetId} belong to different networks.`);
      }
      const userData = input.UserData;
      if (userData !== undefined) {
        if (typeof userData !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(userData)) fail('InvalidParameterValue', 'Invalid BASE64 encoding of user data.');
        if (Buffer.from(userData, 'base64').length > store.quotas.userDataBytes) fail('InvalidParameterValue', `User data is limited to ${store.quotas.userDataBytes} bytes`);
      }
      const live = [...store.instances.values()].filter((i) => i.state === 'pending' || i.state === 'running').length;
      if (live + min > store.quotas.instances) {
        fail('VcpuLimitExceeded', `You have requested more vCPU capacity than your current vCPU limit allows (the simulated account holds at most ${store.quotas.instances} running instances)`);
      }
      const count = Math.min(max, store.quotas.instances - live);
      const reservationId = store.ids.next('r');
      const tags = store.tagsFromSpecifications(input, 'instance', 'RunInstances');
      const eniTags = store.tagsFromSpecifications(input, 'network-interface', 'RunInstances');
      // A public subnet hands out a public address unless the interface says otherwise.
      const explicit = primary?.AssociatePublicIpAddress;
      const wantsPublicIp = typeof explicit === 'boolean' ? explicit : subnet.mapPublicIpOnLaunch;
      const created: SimInstance[] = [];
      const groups = groupIds.length > 0 ? groupIds : [...store.groups.values()].filter((g) => g.vpcId === subnet.vpcId && g.isDefault).map((g) => g.id);
      for (let n = 0; n < count; n += 1) {
        const id = store.ids.next('i');
        const eniId = store.ids.next('eni');
        store.enis.set(eniId, {
          id: eniId,
          subnetId: subnet.id,
          vpcId: subnet.vpcId,
          az: subnet.az,
          privateIps: [store.allocateIp(subnet)],
          interfaceType: 'interface',
          attachment: { instanceId: id, deviceIndex: 0, attachmentId: store.ids.next('eni-attach'), deleteOnTermination: true },
          groupIds: groups,
          tags: { ...eniTags },
          description: '',
        });
        const instance: SimInstance = {
          id,
          type: type as string,
          imageId,
          state: 'pending',
          transitionAt: store.clock.now().getTime() + store.timings.bootSeconds * 1000,
          subnetId: subnet.id,
          vpcId: subnet.vpcId,
          az: subnet.az,
          eniIds: [eniId],
          tags: { ...tags },
          userData,
          reservationId,
          launchTime: store.clock.now(),
          securityGroupIds: groups,
          metadataOptions: input.MetadataOptions as SimInstance['metadataOptions'],
          iamInstanceProfileArn: input.IamInstanceProfile?.Arn,
          publicIp: wantsPublicIp ? `198.51.100.${(store.instances.size % 250) + 1}` : undefined,
          shutdownBehavior: input.InstanceInitiatedShutdownBehavior === 'terminate' ? 'terminate' : 'stop',
          visibleAt: store.timings.launchInvisibleSeconds > 0 ? store.clock.now().getTime() + store.timings.launchInvisibleSeconds * 1000 : undefined,
        };
        store.instances.set(id, instance);
        store.created(id);
        store.created(eniId);
        created.push(instance);
      }
      return { ReservationId: reservationId, OwnerId: store.accountId, Instances: created.map((i) => instanceShape(store, i)) };
    });
  },
};

function instancesAuth(action: string) {
  return (store: Ec2Store, input: { InstanceIds?: string[] }): AuthCheck[] => [
    { action, resources: (input.InstanceIds ?? []).map((id) => ({ type: 'instance', arn: arn(store, 'instance', id), tags: store.instances.get(id)?.tags ?? {} })) },
  ];
}

function changeInstances(store: Ec2Store, ids: string[], action: 'terminate' | 'stop' | 'start') {
  if (ids.length === 0) fail('MissingParameter', 'The request must contain the parameter InstanceIds');
  const instances = ids.map((id) => store.requireInstance(id));
  return instances.map((instance) => {
    const previous = instance.state;
    if (action === 'terminate') {
      if (previous !== 'terminated' && previous !== 'shutting-down') store.transition(instance, 'shutting-down');
    } else if (action === 'stop') {
      if (previous === 'terminated' || previous === 'shutting-down') fail('IncorrectInstanceState', `The instance '${instance.id}' is not in a state from which it can be stopped.`);
      if (previous === 'pending' || previous === 'running') store.transition(instance, 'stopping');
    } else {
      if (previous !== 'stopped' && previous !== 'pending' && previous !== 'running') fail('IncorrectInstanceState', `The instance '${instance.id}' is not in a state from which it can be started.`);
      if (previous === 'stopped') store.transition(instance, 'pending');
    }
    return {
      InstanceId: instance.id,
      PreviousState: { Code: STATE_CODES[previous], Name: previous },
      CurrentState: { Code: STATE_CODES[instance.state], Name: instance.state },
    };
  });
}

const terminateInstances: Op<TerminateInstancesCommandInput, TerminateInstancesCommandOutput> = {
  authorize: instancesAuth('ec2:TerminateInstances'),
  run: (store, input) => ({ TerminatingInstances: changeInstances(store, input.InstanceIds ?? [], 'terminate') }),
};

const stopInstances: Op<StopInstancesCommandInput, StopInstancesCommandOutput> = {
  authorize: instancesAuth('ec2:StopInstances'),
  run: (store, input) => ({ StoppingInstances: changeInstances(store, input.InstanceIds ?? [], 'stop') }),
};

const startInstances: Op<StartInstancesCommandInput, StartInstancesCommandOutput> = {
  authorize: instancesAuth('ec2:StartInstances'),
  run: (store, input) => ({ StartingInstances: changeInstances(store, input.InstanceIds ?? [], 'start') }),
};

function tagHolder(store: Ec2Store, id: string): { tags: Tags } | undefined {
  return store.instances.get(id) ?? store.enis.get(id) ?? store.groups.get(id) ?? store.targets.get(id) ?? store.filters.get(id) ?? store.sessions.get(id) ?? store.vpcs.get(id);
}

const createTags: Op<CreateTagsCommandInput, CreateTagsCommandOutput> = {
  authorize(store, input) {
    const requestTags: Tags = Object.fromEntries((input.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
    const resources = (input.Resources ?? []).map((id) => {
      const type = typeOfId(id) ?? 'unknown';
      return { type, arn: arn(store, type, id), tags: tagHolder(store, id)?.tags ?? {}, requestTags };
    });
    return [{ action: 'ec2:CreateTags', resources }];
  },
  run(store, input) {
    const tags = fromSdkTags(input.Tags, 'CreateTags');
    for (const id of input.Resources ?? []) {
      const holder = tagHolder(store, id);
      if (!holder) return fail('InvalidID', `The ID '${id}' is not valid`);
      Object.assign(holder.tags, tags);
    }
    return {};
  },
};

export const instanceOperations = {
  DescribeInstances: describeInstances,
  RunInstances: runInstances,
  TerminateInstances: terminateInstances,
  StopInstances: stopInstances,
  StartInstances: startInstances,
  CreateTags: createTags,
};

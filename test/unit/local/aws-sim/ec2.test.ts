import {
  CreateSecurityGroupCommand,
  CreateTrafficMirrorFilterCommand,
  CreateTrafficMirrorFilterRuleCommand,
  CreateTrafficMirrorSessionCommand,
  CreateTrafficMirrorTargetCommand,
  DeleteSecurityGroupCommand,
  DeleteTrafficMirrorFilterCommand,
  DeleteTrafficMirrorTargetCommand,
  DescribeInstancesCommand,
  DescribeTrafficMirrorSessionsCommand,
  DescribeTrafficMirrorTargetsCommand,
  DescribeTrafficMirrorFiltersCommand,
  DescribeSecurityGroupsCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  paginateDescribeInstances,
} from '@aws-sdk/client-ec2';
import { SimClock } from '../../../../local/aws-sim/clock';
import { SimulatedAccount } from '../../../../local/aws-sim/account';
import { tempDir } from '../../../support/temp';

function world(options: { pageSize?: number } = {}) {
  const account = new SimulatedAccount({ clock: new SimClock(new Date('2026-11-24T08:00:00Z')), s3Root: tempDir('mh-sim-'), ec2PageSize: options.pageSize });
  const vpcId = account.ec2.createVpc({ cidrBlocks: ['10.0.0.0/16'] });
  const subnetId = account.ec2.createSubnet({ vpcId, cidrBlock: '10.0.1.0/24', availabilityZone: 'us-east-1a' });
  account.ec2.registerImage('ami-0123456789abcdef0');
  return { account, ec2: account.clients().ec2, vpcId, subnetId };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).name;
  }
  return 'no error';
}

async function mirrorParts(w: ReturnType<typeof world>) {
  const sensor = w.account.ec2.seedInstance({ instanceType: 'c6i.large', subnetId: w.subnetId });
  const target = await w.ec2.send(new CreateTrafficMirrorTargetCommand({ NetworkInterfaceId: sensor.networkInterfaceIds[0] }));
  const filter = await w.ec2.send(new CreateTrafficMirrorFilterCommand({}));
  return { targetId: target.TrafficMirrorTarget?.TrafficMirrorTargetId as string, filterId: filter.TrafficMirrorFilter?.TrafficMirrorFilterId as string, sensor };
}

describe('simulated EC2', () => {
  it('boots a launched instance from pending to running only when the simulated clock has moved 30 s', async () => {
    const w = world();
    const out = await w.ec2.send(new RunInstancesCommand({ ImageId: 'ami-0123456789abcdef0', InstanceType: 'c6i.large', MinCount: 1, MaxCount: 1, SubnetId: w.subnetId }));
    const id = out.Instances?.[0]?.InstanceId as string;
    const state = async () => (await w.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0]?.State?.Name;
    expect(await state()).toBe('pending');
    w.account.clock.advance(29_000);
    expect(await state()).toBe('pending');
    w.account.clock.advance(1_000);
    expect(await state()).toBe('running');
  });

  it('returns the same instance for a repeated RunInstances with the same ClientToken', async () => {
    const w = world();
    const input = { ImageId: 'ami-0123456789abcdef0', InstanceType: 'c6i.large' as const, MinCount: 1, MaxCount: 1, SubnetId: w.subnetId, ClientToken: 'launch-1' };
    const first = await w.ec2.send(new RunInstancesCommand(input));
    const second = await w.ec2.send(new RunInstancesCommand(input));
    expect(second.Instances?.[0]?.InstanceId).toBe(first.Instances?.[0]?.InstanceId);
    expect(w.account.ec2.instances()).toHaveLength(1);
  });

  it('refuses a reused ClientToken with different parameters', async () => {
    const w = world();
    await w.ec2.send(new RunInstancesCommand({ ImageId: 'ami-0123456789abcdef0', InstanceType: 'c6i.large', MinCount: 1, MaxCount: 1, SubnetId: w.subnetId, ClientToken: 't' }));
    const code = await codeOf(w.ec2.send(new RunInstancesCommand({ ImageId: 'ami-0123456789abcdef0', InstanceType: 'm5.large', MinCount: 1, MaxCount: 1, SubnetId: w.subnetId, ClientToken: 't' })));
    expect(code).toBe('IdempotentParameterMismatch');
  });

  it('answers an unknown image with InvalidAMIID.NotFound', async () => {
    const w = world();
    expect(await codeOf(w.ec2.send(new RunInstancesCommand({ ImageId: 'ami-00000000000000000', InstanceType: 'c6i.large', MinCount: 1, MaxCount: 1, SubnetId: w.subnetId })))).toBe('InvalidAMIID.NotFound');
  });

  it('answers unknown and malformed instance ids with their distinct codes', async () => {
    const w = world();
    expect(await codeOf(w.ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0000000000000000f'] })))).toBe('InvalidInstanceID.NotFound');
    expect(await codeOf(w.ec2.send(new DescribeInstancesCommand({ InstanceIds: ['not-an-id'] })))).toBe('InvalidInstanceID.Malformed');
  });

  it('refuses an unknown Describe filter name instead of ignoring it', async () => {
    const w = world();
    expect(await codeOf(w.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-colour', Values: ['red'] }] })))).toBe('InvalidParameterValue');
  });

  it('refuses tag filters on the Traffic Mirror Describe calls, for which AWS documents none', async () => {
    const w = world();
    const byTag = [{ Name: 'tag:mirrorhunt:managed', Values: ['true'] }];
    expect(await codeOf(w.ec2.send(new DescribeTrafficMirrorSessionsCommand({ Filters: byTag })))).toBe('InvalidParameterValue');
    expect(await codeOf(w.ec2.send(new DescribeTrafficMirrorTargetsCommand({ Filters: byTag })))).toBe('InvalidParameterValue');
    expect(await codeOf(w.ec2.send(new DescribeTrafficMirrorFiltersCommand({ Filters: byTag })))).toBe('InvalidParameterValue');
    // Where AWS documents them, they work.
    await expect(w.ec2.send(new DescribeSecurityGroupsCommand({ Filters: byTag }))).resolves.toBeDefined();
  });

  it('pages DescribeInstances so a caller that ignores NextToken misses instances', async () => {
    const w = world({ pageSize: 5 });
    for (let i = 0; i < 12; i += 1) w.account.ec2.seedInstance({ instanceType: 'm5.large', subnetId: w.subnetId });
    const first = await w.ec2.send(new DescribeInstancesCommand({}));
    expect(first.Reservations?.flatMap((r) => r.Instances ?? [])).toHaveLength(5);
    const all = [];
    for await (const page of paginateDescribeInstances({ client: w.ec2 }, {})) all.push(...(page.Reservations ?? []).flatMap((r) => r.Instances ?? []));
    expect(all).toHaveLength(12);
  });

  it('keeps a security group while an instance using it is shutting down, then lets it go', async () => {
    const w = world();
    const group = await w.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'g', Description: 'd', VpcId: w.vpcId }));
    const run = await w.ec2.send(new RunInstancesCommand({ ImageId: 'ami-0123456789abcdef0', InstanceType: 'c6i.large', MinCount: 1, MaxCount: 1, SubnetId: w.subnetId, SecurityGroupIds: [group.GroupId as string] }));
    await w.ec2.send(new TerminateInstancesCommand({ InstanceIds: [run.Instances?.[0]?.InstanceId as string] }));
    expect(await codeOf(w.ec2.send(new DeleteSecurityGroupCommand({ GroupId: group.GroupId })))).toBe('DependencyViolation');
    w.account.clock.advance(20_000);
    expect(await codeOf(w.ec2.send(new DeleteSecurityGroupCommand({ GroupId: group.GroupId })))).toBe('no error');
  });

  it('allows three mirror sessions per source ENI and refuses the fourth', async () => {
    const w = world();
    const { targetId, filterId } = await mirrorParts(w);
    const source = w.account.ec2.seedInstance({ instanceType: 'm5.large', subnetId: w.subnetId }).networkInterfaceIds[0] as string;
    for (const n of [1, 2, 3]) await w.ec2.send(new CreateTrafficMirrorSessionCommand({ NetworkInterfaceId: source, TrafficMirrorTargetId: targetId, TrafficMirrorFilterId: filterId, SessionNumber: n }));
    const code = await codeOf(w.ec2.send(new CreateTrafficMirrorSessionCommand({ NetworkInterfaceId: source, TrafficMirrorTargetId: targetId, TrafficMirrorFilterId: filterId, SessionNumber: 4 })));
    expect(code).toBe('TrafficMirrorSessionsPerInterfaceLimitExceeded');
  });

  it('refuses an eleventh source on an ENI target', async () => {
    const w = world();
    const { targetId, filterId } = await mirrorParts(w);
    const sources = Array.from({ length: 11 }, () => w.account.ec2.seedInstance({ instanceType: 'm5.large', subnetId: w.subnetId }).networkInterfaceIds[0] as string);
    for (const eni of sources.slice(0, 10)) await w.ec2.send(new CreateTrafficMirrorSessionCommand({ NetworkInterfaceId: eni, TrafficMirrorTargetId: targetId, TrafficMirrorFilterId: filterId, SessionNumber: 1 }));
    const code = await codeOf(w.ec2.send(new CreateTrafficMirrorSessionCommand({ NetworkInterfaceId: sources[10], TrafficMirrorTargetId: targetId, TrafficMirrorFilterId: filterId, SessionNumber: 1 })));
    expect(code).toBe('TrafficMirrorSourcesPerTargetLimitExceeded');
  });

  it('refuses a previous-generation instance as a mirror source', async () => {
    const w = world();
    const { targetId, filterId } = await mirrorParts(w);
    const source = w.account.ec2.seedInstance({ instanceType: 't2.micro', subnetId: w.subnetId }).networkInterfaceIds[0];
    expect(await codeOf(w.ec2.send(new CreateTrafficMirrorSessionCommand({ NetworkInterfaceId: source, TrafficMirrorTargetId: targetId, TrafficMirrorFilterId: filterId, SessionNumber: 1 })))).toBe('InvalidParameterValue');
  });

  it('holds at most ten rules in a filter', async () => {
    const w = world();
    const { filterId } = await mirrorParts(w);
    for (let n = 1; n <= 10; n += 1) {
      await w.ec2.send(new CreateTrafficMirrorFilterRuleCommand({ TrafficMirrorFilterId: filterId, TrafficDirection: n % 2 ? 'ingress' : 'egress', RuleNumber: n, RuleAction: 'accept', SourceCidrBlock: '0.0.0.0/0', DestinationCidrBlock: '0.0.0.0/0' }));
    }
    const code = await codeOf(w.ec2.send(new CreateTrafficMirrorFilterRuleCommand({ TrafficMirrorFilterId: filterId, TrafficDirection: 'ingress', RuleNumber: 99, RuleAction: 'accept', SourceCidrBlock: '0.0.0.0/0', DestinationCidrBlock: '0.0.0.0/0' })));
    expect(code).toBe('TrafficMirrorFilterRuleLimitExceeded');
  });

  it('refuses a second rule with the same number in the same direction', async () => {
    const w = world();
    const { filterId } = await mirrorParts(w);
    const rule = { TrafficMirrorFilterId: filterId, TrafficDirection: 'egress' as const, RuleNumber: 10, RuleAction: 'reject' as const, SourceCidrBlock: '0.0.0.0/0', DestinationCidrBlock: '10.0.0.0/16' };
    await w.ec2.send(new CreateTrafficMirrorFilterRuleCommand(rule));
    expect(await codeOf(w.ec2.send(new CreateTrafficMirrorFilterRuleCommand(rule)))).toBe('TrafficMirrorFilterRuleAlreadyExists');
  });

  it('will not delete a target or a filter that a session still uses', async () => {
    const w = world();
    const { targetId, filterId } = await mirrorParts(w);
    const source = w.account.ec2.seedInstance({ instanceType: 'm5.large', subnetId: w.subnetId }).networkInterfaceIds[0];
    await w.ec2.send(new CreateTrafficMirrorSessionCommand({ NetworkInterfaceId: source, TrafficMirrorTargetId: targetId, TrafficMirrorFilterId: filterId, SessionNumber: 1 }));
    expect(await codeOf(w.ec2.send(new DeleteTrafficMirrorTargetCommand({ TrafficMirrorTargetId: targetId })))).toBe('TrafficMirrorTargetInUseException');
    expect(await codeOf(w.ec2.send(new DeleteTrafficMirrorFilterCommand({ TrafficMirrorFilterId: filterId })))).toBe('TrafficMirrorFilterInUse');
  });

  it('deletes the sessions of a source ENI when its instance terminates and the ENI goes', async () => {
    const w = world();
    const { targetId, filterId } = await mirrorParts(w);
    const source = w.account.ec2.seedInstance({ instanceType: 'm5.large', subnetId: w.subnetId });
    await w.ec2.send(new CreateTrafficMirrorSessionCommand({ NetworkInterfaceId: source.networkInterfaceIds[0], TrafficMirrorTargetId: targetId, TrafficMirrorFilterId: filterId, SessionNumber: 1 }));
    await w.ec2.send(new TerminateInstancesCommand({ InstanceIds: [source.instanceId] }));
    w.account.clock.advance(20_000);
    const sessions = await w.ec2.send(new DescribeTrafficMirrorSessionsCommand({}));
    expect(sessions.TrafficMirrorSessions).toEqual([]);
  });

  it('finds resources by tag filter and wildcard', async () => {
    const w = world();
    w.account.ec2.seedInstance({ instanceType: 'm5.large', subnetId: w.subnetId, tags: { team: 'payments-api' } });
    w.account.ec2.seedInstance({ instanceType: 'm5.large', subnetId: w.subnetId, tags: { team: 'search' } });
    const out = await w.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:team', Values: ['pay*'] }] }));
    expect(out.Reservations?.flatMap((r) => r.Instances ?? []).map((i) => i.Tags?.[0]?.Value)).toEqual(['payments-api']);
  });

  it('gives an instance in a public subnet a public address unless its interface says not to', async () => {
    const w = world();
    w.account.ec2.setMapPublicIpOnLaunch(w.subnetId, true);
    const plain = await w.ec2.send(new RunInstancesCommand({ ImageId: 'ami-0123456789abcdef0', InstanceType: 'c6i.large', MinCount: 1, MaxCount: 1, SubnetId: w.subnetId }));
    const private_ = await w.ec2.send(
      new RunInstancesCommand({ ImageId: 'ami-0123456789abcdef0', InstanceType: 'c6i.large', MinCount: 1, MaxCount: 1, NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: w.subnetId, AssociatePublicIpAddress: false }] }),
    );
    expect([plain.Instances?.[0]?.PublicIpAddress === undefined, private_.Instances?.[0]?.PublicIpAddress === undefined]).toEqual([false, true]);
  });
});

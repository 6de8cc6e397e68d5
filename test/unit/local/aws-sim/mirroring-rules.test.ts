import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateTrafficMirrorFilterCommand,
  CreateTrafficMirrorSessionCommand,
  CreateTrafficMirrorTargetCommand,
  DescribeTrafficMirrorSessionsCommand,
  ModifyTrafficMirrorSessionCommand,
} from '@aws-sdk/client-ec2';
import allowlist from '../../../../functions/shared/domain/data/mirroring-instance-types.json';
import { SimClock } from '../../../../local/aws-sim/clock';
import { SimulatedAccount, type SimulatedAccountOptions } from '../../../../local/aws-sim/account';
import { tempDir } from '../../../support/temp';

/** The simulation's Traffic Mirroring rules where they used to differ from AWS (issue 11 item 9, issue 13 item 3). */

function world(options: Partial<SimulatedAccountOptions> = {}) {
  const account = new SimulatedAccount({ clock: new SimClock(new Date('2026-11-24T08:00:00Z')), s3Root: tempDir('mh-sim-'), ...options });
  const vpcId = account.ec2.createVpc({ cidrBlocks: ['10.0.0.0/16'] });
  const subnetId = account.ec2.createSubnet({ vpcId, cidrBlock: '10.0.1.0/24', availabilityZone: 'us-east-1a' });
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

async function target(w: ReturnType<typeof world>, instanceType: string, subnetId = w.subnetId): Promise<string> {
  const sensor = w.account.ec2.seedInstance({ instanceType, subnetId });
  const out = await w.ec2.send(new CreateTrafficMirrorTargetCommand({ NetworkInterfaceId: sensor.networkInterfaceIds[0] }));
  return out.TrafficMirrorTarget?.TrafficMirrorTargetId as string;
}

async function filter(w: ReturnType<typeof world>): Promise<string> {
  return (await w.ec2.send(new CreateTrafficMirrorFilterCommand({}))).TrafficMirrorFilter?.TrafficMirrorFilterId as string;
}

const sources = (w: ReturnType<typeof world>, n: number) => Array.from({ length: n }, () => w.account.ec2.seedInstance({ instanceType: 'm5.large', subnetId: w.subnetId }).networkInterfaceIds[0] as string);

describe('simulated Traffic Mirroring rules', () => {
  it('applies the same sources-per-target quota when a session is re-pointed as when it is created (100 on a listed large type)', async () => {
    // Prepare: a 100-source target holding 10 sources, and one session elsewhere to re-point onto it.
    const w = world();
    const big = await target(w, 'm5.24xlarge');
    const small = await target(w, 'm5.large');
    const filterId = await filter(w);
    for (const eni of sources(w, 10)) await w.ec2.send(new CreateTrafficMirrorSessionCommand({ NetworkInterfaceId: eni, TrafficMirrorTargetId: big, TrafficMirrorFilterId: filterId, SessionNumber: 1 }));
    const [eleventh] = sources(w, 1);
    const moved = await w.ec2.send(new CreateTrafficMirrorSessionCommand({ NetworkInterfaceId: eleventh, TrafficMirrorTargetId: small, TrafficMirrorFilterId: filterId, SessionNumber: 1 }));

    // Act: the eleventh source moves onto the large target (modify used to allow only 10).
    const code = await codeOf(w.ec2.send(new ModifyTrafficMirrorSessionCommand({ TrafficMirrorSessionId: moved.TrafficMirrorSession?.TrafficMirrorSessionId, TrafficMirrorTargetId: big })));

    // Assess
    expect(code).toBe('no error');
  });

  it('gives a metal size no 100-source quota (it is not on the quotas page list)', async () => {
    const w = world();
    expect(allowlist.hundredSourceTargetTypes.some((t) => t.endsWith('.metal'))).toBe(false);
    const metal = await target(w, 'm5.metal');
    const filterId = await filter(w);
    const eni = sources(w, 11);
    for (const e of eni.slice(0, 10)) await w.ec2.send(new CreateTrafficMirrorSessionCommand({ NetworkInterfaceId: e, TrafficMirrorTargetId: metal, TrafficMirrorFilterId: filterId, SessionNumber: 1 }));
    expect(await codeOf(w.ec2.send(new CreateTrafficMirrorSessionCommand({ NetworkInterfaceId: eni[10], TrafficMirrorTargetId: metal, TrafficMirrorFilterId: filterId, SessionNumber: 1 })))).toBe('TrafficMirrorSourcesPerTargetLimitExceeded');
  });

  it('mirrors to a target in another VPC (AWS routes it through peering or a transit gateway)', async () => {
    const w = world();
    const otherVpc = w.account.ec2.createVpc({ cidrBlocks: ['10.9.0.0/16'] });
    const otherSubnet = w.account.ec2.createSubnet({ vpcId: otherVpc, cidrBlock: '10.9.1.0/24', availabilityZone: 'us-east-1a' });
    const remote = await target(w, 'c6i.large', otherSubnet);
    const [eni] = sources(w, 1);
    const code = await codeOf(w.ec2.send(new CreateTrafficMirrorSessionCommand({ NetworkInterfaceId: eni, TrafficMirrorTargetId: remote, TrafficMirrorFilterId: await filter(w), SessionNumber: 1 })));
    expect(code).toBe('no error');
  });

  it('filters sessions by packet-length, a filter the EC2 API reference documents', async () => {
    const w = world();
    const t = await target(w, 'c6i.large');
    const f = await filter(w);
    const [a, b] = sources(w, 2);
    await w.ec2.send(new CreateTrafficMirrorSessionCommand({ NetworkInterfaceId: a, TrafficMirrorTargetId: t, TrafficMirrorFilterId: f, SessionNumber: 1, PacketLength: 128 }));
    await w.ec2.send(new CreateTrafficMirrorSessionCommand({ NetworkInterfaceId: b, TrafficMirrorTargetId: t, TrafficMirrorFilterId: f, SessionNumber: 1 }));
    const out = await w.ec2.send(new DescribeTrafficMirrorSessionsCommand({ Filters: [{ Name: 'packet-length', Values: ['128'] }] }));
    expect(out.TrafficMirrorSessions?.map((s) => s.NetworkInterfaceId)).toEqual([a]);
  });

  it("refuses a source by the product's own instance-type data: a family the data excludes fails, one it lists is mirrored", async () => {
    const w = world();
    const t = await target(w, 'c6i.large');
    const f = await filter(w);
    const excluded = w.account.ec2.seedInstance({ instanceType: `${allowlist.notSupported[0]}.large`, subnetId: w.subnetId }).networkInterfaceIds[0];
    const listed = w.account.ec2.seedInstance({ instanceType: 'm6i.large', subnetId: w.subnetId }).networkInterfaceIds[0];
    expect(await codeOf(w.ec2.send(new CreateTrafficMirrorSessionCommand({ NetworkInterfaceId: excluded, TrafficMirrorTargetId: t, TrafficMirrorFilterId: f, SessionNumber: 1 })))).toBe('InvalidParameterValue');
    expect(await codeOf(w.ec2.send(new CreateTrafficMirrorSessionCommand({ NetworkInterfaceId: listed, TrafficMirrorTargetId: t, TrafficMirrorFilterId: f, SessionNumber: 1 })))).toBe('no error');
  });
});

describe('simulated eventual consistency', () => {
  it('answers a just-created security group with InvalidGroup.NotFound to the next call, then finds it', async () => {
    // Prepare: the consistency lag on (EC2 API reference, "Eventual consistency").
    const w = world({ timings: { consistencyLagSeconds: 5, consistencyLagMisses: 1 } });
    const { GroupId } = await w.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'late', Description: 'late', VpcId: w.vpcId }));
    const rule = new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [{ IpProtocol: 'udp', FromPort: 4789, ToPort: 4789, IpRanges: [{ CidrIp: '10.0.0.0/16' }] }] });

    // Act
    const first = await codeOf(w.ec2.send(rule));
    const second = await codeOf(w.ec2.send(rule));

    // Assess
    expect([first, second]).toEqual(['InvalidGroup.NotFound', 'no error']);
  });

  it('lets a just-created id settle once the simulated clock has moved past the lag', async () => {
    const w = world({ timings: { consistencyLagSeconds: 5, consistencyLagMisses: 100, consistencyLagCalls: 100 } });
    const { GroupId } = await w.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'late', Description: 'late', VpcId: w.vpcId }));
    const rule = new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [{ IpProtocol: 'udp', FromPort: 4789, ToPort: 4789, IpRanges: [{ CidrIp: '10.0.0.0/16' }] }] });
    expect(await codeOf(w.ec2.send(rule))).toBe('InvalidGroup.NotFound');
    w.account.clock.advance(5_000);
    expect(await codeOf(w.ec2.send(rule))).toBe('no error');
  });
});

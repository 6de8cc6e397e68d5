import {
  CreateTrafficMirrorSessionCommand,
  DescribeInstancesCommand,
  DescribeTrafficMirrorSessionsCommand,
  DescribeTrafficMirrorTargetsCommand,
  EC2Client,
  EC2ServiceException,
  type Instance,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { backfillCommand } from '../../../../bin/commands/backfill';
import { main } from '../../../../bin/mirrorhunt';
import { fleetSessionToken } from '../../../../functions/shared/domain/auto-mirror';
import type { Pacer } from '../../../../functions/shared/workflows/pacer';
import { readFixture } from '../../../support/fixtures';

const ec2Mock = mockClient(EC2Client);
const TARGET = 'tmt-0f1ee700000000001';
const FILTER = 'tmf-0f1ee700000000001';
const NOW = new Date('2026-11-24T08:30:00Z');
const IDS = ['--target-id', TARGET, '--filter-id', FILTER];
const NO_WAIT = { retries: 2, baseMs: 0, maxMs: 0, sleep: async () => undefined };

interface TrailItem {
  instanceId: string;
  instanceType: string;
  vpcId: string;
  subnetId: string;
  launchTime: number;
  tagSet?: { items: Array<{ key: string; value: string }> };
  networkInterfaceSet: { items: Array<{ networkInterfaceId: string; interfaceType: string; attachment: { deviceIndex: number } }> };
}

/** The CloudTrail fixture's two instances as DescribeInstances shows them once they run. */
function runningInstances(): Instance[] {
  const trail = readFixture<{ detail: { responseElements: { instancesSet: { items: TrailItem[] } } } }>('cloudtrail', 'run-instances-two.json');
  return trail.detail.responseElements.instancesSet.items.map((i) => ({
    InstanceId: i.instanceId,
    InstanceType: i.instanceType as Instance['InstanceType'],
    VpcId: i.vpcId,
    SubnetId: i.subnetId,
    LaunchTime: new Date(i.launchTime),
    State: { Name: 'running', Code: 16 },
    Tags: (i.tagSet?.items ?? []).map((t) => ({ Key: t.key, Value: t.value })),
    NetworkInterfaces: i.networkInterfaceSet.items.map((n) => ({ NetworkInterfaceId: n.networkInterfaceId, InterfaceType: n.interfaceType, Attachment: { DeviceIndex: n.attachment.deviceIndex } })),
  }));
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s) }, out, err };
}

function countingPacer(): Pacer & { waits: number } {
  const pacer = { waits: 0, wait: async () => void pacer.waits++ };
  return pacer;
}

const run = (argv: string[], pacer: Pacer = countingPacer()) => {
  const { io, out, err } = capture();
  const done = backfillCommand(argv, io, { ec2: new EC2Client({ region: 'us-east-1' }), env: { MIRRORHUNT_STACK: 'mirrorhunt-test' }, pacer, backoff: NO_WAIT, now: () => NOW });
  return done.then((code) => ({ code, out: out.join(''), err: err.join('') }));
};

beforeEach(() => {
  ec2Mock.reset();
  ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: runningInstances() }] });
  ec2Mock.on(DescribeTrafficMirrorSessionsCommand).resolves({ TrafficMirrorSessions: [] });
  ec2Mock.on(DescribeTrafficMirrorTargetsCommand).resolves({ TrafficMirrorTargets: [] });
  ec2Mock.on(CreateTrafficMirrorSessionCommand).callsFake((input: { NetworkInterfaceId: string }) => ({ TrafficMirrorSession: { TrafficMirrorSessionId: `tms-${input.NetworkInterfaceId.slice(4)}` } }));
});

describe('mirrorhunt backfill', () => {
  it('creates a tagged fleet session on every in-scope ENI of the running instances', async () => {
    // Act
    const { code, out } = await run(IDS);

    // Assess
    expect(code).toBe(0);
    expect(ec2Mock).toHaveReceivedCommandTimes(CreateTrafficMirrorSessionCommand, 2);
    expect(ec2Mock).toHaveReceivedCommandWith(CreateTrafficMirrorSessionCommand, {
      NetworkInterfaceId: 'eni-0aa00000000000001',
      TrafficMirrorTargetId: TARGET,
      TrafficMirrorFilterId: FILTER,
      SessionNumber: 32766,
      ClientToken: fleetSessionToken({ networkInterfaceId: 'eni-0aa00000000000001', targetId: TARGET, filterId: FILTER, sessionNumber: 32766, launchTime: new Date(1764000000000).toISOString(), now: NOW }),
      TagSpecifications: [
        {
          ResourceType: 'traffic-mirror-session',
          Tags: [
            { Key: 'mirrorhunt:managed', Value: 'true' },
            { Key: 'mirrorhunt:stack', Value: 'mirrorhunt-test' },
            { Key: 'mirrorhunt:role', Value: 'fleet-session' },
            { Key: 'mirrorhunt:source-instance', Value: 'i-0aa00000000000001' },
          ],
        },
      ],
    });
    expect(out).toMatch(/^created +i-0aa00000000000001 eni-0aa00000000000011 tms-0aa00000000000011/m);
  });

  it('skips an instance that opted out by tag', async () => {
    // Act
    const { out } = await run(IDS);

    // Assess
    const created = ec2Mock.commandCalls(CreateTrafficMirrorSessionCommand).map((c) => c.args[0].input.NetworkInterfaceId);
    expect(created).not.toContain('eni-0aa00000000000002');
    expect(out).toMatch(/^out-of-scope +i-0aa00000000000002 - +opted out by tag mirrorhunt:mirror=false/m);
  });

  it('with --dry-run prints what it would create and creates nothing', async () => {
    // Act
    const { code, out, err } = await run([...IDS, '--dry-run']);

    // Assess
    expect(code).toBe(0);
    expect(ec2Mock).toHaveReceivedCommandTimes(CreateTrafficMirrorSessionCommand, 0);
    expect(out.match(/^would-create +i-0aa00000000000001 eni-0aa000000000000(01|11) session-number 32766/gm)).toHaveLength(2);
    expect(err).toMatch(/dry run: nothing was created/);
  });

  it('leaves an ENI that already sends to the fleet alone', async () => {
    // Prepare
    ec2Mock.on(DescribeTrafficMirrorSessionsCommand).resolves({
      TrafficMirrorSessions: [{ TrafficMirrorSessionId: 'tms-0ex1', NetworkInterfaceId: 'eni-0aa00000000000001', TrafficMirrorTargetId: TARGET, SessionNumber: 1 }],
    });

    // Act
    const { out } = await run(IDS);

    // Assess
    expect(ec2Mock.commandCalls(CreateTrafficMirrorSessionCommand).map((c) => c.args[0].input.NetworkInterfaceId)).toEqual(['eni-0aa00000000000011']);
    expect(out).toMatch(/^already-mirrored +i-0aa00000000000001 eni-0aa00000000000001/m);
  });

  it('follows DescribeInstances pages and reports progress per page on stderr', async () => {
    // Prepare
    const [first, second] = runningInstances();
    ec2Mock
      .on(DescribeInstancesCommand)
      .resolvesOnce({ Reservations: [{ Instances: [first!] }], NextToken: 'page-2' })
      .resolvesOnce({ Reservations: [{ Instances: [second!] }] });

    // Act
    const { err } = await run(IDS);

    // Assess
    const calls = ec2Mock.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input);
    // The SDK paginator reuses one input object, so only the last token can be read back.
    expect(calls).toHaveLength(2);
    expect(calls[1]?.NextToken).toBe('page-2');
    expect(calls[0]).toMatchObject({ MaxResults: 100, Filters: [{ Name: 'instance-state-name', Values: ['running'] }] });
    expect(err).toMatch(/^page 1: 1 instances \(1 so far\)/m);
    expect(err).toMatch(/^page 2: 1 instances \(2 so far\)/m);
  });

  it('waits for the pacer before every create and every further page', async () => {
    // Prepare
    const pacer = countingPacer();

    // Act
    await run(IDS, pacer);

    // Assess: two creates, one page.
    expect(pacer.waits).toBe(3);
  });

  it('narrows the scan to the given VPCs on the EC2 side when scope combines with AND', async () => {
    // Act
    await run([...IDS, '--vpc', 'vpc-0aa00000000000001']);

    // Assess
    expect(ec2Mock).toHaveReceivedCommandWith(DescribeInstancesCommand, {
      Filters: [
        { Name: 'instance-state-name', Values: ['running'] },
        { Name: 'vpc-id', Values: ['vpc-0aa00000000000001'] },
      ],
    });
  });

  it('exits 1 and names the ENI when AWS refuses a session', async () => {
    // Prepare
    ec2Mock
      .on(CreateTrafficMirrorSessionCommand, { NetworkInterfaceId: 'eni-0aa00000000000011' })
      .rejects(new EC2ServiceException({ name: 'InvalidParameterValue', $fault: 'client', $metadata: {}, message: 'not supported' }));

    // Act
    const { code, out } = await run(IDS);

    // Assess
    expect(code).toBe(1);
    expect(out).toMatch(/^failed +i-0aa00000000000001 eni-0aa00000000000011 .*InvalidParameterValue/m);
    expect(out).toMatch(/^created +i-0aa00000000000001 eni-0aa00000000000001/m);
  });

  it('refuses to run without a fleet target id and calls nothing', async () => {
    // Act
    const { code, err } = await run(['--filter-id', FILTER]);

    // Assess
    expect(code).toBe(2);
    expect(err).toMatch(/--target-id/);
    expect(ec2Mock.calls()).toHaveLength(0);
  });

  it('refuses a malformed --rate', async () => {
    // Act
    const { code, err } = await run([...IDS, '--rate', '0']);

    // Assess
    expect(code).toBe(2);
    expect(err).toMatch(/--rate/);
  });

  it('is reachable as a mirrorhunt command', async () => {
    // Prepare
    const { io, out } = capture();

    // Act
    const code = await main(['backfill', '--help'], io);

    // Assess
    expect(code).toBe(0);
    expect(out.join('')).toMatch(/^usage: mirrorhunt backfill/);
  });
});

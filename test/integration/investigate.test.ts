import {
  CreateTrafficMirrorFilterCommand,
  CreateTrafficMirrorSessionCommand,
  CreateTrafficMirrorTargetCommand,
} from '@aws-sdk/client-ec2';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { SimClock } from '../../local/aws-sim/clock';
import { SimulatedAccount, type SimulatedAccountOptions } from '../../local/aws-sim/account';
import { createLocalInvestigation, type LocalInvestigation } from '../../local/local-investigation';
import { LOCAL, localConfig } from '../../local/local-account';
import { SimulatedSensors, noTraffic } from '../../local/simulated-sensor';
import type { QueryEngine } from '../../functions/shared/hunting/engine';
import type { InvestigationState } from '../../functions/shared/domain/state';
import { seedFromFinding, type SeededWorld } from '../../local/world';
import { ec2Finding, guardDutyEvent } from '../support/fixtures';
import { tempDir } from '../support/temp';

/** A query engine that answers every hunt with no rows: these tests are about the workflow, not the hunts. */
const emptyEngine: QueryEngine = { name: 'duckdb', run: async () => ({ rows: [], elapsedMs: 0 }) };

interface Harness {
  account: SimulatedAccount;
  local: LocalInvestigation;
  world: SeededWorld;
  sensors: SimulatedSensors;
}

function harness(
  finding = ec2Finding({ instanceId: 'i-0a1b2c3d4e5f60718' }),
  options: { config?: Record<string, string>; timings?: SimulatedAccountOptions['timings'] } = {},
): Harness & { event: unknown } {
  const account = new SimulatedAccount({ clock: new SimClock(new Date('2026-11-24T08:00:00Z')), s3Root: tempDir('mh-it-'), timings: options.timings });
  const event = guardDutyEvent(finding);
  const world = seedFromFinding(account, event);
  const sensors = new SimulatedSensors(account, noTraffic);
  const config = options.config ? localConfig(options.config) : undefined;
  const local = createLocalInvestigation({ account, config, queryEngine: async () => emptyEngine, waitMs: 1, retryMs: 1 });
  return { account, local, world, sensors, event };
}

async function investigate(h: Harness & { event: unknown }) {
  const trigger = await h.local.trigger(h.event);
  if (trigger.outcome !== 'started') throw new Error(`trigger did not start: ${JSON.stringify(trigger)}`);
  const execution = h.local.stepFunctions.executions.get(trigger.executionName);
  if (!execution) throw new Error('no execution');
  await execution.done;
  return { execution, state: execution.output as InvestigationState | undefined };
}

function ours(account: SimulatedAccount) {
  return account.listResources().filter((r) => r.tags['mirrorhunt:managed'] === 'true');
}

describe('investigate, run locally on the simulated account', () => {
  it('mirrors, captures, tears down and reports on the happy path, leaving nothing of ours behind', async () => {
    const h = harness();
    const { execution, state } = await investigate(h);
    expect(execution.status).toBe('SUCCEEDED');
    expect(state?.mirror?.sessions.map((s) => s.networkInterfaceId)).toEqual(h.world.networkInterfaceIds);
    expect(state?.report?.outcome).toBe('completed');
    expect(state?.teardown?.deleted.map((d) => d.type).sort()).toEqual(
      expect.arrayContaining(['mirror-filter', 'mirror-target', 'security-group', 'sensor-instance', 'claim']),
    );
    expect(ours(h.account)).toEqual([]);
    const report = await h.account.clients().s3.send(new GetObjectCommand({ Bucket: LOCAL.bucket, Key: state?.report?.jsonKey }));
    expect(JSON.parse((await report.Body?.transformToString()) ?? '{}')).toMatchObject({ outcome: 'completed', target: { instanceId: 'i-0a1b2c3d4e5f60718' } });
    expect(h.account.sns.messages()).toHaveLength(1);
  });

  it('waits the capture window on the simulated clock, not in real time', async () => {
    const h = harness();
    const { state } = await investigate(h);
    const minutes = (Date.parse(state?.mirrorStop?.stoppedAt ?? '') - Date.parse(state?.mirror?.startedAt ?? '')) / 60000;
    expect(minutes).toBe(60);
  });

  it('polls the booting sensor instead of assuming it is ready', async () => {
    const h = harness();
    const { state } = await investigate(h);
    expect(state?.sensorStatus?.attempts).toBeGreaterThan(1);
  });

  it('ends early with a reported reason and launches nothing for an unsupported instance type', async () => {
    const h = harness(ec2Finding({ instanceId: 'i-0a1b2c3d4e5f60718', instanceType: 't2.micro' }));
    const { execution, state } = await investigate(h);
    expect(execution.status).toBe('SUCCEEDED');
    expect(state?.report?.outcome).toBe('not-mirrorable');
    expect(state?.report?.summary).toMatch(/t2\.micro/);
    expect(h.account.calls.filter((c) => c.operation === 'RunInstances')).toHaveLength(0);
  });

  it('reports an ENI already holding three sessions and mirrors nothing on it', async () => {
    const h = harness();
    const ec2 = h.account.clients().ec2;
    const eni = h.world.networkInterfaceIds[0] as string;
    const target = await ec2.send(new CreateTrafficMirrorTargetCommand({ NetworkLoadBalancerArn: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/x/1' }));
    const filter = await ec2.send(new CreateTrafficMirrorFilterCommand({}));
    for (const n of [5, 6, 7]) {
      await ec2.send(
        new CreateTrafficMirrorSessionCommand({
          NetworkInterfaceId: eni,
          TrafficMirrorTargetId: target.TrafficMirrorTarget?.TrafficMirrorTargetId,
          TrafficMirrorFilterId: filter.TrafficMirrorFilter?.TrafficMirrorFilterId,
          SessionNumber: n,
        }),
      );
    }
    const { state } = await investigate(h);
    expect(state?.target.skipped).toEqual([expect.objectContaining({ networkInterfaceId: eni, reason: 'quota-full' })]);
    expect(state?.report?.outcome).toBe('not-mirrorable');
    expect(h.account.calls.filter((c) => c.operation === 'RunInstances')).toHaveLength(0);
    expect(h.account.ec2.sessions()).toHaveLength(3);
  });

  it('mirrors every ENI of an instance with several', async () => {
    const finding = ec2Finding({ instanceId: 'i-0a1b2c3d4e5f60718' });
    const eni = (finding.resource.instanceDetails.networkInterfaces as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
    finding.resource.instanceDetails.networkInterfaces = [
      { ...eni, networkInterfaceId: 'eni-0000000000000000a', privateIpAddress: '10.20.1.5' },
      { ...eni, networkInterfaceId: 'eni-0000000000000000b', privateIpAddress: '10.20.1.6' },
      { ...eni, networkInterfaceId: 'eni-0000000000000000c', privateIpAddress: '10.20.1.7' },
    ];
    const h = harness(finding);
    const { state } = await investigate(h);
    expect(state?.mirror?.sessions.map((s) => s.networkInterfaceId)).toEqual(['eni-0000000000000000a', 'eni-0000000000000000b', 'eni-0000000000000000c']);
    expect(new Set(state?.mirror?.sessions.map((s) => s.sessionNumber))).toEqual(new Set([1]));
    expect(ours(h.account)).toEqual([]);
  });

  it('starts one investigation for a finding published three times', async () => {
    const h = harness();
    const first = await h.local.trigger(h.event);
    const again = await h.local.trigger(h.event);
    const updated = await h.local.trigger(guardDutyEvent({ ...ec2Finding({ instanceId: 'i-0a1b2c3d4e5f60718' }), updatedAt: '2026-11-24T09:00:00Z', title: 'EC2 instance i-0a1b2c3d4e5f60718 is still querying a command and control server.' }));
    expect([first.outcome, again.outcome, updated.outcome]).toEqual(['started', 'started', 'duplicate']);
    expect(h.local.stepFunctions.executions.size).toBe(1);
    await h.local.stepFunctions.executions.get((first as { executionName: string }).executionName)?.done;
  });

  it('records a second finding for an instance under investigation against the running one, without a second sensor', async () => {
    const h = harness();
    const first = await h.local.trigger(h.event);
    const second = await h.local.trigger(guardDutyEvent(ec2Finding({ instanceId: 'i-0a1b2c3d4e5f60718', id: 'a0000000000000000000000000000002', type: 'Trojan:EC2/DropPoint' })));
    const executions = [...h.local.stepFunctions.executions.values()];
    await Promise.all(executions.map((e) => e.done));
    const [a, b] = executions.map((e) => e.output as InvestigationState);
    const outcomes = [a?.report?.outcome, b?.report?.outcome].sort();
    expect(outcomes).toEqual(['already-under-investigation', 'completed']);
    expect(h.account.calls.filter((c) => c.operation === 'RunInstances')).toHaveLength(1);
    expect([first.outcome, second.outcome]).toEqual(['started', 'started']);
    const winner = [a, b].find((s) => s?.report?.outcome === 'completed');
    expect(winner?.report?.summary).toBeDefined();
    expect(ours(h.account)).toEqual([]);
  });

  it('launches the sensor hardened: no public address even in a public subnet, IMDSv2 only, tagged, admitting only VXLAN from the VPC', async () => {
    const h = harness();
    const subnetId = h.account.ec2.instances().find((i) => i.InstanceId === h.world.instanceId)?.SubnetId as string;
    h.account.ec2.setMapPublicIpOnLaunch(subnetId, true);
    let sensor: ReturnType<SimulatedAccount['ec2']['instances']>[number] | undefined;
    let group: ReturnType<SimulatedAccount['ec2']['securityGroups']>[number] | undefined;
    h.account.ec2.events.on('instanceStateChanged', (e: { instanceId: string; to: string }) => {
      if (e.to !== 'running') return;
      sensor = h.account.ec2.instances().find((i) => i.InstanceId === e.instanceId);
      group = h.account.ec2.securityGroups().find((g) => g.GroupId === sensor?.SecurityGroups?.[0]?.GroupId);
    });
    await investigate(h);
    expect(sensor?.PublicIpAddress).toBeUndefined();
    expect(sensor?.MetadataOptions).toMatchObject({ HttpTokens: 'required' });
    expect(sensor?.Tags).toEqual(expect.arrayContaining([{ Key: 'mirrorhunt:managed', Value: 'true' }]));
    expect(group?.IpPermissions).toEqual([expect.objectContaining({ IpProtocol: 'udp', FromPort: 4789, ToPort: 4789, IpRanges: h.world.vpcCidrs.map((c) => expect.objectContaining({ CidrIp: c })) })]);
  });

  it('fails at Launch Sensor with the fix in the message when the subnet is public (no route to S3 for a sensor without a public address), creating nothing', async () => {
    // Prepare: the target's subnet routes 0.0.0.0/0 to an internet gateway and has no S3 gateway endpoint
    const h = harness();
    const target = h.account.ec2.instances().find((i) => i.InstanceId === h.world.instanceId);
    h.account.routeTables.associate(target?.SubnetId as string, target?.VpcId as string, 'public');

    // Act
    const { execution } = await investigate(h);

    // Assess
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toMatchObject({ name: 'SensorSubnetUnroutableError', cause: expect.stringMatching(/public subnet.*S3 gateway endpoint.*sensorSubnets/s) });
    expect(h.account.calls.filter((c) => /^(RunInstances|CreateSecurityGroup)$/.test(c.operation))).toEqual([]);
    expect(ours(h.account)).toEqual([]);
  });

  it('launches the sensor in the dedicated sensor subnet of the target\'s AZ when one is configured', async () => {
    // Prepare: the target's subnet is public; a private sensor subnet with a NAT route sits in the same AZ
    const probe = harness();
    const seeded = probe.account.ec2.instances().find((i) => i.InstanceId === probe.world.instanceId);
    const az = seeded?.Placement?.AvailabilityZone as string;
    const h = harness(undefined, { config: { SENSOR_SUBNETS: `${az}=subnet-0000000000000ff01` } });
    const target = h.account.ec2.instances().find((i) => i.InstanceId === h.world.instanceId);
    h.account.ec2.createSubnet({ vpcId: target?.VpcId as string, cidrBlock: '10.20.250.0/24', availabilityZone: az, subnetId: 'subnet-0000000000000ff01' });
    h.account.routeTables.associate(target?.SubnetId as string, target?.VpcId as string, 'public');
    h.account.routeTables.associate('subnet-0000000000000ff01', target?.VpcId as string, 'nat');

    // Act
    const { execution, state } = await investigate(h);

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(state?.report?.outcome).toBe('completed');
    const run = h.account.calls.find((c) => c.operation === 'RunInstances');
    expect((run?.input as { NetworkInterfaces: Array<{ SubnetId: string }> }).NetworkInterfaces[0]?.SubnetId).toBe('subnet-0000000000000ff01');
  });

  it('runs a manual investigation of one ENI, started by hand with StartExecution, mirroring only that ENI', async () => {
    const finding = ec2Finding({ instanceId: 'i-0a1b2c3d4e5f60718' });
    const eni = (finding.resource.instanceDetails.networkInterfaces as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
    finding.resource.instanceDetails.networkInterfaces = [
      { ...eni, networkInterfaceId: 'eni-0000000000000000a', privateIpAddress: '10.20.1.5' },
      { ...eni, networkInterfaceId: 'eni-0000000000000000b', privateIpAddress: '10.20.1.6' },
    ];
    const h = harness(finding);
    const execution = h.local.stepFunctions.start('manual-20261124-0800-abc123', { networkInterfaceId: 'eni-0000000000000000b', captureMinutes: 5, reason: 'odd outbound traffic' });
    await execution.done;
    const state = execution.output as InvestigationState;
    expect(execution.status).toBe('SUCCEEDED');
    expect(state.mirror?.sessions.map((s) => s.networkInterfaceId)).toEqual(['eni-0000000000000000b']);
    expect(ours(h.account)).toEqual([]);
  });

  it('fails a manual start with malformed input at the first step, naming the field, and creates nothing', async () => {
    const h = harness();
    const execution = h.local.stepFunctions.start('manual-bad', { instanceId: 'i-0a1b2c3d4e5f60718', captureMinutes: 0, reason: 'x', colour: 'red' });
    await execution.done;
    expect(execution.status).toBe('FAILED');
    expect(execution.error?.name).toBe('InvalidInputError');
    expect(execution.error?.cause).toMatch(/captureMinutes|colour/);
    expect(h.account.calls.filter((c) => /^(Run|Create)/.test(c.operation))).toEqual([]);
  });

  it('waits one log rotation plus the upload after the capture before tearing the sensor down', async () => {
    const h = harness(undefined, { config: { SENSOR_ROTATE_SECONDS: '300' } });
    const { state } = await investigate(h);
    const terminate = h.account.calls.find((c) => c.operation === 'TerminateInstances');
    const stoppedAt = Date.parse(state?.mirrorStop?.stoppedAt ?? '');
    expect((terminate?.at.getTime() ?? 0) - stoppedAt).toBe(330_000);
  });

  it('rides out EC2 not yet seeing the sensor it just launched (eventual consistency)', async () => {
    const h = harness(undefined, { timings: { launchInvisibleSeconds: 20 } });
    const { execution } = await investigate(h);
    expect(h.account.calls.some((c) => c.operation === 'DescribeInstances' && c.error === 'InvalidInstanceID.NotFound')).toBe(true);
    expect(execution.status).toBe('SUCCEEDED');
    expect(ours(h.account)).toEqual([]);
  });

  it('rides out a just-created security group, filter and target answering NotFound to the next call (eventual consistency), leaving nothing behind', async () => {
    // Prepare: every id a create hands out is missed twice by other calls before it appears
    const h = harness(undefined, { timings: { consistencyLagSeconds: 60, consistencyLagMisses: 2 } });

    // Act
    const { execution, state } = await investigate(h);

    // Assess
    const missed = new Set(h.account.calls.filter((c) => c.error?.endsWith('.NotFound')).map((c) => `${c.operation} ${c.error}`));
    expect([...missed]).toEqual(expect.arrayContaining(['AuthorizeSecurityGroupIngress InvalidGroup.NotFound', 'ModifyTrafficMirrorFilterNetworkServices InvalidTrafficMirrorFilterId.NotFound']));
    expect(execution.status).toBe('SUCCEEDED');
    expect(state?.report?.outcome).toBe('completed');
    expect(ours(h.account)).toEqual([]);
  });
});

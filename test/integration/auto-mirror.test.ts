import { CreateTrafficMirrorFilterCommand, CreateTrafficMirrorSessionCommand, CreateTrafficMirrorTargetCommand, DeleteTrafficMirrorSessionCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { autoMirror, type AutoMirrorResult } from '../../functions/autoMirror/handler';
import { resolveTarget } from '../../functions/resolveTarget/handler';
import { TAG_MANAGED } from '../../functions/shared/tags';
import { SimClock } from '../../local/aws-sim/clock';
import { SimulatedAccount } from '../../local/aws-sim/account';
import { fleetDeps, provisionFleet, runInstancesEvent, stateChangeEvent } from '../../local/fleet';
import { tempDir } from '../support/temp';

const FAST = { retries: 8, baseMs: 1, maxMs: 5 };

async function fleetWorld(env: Record<string, string> = {}) {
  const account = new SimulatedAccount({ clock: new SimClock(new Date('2026-11-24T08:00:00Z')), s3Root: tempDir('mh-am-') });
  const vpcId = account.ec2.createVpc({ cidrBlocks: ['10.40.0.0/16'] });
  const subnetId = account.ec2.createSubnet({ vpcId, cidrBlock: '10.40.1.0/24', availabilityZone: 'us-east-1a' });
  const otherVpc = account.ec2.createVpc({ cidrBlocks: ['10.50.0.0/16'] });
  const otherSubnet = account.ec2.createSubnet({ vpcId: otherVpc, cidrBlock: '10.50.1.0/24', availabilityZone: 'us-east-1a' });
  account.ec2.registerImage('ami-0123456789abcdef0');
  const fleet = await provisionFleet(account, ['10.40.0.0/16']);
  const deps = fleetDeps(account, fleet, { FLEET_VNI: '4242', ...env });
  const metrics: Array<[string, string, number]> = [];
  const handler = autoMirror(deps, { backoff: FAST, metrics: (name, outcome, count) => metrics.push([name, outcome, count]) });
  const startCall = account.calls.length;
  return { account, vpcId, subnetId, otherSubnet, fleet, handler, metrics, startCall };
}

async function launch(account: SimulatedAccount, subnetId: string, count = 1, instanceType = 'm5.large', tags: Record<string, string> = {}): Promise<string[]> {
  const out = await account.clients().ec2.send(
    new RunInstancesCommand({
      ImageId: 'ami-0123456789abcdef0',
      InstanceType: instanceType as never,
      MinCount: count,
      MaxCount: count,
      SubnetId: subnetId,
      TagSpecifications: Object.keys(tags).length ? [{ ResourceType: 'instance', Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }] : undefined,
    }),
  );
  return (out.Instances ?? []).map((i) => i.InstanceId as string);
}

const fleetSessions = (account: SimulatedAccount, targetId: string) => account.ec2.sessions().filter((s) => s.TrafficMirrorTargetId === targetId);
const outcomes = (r: AutoMirrorResult) => r.decisions.map((d) => d.outcome);

describe('the fleet and an investigation of the same instance', () => {
  it("leaves the investigation the first session number: an instance mirrored onto the fleet can still be investigated", async () => {
    // Prepare: an instance mirrored onto the fleet by autoMirror.
    const w = await fleetWorld();
    const [instanceId] = await launch(w.account, w.subnetId);
    w.account.clock.advance(60_000);
    await w.handler(runInstancesEvent(w.account, [instanceId as string]));
    const fleetSession = fleetSessions(w.account, w.fleet.targetId)[0];

    // Act: the investigation's first step plans its own session on the same instance.
    const state = await resolveTarget(fleetDeps(w.account, w.fleet, {}, 'resolveTarget'))({ input: { instanceId, reason: 'suspicious' }, execution: { name: 'manual-1', id: 'arn:aws:states:us-east-1:000000000000:execution:x:manual-1', startTime: '2026-11-24T08:01:00Z' } });

    // Assess: the fleet sits at the last number, behind it; the investigation gets number 1.
    expect(fleetSession?.SessionNumber).toBe(32766);
    expect(state.target.mirrorable).toBe(true);
    expect(state.target.enis.map((e) => e.sessionNumber)).toEqual([1]);
  });
});

describe('autoMirror on the simulated account', () => {
  it('mirrors every ENI of every instance in a multi-instance launch onto the fleet, tagged, with the fleet VNI', async () => {
    const w = await fleetWorld();
    const ids = await launch(w.account, w.subnetId, 3);
    const extra = w.account.ec2.seedInstance({ instanceType: 'm5.xlarge', subnetId: w.subnetId, extraNetworkInterfaces: 1, state: 'pending' });
    const result = await w.handler(runInstancesEvent(w.account, [...ids, extra.instanceId]));
    expect(outcomes(result)).toEqual(['created', 'created', 'created', 'created', 'created']);
    const sessions = fleetSessions(w.account, w.fleet.targetId);
    expect(sessions.map((s) => s.NetworkInterfaceId).sort()).toEqual(
      w.account.ec2.networkInterfaces().filter((n) => [...ids, extra.instanceId].includes(n.Attachment?.InstanceId ?? '')).map((n) => n.NetworkInterfaceId).sort(),
    );
    expect(sessions.every((s) => s.VirtualNetworkId === 4242 && s.TrafficMirrorFilterId === w.fleet.filterId && s.Tags?.some((t) => t.Key === TAG_MANAGED && t.Value === 'true'))).toBe(true);
  });

  it('creates nothing for a failed RunInstances call', async () => {
    const w = await fleetWorld();
    const result = await w.handler(runInstancesEvent(w.account, [], { errorCode: 'Client.UnauthorizedOperation' }));
    expect(result.event).toBe('failed-call');
    expect(w.account.calls.slice(w.startCall)).toEqual([]);
  });

  it('reports an unsupported instance type and creates no session for it', async () => {
    const w = await fleetWorld();
    const [id] = await launch(w.account, w.subnetId, 1, 't2.micro');
    const result = await w.handler(runInstancesEvent(w.account, [id as string]));
    expect(outcomes(result)).toEqual(['unsupported-type']);
    expect(w.account.calls.slice(w.startCall).filter((c) => c.operation === 'CreateTrafficMirrorSession')).toEqual([]);
  });

  it('reports an ENI that already holds three sessions as quota-full', async () => {
    const w = await fleetWorld();
    const [id] = await launch(w.account, w.subnetId);
    const ec2 = w.account.clients().ec2;
    const eni = w.account.ec2.instances().find((i) => i.InstanceId === id)?.NetworkInterfaces?.[0]?.NetworkInterfaceId as string;
    const other = await ec2.send(new CreateTrafficMirrorTargetCommand({ NetworkLoadBalancerArn: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/ndr/1' }));
    const filter = await ec2.send(new CreateTrafficMirrorFilterCommand({}));
    for (const n of [1, 2, 3]) {
      await ec2.send(new CreateTrafficMirrorSessionCommand({ NetworkInterfaceId: eni, TrafficMirrorTargetId: other.TrafficMirrorTarget?.TrafficMirrorTargetId, TrafficMirrorFilterId: filter.TrafficMirrorFilter?.TrafficMirrorFilterId, SessionNumber: n + 10 }));
    }
    const result = await w.handler(runInstancesEvent(w.account, [id as string]));
    expect(outcomes(result)).toEqual(['quota-full']);
    expect(fleetSessions(w.account, w.fleet.targetId)).toEqual([]);
  });

  it('leaves instances outside the configured VPCs alone', async () => {
    // fleetWorld builds its VPCs in a fixed order, so the first VPC id is known before the world exists.
    const probe = await fleetWorld();
    const s = await fleetWorld({ MIRROR_VPC_IDS: probe.vpcId });
    const [inside] = await launch(s.account, s.subnetId);
    const [outside] = await launch(s.account, s.otherSubnet);
    const result = await s.handler(runInstancesEvent(s.account, [inside as string, outside as string]));
    expect(result.decisions.map((d) => [d.instanceId, d.outcome])).toEqual(expect.arrayContaining([[inside, 'created'], [outside, 'out-of-scope']]));
  });

  it('does not create a second session when the same event is delivered again', async () => {
    const w = await fleetWorld();
    const ids = await launch(w.account, w.subnetId, 2);
    const event = runInstancesEvent(w.account, ids);
    await w.handler(event);
    const again = await w.handler(event);
    expect(outcomes(again)).toEqual(['already-mirrored', 'already-mirrored']);
    expect(fleetSessions(w.account, w.fleet.targetId)).toHaveLength(2);
  });

  it('creates one session per ENI when two invocations for the same instance run at once', async () => {
    const w = await fleetWorld();
    const [id] = await launch(w.account, w.subnetId);
    await Promise.all([w.handler(runInstancesEvent(w.account, [id as string])), w.handler(stateChangeEvent(w.account, id as string, 'running'))]);
    expect(fleetSessions(w.account, w.fleet.targetId)).toHaveLength(1);
  });

  it('retries EC2 throttling and still mirrors every instance', async () => {
    const w = await fleetWorld();
    const ids = await launch(w.account, w.subnetId, 10);
    w.account.faults.inject({ service: 'ec2', kind: 'throttle', rate: 0.4 });
    const result = await w.handler(runInstancesEvent(w.account, ids));
    expect(outcomes(result).filter((o) => o === 'created')).toHaveLength(10);
    expect(w.account.calls.some((c) => c.error === 'RequestLimitExceeded')).toBe(true);
  });

  it('never mirrors its own sensors', async () => {
    const w = await fleetWorld();
    const [sensor] = await launch(w.account, w.subnetId, 1, 'c6i.large', { 'mirrorhunt:managed': 'true', 'mirrorhunt:role': 'fleet-sensor' });
    const result = await w.handler(runInstancesEvent(w.account, [sensor as string]));
    expect(result.decisions.filter((d) => d.outcome === 'created')).toEqual([]);
    expect(fleetSessions(w.account, w.fleet.targetId)).toEqual([]);
  });

  it('with the delete-on-stop policy, deletes the fleet session when the instance stops and re-creates it when it runs again', async () => {
    const w = await fleetWorld({ STOPPED_INSTANCE_POLICY: 'delete' });
    const [id] = await launch(w.account, w.subnetId);
    await w.handler(runInstancesEvent(w.account, [id as string]));
    w.account.ec2.setInstanceState(id as string, 'stopped');
    const stopped = await w.handler(stateChangeEvent(w.account, id as string, 'stopped'));
    expect([outcomes(stopped), fleetSessions(w.account, w.fleet.targetId).length]).toEqual([['deleted'], 0]);
    w.account.clock.advance(3_600_000);
    w.account.ec2.setInstanceState(id as string, 'running');
    const running = await w.handler(stateChangeEvent(w.account, id as string, 'running'));
    expect([outcomes(running), fleetSessions(w.account, w.fleet.targetId).length]).toEqual([['created'], 1]);
  });

  it("ignores a 'stopped' event delivered late, after the instance runs again: its fleet session stays", async () => {
    const w = await fleetWorld({ STOPPED_INSTANCE_POLICY: 'delete' });
    const [id] = await launch(w.account, w.subnetId);
    w.account.clock.advance(60_000);
    await w.handler(runInstancesEvent(w.account, [id as string]));
    // EventBridge redelivers the stop from an hour ago; the instance was started again since.
    const late = await w.handler(stateChangeEvent(w.account, id as string, 'stopped'));
    expect([outcomes(late), fleetSessions(w.account, w.fleet.targetId).length]).toEqual([[], 1]);
  });

  it('mirrors an instance again after its fleet session was deleted (unmirror, or out of scope and back), not answered with the deleted id', async () => {
    const w = await fleetWorld();
    const [id] = await launch(w.account, w.subnetId);
    w.account.clock.advance(60_000);
    await w.handler(runInstancesEvent(w.account, [id as string]));
    const first = fleetSessions(w.account, w.fleet.targetId)[0]?.TrafficMirrorSessionId as string;
    await w.account.clients().ec2.send(new DeleteTrafficMirrorSessionCommand({ TrafficMirrorSessionId: first }));

    // Later, the instance is mirrored again (EC2 still knows the first call's token).
    w.account.clock.advance(3_600_000);
    const again = await w.handler(stateChangeEvent(w.account, id as string, 'running'));

    expect(outcomes(again)).toEqual(['created']);
    const now = fleetSessions(w.account, w.fleet.targetId).map((x) => x.TrafficMirrorSessionId);
    expect(now).toHaveLength(1);
    expect(now).not.toContain(first);
  });

  it('counts ENIs processed once per outcome', async () => {
    const w = await fleetWorld();
    const [a] = await launch(w.account, w.subnetId);
    const [b] = await launch(w.account, w.subnetId, 1, 't2.micro');
    await w.handler(runInstancesEvent(w.account, [a as string, b as string]));
    expect([...w.metrics].sort()).toEqual([
      ['EnisProcessed', 'created', 1],
      ['EnisProcessed', 'unsupported-type', 1],
    ]);
  });
});

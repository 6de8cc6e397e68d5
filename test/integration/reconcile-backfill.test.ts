import { CreateTrafficMirrorFilterCommand, CreateTrafficMirrorSessionCommand, CreateTrafficMirrorTargetCommand } from '@aws-sdk/client-ec2';
import { backfillCommand } from '../../bin/commands/backfill';
import { unmirrorCommand } from '../../bin/commands/unmirror';
import { reconcileMirrors } from '../../functions/reconcileMirrors/handler';
import { fleetSessionTags, incidentTags } from '../../functions/shared/tags';
import { SimClock } from '../../local/aws-sim/clock';
import { SimulatedAccount } from '../../local/aws-sim/account';
import { fleetDeps, provisionFleet } from '../../local/fleet';
import { LOCAL } from '../../local/local-account';
import { tempDir } from '../support/temp';

const unpaced = { wait: async () => undefined };

async function world(env: Record<string, string> = {}) {
  const account = new SimulatedAccount({ clock: new SimClock(new Date('2026-11-24T08:00:00Z')), s3Root: tempDir('mh-rec-'), ec2PageSize: 5 });
  const vpcId = account.ec2.createVpc({ cidrBlocks: ['10.40.0.0/16'] });
  const subnetId = account.ec2.createSubnet({ vpcId, cidrBlock: '10.40.0.0/22', availabilityZone: 'us-east-1a' });
  const fleet = await provisionFleet(account, ['10.40.0.0/16']);
  const deps = fleetDeps(account, fleet, { RECONCILE_DRY_RUN: 'false', ...env }, 'reconcileMirrors');
  return { account, ec2: account.clients().ec2, subnetId, fleet, deps };
}

type World = Awaited<ReturnType<typeof world>>;

async function session(w: World, eni: string, targetId: string, filterId: string, tags: Array<{ Key: string; Value: string }> | undefined, n = 1): Promise<string> {
  const out = await w.ec2.send(
    new CreateTrafficMirrorSessionCommand({ NetworkInterfaceId: eni, TrafficMirrorTargetId: targetId, TrafficMirrorFilterId: filterId, SessionNumber: n, TagSpecifications: tags ? [{ ResourceType: 'traffic-mirror-session', Tags: tags }] : undefined }),
  );
  return out.TrafficMirrorSession?.TrafficMirrorSessionId as string;
}

const toFleet = (w: World) => w.account.ec2.sessions().filter((s) => s.TrafficMirrorTargetId === w.fleet.targetId);

/** A fleet account that has drifted: one ENI unmirrored, one of ours on an old target, plus sessions that are not ours. */
async function driftedWorld() {
  const w = await world();
  const missing = w.account.ec2.seedInstance({ instanceType: 'm5.large', subnetId: w.subnetId });
  const stale = w.account.ec2.seedInstance({ instanceType: 'm5.large', subnetId: w.subnetId });
  const foreign = w.account.ec2.seedInstance({ instanceType: 'm5.large', subnetId: w.subnetId });
  const oldTarget = await w.ec2.send(new CreateTrafficMirrorTargetCommand({ NetworkLoadBalancerArn: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/old-fleet/1' }));
  const otherFilter = await w.ec2.send(new CreateTrafficMirrorFilterCommand({}));
  const oldTargetId = oldTarget.TrafficMirrorTarget?.TrafficMirrorTargetId as string;
  const otherFilterId = otherFilter.TrafficMirrorFilter?.TrafficMirrorFilterId as string;
  // Ours, pointing at a fleet target that has since been replaced.
  const staleSession = await session(w, stale.networkInterfaceIds[0] as string, oldTargetId, w.fleet.filterId, fleetSessionTags(LOCAL.stack, stale.instanceId));
  // Someone else's session to the same old target: not ours to touch.
  const foreignSession = await session(w, foreign.networkInterfaceIds[0] as string, oldTargetId, otherFilterId, undefined, 5);
  // An investigation's own session: the workflow's, not the reconciler's.
  const incidentSession = await session(w, foreign.networkInterfaceIds[0] as string, oldTargetId, otherFilterId, incidentTags(LOCAL.stack, 'gd-x', 'mirror-session'), 6);
  return { w, missing, stale, foreign, staleSession, foreignSession, incidentSession, oldTargetId };
}

const quiet = () => ({ stdout: () => undefined, stderr: () => undefined });

describe('reconcileMirrors on the simulated account', () => {
  it('mirrors an in-scope ENI that has no fleet session and re-points ours that point at an old target', async () => {
    const d = await driftedWorld();
    const result = await reconcileMirrors(d.w.deps, { pacer: unpaced, metrics: () => undefined })({});
    expect(result.outcomes.failed).toBe(0);
    const enis = toFleet(d.w).map((s) => s.NetworkInterfaceId);
    expect(enis).toEqual(expect.arrayContaining([d.missing.networkInterfaceIds[0], d.stale.networkInterfaceIds[0]]));
    expect(d.w.account.ec2.sessions().find((s) => s.TrafficMirrorSessionId === d.staleSession)?.TrafficMirrorTargetId).toBe(d.w.fleet.targetId);
  });

  it('never changes a session without our fleet tags', async () => {
    const d = await driftedWorld();
    const before = d.w.account.ec2.sessions().filter((s) => [d.foreignSession, d.incidentSession].includes(s.TrafficMirrorSessionId as string));
    await reconcileMirrors(d.w.deps, { pacer: unpaced, metrics: () => undefined })({});
    const after = d.w.account.ec2.sessions().filter((s) => [d.foreignSession, d.incidentSession].includes(s.TrafficMirrorSessionId as string));
    expect(after).toEqual(before);
  });

  it('is a no-op the second time: the account has converged', async () => {
    const d = await driftedWorld();
    const reconcile = reconcileMirrors(d.w.deps, { pacer: unpaced, metrics: () => undefined });
    await reconcile({});
    const second = await reconcile({});
    expect(second.planned).toEqual({ create: 0, repoint: 0, delete: 0 });
  });

  it('in dry-run mode plans the same changes and makes none', async () => {
    const d = await driftedWorld();
    d.w.deps.config = { ...d.w.deps.config, reconcileDryRun: true };
    const before = d.w.account.ec2.sessions();
    const result = await reconcileMirrors(d.w.deps, { pacer: unpaced, metrics: () => undefined })({});
    expect(result.outcomes['would-do']).toBeGreaterThan(0);
    expect(d.w.account.ec2.sessions()).toEqual(before);
  });
});

describe('mirrorhunt backfill on the simulated account', () => {
  function io() {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { stdout: (s: string) => void out.push(s), stderr: (s: string) => void err.push(s) } };
  }

  it('pages through every running instance and mirrors each one once', async () => {
    const w = await world();
    // More than one page of DescribeInstances (the command asks for 200 at a time).
    for (let i = 0; i < 205; i++) w.account.ec2.seedInstance({ instanceType: 'm5.large', subnetId: w.subnetId });
    const o = io();
    const code = await backfillCommand(['--target-id', w.fleet.targetId, '--filter-id', w.fleet.filterId], o.io, { ec2: w.ec2, pacer: unpaced, env: { MIRRORHUNT_STACK: LOCAL.stack } });
    expect(code).toBe(0);
    expect(new Set(toFleet(w).map((s) => s.NetworkInterfaceId)).size).toBe(205);
    expect(toFleet(w)).toHaveLength(205);
    expect(w.account.calls.filter((c) => c.operation === 'DescribeInstances').length).toBeGreaterThan(1);
  });

  it('in dry-run mode prints what it would create and creates nothing', async () => {
    const w = await world();
    for (let i = 0; i < 3; i++) w.account.ec2.seedInstance({ instanceType: 'm5.large', subnetId: w.subnetId });
    const o = io();
    await backfillCommand(['--target-id', w.fleet.targetId, '--filter-id', w.fleet.filterId, '--dry-run'], o.io, { ec2: w.ec2, pacer: unpaced, env: { MIRRORHUNT_STACK: LOCAL.stack } });
    expect(o.out.join('').match(/would-create/g)).toHaveLength(3);
    expect(toFleet(w)).toEqual([]);
  });
});

describe('mirrorhunt unmirror on the simulated account', () => {
  it('deletes every fleet session and nothing else', async () => {
    const d = await driftedWorld();
    await reconcileMirrors(d.w.deps, { pacer: unpaced, metrics: () => undefined })({});
    const others = d.w.account.ec2.sessions().filter((s) => [d.foreignSession, d.incidentSession].includes(s.TrafficMirrorSessionId as string));
    const code = await unmirrorCommand([], quiet(), { ec2: d.w.ec2, pacer: unpaced, env: { MIRRORHUNT_STACK: LOCAL.stack } });
    expect(code).toBe(0);
    expect(d.w.account.ec2.sessions()).toEqual(others);
  });

  it('in dry-run mode deletes nothing', async () => {
    const d = await driftedWorld();
    const before = d.w.account.ec2.sessions();
    await unmirrorCommand(['--dry-run'], quiet(), { ec2: d.w.ec2, pacer: unpaced, env: { MIRRORHUNT_STACK: LOCAL.stack } });
    expect(d.w.account.ec2.sessions()).toEqual(before);
  });

  it('refuses a malformed target id, naming the option, before any AWS call', async () => {
    const d = await driftedWorld();
    const calls = d.w.account.calls.length;
    const err: string[] = [];
    expect(await unmirrorCommand(['--target-id', 'not-a-target'], { stdout: () => undefined, stderr: (s) => void err.push(s) }, { ec2: d.w.ec2, env: { MIRRORHUNT_STACK: LOCAL.stack } })).toBe(2);
    expect(err.join('')).toContain('--target-id');
    expect(d.w.account.calls.length).toBe(calls);
  });
});


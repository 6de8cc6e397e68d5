import { parseLaunchEvent, type LaunchedInstance, type MirrorScope } from '../../../../../functions/shared/domain/auto-mirror';
import { planReconcile, type ReconcileFacts } from '../../../../../functions/shared/domain/reconcile';
import type { TaggedSession } from '../../../../../functions/shared/domain/target';
import { readFixture } from '../../../../support/fixtures';

const FLEET_TARGET = 'tmt-0f1ee7000000000001';
const FLEET_FILTER = 'tmf-0f1ee7000000000001';
const OLD_TARGET = 'tmt-0a1d00000000000001';
const scope: MirrorScope = { vpcIds: [], subnetIds: [], optInTags: [], optOutTags: ['mirrorhunt:mirror=false'], combine: 'and', eniMode: 'all' };
const STACK = 'mirrorhunt-prod';
const fleetTags = (instanceId = 'i-0aa00000000000001', stack = STACK) => ({ 'mirrorhunt:managed': 'true', 'mirrorhunt:stack': stack, 'mirrorhunt:role': 'fleet-session', 'mirrorhunt:source-instance': instanceId });

/** The two instances of the CloudTrail fixture, as DescribeInstances would show them once running. */
function instances(state = 'running'): [LaunchedInstance, LaunchedInstance] {
  const event = parseLaunchEvent(readFixture('cloudtrail', 'run-instances-two.json'));
  if (event.kind !== 'launch') throw new Error('expected a launch');
  const [first, second] = event.instances.map((i) => ({ ...i, state }));
  return [first!, second!];
}

function session(id: string, eni: string, overrides: Partial<TaggedSession> = {}): TaggedSession {
  return { sessionId: id, networkInterfaceId: eni, sessionNumber: 1, targetId: FLEET_TARGET, filterId: FLEET_FILTER, tags: fleetTags(), ingressRules: [], egressRules: [], ...overrides };
}

function facts(overrides: Partial<ReconcileFacts> = {}): ReconcileFacts {
  const [first] = instances();
  return {
    instances: [first],
    sessions: [],
    mirrorTargetEnis: new Set(),
    fleetTargetId: FLEET_TARGET,
    fleetFilterId: FLEET_FILTER,
    stack: STACK,
    scope,
    stoppedInstancePolicy: 'delete',
    ...overrides,
  };
}

describe('planReconcile', () => {
  it('creates a session on every in-scope ENI of a running instance that has none', () => {
    // Act
    const plan = planReconcile(facts());

    // Assess
    expect(plan.actions).toEqual([
      expect.objectContaining({ kind: 'create', instanceId: 'i-0aa00000000000001', networkInterfaceId: 'eni-0aa00000000000001', sessionNumber: 32766 }),
      expect.objectContaining({ kind: 'create', instanceId: 'i-0aa00000000000001', networkInterfaceId: 'eni-0aa00000000000011', sessionNumber: 32766 }),
    ]);
  });

  it('carries the launch time into a create so the idempotency token changes after a restart', () => {
    // Act
    const [create] = planReconcile(facts()).actions;

    // Assess
    expect(create).toMatchObject({ kind: 'create', launchTime: new Date(1764000000000).toISOString() });
  });

  it('does nothing for an ENI whose fleet session already points at the fleet target and filter', () => {
    // Prepare
    const sessions = [session('tms-01', 'eni-0aa00000000000001'), session('tms-02', 'eni-0aa00000000000011')];

    // Act
    const plan = planReconcile(facts({ sessions }));

    // Assess
    expect(plan.actions).toEqual([]);
  });

  it('re-points a fleet session that sends to another target, keeping the session', () => {
    // Prepare
    const sessions = [session('tms-01', 'eni-0aa00000000000001', { targetId: OLD_TARGET }), session('tms-02', 'eni-0aa00000000000011')];

    // Act
    const plan = planReconcile(facts({ sessions }));

    // Assess
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'repoint', sessionId: 'tms-01', networkInterfaceId: 'eni-0aa00000000000001', fromTargetId: OLD_TARGET })]);
  });

  it('re-points a fleet session that uses another filter', () => {
    // Prepare
    const sessions = [session('tms-01', 'eni-0aa00000000000001', { filterId: 'tmf-0a1d00000000000001' }), session('tms-02', 'eni-0aa00000000000011')];

    // Act
    const plan = planReconcile(facts({ sessions }));

    // Assess
    expect(plan.actions.map((a) => [a.kind, 'sessionId' in a ? a.sessionId : undefined])).toEqual([['repoint', 'tms-01']]);
  });

  it('deletes fleet sessions whose ENI is on no instance any more', () => {
    // Prepare
    const gone = session('tms-09', 'eni-0dead0000000000001', { tags: fleetTags('i-0dead0000000000001') });
    const sessions = [session('tms-01', 'eni-0aa00000000000001'), session('tms-02', 'eni-0aa00000000000011'), gone];

    // Act
    const plan = planReconcile(facts({ sessions }));

    // Assess
    expect(plan.actions).toEqual([
      { kind: 'delete', instanceId: 'i-0dead0000000000001', networkInterfaceId: 'eni-0dead0000000000001', sessionId: 'tms-09', why: 'eni-gone', reason: expect.any(String) },
    ]);
  });

  it('never touches a session without our managed tag, even on a vanished ENI or pointing elsewhere', () => {
    // Prepare
    const foreign = [
      session('tms-a1', 'eni-0dead0000000000001', { tags: { team: 'netops' } }),
      session('tms-a2', 'eni-0aa00000000000001', { targetId: OLD_TARGET, sessionNumber: 2, tags: { 'mirrorhunt:managed': 'false', 'mirrorhunt:role': 'fleet-session' } }),
    ];

    // Act
    const plan = planReconcile(facts({ sessions: foreign }));

    // Assess
    const touched = plan.actions.filter((a) => a.kind !== 'create').map((a) => ('sessionId' in a ? a.sessionId : ''));
    expect(touched).toEqual([]);
    expect(plan.actions.filter((a) => a.kind === 'create')).toHaveLength(2);
  });

  it("never touches another stage's fleet sessions in the same account, even on a vanished ENI or pointing at another target", () => {
    // Prepare: the dev stage's fleet sessions, seen by the prod stage's reconciler.
    const devSessions = [
      session('tms-d1', 'eni-0dead0000000000001', { targetId: OLD_TARGET, tags: fleetTags('i-0dead0000000000001', 'mirrorhunt-dev') }),
      session('tms-d2', 'eni-0aa00000000000001', { targetId: OLD_TARGET, sessionNumber: 2, tags: fleetTags('i-0aa00000000000001', 'mirrorhunt-dev') }),
    ];

    // Act
    const plan = planReconcile(facts({ sessions: devSessions }));

    // Assess: no delete, no re-point; prod still mirrors its own instance, with a free number.
    expect(plan.actions.filter((a) => a.kind !== 'create')).toEqual([]);
    expect(plan.actions.filter((a) => a.kind === 'create').map((a) => ('networkInterfaceId' in a ? a.networkInterfaceId : ''))).toContain('eni-0aa00000000000001');
  });

  it("leaves an investigation's own sessions alone (managed, but not the fleet-session role)", () => {
    // Prepare
    const incident = session('tms-i1', 'eni-0dead0000000000001', { targetId: 'tmt-0123400000000000001', tags: { 'mirrorhunt:managed': 'true', 'mirrorhunt:role': 'mirror-session', 'mirrorhunt:incident': 'inc-1' } });

    // Act
    const plan = planReconcile(facts({ sessions: [incident], instances: [] }));

    // Assess
    expect(plan.actions).toEqual([]);
  });

  it("creates behind every other session (the highest free number), so it never takes an investigation's or another tool's traffic", () => {
    // Prepare: someone else's session at number 2, and the number right at the end already taken.
    const foreign = session('tms-a1', 'eni-0aa00000000000001', { sessionNumber: 2, targetId: 'tmt-0beef000000000001', filterId: 'tmf-0beef000000000001', tags: {} });
    const last = session('tms-a2', 'eni-0aa00000000000001', { sessionNumber: 32766, targetId: 'tmt-0beef000000000001', filterId: 'tmf-0beef000000000001', tags: {} });

    // Act
    const plan = planReconcile(facts({ sessions: [foreign, last] }));

    // Assess
    expect(plan.actions.find((a) => a.networkInterfaceId === 'eni-0aa00000000000001')).toMatchObject({ kind: 'create', sessionNumber: 32765 });
  });

  it('reports an in-scope ENI whose three session slots are taken instead of creating on it', () => {
    // Prepare
    const full = [1, 2, 3].map((n) => session(`tms-f${n}`, 'eni-0aa00000000000001', { sessionNumber: n, targetId: 'tmt-0beef000000000001', tags: {} }));

    // Act
    const plan = planReconcile(facts({ sessions: full }));

    // Assess
    expect(plan.actions.map((a) => a.networkInterfaceId)).toEqual(['eni-0aa00000000000011']);
    expect(plan.skipped).toEqual([expect.objectContaining({ networkInterfaceId: 'eni-0aa00000000000001', outcome: 'quota-full' })]);
  });

  it('deletes the fleet sessions of an instance that opted out', () => {
    // Prepare
    const [, optedOut] = instances();
    const sessions = [session('tms-03', 'eni-0aa00000000000002', { tags: fleetTags('i-0aa00000000000002') })];

    // Act
    const plan = planReconcile(facts({ instances: [optedOut], sessions }));

    // Assess
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'delete', sessionId: 'tms-03', why: 'out-of-scope' })]);
  });

  it('does not create sessions for an out-of-scope instance', () => {
    // Prepare
    const [, optedOut] = instances();

    // Act
    const plan = planReconcile(facts({ instances: [optedOut] }));

    // Assess
    expect(plan.actions).toEqual([]);
  });

  it('deletes the fleet sessions of a stopped instance under the delete policy', () => {
    // Prepare
    const [stopped] = instances('stopped');
    const sessions = [session('tms-01', 'eni-0aa00000000000001')];

    // Act
    const plan = planReconcile(facts({ instances: [stopped], sessions, stoppedInstancePolicy: 'delete' }));

    // Assess
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'delete', sessionId: 'tms-01', why: 'instance-stopped' })]);
  });

  it('keeps the fleet sessions of a stopped instance under the keep policy and creates none', () => {
    // Prepare
    const [stopped] = instances('stopped');
    const sessions = [session('tms-01', 'eni-0aa00000000000001')];

    // Act
    const plan = planReconcile(facts({ instances: [stopped], sessions, stoppedInstancePolicy: 'keep' }));

    // Assess
    expect(plan.actions).toEqual([]);
  });

  it('leaves a pending instance to auto-mirroring', () => {
    // Prepare
    const [pending] = instances('pending');

    // Act
    const plan = planReconcile(facts({ instances: [pending] }));

    // Assess
    expect(plan.actions).toEqual([]);
  });

  it('deletes the fleet sessions of a shutting-down instance', () => {
    // Prepare
    const [ending] = instances('shutting-down');

    // Act
    const plan = planReconcile(facts({ instances: [ending], sessions: [session('tms-01', 'eni-0aa00000000000001')], stoppedInstancePolicy: 'keep' }));

    // Assess
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'delete', sessionId: 'tms-01', why: 'instance-ending' })]);
  });

  it('deletes the session on a secondary ENI when only primary ENIs are mirrored', () => {
    // Prepare
    const sessions = [session('tms-01', 'eni-0aa00000000000001'), session('tms-02', 'eni-0aa00000000000011')];

    // Act
    const plan = planReconcile(facts({ sessions, scope: { ...scope, eniMode: 'primary' } }));

    // Assess
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'delete', sessionId: 'tms-02', networkInterfaceId: 'eni-0aa00000000000011', why: 'eni-not-selected' })]);
  });

  it('keeps one fleet session per ENI, the one already right, and deletes the extra', () => {
    // Prepare
    const sessions = [
      session('tms-01', 'eni-0aa00000000000001', { sessionNumber: 1, targetId: OLD_TARGET }),
      session('tms-05', 'eni-0aa00000000000001', { sessionNumber: 5 }),
      session('tms-02', 'eni-0aa00000000000011'),
    ];

    // Act
    const plan = planReconcile(facts({ sessions }));

    // Assess
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'delete', sessionId: 'tms-01', why: 'duplicate' })]);
  });

  it('deletes a fleet session on one of our own sensors', () => {
    // Prepare
    const [first] = instances();
    const sensor = { ...first, tags: { 'mirrorhunt:managed': 'true', 'mirrorhunt:role': 'fleet-sensor' } };

    // Act
    const plan = planReconcile(facts({ instances: [sensor], sessions: [session('tms-01', 'eni-0aa00000000000001')] }));

    // Assess
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'delete', sessionId: 'tms-01', why: 'own-sensor' })]);
  });

  it('does not mirror an ENI that is itself a mirror target', () => {
    // Act
    const plan = planReconcile(facts({ mirrorTargetEnis: new Set(['eni-0aa00000000000011']) }));

    // Assess
    expect(plan.actions.map((a) => a.networkInterfaceId)).toEqual(['eni-0aa00000000000001']);
    expect(plan.skipped).toEqual([expect.objectContaining({ networkInterfaceId: 'eni-0aa00000000000011', outcome: 'not-mirrorable' })]);
  });

  it('orders repoints before creates before deletes', () => {
    // Prepare
    const [first] = instances();
    const other = { ...first, instanceId: 'i-0bb00000000000001', networkInterfaces: [{ networkInterfaceId: 'eni-0bb00000000000001', deviceIndex: 0, interfaceType: 'interface' }] };
    const sessions = [session('tms-09', 'eni-0dead0000000000001'), session('tms-01', 'eni-0aa00000000000001', { targetId: OLD_TARGET }), session('tms-02', 'eni-0aa00000000000011')];

    // Act
    const plan = planReconcile(facts({ instances: [first, other], sessions }));

    // Assess
    expect(plan.actions.map((a) => a.kind)).toEqual(['repoint', 'create', 'delete']);
  });
});

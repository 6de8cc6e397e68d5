import { judgeExistingClaim, parseClaim } from '../../../../../functions/shared/domain/claim';
import { buildReport, renderMarkdown, reportSubject, reportSummary } from '../../../../../functions/shared/domain/report';
import type { InvestigationState } from '../../../../../functions/shared/domain/state';

const claim = { incidentId: 'gd-a', executionArn: 'arn:aws:states:us-east-1:1:execution:m:gd-a', instanceId: 'i-0a1b2c3d4e5f60718', claimedAt: '2026-11-24T08:00:00Z' };

describe('judgeExistingClaim', () => {
  it('recognises our own claim (a retried step)', () => {
    expect(judgeExistingClaim(claim, 'gd-a', undefined)).toBe('ours');
  });
  it('defers to a claim whose investigation is still running', () => {
    expect(judgeExistingClaim(claim, 'gd-b', 'RUNNING')).toBe('held');
  });
  it.each(['SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT', undefined])('takes over a claim whose execution is %s', (status) => {
    expect(judgeExistingClaim(claim, 'gd-b', status)).toBe('stale');
  });
  it('treats an unreadable claim object as absent', () => {
    expect(parseClaim('not json')).toBeUndefined();
    expect(parseClaim(JSON.stringify({ incidentId: 'x' }))).toBeUndefined();
    expect(parseClaim(JSON.stringify(claim))).toEqual(claim);
  });
});

function completedState(): InvestigationState {
  return {
    incidentId: 'gd-6ec7',
    executionArn: 'arn:x',
    startedAt: '2026-11-24T08:00:00.000Z',
    request: { instanceId: 'i-0a1b2c3d4e5f60718', captureMinutes: 60, captureSeconds: 3600, reason: 'GuardDuty C&C', source: 'guardduty', pivotIps: ['203.0.113.45'], pivotDomains: [] },
    target: {
      instanceId: 'i-0a1b2c3d4e5f60718',
      instanceType: 'm5.large',
      vpcId: 'vpc-1',
      subnetId: 'subnet-1',
      availabilityZone: 'us-east-1a',
      cidrs: { ipv4: ['10.20.0.0/16'], ipv6: [] },
      hosts: ['10.20.1.25'],
      enis: [{ networkInterfaceId: 'eni-1', sessionNumber: 1, privateIps: ['10.20.1.25'], warnings: [] }],
      skipped: [],
      mirrorable: true,
    },
    claim: { claimed: true },
    sensor: { instanceId: 'i-0000000000000000s', securityGroupId: 'sg-1', imageId: 'ami-1', instanceType: 'c6i.large', vni: 77, launchedAt: '2026-11-24T08:00:01.000Z', flushSeconds: 90 },
    mirror: { targetId: 'tmt-1', filterId: 'tmf-1', ruleIds: [], sessions: [{ sessionId: 'tms-1', networkInterfaceId: 'eni-1', sessionNumber: 1 }], failedEnis: [], vni: 77, startedAt: '2026-11-24T08:01:00.000Z' },
    mirrorStop: { stoppedAt: '2026-11-24T09:01:00.000Z', deletedSessionIds: ['tms-1'] },
    teardown: {
      complete: true,
      attempts: 2,
      deleted: [
        { type: 'mirror-session', id: 'tms-1', outcome: 'already-gone' },
        { type: 'mirror-target', id: 'tmt-1', outcome: 'deleted' },
        { type: 'mirror-filter', id: 'tmf-1', outcome: 'deleted' },
        { type: 'sensor-instance', id: 'i-0000000000000000s', outcome: 'terminating' },
        { type: 'security-group', id: 'sg-1', outcome: 'deleted' },
      ],
      remaining: [],
    },
    hunts: {
      engine: 'duckdb',
      window: { from: '2026-11-24T08:01:00.000Z', to: '2026-11-24T09:01:00.000Z' },
      startedAt: '2026-11-24T09:03:00.000Z',
      finishedAt: '2026-11-24T09:03:01.000Z',
      threats: {
        mode: 'capture',
        window: { from: '2026-11-24T08:01:00.000Z', to: '2026-11-24T09:01:00.000Z' },
        warnings: [],
        hunts: [],
        findings: [{ rank: 1, kind: 'pair', severity: 'high', score: 0.93, key: 'pair|10.20.1.25|203.0.113.45', src: '10.20.1.25', dst: '203.0.113.45', summary: '10.20.1.25 -> 203.0.113.45:443 every ~60s', hunts: ['beacons'], evidence: {} }],
      },
      outcomes: [
        { name: 'beacons', title: 'Beacons', findingCount: 1, rowsReturned: 1, elapsedMs: 5 },
        { name: 'dns-tunnel', title: 'DNS tunnelling', findingCount: 0, rowsReturned: 0, elapsedMs: 3, error: 'table dns missing' },
      ],
    },
  };
}

describe('buildReport', () => {
  it('reports a completed investigation: capture window, each hunt, and every resource with its fate', () => {
    const report = buildReport(completedState(), ['gd-other'], new Date('2026-11-24T09:04:00Z'));
    expect(report.outcome).toBe('completed');
    expect(report.capture).toMatchObject({ minutes: 60, vni: 77 });
    expect(report.hunts[0]).toMatchObject({ name: 'beacons', findingCount: 1 });
    expect(report.resources.map((r) => r.type)).toEqual(['security-group', 'sensor-instance', 'mirror-target', 'mirror-filter', 'mirror-session']);
    expect(report.relatedFindings).toEqual(['gd-other']);
    const md = renderMarkdown(report);
    expect(md).toContain('| sensor-instance | `i-0000000000000000s` | terminating (Tear Down) |');
    expect(md).toContain('FAILED: table dns missing');
    expect(reportSummary(report, 's3://b/reports/gd-6ec7/report.md')).toContain('Torn down: 5 resource(s); nothing left running.');
  });

  it('says so when hunt evidence was shortened to fit the execution state, and not otherwise', () => {
    const state = completedState();
    expect(renderMarkdown(buildReport(state, [], new Date('2026-11-24T09:04:00Z')))).not.toContain('shortened');
    const truncated = { ...state, hunts: { ...(state.hunts as NonNullable<InvestigationState['hunts']>), truncated: true } };
    expect(renderMarkdown(buildReport(truncated, [], new Date('2026-11-24T09:04:00Z')))).toContain('Some evidence was shortened (or lower-ranked findings left out) to fit the execution state; the counts are complete.');
  });

  it('names the failing step error from the Lambda error payload and flags what was left behind', () => {
    const state = completedState();
    state.error = { Error: 'MirrorSessionError', Cause: JSON.stringify({ errorType: 'MirrorSessionError', errorMessage: 'no mirror session could be created' }) };
    state.teardown = { complete: false, attempts: 20, deleted: [], remaining: [{ type: 'security-group', id: 'sg-1', why: 'the sensor instance is still shutting down' }] };
    const report = buildReport(state, [], new Date());
    expect(report.outcome).toBe('failed');
    expect(report.outcomeReason).toBe('MirrorSessionError: no mirror session could be created');
    expect(reportSummary(report, 'x')).toContain('LEFT BEHIND (delete by hand or let the sweeper): security-group sg-1');
  });

  it('reports a not-mirrorable target with its reason', () => {
    const state = completedState();
    state.target = { ...state.target, mirrorable: false, reason: 'instance type not supported: t2.micro', enis: [] };
    delete state.sensor;
    delete state.mirror;
    const report = buildReport(state, [], new Date());
    expect(report).toMatchObject({ outcome: 'not-mirrorable', outcomeReason: 'instance type not supported: t2.micro' });
  });

  it('keeps SNS subjects ASCII and within 100 characters', () => {
    const state = completedState();
    state.target.instanceId = `i-${'é'.repeat(200)}`;
    const subject = reportSubject(buildReport(state, [], new Date()));
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
  });
});

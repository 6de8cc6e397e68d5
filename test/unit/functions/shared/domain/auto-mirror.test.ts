import { decideEnis, parseLaunchEvent, scopeDecision, type LaunchedInstance, type MirrorScope } from '../../../../../functions/shared/domain/auto-mirror';
import { readFixture } from '../../../../support/fixtures';

const scope: MirrorScope = { vpcIds: [], subnetIds: [], optInTags: [], optOutTags: ['mirrorhunt:mirror=false'], combine: 'and', eniMode: 'all' };

function launched(): LaunchedInstance[] {
  const event = parseLaunchEvent(readFixture('cloudtrail', 'run-instances-two.json'));
  if (event.kind !== 'launch') throw new Error('expected a launch');
  return event.instances;
}

describe('parseLaunchEvent', () => {
  it('yields every instance of a multi-instance launch with all its ENIs', () => {
    const [first, second] = launched();
    expect(first).toMatchObject({ instanceId: 'i-0aa00000000000001', instanceType: 'm5.large', vpcId: 'vpc-0aa00000000000001', state: 'pending' });
    expect(first?.networkInterfaces.map((n) => [n.networkInterfaceId, n.deviceIndex])).toEqual([
      ['eni-0aa00000000000001', 0],
      ['eni-0aa00000000000011', 1],
    ]);
    expect(second?.tags['mirrorhunt:mirror']).toBe('false');
  });

  it('recognises a failed RunInstances call and yields no instances', () => {
    expect(parseLaunchEvent(readFixture('cloudtrail', 'run-instances-failed.json'))).toEqual({ kind: 'failed-call', errorCode: 'Client.UnauthorizedOperation' });
  });

  it('reads an EC2 state-change notification', () => {
    const event = { source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification', detail: { 'instance-id': 'i-0aa00000000000001', state: 'running' } };
    expect(parseLaunchEvent(event)).toEqual({ kind: 'state-change', instanceId: 'i-0aa00000000000001', state: 'running' });
  });

  it('names what is wrong with an event of another kind', () => {
    expect(() => parseLaunchEvent({ source: 'aws.guardduty' })).toThrow(/source/);
  });
});

describe('scopeDecision', () => {
  const [first, second] = launched() as [LaunchedInstance, LaunchedInstance];

  it('lets an opt-out tag win over everything', () => {
    expect(scopeDecision(second, { ...scope, optInTags: ['Name'], combine: 'or' })).toEqual({ inScope: false, reason: 'opted out by tag mirrorhunt:mirror=false' });
  });

  it('with AND, needs both the allowed VPC and an opt-in tag', () => {
    const s = { ...scope, vpcIds: ['vpc-0aa00000000000001'], optInTags: ['team=payments'] };
    expect(scopeDecision(first, s)).toMatchObject({ inScope: false, reason: 'no opt-in tag (team=payments)' });
    expect(scopeDecision({ ...first, tags: { team: 'payments' } }, s).inScope).toBe(true);
  });

  it('with OR, takes either the allowed VPC or an opt-in tag', () => {
    const s: MirrorScope = { ...scope, vpcIds: ['vpc-other'], optInTags: ['team=payments'], combine: 'or' };
    expect(scopeDecision(first, s).inScope).toBe(false);
    expect(scopeDecision({ ...first, tags: { team: 'payments' } }, s).inScope).toBe(true);
    expect(scopeDecision({ ...first, vpcId: 'vpc-other' }, s).inScope).toBe(true);
  });

  it('with no lists and no opt-in tags, takes everything not opted out', () => {
    expect(scopeDecision(first, scope).inScope).toBe(true);
  });
});

describe('decideEnis', () => {
  const [first] = launched() as [LaunchedInstance];
  const accept = [{ action: 'accept' as const, sourceCidrBlock: '0.0.0.0/0', destinationCidrBlock: '0.0.0.0/0', hasPortRange: false, ruleNumber: 1 }];

  it('creates a session on every ENI when mode is all, and only the primary when mode is primary', () => {
    expect(decideEnis(first, scope, 'tmt-fleet', [], new Set()).map((d) => d.outcome)).toEqual(['create', 'create']);
    expect(decideEnis(first, { ...scope, eniMode: 'primary' }, 'tmt-fleet', [], new Set()).map((d) => d.networkInterfaceId)).toEqual(['eni-0aa00000000000001']);
  });

  it('does not create a second session for an ENI already mirrored to the fleet (a replayed event)', () => {
    const existing = [{ sessionId: 'tms-1', networkInterfaceId: 'eni-0aa00000000000001', sessionNumber: 1, ingressRules: accept, egressRules: accept, targetId: 'tmt-fleet' }];
    expect(decideEnis(first, scope, 'tmt-fleet', existing, new Set())[0]).toMatchObject({ outcome: 'already-mirrored' });
  });

  it('reports an ENI with three sessions as quota-full', () => {
    const existing = [2, 3, 4].map((n) => ({ sessionId: `tms-${n}`, networkInterfaceId: 'eni-0aa00000000000001', sessionNumber: n, ingressRules: [], egressRules: [], targetId: 'tmt-other' }));
    expect(decideEnis(first, scope, 'tmt-fleet', existing, new Set())[0]).toMatchObject({ outcome: 'quota-full' });
  });

  it('refuses unsupported instance types before calling AWS', () => {
    expect(decideEnis({ ...first, instanceType: 't2.micro' }, scope, 'tmt-fleet', [], new Set()).map((d) => d.outcome)).toEqual(['unsupported-type', 'unsupported-type']);
  });
});


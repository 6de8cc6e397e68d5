import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES = join(__dirname, '..', 'fixtures');

export function readFixture<T = unknown>(...parts: string[]): T {
  return JSON.parse(readFileSync(join(FIXTURES, ...parts), 'utf8')) as T;
}

/** Wraps a bare finding in the EventBridge envelope GuardDuty publishes it in. */
export function guardDutyEvent(detail: unknown, overrides: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: 'cd2d702e-ab31-411b-9344-793ce56b1bc7',
    'detail-type': 'GuardDuty Finding',
    source: 'aws.guardduty',
    account: '123456789012',
    time: '2017-10-31T23:16:23Z',
    region: 'us-east-1',
    resources: [],
    detail,
    ...overrides,
  };
}

type Finding = Record<string, unknown> & { resource: { instanceDetails: Record<string, unknown> } };

/** The real EC2 sample finding, re-typed as a C&C finding on a mirrorable instance. */
export function ec2Finding(changes: { type?: string; severity?: number; instanceType?: string; instanceId?: string; id?: string } = {}): Finding {
  const finding = readFixture<Finding>('guardduty', 'guardduty_ec2_event.json');
  finding.type = changes.type ?? 'Backdoor:EC2/C&CActivity.B';
  finding.severity = changes.severity ?? 8;
  if (changes.id) finding.id = changes.id;
  finding.resource.instanceDetails.instanceType = changes.instanceType ?? 'm5.large';
  if (changes.instanceId) finding.resource.instanceDetails.instanceId = changes.instanceId;
  return finding;
}

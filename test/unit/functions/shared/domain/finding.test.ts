import { assessFinding, executionNameForFinding, parseFindingEvent, typeMatches } from '../../../../../functions/shared/domain/finding';
import { InvalidInputError } from '../../../../../functions/shared/errors';
import findingTypes from '../../../../../functions/shared/domain/data/finding-types.json';
import { ec2Finding, guardDutyEvent, readFixture } from '../../../../support/fixtures';

const policy = { minSeverity: 4, types: findingTypes.types, allowSamples: false };

describe('parseFindingEvent', () => {
  it('reads the instance, severity and remote peer of the real EC2 sample finding in its EventBridge envelope', () => {
    const finding = parseFindingEvent(guardDutyEvent(readFixture('guardduty', 'guardduty_ec2_event.json')));
    expect(finding).toMatchObject({
      id: '16afba5c5c43e07c9e3e5e2e544e95df',
      type: 'Canary:EC2/Stateless.IntegTest',
      severity: 5,
      resourceType: 'Instance',
      instanceId: 'i-05746eb48123455e0',
      instanceType: 't2.micro',
      isSample: false,
    });
    // The sample's remote IP is 0.0.0.0: not a peer worth pivoting on.
    expect(finding.remoteIps).toEqual([]);
  });

  it('accepts a bare finding (detail only) as well as the envelope', () => {
    const bare = parseFindingEvent(readFixture('guardduty', 'guardduty_ec2_event.json'));
    expect(bare.instanceId).toBe('i-05746eb48123455e0');
  });

  it('marks findings created by CreateSampleFindings as samples', () => {
    expect(parseFindingEvent(readFixture('guardduty', 'guardduty_s3_event.json')).isSample).toBe(true);
  });

  it('keeps a hostile DNS domain verbatim as a pivot: it only ever travels as a query parameter', () => {
    const detail = ec2Finding();
    (detail as Record<string, unknown>).service = { action: { actionType: 'DNS_REQUEST', dnsRequestAction: { domain: "x' OR '1'='1" } } };
    expect(parseFindingEvent(detail).domains).toEqual(["x' OR '1'='1"]);
  });

  it('rejects an event without a finding id, naming the field', () => {
    const detail = ec2Finding() as Record<string, unknown>;
    delete detail.id;
    expect(() => parseFindingEvent(guardDutyEvent(detail))).toThrow(InvalidInputError);
    expect(() => parseFindingEvent(guardDutyEvent(detail))).toThrow(/id:/);
  });

  it('rejects a finding id that could not be an execution name', () => {
    expect(() => parseFindingEvent(ec2Finding({ id: 'abc/../def' }))).toThrow(/id: must be 1-64 letters/);
  });

  it('rejects an envelope from another source', () => {
    expect(() => parseFindingEvent(guardDutyEvent(ec2Finding(), { source: 'aws.ec2' }))).toThrow(/source/);
  });

  it('rejects a malformed instance id instead of passing it on', () => {
    expect(() => parseFindingEvent(ec2Finding({ instanceId: 'i-; rm -rf /' }))).toThrow(/instanceId/);
  });
});

describe('assessFinding', () => {
  it('investigates a high-severity C&C finding on an instance', () => {
    expect(assessFinding(parseFindingEvent(ec2Finding()), policy)).toEqual({ investigate: true });
  });

  it('ignores sample findings unless allowed', () => {
    const sample = parseFindingEvent({ ...ec2Finding(), title: '[SAMPLE] Command and control' });
    expect(assessFinding(sample, policy)).toMatchObject({ investigate: false, reason: expect.stringContaining('sample') });
    expect(assessFinding(sample, { ...policy, allowSamples: true })).toEqual({ investigate: true });
  });

  it('ignores findings below the severity floor', () => {
    expect(assessFinding(parseFindingEvent(ec2Finding({ severity: 3.5 })), policy)).toMatchObject({ investigate: false, reason: expect.stringContaining('below the floor') });
  });

  it('ignores finding types that are not in the list (the real sample is a canary type)', () => {
    const canary = parseFindingEvent(readFixture('guardduty', 'guardduty_ec2_event.json'));
    expect(assessFinding(canary, policy)).toMatchObject({ investigate: false, reason: expect.stringContaining('Canary:EC2/Stateless.IntegTest') });
  });

  it('ignores findings about IAM access keys', () => {
    const iam = parseFindingEvent(readFixture('guardduty', 'guardduty_iam_event.json'));
    expect(assessFinding(iam, { ...policy, allowSamples: true })).toMatchObject({ investigate: false, reason: expect.stringContaining('AccessKey') });
  });

  it('matches list entries ending in * by prefix', () => {
    expect(typeMatches('Backdoor:EC2/DenialOfService.*', 'Backdoor:EC2/DenialOfService.Udp')).toBe(true);
    expect(typeMatches('Backdoor:EC2/Spambot', 'Backdoor:EC2/Spambot2')).toBe(false);
  });
});

describe('executionNameForFinding', () => {
  it('derives the same Step Functions execution name from the same finding id every time', () => {
    const name = executionNameForFinding('16afba5c5c43e07c9e3e5e2e544e95df');
    expect(name).toBe('gd-16afba5c5c43e07c9e3e5e2e544e95df');
    expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  });
});

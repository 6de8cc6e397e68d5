import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { startInvestigation, type TriggerOutcome } from '../../../../functions/startInvestigation/handler';
import { parseConfig } from '../../../../functions/shared/config';
import { parseInvestigationRequest } from '../../../../functions/shared/domain/request';
import type { AllDeps as Deps } from '../../../../functions/shared/runtime';
import { Fuzzer, prototypePollution, type Path } from '../../../support/fuzz';
import { capturingLogger, type LogLine } from '../../../support/logger';
import { ec2Finding, guardDutyEvent, readFixture } from '../../../support/fixtures';

const sfnMock = mockClient(SFNClient);
const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:mirrorhunt-dev-investigate';
const EVENTS = 3000;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
/** Step Functions execution names: 1-80 characters, none of them whitespace, brackets, wildcards or control characters. */
const EXECUTION_NAME = /^gd-[A-Za-z0-9_-]{1,64}$/;

function dnsFinding() {
  const finding = ec2Finding({ type: 'Backdoor:EC2/C&CActivity.B!DNS' }) as Record<string, unknown>;
  finding.service = { action: { actionType: 'DNS_REQUEST', dnsRequestAction: { domain: 'c2.evil.example.com', protocol: 'UDP', blocked: false } }, resourceRole: 'ACTOR' };
  return finding;
}

function portProbeFinding() {
  const finding = ec2Finding({ type: 'Recon:EC2/Portscan' }) as Record<string, unknown>;
  finding.service = { action: { actionType: 'PORT_PROBE', portProbeAction: { portProbeDetails: [{ remoteIpDetails: { ipAddressV4: '198.51.100.7' } }, { remoteIpDetails: { ipAddressV4: '203.0.113.9' } }] } } };
  return finding;
}

function networkFinding() {
  const finding = ec2Finding() as unknown as Record<string, unknown> & { service: { action: { networkConnectionAction: { remoteIpDetails: { ipAddressV4: string } } } } };
  finding.service.action.networkConnectionAction.remoteIpDetails.ipAddressV4 = '198.51.100.7';
  return finding;
}

/** Real fixtures (the EC2 one re-typed so it qualifies), in the envelope and bare. */
const BASES: unknown[] = [
  guardDutyEvent(networkFinding()),
  guardDutyEvent(dnsFinding()),
  guardDutyEvent(portProbeFinding()),
  guardDutyEvent(readFixture('guardduty', 'guardduty_iam_event.json')),
  guardDutyEvent(readFixture('guardduty', 'guardduty_s3_event.json')),
  networkFinding(),
];

/** What the trigger reads: most mutations aim here. */
const HOT_PATHS: Path[] = [
  ['source'],
  ['detail-type'],
  ['detail'],
  ['detail', 'id'],
  ['detail', 'type'],
  ['detail', 'severity'],
  ['detail', 'title'],
  ['detail', 'resource'],
  ['detail', 'resource', 'resourceType'],
  ['detail', 'resource', 'instanceDetails'],
  ['detail', 'resource', 'instanceDetails', 'instanceId'],
  ['detail', 'resource', 'instanceDetails', 'instanceType'],
  ['detail', 'resource', 'instanceDetails', 'tags', 0, 'value'],
  ['detail', 'resource', 'instanceDetails', 'networkInterfaces', 0, 'privateIpAddress'],
  ['detail', 'service', 'action', 'networkConnectionAction', 'remoteIpDetails', 'ipAddressV4'],
  ['detail', 'service', 'action', 'dnsRequestAction', 'domain'],
  ['detail', 'service', 'action', 'portProbeAction', 'portProbeDetails'],
  ['detail', 'service', 'action', 'portProbeAction', 'portProbeDetails', 0, 'remoteIpDetails', 'ipAddressV4'],
  ['detail', 'service', 'additionalInfo', 'sample'],
];

function deps(logger: Deps['logger']): Deps {
  return {
    config: parseConfig({ STATE_MACHINE_ARN: MACHINE }),
    clients: { sfn: new SFNClient({ region: 'us-east-1' }) } as Deps['clients'],
    now: () => new Date('2026-11-24T08:00:00Z'),
    logger,
    queryEngine: async () => {
      throw new Error('not used');
    },
  };
}

const lineFor = (lines: LogLine[], level: LogLine['level'], message: string) => lines.find((l) => l.level === level && l.message === message);

/** Every rule a single outcome must obey; returns what it broke. */
function problemsWith(outcome: TriggerOutcome, starts: Array<{ name?: string; input?: string }>, lines: LogLine[]): string[] {
  const problems: string[] = [];
  if (outcome.outcome === 'rejected' || outcome.outcome === 'ignored') {
    if (starts.length > 0) problems.push(`${outcome.outcome} but started ${starts.length} execution(s)`);
    const line = outcome.outcome === 'rejected' ? lineFor(lines, 'error', 'rejected GuardDuty event') : lineFor(lines, 'info', 'ignored GuardDuty finding');
    if (!line) problems.push(`${outcome.outcome} without its log line`);
    else if (line.attributes.reason !== outcome.reason || outcome.reason.length === 0) problems.push(`log line does not give the reason (${JSON.stringify(line.attributes)})`);
    // A hostile 100 KB field must not be echoed into the log.
    if (outcome.reason.length > 2000) problems.push(`reason is ${outcome.reason.length} characters long`);
    return problems;
  }
  if (outcome.outcome !== 'started') return [`unexpected outcome ${JSON.stringify(outcome)}`];
  if (starts.length !== 1) problems.push(`started with ${starts.length} StartExecution calls`);
  const start = starts[0];
  if (!EXECUTION_NAME.test(start?.name ?? '')) problems.push(`execution name ${JSON.stringify(start?.name)} is not a safe name`);
  const input = start?.input ?? '';
  if (input.length > 8192) problems.push(`execution input is ${input.length} bytes`);
  try {
    const request = parseInvestigationRequest(JSON.parse(input));
    const badIps = request.pivotIps.filter((ip) => !IPV4.test(ip));
    if (badIps.length > 0) problems.push(`pivot IPs that are not IPv4 addresses: ${JSON.stringify(badIps)}`);
  } catch (error) {
    problems.push(`execution input the state machine would refuse: ${(error as Error).message}`);
  }
  if (!lineFor(lines, 'info', 'investigation started')) problems.push('started without its log line');
  return problems;
}

beforeEach(() => {
  sfnMock.reset();
  sfnMock.on(StartExecutionCommand).callsFake((input: { name?: string }) => ({ executionArn: `${MACHINE.replace(':stateMachine:', ':execution:')}:${input.name}`, startDate: new Date() }));
});

describe('startInvestigation under hostile and broken GuardDuty events', () => {
  it(`resolves for ${EVENTS} mutated real findings, starting only valid investigations and logging why it refused the rest`, async () => {
    // Prepare
    const { logger, lines } = capturingLogger();
    const trigger = startInvestigation(deps(logger));
    const fuzzer = new Fuzzer(20261124, { hotPaths: HOT_PATHS });
    const failures: string[] = [];
    const tally: Record<string, number> = { rejected: 0, ignored: 0, started: 0, duplicate: 0 };

    for (let i = 0; i < EVENTS; i++) {
      const { event, steps } = fuzzer.mutate(fuzzer.pick(BASES));
      lines.length = 0;
      sfnMock.resetHistory();

      // Act
      let outcome: TriggerOutcome;
      try {
        outcome = await trigger(event);
      } catch (error) {
        failures.push(`#${i} [${steps.join('; ')}]: threw ${(error as Error).name}: ${(error as Error).message.slice(0, 200)}`);
        continue;
      }

      // Assess
      tally[outcome.outcome] = (tally[outcome.outcome] ?? 0) + 1;
      const starts = sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
      for (const problem of problemsWith(outcome, starts, lines)) failures.push(`#${i} [${steps.join('; ')}]: ${problem}`);
    }

    expect(failures.slice(0, 20)).toEqual([]);
    expect(prototypePollution()).toEqual([]);
    // The generator must actually break most events, and leave a few valid ones of each kind.
    expect(tally.rejected).toBeGreaterThan(EVENTS * 0.4);
    expect(tally.ignored).toBeGreaterThan(EVENTS * 0.02);
    expect(tally.started).toBeGreaterThan(EVENTS * 0.02);
  });

  type Mutable = Record<string, unknown> & { resource: { instanceDetails: Record<string, unknown> } };
  it.each<[string, (finding: Mutable) => void, RegExp]>([
    ['an instance id carrying a shell command', (f) => void (f.resource.instanceDetails.instanceId = 'i-0123456789abcdef0; rm -rf /'), /instanceId/],
    ['an instance id in full-width digits', (f) => void (f.resource.instanceDetails.instanceId = 'i-０１２３４５６７８９ａｂｃｄｅｆ０'), /instanceId/],
    ['an instance id with a trailing newline', (f) => void (f.resource.instanceDetails.instanceId = 'i-0123456789abcdef0\n'), /instanceId/],
    ['a finding id with SQL in it', (f) => void (f.id = "abc' OR '1'='1"), /\bid\b/],
    ['a finding id of 100 KB', (f) => void (f.id = 'a'.repeat(100_000)), /\bid\b/],
    ['a severity given as text', (f) => void (f.severity = '8'), /severity/],
    ['a severity of null', (f) => void (f.severity = null), /severity/],
    ['a severity above 10', (f) => void (f.severity = 1e308), /severity/],
    ['a type with control characters', (f) => void (f.type = 'Backdoor:EC2/DenialOfService.\u0000\r\nforged'), /type/],
    ['a type with a shell command', (f) => void (f.type = 'Backdoor:EC2/DenialOfService.$(id)'), /type/],
    ['a resource of the wrong type', (f) => void ((f as Record<string, unknown>).resource = ['Instance']), /resource/],
    ['100,000 port probes', (f) => void (f.service = { action: { portProbeAction: { portProbeDetails: new Array(100_000).fill({ remoteIpDetails: { ipAddressV4: '198.51.100.7' } }) } } }), /portProbeDetails/],
    ['a domain of 100 KB', (f) => void (f.service = { action: { dnsRequestAction: { domain: 'a.'.repeat(50_000) } } }), /domain/],
  ])('rejects a finding with %s, naming the field, and starts nothing', async (_what, breakIt, field) => {
    // Prepare
    const { logger, lines } = capturingLogger();
    const finding = ec2Finding() as Mutable;
    breakIt(finding);

    // Act
    const outcome = await startInvestigation(deps(logger))(guardDutyEvent(finding));

    // Assess
    expect(outcome).toMatchObject({ outcome: 'rejected', reason: expect.stringMatching(field) });
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
    expect(lines).toContainEqual({ level: 'error', message: 'rejected GuardDuty event', attributes: { reason: (outcome as { reason: string }).reason } });
  });

  it('leaves the prototype alone when a finding carries __proto__ and constructor keys', async () => {
    // Prepare
    const { logger } = capturingLogger();
    const text = JSON.stringify(guardDutyEvent(networkFinding())).replace('"detail":{', '"detail":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},');
    const event = JSON.parse(text) as unknown;

    // Act
    const outcome = await startInvestigation(deps(logger))(event);

    // Assess
    expect(outcome).toMatchObject({ outcome: 'started' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(prototypePollution()).toEqual([]);
  });

  it('drops a remote IP carrying SQL from the pivots and still starts the investigation', async () => {
    // Prepare
    const { logger } = capturingLogger();
    const finding = networkFinding();
    finding.service.action.networkConnectionAction.remoteIpDetails.ipAddressV4 = "1.2.3.4'; DROP TABLE conn; --";

    // Act
    const outcome = await startInvestigation(deps(logger))(guardDutyEvent(finding));

    // Assess
    expect(outcome).toMatchObject({ outcome: 'started' });
    const input = JSON.parse(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? '{}') as { pivotIps: string[] };
    expect(input.pivotIps).toEqual([]);
  });
});

import {
  CreateTrafficMirrorSessionCommand,
  DescribeInstancesCommand,
  DescribeTrafficMirrorFiltersCommand,
  DescribeTrafficMirrorSessionsCommand,
  DescribeTrafficMirrorTargetsCommand,
  EC2Client,
  type CreateTrafficMirrorSessionCommandInput,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { autoMirror, type AutoMirrorResult } from '../../../../functions/autoMirror/handler';
import { parseConfig } from '../../../../functions/shared/config';
import type { AllDeps as Deps } from '../../../../functions/shared/runtime';
import { Fuzzer, prototypePollution, type Path } from '../../../support/fuzz';
import { capturingLogger, type LogLine } from '../../../support/logger';
import { readFixture } from '../../../support/fixtures';

const ec2Mock = mockClient(EC2Client);
const EVENTS = 3000;
const TARGET = 'tmt-0123456789abcdef0';
const FILTER = 'tmf-0123456789abcdef0';
const ENI = /^eni-[0-9a-f]{8,17}$/;
const INSTANCE = /^i-[0-9a-f]{8,17}$/;
/** Calls that only read. Anything else an event makes us do must be a session create on an ENI the event or EC2 named. */
const READS = new Set(['DescribeInstancesCommand', 'DescribeTrafficMirrorSessionsCommand', 'DescribeTrafficMirrorTargetsCommand', 'DescribeTrafficMirrorFiltersCommand']);

/** An EC2 state-change notification in the shape EventBridge delivers (written from the documented shape). */
function stateChange(state: string) {
  return {
    version: '0',
    id: '2f0e4f3c-1b7a-4c53-9d8e-6a1f0b2c3d4e',
    'detail-type': 'EC2 Instance State-change Notification',
    source: 'aws.ec2',
    account: '123456789012',
    time: '2026-11-24T08:01:00Z',
    region: 'us-east-1',
    resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-0aa00000000000001'],
    detail: { 'instance-id': 'i-0aa00000000000001', state },
  };
}

const BASES: unknown[] = [
  readFixture('cloudtrail', 'run-instances-two.json'),
  readFixture('cloudtrail', 'run-instances-two.json'),
  readFixture('cloudtrail', 'run-instances-failed.json'),
  stateChange('running'),
  stateChange('stopped'),
];

const ITEM: Path = ['detail', 'responseElements', 'instancesSet', 'items', 0];
const HOT_PATHS: Path[] = [
  ['source'],
  ['detail-type'],
  ['detail'],
  ['detail', 'eventName'],
  ['detail', 'errorCode'],
  ['detail', 'responseElements'],
  ['detail', 'responseElements', 'instancesSet', 'items'],
  [...ITEM, 'instanceId'],
  [...ITEM, 'instanceType'],
  [...ITEM, 'vpcId'],
  [...ITEM, 'subnetId'],
  [...ITEM, 'tagSet', 'items'],
  [...ITEM, 'tagSet', 'items', 0, 'key'],
  [...ITEM, 'tagSet', 'items', 0, 'value'],
  [...ITEM, 'networkInterfaceSet', 'items'],
  [...ITEM, 'networkInterfaceSet', 'items', 0, 'networkInterfaceId'],
  [...ITEM, 'networkInterfaceSet', 'items', 0, 'interfaceType'],
  [...ITEM, 'networkInterfaceSet', 'items', 0, 'attachment', 'deviceIndex'],
  [...ITEM, 'networkInterfaceSet', 'items', 0, 'privateIpAddress'],
  ['detail', 'instance-id'],
  ['detail', 'state'],
];

function deps(logger: Deps['logger']): Deps {
  return {
    config: parseConfig({ FLEET_TARGET_ID: TARGET, FLEET_FILTER_ID: FILTER, FLEET_VNI: '4242', MIRRORHUNT_STACK: 'mirrorhunt-test' }),
    clients: { ec2: new EC2Client({ region: 'us-east-1' }) } as Deps['clients'],
    now: () => new Date('2026-11-24T08:00:00Z'),
    logger,
    queryEngine: async () => {
      throw new Error('not used');
    },
  };
}

const NO_WAIT = { retries: 0, baseMs: 0, maxMs: 0 };
const DESCRIBED_ENI = 'eni-0bb00000000000001';

/** The ENI ids an event names anywhere in its instances (whatever they look like). */
function eniIdsIn(event: unknown): Set<string> {
  const ids = new Set<string>([DESCRIBED_ENI]);
  const walk = (v: unknown, depth: number) => {
    if (depth > 12 || typeof v !== 'object' || v === null) return;
    if (!Array.isArray(v) && typeof (v as { networkInterfaceId?: unknown }).networkInterfaceId === 'string') ids.add((v as { networkInterfaceId: string }).networkInterfaceId);
    for (const child of Array.isArray(v) ? v.slice(0, 2000) : Object.values(v)) walk(child, depth + 1);
  };
  walk(event, 0);
  return ids;
}

function longestAttribute(lines: LogLine[]): number {
  return Math.max(0, ...lines.map((l) => JSON.stringify(l.attributes).length));
}

function problemsWith(result: AutoMirrorResult, event: unknown, calls: Array<{ command: string; input: unknown }>, lines: LogLine[]): string[] {
  const problems: string[] = [];
  const writes = calls.filter((c) => !READS.has(c.command));
  if (result.event === 'rejected' || result.event === 'failed-call') {
    if (calls.length > 0) problems.push(`${result.event} but made ${calls.length} EC2 call(s): ${calls.map((c) => c.command).join(', ')}`);
    if (result.decisions.length > 0) problems.push(`${result.event} with decisions`);
    const line = result.event === 'rejected' ? lines.find((l) => l.level === 'error') : lines.find((l) => l.level === 'info');
    const why = line?.attributes.reason ?? line?.attributes.errorCode;
    if (typeof why !== 'string' || why.length === 0) problems.push(`${result.event} without a log line saying why`);
  } else if (result.event !== 'launch' && result.event !== 'state-change') {
    problems.push(`unexpected result ${JSON.stringify(result).slice(0, 200)}`);
  }
  const named = eniIdsIn(event);
  for (const write of writes) {
    if (write.command !== 'CreateTrafficMirrorSessionCommand') {
      problems.push(`made a ${write.command} call`);
      continue;
    }
    const input = write.input as CreateTrafficMirrorSessionCommandInput;
    if (!ENI.test(input.NetworkInterfaceId ?? '') || !named.has(input.NetworkInterfaceId ?? '')) problems.push(`created a session on ${JSON.stringify(input.NetworkInterfaceId)}`);
    if (input.TrafficMirrorTargetId !== TARGET || input.TrafficMirrorFilterId !== FILTER) problems.push('created a session to another target or filter');
    if ((input.ClientToken ?? '').length > 64) problems.push(`client token of ${input.ClientToken?.length} characters`);
    const source = input.TagSpecifications?.[0]?.Tags?.find((t) => t.Key === 'mirrorhunt:source-instance')?.Value;
    if (!INSTANCE.test(source ?? '')) problems.push(`session tagged with source instance ${JSON.stringify(source)}`);
  }
  // A hostile 100 KB field must not be echoed into the log.
  if (longestAttribute(lines) > 4000) problems.push(`a log line of ${longestAttribute(lines)} characters`);
  return problems;
}

beforeEach(() => {
  ec2Mock.reset();
  ec2Mock.on(DescribeInstancesCommand).callsFake((input: { InstanceIds?: string[] }) => ({
    Reservations: [
      {
        Instances: [
          {
            InstanceId: input.InstanceIds?.[0],
            InstanceType: 'm5.large',
            State: { Name: 'running' },
            VpcId: 'vpc-0aa00000000000001',
            SubnetId: 'subnet-0aa00000000000001',
            LaunchTime: new Date('2026-11-24T08:00:00Z'),
            Tags: [{ Key: 'Name', Value: 'app' }],
            NetworkInterfaces: [{ NetworkInterfaceId: DESCRIBED_ENI, InterfaceType: 'interface', Attachment: { DeviceIndex: 0 } }],
          },
        ],
      },
    ],
  }));
  ec2Mock.on(DescribeTrafficMirrorSessionsCommand).resolves({ TrafficMirrorSessions: [] });
  ec2Mock.on(DescribeTrafficMirrorTargetsCommand).resolves({ TrafficMirrorTargets: [] });
  ec2Mock.on(DescribeTrafficMirrorFiltersCommand).resolves({ TrafficMirrorFilters: [] });
  ec2Mock.on(CreateTrafficMirrorSessionCommand).callsFake((input: CreateTrafficMirrorSessionCommandInput) => ({
    TrafficMirrorSession: { TrafficMirrorSessionId: `tms-${(input.NetworkInterfaceId ?? '').slice(4)}` },
  }));
});

describe('autoMirror under hostile and broken CloudTrail and state-change events', () => {
  it(`resolves for ${EVENTS} mutated launch and state-change events, creating sessions only for valid ones and logging why it refused the rest`, async () => {
    // Prepare
    const { logger, lines } = capturingLogger();
    const handle = autoMirror(deps(logger), { backoff: NO_WAIT, metrics: () => undefined });
    const fuzzer = new Fuzzer(7_041_2026, { hotPaths: HOT_PATHS });
    const failures: string[] = [];
    const tally: Record<string, number> = {};
    let created = 0;

    for (let i = 0; i < EVENTS; i++) {
      const { event, steps } = fuzzer.mutate(fuzzer.pick(BASES));
      lines.length = 0;
      ec2Mock.resetHistory();

      // Act
      let result: AutoMirrorResult;
      try {
        result = await handle(event);
      } catch (error) {
        failures.push(`#${i} [${steps.join('; ')}]: threw ${(error as Error).name}: ${(error as Error).message.slice(0, 200)}`);
        continue;
      }

      // Assess
      tally[result.event] = (tally[result.event] ?? 0) + 1;
      const calls = ec2Mock.calls().map((c) => ({ command: c.args[0].constructor.name, input: c.args[0].input as unknown }));
      created += calls.filter((c) => c.command === 'CreateTrafficMirrorSessionCommand').length;
      for (const problem of problemsWith(result, event, calls, lines)) failures.push(`#${i} [${steps.join('; ')}]: ${problem}`);
    }

    expect(failures.slice(0, 20)).toEqual([]);
    expect(prototypePollution()).toEqual([]);
    // The generator must actually break most events, and leave some valid ones of each kind.
    expect(tally.rejected ?? 0).toBeGreaterThan(EVENTS * 0.4);
    expect(tally['failed-call'] ?? 0).toBeGreaterThan(0);
    expect(tally.launch ?? 0).toBeGreaterThan(EVENTS * 0.02);
    expect(tally['state-change'] ?? 0).toBeGreaterThan(EVENTS * 0.02);
    expect(created).toBeGreaterThan(0);
  });

  it.each<[string, (item: Record<string, unknown>) => void, RegExp]>([
    ['an instance id carrying a shell command', (i) => void (i.instanceId = 'i-0aa00000000000001; rm -rf /'), /instanceId/],
    ['an ENI id carrying SQL', (i) => void ((i.networkInterfaceSet as { items: Array<Record<string, unknown>> }).items[0]!.networkInterfaceId = "eni-0aa00000000000001' OR '1'='1"), /networkInterfaceId/],
    ['an ENI id in upper case', (i) => void ((i.networkInterfaceSet as { items: Array<Record<string, unknown>> }).items[0]!.networkInterfaceId = 'ENI-0AA00000000000001'), /networkInterfaceId/],
    ['a tag key of 100 KB', (i) => void (i.tagSet = { items: [{ key: 'k'.repeat(100_000), value: 'v' }] }), /key/],
    ['10,000 tags', (i) => void (i.tagSet = { items: new Array(10_000).fill({ key: 'k', value: 'v' }) }), /items/],
    ['a device index given as text', (i) => void ((i.networkInterfaceSet as { items: Array<Record<string, unknown>> }).items[0]!.attachment = { deviceIndex: '0' }), /deviceIndex/],
  ])('rejects a RunInstances event with %s, naming the field, and calls nothing', async (_what, breakIt, field) => {
    // Prepare
    const { logger, lines } = capturingLogger();
    const event = readFixture<{ detail: { responseElements: { instancesSet: { items: Array<Record<string, unknown>> } } } }>('cloudtrail', 'run-instances-two.json');
    breakIt(event.detail.responseElements.instancesSet.items[0]!);

    // Act
    const result = await autoMirror(deps(logger), { backoff: NO_WAIT, metrics: () => undefined })(event);

    // Assess
    expect(result).toEqual({ event: 'rejected', decisions: [] });
    expect(ec2Mock.calls()).toHaveLength(0);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'error', attributes: { reason: expect.stringMatching(field) } }));
  });

  it.each<[string, () => unknown, RegExp]>([
    ['a failed call whose error code is 100 KB', () => ({ ...readFixture<{ detail: object }>('cloudtrail', 'run-instances-failed.json'), detail: { ...readFixture<{ detail: object }>('cloudtrail', 'run-instances-failed.json').detail, errorCode: 'x'.repeat(100_000) } }), /errorCode/],
    ['a state change to a state EC2 does not have', () => stateChange('running\u0000; reboot'), /state/],
    ['a state change for an instance id with a newline', () => ({ ...stateChange('running'), detail: { 'instance-id': 'i-0aa00000000000001\n', state: 'running' } }), /instance-id/],
  ])('rejects %s, naming the field, and calls nothing', async (_what, makeEvent, field) => {
    // Prepare
    const { logger, lines } = capturingLogger();

    // Act
    const result = await autoMirror(deps(logger), { backoff: NO_WAIT, metrics: () => undefined })(makeEvent());

    // Assess
    expect(result).toEqual({ event: 'rejected', decisions: [] });
    expect(ec2Mock.calls()).toHaveLength(0);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'error', attributes: { reason: expect.stringMatching(field) } }));
    expect(longestAttribute(lines)).toBeLessThan(4000);
  });

  it('mirrors an instance whose tags carry injection strings and __proto__ keys, tagging the session only with the validated instance id', async () => {
    // Prepare
    const { logger } = capturingLogger();
    const text = JSON.stringify(readFixture('cloudtrail', 'run-instances-two.json')).replace('{"key":"Name","value":"app"}', '{"key":"__proto__","value":"$(reboot)"},{"key":"Name","value":"x\' OR \'1\'=\'1"}');
    const event = JSON.parse(text) as unknown;

    // Act
    const result = await autoMirror(deps(logger), { backoff: NO_WAIT, metrics: () => undefined })(event);

    // Assess
    expect(result.decisions.filter((d) => d.outcome === 'created').map((d) => d.networkInterfaceId)).toEqual(['eni-0aa00000000000001', 'eni-0aa00000000000011']);
    for (const call of ec2Mock.commandCalls(CreateTrafficMirrorSessionCommand)) {
      expect(call.args[0].input.TagSpecifications?.[0]?.Tags?.map((t) => t.Value)).toEqual(['true', 'mirrorhunt-test', 'fleet-session', 'i-0aa00000000000001']);
    }
    expect(prototypePollution()).toEqual([]);
  });
});

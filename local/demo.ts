import './polyfills';
import { readFile, mkdtemp } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  CreateTrafficMirrorFilterCommand,
  CreateTrafficMirrorFilterRuleCommand,
  CreateTrafficMirrorSessionCommand,
  CreateTrafficMirrorTargetCommand,
} from '@aws-sdk/client-ec2';
import { parseFindingEvent } from '../functions/shared/domain/finding';
import type { InvestigationState } from '../functions/shared/domain/state';
import { SimClock } from './aws-sim/clock';
import { SimulatedAccount } from './aws-sim/account';
import { createDuckDbEngine } from './duckdb-engine';
import { writeSyntheticZeekLogs } from './synthetic/zeek-traffic';
import { LOCAL, localConfig } from './local-account';
import { createLocalInvestigation } from './local-investigation';
import { SimulatedSensors, type TrafficSource } from './simulated-sensor';
import type { EventLog, LocalExecution } from './step-functions';
import { seedFromFinding, type SeededWorld } from './world';
import type { Io } from '../bin/commands/io';


const USAGE = `usage: npm run demo -- [--finding FILE] [--logs DIR] [--minutes N] [--force] [--out DIR] [--verbose]
Runs one whole investigation on a simulated AWS account (nothing touches AWS).
  --finding FILE  a GuardDuty finding event (EventBridge envelope or bare detail); default local/demo/finding.json
  --logs DIR      hunt this folder of Zeek logs instead of the synthetic capture; the simulated
                  instance takes their busiest source address and the capture covers their last day
  --minutes N     capture window in minutes (default 60, or what covers --logs, at most 1440)
  --force         investigate even if the trigger's policy would ignore the finding (samples, other types)
  --out DIR       where the simulated account's S3 bucket lives (default a fresh temporary folder)
  --verbose       print every state the execution enters, not only the steps that act`;

export const DEMO_FINDING = join(__dirname, 'demo', 'finding.json');

/** Plants the things an investigation must not touch: a third-party accept-all session ahead of nothing, a bystander. */
async function addBystanders(account: SimulatedAccount, world: SeededWorld): Promise<Array<{ type: string; id: string }>> {
  const ec2 = account.clients().ec2;
  const primary = world.networkInterfaceIds[0];
  if (!primary) return [];
  const target = await ec2.send(
    new CreateTrafficMirrorTargetCommand({
      NetworkLoadBalancerArn: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/ndr-appliance/0123456789abcdef',
      Description: 'a third-party network detection appliance (not ours)',
    }),
  );
  const filter = await ec2.send(new CreateTrafficMirrorFilterCommand({ Description: 'third-party accept-all' }));
  const filterId = filter.TrafficMirrorFilter?.TrafficMirrorFilterId as string;
  for (const direction of ['ingress', 'egress'] as const) {
    await ec2.send(
      new CreateTrafficMirrorFilterRuleCommand({
        TrafficMirrorFilterId: filterId,
        TrafficDirection: direction,
        RuleNumber: 100,
        RuleAction: 'accept',
        SourceCidrBlock: '0.0.0.0/0',
        DestinationCidrBlock: '0.0.0.0/0',
      }),
    );
  }
  const session = await ec2.send(
    new CreateTrafficMirrorSessionCommand({
      NetworkInterfaceId: primary,
      TrafficMirrorTargetId: target.TrafficMirrorTarget?.TrafficMirrorTargetId,
      TrafficMirrorFilterId: filterId,
      SessionNumber: 10,
    }),
  );
  const subnet = account.ec2.createSubnet({ vpcId: world.vpcId, cidrBlock: `${world.vpcCidrs[0]?.split('.').slice(0, 2).join('.')}.200.0/24`, availabilityZone: 'us-east-1a' });
  const bystander = account.ec2.seedInstance({ instanceType: 'r5.large', subnetId: subnet, tags: { Name: 'db-1' }, state: 'running' });
  return [
    { type: 'mirror-session', id: session.TrafficMirrorSession?.TrafficMirrorSessionId as string },
    { type: 'mirror-target', id: target.TrafficMirrorTarget?.TrafficMirrorTargetId as string },
    { type: 'mirror-filter', id: filterId },
    { type: 'instance', id: bystander.instanceId },
  ];
}

/** What the simulated sensor ships: synthetic traffic of the instance with a beacon to the finding's peer. */
function syntheticTraffic(pivotIps: string[]): TrafficSource {
  return async (capture) => {
    const src = capture.sourceIps[0];
    if (!src) return;
    await writeSyntheticZeekLogs(
      {
        seed: 7,
        from: capture.from,
        to: capture.to,
        internalHosts: capture.sourceIps,
        beacons: [{ src, dst: pivotIps[0] ?? '203.0.113.45', dstPort: 443, intervalSeconds: 60, jitterSeconds: 2, bytes: 512, host: 'cdn-update.example.net' }],
        backgroundConnectionsPerHour: 400,
        dnsTunnelDomain: 'x7q.example.org',
      },
      capture.bucketDir,
      { sensorId: capture.sensorId },
    );
  };
}

function clockTime(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `+${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** One line per step, with the fact that matters from its result. */
function describeExit(name: string, output: InvestigationState): string {
  switch (name) {
    case 'Resolve Target':
      return output.target.mirrorable
        ? `${output.target.instanceId} (${output.target.instanceType}): ${output.target.enis.map((e) => `${e.networkInterfaceId} as session #${e.sessionNumber}`).join(', ')}; VPC CIDRs ${output.target.cidrs.ipv4.join(', ')}`
        : `not mirrorable: ${output.target.reason}`;
    case 'Claim Instance':
      return output.claim?.claimed ? 'claimed the instance' : `already under investigation by ${output.claim?.heldBy}`;
    case 'Launch Sensor':
      return `sensor ${output.sensor?.instanceId} (${output.sensor?.instanceType}) + security group ${output.sensor?.securityGroupId}, VNI ${output.sensor?.vni}`;
    case 'Check Sensor':
      return `sensor is ${output.sensorStatus?.state} (check ${output.sensorStatus?.attempts})`;
    case 'Start Mirroring':
      return `target ${output.mirror?.targetId}, filter ${output.mirror?.filterId} (${output.mirror?.ruleIds.length} rules + amazon-dns), sessions ${output.mirror?.sessions.map((s) => s.sessionId).join(', ')}`;
    case 'Stop Mirroring':
      return `deleted ${output.mirrorStop?.deletedSessionIds.length} session(s)`;
    case 'Tear Down':
      return output.teardown?.complete
        ? `done: ${output.teardown.deleted.map((d) => `${d.type} ${d.outcome}`).join(', ')}`
        : `waiting on ${output.teardown?.remaining.map((r) => `${r.type} (${r.why})`).join(', ')}`;
    case 'Run Hunts':
      return `${output.hunts?.outcomes.length} hunts on ${output.hunts?.engine}: ${output.hunts?.outcomes.filter((o) => o.findingCount > 0).map((o) => `${o.name} ${o.findingCount}`).join(', ') || 'nothing found'}`;
    case 'Notify Responders':
    case 'Notify Failure':
      return 'published the summary to the SNS topic';
    case 'Write Report':
    case 'Write Failure Report':
      return `report ${output.report?.markdownKey} (${output.report?.outcome})`;
    default:
      return '';
  }
}

interface LogsFit {
  first: Date;
  last: Date;
  records: number;
  host: string;
  clockStart: Date;
  minutes: number;
  covered: string;
}

/** Set-up before mirroring starts (sensor launch and readiness) in simulated time, generously. */
const SETUP_MINUTES = 30;

/**
 * Fits the simulated investigation to a folder of real logs: its busiest connection source (a
 * private address first) becomes the instance's address, and the clock starts so the capture
 * window covers the logs' last day (RITA scores the last 24 hours too).
 */
async function fitToLogs(logsDir: string): Promise<LogsFit | undefined> {
  const engine = await createDuckDbEngine({ logsDir });
  try {
    const span = (await engine.run('SELECT count(*) AS n, min(ts) AS first, max(ts) AS last FROM conn', [])).rows[0];
    const records = Number(span?.n ?? 0);
    if (records === 0) return undefined;
    const busiest = await engine.run(
      `SELECT id_orig_h AS host, count(*) AS n FROM conn
       WHERE id_orig_h IS NOT NULL AND NOT (proto = 'udp' AND id_resp_p IN (4789, 6081))
       GROUP BY id_orig_h
       ORDER BY (regexp_matches(id_orig_h, '^(10\\.|192\\.168\\.|172\\.(1[6-9]|2[0-9]|3[01])\\.)') AND NOT id_orig_h LIKE '%:%') DESC, n DESC
       LIMIT 1`,
      [],
    );
    const first = new Date(Number(span?.first) * 1000);
    const last = new Date(Number(span?.last) * 1000);
    const end = last.getTime() + 1000;
    const maxCaptureMs = (1440 - SETUP_MINUTES) * 60_000;
    const start = Math.max(first.getTime(), end - maxCaptureMs);
    const minutes = Math.min(1440, Math.ceil((end - start) / 60_000) + SETUP_MINUTES);
    return {
      first,
      last,
      records,
      host: String(busiest.rows[0]?.host),
      clockStart: new Date(start - SETUP_MINUTES * 60_000),
      minutes,
      covered: start > first.getTime() ? `their last ${Math.round((end - start) / 3_600_000)} h` : 'all of them',
    };
  } finally {
    await engine.close();
  }
}

/** The finding with its instance's first interface at `address` (the demo's simulated instance is built from it). */
function withInstanceAddress(event: unknown, address: string): unknown {
  const copy = JSON.parse(JSON.stringify(event)) as { detail?: Record<string, unknown> } & Record<string, unknown>;
  const detail = (copy.detail ?? copy) as { resource?: { instanceDetails?: { networkInterfaces?: Array<Record<string, unknown>> } } };
  const eni = detail.resource?.instanceDetails?.networkInterfaces?.[0];
  if (eni) {
    eni.privateIpAddress = address;
    eni.privateIpAddresses = [{ privateIpAddress: address }];
  }
  return copy;
}

export async function demoCommand(argv: string[], io: Io): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        finding: { type: 'string' },
        logs: { type: 'string' },
        minutes: { type: 'string' },
        force: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        out: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    io.stderr(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const findingPath = resolve(values.finding ?? DEMO_FINDING);
  let event: unknown;
  try {
    event = JSON.parse(await readFile(findingPath, 'utf8'));
  } catch (error) {
    io.stderr(`cannot read the finding ${findingPath}: ${(error as Error).message}\n`);
    return 2;
  }
  const logsDir = values.logs ? resolve(values.logs) : undefined;
  if (logsDir && !existsSync(logsDir)) {
    io.stderr(`--logs ${logsDir}: no such folder\n`);
    return 2;
  }
  const minutes = values.minutes === undefined ? undefined : Number(values.minutes);
  if (minutes !== undefined && !(Number.isInteger(minutes) && minutes >= 1 && minutes <= 1440)) {
    io.stderr(`--minutes must be a whole number from 1 to 1440\n`);
    return 2;
  }

  // With --logs the simulation is fitted to the logs: the capture covers their last day, and the
  // investigated instance is their busiest source, or the hunts would look at the wrong hours and hosts.
  let fit: LogsFit | undefined;
  if (logsDir) {
    fit = await fitToLogs(logsDir);
    if (!fit) {
      io.stderr(`--logs ${logsDir}: no Zeek conn records found (use \`mirrorhunt hunt ${logsDir}\` to see why)\n`);
      return 1;
    }
    event = withInstanceAddress(event, fit.host);
  }
  const captureMinutes = minutes ?? fit?.minutes;
  const out = values.out ? resolve(values.out) : await mkdtemp(join(tmpdir(), 'mirrorhunt-demo-'));
  const account = new SimulatedAccount({ clock: new SimClock(fit ? fit.clockStart : new Date()), s3Root: out });
  let world: SeededWorld;
  try {
    world = seedFromFinding(account, event);
  } catch (error) {
    io.stderr(`${(error as Error).message}\n`);
    return 2;
  }
  const finding = parseFindingEvent(event);
  if (!values.finding) world.bystanders = await addBystanders(account, world);

  const traffic: TrafficSource = logsDir ? async () => undefined : syntheticTraffic(finding.remoteIps);
  const sensors = new SimulatedSensors(account, traffic);
  const bucketDir = account.s3.path(LOCAL.bucket, '');
  const config = localConfig(captureMinutes ? { DEFAULT_CAPTURE_MINUTES: String(captureMinutes) } : {});
  let started = 0;
  const local = createLocalInvestigation({
    account,
    config: values.force ? { ...config, allowSampleFindings: true, findingTypes: [finding.type], minSeverity: 0 } : config,
    queryEngine: async () => {
      await sensors.flushed();
      return createDuckDbEngine({ logsDir: logsDir ?? bucketDir });
    },
    onEvent: (event: EventLog, execution: LocalExecution) => {
      const at = clockTime(account.clock.now().getTime() - started);
      if (event.type === 'StateEntered' && event.state.type === 'Wait') {
        io.stdout(`${at}  ... ${event.state.name} (waiting)\n`);
      } else if (event.type === 'StateExited' && event.state.type === 'Task') {
        io.stdout(`${at}  ${event.state.name.padEnd(22)} ${describeExit(event.state.name, event.state.output as unknown as InvestigationState)}\n`);
      } else if (event.type === 'StateRetried') {
        io.stdout(`${at}  ${event.state.name.padEnd(22)} retrying (attempt ${event.retry.attempt})\n`);
      } else if (event.type === 'StateCaught') {
        io.stdout(`${at}  ${event.state.name.padEnd(22)} FAILED -> tearing down first\n`);
      } else if (values.verbose && event.type === 'StateEntered') {
        io.stdout(`${at}  > ${event.state.name} (${execution.name})\n`);
      }
    },
  });

  io.stdout(`mirrorhunt demo - a simulated AWS account (local/aws-sim), not AWS\n`);
  io.stdout(`finding   ${finding.type} (severity ${finding.severity}) on ${finding.instanceId}, remote ${finding.remoteIps.join(', ') || '-'}\n`);
  io.stdout(`account   VPC ${world.vpcId} ${world.vpcCidrs.join(', ')}; instance ${world.instanceId} with ${world.networkInterfaceIds.length} ENI(s)${world.bystanders.length ? `; plus ${world.bystanders.length} resources that are not ours` : ''}\n`);
  io.stdout(`traffic   ${logsDir ? `Zeek logs from ${logsDir}` : 'synthetic Zeek logs written by the simulated sensor'}\n`);
  if (fit) io.stdout(`          ${fit.records} conn records ${fit.first.toISOString()} .. ${fit.last.toISOString()}; the instance takes the busiest source, ${fit.host}, and the capture covers ${fit.covered}\n`);
  io.stdout('\n');

  started = account.clock.now().getTime();
  const trigger = await local.trigger(event);
  io.stdout(`${clockTime(0)}  GuardDuty trigger      ${trigger.outcome}${'reason' in trigger ? `: ${trigger.reason}` : ` (${trigger.executionName})`}\n`);
  if (trigger.outcome === 'ignored' || trigger.outcome === 'rejected') {
    io.stdout(`\nNothing was started. ${trigger.outcome === 'ignored' ? 'Use --force to investigate it anyway.' : ''}\n`);
    return trigger.outcome === 'rejected' ? 1 : 0;
  }
  const execution = local.stepFunctions.executions.get(trigger.executionName);
  if (!execution) throw new Error('the trigger reported an execution that the local Step Functions does not know');
  await execution.done;
  await sensors.flushed();

  io.stdout(`\nexecution ${execution.name}: ${execution.status}${execution.error ? ` (${execution.error.name}: ${execution.error.cause.slice(0, 300)})` : ''}\n`);
  const state = execution.output as InvestigationState | undefined;
  for (const message of account.sns.messages()) io.stdout(`\nSNS notification "${message.Subject}":\n${message.Message}\n`);
  const reportKey = state?.report?.markdownKey;
  if (reportKey) io.stdout(`\nreport    ${account.s3.path(LOCAL.bucket, reportKey)}\n`);

  const ours = account.listResources().filter((r) => r.tags['mirrorhunt:managed'] === 'true');
  const others = account.listResources().filter((r) => r.tags['mirrorhunt:managed'] !== 'true');
  io.stdout(`\nsimulated account after the run:\n`);
  io.stdout(`  resources tagged mirrorhunt:managed: ${ours.length}${ours.length ? ` -> ${ours.map((r) => `${r.type} ${r.id} (${r.state ?? ''})`).join(', ')}` : ' (nothing left running, nothing left billing)'}\n`);
  io.stdout(`  other resources, untouched: ${others.map((r) => `${r.type} ${r.id}`).join(', ')}\n`);
  const ok = (execution.status === 'SUCCEEDED' || execution.status === 'FAILED') && ours.length === 0;
  return ok && execution.status === 'SUCCEEDED' ? 0 : 1;
}

if (require.main === module) {
  demoCommand(process.argv.slice(2), { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

import './polyfills';
import { readFile, mkdtemp, mkdir } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  CreateTrafficMirrorFilterCommand,
  CreateTrafficMirrorFilterRuleCommand,
  CreateTrafficMirrorSessionCommand,
  CreateTrafficMirrorTargetCommand,
} from '@aws-sdk/client-ec2';
import { parseFindingEvent } from '../functions/shared/domain/finding';
import { eastWestFilterRules } from '../functions/shared/domain/filter-rules';
import { CliError, parseCommandArgs, parseMinutes, runCommand, UsageError, type Io } from '../bin/cli';
import { amazonDnsAddresses, applyMirrorFilter, type FilterOutcome } from './demo/mirror-filter';
import type { InvestigationState } from '../functions/shared/domain/state';
import { SimClock } from './aws-sim/clock';
import { SimulatedAccount } from './aws-sim/account';
import { createDuckDbEngine } from './duckdb-engine';
import { writeSyntheticZeekLogs } from './synthetic/zeek-traffic';
import { LOCAL, localConfig } from './local-account';
import { createLocalInvestigation } from './local-investigation';
import { sendVerdictToSecurityHub } from './security-hub-loop';
import { SimulatedSensors, type TrafficSource } from './simulated-sensor';
import type { EventLog, LocalExecution } from './step-functions';
import { seedFromFinding, type SeededWorld } from './world';

/** The demo's fixed defaults: two runs with the same options print the same investigation. */
export const DEFAULT_SEED = 7;
export const DEFAULT_START = '2026-11-24T09:00:00Z';

const USAGE = `usage: mirrorhunt demo [--finding FILE] [--logs DIR [--unfiltered]] [--minutes N] [--force]
                       [--seed N] [--start ISO | --now] [--out DIR] [--verbose]
       (or: npm run demo -- [options])
Runs one whole investigation on a simulated AWS account (nothing touches AWS).
  --finding FILE  a GuardDuty finding event (EventBridge envelope or bare detail); default local/demo/finding.json
  --logs DIR      hunt this folder of Zeek logs instead of the synthetic capture; the simulated
                  instance takes their busiest source address and the capture covers their last day.
                  Only what the incident's mirror session would deliver is hunted: the instance's own
                  connections that pass its east/west filter (as AWS would mirror them)
  --unfiltered    with --logs: hunt every record, as if nothing were filtered (not what AWS delivers)
  --minutes N     capture window in minutes, 1 to 1440 (default 60; with --logs: their last N minutes)
  --force         investigate even if the trigger's policy would ignore the finding (a sample, a type
                  or severity it does not handle); a finding that names no EC2 instance stays ignored
  --seed N        the synthetic traffic's random seed (default ${DEFAULT_SEED})
  --start ISO     when the simulated clock starts (default ${DEFAULT_START}); the same seed and start give
                  the same run, finding for finding
  --now           start the simulated clock at the current time instead
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
function syntheticTraffic(pivotIps: string[], seed: number): TrafficSource {
  return async (capture) => {
    const src = capture.sourceIps[0];
    if (!src) return;
    await writeSyntheticZeekLogs(
      {
        seed,
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
  /** When mirroring must start for the capture to end with the logs (with --minutes). */
  captureStart?: Date;
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
async function fitToLogs(logsDir: string, lastMinutes?: number): Promise<LogsFit | undefined> {
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
    if (lastMinutes !== undefined) {
      // The capture is moved to start exactly lastMinutes before the end (see captureStart), so
      // the window is the logs' last minutes, not the first ones after the set-up.
      const start = end - lastMinutes * 60_000;
      return { first, last, records, host: String(busiest.rows[0]?.host), clockStart: new Date(start - SETUP_MINUTES * 60_000), captureStart: new Date(start), minutes: lastMinutes, covered: `their last ${lastMinutes} min (${new Date(start).toISOString()} .. ${new Date(end).toISOString()})` };
    }
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
  return runCommand(io, 'demo', () => demo(argv, io));
}

function folderOrFail(flag: string, path: string): string {
  const kind = statSync(path, { throwIfNoEntry: false });
  if (!kind) throw new CliError(`${flag} ${path}: no such folder`);
  if (!kind.isDirectory()) throw new CliError(`${flag} ${path} is a file; give a folder`);
  return path;
}

async function demo(argv: string[], io: Io): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    finding: { type: 'string' },
    logs: { type: 'string' },
    unfiltered: { type: 'boolean', default: false },
    minutes: { type: 'string' },
    force: { type: 'boolean', default: false },
    seed: { type: 'string' },
    start: { type: 'string' },
    now: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    out: { type: 'string' },
  });
  if (values.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const minutes = parseMinutes(values.minutes);
  const seed = values.seed === undefined ? DEFAULT_SEED : Number(values.seed);
  if (!/^\d{1,9}$/.test(values.seed ?? '0')) throw new UsageError(`--seed must be a whole number from 0 to 999999999; got "${values.seed}"`);
  if (values.now && values.start !== undefined) throw new UsageError('give --start or --now, not both');
  const clockStart = values.now ? new Date() : new Date(values.start ?? DEFAULT_START);
  if (Number.isNaN(clockStart.getTime())) throw new UsageError(`--start must be a date and time in ISO 8601, e.g. ${DEFAULT_START}; got "${values.start}"`);
  if (values.unfiltered && !values.logs) throw new UsageError('--unfiltered only applies to --logs');
  const findingPath = resolve(values.finding ?? DEMO_FINDING);
  let event: unknown;
  try {
    event = JSON.parse(await readFile(findingPath, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read the finding ${findingPath}: ${(error as Error).message}`);
  }
  const logsDir = values.logs ? folderOrFail('--logs', resolve(values.logs)) : undefined;
  let out: string;
  if (values.out) {
    out = resolve(values.out);
    const kind = statSync(out, { throwIfNoEntry: false });
    if (kind && !kind.isDirectory()) throw new CliError(`--out ${out} is a file; give a folder (it is created if missing)`);
    await mkdir(out, { recursive: true });
  } else {
    out = await mkdtemp(join(tmpdir(), 'mirrorhunt-demo-'));
  }

  // With --logs the simulation is fitted to the logs: the capture covers their last day, and the
  // investigated instance is their busiest source, or the hunts would look at the wrong hours and hosts.
  let fit: LogsFit | undefined;
  if (logsDir) {
    fit = await fitToLogs(logsDir, minutes);
    if (!fit) throw new CliError(`--logs ${logsDir}: no Zeek conn records found (use \`mirrorhunt hunt ${logsDir}\` to see why)`);
    event = withInstanceAddress(event, fit.host);
  }
  const captureMinutes = minutes ?? fit?.minutes;
  const account = new SimulatedAccount({ clock: new SimClock(fit ? fit.clockStart : clockStart), s3Root: out });
  const finding = parseFindingEvent(event);
  let world: SeededWorld;
  try {
    world = seedFromFinding(account, event);
  } catch (error) {
    // A finding about a bucket, a key or a cluster has no instance to mirror: the trigger ignores
    // it and says why, --force or not.
    if (finding.resourceType === 'Instance') throw new CliError((error as Error).message);
    io.stdout(`mirrorhunt demo - a simulated AWS account (local/aws-sim), not AWS\n`);
    io.stdout(`finding   ${finding.type} (severity ${finding.severity}) on a ${finding.resourceType}\n\n`);
    io.stdout(`${clockTime(0)}  GuardDuty trigger      ignored: finding ${finding.id} is about a ${finding.resourceType}, not an EC2 instance\n`);
    io.stdout(`\nNothing was started: traffic mirroring needs an instance's network interface${values.force ? ' (--force cannot change that)' : ''}.\n`);
    return 0;
  }
  if (!values.finding) world.bystanders = await addBystanders(account, world);

  const traffic: TrafficSource = logsDir ? async () => undefined : syntheticTraffic(finding.remoteIps, seed);
  // What the incident's session would deliver from the logs: the product's own filter rules for the
  // instance's VPC, with AWS's evaluation played by local/demo/mirror-filter.ts.
  const sessionView = { rules: eastWestFilterRules({ ipv4: world.vpcCidrs, ipv6: [] }), instanceIps: world.privateIps ?? [], amazonDns: amazonDnsAddresses(world.vpcCidrs[0] ?? '') };
  let filtered: FilterOutcome | undefined;
  const sensors = new SimulatedSensors(account, traffic);
  const bucketDir = account.s3.path(LOCAL.bucket, '');
  const config = localConfig(captureMinutes ? { DEFAULT_CAPTURE_MINUTES: String(captureMinutes) } : {});
  let started = 0;
  const local = createLocalInvestigation({
    account,
    config: values.force ? { ...config, allowSampleFindings: true, findingTypes: [finding.type], minSeverity: 0 } : config,
    queryEngine: async () => {
      await sensors.flushed();
      const engine = await createDuckDbEngine({ logsDir: logsDir ?? bucketDir });
      if (logsDir && !values.unfiltered) filtered = await applyMirrorFilter(engine, sessionView);
      return engine;
    },
    onEvent: (event: EventLog, execution: LocalExecution) => {
      // With --logs --minutes, mirroring starts exactly that long before the logs end.
      const captureStart = fit?.captureStart?.getTime();
      if (captureStart !== undefined && event.type === 'StateEntered' && event.state.name === 'Start Mirroring' && account.clock.now().getTime() < captureStart) {
        account.clock.advance(captureStart - account.clock.now().getTime());
      }
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
  io.stdout(`iam       ${account.iam ? "every call is evaluated against the calling function's deployed role (infra/roles.yml)" : 'not evaluated: the IAM evaluator is a development dependency (run from a clone after npm ci to have it)'}\n`);
  io.stdout(`account   VPC ${world.vpcId} ${world.vpcCidrs.join(', ')}; instance ${world.instanceId} with ${world.networkInterfaceIds.length} ENI(s)${world.bystanders.length ? `; plus ${world.bystanders.length} resources that are not ours` : ''}\n`);
  io.stdout(`traffic   ${logsDir ? `Zeek logs from ${logsDir}` : `synthetic Zeek logs written by the simulated sensor (seed ${seed})`}\n`);
  io.stdout(`clock     the simulated clock starts at ${account.clock.now().toISOString()}\n`);
  if (fit) io.stdout(`          ${fit.records} conn records ${fit.first.toISOString()} .. ${fit.last.toISOString()}; the instance takes the busiest source, ${fit.host}, and the capture covers ${fit.covered}\n`);
  io.stdout('\n');

  started = account.clock.now().getTime();
  const trigger = await local.trigger(event);
  io.stdout(`${clockTime(0)}  GuardDuty trigger      ${trigger.outcome}${'reason' in trigger ? `: ${trigger.reason}` : ` (${trigger.executionName})`}\n`);
  if (trigger.outcome === 'ignored' || trigger.outcome === 'rejected') {
    const notAnInstance = finding.resourceType !== 'Instance' || !finding.instanceId;
    const advice = trigger.outcome !== 'ignored' ? '.' : notAnInstance ? `: traffic mirroring needs an instance's network interface${values.force ? ' (--force cannot change that)' : ''}.` : values.force ? '.' : '. Use --force to investigate it anyway.';
    io.stdout(`\nNothing was started${advice}\n`);
    return trigger.outcome === 'rejected' ? 1 : 0;
  }
  const execution = local.stepFunctions.executions.get(trigger.executionName);
  if (!execution) throw new Error('the trigger reported an execution that the local Step Functions does not know');
  await execution.done;
  await sensors.flushed();
  if (filtered) {
    io.stdout(`\nmirror filter (simulated, as AWS would apply the incident's filter to ${world.privateIps.join(', ')}): kept ${filtered.kept} records, dropped ${filtered.dropped} (other hosts' traffic and east/west within ${world.vpcCidrs.join(', ')}; --unfiltered keeps them)\n`);
  }

  io.stdout(`\nexecution ${execution.name}: ${execution.status}${execution.error ? ` (${execution.error.name}: ${execution.error.cause.slice(0, 300)})` : ''}\n`);
  const state = execution.output as InvestigationState | undefined;
  for (const message of account.sns.messages()) io.stdout(`\nSNS notification "${message.Subject}":\n${message.Message}\n`);
  const reportKey = state?.report?.markdownKey;
  if (reportKey) io.stdout(`\nreport    ${account.s3.path(LOCAL.bucket, reportKey)}\n`);
  if (state?.report?.htmlKey) io.stdout(`html      ${account.s3.path(LOCAL.bucket, state.report.htmlKey)}\n`);
  // With securityHub on, the verdict goes back to Security Hub when the execution ends (simulated).
  const imported = await sendVerdictToSecurityHub(account, execution);
  if (imported) {
    const related = (imported.RelatedFindings as Array<{ Id: string }> | undefined)?.[0]?.Id;
    io.stdout(`\nSecurity Hub finding imported (simulated): [${(imported.Severity as { Label: string }).Label}] ${String(imported.Title)}${related ? `\n  related to ${related}` : ''}\n`);
  }

  const ours = account.listResources().filter((r) => r.tags['mirrorhunt:managed'] === 'true');
  const others = account.listResources().filter((r) => r.tags['mirrorhunt:managed'] !== 'true');
  io.stdout(`\nsimulated account after the run:\n`);
  io.stdout(`  resources tagged mirrorhunt:managed: ${ours.length}${ours.length ? ` -> ${ours.map((r) => `${r.type} ${r.id} (${r.state ?? ''})`).join(', ')}` : ' (nothing left running, nothing left billing)'}\n`);
  io.stdout(`  other resources, untouched: ${others.map((r) => `${r.type} ${r.id}`).join(', ')}\n`);
  const ok = (execution.status === 'SUCCEEDED' || execution.status === 'FAILED') && ours.length === 0;
  return ok && execution.status === 'SUCCEEDED' ? 0 : 1;
}

if (require.main === module) {
  void runCommand({ stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) }, 'demo', () => demo(process.argv.slice(2), { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) })).then((code) => {
    process.exitCode = code;
  });
}

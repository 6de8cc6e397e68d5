import { EC2Client } from '@aws-sdk/client-ec2';
import { instancePages } from '../../functions/shared/adapters/ec2';
import { launchedFromView, type MirrorScope } from '../../functions/shared/domain/auto-mirror';
import type { BackoffOptions } from '../../functions/shared/workflows/backoff';
import { mirrorInstancesToFleet, type FleetDecision } from '../../functions/shared/workflows/fleet-mirror';
import { createPacer, type Pacer } from '../../functions/shared/workflows/pacer';
import { parseCommandArgs, parseRate, parseRegion, parseStack, runCommand, UsageError, type Io } from '../cli';

export type { Io } from '../cli';

export const BACKFILL_USAGE = `usage: mirrorhunt backfill --stack mirrorhunt-STAGE --target-id tmt-... --filter-id tmf-... [--region us-east-1]
                          [--vpc vpc-... ...] [--subnet subnet-... ...] [--opt-in-tag KEY[=VALUE] ...]
                          [--opt-out-tag KEY[=VALUE] ...] [--combine and|or] [--eni-mode all|primary]
                          [--vni N] [--rate N] [--dry-run]
Mirrors the instances already running in scope onto the standing sensor fleet, with the same
scope and per-ENI rules as the autoMirror function (sessions tagged mirrorhunt:managed=true and
mirrorhunt:stack=the --stack given, which may also come from MIRRORHUNT_STACK).
Pages through DescribeInstances, makes at most --rate create calls a second (default 5), reports
progress on stderr and one line per network interface on stdout.
--dry-run creates nothing and prints what it would create.
The ids may also come from MIRRORHUNT_FLEET_TARGET_ID and MIRRORHUNT_FLEET_FILTER_ID (the stack
outputs FleetMirrorTargetId and FleetMirrorFilterId). Exit code 1 when any create failed.`;

interface BackfillOptions {
  ec2?: EC2Client;
  now?: () => Date;
  env?: Record<string, string | undefined>;
  pacer?: Pacer;
  backoff?: BackoffOptions;
}

function line(d: FleetDecision): string {
  const where = [d.instanceId, d.networkInterfaceId ?? '-'].join(' ');
  const what = d.sessionId ? ` ${d.sessionId}` : d.sessionNumber !== undefined ? ` session-number ${d.sessionNumber}` : '';
  return `${d.outcome.padEnd(16)} ${where}${what}  ${d.reason}\n`;
}

export async function backfillCommand(argv: string[], io: Io, options: BackfillOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  return runCommand(io, 'backfill', () => backfill(argv, io, options, env), env);
}

async function backfill(argv: string[], io: Io, options: BackfillOptions, env: Record<string, string | undefined>): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    stack: { type: 'string' },
    'target-id': { type: 'string' },
    'filter-id': { type: 'string' },
    region: { type: 'string' },
    vpc: { type: 'string', multiple: true },
    subnet: { type: 'string', multiple: true },
    'opt-in-tag': { type: 'string', multiple: true },
    'opt-out-tag': { type: 'string', multiple: true },
    combine: { type: 'string', default: 'and' },
    'eni-mode': { type: 'string', default: 'all' },
    vni: { type: 'string' },
    rate: { type: 'string', default: '5' },
    'dry-run': { type: 'boolean', default: false },
  });
  if (values.help) {
    io.stdout(`${BACKFILL_USAGE}\n`);
    return 0;
  }
  const stack = parseStack(values.stack, env);
  const targetId = values['target-id'] ?? env.MIRRORHUNT_FLEET_TARGET_ID;
  const filterId = values['filter-id'] ?? env.MIRRORHUNT_FLEET_FILTER_ID;
  if (!targetId || !/^tmt-[0-9a-f]{8,17}$/.test(targetId)) throw new UsageError('--target-id (or MIRRORHUNT_FLEET_TARGET_ID) must be the fleet traffic mirror target id (tmt-..., the stack output FleetMirrorTargetId)');
  if (!filterId || !/^tmf-[0-9a-f]{8,17}$/.test(filterId)) throw new UsageError('--filter-id (or MIRRORHUNT_FLEET_FILTER_ID) must be the fleet traffic mirror filter id (tmf-..., the stack output FleetMirrorFilterId)');
  const combine = values.combine;
  if (combine !== 'and' && combine !== 'or') throw new UsageError(`--combine must be and or or; got "${combine}"`);
  const eniMode = values['eni-mode'];
  if (eniMode !== 'all' && eniMode !== 'primary') throw new UsageError(`--eni-mode must be all or primary; got "${eniMode}"`);
  const rate = parseRate(values.rate);
  const vni = values.vni === undefined ? undefined : Number(values.vni);
  if (vni !== undefined && (!Number.isInteger(vni) || vni < 0 || vni > 16_777_215)) throw new UsageError(`--vni must be a whole number from 0 to 16777215; got "${values.vni}"`);
  const badId = [...(values.vpc ?? []).filter((v) => !/^vpc-[0-9a-f]{8,17}$/.test(v)), ...(values.subnet ?? []).filter((s) => !/^subnet-[0-9a-f]{8,17}$/.test(s))];
  if (badId.length > 0) throw new UsageError(`not a VPC or subnet id: ${badId.join(', ')}`);

  const scope: MirrorScope = {
    vpcIds: values.vpc ?? [],
    subnetIds: values.subnet ?? [],
    optInTags: values['opt-in-tag'] ?? [],
    optOutTags: values['opt-out-tag'] ?? ['mirrorhunt:mirror=false'],
    combine,
    eniMode,
  };
  const dryRun = values['dry-run'];
  // Adaptive retries also slow the client down when EC2 throttles the Describe calls.
  const ec2 = options.ec2 ?? new EC2Client({ region: parseRegion(values.region, env), retryMode: 'adaptive', maxAttempts: 8 });
  const backoff = options.backoff ?? { retries: 8, baseMs: 500, maxMs: 30_000 };
  const pacer = options.pacer ?? createPacer(rate);
  // With AND the VPC list narrows the scan server-side; with OR an opt-in tag can reach past it.
  const vpcFilter = combine === 'and' ? scope.vpcIds : [];

  const counts = new Map<string, number>();
  let seen = 0;
  let page = 0;
  for await (const instances of instancePages(ec2, { states: ['running'], vpcIds: vpcFilter, pageSize: 100 })) {
    page++;
    seen += instances.length;
    const decisions = await mirrorInstancesToFleet(ec2, instances.map(launchedFromView), { targetId, filterId, stack, vni, scope, backoff, dryRun, pacer, now: options.now });
    for (const d of decisions) {
      counts.set(d.outcome, (counts.get(d.outcome) ?? 0) + 1);
      io.stdout(line(d));
    }
    io.stderr(`page ${page}: ${instances.length} instances (${seen} so far); ${summary(counts)}\n`);
    // The next DescribeInstances page waits its turn like a create does.
    await pacer.wait();
  }
  io.stderr(`${dryRun ? 'dry run: nothing was created. ' : ''}${seen} running instances; ${summary(counts)}\n`);
  return (counts.get('failed') ?? 0) > 0 ? 1 : 0;
}

function summary(counts: Map<string, number>): string {
  if (counts.size === 0) return 'nothing to do';
  return [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([outcome, n]) => `${outcome} ${n}`)
    .join(', ');
}

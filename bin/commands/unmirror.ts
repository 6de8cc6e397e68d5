import { EC2Client } from '@aws-sdk/client-ec2';
import { deleteMirrorSession, listMirrorSessions } from '../../functions/shared/adapters/ec2';
import { isFleetSession } from '../../functions/shared/domain/auto-mirror';
import { withBackoff, type BackoffOptions } from '../../functions/shared/workflows/backoff';
import { createPacer, type Pacer } from '../../functions/shared/workflows/pacer';
import { parseCommandArgs, parseRate, parseRegion, parseStack, runCommand, UsageError, type Io } from '../cli';

export const UNMIRROR_USAGE = `usage: mirrorhunt unmirror --stack mirrorhunt-STAGE [--target-id tmt-...] [--region us-east-1] [--rate N] [--dry-run]
Deletes the sessions that mirror instances onto the sensor fleet: only sessions tagged
mirrorhunt:managed=true, mirrorhunt:stack=the --stack given (or MIRRORHUNT_STACK) and
mirrorhunt:role=fleet-session, optionally only those to one target.
Run it before turning the fleet off (fleetMode=off), because sessions bill until deleted and
CloudFormation cannot delete a mirror target that sessions still use.
--dry-run lists what it would delete. Exit code 1 when any delete failed.`;

interface UnmirrorOptions {
  ec2?: EC2Client;
  env?: Record<string, string | undefined>;
  pacer?: Pacer;
  backoff?: BackoffOptions;
}

export async function unmirrorCommand(argv: string[], io: Io, options: UnmirrorOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  return runCommand(io, 'unmirror', () => unmirror(argv, io, options, env), env);
}

async function unmirror(argv: string[], io: Io, options: UnmirrorOptions, env: Record<string, string | undefined>): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    stack: { type: 'string' },
    'target-id': { type: 'string' },
    region: { type: 'string' },
    rate: { type: 'string', default: '5' },
    'dry-run': { type: 'boolean', default: false },
  });
  if (values.help) {
    io.stdout(`${UNMIRROR_USAGE}\n`);
    return 0;
  }
  const stack = parseStack(values.stack, env);
  const targetId = values['target-id'];
  if (targetId !== undefined && !/^tmt-[0-9a-f]{8,17}$/.test(targetId)) throw new UsageError(`--target-id must be a traffic mirror target id (tmt-...); got "${targetId}"`);
  const rate = parseRate(values.rate);
  const region = options.ec2 ? undefined : parseRegion(values.region, env);
  const ec2 = options.ec2 ?? new EC2Client({ region, retryMode: 'adaptive', maxAttempts: 8 });
  const backoff = options.backoff ?? { retries: 8, baseMs: 500, maxMs: 30_000 };
  const pacer = options.pacer ?? createPacer(rate);
  const sessions = (await withBackoff(() => listMirrorSessions(ec2), backoff)).filter((s) => isFleetSession(s.tags, stack) && (!targetId || s.targetId === targetId));
  io.stderr(`${sessions.length} fleet session(s)${targetId ? ` to ${targetId}` : ''}${values['dry-run'] ? ' (dry run: nothing is deleted)' : ''}\n`);
  let failed = 0;
  for (const s of sessions) {
    if (values['dry-run']) {
      io.stdout(`would-delete ${s.sessionId} ${s.networkInterfaceId} -> ${s.targetId ?? '?'}\n`);
      continue;
    }
    try {
      await pacer.wait();
      const outcome = await withBackoff(() => deleteMirrorSession(ec2, s.sessionId), backoff);
      io.stdout(`${outcome.padEnd(12)} ${s.sessionId} ${s.networkInterfaceId}\n`);
    } catch (error) {
      failed++;
      io.stdout(`failed       ${s.sessionId} ${s.networkInterfaceId}  ${(error as Error).message}\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}

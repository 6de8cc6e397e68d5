import { parseArgs, type ParseArgsConfig } from 'node:util';
import { MAX_CAPTURE_MINUTES } from '../functions/shared/domain/request';

/** Where a command writes: the process's streams, or a test's buffers. */
export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

/**
 * A mistake in how the command was called (a missing or malformed option). It is reported as one
 * line with a pointer to `--help`, exit code 2, never with a stack or the whole usage text.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Something the user can fix that is not about the arguments (a file that is not a folder, a stack
 * without the expected output). One line, exit code 1, no stack.
 */
export class CliError extends Error {
  override name = 'CliError';
}

/** The same wording in every command that takes the option. */
export const RULES = {
  minutes: `--minutes must be a whole number from 1 to ${MAX_CAPTURE_MINUTES}`,
  rate: '--rate must be a number of calls per second, above 0 and at most 100',
  region: "--region (or AWS_REGION) must name the stack's region, e.g. us-east-1",
  stage: '--stage must be the lower-case stage name the stack was deployed with, e.g. prod (the stack is mirrorhunt-<stage>)',
  stack: '--stack (or MIRRORHUNT_STACK) must be mirrorhunt-<stage>, e.g. mirrorhunt-prod: serverless names the stack <service>-<stage>',
  top: '--top must be a whole number of findings, 1 or more',
  longMin: '--long-min must be a number of seconds above 0',
} as const;

/** `--minutes`: a capture or log window, 1..1440 whole minutes. */
export function parseMinutes(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const minutes = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isInteger(minutes) || minutes < 1 || minutes > MAX_CAPTURE_MINUTES) throw new UsageError(`${RULES.minutes}; got "${value}"`);
  return minutes;
}

/** `--rate`: calls per second for the fleet commands. */
export function parseRate(value: string): number {
  const rate = Number(value);
  if (value.trim() === '' || !Number.isFinite(rate) || rate <= 0 || rate > 100) throw new UsageError(`${RULES.rate}; got "${value}"`);
  return rate;
}

/** `--long-min`: the summed seconds from which a pair is a long connection. */
export function parseLongMin(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!/^\s*[\d.]+\s*$/.test(value) || !Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`${RULES.longMin}; got "${value}"`);
  return seconds;
}

/** A stage name as serverless and the Glue/Athena names derived from it accept it. */
export const STAGE_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * The stack a command acts on: `mirrorhunt-<stage>`, the name serverless gives the stack and the
 * value of every resource's `mirrorhunt:stack` tag. Anything else (`prod`, a typo) would match no
 * tagged resource, so it is refused rather than silently finding nothing.
 */
export function parseStack(value: string | undefined, env: Record<string, string | undefined>): string {
  const stack = value ?? env.MIRRORHUNT_STACK;
  if (stack === undefined) throw new UsageError(`${RULES.stack}`);
  const stage = stack.startsWith('mirrorhunt-') ? stack.slice('mirrorhunt-'.length) : undefined;
  if (stage === undefined || !STAGE_PATTERN.test(stage)) {
    const hint = STAGE_PATTERN.test(stack) ? ` (did you mean mirrorhunt-${stack}?)` : '';
    throw new UsageError(`${RULES.stack}; got "${stack}"${hint}`);
  }
  return stack;
}

/** The region: the flag, else the SDK's usual environment variables. */
export function parseRegion(value: string | undefined, env: Record<string, string | undefined>): string {
  const region = value ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new UsageError(RULES.region);
  if (!/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region)) throw new UsageError(`${RULES.region}; got "${region}"`);
  return region;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util parseArgs with `-h` for every command and its errors reworded: its own messages name
 * the option in quotes and go on about positional arguments.
 */
export function parseCommandArgs<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h', default: false } }, strict: true, allowPositionals });
  } catch (error) {
    const e = error as Error & { code?: string };
    const option = /'(-{1,2}[^' ]+)/.exec(e.message)?.[1];
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option ${option ?? e.message}`);
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`${option ?? 'an option'} ${/argument missing/.test(e.message) ? 'needs a value' : 'takes no value'}`);
    if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError(`unexpected argument ${/'([^']*)'/.exec(e.message)?.[1] ?? ''}`.trim());
    throw new UsageError(e.message);
  }
}

/**
 * Runs a command body and turns what it throws into what a user should see: a usage mistake or a
 * CliError as one line (and the hint to `--help`), anything else as its name and message, with
 * the stack only when MIRRORHUNT_DEBUG=1 (a bug report wants it; a responder does not).
 */
export async function runCommand(io: Io, command: string, body: () => Promise<number>, env: Record<string, string | undefined> = process.env): Promise<number> {
  try {
    return await body();
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    if (err instanceof UsageError) {
      io.stderr(`mirrorhunt ${command}: ${err.message} (see 'mirrorhunt ${command} --help')\n`);
      return 2;
    }
    if (err instanceof CliError) {
      io.stderr(`mirrorhunt ${command}: ${err.message}\n`);
      return 1;
    }
    io.stderr(`mirrorhunt ${command}: ${err.name}: ${err.message}\n`);
    if (env.MIRRORHUNT_DEBUG === '1' && err.stack) io.stderr(`${err.stack}\n`);
    return 1;
  }
}

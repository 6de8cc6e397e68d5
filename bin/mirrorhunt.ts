import '../local/polyfills';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Io } from './cli';

const COMMANDS = ['demo', 'hunt', 'start', 'backfill', 'unmirror'] as const;

const USAGE = `mirrorhunt <command> [options]

commands:
  demo [--finding FILE] [--logs DIR]     run a whole investigation locally, on a simulated AWS account
  hunt <folder> [options]                run the hunt pack over a folder of Zeek logs (DuckDB)
  start --instance i-... --reason ... --stage STAGE   start an investigation in a deployed stack
  backfill --stack mirrorhunt-STAGE ...  mirror instances already running onto the sensor fleet
  unmirror --stack mirrorhunt-STAGE      delete the fleet's sessions (before turning the fleet off)

options:
  -h, --help       this text; 'mirrorhunt <command> --help' for a command's options
  --version        the version

Exit codes: 0 done, 1 failed, 2 the command line was not understood.
Set MIRRORHUNT_DEBUG=1 to see the stack trace of an unexpected error.`;

export function version(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
}

async function runSubcommand(command: (typeof COMMANDS)[number], rest: string[], io: Io): Promise<number> {
  switch (command) {
    case 'start': {
      const { startCommand } = await import('./commands/start');
      return startCommand(rest, io);
    }
    case 'hunt': {
      const { huntCommand } = await import('./commands/hunt');
      return huntCommand(rest, io);
    }
    case 'backfill': {
      const { backfillCommand } = await import('./commands/backfill');
      return backfillCommand(rest, io);
    }
    case 'unmirror': {
      const { unmirrorCommand } = await import('./commands/unmirror');
      return unmirrorCommand(rest, io);
    }
    case 'demo': {
      const { demoCommand } = await import('../local/demo');
      return demoCommand(rest, io);
    }
  }
}

const isCommand = (name: string | undefined): name is (typeof COMMANDS)[number] => (COMMANDS as readonly string[]).includes(name ?? '');

export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    io.stderr(`${USAGE}\n`);
    return 2;
  }
  if (command === '-h' || command === '--help') {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  if (command === '--version' || command === '-V') {
    io.stdout(`mirrorhunt ${version()}\n`);
    return 0;
  }
  if (command === 'help') {
    const [topic] = rest;
    if (topic === undefined) {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    if (isCommand(topic)) return runSubcommand(topic, ['--help'], io);
    io.stderr(`mirrorhunt: no command "${topic}" (commands: ${COMMANDS.join(', ')})\n`);
    return 2;
  }
  if (!isCommand(command)) {
    io.stderr(`mirrorhunt: unknown command "${command}" (commands: ${COMMANDS.join(', ')}; see 'mirrorhunt --help')\n`);
    return 2;
  }
  return runSubcommand(command, rest, io);
}

/** The process entry: the real streams, the exit code, and no stack trace unless asked for. */
export function run(argv: string[]): Promise<void> {
  const io: Io = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };
  return main(argv, io).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      const err = error instanceof Error ? error : new Error(String(error));
      io.stderr(`mirrorhunt: ${err.name}: ${err.message}\n`);
      if (process.env.MIRRORHUNT_DEBUG === '1' && err.stack) io.stderr(`${err.stack}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) void run(process.argv.slice(2));

import '../local/polyfills';
import { startCommand, type Io } from './commands/start';

const USAGE = `mirrorhunt <command> [options]

commands:
  demo [--finding FILE] [--logs DIR]   run a whole investigation locally, on a simulated AWS account
  hunt <folder> [options]              run the hunt pack over a folder of Zeek logs (DuckDB)
  start --instance i-... --reason ...  start an investigation in a deployed stack
  backfill --stack NAME --target-id ...  mirror instances already running onto the sensor fleet
  unmirror --stack NAME [--dry-run]      delete the fleet's sessions (before turning the fleet off)

Run 'mirrorhunt <command> --help' for a command's options.`;

export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return startCommand(rest, io);
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
    case undefined:
    case '--help':
    case 'help':
      io.stdout(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      io.stderr(`unknown command "${command}"\n${USAGE}\n`);
      return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2), { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      const err = error instanceof Error ? error : new Error(String(error));
      process.stderr.write(`mirrorhunt: ${err.name}: ${err.message}\n`);
      process.exitCode = 1;
    },
  );
}

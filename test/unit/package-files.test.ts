import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';

/**
 * What `npm pack` ships is what a packed install has: every module the CLI's commands load, the
 * files they read at run time, and only runtime dependencies among the packages they import.
 * The module graph comes from esbuild (it follows the commands' dynamic imports), the file list
 * from `npm pack --dry-run --json`.
 */
const ROOT = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; bin: Record<string, string> };

let packed: Set<string>;
let sources: string[];
/** Package -> the files that import it. */
let packages: Map<string, string[]>;
/** Every import edge between our own files: from, to, and how (import-statement, require-call, dynamic-import). */
let edges: Array<{ from: string; to: string; kind: string }>;

/** Loaded lazily by local/local-account.ts, and only when installed: IAM in the loop for the simulated account (dev dependencies). */
const OPTIONAL_FOLDER = 'local/aws-sim/iam/';

beforeAll(async () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  packed = new Set((JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path));
  const result = await build({ entryPoints: [join(ROOT, 'bin', 'mirrorhunt.ts')], bundle: true, platform: 'node', format: 'cjs', packages: 'external', write: false, metafile: true, logLevel: 'silent' });
  const inputs = result.metafile.inputs;
  sources = Object.keys(inputs).map((p) => relative(ROOT, join(ROOT, p)));
  packages = new Map();
  edges = [];
  for (const [file, input] of Object.entries(inputs)) {
    for (const imp of input.imports) {
      // node: built-ins; a relative "external" is an import esbuild dropped as used for types only.
      if (imp.path.startsWith('node:') || (imp.external && imp.path.startsWith('.'))) continue;
      if (imp.external) {
        const name = imp.path.startsWith('@') ? imp.path.split('/').slice(0, 2).join('/') : (imp.path.split('/')[0] as string);
        packages.set(name, [...(packages.get(name) ?? []), file]);
      } else {
        edges.push({ from: file, to: imp.path, kind: imp.kind });
      }
    }
  }
}, 120_000);

describe('the packed mirrorhunt package', () => {
  it('ships the bin and every module the commands load', () => {
    expect(sources.length).toBeGreaterThan(50);
    expect(packed.has(pkg.bin.mirrorhunt as string)).toBe(true);
    expect(sources.filter((s) => !packed.has(s))).toEqual([]);
  });

  it('ships the files the commands read at run time: the hunt queries, the state machine, the demo finding', () => {
    const queries = execFileSync('git', ['ls-files', 'queries'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n');
    for (const file of [...queries, 'state-machines/investigate.asl.json', 'local/demo/finding.json']) expect({ file, packed: packed.has(file) }).toEqual({ file, packed: true });
  });

  it('imports no package that a packed install would not have, except from the optional IAM evaluation', () => {
    const devOnly = [...packages].filter(([name]) => !(name in pkg.dependencies));
    expect(devOnly.filter(([, files]) => files.some((f) => !f.startsWith(OPTIONAL_FOLDER)))).toEqual([]);
  });

  it('reaches the optional IAM evaluation only through the lazy require in local/local-account.ts', () => {
    const into = edges.filter((e) => e.to.startsWith(OPTIONAL_FOLDER) && !e.from.startsWith(OPTIONAL_FOLDER));
    expect(into.length).toBeGreaterThan(0);
    expect(into.filter((e) => !(e.from === 'local/local-account.ts' && e.kind === 'require-call'))).toEqual([]);
  });

  it('leaves the tests and the benches out', () => {
    expect([...packed].filter((p) => p.startsWith('test/') || p.startsWith('bench/'))).toEqual([]);
  });
});

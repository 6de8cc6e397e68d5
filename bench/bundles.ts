/**
 * Prints, per function: the deployment zip size, the bundled handler size, the handler size if
 * the AWS SDK were bundled too (the alternative serverless.yml does not take), and the cold
 * import time of the bundled handler in a fresh Node process (SDK resolved from node_modules, as
 * the Lambda runtime would from its own copy). Run: npm run bench:bundles
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { PACKAGE_ROOT, packagedService, zipEntries, zipRead } from '../test/support/template';

const IMPORT_RUNS = 5;

async function bundledSize(entry: string, external: string[]): Promise<number> {
  const out = await build({ entryPoints: [entry], bundle: true, minify: true, platform: 'node', target: 'node24', format: 'cjs', mainFields: ['module', 'main'], external, write: false, logLevel: 'silent' });
  return out.outputFiles[0]!.contents.length;
}

function coldImportMs(handlerFile: string): number {
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(handlerFile)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const samples: number[] = [];
  for (let i = 0; i < IMPORT_RUNS; i++) {
    const out = execFileSync(process.execPath, ['-e', script], { env: { ...process.env, NODE_PATH: join(PACKAGE_ROOT, 'node_modules') } });
    samples.push(Number(out.toString()));
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

async function main(): Promise<void> {
  const { artifactsDir, packagingSeconds } = await packagedService();
  const work = mkdtempSync(join(tmpdir(), 'mirrorhunt-bench-'));
  const rows: Array<Record<string, string>> = [];
  try {
    for (const zip of readdirSync(artifactsDir).filter((f) => f.endsWith('.zip')).sort()) {
      const key = zip.replace(/\.zip$/, '');
      const zipPath = join(artifactsDir, zip);
      const handlerName = `functions/${key}/handler.js`;
      const handler = zipEntries(zipPath).find((e) => e.name === handlerName);
      if (!handler) continue;
      const dir = join(work, key);
      execFileSync('mkdir', ['-p', dir]);
      const file = join(dir, 'handler.js');
      writeFileSync(file, zipRead(zipPath, handlerName));
      const entry = join(PACKAGE_ROOT, 'functions', key, 'handler.ts');
      rows.push({
        function: key,
        zip: kb(statSync(zipPath).size),
        'handler.js': kb(handler.size),
        'with SDK bundled': kb(await bundledSize(entry, [])),
        'cold import (median of 5)': `${coldImportMs(file).toFixed(0)} ms`,
      });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(packagingSeconds === undefined ? 'packaging: cached' : `packaging: ${packagingSeconds.toFixed(1)} s`);
  console.table(rows);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

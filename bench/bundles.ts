/**
 * Prints, per function: the deployment zip size, the bundled handler size and its cold import time
 * in a fresh Node process (SDK resolved from node_modules, as the Lambda runtime resolves its own
 * copy), and the same two figures with the AWS SDK tree-shaken into the bundle (the alternative
 * serverless.yml does not take), measured interleaved. Then the aims, met or missed.
 * Run: npm run bench:bundles
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { PACKAGE_ROOT, packagedService, zipEntries, zipRead } from '../test/support/template';

const IMPORT_RUNS = 5;

/** The handler as serverless.yml would bundle it with `exclude: []` (SDK tree-shaken into the file). */
async function bundleWithSdk(entry: string): Promise<Uint8Array> {
  const out = await build({ entryPoints: [entry], bundle: true, minify: true, keepNames: true, platform: 'node', target: 'node24', format: 'cjs', mainFields: ['module', 'main'], external: [], write: false, logLevel: 'silent',
    // As serverless.yml's esbuild settings: vega-canvas's browser build (its Node build awaits at top level).
    alias: { 'vega-canvas': join(PACKAGE_ROOT, 'node_modules/vega-canvas/build/vega-canvas.browser.js') },
  });
  return out.outputFiles[0]!.contents;
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
  const figures: Array<{ key: string; handlerBytes: number; withSdkBytes: number; runtimeSdkMs: number; bundledSdkMs: number }> = [];
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
      const withSdk = await bundleWithSdk(entry);
      const withSdkFile = join(dir, 'handler-with-sdk.js');
      writeFileSync(withSdkFile, withSdk);
      // Interleaved, so both variants see the same machine load.
      const runtimeSdkMs = coldImportMs(file);
      const bundledSdkMs = coldImportMs(withSdkFile);
      figures.push({ key, handlerBytes: handler.size, withSdkBytes: withSdk.length, runtimeSdkMs, bundledSdkMs });
      rows.push({
        function: key,
        zip: kb(statSync(zipPath).size),
        'handler.js': kb(handler.size),
        'cold import, runtime SDK': `${runtimeSdkMs.toFixed(0)} ms`,
        'with SDK bundled': kb(withSdk.length),
        'cold import, SDK bundled': `${bundledSdkMs.toFixed(0)} ms`,
      });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(packagingSeconds === undefined ? 'packaging: cached' : `packaging: ${packagingSeconds.toFixed(1)} s`);
  console.table(rows);
  const verdict = (ok: boolean) => (ok ? 'met' : 'missed');
  const slowest = (pick: (f: (typeof figures)[number]) => number) => Math.max(...figures.map(pick));
  const largest = (pick: (f: (typeof figures)[number]) => number) => Math.max(...figures.map(pick)) / 1024;
  console.log(`cold imports are medians of ${IMPORT_RUNS} fresh Node processes each, counting every module loaded (SDK included); load average now ${loadavg()[0]?.toFixed(1)}`);
  console.log(`aim every handler cold-imports in at most 150 ms, as deployed (runtime SDK): slowest ${slowest((f) => f.runtimeSdkMs).toFixed(0)} ms, ${verdict(slowest((f) => f.runtimeSdkMs) <= 150)}`);
  console.log(`aim every bundle at most 1 MB, as deployed: largest ${largest((f) => f.handlerBytes).toFixed(0)} KiB, ${verdict(largest((f) => f.handlerBytes) <= 1024)}`);
  console.log(`with the SDK bundled instead: slowest cold import ${slowest((f) => f.bundledSdkMs).toFixed(0)} ms, largest bundle ${largest((f) => f.withSdkBytes).toFixed(0)} KiB (${verdict(largest((f) => f.withSdkBytes) <= 1024)} for 1 MB)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

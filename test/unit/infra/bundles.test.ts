import { join } from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import { PACKAGE_ROOT, packagedService, zipEntries, zipRead, type PackagedService } from '../../support/template';

const REPO = PACKAGE_ROOT;
const FUNCTIONS = readdirSync(join(REPO, 'functions')).filter((name) => name !== 'shared' && existsSync(join(REPO, 'functions', name, 'handler.ts')));
const ONE_MB = 1024 * 1024;
/**
 * writeReport bundles Vega and Vega-Lite to draw the HTML report's plots headless: ~0.95 MB of
 * its ~1.45 MB (measured with esbuild's metafile: vega-lite 293 KB, vega's scenegraph, parser,
 * transforms, d3 ~0.65 MB). Every other handler stays under 1 MB.
 */
const BUDGET: Record<string, number> = { writeReport: 2 * ONE_MB };

let service: PackagedService;
beforeAll(async () => {
  service = await packagedService();
});

const deployed = () => FUNCTIONS.filter((key) => existsSync(join(service.artifactsDir, `${key}.zip`)));

describe('function packages', () => {
  it('produce one zip per deployed function with its bundled handler', () => {
    // Act
    const keys = deployed();

    // Assess
    expect(keys.length).toBeGreaterThanOrEqual(10);
    for (const key of keys) {
      expect(zipEntries(join(service.artifactsDir, `${key}.zip`)).map((e) => e.name)).toContain(`functions/${key}/handler.js`);
    }
  });

  it('put every SQL file of queries/ into the runHunts package, where the hunt code finds it by walking up', () => {
    // Prepare
    const sql = readdirSync(join(REPO, 'queries')).filter((f) => f.endsWith('.sql'));

    // Act
    const names = zipEntries(join(service.artifactsDir, 'runHunts.zip')).map((e) => e.name);

    // Assess
    expect(sql.length).toBeGreaterThan(0);
    for (const file of sql) expect(names).toContain(`queries/${file}`);
  });

  it('keep every bundled handler under 1 MB (writeReport, which draws plots, under 2 MB)', () => {
    // Act
    const sizes = deployed().map((key) => ({ key, size: zipEntries(join(service.artifactsDir, `${key}.zip`)).find((e) => e.name === `functions/${key}/handler.js`)?.size }));

    // Assess
    expect(sizes.length).toBeGreaterThan(0);
    expect(sizes.filter((s) => s.size === undefined || s.size >= (BUDGET[s.key] ?? ONE_MB))).toEqual([]);
  });

  it('leave the AWS SDK to the runtime: handlers require it instead of bundling it', () => {
    for (const key of deployed()) {
      // Act
      const zip = join(service.artifactsDir, `${key}.zip`);
      const code = zipRead(zip, `functions/${key}/handler.js`).toString('utf8');

      // Assess
      expect(code).toMatch(/require\("@aws-sdk\/client-[a-z0-9-]+"\)/);
      expect(zipEntries(zip).filter((e) => e.name.startsWith('node_modules/'))).toEqual([]);
    }
  });

  it('never ship the local DuckDB engine', () => {
    for (const key of deployed()) {
      const code = zipRead(join(service.artifactsDir, `${key}.zip`), `functions/${key}/handler.js`).toString('utf8');
      expect(code).not.toContain('@duckdb/node-api');
    }
    expect(deployed().length).toBeGreaterThan(0);
  });
});

import { join } from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import { PACKAGE_ROOT, packagedService, zipEntries, zipRead, type PackagedService } from '../../support/template';

const REPO = PACKAGE_ROOT;
const FUNCTIONS = readdirSync(join(REPO, 'functions')).filter((name) => name !== 'shared' && existsSync(join(REPO, 'functions', name, 'handler.ts')));
const ONE_MB = 1024 * 1024;
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

  it('keep every bundled handler under 1 MB (writeReport too: its plots are compiled to Vega ahead of time, so it carries Vega\'s runtime and not the Vega-Lite compiler)', () => {
    // Act
    const sizes = deployed().map((key) => ({ key, size: zipEntries(join(service.artifactsDir, `${key}.zip`)).find((e) => e.name === `functions/${key}/handler.js`)?.size }));

    // Assess
    expect(sizes.length).toBeGreaterThan(0);
    expect(sizes.filter((s) => s.size === undefined || s.size >= ONE_MB)).toEqual([]);
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

describe('the writeReport package', () => {
  it('carries no Vega-Lite compiler (a third of a megabyte the precompiled plots made unneeded)', () => {
    const code = zipRead(join(service.artifactsDir, 'writeReport.zip'), 'functions/writeReport/handler.js').toString('utf8');
    // vega-lite's compiler names its entry points and normalizers; none may be bundled.
    expect(code).not.toMatch(/vega-lite|normalizeSpec|compositeMark/i);
  });
});

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createDuckDbEngine } from '../../../../../local/duckdb-engine';
import { parameterValues, runHuntPack } from '../../../../../functions/shared/hunting/pack';
import { tempDir } from '../../../../support/temp';

const base = { hosts: ['10.0.0.5'], pivotIps: [], pivotDomains: [] };

describe('hunt parameters and log partitions', () => {
  it('reaches into the next day\'s partitions when the capture ends just before midnight', () => {
    const values = parameterValues({ ...base, from: new Date('2026-11-24T23:00:00Z'), to: new Date('2026-11-24T23:59:30Z') });
    expect([values.dt_from, values.hour_from, values.dt_to, values.hour_to]).toEqual(['2026-11-24', 23, '2026-11-25', 1]);
  });

  it('bounds the partitions to the capture\'s hours and the two after it (an hourly-rotated file closes up to an hour later, then ships)', () => {
    const values = parameterValues({ ...base, from: new Date('2026-11-24T08:20:00Z'), to: new Date('2026-11-24T09:20:00Z') });
    expect([values.dt_from, values.hour_from, values.dt_to, values.hour_to]).toEqual(['2026-11-24', 8, '2026-11-24', 11]);
  });

  it('keeps the exact capture window for the record timestamps', () => {
    const values = parameterValues({ ...base, from: new Date('2026-11-24T23:00:00Z'), to: new Date('2026-11-24T23:59:30Z') });
    expect([values.ts_from, values.ts_to]).toEqual([Date.parse('2026-11-24T23:00:00Z') / 1000, Date.parse('2026-11-24T23:59:30Z') / 1000]);
  });

  it('stays within one day when the capture ends early in the day', () => {
    const values = parameterValues({ ...base, from: new Date('2026-11-24T08:00:00Z'), to: new Date('2026-11-24T09:00:00Z') });
    expect([values.dt_from, values.dt_to]).toEqual(['2026-11-24', '2026-11-24']);
  });
});

describe('the local engine takes partitions from the key path, as Athena does', () => {
  it('puts a file that closed late in the hour of its key, not of its records, and the hunt window still reaches it', async () => {
    // Prepare: records from 10:50–10:59 in a file shipped under hour=12 (rotated late, uploaded after).
    const dir = await tempDir('mirrorhunt-late-');
    const key = join(dir, 'zeek', 'conn', 'dt=2026-11-24', 'hour=12');
    await mkdir(key, { recursive: true });
    const start = Date.parse('2026-11-24T10:50:00Z') / 1000;
    const records = Array.from({ length: 10 }, (_, i) => JSON.stringify({ ts: start + i * 60, uid: `C${i}`, id_orig_h: '10.0.0.5', id_orig_p: 40000 + i, id_resp_h: '203.0.113.7', id_resp_p: 443, proto: 'tcp', duration: 400, orig_bytes: 100, resp_bytes: 100 }));
    await writeFile(join(key, 'sensor-1-20261124T1205.json.gz'), gzipSync(`${records.join('\n')}\n`));
    const engine = await createDuckDbEngine({ logsDir: dir });

    try {
      // Act
      const partitions = await engine.run('SELECT DISTINCT dt, "hour" FROM conn', []);
      // RITA-exact mode: the ten overlapping 400 s sessions are a long connection by their sum.
      const outcome = (await runHuntPack(engine, { ...base, from: new Date('2026-11-24T10:00:00Z'), to: new Date('2026-11-24T11:00:00Z'), mode: 'rita' }, { only: ['long-connections'] })).find((o) => o.name === 'long-connections');

      // Assess: Athena would read dt=2026-11-24/hour=12 for this file; the capture's partition bound (two hours of slack) reaches it.
      expect(partitions.rows).toEqual([{ dt: '2026-11-24', hour: 12 }]);
      expect(outcome?.findings.map((f) => f.evidence.dst)).toEqual(['203.0.113.7']);
    } finally {
      await engine.close();
    }
  });

  it('takes partitions from ts for a file outside the layout', async () => {
    const dir = await tempDir('mirrorhunt-wild-');
    await writeFile(join(dir, 'conn.log'), `${JSON.stringify({ ts: Date.parse('2026-11-24T10:59:00Z') / 1000, uid: 'C1', id_orig_h: '10.0.0.5', id_resp_h: '203.0.113.7', id_resp_p: 443, proto: 'tcp' })}\n`);
    const engine = await createDuckDbEngine({ logsDir: dir });
    try {
      expect((await engine.run('SELECT dt, "hour" FROM conn', [])).rows).toEqual([{ dt: '2026-11-24', hour: 10 }]);
    } finally {
      await engine.close();
    }
  });
});

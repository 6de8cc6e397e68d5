import { cp, readdir, rm, writeFile } from 'node:fs/promises';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { createDuckDbEngine, type DuckDbEngine } from '../../../local/duckdb-engine';
import { columnsReadByPack, listHunts, runHuntPack, type HuntParams } from '../../../functions/shared/hunting/pack';
import { writeSyntheticZeekLogs } from '../../../local/synthetic/zeek-traffic';
import { tempDir } from '../../support/temp';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'zeek');
const ALL_TIME: Omit<HuntParams, 'pivotIps' | 'pivotDomains'> = { from: new Date('2000-01-01T00:00:00Z'), to: new Date('2030-01-01T00:00:00Z'), hosts: [] };

const scratch = async (): Promise<string> => tempDir('mirrorhunt-hunt-');

describe('DuckDB engine over Zeek logs in the wild', () => {
  let engines: DuckDbEngine[] = [];
  const open = async (logsDir: string): Promise<DuckDbEngine> => {
    const e = await createDuckDbEngine({ logsDir });
    engines.push(e);
    return e;
  };
  afterEach(async () => {
    await Promise.all(engines.map((e) => e.close()));
    engines = [];
  });

  it('loads Zeek TSV with #fields headers, including an hourly-rotated file name', async () => {
    const engine = await open(join(FIXTURES, 'vxlan'));
    expect(engine.tables.conn).toEqual(expect.objectContaining({ files: 2, rows: 7 }));
    const run = await engine.run('SELECT id_orig_h, id_resp_p, service, duration FROM conn WHERE uid = ? ORDER BY id_resp_p', ['ClEkJM2Vm5giqnMf4h']);
    expect(run.rows).toEqual([
      { id_orig_h: '172.16.11.201', id_resp_p: 80, service: 'http', duration: 0.627052 },
      { id_orig_h: '192.168.56.12', id_resp_p: 4789, service: 'vxlan', duration: null },
    ]);
  });

  it('maps dotted JSON keys and ISO timestamps onto the Athena columns', async () => {
    const engine = await open(join(FIXTURES, 'wild'));
    const run = await engine.run('SELECT ts, dt, "hour", id_orig_h, query FROM dns ORDER BY ts LIMIT 1', []);
    expect(run.rows[0]).toEqual({ ts: 1521911720.865716, dt: '2018-03-24', hour: 17, id_orig_h: '10.47.1.100', query: 'ise.wrccdc.org' });
    expect(engine.tables.http).toEqual({ files: 0, rows: 0, bytes: 0 });
  });

  it('runs every query of the pack on DuckDB without an error', async () => {
    const dir = await scratch();
    await cp(join(FIXTURES, 'vxlan'), join(dir, 'vxlan'), { recursive: true });
    await cp(join(FIXTURES, 'wild'), join(dir, 'wild'), { recursive: true });
    const engine = await open(dir);
    // The RITA-exact mode runs every query, its `rita-dataset` prelude included.
    const outcomes = await runHuntPack(engine, { ...ALL_TIME, pivotIps: ['54.86.237.188'], pivotDomains: ['httpbin.org'], mode: 'rita' });
    expect(outcomes.map((o) => [o.name, o.error])).toEqual(listHunts('rita').map((h) => [h.name, undefined]));
    await rm(dir, { recursive: true, force: true });
  });

  it("pivots on a finding's multi-label domain to its subdomains and siblings, and to nothing else", async () => {
    // Prepare: lookups under the named domain, a sibling under the same registered domain, an unrelated name.
    const dir = await scratch();
    const names = ['x7f3a.c2.evil-corp.example', 'c2.evil-corp.example', 'www.evil-corp.example', 'evil-corp.example.net', 'example.org'];
    const dns = names.map((query, i) => JSON.stringify({ ts: 1700000000 + i, uid: `C${i}`, 'id.orig_h': '10.0.0.5', 'id.orig_p': 40000 + i, 'id.resp_h': '10.0.0.2', 'id.resp_p': 53, proto: 'udp', query, rcode_name: 'NOERROR' }));
    await writeFile(join(dir, 'dns.log'), `${dns.join('\n')}\n`);
    const engine = await open(dir);

    // Act
    const [pivot] = await runHuntPack(engine, { ...ALL_TIME, pivotIps: [], pivotDomains: ['C2.evil-corp.example.'] }, { only: ['pivot-domain'] });

    // Assess
    expect(pivot?.error).toBeUndefined();
    expect(pivot?.findings.map((f) => f.evidence.name).sort()).toEqual(['c2.evil-corp.example', 'www.evil-corp.example', 'x7f3a.c2.evil-corp.example']);
  });

  it('reads the S3 layout when pointed at the zeek/ folder itself (as after `aws s3 sync s3://bucket/zeek/ dir`)', async () => {
    const dir = await scratch();
    const written = await writeSyntheticZeekLogs({ seed: 4, from: new Date('2026-11-20T10:00:00Z'), to: new Date('2026-11-20T11:00:00Z'), internalHosts: ['10.0.1.10'], beacons: [], backgroundConnectionsPerHour: 50 }, dir);
    const engine = await open(join(dir, 'zeek'));
    expect(engine.tables.conn?.rows).toBe(written.rows.conn);
    expect(engine.ignored).toEqual([]);
  });

  it('treats an empty folder as empty tables: every hunt runs and finds nothing', async () => {
    const dir = await scratch();
    const engine = await open(dir);
    const outcomes = await runHuntPack(engine, { ...ALL_TIME, pivotIps: [], pivotDomains: [] });
    expect(outcomes.filter((o) => o.error || o.findings.length > 0)).toEqual([]);
    expect(Object.values(engine.tables).every((t) => t.rows === 0)).toBe(true);
  });

  it('skips a malformed JSON line with a warning naming the file and line', async () => {
    const dir = await scratch();
    const good = JSON.stringify({ ts: 1700000000.5, uid: 'C1', id_orig_h: '10.0.0.1', id_orig_p: 1, id_resp_h: '10.0.0.2', id_resp_p: 80, proto: 'tcp' });
    await writeFile(join(dir, 'conn.log'), `${good}\n{"ts": 1700000001, "uid": "C2", "id_orig_h\n${good.replace('C1', 'C3')}\n`);
    const engine = await open(dir);
    expect(engine.tables.conn?.rows).toBe(2);
    expect(engine.warnings).toEqual([expect.objectContaining({ file: join(dir, 'conn.log'), line: 2, message: expect.stringContaining('1 malformed line') })]);
  });

  it('leaves out a corrupt gzip file with a warning naming it, and still loads the others', async () => {
    const dir = await scratch();
    const gz = gzipSync(`${JSON.stringify({ ts: 1700000000, uid: 'C1', query: 'example.com' })}\n`);
    await writeFile(join(dir, 'dns.json.gz'), gz);
    await writeFile(join(dir, 'conn.json.gz'), Buffer.concat([gz.subarray(0, 12), Buffer.from('garbage that is not deflate')]));
    const engine = await open(dir);
    expect(engine.tables.dns?.rows).toBe(1);
    expect(engine.tables.conn?.rows).toBe(0);
    expect(engine.warnings).toEqual([expect.objectContaining({ file: join(dir, 'conn.json.gz'), message: expect.stringMatching(/corrupt gzip|unreadable/) })]);
  });

  it('keeps the records before the damage in a gzip cut short, with a warning naming the file and line', async () => {
    // Prepare: 2,000 connections, gzipped, the file cut at 60 % of its bytes (a copy interrupted).
    const dir = await scratch();
    const records = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ ts: 1700000000 + i, uid: `C${i.toString(36)}${(i * 7919).toString(36)}`, id_orig_h: '10.0.0.1', id_orig_p: 1024 + i, id_resp_h: `198.51.100.${i % 250}`, id_resp_p: 443, proto: 'tcp' }));
    const whole = gzipSync(`${records.join('\n')}\n`);
    const cut = whole.subarray(0, Math.floor(whole.length * 0.6));
    await writeFile(join(dir, 'conn.json.gz'), cut);
    // What survives, decoded independently: every newline-terminated line zlib gets out of the cut bytes.
    const survivors = gunzipSync(cut, { finishFlush: constants.Z_SYNC_FLUSH }).toString('utf8').split('\n').slice(0, -1).length;

    // Act
    const engine = await open(dir);

    // Assess
    expect(survivors).toBeGreaterThan(0);
    expect(survivors).toBeLessThan(records.length);
    expect(engine.tables.conn?.rows).toBe(survivors);
    const last = await engine.run('SELECT max(ts) AS last FROM conn', []);
    expect(last.rows).toEqual([{ last: 1700000000 + survivors - 1 }]);
    expect(engine.warnings).toEqual([
      expect.objectContaining({ file: join(dir, 'conn.json.gz'), line: survivors + 1, message: expect.stringMatching(new RegExp(`corrupt gzip .* ${survivors} record\\(s\\) before it are kept`)) }),
    ]);
  });

  it('reads the S3 layout the sensors write (zeek/<log>/dt=/hour=/...json.gz)', async () => {
    const dir = await scratch();
    const from = new Date('2026-11-20T10:00:00Z');
    const written = await writeSyntheticZeekLogs({ seed: 3, from, to: new Date('2026-11-20T12:00:00Z'), internalHosts: ['10.0.1.10'], beacons: [], backgroundConnectionsPerHour: 100 }, dir);
    const engine = await open(dir);
    expect((await readdir(join(dir, 'zeek'))).sort()).toEqual(['conn', 'dns', 'http'].filter((l) => (written.rows[l] ?? 0) > 0).sort());
    expect(engine.tables.conn?.rows).toBe(written.rows.conn);
    const hours = await engine.run('SELECT DISTINCT dt, "hour" FROM conn ORDER BY "hour"', []);
    expect(hours.rows).toEqual([{ dt: '2026-11-20', hour: 10 }, { dt: '2026-11-20', hour: 11 }]);
  });

  it('reads a file whose later records disagree with the first (ISO ts after epoch ts) the careful way, losing nothing', async () => {
    const dir = await scratch();
    const rec = (ts: number | string, uid: string) => JSON.stringify({ ts, uid, id_orig_h: '10.0.0.1', id_orig_p: 1, id_resp_h: '10.0.0.2', id_resp_p: 80, proto: 'tcp' });
    await writeFile(join(dir, 'conn.log'), `${rec(1700000000.5, 'C1')}\n${rec('2023-11-14T22:13:21Z', 'C2')}\n${rec(1700000002, 'C3')}\n`);
    const engine = await open(dir);
    const run = await engine.run('SELECT uid, ts FROM conn ORDER BY ts', []);
    expect(run.rows).toEqual([
      { uid: 'C1', ts: 1700000000.5 },
      { uid: 'C2', ts: 1700000001 },
      { uid: 'C3', ts: 1700000002 },
    ]);
    expect(engine.warnings).toEqual([]);
  });

  it('skips records without a ts with a warning, in the one-pass read too', async () => {
    const dir = await scratch();
    await writeFile(join(dir, 'dns.log'), `${JSON.stringify({ ts: 1700000000, uid: 'C1', query: 'a.example' })}\n${JSON.stringify({ uid: 'C2', query: 'b.example' })}\n`);
    const engine = await open(dir);
    expect(engine.tables.dns?.rows).toBe(1);
    expect(engine.warnings).toEqual([expect.objectContaining({ file: 'dns logs', message: expect.stringContaining('1 record(s) without a usable ts') })]);
  });

  it('loads only the columns asked for when told to, and every hunt of the pack still runs', async () => {
    const dir = await scratch();
    await writeSyntheticZeekLogs({ seed: 5, from: new Date('2026-11-20T10:00:00Z'), to: new Date('2026-11-20T11:00:00Z'), internalHosts: ['10.0.1.10'], beacons: [], backgroundConnectionsPerHour: 50 }, dir);
    const e = await createDuckDbEngine({ logsDir: dir, onlyColumns: columnsReadByPack() });
    engines.push(e);
    const columns = await e.run("SELECT column_name FROM information_schema.columns WHERE table_name = 'conn' ORDER BY ordinal_position", []);
    expect(columns.rows.map((r) => r.column_name)).not.toContain('history');
    expect(columns.rows.map((r) => r.column_name)).toEqual(expect.arrayContaining(['ts', 'uid', 'id_orig_h', 'orig_ip_bytes', 'dt', 'hour']));
    const outcomes = await runHuntPack(e, { ...ALL_TIME, pivotIps: ['10.0.1.10'], pivotDomains: ['example.com'] });
    expect(outcomes.filter((o) => o.error)).toEqual([]);
  });

  it('passes an injection string as a value: it matches nothing and breaks nothing', async () => {
    const engine = await open(join(FIXTURES, 'vxlan'));
    const outcomes = await runHuntPack(engine, { ...ALL_TIME, pivotIps: ["x' OR '1'='1"], pivotDomains: ["x' OR '1'='1"] }, { only: ['pivot-ip', 'pivot-domain'] });
    expect(outcomes.map((o) => ({ name: o.name, error: o.error, rows: o.rowsReturned }))).toEqual([
      { name: 'pivot-ip', error: undefined, rows: 0 },
      { name: 'pivot-domain', error: undefined, rows: 0 },
    ]);
  });
});

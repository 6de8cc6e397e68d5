import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDuckDbEngine, type DuckDbEngine } from '../../../../../local/duckdb-engine';
import { connectedSeconds, listHunts, parameterValues, queryLimit, runHuntPack, type HuntOutcome } from '../../../../../functions/shared/hunting/pack';
import type { QueryEngine } from '../../../../../functions/shared/hunting/engine';
import { writeSyntheticZeekLogs } from '../../../../../local/synthetic/zeek-traffic';
import { buildThreatList } from '../../../../../functions/shared/hunting/threat-list';

const FIXTURES = join(__dirname, '..', '..', '..', '..', 'fixtures', 'zeek');
const ALL_TIME = { from: new Date('2000-01-01T00:00:00Z'), to: new Date('2030-01-01T00:00:00Z') };
const findings = (outcomes: HuntOutcome[]) => outcomes.flatMap((o) => o.findings.map((f) => ({ hunt: o.name, ...f })));

describe('hunt pack over the Zeek VXLAN baselines', () => {
  let engine: DuckDbEngine;
  beforeAll(async () => {
    engine = await createDuckDbEngine({ logsDir: join(FIXTURES, 'vxlan') });
  });
  afterAll(async () => engine.close());

  it('never reports the outer VXLAN (UDP 4789) flow of the mirror', async () => {
    const outcomes = await runHuntPack(engine, { ...ALL_TIME, hosts: [], pivotIps: ['10.1.1.172', '192.168.56.11'], pivotDomains: [] });
    const mentionsOuter = findings(outcomes).filter((f) => JSON.stringify(f.evidence).includes('4789') || /vxlan/i.test(f.summary));
    expect(findings(outcomes).length).toBeGreaterThan(0);
    expect(mentionsOuter).toEqual([]);
  });

  it('reports the inner HTTP request to eu.httpbin.org through the finding pivots and the rare user agent hunt', async () => {
    const outcomes = await runHuntPack(engine, { ...ALL_TIME, hosts: ['172.16.11.201'], pivotIps: ['54.86.237.188'], pivotDomains: ['eu.httpbin.org'] });
    const hits = findings(outcomes).filter((f) => ['pivot-ip', 'pivot-domain', 'rare-user-agent'].includes(f.hunt));
    expect(hits.map((f) => [f.hunt, f.evidence.src])).toEqual([
      ['rare-user-agent', '172.16.11.201'],
      ['pivot-ip', '172.16.11.201'],
      ['pivot-domain', '172.16.11.201'],
    ]);
    expect(hits[1]?.evidence).toMatchObject({ dst: '54.86.237.188', port: 80, service: 'http', connections: 1, bytes_out: 87, bytes_in: 9212 });
    expect(hits[0]?.evidence).toMatchObject({ user_agent: 'curl/7.76.1', host: 'eu.httpbin.org' });
  });

  it('limits every hunt to the hosts of interest', async () => {
    const outcomes = await runHuntPack(engine, { ...ALL_TIME, hosts: ['10.9.9.9'], pivotIps: ['54.86.237.188'], pivotDomains: ['eu.httpbin.org'] });
    expect(findings(outcomes)).toEqual([]);
  });
});

describe('hunt pack over synthetic traffic', () => {
  const from = new Date('2026-11-20T00:00:00Z');
  const to = new Date('2026-11-20T08:00:00Z');
  let dir: string;
  let engine: DuckDbEngine;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mirrorhunt-pack-'));
    await writeSyntheticZeekLogs(
      {
        seed: 11,
        from,
        to,
        internalHosts: ['10.0.1.10', '10.0.1.11', '10.0.1.12'],
        beacons: [
          { src: '10.0.1.10', dst: '203.0.113.45', dstPort: 443, intervalSeconds: 300, jitterSeconds: 5, bytes: 700, host: 'cdn-update.example.net' },
          { src: '10.0.1.11', dst: '198.51.100.7', dstPort: 8080, intervalSeconds: 90, jitterSeconds: 20, bytes: 300, host: 'telemetry.example.com' },
        ],
        backgroundConnectionsPerHour: 3000,
        dnsTunnelDomain: 'x7q.example.org',
      },
      dir,
    );
    engine = await createDuckDbEngine({ logsDir: dir });
  });
  afterAll(async () => {
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('ranks both planted beacons first among IP-pair beacons', async () => {
    const [outcome] = await runHuntPack(engine, { from, to, hosts: [], pivotIps: [], pivotDomains: [] }, { only: ['beacon-ip'] });
    const top = outcome?.findings.slice(0, 2).map((f) => `${f.evidence.src}>${f.evidence.dst}`);
    expect(new Set(top)).toEqual(new Set(['10.0.1.10>203.0.113.45', '10.0.1.11>198.51.100.7']));
    expect(outcome?.findings[0]?.score).toBeGreaterThanOrEqual(0.9);
  });

  it('finds the planted beacons by SNI and by HTTP host', async () => {
    const [outcome] = await runHuntPack(engine, { from, to, hosts: [], pivotIps: [], pivotDomains: [] }, { only: ['beacon-fqdn'] });
    expect(outcome?.findings.slice(0, 2).map((f) => f.evidence.fqdn).sort()).toEqual(['cdn-update.example.net', 'telemetry.example.com']);
  });

  it("does not mistake the mirror's own hour-long VXLAN flows for long connections", async () => {
    const [outcome] = await runHuntPack(engine, { from, to, hosts: [], pivotIps: [], pivotDomains: [] }, { only: ['long-connections'] });
    const raw = await engine.run("SELECT count(*) AS n FROM conn WHERE service = 'vxlan'", []);
    expect(raw.rows[0]?.n).toBeGreaterThan(0);
    expect(outcome?.findings).toEqual([]);
  });

  it('finds the planted DNS tunnel under its registered domain', async () => {
    const [outcome] = await runHuntPack(engine, { from, to, hosts: [], pivotIps: [], pivotDomains: [] }, { only: ['dns-tunnelling'] });
    expect(outcome?.findings.map((f) => [f.evidence.domain, f.severity])).toEqual([['example.org', 'critical']]);
  });
});

describe('beacons and strobes split at one connection a second, over any window', () => {
  /** A conn.log of one pair connecting every `every` seconds from `from` for `seconds`. */
  async function steadyPair(every: number, from: number, seconds: number): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'mirrorhunt-strobe-'));
    const lines: string[] = [];
    for (let t = from; t < from + seconds; t += every) {
      lines.push(JSON.stringify({ ts: t, uid: `C${t}`, id_orig_h: '10.0.3.3', id_orig_p: 40000, id_resp_h: '203.0.113.99', id_resp_p: 443, proto: 'tcp', duration: 0.2, orig_bytes: 100, resp_bytes: 200, conn_state: 'SF', orig_ip_bytes: 300 }));
    }
    await writeFile(join(dir, 'conn.log'), `${lines.join('\n')}\n`);
    return dir;
  }
  const names = (outcomes: HuntOutcome[], hunt: string) => outcomes.find((o) => o.name === hunt)?.findings.map((f) => `${f.evidence.src}>${f.evidence.dst}`) ?? [];
  const start = Date.parse('2026-11-20T00:00:00Z') / 1000;

  it('reports a one-a-second flood in a one-hour capture as a strobe only, not also as a beacon', async () => {
    const dir = await steadyPair(1, start, 3600);
    const engine = await createDuckDbEngine({ logsDir: dir });
    try {
      const outcomes = await runHuntPack(engine, { from: new Date(start * 1000), to: new Date((start + 3600) * 1000), hosts: [], pivotIps: [], pivotDomains: [] }, { only: ['strobe', 'beacon-ip'] });
      expect(names(outcomes, 'strobe')).toEqual(['10.0.3.3>203.0.113.99']);
      expect(names(outcomes, 'beacon-ip')).toEqual([]);
    } finally {
      await engine.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('scores a pair connecting every 2 s over 50 hours as a beacon (more than 86,400 connections, but not a strobe)', async () => {
    const dir = await steadyPair(2, start, 50 * 3600);
    const engine = await createDuckDbEngine({ logsDir: dir });
    try {
      const outcomes = await runHuntPack(engine, { from: new Date(start * 1000), to: new Date((start + 50 * 3600) * 1000), hosts: [], pivotIps: [], pivotDomains: [] }, { only: ['strobe', 'beacon-ip'] });
      expect(names(outcomes, 'strobe')).toEqual([]);
      expect(names(outcomes, 'beacon-ip')).toEqual(['10.0.3.3>203.0.113.99']);
    } finally {
      await engine.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('hunt pack runner', () => {
  it('reports a failing hunt in its outcome and runs the rest', async () => {
    const engine: QueryEngine = {
      name: 'duckdb',
      run: async (sql) => {
        if (sql.includes('-- name: strobe')) throw Object.assign(new Error('query timed out'), { name: 'HuntFailedError' });
        return { rows: [], elapsedMs: 1 };
      },
    };
    const outcomes = await runHuntPack(engine, { ...ALL_TIME, hosts: [], pivotIps: [], pivotDomains: [] });
    expect(outcomes).toHaveLength(listHunts('capture').length);
    expect(outcomes.filter((o) => o.error)).toEqual([expect.objectContaining({ name: 'strobe', error: 'HuntFailedError: query timed out', findings: [] })]);
  });

  it("says when a hunt returned as many rows as its query's LIMIT allows (there may be more), and not otherwise", async () => {
    const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ src: '10.0.0.1', dst: `203.0.113.${i % 250}`, server_name: `h${i}.example`, validation_status: 'self signed certificate', connections: 1, first_ts: 1, last_ts: 2 }));
    const engine = (n: number): QueryEngine => ({ name: 'duckdb', run: async (sql) => ({ rows: sql.includes('-- name: invalid-tls') ? rows(n) : [], elapsedMs: 1 }) });
    const limit = queryLimit(readFileSync(join(__dirname, '..', '..', '..', '..', '..', 'queries', 'invalid-tls.sql'), 'utf8')) as number;
    const params = { ...ALL_TIME, hosts: [], pivotIps: [], pivotDomains: [] };
    const [full] = await runHuntPack(engine(limit), params, { only: ['invalid-tls'] });
    const [under] = await runHuntPack(engine(limit - 1), params, { only: ['invalid-tls'] });
    expect(limit).toBeGreaterThan(0);
    expect(full?.limitReached).toBe(limit);
    expect(under?.limitReached).toBeUndefined();
  });

  it.each(['AwsThrottledError', 'AwsTransientError'])('fails the whole pack on %s, which the state machine retries, instead of reporting the hunt as failed', async (name) => {
    const engine: QueryEngine = {
      name: 'athena',
      run: async (sql) => {
        if (sql.includes('-- name: strobe')) throw Object.assign(new Error('slow down'), { name });
        return { rows: [], elapsedMs: 1 };
      },
    };
    await expect(runHuntPack(engine, { ...ALL_TIME, hosts: [], pivotIps: [], pivotDomains: [] })).rejects.toMatchObject({ name, message: 'slow down' });
  });

  it('runs hunts side by side when the engine says it can, and reports them in the pack order', async () => {
    let inFlight = 0;
    let most = 0;
    const engine: QueryEngine = {
      name: 'duckdb',
      concurrency: 3,
      run: async () => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
        return { rows: [], elapsedMs: 5 };
      },
    };
    const outcomes = await runHuntPack(engine, { ...ALL_TIME, hosts: [], pivotIps: [], pivotDomains: [] });
    expect(most).toBe(3);
    expect(outcomes.map((o) => o.name)).toEqual(listHunts('capture').map((h) => h.name));
  });

  it('sends host and pivot lists as comma-joined parameters, dropping values that hold a comma', () => {
    const values = parameterValues({ from: new Date('2026-11-20T10:00:00Z'), to: new Date('2026-11-20T11:00:00Z'), hosts: ['10.0.0.1', '10.0.0.2'], pivotIps: ['1.2.3.4', 'a,b'], pivotDomains: ['Evil.Example.'] });
    expect(values).toEqual({ dt_from: '2026-11-20', hour_from: 10, dt_to: '2026-11-20', hour_to: 13, ts_from: Date.parse('2026-11-20T10:00:00Z') / 1000, ts_to: Date.parse('2026-11-20T11:00:00Z') / 1000, hosts: '10.0.0.1,10.0.0.2', pivot_ips: '1.2.3.4', pivot_domains: 'evil.example', strobe_min: 3600, long_min_seconds: 3600 });
  });
});

const RITA_PROXY = [join('/work', 'shared', 'data', 'rita-proxy'), join(__dirname, '..', '..', '..', '..', '..', '..', 'shared', 'data', 'rita-proxy')].find((p) => existsSync(join(p, 'conn.log')));
const describeIfRita = RITA_PROXY ? describe : describe.skip;

describeIfRita("calibration against RITA's answers for its proxy test data (GPL data, read in place, never copied)", () => {
  it('finds both proxy beacons with scores within ±0.05 of RITA (0.979 and 0.586)', async () => {
    const engine = await createDuckDbEngine({ logsDir: RITA_PROXY as string });
    const outcome = (await runHuntPack(engine, { ...ALL_TIME, hosts: [], pivotIps: [], pivotDomains: [], mode: 'rita' }, { only: ['beacon-fqdn'] })).find((o) => o.name === 'beacon-fqdn');
    await engine.close();
    const byHost = Object.fromEntries((outcome?.findings ?? []).map((f) => [f.evidence.fqdn, f]));
    expect(byHost['www.honestimnotevil.com']?.evidence.connections).toBe(357);
    expect(byHost['www.google.com']?.evidence.connections).toBe(6);
    expect(Math.abs((byHost['www.honestimnotevil.com']?.score ?? 0) - 0.979)).toBeLessThanOrEqual(0.05);
    expect(Math.abs((byHost['www.google.com']?.score ?? 0) - 0.586)).toBeLessThanOrEqual(0.05);
  });

  it('judges agents and fingerprints behind the proxy by the host they name, not the proxy address every request goes to', async () => {
    const engine = await createDuckDbEngine({ logsDir: RITA_PROXY as string });
    const outcomes = await runHuntPack(engine, { ...ALL_TIME, hosts: [], pivotIps: [], pivotDomains: [] }, { only: ['rare-user-agent', 'rare-ja3'] });
    await engine.close();
    const agents = outcomes.find((o) => o.name === 'rare-user-agent')?.findings.map((f) => [f.evidence.user_agent, f.evidence.host, f.evidence.requests]);
    // curl fetched only www.google.com (7 requests); the beacon's odd agent went to two hosts, so it is not "one destination only".
    expect(agents).toEqual([['curl/7.58.0', 'www.google.com', 7]]);
    expect(outcomes.find((o) => o.name === 'rare-ja3')?.findings).toEqual([]);
  });
});

const RITA_ROLLING = [join('/work', 'shared', 'data', 'rita-conformance', 'proxy_rolling'), join(__dirname, '..', '..', '..', '..', '..', '..', 'shared', 'data', 'rita-conformance', 'proxy_rolling')].find((p) => existsSync(p));
const describeIfRolling = RITA_ROLLING ? describe : describe.skip;

describeIfRolling("the RITA-exact mode against RITA's answers for its proxy_rolling data (GPL data, read in place)", () => {
  it("scores both beacons as RITA does (0.673 and 0.624): its dataset is the in-scope connections' span, not a fixed 24 h", async () => {
    const engine = await createDuckDbEngine({ logsDir: RITA_ROLLING as string });
    const outcomes = await runHuntPack(engine, { ...ALL_TIME, hosts: [], pivotIps: [], pivotDomains: [], mode: 'rita' });
    await engine.close();
    const list = buildThreatList(outcomes, { mode: 'rita', window: { from: ALL_TIME.from.toISOString(), to: ALL_TIME.to.toISOString() } });
    const dns = list.findings.find((t) => t.src === '10.0.0.238' && t.dst === '75.75.75.75');
    const proxied = list.findings.find((t) => t.src === '10.0.0.111' && t.host === 'safebrowsing.googleapis.com');
    expect(dns?.beacon?.score).toBeCloseTo(0.673, 2);
    expect(proxied?.beacon?.score).toBeCloseTo(0.624, 2);
    // RITA's final scores (its bucketed beacon score, first seen +0.15, prevalence in a network of two -0.15).
    expect(dns?.evidence.ritaFinalScore).toBeCloseTo(0.33839, 2);
    expect(proxied?.evidence.ritaFinalScore).toBeCloseTo(0.2992, 2);
  });
});

describe('the long-connection bound', () => {
  it("is RITA's hour unless asked otherwise, and reaches the query as a WHERE parameter", async () => {
    // Two outbound pairs: one connected 4000 s, one 2 × 90 s.
    const dir = await mkdtemp(join(tmpdir(), 'mirrorhunt-long-'));
    const conn = (ts: number, uid: string, src: string, dst: string, duration: number): string =>
      JSON.stringify({ ts, uid, 'id.orig_h': src, 'id.orig_p': 50000, 'id.resp_h': dst, 'id.resp_p': 443, proto: 'tcp', duration, orig_bytes: 100, resp_bytes: 100, conn_state: 'SF' });
    await writeFile(join(dir, 'conn.log'), [conn(1_795_000_000, 'C1', '10.0.0.5', '203.0.113.9', 4000), conn(1_795_000_100, 'C2', '10.0.0.6', '198.51.100.7', 90), conn(1_795_000_300, 'C3', '10.0.0.6', '198.51.100.7', 90)].join('\n') + '\n');
    const engine = await createDuckDbEngine({ logsDir: dir });
    const at = async (seconds?: number): Promise<Array<[unknown, unknown]>> => {
      const [o] = await runHuntPack(engine, { ...ALL_TIME, hosts: [], pivotIps: [], pivotDomains: [], ...(seconds !== undefined ? { longConnectionMinSeconds: seconds } : {}) }, { only: ['long-connections'] });
      return (o?.findings ?? []).map((f) => [f.evidence.dst, f.evidence.total_duration]);
    };
    const hour = await at();
    const twoMinutes = await at(120);
    await engine.close();
    await rm(dir, { recursive: true, force: true });
    expect(hour).toEqual([['203.0.113.9', 4000]]);
    expect(twoMinutes).toEqual([['203.0.113.9', 4000], ['198.51.100.7', 180]]);
  });
});

describe('long connections by server name', () => {
  it('gives one finding per pair with the total, and the split by TLS SNI and HTTP Host as sent (RITA keys named connections so)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mirrorhunt-named-'));
    const conn = (uid: string, port: number, duration: number): string =>
      JSON.stringify({ ts: 1_795_000_000, uid, 'id.orig_h': '10.0.0.5', 'id.orig_p': 50000, 'id.resp_h': '203.0.113.9', 'id.resp_p': port, proto: 'tcp', duration, orig_bytes: 100, resp_bytes: 100, conn_state: 'SF' });
    await writeFile(join(dir, 'conn.log'), [conn('C1', 8443, 4000), conn('C2', 8000, 3000), conn('C3', 22, 500)].join('\n') + '\n');
    await writeFile(join(dir, 'ssl.log'), JSON.stringify({ ts: 1_795_000_001, uid: 'C1', 'id.orig_h': '10.0.0.5', 'id.orig_p': 50000, 'id.resp_h': '203.0.113.9', 'id.resp_p': 8443, server_name: 'a.example' }) + '\n');
    await writeFile(join(dir, 'http.log'), JSON.stringify({ ts: 1_795_000_001, uid: 'C2', 'id.orig_h': '10.0.0.5', 'id.orig_p': 50001, 'id.resp_h': '203.0.113.9', 'id.resp_p': 8000, method: 'GET', host: 'a.example:8000', uri: '/' }) + '\n');
    const engine = await createDuckDbEngine({ logsDir: dir });
    const [o] = await runHuntPack(engine, { ...ALL_TIME, hosts: [], pivotIps: [], pivotDomains: [] }, { only: ['long-connections'] });
    await engine.close();
    await rm(dir, { recursive: true, force: true });
    expect(o?.findings).toHaveLength(1);
    expect(o?.findings[0]?.evidence).toMatchObject({
      total_duration: 7500,
      connections: 3,
      ports: '22,8000,8443',
      byName: [{ name: 'a.example', seconds: 4000, connections: 1 }, { name: 'a.example:8000', seconds: 3000, connections: 1 }],
    });
  });
});

describe('time connected', () => {
  it('counts overlapping connections once and only within the window: four parallel day-long sessions are one day, not four', () => {
    const day = { from: 1_795_000_000, to: 1_795_086_400 };
    const spans = [0, 10, 20, 30].map((offset) => `${day.from + offset}+90000`).join(',');
    expect(connectedSeconds(spans, day)).toBe(86_400);
    // Two apart: 100 s and 50 s; one starting before the window counts from its start.
    expect(connectedSeconds(`${day.from + 1000}+100,${day.from + 5000}+50,${day.from - 100}+150`, day)).toBe(200);
  });
});

describe('long connections: bounded output, judged as the mode judges', () => {
  const conn = (uid: string, start: number, duration: number): string =>
    JSON.stringify({ ts: start, uid, 'id.orig_h': '10.0.0.5', 'id.orig_p': 50000, 'id.resp_h': '203.0.113.9', 'id.resp_p': 443, proto: 'tcp', duration, orig_bytes: 10, resp_bytes: 10, conn_state: 'SF' });

  it('keeps at most 50 names per pair and counts the rest with the unnamed connections, so the totals stay whole', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mirrorhunt-names-'));
    const t0 = 1_795_000_000;
    const conns = Array.from({ length: 61 }, (_, i) => conn(`C${i}`, t0 + i * 200, 100));
    const ssl = Array.from({ length: 60 }, (_, i) => JSON.stringify({ ts: t0 + i * 200, uid: `C${i}`, 'id.orig_h': '10.0.0.5', 'id.orig_p': 50000, 'id.resp_h': '203.0.113.9', 'id.resp_p': 443, server_name: `n${String(i).padStart(2, '0')}.example` }));
    await writeFile(join(dir, 'conn.log'), `${conns.join('\n')}\n`);
    await writeFile(join(dir, 'ssl.log'), `${ssl.join('\n')}\n`);
    const engine = await createDuckDbEngine({ logsDir: dir });
    const [o] = await runHuntPack(engine, { ...ALL_TIME, hosts: [], pivotIps: [], pivotDomains: [], longConnectionMinSeconds: 3600 }, { only: ['long-connections'] });
    await engine.close();
    await rm(dir, { recursive: true, force: true });
    expect(o?.rowsReturned).toBe(51);
    expect(o?.findings[0]?.evidence).toMatchObject({ total_duration: 6100, connections: 61, connected_seconds: 6100 });
    expect((o?.findings[0]?.evidence.byName as unknown[]).length).toBe(50);
  });

  it('in the capture mode, parallel sessions that only sum to an hour are not a long connection; RITA-exact counts the sum', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mirrorhunt-parallel-'));
    const t0 = 1_795_000_000;
    await writeFile(join(dir, 'conn.log'), `${[0, 1, 2, 3].map((i) => conn(`P${i}`, t0 + i, 1200)).join('\n')}\n`);
    const engine = await createDuckDbEngine({ logsDir: dir });
    const run = async (mode: 'capture' | 'rita') => (await runHuntPack(engine, { ...ALL_TIME, hosts: [], pivotIps: [], pivotDomains: [], mode }, { only: ['long-connections'] })).find((x) => x.name === 'long-connections')?.findings ?? [];
    const capture = await run('capture');
    const rita = await run('rita');
    await engine.close();
    await rm(dir, { recursive: true, force: true });
    expect(capture).toEqual([]);
    expect(rita.map((f) => f.evidence.total_duration)).toEqual([4800]);
  });
});

describe("the RITA-exact mode's strobe line", () => {
  it('is 86,400 connections unprorated, as RITA takes it; the capture mode prorates it to the window', () => {
    const hour = { from: new Date('2026-11-20T10:00:00Z'), to: new Date('2026-11-20T11:00:00Z'), hosts: [], pivotIps: [], pivotDomains: [] };
    expect(parameterValues({ ...hour, mode: 'rita' }).strobe_min).toBe(86_400);
    expect(parameterValues({ ...hour, mode: 'capture' }).strobe_min).toBe(3600);
  });
});

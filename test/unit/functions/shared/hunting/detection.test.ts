import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { huntFolder } from '../../../../../bin/commands/hunt';
import type { Threat } from '../../../../../functions/shared/hunting/threat-list';

/** Zeek JSON lines (our sensors' key style) for one log, in a folder of its own per test. */
const jsonl = (records: Array<Record<string, unknown>>): string => records.map((r) => JSON.stringify(r)).join('\n') + '\n';
const T0 = 1_795_939_200; // 2026-11-29T00:00:00Z
let n = 0;
const conn = (src: string, dst: string, port: number, ts: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  ts,
  uid: `C${(n += 1)}`,
  id_orig_h: src,
  id_orig_p: 40000 + (n % 20000),
  id_resp_h: dst,
  id_resp_p: port,
  proto: 'tcp',
  duration: 0.5,
  orig_bytes: 300,
  resp_bytes: 900,
  conn_state: 'SF',
  orig_ip_bytes: 420,
  resp_ip_bytes: 1020,
  ...extra,
});

async function huntLogs(files: Record<string, Array<Record<string, unknown>>>, options: Parameters<typeof huntFolder>[1] = {}): Promise<Threat[]> {
  const dir = await mkdtemp(join(tmpdir(), 'mirrorhunt-detect-'));
  try {
    for (const [name, records] of Object.entries(files)) await writeFile(join(dir, name), jsonl(records));
    return (await huntFolder(dir, options)).threats.findings;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('detection on small Zeek logs', () => {
  it('reports a vertical scan as one row for the scanner, and the scanned pair never as a beacon', async () => {
    // Prepare: 10.0.0.66 probes 200 ports of 203.0.113.5 every 10 s, all refused.
    const probes = Array.from({ length: 200 }, (_, i) => conn('10.0.0.66', '203.0.113.5', 1000 + i, T0 + i * 10, { conn_state: 'REJ', orig_bytes: 0, resp_bytes: 0, duration: 0 }));

    const list = await huntLogs({ 'conn.log': probes });

    expect(list.filter((t) => t.src === '10.0.0.66').map((t) => t.kind)).toEqual(['port-scan']);
    expect(list[0]?.summary).toContain('scanned 200 ports of 203.0.113.5');
  });

  it('does not count the half-open tails of long sessions (SH, SHR, OTH, RSTOS0) as probes', async () => {
    const tails = Array.from({ length: 200 }, (_, i) => conn('10.0.0.67', '203.0.113.6', 1000 + i, T0 + i * 10, { conn_state: ['SH', 'SHR', 'OTH', 'RSTOS0'][i % 4] }));
    const list = await huntLogs({ 'conn.log': tails });
    expect(list.filter((t) => t.kind === 'port-scan')).toEqual([]);
  });

  it('reports an Internet scanner of the watched host as one low row when it never got a session', async () => {
    const probes = Array.from({ length: 120 }, (_, i) => conn('198.51.100.77', '147.32.81.167', 1 + i, T0 + i * 30, { conn_state: 'S0', orig_bytes: 0, resp_bytes: 0 }));
    const list = await huntLogs({ 'conn.log': probes }, { hosts: ['147.32.81.167'] });
    const rows = list.filter((t) => t.src === '198.51.100.77');
    expect(rows.map((t) => [t.kind, t.severity])).toEqual([['port-scan', 'low']]);
  });

  it('scores a regular inbound client of the watched host, which a source-only filter would drop', async () => {
    const polls = Array.from({ length: 60 }, (_, i) => conn('198.51.100.9', '10.0.0.12', 8443, T0 + i * 60));
    const list = await huntLogs({ 'conn.log': polls }, { hosts: ['10.0.0.12'] });
    expect(list[0]).toMatchObject({ kind: 'pair', src: '198.51.100.9', dst: '10.0.0.12', hunts: ['beacon-ip'] });
    expect(list[0]?.beacon?.score).toBeGreaterThanOrEqual(0.9);
  });

  it('ranks no IPv6 neighbour discovery or multicast, however regular', async () => {
    const nd = Array.from({ length: 60 }, (_, i) => ({ ...conn('fe80::1', 'ff02::1:ff00:1', 0, T0 + i * 60), proto: 'icmp' }));
    const mdns = Array.from({ length: 60 }, (_, i) => ({ ...conn('10.0.0.5', '224.0.0.251', 5353, T0 + i * 60), proto: 'udp' }));
    expect(await huntLogs({ 'conn.log': [...nd, ...mdns] })).toEqual([]);
  });

  it('judges DGA on the share of distinct names that did not exist, and leaves DNS-SD lookups out', async () => {
    // 40 made-up names once each (NXDOMAIN) and 40 good names asked 10 times each: 50% of names, 9% of queries.
    const q = (query: string, rcode: string, ts: number): Record<string, unknown> => ({ ts, uid: `D${(n += 1)}`, id_orig_h: '10.0.0.8', id_orig_p: 5000, id_resp_h: '10.0.0.2', id_resp_p: 53, proto: 'udp', query, rcode_name: rcode, qtype_name: 'A' });
    const dga = Array.from({ length: 40 }, (_, i) => q(`x${i}qz${i * 7}k.example.net`, 'NXDOMAIN', T0 + i));
    const good = Array.from({ length: 400 }, (_, i) => q(`host${i % 40}.example.com`, 'NOERROR', T0 + 100 + i));
    const sd = Array.from({ length: 60 }, (_, i) => q(`_svc${i}._tcp.local.example.org`, 'NXDOMAIN', T0 + 600 + i));
    const list = await huntLogs({ 'dns.log': [...dga, ...good, ...sd] });
    const row = list.find((t) => t.kind === 'dga');
    expect(row?.summary).toContain('10.0.0.8: 40 names did not exist (50% of the 80 distinct names');
  });

  it("turns Zeek's own notices into rows, and drops certificate notices that only say the sensor has no CA store", async () => {
    const notice = (note: string, msg: string): Record<string, unknown> => ({ ts: T0, uid: `N${(n += 1)}`, id_orig_h: '198.51.100.4', id_resp_h: '10.0.0.12', id_resp_p: 22, note, msg, src: '198.51.100.4', dst: '10.0.0.12', p: 22 });
    const list = await huntLogs({ 'notice.log': [notice('SSH::Password_Guessing', '198.51.100.4 appears to be guessing SSH passwords'), notice('SSL::Invalid_Server_Cert', 'SSL certificate validation failed with (unable to get local issuer certificate)')] });
    expect(list.map((t) => [t.kind, t.severity, t.host])).toEqual([['zeek-notice', 'high', 'SSH::Password_Guessing']]);
  });

  it('reports SSH brute force followed by a success as critical', async () => {
    const ssh = (ok: boolean, i: number): Record<string, unknown> => ({ ts: T0 + i * 5, uid: `S${(n += 1)}`, id_orig_h: '198.51.100.4', id_orig_p: 50000 + i, id_resp_h: '10.0.0.12', id_resp_p: 22, auth_success: ok, auth_attempts: ok ? 1 : 3, direction: 'INBOUND' });
    const list = await huntLogs({ 'ssh.log': [...Array.from({ length: 30 }, (_, i) => ssh(false, i)), ssh(true, 31)] }, { hosts: ['10.0.0.12'] });
    expect(list[0]).toMatchObject({ kind: 'ssh', severity: 'critical', src: '198.51.100.4', dst: '10.0.0.12' });
    expect(list[0]?.summary).toContain('30 failed SSH logins, then 1 successful');
  });

  it('finds a long connection from open_conn snapshots alone, and counts it once with its closed record', async () => {
    const open = [1, 2, 3].map((k) => ({ ...conn('10.0.0.5', '203.0.113.50', 22, T0, { duration: k * 3000 }), uid: 'CLONG' }));
    const onlyOpen = await huntLogs({ 'open_conn.log': open });
    const both = await huntLogs({ 'open_conn.log': open, 'conn.log': [{ ...conn('10.0.0.5', '203.0.113.50', 22, T0, { duration: 10_000 }), uid: 'CLONG' }] });
    expect(onlyOpen[0]).toMatchObject({ src: '10.0.0.5', dst: '203.0.113.50', evidence: { durationSeconds: 9000, connections: 1 } });
    expect(both[0]).toMatchObject({ evidence: { durationSeconds: 10_000, connections: 1 } });
  });

  it('scores HTTP beacons from http.log timestamps when there is no conn.log', async () => {
    const http = Array.from({ length: 120 }, (_, i) => ({ ts: T0 + i * 120 + (i % 3), uid: `H${(n += 1)}`, id_orig_h: '10.0.0.9', id_orig_p: 50000 + i, id_resp_h: '203.0.113.80', id_resp_p: 80, method: 'POST', host: 'c2.example.net', uri: '/gate.php', user_agent: 'Mozilla/4.0', request_body_len: 180 }));
    const list = await huntLogs({ 'http.log': http });
    const top = list[0];
    expect(top).toMatchObject({ kind: 'pair', src: '10.0.0.9', host: 'c2.example.net' });
    expect(top?.hunts).toContain('beacon-fqdn');
    expect(top?.beacon?.connections).toBe(120);
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { huntCommand } from '../../../../bin/commands/hunt';

const FIXTURES = join(__dirname, '..', '..', '..', 'fixtures', 'zeek');

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (s: string) => void out.push(s), stderr: (s: string) => void err.push(s) }, out: () => out.join(''), err: () => err.join('') };
}

describe('mirrorhunt hunt', () => {
  it('prints ranked findings with their evidence as JSON and exits 0', async () => {
    const c = capture();
    const code = await huntCommand([join(FIXTURES, 'vxlan'), '--format', 'json', '--pivot-ip', '54.86.237.188'], c.io);
    expect(code).toBe(0);
    const report = JSON.parse(c.out()) as { findings: Array<{ rank: number; kind: string; hunts: string[]; severity: string; src: string; dst?: string; evidence: Record<string, unknown> }>; window: { from: string } };
    expect(report.findings[0]).toMatchObject({ rank: 1, kind: 'pivot-ip', hunts: ['pivot-ip'], severity: 'high', src: '172.16.11.201', dst: '54.86.237.188', evidence: { connections: 1 } });
    expect(report.findings.map((f) => f.rank)).toEqual(report.findings.map((_, i) => i + 1));
    expect(report.window.from).toBe('2021-03-31T08:40:00.000Z');
  });

  it('exits 0 and says so when the logs hold nothing to report', async () => {
    const c = capture();
    const code = await huntCommand([join(FIXTURES, 'vxlan'), '--host', '10.9.9.9'], c.io);
    expect(code).toBe(0);
    expect(c.out()).toContain('nothing found');
  });

  it('renders a Markdown table', async () => {
    const c = capture();
    await huntCommand([join(FIXTURES, 'vxlan'), '--format', 'md', '--only', 'rare-user-agent'], c.io);
    expect(c.out()).toContain('| 1 | low | 0.150 | rare-user-agent | 172.16.11.201 → eu.httpbin.org (54.86.237.188): user agent "curl/7.76.1" used for this destination only');
  });

  it('names the folder when it holds no Zeek logs, without a stack trace', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mirrorhunt-empty-'));
    await writeFile(join(dir, 'notes.txt'), 'hello');
    const c = capture();
    const code = await huntCommand([dir], c.io);
    expect(code).toBe(1);
    expect(c.err()).toContain(`no Zeek records found in ${dir}`);
    expect(c.err()).not.toMatch(/\n\s+at /);
    await rm(dir, { recursive: true, force: true });
  });

  it('warns with file and line for a malformed TSV line and still hunts the rest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mirrorhunt-bad-'));
    const header = '#separator \\x09\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\n';
    await writeFile(join(dir, 'conn.log'), `${header}1700000000.1\tC1\t10.0.0.1\t5\t10.0.0.2\t80\ttcp\nthis line is broken\n`);
    const c = capture();
    const code = await huntCommand([dir], c.io);
    expect(code).toBe(0);
    expect(c.err()).toContain(`warning: ${join(dir, 'conn.log')}:4: 1 malformed line(s) skipped`);
    expect(c.err()).toContain('loaded conn 1 rows/1 files');
    await rm(dir, { recursive: true, force: true });
  });

  it('rejects an unknown hunt name with the usage', async () => {
    const c = capture();
    expect(await huntCommand([join(FIXTURES, 'vxlan'), '--only', 'nope'], c.io)).toBe(2);
    expect(c.err()).toContain('unknown hunt(s): nope');
  });

  it('takes --only as a comma list as well as repeated', async () => {
    const c = capture();
    expect(await huntCommand([join(FIXTURES, 'vxlan'), '--only', 'beacon-ip,strobe', '--only', 'pivot-ip', '--format', 'json'], c.io)).toBe(0);
    expect((JSON.parse(c.out()) as { hunts: Array<{ name: string }> }).hunts.map((h) => h.name)).toEqual(['beacon-ip', 'strobe', 'pivot-ip']);
  });

  it.each([
    [['--host', 'notanip'], 'not an IP address: notanip'],
    [['--pivot-ip', '10.0.0.1', '--pivot-ip', 'evil.example'], 'not an IP address: evil.example'],
    [['--from', '2023-01-02', '--to', '2023-01-01'], 'must be before --to'],
  ])('refuses %j naming what is wrong, instead of hunting and finding nothing', async (args, message) => {
    const c = capture();
    expect(await huntCommand([join(FIXTURES, 'vxlan'), ...args], c.io)).toBe(2);
    expect(c.err()).toContain(message);
  });
});

describe('mirrorhunt hunt: scoring mode, scope and warnings', () => {
  it.each(['abc', '0', '10s'])('refuses --long-min %s, naming the option', async (value) => {
    const c = capture();
    expect(await huntCommand([join(FIXTURES, 'vxlan'), '--long-min', value], c.io)).toBe(2);
    expect(c.err()).toContain(`--long-min must be a number of seconds above 0; got "${value}"`);
  });

  it('refuses an unknown scoring mode and a scope file with an unknown key, naming what is wrong', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mirrorhunt-scope-'));
    await writeFile(join(dir, 'scope.json'), JSON.stringify({ internal: ['10.0.0.0/8'] }));
    const a = capture();
    expect(await huntCommand([join(FIXTURES, 'vxlan'), '--mode', 'fast'], a.io)).toBe(2);
    expect(a.err()).toContain('--mode must be capture or rita');
    const b = capture();
    expect(await huntCommand([join(FIXTURES, 'vxlan'), '--scope', join(dir, 'scope.json')], b.io)).toBe(2);
    expect(b.err()).toContain('unknown scope key "internal"');
    await rm(dir, { recursive: true, force: true });
  });

  it('says which logs it did not read and when the clock is relative, and which mode scored the list', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mirrorhunt-warn-'));
    await writeFile(join(dir, 'conn.log'), `${JSON.stringify({ ts: 12.5, uid: 'C1', id_orig_h: '10.0.0.1', id_orig_p: 5, id_resp_h: '203.0.113.2', id_resp_p: 80, proto: 'tcp' })}\n`);
    await writeFile(join(dir, 'sip.log'), `${JSON.stringify({ ts: 12.5, uid: 'C2' })}\n`);
    const c = capture();
    expect(await huntCommand([dir, '--format', 'json'], c.io)).toBe(0);
    const out = JSON.parse(c.out()) as { mode: string; warnings: string[] };
    expect(out.mode).toBe('capture');
    expect(out.warnings).toEqual(['sip logs present (1 file(s)) but no hunt reads them', expect.stringMatching(/^times are relative in conn/)]);
    expect(c.err()).toContain('warning: sip logs present (1 file(s)) but no hunt reads them');
    await rm(dir, { recursive: true, force: true });
  });
});

describe('mirrorhunt hunt: the window of a folder', () => {
  it('runs until the last connection ended, not until the last one started: an open_conn snapshot of a two-hour session counts two hours', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mirrorhunt-extent-'));
    const start = 1_706_736_752;
    await writeFile(join(dir, 'open_conn.log'), `${JSON.stringify({ ts: start, uid: 'C1', 'id.orig_h': '10.0.0.238', 'id.orig_p': 50000, 'id.resp_h': '34.222.122.143', 'id.resp_p': 443, proto: 'tcp', duration: 7200.5, orig_bytes: 10, resp_bytes: 10, conn_state: 'S1' })}\n`);
    const c = capture();
    expect(await huntCommand([dir], c.io)).toBe(0);
    await rm(dir, { recursive: true, force: true });
    expect(c.out()).toContain(`window ${new Date(start * 1000).toISOString()} .. ${new Date((start + 7201) * 1000).toISOString()}`);
    expect(c.out()).toContain('2.0 h connected');
  });
});

describe('mirrorhunt hunt: the RITA-exact mode', () => {
  it('refuses --only rita-dataset (it is no hunt: it runs by itself with --mode rita)', async () => {
    const c = capture();
    expect(await huntCommand([join(FIXTURES, 'vxlan'), '--only', 'rita-dataset'], c.io)).toBe(2);
    expect(c.err()).toContain('unknown hunt(s): rita-dataset');
  });

  it('warns when it found no dataset span, so that no beacon was scored', async () => {
    // Internal to internal only: nothing in RITA's scope.
    const dir = await mkdtemp(join(tmpdir(), 'mirrorhunt-nodataset-'));
    const rows = [0, 60, 120, 180, 240].map((s, i) => JSON.stringify({ ts: 1_795_000_000 + s, uid: `C${i}`, 'id.orig_h': '10.0.0.5', 'id.orig_p': 50000, 'id.resp_h': '10.0.0.6', 'id.resp_p': 443, proto: 'tcp', duration: 1, orig_bytes: 10, resp_bytes: 10, conn_state: 'SF' }));
    await writeFile(join(dir, 'conn.log'), `${rows.join('\n')}\n`);
    const c = capture();
    expect(await huntCommand([dir, '--mode', 'rita'], c.io)).toBe(0);
    await rm(dir, { recursive: true, force: true });
    expect(c.out() + c.err()).toContain('RITA-exact mode: no dataset span (no in-scope connections)');
  });
});

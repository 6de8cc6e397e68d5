import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoCommand } from '../../local/demo';
import { tempDir } from '../support/temp';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (s: string) => void out.push(s), stderr: (s: string) => void err.push(s) } };
}

describe('npm run demo (the local main job)', () => {
  let result: { code: number; stdout: string; out: string };

  beforeAll(async () => {
    const c = capture();
    const out = tempDir('mh-demo-');
    const code = await demoCommand(['--out', out], c.io);
    result = { code, stdout: c.out.join(''), out };
  }, 60_000);

  it('runs the investigation to SUCCEEDED and exits 0', () => {
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/execution gd-\w+: SUCCEEDED/);
  });

  it('ranks the planted beacon to the finding\'s remote address first, scored as the regular beacon it is', () => {
    // The capture is the window (60 min), so a check-in every 60 s over all of it scores >= 0.9.
    const first = /Top threats:\n {2}1\. (.*)/.exec(result.stdout)?.[1] ?? '';
    expect(first).toMatch(/\(203\.0\.113\.45\): beacon 0\.9\d\d/);
  });

  it('leads the notification with a confirmed verdict naming the finding\'s peer', () => {
    expect(result.stdout).toMatch(/^CONFIRMED: Confirmed: \S+ talked to 203\.0\.113\.45 \(the finding's peer\)/m);
  });

  it('ends with nothing of ours left and the resources that are not ours untouched', () => {
    expect(result.stdout).toContain('resources tagged mirrorhunt:managed: 0 (nothing left running, nothing left billing)');
    expect(result.stdout).toMatch(/other resources, untouched: .*mirror-session tms-\w+/);
  });

  it('writes the Markdown report where it says', () => {
    const path = /report {4}(\S+report\.md)/.exec(result.stdout)?.[1] as string;
    expect(path.startsWith(result.out)).toBe(true);
    expect(existsSync(path) && readFileSync(path, 'utf8')).toMatch(/Beacons/);
  });

  it('refuses a finding file that does not exist, naming it, with exit code 2', async () => {
    const c = capture();
    expect(await demoCommand(['--finding', '/nonexistent/finding.json'], c.io)).toBe(2);
    expect(c.err.join('')).toContain('/nonexistent/finding.json');
  });

  it('refuses a capture window outside 1..1440 minutes', async () => {
    const c = capture();
    expect(await demoCommand(['--minutes', '0'], c.io)).toBe(2);
    expect(c.err.join('')).toMatch(/--minutes/);
  });

  it('prints the same investigation on a second run with the same options (fixed seed and clock)', async () => {
    // Act
    const c = capture();
    expect(await demoCommand(['--out', tempDir('mh-demo-')], c.io)).toBe(0);
    // Assess: identical but for the temporary folder.
    const strip = (s: string) => s.replace(/\/\S*mh-demo-[^/\s]+/g, '<out>');
    expect(strip(c.out.join(''))).toBe(strip(result.stdout));
    expect(result.stdout).toContain('the simulated clock starts at 2026-11-24T09:00:00.000Z');
  }, 60_000);

  it('refuses --out naming a file, in one line, with exit code 1', async () => {
    const c = capture();
    const file = join(tempDir('mh-demo-'), 'taken');
    writeFileSync(file, 'x');
    expect(await demoCommand(['--out', file], c.io)).toBe(1);
    expect(c.err.join('')).toBe(`mirrorhunt demo: --out ${file} is a file; give a folder (it is created if missing)\n`);
  });

  it('with --force still starts nothing for a finding that names no instance, and says --force cannot change that', async () => {
    const c = capture();
    const file = join(tempDir('mh-demo-'), 's3.json');
    writeFileSync(file, readFileSync(join(__dirname, '..', 'fixtures', 'guardduty', 'guardduty_s3_event.json')));
    expect(await demoCommand(['--finding', file, '--force', '--out', tempDir('mh-demo-')], c.io)).toBe(0);
    expect(c.out.join('')).toMatch(/ignored: .*not an EC2 instance[\s\S]*Nothing was started: .*\(--force cannot change that\)/);
  });

  it('ignores a finding about something other than an EC2 instance, says why, and starts nothing', async () => {
    const c = capture();
    const file = join(tempDir('mh-demo-'), 's3.json');
    writeFileSync(file, readFileSync(join(__dirname, '..', 'fixtures', 'guardduty', 'guardduty_s3_event.json')));
    expect(await demoCommand(['--finding', file, '--out', tempDir('mh-demo-')], c.io)).toBe(0);
    expect(c.out.join('')).toMatch(/ignored: .*not an EC2 instance[\s\S]*Nothing was started/);
    expect(c.out.join('')).not.toMatch(/Launch Sensor/);
  });
});

const RITA_PROXY = [join('/work', 'shared', 'data', 'rita-proxy'), join(__dirname, '..', '..', '..', 'shared', 'data', 'rita-proxy')].find((p) => existsSync(join(p, 'conn.log')));

describe('npm run demo -- --logs DIR (real Zeek logs instead of the synthetic capture)', () => {
  it('refuses a folder without conn records, naming it, and starts nothing', async () => {
    const c = capture();
    const empty = tempDir('mh-demo-empty-');
    expect(await demoCommand(['--logs', empty, '--out', tempDir('mh-demo-')], c.io)).toBe(1);
    expect(c.err.join('')).toContain(`--logs ${empty}: no Zeek conn records found`);
    expect(c.out.join('')).not.toMatch(/Launch Sensor/);
  });

  const withRita = RITA_PROXY ? it : it.skip;

  withRita("fits the capture to the logs' last day and their busiest source, and drops the proxied beacon as the east/west filter would", async () => {
    // Prepare: RITA's proxy sample, where 10.136.0.18 beacons through the proxy 10.136.0.16, in its own /16.
    const c = capture();
    // Act
    expect(await demoCommand(['--logs', RITA_PROXY as string, '--out', tempDir('mh-demo-')], c.io)).toBe(0);
    // Assess: the incident's filter rejects traffic to the VPC's own CIDRs, so a real session
    // would never deliver the connections to the proxy: nothing to find, and the demo says why.
    const stdout = c.out.join('');
    expect(stdout).toContain('the instance takes the busiest source, 10.136.0.18');
    expect(stdout).toMatch(/mirror filter \(simulated, .*\): kept \d+ records, dropped \d+ \(other hosts' traffic and east\/west within 10\.136\.0\.0\/16/);
    expect(stdout).not.toMatch(/www\.honestimnotevil\.com: beacon/);
    expect(stdout).toContain('execution gd-6ec7a1f0e2d34b0f9a3c5d7e8f901234: SUCCEEDED');
  }, 60_000);

  withRita("with --unfiltered hunts every record and catches RITA's proxy beacon", async () => {
    const c = capture();
    expect(await demoCommand(['--logs', RITA_PROXY as string, '--unfiltered', '--out', tempDir('mh-demo-')], c.io)).toBe(0);
    expect(c.out.join('')).toMatch(/10\.136\.0\.18 → www\.honestimnotevil\.com \(10\.136\.0\.16\): beacon 0\.9\d\d/);
  }, 60_000);

  withRita('with --minutes 30 captures the last 30 minutes of the logs', async () => {
    // Act
    const c = capture();
    expect(await demoCommand(['--logs', RITA_PROXY as string, '--minutes', '30', '--out', tempDir('mh-demo-')], c.io)).toBe(0);
    // Assess: the last conn record is at 2023-01-05T18:48:42.948Z; mirroring runs its last 30 minutes.
    const stdout = c.out.join('');
    expect(stdout).toContain('the capture covers their last 30 min (2023-01-05T18:18:43.948Z .. 2023-01-05T18:48:43.948Z)');
    const at = (step: string) => new RegExp(`^\\+(\\d\\d):(\\d\\d):(\\d\\d)  ${step}`, 'm').exec(stdout)?.slice(1).map(Number) ?? [];
    const seconds = ([h, m, s]: number[]) => (h as number) * 3600 + (m as number) * 60 + (s as number);
    expect(seconds(at('Stop Mirroring')) - seconds(at('Start Mirroring'))).toBe(30 * 60);
  }, 60_000);

  it('refuses a file where a folder of logs belongs, in one line, with exit code 1', async () => {
    const c = capture();
    const file = join(tempDir('mh-demo-'), 'conn.log');
    writeFileSync(file, '');
    expect(await demoCommand(['--logs', file], c.io)).toBe(1);
    expect(c.err.join('')).toBe(`mirrorhunt demo: --logs ${file} is a file; give a folder\n`);
  });
});

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

  it('catches the planted beacon to the finding\'s remote address', () => {
    expect(result.stdout).toMatch(/Beacons by IP pair: \d+ \(top: [\d.]+ → 203\.0\.113\.45/);
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

  (RITA_PROXY ? it : it.skip)("fits the capture to the logs' last day and their busiest source, and catches RITA's proxy beacon", async () => {
    const c = capture();
    expect(await demoCommand(['--logs', RITA_PROXY as string, '--out', tempDir('mh-demo-')], c.io)).toBe(0);
    const stdout = c.out.join('');
    expect(stdout).toContain('the instance takes the busiest source, 10.136.0.18');
    expect(stdout).toMatch(/10\.136\.0\.18 → www\.honestimnotevil\.com: beacon score 0\.9\d\d/);
    expect(stdout).toContain('execution gd-6ec7a1f0e2d34b0f9a3c5d7e8f901234: SUCCEEDED');
  }, 60_000);
});

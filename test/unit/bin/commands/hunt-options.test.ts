import { huntCommand } from '../../../../bin/commands/hunt';
import { writeSyntheticZeekLogs } from '../../../../local/synthetic/zeek-traffic';
import { tempDir } from '../../../support/temp';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (s: string) => void out.push(s), stderr: (s: string) => void err.push(s) }, out, err };
}

/** SYNTHETIC logs (local/synthetic): two hours, three beacons among background traffic. */
let logs: string;
beforeAll(async () => {
  logs = tempDir('mh-hunt-options-');
  await writeSyntheticZeekLogs(
    {
      seed: 11,
      from: new Date('2026-11-24T09:00:00Z'),
      to: new Date('2026-11-24T11:00:00Z'),
      internalHosts: ['10.20.1.25', '10.20.1.26'],
      beacons: [
        { src: '10.20.1.25', dst: '203.0.113.45', dstPort: 443, intervalSeconds: 60, jitterSeconds: 2, bytes: 512 },
        { src: '10.20.1.26', dst: '198.51.100.7', dstPort: 443, intervalSeconds: 120, jitterSeconds: 1, bytes: 900 },
        { src: '10.20.1.25', dst: '192.0.2.99', dstPort: 8443, intervalSeconds: 300, jitterSeconds: 3, bytes: 300 },
      ],
      backgroundConnectionsPerHour: 200,
    },
    logs,
    { sensorId: 'i-0a1b2c3d4e5f60718' },
  );
}, 60_000);

describe('mirrorhunt hunt options', () => {
  it('refuses --from after the last record, naming the logs\' span, instead of reporting nothing found', async () => {
    const { io, out, err } = capture();
    expect(await huntCommand([logs, '--from', '2026-11-25T00:00:00Z'], io)).toBe(1);
    expect(err.join('')).toMatch(/^mirrorhunt hunt: --from 2026-11-25T00:00:00\.000Z selects no records: the logs in .* run from 2026-11-24T09:\d\d:\d\d\.000Z to 2026-11-24T1[01]:\d\d:\d\d\.000Z\n$/m);
    expect(out.join('')).toBe('');
  }, 60_000);

  it('refuses --to before the first record the same way', async () => {
    const { io, err } = capture();
    expect(await huntCommand([logs, '--to', '2026-11-24T08:00:00Z'], io)).toBe(1);
    expect(err.join('')).toMatch(/--to 2026-11-24T08:00:00\.000Z selects no records/);
  }, 60_000);

  it('with --top 2 states the total number of threats and that only the top 2 are shown', async () => {
    // Prepare: the full list first.
    const all = capture();
    expect(await huntCommand([logs], all.io)).toBe(0);
    const total = Number(/, (\d+) threats/.exec(all.out.join(''))?.[1]);
    expect(total).toBeGreaterThan(2);
    // Act
    const top = capture();
    expect(await huntCommand([logs, '--top', '2'], top.io)).toBe(0);
    // Assess
    const text = top.out.join('');
    expect(text).toContain(`, ${total} threats, the top 2 shown`);
    expect(text.split('\n').filter((l) => /^\s+\d+ {2}/.test(l))).toHaveLength(2);
  }, 60_000);

  it('refuses a folder that does not exist in one line', async () => {
    const { io, err } = capture();
    expect(await huntCommand(['/nonexistent/zeek'], io)).toBe(1);
    expect(err.join('')).toBe('mirrorhunt hunt: no such folder: /nonexistent/zeek\n');
  });
});

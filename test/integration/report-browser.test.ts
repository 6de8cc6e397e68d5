/**
 * The HTML report in a real browser: Debian's headless Chromium parses the page (no network: the
 * page's CSP and Chromium's flags allow none), the DOM it builds is checked for the sections and
 * for plots that drew, and screenshots at phone and desktop width are kept under
 * test/output/report-browser/ (gitignored) for a person to look at. Skips when Chromium is not
 * installed (`apt-get install chromium`; .ci/run installs it).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { huntCommand } from '../../bin/commands/hunt';
import { buildReport } from '../../functions/shared/domain/report';
import { renderReportHtml } from '../../functions/shared/report/html';
import { writeSyntheticZeekLogs } from '../../local/synthetic/zeek-traffic';
import { tempDir } from '../support/temp';
import { completedState } from '../support/report-fixtures';

const CHROMIUM = ['chromium', 'chromium-browser'].find((c) => spawnSync('which', [c]).status === 0);
const OUT = join(__dirname, '..', 'output', 'report-browser');
const describeIf = CHROMIUM ? describe : describe.skip;

function chromium(args: string[]): string {
  const profile = tempDir('mh-chromium-');
  return execFileSync(
    CHROMIUM as string,
    ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, ...args],
    { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] },
  );
}

const domOf = (file: string): string => chromium(['--dump-dom', `file://${file}`]);

function screenshots(file: string, name: string): string[] {
  const shots = [
    { width: 390, suffix: 'phone' },
    { width: 1280, suffix: 'desktop' },
  ].map(({ width, suffix }) => {
    const png = join(OUT, `${name}-${suffix}.png`);
    chromium([`--screenshot=${png}`, `--window-size=${width},3000`, '--hide-scrollbars', `file://${file}`]);
    return png;
  });
  return shots;
}

/** SVG elements the browser built, each with the number of drawn marks (paths, rects, circles) inside. */
function plotsIn(dom: string): number[] {
  return (dom.match(/<svg[\s\S]*?<\/svg>/g) ?? []).map((svg) => (svg.match(/<(path|rect|circle|line)\b/g) ?? []).length);
}

describeIf('the HTML report in headless Chromium', () => {
  beforeAll(() => mkdirSync(OUT, { recursive: true }));

  it('shows the investigation page with every section and drawn plots, with hostile names inert', async () => {
    const state = completedState();
    const beacon = state.hunts?.threats.findings[0];
    if (beacon) beacon.host = 'cdn"><img src=x onerror=alert(1)>.example.net';
    const file = join(OUT, 'investigation.html');
    writeFileSync(file, await renderReportHtml(buildReport(state, [], new Date('2026-11-24T09:05:00Z'))));
    const dom = domOf(file);
    for (const id of ['verdict', 'next-steps', 'threats', 'beacons', 'timeline', 'resources']) expect(dom).toContain(`id="${id}"`);
    const plots = plotsIn(dom);
    expect(plots.length).toBe(3);
    expect(plots.every((marks) => marks > 5)).toBe(true);
    // The browser's own parse: no element came out of the attacker's string.
    expect(dom).not.toMatch(/<img\b/i);
    expect(dom).not.toMatch(/<script\b/i);
    for (const png of screenshots(file, 'investigation')) expect(existsSync(png)).toBe(true);
  });

  it('shows the page hunt --format html writes for a folder of logs, with the beacon plotted', async () => {
    const logs = tempDir('mh-browser-logs-');
    await writeSyntheticZeekLogs(
      {
        seed: 11,
        from: new Date('2026-11-24T08:00:00Z'),
        to: new Date('2026-11-24T09:00:00Z'),
        internalHosts: ['10.20.1.25', '10.20.1.26'],
        beacons: [{ src: '10.20.1.25', dst: '198.51.100.7', dstPort: 443, intervalSeconds: 60, jitterSeconds: 2, bytes: 512 }],
        backgroundConnectionsPerHour: 300,
      },
      logs,
    );
    let html = '';
    const code = await huntCommand([logs, '--format', 'html', '--pivot-ip', '198.51.100.7'], { stdout: (s) => void (html += s), stderr: () => undefined });
    expect(code).toBe(0);
    const file = join(OUT, 'hunt.html');
    writeFileSync(file, html);
    const dom = domOf(file);
    expect(dom).toContain('id="threats"');
    expect(dom).toContain('id="beacons"');
    expect(dom).toContain('10.20.1.25 → 198.51.100.7');
    expect(plotsIn(dom).filter((marks) => marks > 5).length).toBeGreaterThanOrEqual(2);
    for (const png of screenshots(file, 'hunt')) expect(existsSync(png)).toBe(true);
  });
});

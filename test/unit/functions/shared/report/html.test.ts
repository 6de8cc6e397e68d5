import { buildReport } from '../../../../../functions/shared/domain/report';
import { escapeHtml, renderReportHtml, renderThreatListHtml } from '../../../../../functions/shared/report/html';
import { intervalHistogram, intervalsOf, renderSvg } from '../../../../../functions/shared/report/plots';
import { beaconSeries, beaconThreat, completedState, scanThreat, threatList } from '../../../../support/report-fixtures';

/** Names and agents an attacker controls: server names from SNI/Host, user agents, DNS names. */
const HOSTILE = `evil.example"><script>alert(1)</script><img src=x onerror=alert(2)>`;

const marks = (svg: string): number => (svg.match(/<path|<rect|<circle|<line/g) ?? []).length;

describe('the HTML report', () => {
  it('escapes the five HTML specials and the backtick', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&\``)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;');
  });

  it('renders attacker-controlled names from the logs as text, never as markup', async () => {
    const hostile = beaconThreat({ host: HOSTILE, summary: `10.20.1.25 → ${HOSTILE} every ~60 s`, hunts: ['beacon-fqdn'] });
    const state = completedState(threatList([hostile, scanThreat()]));
    state.request.reason = `manual: ${HOSTILE}`;
    const html = await renderReportHtml(buildReport(state, [], new Date('2026-11-24T09:05:00Z')));
    expect(html).not.toContain('<script>');
    expect(html).not.toMatch(/<img/i);
    expect(html).toContain('evil.example&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    // Only the page's own style may run: no script source is allowed at all.
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
  });

  it('is self-contained: no URL is fetched at view time', async () => {
    const html = await renderReportHtml(buildReport(completedState(), [], new Date('2026-11-24T09:05:00Z'), { bucket: 'b', reportKeys: { json: 'j', markdown: 'm', html: 'h' } }));
    expect(html).not.toMatch(/<(script|link|iframe|object|embed)\b/i);
    expect(html).not.toMatch(/\bsrc\s*=/i);
    // Links to consoles are anchors the reader may follow, not resources the page loads.
    expect([...html.matchAll(/(?:href|xlink:href)="([^"]+)"/g)].map((m) => m[1]).every((u) => u?.startsWith('https://') || u?.startsWith('#'))).toBe(true);
  });

  it('leads with the verdict, then next steps, ranked threats, beacon plots, timeline and resources', async () => {
    const html = await renderReportHtml(buildReport(completedState(), [], new Date('2026-11-24T09:05:00Z')));
    const order = ['id="verdict"', 'id="next-steps"', 'id="threats"', 'id="beacons"', 'id="timeline"', 'id="resources"'].map((s) => html.indexOf(s));
    expect(order.every((i) => i > 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(html).toContain('<div class="label">CONFIRMED</div>');
  });

  it('draws two plots per top beacon with a series and one for the timeline', async () => {
    const html = await renderReportHtml(buildReport(completedState(), [], new Date('2026-11-24T09:05:00Z')));
    const beacons = html.slice(html.indexOf('id="beacons"'), html.indexOf('id="timeline"'));
    const svgs = beacons.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs).toHaveLength(2);
    for (const svg of svgs) expect(marks(svg)).toBeGreaterThan(5);
    expect(html.slice(html.indexOf('id="timeline"')).match(/<svg/g)).toHaveLength(1);
  });

  it('writes the same page for a ranked list from a folder of logs (hunt --format html)', async () => {
    const html = await renderThreatListHtml(threatList(), './incident-logs');
    expect(html).toContain('id="threats"');
    expect(html).toContain('id="beacons"');
    expect(html).not.toContain('id="verdict"');
  });
});

describe('the plots', () => {
  it('bins the intervals of a 60 s beacon into one tall bar around 60 s', async () => {
    const series = beaconSeries('2026-11-24T08:01:00.000Z', 59, 60);
    expect(intervalsOf(series).every((s) => s >= 55 && s <= 65)).toBe(true);
    const plot = intervalHistogram(series);
    // Every interval lands in the bins around the timer's period, none elsewhere on the axis from 0.
    expect(plot.rows[0]).toMatchObject({ start: 0 });
    expect(plot.rows.filter((r) => Number(r.count) > 0).every((r) => Number(r.start) >= 50 && Number(r.end) <= 70)).toBe(true);
    expect(plot.rows.reduce((n, r) => n + Number(r.count), 0)).toBe(58);
    const svg = await renderSvg(plot);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Interval between connections');
    expect(marks(svg)).toBeGreaterThan(3);
  });
});

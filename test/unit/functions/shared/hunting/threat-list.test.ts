import type { HuntFinding, HuntOutcome } from '../../../../../functions/shared/hunting/pack';
import { buildThreatList, longConnectionScore, RITA_FINAL, ritaBucketed } from '../../../../../functions/shared/hunting/threat-list';

const WINDOW = { from: '2026-11-20T00:00:00.000Z', to: '2026-11-21T00:00:00.000Z' };
const outcome = (name: string, findings: HuntFinding[]): HuntOutcome => ({ name, title: name, findings, rowsReturned: findings.length, elapsedMs: 1 });
const beacon = (src: string, peer: { dst?: string; host?: string }, score: number, evidence: Record<string, unknown> = {}): HuntFinding => ({
  severity: 'high',
  score,
  summary: `${src} beacon`,
  subject: { kind: 'pair', src, ...peer },
  beacon: { score, timestampScore: score, sizeScore: score, histogramScore: score, durationScore: score, connections: 100, uniqueTimestamps: 100, medianIntervalSeconds: 60, medianBytes: 300, mode: 'rita' },
  evidence,
});

describe('the ranked threat list', () => {
  it('merges the beacon, long connection and rare user agent of one pair into one row with every component', () => {
    // Prepare: three hunts saying something about 10.0.0.5 → 203.0.113.9, one about another pair.
    const outcomes = [
      outcome('beacon-ip', [beacon('10.0.0.5', { dst: '203.0.113.9' }, 0.8), beacon('10.0.0.6', { dst: '198.51.100.1' }, 0.85)]),
      outcome('long-connections', [{ severity: 'medium', summary: 'long', subject: { kind: 'pair', src: '10.0.0.5', dst: '203.0.113.9' }, evidence: { total_duration: 20_000, connections: 3, longest_duration: 9000, total_bytes: 1234 } }]),
      outcome('rare-user-agent', [{ severity: 'low', summary: 'ua', subject: { kind: 'pair', src: '10.0.0.5', dst: '203.0.113.9' }, evidence: { user_agent: 'implant/1.0', requests: 9 } }]),
    ];

    // Act
    const list = buildThreatList(outcomes, { mode: 'rita', window: WINDOW });

    // Assess: one row for the pair, its score the beacon's plus the modifier, ranked above the other.
    expect(list.findings).toHaveLength(2);
    const [first, second] = list.findings;
    expect(first).toMatchObject({ rank: 1, kind: 'pair', src: '10.0.0.5', dst: '203.0.113.9', score: 1, severity: 'critical', hunts: ['beacon-ip', 'long-connections', 'rare-user-agent'] });
    expect(first?.evidence).toMatchObject({
      components: { beacon: 0.8, longConnection: longConnectionScore(20_000), strobe: 0, exfiltration: 0 },
      durationSeconds: 20_000,
      modifiers: [{ name: 'corroborated', delta: 0.1 }, { name: 'rare-signature', delta: 0.15 }],
    });
    expect(second).toMatchObject({ rank: 2, src: '10.0.0.6', score: 0.85 });
  });

  it('folds a pair by address into the pair by name that address served under', () => {
    const outcomes = [
      outcome('beacon-ip', [beacon('10.0.0.5', { dst: '203.0.113.9' }, 0.7)]),
      outcome('beacon-fqdn', [beacon('10.0.0.5', { host: 'c2.example.net' }, 0.9, { dsts: ['203.0.113.9'] })]),
    ];
    const list = buildThreatList(outcomes, { mode: 'rita', window: WINDOW });
    expect(list.findings).toHaveLength(1);
    expect(list.findings[0]).toMatchObject({ key: 'pair|10.0.0.5|c2.example.net', host: 'c2.example.net', dst: '203.0.113.9', score: 0.9, hunts: ['beacon-fqdn', 'beacon-ip'] });
  });

  it('judges an upload in a short capture at its daily rate (as the strobe line is prorated), so a 40 MiB upload in 90 minutes outranks a 0.715 beacon; the RITA-exact mode does not', () => {
    const capture = { from: '2026-11-20T00:00:00.000Z', to: '2026-11-20T01:30:00.000Z' };
    const upload: HuntFinding = { severity: 'medium', summary: 'upload', subject: { kind: 'pair', src: '10.8.0.61', dst: '203.0.113.50' }, evidence: { bytes_out: 40 * 1024 * 1024, bytes_in: 200 } };
    const outcomes = [outcome('beacon-ip', [beacon('10.8.0.61', { dst: '8.8.8.8' }, 0.715)]), outcome('exfiltration', [upload])];
    const inCapture = buildThreatList(outcomes, { mode: 'capture', window: capture });
    expect(inCapture.findings.map((t) => t.dst)).toEqual(['203.0.113.50', '8.8.8.8']);
    expect(inCapture.findings[0]?.evidence).toMatchObject({ bytesOut: 40 * 1024 * 1024, bytesOutPerDay: 40 * 1024 * 1024 * 16 });
    // 40 MiB sits between the 10 and 50 MiB buckets: 0.55 when judged as it is.
    expect(buildThreatList(outcomes, { mode: 'rita', window: capture }).findings.map((t) => [t.dst, t.score])).toEqual([['8.8.8.8', 0.715], ['203.0.113.50', 0.55]]);
  });

  it("computes RITA's final score per RITA row: a named long connection is keyed by its name, the unnamed rest by address", () => {
    const long: HuntFinding = { severity: 'medium', summary: 'long', subject: { kind: 'pair', src: '10.0.0.5', dst: '203.0.113.9' }, evidence: { total_duration: 7500, connections: 3, byName: [{ name: 'a.example', seconds: 4000, connections: 1 }, { name: 'a.example:8000', seconds: 3000, connections: 1 }] } };
    const [t] = buildThreatList([outcome('long-connections', [long])], { mode: 'rita', window: WINDOW }).findings;
    // RITA's rows: a.example 4000 s (0.2074), a.example:8000 3000 s (none: under an hour), the rest 500 s (none); first seen +0.15.
    expect(t?.evidence.ritaFinalScore).toBeCloseTo(ritaBucketed(4000, RITA_FINAL.longConnection) + 0.15, 3);
    // Ours is the pair's whole time connected.
    expect(t?.evidence.components).toMatchObject({ longConnection: longConnectionScore(7500) });
    expect(t?.summary).toContain('by server a.example 1.1 h, a.example:8000 0.8 h');
  });

  it('scores a long connection in the capture mode by the time a session was open, RITA-exact by the sum of durations', () => {
    const long: HuntFinding = { severity: 'high', summary: 'long', subject: { kind: 'pair', src: '10.0.0.5', dst: '203.0.113.9' }, evidence: { total_duration: 4 * 80_000, connected_seconds: 80_000, connections: 4 } };
    const capture = buildThreatList([outcome('long-connections', [long])], { mode: 'capture', window: WINDOW }).findings[0];
    const rita = buildThreatList([outcome('long-connections', [long])], { mode: 'rita', window: WINDOW }).findings[0];
    expect(capture?.evidence.components).toMatchObject({ longConnection: longConnectionScore(80_000) });
    expect(capture?.summary).toContain('22.2 h connected (88.9 h summed over overlapping connections)');
    expect(rita?.evidence.components).toMatchObject({ longConnection: longConnectionScore(320_000) });
  });

  it('keeps the words and severity of a pair no scored hunt flagged (inbound attempts on a watched host), not an empty line at 0', () => {
    const attempts: HuntFinding = { severity: 'low', summary: '198.51.100.9 → 10.0.0.5: 12 inbound connection attempts from the Internet, 0 carried data both ways', subject: { kind: 'pair', src: '198.51.100.9', dst: '10.0.0.5' }, evidence: { direction: 'inbound', connections: 12, established: 0 } };
    const [t] = buildThreatList([outcome('beacon-ip', [attempts])], { mode: 'capture', window: WINDOW }).findings;
    expect(t).toMatchObject({ severity: 'low', score: 0.4, summary: attempts.summary });
  });

  it('folds an address that served the source under several names into the strongest named row: one row, not the same traffic twice', () => {
    const outcomes = [
      outcome('beacon-ip', [beacon('10.0.0.5', { dst: '203.0.113.9' }, 0.8)]),
      outcome('beacon-fqdn', [beacon('10.0.0.5', { host: 'a.vendor.example' }, 0.7, { dsts: ['203.0.113.9'] }), beacon('10.0.0.5', { host: 'b.vendor.example' }, 0.9, { dsts: ['203.0.113.9', '203.0.113.10'] })]),
    ];
    const list = buildThreatList(outcomes, { mode: 'capture', window: WINDOW });
    expect(list.findings.map((t) => [t.key, t.hunts])).toEqual([
      ['pair|10.0.0.5|b.vendor.example', ['beacon-fqdn', 'beacon-ip']],
      ['pair|10.0.0.5|a.vendor.example', ['beacon-fqdn']],
    ]);
  });

  it('keeps an unscored pair its own words even where a prevalence answer exists (prevalence alone says nothing of it)', () => {
    const attempts: HuntFinding = { severity: 'low', summary: '198.51.100.9 → 10.0.0.5: 12 inbound connection attempts from the Internet, 0 carried data both ways', subject: { kind: 'pair', src: '198.51.100.9', dst: '10.0.0.5' }, evidence: { direction: 'inbound' } };
    const prevalence: HuntOutcome = { ...outcome('prevalence', []), prevalence: { networkSize: 20, byDst: {} } };
    const [t] = buildThreatList([outcome('beacon-ip', [attempts]), prevalence], { mode: 'capture', window: WINDOW }).findings;
    expect(t).toMatchObject({ severity: 'low', score: 0.4, summary: attempts.summary });
  });

  it('takes the largest of the uploads folded into one named row, not the first', () => {
    const upload = (dst: string, mib: number): HuntFinding => ({ severity: 'medium', summary: 'up', subject: { kind: 'pair', src: '10.0.0.5', dst }, evidence: { bytes_out: mib * 1024 * 1024, bytes_in: 0 } });
    const outcomes = [
      outcome('beacon-fqdn', [beacon('10.0.0.5', { host: 'cdn.example' }, 0.6, { dsts: ['203.0.113.1', '203.0.113.2'] })]),
      outcome('exfiltration', [upload('203.0.113.1', 30), upload('203.0.113.2', 400)]),
    ];
    const [t] = buildThreatList(outcomes, { mode: 'rita', window: WINDOW }).findings;
    expect(t?.evidence).toMatchObject({ bytesOut: 400 * 1024 * 1024 });
  });

  it('orders equal severity and score by key, whatever order the hunts answered in', () => {
    const a = beacon('10.0.0.7', { dst: '203.0.113.1' }, 0.8);
    const b = beacon('10.0.0.3', { dst: '203.0.113.2' }, 0.8);
    const one = buildThreatList([outcome('beacon-ip', [a, b])], { mode: 'rita', window: WINDOW });
    const two = buildThreatList([outcome('beacon-ip', [b, a])], { mode: 'rita', window: WINDOW });
    expect(one.findings.map((t) => t.key)).toEqual(['pair|10.0.0.3|203.0.113.2', 'pair|10.0.0.7|203.0.113.1']);
    expect(two.findings.map((t) => t.key)).toEqual(one.findings.map((t) => t.key));
  });

  it('interpolates a long connection between RITA’s buckets: 1 h is 0.2, 4 h 0.4, 12 h 0.8, under an hour nothing', () => {
    expect([longConnectionScore(3599), longConnectionScore(3600), longConnectionScore(14_400), longConnectionScore(43_200)]).toEqual([0, 0.2, 0.4, 0.8]);
    expect(longConnectionScore(9000)).toBeCloseTo(0.3, 3);
  });
});

describe("RITA's own final score, computed its way", () => {
  it('buckets as RITA does: 1 h of long connection is 0.2, 2 h 0.267, 4 h 0.4; a beacon of 0.673 is 0.338', () => {
    expect(ritaBucketed(3600, RITA_FINAL.longConnection)).toBeCloseTo(0.2, 5);
    expect(ritaBucketed(7200, RITA_FINAL.longConnection)).toBeCloseTo(0.26667, 4);
    expect(ritaBucketed(14_400, RITA_FINAL.longConnection)).toBeCloseTo(0.4, 5);
    expect(ritaBucketed(67.3, RITA_FINAL.beacon)).toBeCloseTo(0.3384, 4);
    expect(ritaBucketed(100_000, RITA_FINAL.longConnection)).toBeCloseTo(0.8, 5);
  });

  it('adds first seen and prevalence: a 2 h connection to a destination every internal host uses is 0.267 (EXPECTED.md: 0.11667 + 0.15)', () => {
    const outcomes: HuntOutcome[] = [
      outcome('long-connections', [{ severity: 'low', summary: 'long', subject: { kind: 'pair', src: '10.0.0.238', dst: '52.33.59.39' }, evidence: { total_duration: 7200.169165, connections: 1 } }]),
      { ...outcome('prevalence', []), prevalence: { networkSize: 1, byDst: { '52.33.59.39': 1 } } },
    ];
    const list = buildThreatList(outcomes, { mode: 'rita', window: WINDOW });
    expect(list.findings[0]?.evidence.ritaFinalScore).toBeCloseTo(0.11667 + 0.15, 2);
    expect(list.findings[0]?.evidence.prevalence).toBe(1);
  });
});

describe('the prevalence modifier in our score', () => {
  const pair = (dst: string): HuntFinding => beacon('10.0.0.5', { dst }, 0.7);
  it('raises a destination few of many internal hosts use and lowers one most use', () => {
    const prevalence = { networkSize: 100, byDst: { '203.0.113.1': 1, '198.51.100.1': 80 } };
    const list = buildThreatList([outcome('beacon-ip', [pair('203.0.113.1'), pair('198.51.100.1')]), { ...outcome('prevalence', []), prevalence }], { mode: 'capture', window: WINDOW });
    expect(list.findings.map((t) => [t.dst, t.score])).toEqual([['203.0.113.1', 0.85], ['198.51.100.1', 0.55]]);
  });

  it('says nothing on a network of a few hosts, where every destination is used by all', () => {
    const prevalence = { networkSize: 1, byDst: { '203.0.113.1': 1 } };
    const list = buildThreatList([outcome('beacon-ip', [pair('203.0.113.1')]), { ...outcome('prevalence', []), prevalence }], { mode: 'capture', window: WINDOW });
    expect(list.findings[0]?.score).toBe(0.7);
  });
});

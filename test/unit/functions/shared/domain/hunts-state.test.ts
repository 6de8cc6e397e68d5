import { fitThreatsToState, SERIES_KEPT_IN_STATE } from '../../../../../functions/shared/domain/hunts-state';
import type { Threat, ThreatList } from '../../../../../functions/shared/hunting/threat-list';

function threat(rank: number, evidenceChars: number, series = 0): Threat {
  return {
    rank,
    kind: 'pair',
    severity: 'high',
    score: 1 - rank / 1000,
    key: `pair|10.0.0.${rank}|203.0.113.9`,
    src: `10.0.0.${rank}`,
    dst: '203.0.113.9',
    summary: `threat #${rank}`,
    hunts: ['beacon-ip'],
    ...(series > 0
      ? { beacon: { score: 0.9, timestampScore: 1, sizeScore: 1, histogramScore: 1, durationScore: 0.6, connections: series, uniqueTimestamps: series, medianIntervalSeconds: 60, medianBytes: 500, mode: 'capture' as const, series: Array.from({ length: series }, (_, i): [number, number] => [1_800_000_000 + 60 * i, 500]) } }
      : {}),
    evidence: { note: 'x'.repeat(evidenceChars), rank },
  };
}

const list = (findings: Threat[]): ThreatList => ({ findings, mode: 'capture', window: { from: '2026-11-24T08:00:00Z', to: '2026-11-24T09:00:00Z' }, warnings: [], hunts: [] });

describe('fitting the threat list into the execution state', () => {
  it('leaves a list that fits as it is, with its true count and no truncated flag', () => {
    const fitted = fitThreatsToState(list([threat(1, 10), threat(2, 10)]));
    expect(fitted.findings.map((t) => t.key)).toEqual(['pair|10.0.0.1|203.0.113.9', 'pair|10.0.0.2|203.0.113.9']);
    expect(fitted.total).toBe(2);
    expect(fitted.truncated).toBeUndefined();
  });

  it('drops the lowest-ranked threats first until under the budget, keeping the true count', () => {
    // Prepare: 40 threats of ~400 bytes each against a 5,000-byte budget.
    const all = Array.from({ length: 40 }, (_, i) => threat(i + 1, 400));

    // Act
    const fitted = fitThreatsToState(list(all), 5000);

    // Assess
    expect(Buffer.byteLength(JSON.stringify(fitted))).toBeLessThanOrEqual(5000);
    expect(fitted.truncated).toBe(true);
    expect(fitted.total).toBe(40);
    expect(fitted.findings.length).toBeGreaterThan(0);
    expect(fitted.findings.map((t) => t.rank)).toEqual(Array.from({ length: fitted.findings.length }, (_, i) => i + 1));
  });

  it('keeps the series of the top beacon pairs and drops the others before dropping threats', () => {
    const all = Array.from({ length: 8 }, (_, i) => threat(i + 1, 10, 300));

    const fitted = fitThreatsToState(list(all), 40_000);

    expect(fitted.findings).toHaveLength(8);
    expect(fitted.findings.filter((t) => t.beacon?.series).map((t) => t.rank)).toEqual(Array.from({ length: SERIES_KEPT_IN_STATE }, (_, i) => i + 1));
    expect(fitted.findings[0]?.beacon?.series).toHaveLength(300);
  });

  it('cuts a 380 KB evidence value to a readable length and says so', () => {
    const ports = Array.from({ length: 65_535 }, (_, i) => i + 1);
    const fitted = fitThreatsToState(list([{ ...threat(1, 0), evidence: { ports } }]));
    expect((fitted.findings[0]?.evidence.ports as unknown[]).length).toBe(51);
    expect(fitted.truncated).toBe(true);
  });
});

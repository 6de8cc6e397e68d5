import { beaconSeverity, captureBins, quartiles, ritaDatasetWindow, scoreBeacon, timestampScore, histogramScore, durationScore } from '../../../../../functions/shared/hunting/beacon-score';

/** Timestamps whose successive differences are `intervals`, starting at a fixed epoch second. */
function fromIntervals(intervals: number[], start = 1_700_000_000): number[] {
  const out = [start];
  for (const d of intervals) out.push((out[out.length - 1] as number) + d);
  return out;
}

describe('RITA timestamp score vectors', () => {
  it('scores perfectly regular 60 s intervals as 1', () => {
    // Prepare
    const ts = fromIntervals(new Array(20).fill(60));
    // Act
    const score = timestampScore(ts);
    // Assess
    expect(score).toBe(1);
  });

  it('scores intervals of 98..102 s as 0.995 (Q1 99, Q2 100, Q3 101, MAD 1)', () => {
    const intervals = [98, 99, 100, 101, 102, 98, 99, 100, 101, 102];
    expect(quartiles(intervals)).toEqual({ q1: 99, q2: 100, q3: 101 });
    expect(timestampScore(fromIntervals(intervals))).toBe(0.995);
  });

  it('scores a bimodal 98/300 s series as 0.746 (Q2 199, MAD 101)', () => {
    const score = timestampScore(fromIntervals([98, 300, 98, 300, 98, 300, 98, 300]));
    expect(score).toBe(0.746);
  });

  it('drops zero intervals, so several connections in one second count as one beat', () => {
    const ts = fromIntervals([60, 0, 60, 0, 60, 60]);
    expect(timestampScore(ts)).toBe(1);
  });
});

describe('beacon candidates and the other sub-scores', () => {
  const window = { from: 1_700_000_000, to: 1_700_000_000 + 24 * 3600 };

  it('does not score a pair with fewer than 4 distinct seconds', () => {
    const ts = [window.from, window.from + 60, window.from + 120];
    expect(scoreBeacon({ timestamps: ts, sizes: [500, 500, 500], window })).toBeUndefined();
  });

  it('gives a 24 h, 5-minute, constant-size beacon the top score', () => {
    const ts = Array.from({ length: 288 }, (_, i) => window.from + i * 300);
    const s = scoreBeacon({ timestamps: ts, sizes: ts.map(() => 640), window });
    expect(s).toMatchObject({ score: 1, timestampScore: 1, sizeScore: 1, histogramScore: 1, durationScore: 1, connections: 288 });
  });

  it('gives no duration score to a pair seen in fewer than 6 hours', () => {
    const ts = Array.from({ length: 50 }, (_, i) => window.from + i * 60);
    expect(durationScore(ts, window)).toBe(0);
  });

  it('gives no histogram score to a handful of connections in one bin', () => {
    const ts = [window.from, window.from + 10, window.from + 20, window.from + 30];
    expect(histogramScore(ts, window)).toBe(0);
  });

  it("uses RITA's dataset window: the data's first to last second, its last 24 h at most", () => {
    // RITA v5 GetBeaconMinMaxTimestamps: greatest(min_ts, max_ts - 24 h) .. max_ts.
    expect(ritaDatasetWindow(1_672_940_000.5, 1_672_944_522.9)).toEqual({ from: 1_672_940_000, to: 1_672_944_522 });
    expect(ritaDatasetWindow(1_600_000_000, 1_672_944_522.9)).toEqual({ from: 1_672_944_522 - 86_400, to: 1_672_944_522 });
  });

  it('buckets beacon scores at 0.5 / 0.7 / 0.9 / 1.0', () => {
    expect([0.49, 0.5, 0.7, 0.9, 1].map(beaconSeverity)).toEqual(['info', 'low', 'medium', 'high', 'critical']);
  });
});

describe('the capture scoring mode (the capture is the window)', () => {
  const from = 1_800_000_000;
  const hour = { from, to: from + 3600 };
  const regular = (interval: number, span: number): number[] => Array.from({ length: Math.floor(span / interval) }, (_, i) => from + i * interval);

  it('scores a perfectly regular beacon covering a one-hour capture at 0.9 or more', () => {
    const ts = regular(60, 3600);
    const sizes = ts.map(() => 512);
    expect(scoreBeacon({ timestamps: ts, sizes, window: hour, mode: 'capture' })?.score).toBeGreaterThanOrEqual(0.9);
  });

  it('judges a beacon slower than a 24th of the capture on as many bins as its intervals allow', () => {
    expect(captureBins(hour, 300)).toBe(12);
    expect(captureBins(hour, 30)).toBe(24);
    expect(captureBins(hour, 1800)).toBe(4);
  });

  it('trusts time spread over fewer than 12 of the beacon’s intervals in proportion: 6 beats in an hour score less than 60', () => {
    const slow = regular(600, 3600);
    const fast = regular(60, 3600);
    const a = scoreBeacon({ timestamps: slow, sizes: slow.map(() => 512), window: hour, mode: 'capture' });
    const b = scoreBeacon({ timestamps: fast, sizes: fast.map(() => 512), window: hour, mode: 'capture' });
    expect(a?.score).toBeLessThan(b?.score ?? 0);
    expect(a?.histogramScore).toBeLessThanOrEqual(0.5);
  });
});

describe('the RITA-exact mode (RITA v5 analysis/beacons.go, for calibration)', () => {
  const from = 1_800_000_000;
  const regular = (interval: number, span: number, start = from): number[] => Array.from({ length: Math.floor(span / interval) }, (_, i) => start + i * interval);

  it('judges a one-hour dataset on 24 bins of that hour, as RITA does, so a regular beacon through it scores 0.9 or more', () => {
    const ts = regular(60, 3600);
    const s = scoreBeacon({ timestamps: ts, sizes: ts.map(() => 512), window: ritaDatasetWindow(from, from + 3599), mode: 'rita' });
    expect(s?.histogramScore).toBeGreaterThanOrEqual(0.9);
    expect(s?.durationScore).toBe(1);
    expect(s?.score).toBeGreaterThanOrEqual(0.9);
  });

  it('gives the duration score as the share of the dataset between first and last connection, rounded up, from 6 bars on', () => {
    // A 10-hour dataset; the pair covers its first 5 hours every minute: 12 of 24 bins, a run of 12.
    const dataset = ritaDatasetWindow(from, from + 10 * 3600);
    const ts = regular(60, 5 * 3600);
    const s = scoreBeacon({ timestamps: ts, sizes: ts.map(() => 100), window: dataset, mode: 'rita' });
    // coverage ceil((18000 - 60) / 36000, 3) = 0.499; the run of 12 bars / 12 = 1.
    expect(s?.durationScore).toBe(1);
    const short = regular(60, 3600 + 1800);
    // 3 of 24 bins: fewer than 6 bars, no duration score.
    expect(scoreBeacon({ timestamps: short, sizes: short.map(() => 100), window: dataset, mode: 'rita' })?.durationScore).toBe(0);
  });

  it('counts a bimodal histogram with one bar discounted as an outlier', () => {
    // 24 h dataset; 12 hours with 60 connections, 10 with 30 and one with 10, one hour empty: the
    // two fullest height buckets hold 22 of 23 bars, 22 / (23 - 1) = 1 (without the discount, 0.957).
    const dataset = ritaDatasetWindow(from, from + 24 * 3600 - 1);
    const ts: number[] = [];
    for (let h = 0; h < 23; h += 1) ts.push(...regular(h < 12 ? 60 : h < 22 ? 120 : 360, 3600, from + h * 3600));
    expect(scoreBeacon({ timestamps: ts, sizes: ts.map(() => 100), window: dataset, mode: 'rita' })?.histogramScore).toBe(1);
  });
});

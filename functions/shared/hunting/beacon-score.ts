/**
 * Beacon scoring after RITA v5's published formulas (activecm/rita, the open-source sibling of
 * AI-Hunter): a statistical score for the intervals between connections and for their sizes, a
 * histogram score for how evenly connections spread over the window, and a duration score for
 * how much of the window they cover; equal weights. Re-implemented from the formulas in
 * `hunting.md`, not from RITA's code. Pure: every input, including the window, is passed in.
 */
import { severityOf, type Severity } from './severity';

export interface BeaconWindow {
  /** Epoch seconds, inclusive. */
  from: number;
  /** Epoch seconds, exclusive. */
  to: number;
}

export interface BeaconScore {
  score: number;
  timestampScore: number;
  sizeScore: number;
  histogramScore: number;
  durationScore: number;
  connections: number;
  uniqueTimestamps: number;
  medianIntervalSeconds: number;
  medianBytes: number;
}

/** RITA only scores pairs with at least this many distinct seconds... */
export const MIN_UNIQUE_TIMESTAMPS = 4;
/**
 * ...and fewer connections than this in a day; above it the pair is a strobe, not a beacon. Applied
 * prorated to the scored window (one connection a second on average), as the strobe hunt does.
 */
export const STROBE_CONNECTIONS_PER_DAY = 86_400;

/** Connections from which a pair over `window` is a strobe: RITA's 86,400 a day, one a second. */
export function strobeLimit(window: BeaconWindow): number {
  return Math.max(1, Math.ceil(((window.to - window.from) * STROBE_CONNECTIONS_PER_DAY) / 86_400));
}

const HISTOGRAM_BINS = 24;
/** How the beacon queries pack a connection into one number: `second * PACKED_BEAT + size` (size below it). */
export const PACKED_BEAT = 1_000_000;
const BIMODAL_MIN_BINS = 11;
const DURATION_MIN_HOURS = 6;
const CONSECUTIVE_HOURS_FOR_FULL_SCORE = 12;

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Numeric sort on a typed array: several times faster than Array#sort with a comparator, and scoring sorts a lot. */
const sortedCopy = (values: ArrayLike<number>): Float64Array => Float64Array.from(values).sort();

function median(sorted: ArrayLike<number>): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function quartilesOfSorted(sorted: Float64Array): { q1: number; q2: number; q3: number } {
  const half = Math.floor(sorted.length / 2);
  return { q1: median(sorted.subarray(0, half)), q2: median(sorted), q3: median(sorted.subarray(sorted.length - half)) };
}

/** Q1/Q3 are the medians of the lower and upper halves, leaving out the middle value when n is odd. */
export function quartiles(values: readonly number[]): { q1: number; q2: number; q3: number } {
  return quartilesOfSorted(sortedCopy(values));
}

function bowleyOfSorted(sorted: Float64Array): number {
  const { q1, q2, q3 } = quartilesOfSorted(sorted);
  // Small spreads make the ratio meaningless (and ±1 on jitter of a second), so RITA forces 0.
  if (q3 - q1 < 10 || q2 === q1 || q2 === q3) return 0;
  return (q1 + q3 - 2 * q2) / (q3 - q1);
}

export function bowleySkew(values: readonly number[]): number {
  return bowleyOfSorted(sortedCopy(values));
}

function madOfSorted(sorted: Float64Array): { median: number; mad: number } {
  const m = median(sorted);
  const deviations = new Float64Array(sorted.length);
  for (let i = 0; i < sorted.length; i += 1) deviations[i] = Math.abs((sorted[i] as number) - m);
  return { median: m, mad: median(deviations.sort()) };
}

export function medianAbsoluteDeviation(values: readonly number[]): { median: number; mad: number } {
  return madOfSorted(sortedCopy(values));
}

function seriesScoreOfSorted(sorted: Float64Array, defaultMadScore: number): number {
  const { median: m, mad } = madOfSorted(sorted);
  const madScore = m >= 1 ? Math.max(0, (m - mad) / m) : defaultMadScore;
  return round3((1 - Math.abs(bowleyOfSorted(sorted)) + madScore) / 2);
}

/** `round(((1 − |bowley|) + madScore) / 2, 3)`; `defaultMadScore` applies when the median is below 1. */
export function seriesScore(values: readonly number[], defaultMadScore: number): number {
  return seriesScoreOfSorted(sortedCopy(values), defaultMadScore);
}

/** Positive differences between successive values of an ascending series. */
function positiveSteps(sorted: ArrayLike<number>): Float64Array {
  const out = new Float64Array(Math.max(0, sorted.length - 1));
  let n = 0;
  for (let i = 1; i < sorted.length; i += 1) {
    const d = (sorted[i] as number) - (sorted[i - 1] as number);
    if (d > 0) out[n++] = d;
  }
  return out.subarray(0, n);
}

/** Intervals between whole-second timestamps, zeros dropped (several connections in one second are one beat). */
export function intervalsOf(timestamps: readonly number[]): number[] {
  const sorted = new Float64Array(timestamps.length);
  for (let i = 0; i < timestamps.length; i += 1) sorted[i] = Math.floor(timestamps[i] as number);
  return Array.from(positiveSteps(sorted.sort()));
}

export function timestampScore(timestamps: readonly number[]): number {
  return intervalScoreOfSorted(sortedCopy(intervalsOf(timestamps)));
}

function intervalScoreOfSorted(sortedIntervals: Float64Array): number {
  return sortedIntervals.length >= 3 ? seriesScoreOfSorted(sortedIntervals, 1) : 0;
}

function sizeScoreOfSorted(sortedSizes: Float64Array): number {
  return sortedSizes.length >= 3 ? seriesScoreOfSorted(sortedSizes, 0) : 0;
}

export function sizeScore(sizes: readonly number[]): number {
  return sizeScoreOfSorted(sortedCopy(sizes));
}

function binCounts(timestamps: ArrayLike<number>, window: BeaconWindow, bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  const width = (window.to - window.from) / bins;
  if (width <= 0) return counts;
  for (let k = 0; k < timestamps.length; k += 1) {
    const t = timestamps[k] as number;
    if (t < window.from || t >= window.to) continue;
    const i = Math.min(bins - 1, Math.floor((t - window.from) / width));
    counts[i] = (counts[i] as number) + 1;
  }
  return counts;
}

/**
 * max(1 − coefficient of variation of the bin counts, fit of a two-height ("bimodal") bar chart).
 * RITA's 24 bins by default; fewer in the capture mode (see `captureBins`), with the bimodal
 * minimum of non-empty bins scaled with them (RITA: 11 of 24).
 */
export function histogramScore(timestamps: ArrayLike<number>, window: BeaconWindow, bins: number = HISTOGRAM_BINS): number {
  const counts = binCounts(timestamps, window, bins);
  const bimodalMinBins = Math.ceil((BIMODAL_MIN_BINS * bins) / HISTOGRAM_BINS);
  const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
  if (mean === 0) return 0;
  const sd = Math.sqrt(counts.reduce((a, c) => a + (c - mean) ** 2, 0) / counts.length);
  const cv = sd / mean;
  const cvScore = cv > 1 ? 0 : 1 - cv;

  let bimodal = 0;
  const nonEmpty = counts.filter((c) => c > 0);
  if (nonEmpty.length >= bimodalMinBins) {
    const bucketWidth = Math.max(1, Math.ceil(0.05 * Math.max(...nonEmpty)));
    const buckets = new Map<number, number>();
    for (const c of nonEmpty) {
      const b = Math.floor(c / bucketWidth);
      buckets.set(b, (buckets.get(b) ?? 0) + 1);
    }
    const top = [...buckets.values()].sort((a, b) => b - a);
    bimodal = ((top[0] ?? 0) + (top[1] ?? 0)) / nonEmpty.length;
  }
  return round3(Math.max(cvScore, bimodal));
}

/**
 * How much of the window the pair spans, or its longest run of active hours against 12; needs 6
 * active hours. In the capture mode (`bins` given) the window is cut into `bins` equal slots
 * instead of hours, and RITA's 6 and 12 of 24 become the same shares of the slots.
 */
export function durationScore(timestamps: ArrayLike<number>, window: BeaconWindow, bins?: number): number {
  const slot = bins === undefined ? 3600 : (window.to - window.from) / bins;
  const hours = bins ?? Math.max(1, Math.ceil((window.to - window.from) / 3600));
  const minActive = bins === undefined ? DURATION_MIN_HOURS : Math.max(1, Math.ceil((DURATION_MIN_HOURS * bins) / HISTOGRAM_BINS));
  const idealRun = bins === undefined ? CONSECUTIVE_HOURS_FOR_FULL_SCORE : Math.max(1, (CONSECUTIVE_HOURS_FOR_FULL_SCORE * bins) / HISTOGRAM_BINS);
  if (!(slot > 0)) return 0;
  const active = new Array<boolean>(hours).fill(false);
  for (let k = 0; k < timestamps.length; k += 1) {
    const t = timestamps[k] as number;
    if (t < window.from || t >= window.to) continue;
    active[Math.min(hours - 1, Math.floor((t - window.from) / slot))] = true;
  }
  if (active.filter(Boolean).length < minActive) return 0;
  const first = active.indexOf(true);
  const last = active.lastIndexOf(true);
  const coverage = (last - first + 1) / hours;
  let run = 0;
  let longest = 0;
  for (const a of active) {
    run = a ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return round3(Math.min(1, Math.max(coverage, longest / idealRun)));
}

/**
 * The capture mode's bins: RITA's 24 over the window, or fewer when the beacon's median interval
 * is longer than a 24th of the window (a 10-minute beacon in a one-hour capture cannot fill
 * 2.5-minute bins; judged at that resolution a perfect beacon would score 0 on the histogram).
 * At least 4, so a handful of connections is never a perfect histogram by construction.
 */
export function captureBins(window: BeaconWindow, medianIntervalSeconds: number): number {
  const span = window.to - window.from;
  if (!(medianIntervalSeconds > 0) || !(span > 0)) return HISTOGRAM_BINS;
  return Math.max(4, Math.min(HISTOGRAM_BINS, Math.floor(span / medianIntervalSeconds)));
}

/** Sorts packed beats in place and splits those with a second in the bounds into seconds (ascending) and sizes. */
function unpackBeats(packed: Float64Array, beat: number, from: number, to: number, toInclusive: boolean): { ts: Float64Array; sizes: Float64Array } {
  packed.sort();
  const ts = new Float64Array(packed.length);
  const sizes = new Float64Array(packed.length);
  let n = 0;
  for (let i = 0; i < packed.length; i += 1) {
    const v = packed[i] as number;
    const t = Math.floor(v / beat);
    if (t < from || t > to || (t === to && !toInclusive)) continue;
    ts[n] = t;
    sizes[n] = v - t * beat;
    n += 1;
  }
  return { ts: ts.subarray(0, n), sizes: sizes.subarray(0, n) };
}

function distinctCount(sorted: Float64Array): number {
  let unique = sorted.length > 0 ? 1 : 0;
  for (let i = 1; i < sorted.length; i += 1) if (sorted[i] !== sorted[i - 1]) unique += 1;
  return unique;
}

/**
 * The parts both modes share: the interval and size scores, and the score from four components
 * (`time`: the duration and histogram scores, each mode its own).
 */
function scoreWith(ts: Float64Array, sizes: Float64Array, unique: number, time: (intervals: Float64Array) => { duration: number; histogram: number }): BeaconScore {
  const intervals = positiveSteps(ts).sort();
  const sortedSizes = sizes.sort();
  const t = intervalScoreOfSorted(intervals);
  const s = sizeScoreOfSorted(sortedSizes);
  const { duration: d, histogram: h } = time(intervals);
  return {
    score: round3(0.25 * t + 0.25 * s + 0.25 * d + 0.25 * h),
    timestampScore: t,
    sizeScore: s,
    histogramScore: h,
    durationScore: d,
    connections: ts.length,
    uniqueTimestamps: unique,
    medianIntervalSeconds: median(intervals),
    medianBytes: median(sortedSizes),
  };
}

/** The capture mode: seconds in ascending order, already cut to the window, and their sizes. */
function scoreCapture(ts: Float64Array, sizes: Float64Array, window: BeaconWindow): BeaconScore | undefined {
  const unique = distinctCount(ts);
  if (unique < MIN_UNIQUE_TIMESTAMPS || ts.length >= strobeLimit(window)) return undefined;
  return scoreWith(ts, sizes, unique, (intervals) => {
    const bins = captureBins(window, median(intervals));
    // Over fewer than 12 of its own intervals a pair's spread in time is weak evidence (RITA wants 12
    // consecutive hours for a full duration score): the time components count in proportion.
    const confidence = Math.min(1, bins / CONSECUTIVE_HOURS_FOR_FULL_SCORE);
    return { duration: round3(confidence * durationScore(ts, window, bins)), histogram: round3(confidence * histogramScore(ts, window, bins)) };
  });
}

/**
 * Scores one pair. `timestamps` and `sizes` are per connection. In the capture mode (the default)
 * both are cut to the window first; in the RITA-exact mode the window is RITA's dataset
 * (`ritaDatasetWindow`).
 */
export function scoreBeacon(input: { timestamps: readonly number[]; sizes: readonly number[]; window: BeaconWindow; mode?: 'rita' | 'capture' }): BeaconScore | undefined {
  const packed = Float64Array.from(input.timestamps, (t, i) => Math.floor(t) * PACKED_BEAT + Math.min(PACKED_BEAT - 1, Math.max(0, Math.round(input.sizes[i] ?? 0))));
  return input.mode === 'rita' ? scorePackedBeatsRita(packed, PACKED_BEAT, input.window) : scorePackedBeats(packed, PACKED_BEAT, input.window);
}

/**
 * Scores one pair in the capture mode from packed beats: each connection as `second * beat + size`
 * (size < beat). The values are sorted in place, which orders them by second.
 */
export function scorePackedBeats(packed: Float64Array, beat: number, window: BeaconWindow): BeaconScore | undefined {
  const { ts, sizes } = unpackBeats(packed, beat, window.from, window.to, false);
  return scoreCapture(ts, sizes, window);
}

/**
 * RITA's dataset window for beacons: from the oldest to the newest connection of the dataset, its
 * last 24 hours at most (RITA v5 `GetBeaconMinMaxTimestamps`: `greatest(min_ts, max_ts − 24 h)` ..
 * `max_ts` over the conn log). Whole seconds; unlike `BeaconWindow.to` in the capture mode, `to` is
 * the newest second itself and belongs to the window.
 */
export function ritaDatasetWindow(oldestTs: number, newestTs: number): BeaconWindow {
  const to = Math.floor(newestTs);
  return { from: Math.max(Math.floor(oldestTs), to - 24 * 3600), to };
}

interface RitaHistogram {
  counts: number[];
  /** Non-empty bins. */
  bars: number;
  /** Longest run of non-empty bins, wrapping from the last bin to the first. */
  longestRun: number;
}

/**
 * RITA's connection histogram: 24 equal bins from the dataset's first to its last second; a
 * timestamp before the first edge counts in the first bin and one at the last edge in the last.
 */
function ritaHistogram(ts: ArrayLike<number>, dataset: BeaconWindow): RitaHistogram {
  const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
  const step = (dataset.to - dataset.from) / HISTOGRAM_BINS;
  for (let k = 0; k < ts.length; k += 1) {
    const i = Math.min(HISTOGRAM_BINS - 1, Math.max(0, Math.floor(((ts[k] as number) - dataset.from) / step)));
    counts[i] = (counts[i] as number) + 1;
  }
  let bars = 0;
  let run = 0;
  let longestRun = 0;
  for (let i = 0; i < 2 * HISTOGRAM_BINS; i += 1) {
    if ((counts[i % HISTOGRAM_BINS] as number) > 0) run += 1;
    else {
      longestRun = Math.max(longestRun, run);
      run = 0;
    }
    if (i < HISTOGRAM_BINS && (counts[i] as number) > 0) bars += 1;
  }
  return { counts, bars, longestRun: Math.min(HISTOGRAM_BINS, Math.max(longestRun, run)) };
}

/**
 * RITA's histogram score: max(1 − CV of the bin counts, bimodal fit). The bimodal fit groups the
 * non-empty bars by height in buckets of ceil(5% of the tallest bar) and takes the share of bars
 * in the two fullest buckets, one bar discounted as an outlier; only with 11 bars or more.
 */
function ritaHistogramScore(h: RitaHistogram): number {
  const total = h.counts.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  const mean = total / h.counts.length;
  const sd = Math.sqrt(h.counts.reduce((a, c) => a + (c - mean) ** 2, 0) / h.counts.length);
  const cv = sd / mean;
  const cvScore = cv > 1 ? 0 : round3(1 - cv);
  let bimodal = 0;
  if (h.bars >= BIMODAL_MIN_BINS) {
    const width = Math.ceil(0.05 * Math.max(...h.counts));
    const buckets = new Map<number, number>();
    for (const c of h.counts) if (c > 0) buckets.set(Math.floor(c / width), (buckets.get(Math.floor(c / width)) ?? 0) + 1);
    const top = [...buckets.values()].sort((a, b) => b - a);
    bimodal = Math.min(1, round3(((top[0] ?? 0) + (top[1] ?? 0)) / Math.max(h.bars - 1, 1)));
  }
  return Math.max(cvScore, bimodal);
}

/**
 * RITA's duration score, with 6 bars or more: max(the share of the dataset between the pair's first
 * and last connection, the longest run of bars / 12), each rounded up to 3 decimals, at most 1.
 */
function ritaDurationScore(first: number, last: number, h: RitaHistogram, dataset: BeaconWindow): number {
  if (h.bars < DURATION_MIN_HOURS) return 0;
  const up3 = (x: number): number => Math.min(1, Math.ceil(x * 1000) / 1000);
  return Math.max(up3((last - first) / (dataset.to - dataset.from)), up3(h.longestRun / CONSECUTIVE_HOURS_FOR_FULL_SCORE));
}

/**
 * Scores one pair exactly as RITA v5 does (the calibration mode): `packed` as for `scorePackedBeats`
 * (sorted in place), `dataset` from `ritaDatasetWindow`. RITA aggregates by the hour, so a pair's
 * connections count from the start of the dataset's first hour; needs 4 distinct seconds and fewer
 * than 86,400 connections.
 */
export function scorePackedBeatsRita(packed: Float64Array, beat: number, dataset: BeaconWindow): BeaconScore | undefined {
  if (!(dataset.to > dataset.from)) return undefined;
  const { ts, sizes } = unpackBeats(packed, beat, Math.floor(dataset.from / 3600) * 3600, dataset.to, true);
  const unique = distinctCount(ts);
  if (unique < MIN_UNIQUE_TIMESTAMPS || ts.length >= STROBE_CONNECTIONS_PER_DAY) return undefined;
  return scoreWith(ts, sizes, unique, () => {
    const h = ritaHistogram(ts, dataset);
    return { duration: ritaDurationScore(ts[0] as number, ts[ts.length - 1] as number, h, dataset), histogram: ritaHistogramScore(h) };
  });
}

/** RITA's severity buckets on score × 100: 50 / 70 / 90 / 100 (thresholds in `severity.ts`). */
export function beaconSeverity(score: number): Severity {
  return severityOf('beaconScore', score);
}

/**
 * The ranked threat list: the one shape the CLI (`hunt --format json|html|text`), the
 * investigation report (Markdown, HTML, report.json) and the notification all read.
 *
 * One `Threat` per pair (src → dst, or src → server name for SNI/HTTP/proxy), merging what the
 * beacon, long-connection, strobe and modifier hunts say of it; the other hunts (scan, DGA,
 * tunnelling, exfiltration, TLS, pivots, Zeek notices, SSH) rank beside it by severity, then
 * score, then `key` (stable: the same input always gives the same order).
 */
import type { HuntFinding, HuntOutcome, Prevalence } from './pack';
import { SEVERITY_RANK, severityOf, type Severity } from './severity';

export type ScoringMode =
  /** The capture is the window: duration and histogram are relative to it (investigations, short captures). */
  | 'capture'
  /** RITA v5's own scoring (its dataset: the in-scope connections' span, 24 h at most), for calibration against RITA's answers. */
  | 'rita';

export type ThreatKind =
  | 'pair'
  | 'port-scan'
  | 'dga'
  | 'dns-tunnelling'
  | 'exfiltration'
  | 'tls'
  | 'pivot-ip'
  | 'pivot-domain'
  | 'zeek-notice'
  | 'ssh';

export interface BeaconComponents {
  score: number;
  timestampScore: number;
  sizeScore: number;
  histogramScore: number;
  durationScore: number;
  connections: number;
  uniqueTimestamps: number;
  medianIntervalSeconds: number;
  medianBytes: number;
  mode: ScoringMode;
  /**
   * Connection start (epoch seconds) and bytes sent by the source, in time order, for plotting
   * the interval histogram and size over time. Present on the top-ranked beacons only, at most
   * `MAX_SERIES_POINTS` points (evenly thinned when longer), so the list fits the execution state.
   */
  series?: Array<[number, number]>;
}

export const MAX_SERIES_POINTS = 300;

export interface Threat {
  /** 1-based position in the list. */
  rank: number;
  kind: ThreatKind;
  severity: Severity;
  /** 0..1; for a pair, the merged score; for other kinds, the hunt's own measure mapped to 0..1. */
  score: number;
  /** Stable identity: kind plus the pair or subject, e.g. `pair|10.0.0.5|203.0.113.9`. */
  key: string;
  src: string;
  /** Destination address, when there is one. */
  dst?: string;
  /** Server name (SNI / HTTP Host / proxy CONNECT) when the pair is by name. */
  host?: string;
  /** One line a responder reads first. */
  summary: string;
  /** The hunts (query names) that contributed. */
  hunts: string[];
  /** Present for pairs scored as beacons. */
  beacon?: BeaconComponents;
  /**
   * Everything else a person or a program needs, in plain units: `durationSeconds` (summed, as
   * RITA), `connectedSeconds` (time a session was open), `durationByName`, `bytesOut`, `bytesIn`,
   * `bytesOutPerDay` (capture mode), `ports` (numbers), `firstSeen` / `lastSeen` (ISO 8601),
   * `connections`, `ritaFinalScore`, and the modifiers that moved the score
   * (`modifiers: [{ name, delta, detail }]`).
   */
  evidence: Record<string, unknown>;
}

export interface ThreatList {
  /** Best first. */
  findings: Threat[];
  /** How many threats there were before any were dropped to fit (`truncated`). Absent: all are listed. */
  total?: number;
  /** Lower-ranked threats (or long evidence) were left out to fit the execution state; `total` is the true count. */
  truncated?: boolean;
  mode: ScoringMode;
  window: { from: string; to: string };
  /** One line each: logs present but not read, loaded but unused, relative times, non-overlapping captures. */
  warnings: string[];
  /** Per hunt: rows, elapsed time, errors, a LIMIT reached. */
  hunts: Array<{ name: string; title: string; rowsReturned: number; elapsedMs: number; error?: string; limitReached?: number; bytesScanned?: number }>;
}

/** Modifier weights (RITA's, hunting.md): added to a pair's base score, each at most once. */
export const MODIFIERS = {
  rareSignature: 0.15,
  missingHost: 0.1,
} as const;

/**
 * RITA's impact category scores (none 0.2 … high 0.8, critical 1): what a pair's long connection
 * or strobe alone is worth before modifiers. A long connection is interpolated between the
 * category scores of the buckets it falls between, so 5 h outranks 4 h.
 */
const CATEGORY_SCORE: Record<Severity, number> = { info: 0, low: 0.4, medium: 0.6, high: 0.8, critical: 1 };
const LONG_CONNECTION_STEPS: Array<[seconds: number, score: number]> = [
  [3600, 0.2],
  [14_400, 0.4],
  [28_800, 0.6],
  [43_200, 0.8],
  [86_400, 1],
];

function interpolate(steps: Array<[number, number]>, x: number): number {
  if (!(x >= (steps[0] as [number, number])[0])) return 0;
  for (let i = 1; i < steps.length; i += 1) {
    const [s1, v1] = steps[i] as [number, number];
    const [s0, v0] = steps[i - 1] as [number, number];
    if (x < s1) return round3(v0 + ((x - s0) / (s1 - s0)) * (v1 - v0));
  }
  return 1;
}

export function longConnectionScore(seconds: number): number {
  return interpolate(LONG_CONNECTION_STEPS, seconds);
}

/** An upload on the exfiltration hunt's buckets (10 / 50 / 500 MiB / 5 GiB), scored like a long connection. */
const MIB = 1024 * 1024;
export function exfiltrationScore(bytesOut: number): number {
  return interpolate([[10 * MIB, 0.4], [50 * MIB, 0.6], [500 * MIB, 0.8], [5 * 1024 * MIB, 1]], bytesOut);
}

/**
 * Volume thresholds are per day (RITA judges a 24 h dataset; the strobe line, 86,400 a day, is
 * prorated to the window the same way). In the capture mode an upload is judged at its daily
 * rate: 40 MiB in a 90-minute capture is a 640 MiB day. At most ×24: a capture shorter than an
 * hour counts as an hour, so a burst is not extrapolated from minutes. The RITA-exact mode: ×1.
 */
export const MAX_DAILY_FACTOR = 24;
export function dailyFactor(mode: ScoringMode, window: { from: string; to: string }): number {
  const seconds = (Date.parse(window.to) - Date.parse(window.from)) / 1000;
  if (mode !== 'capture' || !(seconds > 0)) return 1;
  return Math.min(MAX_DAILY_FACTOR, Math.max(1, 86_400 / seconds));
}

/** Each further hunt that independently flags the pair (beacon, long connection, upload, strobe) adds this. */
export const CORROBORATION = 0.1;

/** A strobe is RITA's "high" impact by default. */
export const STROBE_SCORE = CATEGORY_SCORE.high;

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Findings of other kinds carry a severity; their score within it is the category score. */
function scoreOfSeverity(severity: Severity): number {
  return severity === 'info' ? 0.1 : CATEGORY_SCORE[severity];
}

/** How many of the best beacon pairs keep their connection series (plots in the report). */
export const SERIES_KEPT_FOR_TOP = 10;

interface Part {
  hunt: string;
  finding: HuntFinding;
}

const pairKey = (src: string, peer: string): string => `pair|${src}|${peer}`;

function byRank(a: Threat, b: Threat): number {
  return SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || b.score - a.score || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * RITA v5's bucketed threat score (`calculateBucketedScore`, activecm/rita analysis): below the
 * base threshold 0; between base and low from 0.2 (none) to 0.4 (low); low to medium 0.4 to 0.6;
 * medium to high 0.6 to 0.8, capped at high.
 */
export function ritaBucketed(value: number, [base, low, medium, high]: readonly [number, number, number, number]): number {
  if (value < base) return 0;
  if (value < low) return 0.2 + ((value - base) / (low - base)) * 0.2;
  if (value < medium) return 0.4 + ((value - low) / (medium - low)) * 0.2;
  return 0.6 + ((Math.min(value, high) - medium) / (high - medium)) * 0.2;
}

/**
 * RITA's thresholds and modifiers (activecm/rita default_config.hjson and analysis code): long
 * connection 1/4/8/12 h; strobe in the "high" category (0.8); modifiers first seen +0.15
 * (everything in a fresh capture is new), prevalence ≤ 2% +0.15 / ≥ 50% −0.15, missing Host +0.10,
 * rare signature +0.15. Beacon: 50/75/90/100, the thresholds RITA's integration tests run with —
 * its published final scores (rita-conformance/EXPECTED.md: 0.673 → 0.18839 + 0.15) reproduce
 * with 75 and not with the 70 that default_config.hjson ships.
 */
export const RITA_FINAL = {
  beacon: [50, 75, 90, 100] as const,
  longConnection: [3600, 14_400, 28_800, 43_200] as const,
  strobe: 0.8,
  firstSeen: 0.15,
  prevalenceLow: { share: 0.02, delta: 0.15 },
  prevalenceHigh: { share: 0.5, delta: -0.15 },
};

/** Internal hosts below which prevalence is not a modifier of our score (RITA's final score still applies it). */
export const PREVALENCE_MIN_NETWORK = 10;

function prevalenceShare(prevalence: Prevalence | undefined, addresses: string[], host?: string): number | undefined {
  if (!prevalence || prevalence.networkSize === 0) return undefined;
  // A server name asked of a proxy: its prevalence by name, where the RITA-exact mode counted it.
  if (host !== undefined) return prevalence.byHost?.[host] !== undefined ? prevalence.byHost[host] / prevalence.networkSize : undefined;
  if (addresses.length === 0) return undefined;
  return Math.max(...addresses.map((a) => prevalence.byDst[a] ?? 0)) / prevalence.networkSize;
}

function mergePair(key: string, parts: Part[], prevalence: Prevalence | undefined, perDay: number, mode: ScoringMode): Threat {
  const first = parts[0]?.finding.subject;
  const src = first?.src ?? '';
  const host = parts.map((p) => p.finding.subject?.host).find((h) => h !== undefined && h !== '');
  const addresses = [...new Set(parts.flatMap((p) => {
    const e = p.finding.evidence;
    const dsts = Array.isArray(e.dsts) ? (e.dsts as unknown[]).map(String) : [];
    return [p.finding.subject?.dst, ...dsts].filter((d): d is string => typeof d === 'string' && d !== '');
  }))].sort();
  const beacon = parts.map((p) => p.finding.beacon).filter((b): b is BeaconComponents => b !== undefined).sort((a, b) => b.score - a.score)[0];
  // Several addresses folded into one named row each bring their own findings: the largest counts.
  const largest = (hunt: string, field: string): Record<string, unknown> | undefined =>
    parts.filter((p) => p.hunt === hunt).map((p) => p.finding.evidence).sort((a, b) => (num(b[field]) ?? 0) - (num(a[field]) ?? 0))[0];
  const long = largest('long-connections', mode === 'capture' ? 'connected_seconds' : 'total_duration');
  const strobe = largest('strobe', 'connections');
  const exfil = largest('exfiltration', 'bytes_out');
  // RITA's long connection is the durations summed; ours, in the capture mode, the time a session
  // was open (overlapping connections counted once, within the capture).
  const longSeconds = num(long?.total_duration) ?? 0;
  const connected = num(long?.connected_seconds) ?? longSeconds;
  const components = { beacon: beacon?.score ?? 0, longConnection: longConnectionScore(mode === 'capture' ? connected : longSeconds), strobe: strobe ? STROBE_SCORE : 0, exfiltration: exfiltrationScore((num(exfil?.bytes_out) ?? 0) * perDay) };
  const base = Math.max(components.beacon, components.longConnection, components.strobe, components.exfiltration);
  const modifiers: Array<{ name: string; delta: number; detail: string }> = [];
  const flagged = Object.entries(components).filter(([, v]) => v > 0).map(([k]) => k);
  if (flagged.length > 1) modifiers.push({ name: 'corroborated', delta: round3(CORROBORATION * (flagged.length - 1)), detail: `flagged by ${flagged.length} hunts (${flagged.join(', ')})` });
  const rare = parts.find((p) => p.hunt === 'rare-user-agent' || p.hunt === 'rare-ja3');
  if (rare) {
    const e = rare.finding.evidence;
    modifiers.push({ name: 'rare-signature', delta: MODIFIERS.rareSignature, detail: e.user_agent !== undefined ? `user agent "${String(e.user_agent)}" used for this destination only` : `JA3 ${String(e.ja3)} used for this destination only` });
  }
  // RITA's prevalence modifier, where a network makes it meaningful: a destination one of many
  // internal hosts talks to is rarer than one they all use. With a handful of hosts (one
  // investigated instance) every destination is "used by all" and the modifier says nothing.
  const shareOf = prevalenceShare(prevalence, addresses, host);
  if (shareOf !== undefined && (prevalence?.networkSize ?? 0) >= PREVALENCE_MIN_NETWORK) {
    if (shareOf <= RITA_FINAL.prevalenceLow.share) modifiers.push({ name: 'rare-destination', delta: RITA_FINAL.prevalenceLow.delta, detail: `contacted by ${Math.round(shareOf * 1000) / 10}% of ${prevalence?.networkSize} internal hosts` });
    else if (shareOf >= RITA_FINAL.prevalenceHigh.share) modifiers.push({ name: 'common-destination', delta: RITA_FINAL.prevalenceHigh.delta, detail: `contacted by ${Math.round(shareOf * 100)}% of ${prevalence?.networkSize} internal hosts` });
  }
  const noHost = parts.find((p) => p.hunt === 'http-no-host');
  if (noHost) modifiers.push({ name: 'missing-host-header', delta: MODIFIERS.missingHost, detail: `${String(noHost.finding.evidence.requests)} HTTP request(s) without a Host header` });
  const score = round3(Math.max(0, Math.min(1, base + modifiers.reduce((n, m) => n + m.delta, 0))));
  // RITA's own final score, computed its way (for calibration and for readers who know RITA).
  const share = shareOf;
  // RITA keys a named connection (TLS SNI, HTTP Host as sent) by that name and the rest by address:
  // its long-connection rows are the per-name totals and the unnamed remainder, each bucketed alone.
  const byName = Array.isArray(long?.byName) ? (long.byName as Array<{ seconds: number }>) : [];
  const ritaLongRows = byName.length > 0 ? [...byName.map((n) => n.seconds), longSeconds - byName.reduce((t, n) => t + n.seconds, 0)] : [longSeconds];
  const ritaLong = Math.max(0, ...ritaLongRows.map((sec) => (sec >= RITA_FINAL.longConnection[0] ? ritaBucketed(sec, RITA_FINAL.longConnection) : 0)));
  const ritaBase = Math.max(beacon ? ritaBucketed(beacon.score * 100, RITA_FINAL.beacon) : 0, ritaLong, strobe ? RITA_FINAL.strobe : 0);
  const ritaPrevalence = share === undefined ? 0 : share <= RITA_FINAL.prevalenceLow.share ? RITA_FINAL.prevalenceLow.delta : share >= RITA_FINAL.prevalenceHigh.share ? RITA_FINAL.prevalenceHigh.delta : 0;
  const ritaModifiers = RITA_FINAL.firstSeen + ritaPrevalence + (noHost ? MODIFIERS.missingHost : 0) + (rare ? MODIFIERS.rareSignature : 0);
  const ritaFinalScore = ritaBase > 0 ? round3(ritaBase + ritaModifiers) : undefined;
  const ports = [...new Set(parts.flatMap((p): number[] => {
    const e = p.finding.evidence;
    if (Array.isArray(e.ports)) return (e.ports as unknown[]).map(Number);
    if (typeof e.ports === 'string') return e.ports.split(',').filter(Boolean).map(Number);
    if (typeof e.port === 'number') return [e.port];
    // Volume hunts give the lowest and highest port only (a list for every pair costs too much).
    if (typeof e.lowest_port === 'number') return e.highest_port === e.lowest_port ? [e.lowest_port] : [e.lowest_port, Number(e.highest_port)];
    return [];
  }))].filter((p) => Number.isFinite(p)).sort((a, b) => a - b);
  const times = parts.flatMap((p) => [p.finding.evidence.firstSeen, p.finding.evidence.lastSeen]).filter((t): t is string => typeof t === 'string').sort();
  const peer = host ?? addresses[0] ?? '';
  const what: string[] = [];
  if (beacon) what.push(`beacon ${beacon.score.toFixed(3)} (${beacon.connections} connections every ~${beacon.medianIntervalSeconds}s of ~${beacon.medianBytes} bytes)`);
  if (long) what.push(`${(connected / 3600).toFixed(1)} h connected${longSeconds > connected * 1.05 ? ` (${(longSeconds / 3600).toFixed(1)} h summed over overlapping connections)` : ''}${byName.length > 1 ? `, by server ${(byName as Array<{ name: string; seconds: number }>).slice(0, 3).map((n) => `${n.name} ${(n.seconds / 3600).toFixed(1)} h`).join(', ')}${byName.length > 3 ? ', …' : ''}` : ''}`);
  if (strobe) what.push(`strobe, ${String(strobe.connections)} connections`);
  if (exfil) what.push(`${((num(exfil.bytes_out) ?? 0) / MIB).toFixed(1)} MiB uploaded (${((num(exfil.bytes_in) ?? 0) / MIB).toFixed(1)} MiB received${perDay > 1 ? `; ${Math.round(((num(exfil.bytes_out) ?? 0) * perDay) / MIB)} MiB a day at that rate` : ''})`);
  for (const m of modifiers) what.push(m.detail);
  const evidence: Record<string, unknown> = {
    components,
    modifiers,
    ...(ritaFinalScore !== undefined ? { ritaFinalScore } : {}),
    ...(share !== undefined ? { prevalence: round3(share) } : {}),
    ...(addresses.length > 0 ? { addresses } : {}),
    ...(ports.length > 0 ? { ports } : {}),
    ...(times.length > 0 ? { firstSeen: times[0], lastSeen: times[times.length - 1] } : {}),
    ...(beacon ? { connections: beacon.connections } : num(long?.connections) !== undefined ? { connections: num(long?.connections) } : {}),
    ...(long ? { durationSeconds: longSeconds, connectedSeconds: connected, longestSeconds: num(long.longest_duration), ...(byName.length > 0 ? { durationByName: byName } : {}) } : {}),
    ...(exfil ? { bytesOut: num(exfil.bytes_out), bytesIn: num(exfil.bytes_in), ...(perDay > 1 ? { bytesOutPerDay: Math.round((num(exfil.bytes_out) ?? 0) * perDay) } : {}) } : {}),
    ...(num(long?.total_bytes) !== undefined || num(beacon ? parts.find((p) => p.finding.beacon)?.finding.evidence.totalBytes : undefined) !== undefined
      ? { bytes: num(long?.total_bytes) ?? num(parts.find((p) => p.finding.beacon)?.finding.evidence.totalBytes) }
      : {}),
  };
  // A pair no scored hunt flagged (inbound attempts from the Internet on a watched host) and no
  // finding-borne modifier marked keeps what its own findings said: their severity and summaries
  // (prevalence alone says nothing of a pair nothing flagged).
  const unscored = flagged.length === 0 && !rare && !noHost;
  const strongest = unscored ? parts.map((p) => p.finding).sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || (b.score ?? 0) - (a.score ?? 0))[0] : undefined;
  return {
    rank: 0,
    kind: 'pair',
    severity: strongest ? strongest.severity : severityOf('pairScore', score),
    score: strongest ? round3(strongest.score ?? scoreOfSeverity(strongest.severity)) : score,
    key,
    src,
    ...(addresses.length > 0 ? { dst: addresses[0] } : {}),
    ...(host ? { host } : {}),
    summary: unscored
      ? [...new Set(parts.map((p) => p.finding.summary))].join('; ')
      : `${src} → ${peer}${host && addresses.length > 0 ? ` (${addresses.slice(0, 3).join(', ')}${addresses.length > 3 ? ', …' : ''})` : ''}: ${what.join('; ')}`,
    hunts: [...new Set(parts.map((p) => p.hunt))].sort(),
    ...(beacon ? { beacon } : {}),
    evidence,
  };
}

function single(part: Part): Threat {
  const { finding, hunt } = part;
  const subject = finding.subject;
  const kind: ThreatKind = subject?.kind ?? 'pair';
  const src = subject?.src ?? String(finding.evidence.src ?? '');
  const key = [kind, src, subject?.dst ?? '', subject?.host ?? '', hunt === kind ? '' : hunt, kind === 'tls' ? String(finding.evidence.validation_status ?? '') : ''].join('|').replace(/\|+$/, '');
  return {
    rank: 0,
    kind,
    severity: finding.severity,
    score: round3(finding.score ?? scoreOfSeverity(finding.severity)),
    key,
    src,
    ...(subject?.dst ? { dst: subject.dst } : {}),
    ...(subject?.host ? { host: subject.host } : {}),
    summary: finding.summary,
    hunts: [hunt],
    evidence: finding.evidence,
  };
}

/**
 * The ranked threat list from the hunts' outcomes: findings about the same pair merged into one
 * row (a pair by address absorbed into the pair by name whose addresses include it; the strongest
 * such name when the address serves the source under several), everything ranked by severity,
 * score, then key.
 */
export function buildThreatList(outcomes: HuntOutcome[], options: { mode: ScoringMode; window: { from: string; to: string }; warnings?: string[] }): ThreatList {
  const pairs = new Map<string, Part[]>();
  const singles: Threat[] = [];
  for (const o of outcomes) {
    for (const finding of o.findings) {
      const s = finding.subject;
      if (s?.kind === 'pair' && s.src !== '') {
        const key = pairKey(s.src, s.host ?? s.dst ?? '');
        pairs.set(key, [...(pairs.get(key) ?? []), { hunt: o.name, finding }]);
      } else {
        singles.push(single({ hunt: o.name, finding }));
      }
    }
  }
  // Which names each (source, address) was seen under, from the pairs by name.
  const namesOf = new Map<string, Set<string>>();
  for (const parts of pairs.values()) {
    for (const p of parts) {
      const s = p.finding.subject;
      if (!s?.host) continue;
      const dsts = [s.dst, ...(Array.isArray(p.finding.evidence.dsts) ? (p.finding.evidence.dsts as unknown[]).map(String) : [])].filter((d): d is string => typeof d === 'string' && d !== '');
      for (const d of dsts) {
        const k = `${s.src}|${d}`;
        namesOf.set(k, (namesOf.get(k) ?? new Set()).add(s.host));
      }
    }
  }
  for (const [key, parts] of [...pairs.entries()]) {
    const s = parts[0]?.finding.subject;
    if (!s || s.host || !s.dst) continue;
    const names = namesOf.get(`${s.src}|${s.dst}`);
    if (!names || names.size === 0) continue;
    // RITA counts a named connection under its name only, and leaves the address pair out of the
    // beacon analysis when its connections served a named pair (analysis/uconns.sql): one row. With
    // several names on the address (a CDN, a vendor's front ends), the strongest named row takes it.
    const best = (k: string): number => Math.max(0, ...(pairs.get(k) ?? []).map((p) => p.finding.score ?? scoreOfSeverity(p.finding.severity)));
    const target = [...names].map((n) => pairKey(s.src, n)).filter((k) => pairs.has(k)).sort((a, b) => best(b) - best(a) || (a < b ? -1 : 1))[0];
    const into = target ? pairs.get(target) : undefined;
    if (!into) continue;
    into.push(...parts);
    pairs.delete(key);
  }
  const prevalence = outcomes.find((o) => o.prevalence)?.prevalence;
  const perDay = dailyFactor(options.mode, options.window);
  const threats = [...[...pairs.entries()].map(([key, parts]) => mergePair(key, parts, prevalence, perDay, options.mode)), ...singles].sort(byRank);
  let withSeries = 0;
  for (const [i, t] of threats.entries()) {
    t.rank = i + 1;
    if (t.beacon?.series) {
      if (withSeries < SERIES_KEPT_FOR_TOP) withSeries += 1;
      else t.beacon = { ...t.beacon, series: undefined };
      if (t.beacon.series === undefined) delete t.beacon.series;
    }
  }
  return {
    findings: threats,
    mode: options.mode,
    window: options.window,
    warnings: options.warnings ?? [],
    hunts: outcomes.map((o) => ({
      name: o.name,
      title: o.title,
      rowsReturned: o.rowsReturned,
      elapsedMs: o.elapsedMs,
      ...(o.error !== undefined ? { error: o.error } : {}),
      ...(o.limitReached !== undefined ? { limitReached: o.limitReached } : {}),
      ...(o.bytesScanned !== undefined ? { bytesScanned: o.bytesScanned } : {}),
    })),
  };
}

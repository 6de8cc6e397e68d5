import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isRetryable } from '../errors';
import type { QueryEngine, SqlParam, SqlValue } from './engine';
import { beaconSeverity, PACKED_BEAT, ritaDatasetWindow, scorePackedBeats, scorePackedBeatsRita, STROBE_CONNECTIONS_PER_DAY, strobeLimit, type BeaconWindow } from './beacon-score';
import { ZEEK_TABLES } from './schema';
import { SEVERITY_RANK, severityOf, type Severity } from './severity';
import { MAX_SERIES_POINTS, type BeaconComponents, type ScoringMode, type ThreatKind } from './threat-list';
import { createScope, DEFAULT_SCOPE, type Scope, type ScopeConfig } from './scope';

export type { Severity } from './severity';

export interface HuntParams {
  from: Date;
  to: Date;
  /** The watched hosts' addresses, scored in both directions; empty means every host in the logs. */
  hosts: string[];
  pivotIps: string[];
  pivotDomains: string[];
  /** What is internal and what is never scored (`scope.ts`); RITA's defaults when absent. */
  scope?: ScopeConfig;
  /** `capture` (default): beacons are judged against the hunt window; `rita`: exactly as RITA v5 (its dataset window). */
  mode?: ScoringMode;
  /** Summed seconds from which a pair is a long connection: RITA's base, an hour, unless given. */
  longConnectionMinSeconds?: number;
}

/** Who a finding is about: the threat list merges findings with the same subject into one row. */
export interface FindingSubject {
  kind: ThreatKind;
  src: string;
  dst?: string;
  /** Server name (SNI / HTTP Host / proxy CONNECT) when the pair is by name. */
  host?: string;
}

export interface HuntFinding {
  severity: Severity;
  score?: number;
  summary: string;
  evidence: Record<string, unknown>;
  subject?: FindingSubject;
  /** Beacon hunts: the score's components (and the connection series, thinned), for the threat list. */
  beacon?: BeaconComponents;
}

export interface HuntOutcome {
  name: string;
  title: string;
  findings: HuntFinding[];
  rowsReturned: number;
  elapsedMs: number;
  bytesScanned?: number;
  error?: string;
  /** The query's own `LIMIT` when it returned that many rows: there may be more than shown. */
  limitReached?: number;
  /** The prevalence modifier's answer. */
  prevalence?: Prevalence;
}

type Row = Record<string, SqlValue>;

/** The `LIMIT n` a query ends with, if any. */
export function queryLimit(sql: string): number | undefined {
  const body = sql.split('\n').filter((l) => !l.trimStart().startsWith('--')).join('\n').trim();
  const m = /\bLIMIT\s+(\d+)\s*;?$/i.exec(body);
  return m ? Number(m[1]) : undefined;
}

interface HuntContext {
  params: HuntParams;
  window: BeaconWindow;
  mode: ScoringMode;
  scope: Scope;
  /** The RITA-exact mode: RITA's dataset span (`rita-dataset`), when that query ran. */
  dataset?: BeaconWindow;
}

interface HuntDefinition {
  name: string;
  title: string;
  description: string;
  toFindings(rows: Row[], ctx: HuntContext): HuntFinding[];
  /** A modifier runs after the hunts, with `dsts` (the pairs' destinations) among its parameters. */
  modifier?: (rows: Row[], ctx: HuntContext) => Pick<HuntOutcome, 'prevalence'>;
  /** Runs before the hunts, in the RITA-exact mode only, and sets what the hunts score against. */
  prelude?: (rows: Row[], ctx: HuntContext) => Pick<HuntContext, 'dataset'> & Pick<HuntOutcome, 'prevalence'>;
}

/** RITA's destination prevalence: the share of internal hosts that contacted each destination. */
export interface Prevalence {
  /** Internal hosts seen as sources in the window. */
  networkSize: number;
  /** Per destination, internal hosts that contacted it (only for the ranked pairs' destinations). */
  byDst: Record<string, number>;
  /** Per server name asked of a proxy (the RITA-exact mode), internal hosts that asked for it. */
  byHost?: Record<string, number>;
}

/** RITA's long-connection base: a pair's connections summing to an hour. */
export const LONG_CONNECTION_MIN_SECONDS = 3600;
/**
 * Beacons of one hunt that carry their connection series (the threat list keeps it for its top
 * `SERIES_KEPT_FOR_TOP`; merging can lift a pair by at most a few modifiers, not hundreds of places).
 */
const SERIES_PER_HUNT = 200;
/** Beacons below RITA's lowest bucket (0.5) are noise in a report. */
const MIN_BEACON_SCORE = 0.5;
/** A pair spread over this many destination ports is a scan (or a service sweep), never a beacon. */
export const BEACON_MAX_PORTS = 10;
/**
 * An inbound pair to a watched host counts as a conversation (and is scored as a beacon) only
 * when at least this share of its connections carried data both ways; the rest are probes.
 */
const INBOUND_ESTABLISHED_SHARE = 0.5;
const MIB = 1024 * 1024;

const str = (v: SqlValue | undefined): string => (v === null || v === undefined ? '' : String(v));
const num = (v: SqlValue | undefined): number => {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return 0;
};
const iso = (epochSeconds: SqlValue | undefined): string | undefined => {
  const n = num(epochSeconds);
  return Number.isFinite(n) && n > 0 ? new Date(n * 1000).toISOString() : undefined;
};
/**
 * The beacon queries pack each connection into one number, `second * 1e6 + min(orig_ip_bytes,
 * 999999)` (`PACKED_BEAT`), in any order: one string per pair instead of two ordered lists, which
 * keeps both the SQL aggregation and the decoding here cheap on millions of connections. Sizes of a
 * megabyte and more read as 999999; beacons are small, and a size that large is not regular anyway.
 */
const BEAT = PACKED_BEAT;

/** Reads `"12,345,6"` into numbers without an intermediate array of strings; digits and commas only. */
function packedBeats(list: SqlValue | undefined): Float64Array {
  const text = str(list);
  let count = text === '' ? 0 : 1;
  for (let i = 0; i < text.length; i += 1) if (text.charCodeAt(i) === 44) count += 1;
  const out = new Float64Array(count);
  let n = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i += 1) {
    const c = i < text.length ? text.charCodeAt(i) : 44;
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      digits += 1;
    } else if (c === 44) {
      if (digits > 0) out[n++] = value;
      value = 0;
      digits = 0;
    } else {
      // Not what the queries write (a sign, a space, a decimal point): take the slow, general road.
      return Float64Array.from(text.split(',').map((x) => Number(x.trim())).filter((x) => Number.isFinite(x)));
    }
  }
  return out.subarray(0, n);
}

function bySeverityThen<T extends HuntFinding>(findings: T[]): T[] {
  return findings.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || (b.score ?? 0) - (a.score ?? 0) || a.summary.localeCompare(b.summary));
}

/**
 * At most `MAX_SERIES_POINTS` [second, bytes] points of a pair's connections in time order, evenly
 * thinned: enough to draw the intervals and sizes, small enough for the execution state.
 */
function seriesOf(sortedPacked: Float64Array): Array<[number, number]> {
  const n = sortedPacked.length;
  const step = n <= MAX_SERIES_POINTS ? 1 : n / MAX_SERIES_POINTS;
  const out: Array<[number, number]> = [];
  for (let k = 0; k < Math.min(n, MAX_SERIES_POINTS); k += 1) {
    const v = sortedPacked[Math.floor(k * step)] as number;
    const t = Math.floor(v / BEAT);
    out.push([t, v - t * BEAT]);
  }
  return out;
}

function beaconFindings(rows: Row[], ctx: HuntContext, peerKey: 'dst' | 'fqdn'): HuntFinding[] {
  // In an investigation the capture is the window. RITA scores against its dataset: the in-scope
  // connections' span, the last 24 h at most (the `rita-dataset` prelude); without one it skips
  // beacon analysis altogether, and so does the RITA-exact mode.
  const dataset = ctx.dataset;
  const out: HuntFinding[] = [];
  const beatsOf = new Map<HuntFinding, Float64Array>();
  for (const r of rows) {
    const src = str(r.src);
    const peer0 = str(r[peerKey]);
    if (peerKey === 'fqdn' ? !ctx.scope.keepNamedPair(src, peer0) : !ctx.scope.keepConnPair(src, peer0)) continue;
    if (peerKey === 'dst' && str(r.ports).split(',').filter(Boolean).length >= BEACON_MAX_PORTS) continue;
    if (peerKey === 'dst' && ctx.scope.pairRole(src, peer0) === 'inbound-watched' && num(r.established) < INBOUND_ESTABLISHED_SHARE * num(r.connections)) {
      out.push({
        severity: 'low',
        subject: { kind: 'pair', src, dst: peer0 },
        summary: `${src} → ${peer0}: ${num(r.connections)} inbound connection attempts from the Internet, ${num(r.established)} carried data both ways`,
        evidence: { src, dst: peer0, direction: 'inbound', ports: str(r.ports).split(',').filter(Boolean).map(Number), connections: num(r.connections), established: num(r.established), totalBytes: num(r.total_bytes), firstSeen: iso(r.first_ts), lastSeen: iso(r.last_ts) },
      });
      continue;
    }
    const packed = packedBeats(r.beats);
    const s = ctx.mode === 'rita' ? (dataset ? scorePackedBeatsRita(packed, BEAT, dataset) : undefined) : scorePackedBeats(packed, BEAT, ctx.window);
    if (!s || s.score < MIN_BEACON_SCORE) continue;
    const peer = str(r[peerKey]);
    const finding: HuntFinding = {
      severity: beaconSeverity(s.score),
      score: s.score,
      subject: peerKey === 'fqdn' ? { kind: 'pair', src: str(r.src), host: peer } : { kind: 'pair', src: str(r.src), dst: peer },
      beacon: { ...s, mode: ctx.mode },
      summary: `${str(r.src)} → ${peer}: beacon score ${s.score.toFixed(3)}, ${s.connections} connections every ~${s.medianIntervalSeconds}s of ~${s.medianBytes} bytes`,
      evidence: {
        src: str(r.src),
        [peerKey]: peer,
        ...(peerKey === 'fqdn' ? { dsts: str(r.dsts).split(',').filter(Boolean) } : { ports: str(r.ports).split(',').filter(Boolean).map(Number) }),
        connections: s.connections,
        uniqueTimestamps: s.uniqueTimestamps,
        medianIntervalSeconds: s.medianIntervalSeconds,
        medianBytes: s.medianBytes,
        totalBytes: num(r.total_bytes),
        timestampScore: s.timestampScore,
        sizeScore: s.sizeScore,
        histogramScore: s.histogramScore,
        durationScore: s.durationScore,
        firstSeen: iso(r.first_ts),
        lastSeen: iso(r.last_ts),
      },
    };
    out.push(finding);
    beatsOf.set(finding, packed);
  }
  const ranked = bySeverityThen(out);
  // The connection series is drawn for the top of the threat list only: thinned for the best
  // SERIES_PER_HUNT of each beacon hunt (scoring sorted the beats in place: they are in time order).
  for (const f of ranked.slice(0, SERIES_PER_HUNT)) if (f.beacon) f.beacon.series = seriesOf(beatsOf.get(f) as Float64Array);
  return ranked;
}

/** A pair by server name when the row names one (a proxy's address says nothing of where it went), else by address. */
function pairByName(r: Row, nameColumn: string): FindingSubject {
  const name = str(r[nameColumn]).toLowerCase();
  const dst = str(r.dst);
  return name !== '' && name !== dst ? { kind: 'pair', src: str(r.src), dst, host: name } : { kind: 'pair', src: str(r.src), dst };
}

/** Whether a finding's subject is in scope (`scope.ts`); beacons and scans apply it themselves. */
function inScope(f: HuntFinding, scope: Scope): boolean {
  const s = f.subject;
  if (!s) return true;
  switch (s.kind) {
    case 'pair':
      return s.host ? scope.keepNamedPair(s.src, s.host) : scope.keepConnPair(s.src, s.dst ?? '');
    case 'exfiltration':
      return scope.keepConnPair(s.src, s.dst ?? '');
    case 'tls':
      return scope.keepConnPair(s.src, s.dst ?? '') && (s.host === undefined || scope.keepDomain(s.host));
    case 'dga':
      return scope.keepDnsClient(s.src);
    case 'dns-tunnelling':
      return s.host === undefined || scope.keepDomain(s.host);
    default:
      return true;
  }
}

/** Columns passed through as evidence, numbers kept numeric. */
function evidenceOf(r: Row, omit: string[] = []): Record<string, unknown> {
  const e: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (omit.includes(k)) continue;
    if (k === 'first_ts' || k === 'last_ts') e[k === 'first_ts' ? 'firstSeen' : 'lastSeen'] = iso(v);
    else e[k] = v;
  }
  return e;
}

/**
 * The long-connection query answers per pair and server name; one finding per pair, its total
 * over every name, and the split kept (`byName`: RITA keys a named connection by its TLS SNI or
 * HTTP Host, and its RITA-exact final score is per name).
 */
function longConnectionPairs(rows: Row[], ctx: HuntContext): HuntFinding[] {
  const pairs = new Map<string, Row[]>();
  for (const r of rows) {
    const key = `${str(r.src)}|${str(r.dst)}`;
    const list = pairs.get(key);
    if (list) list.push(r);
    else pairs.set(key, [r]);
  }
  const bound = ctx.params.longConnectionMinSeconds ?? LONG_CONNECTION_MIN_SECONDS;
  const out: HuntFinding[] = [];
  for (const parts of pairs.values()) {
    const first = parts[0] as Row;
    const [src, dst] = [str(first.src), str(first.dst)];
    const sum = (k: string): number => parts.reduce((n, r) => n + num(r[k]), 0);
    const total = sum('total_duration');
    const ports = [...new Set(parts.flatMap((r) => str(r.ports).split(',').filter(Boolean)))].sort((a, b) => Number(a) - Number(b));
    const connected = connectedSeconds(parts.map((r) => str(r.spans)).join(','), ctx.window);
    // The SQL bounds the summed durations (RITA's measure); the capture mode judges the time a
    // session was open, so parallel short sessions that only sum to an hour are not one.
    const measured = ctx.mode === 'capture' ? connected : total;
    if (measured < bound) continue;
    const byName = parts.filter((r) => str(r.name) !== '').map((r) => ({ name: str(r.name), seconds: num(r.total_duration), connections: num(r.connections) })).sort((a, b) => b.seconds - a.seconds || a.name.localeCompare(b.name));
    out.push({
      severity: severityOf('longConnectionSeconds', measured),
      subject: { kind: 'pair' as const, src, dst },
      summary: `${src} → ${dst}: ${(connected / 3600).toFixed(1)} h connected (${(total / 3600).toFixed(1)} h summed over ${sum('connections')} connections)`,
      evidence: {
        src,
        dst,
        ports: ports.join(','),
        connections: sum('connections'),
        open_connections: sum('open_connections'),
        total_duration: total,
        connected_seconds: connected,
        longest_duration: Math.max(...parts.map((r) => num(r.longest_duration))),
        total_bytes: sum('total_bytes'),
        ...(byName.length > 0 ? { byName } : {}),
      },
    });
  }
  return out;
}

/**
 * Seconds with at least one of the connections open, within the window: the union of
 * `start+seconds` spans. Summed durations count overlapping connections twice and can exceed the
 * capture itself (4 parallel sessions over a day sum to 4 days).
 */
export function connectedSeconds(spans: string, window: BeaconWindow): number {
  const intervals: Array<[number, number]> = [];
  for (const span of spans.split(',')) {
    const [start, length] = span.split('+').map(Number);
    if (!Number.isFinite(start) || !Number.isFinite(length)) continue;
    const from = Math.max(start as number, window.from);
    const to = Math.min((start as number) + (length as number), window.to);
    if (to > from) intervals.push([from, to]);
  }
  intervals.sort((a, b) => a[0] - b[0]);
  // In start order, each span adds only what lies past the furthest end so far.
  let total = 0;
  let reach = -Infinity;
  for (const [from, to] of intervals) {
    const start = Math.max(from, reach);
    if (to > start) {
      total += to - start;
      reach = to;
    }
  }
  return total;
}

const HUNTS: HuntDefinition[] = [
  {
    name: 'beacon-ip',
    title: 'Beacons by IP pair',
    description: 'Regular check-ins from a source to one destination, scored with RITA\'s formulas (intervals, sizes, histogram, duration).',
    toFindings: (rows, ctx) => beaconFindings(rows, ctx, 'dst'),
  },
  {
    name: 'beacon-fqdn',
    title: 'Beacons by SNI / HTTP host (also through a proxy)',
    description: 'Regular check-ins to one server name (TLS SNI or HTTP Host, including CONNECT through a proxy), scored like IP beacons.',
    toFindings: (rows, ctx) => beaconFindings(rows, ctx, 'fqdn'),
  },
  {
    name: 'long-connections',
    title: 'Long connections',
    description: 'Pairs whose connections add up to more than an hour.',
    toFindings: (rows, ctx) => bySeverityThen(longConnectionPairs(rows, ctx)),
  },
  {
    name: 'strobe',
    title: 'Strobes',
    description: 'Pairs with at least one connection per second on average over the window (RITA: 86,400 a day).',
    toFindings: (rows) => rows.map((r) => ({ severity: 'high' as const, subject: { kind: 'pair' as const, src: str(r.src), dst: str(r.dst) }, summary: `${str(r.src)} → ${str(r.dst)}: ${num(r.connections)} connections`, evidence: evidenceOf(r) })),
  },
  {
    name: 'dns-tunnelling',
    title: 'DNS tunnelling (many subdomains of one domain)',
    description: 'Registered domains with at least 100 distinct names queried under them (excluding .arpa and .local).',
    toFindings: (rows) =>
      bySeverityThen(
        rows.map((r) => ({
          severity: severityOf('dnsSubdomains', num(r.subdomains)),
          subject: { kind: 'dns-tunnelling' as const, src: str(r.clients).split(',')[0] ?? '', host: str(r.domain) },
          summary: `${str(r.domain)}: ${num(r.subdomains)} distinct names in ${num(r.queries)} queries`,
          evidence: evidenceOf(r),
        })),
      ),
  },
  {
    name: 'dga-nxdomain',
    title: 'DGA-like NXDOMAIN bursts',
    description: 'Hosts with many distinct names answered NXDOMAIN, a large share of their lookups.',
    toFindings: (rows) =>
      rows.map((r) => ({
        severity: severityOf('nxdomainNames', num(r.nxdomain_names)),
        subject: { kind: 'dga' as const, src: str(r.src) },
        summary: `${str(r.src)}: ${num(r.nxdomain_names)} names did not exist (${Math.round(num(r.nxdomain_ratio) * 100)}% of the ${num(r.names)} distinct names it looked up)`,
        evidence: evidenceOf(r),
      })),
  },
  {
    name: 'port-scan',
    title: 'Port scans',
    description: 'One source probing at least 50 ports of one host (vertical) or 50 hosts that never answered (horizontal); one row per scanner.',
    toFindings: (rows, ctx) =>
      rows.flatMap((r) => {
        const src = str(r.src);
        if (ctx.scope.isExcluded(src)) return [];
        const vertical = num(r.max_ports_per_host);
        const horizontal = num(r.failed_hosts);
        const measured = [severityOf('scannedPorts', vertical), severityOf('scannedHosts', horizontal)].sort((a, b) => SEVERITY_RANK[b] - SEVERITY_RANK[a])[0] as Severity;
        // An Internet scanner of a watched host is background noise unless it got somewhere.
        const fromOutside = !ctx.scope.isInternal(src);
        const severity: Severity = fromOutside && num(r.established) === 0 ? 'low' : measured;
        const shape = vertical >= 50 ? `${vertical} ports of ${str(r.top_dst)}` : `${horizontal} hosts that never answered`;
        return [{
          severity,
          subject: { kind: 'port-scan' as const, src, ...(vertical >= 50 ? { dst: str(r.top_dst) } : {}) },
          summary: `${src} scanned ${shape} (${num(r.hosts)} host(s), ${num(r.probes)} probes, ${num(r.failed_probes)} failed, ${num(r.established)} with data both ways)${fromOutside ? ', from outside' : ''}`,
          evidence: evidenceOf(r),
        }];
      }),
  },
  {
    name: 'exfiltration',
    title: 'Exfiltration volume',
    description: 'Internal hosts uploading at least 10 MiB to one external address, more than they received from it.',
    toFindings: (rows) =>
      bySeverityThen(
        rows.map((r) => ({
          severity: severityOf('exfiltrationBytes', num(r.bytes_out)),
          // A pair: merged with what the other hunts say of the same source and destination.
          subject: { kind: 'pair' as const, src: str(r.src), dst: str(r.dst) },
          summary: `${str(r.src)} → ${str(r.dst)}: ${(num(r.bytes_out) / MIB).toFixed(1)} MiB out, ${(num(r.bytes_in) / MIB).toFixed(1)} MiB in`,
          evidence: evidenceOf(r),
        })),
      ),
  },
  {
    name: 'rare-user-agent',
    title: 'Rare user agents',
    description: 'User agents a source uses toward only one destination.',
    toFindings: (rows) => rows.map((r) => ({ severity: 'low' as const, subject: pairByName(r, 'host'), summary: `${str(r.src)} → ${str(r.host) || str(r.dst)}: user agent "${str(r.user_agent)}" used for this destination only (${num(r.requests)} requests)`, evidence: evidenceOf(r) })),
  },
  {
    name: 'rare-ja3',
    title: 'Rare JA3 client fingerprints',
    description: 'TLS client fingerprints a source uses toward only one destination.',
    toFindings: (rows) => rows.map((r) => ({ severity: 'low' as const, subject: pairByName(r, 'server_name'), summary: `${str(r.src)} → ${str(r.server_name) || str(r.dst)}: JA3 ${str(r.ja3)} used for this destination only (${num(r.connections)} connections)`, evidence: evidenceOf(r) })),
  },
  {
    name: 'invalid-tls',
    title: 'Invalid or self-signed TLS certificates',
    description: 'TLS sessions whose certificate did not validate.',
    toFindings: (rows, ctx) =>
      rows.flatMap((r) => {
        const status = str(r.validation_status);
        const dst = str(r.dst);
        // Without a CA store every public site fails this way: it describes the sensor, not the site.
        if (/unable to get local issuer certificate/i.test(status) && !ctx.scope.isInternal(dst)) return [];
        // Validity dates mean nothing against a capture whose clock starts at zero.
        if (/not yet valid|expired/i.test(status) && num(r.first_ts) < RELATIVE_TIME_BEFORE) return [];
        const sources = str(r.sources).split(',').filter(Boolean);
        const name = str(r.server_name);
        return [{
          severity: /self.signed/i.test(status) ? ('medium' as const) : ('low' as const),
          subject: { kind: 'tls' as const, src: sources[0] ?? '', dst, ...(name ? { host: name } : {}) },
          // One row per destination and status: the address and the name, then who connected.
          summary: `${name ? `${name} (${dst})` : dst}: certificate "${status}" (${num(r.connections)} connections from ${sources.slice(0, 3).join(', ')}${sources.length > 3 ? ` and ${sources.length - 3} more` : ''})`,
          evidence: { ...evidenceOf(r, ['sources']), sources },
        }];
      }),
  },
  {
    name: 'http-no-host',
    title: 'HTTP without a Host header',
    description: 'HTTP requests that carry no Host header.',
    toFindings: (rows) => rows.map((r) => ({ severity: 'low' as const, subject: { kind: 'pair' as const, src: str(r.src), dst: str(r.dst) }, summary: `${str(r.src)} → ${str(r.dst)}:${num(r.port)}: ${num(r.requests)} requests without Host, e.g. ${str(r.example_uri)}`, evidence: evidenceOf(r) })),
  },
  {
    name: 'zeek-notice',
    title: "Zeek's own notices",
    description: "What Zeek itself flagged in notice.log (SSH password guessing, scans, certificate problems, ...), one row per note, source and destination.",
    toFindings: (rows) =>
      rows.flatMap((r) => {
        const note = str(r.note);
        const msg = str(r.example_msg);
        if (/unable to get local issuer certificate/i.test(msg)) return [];
        const severity = (NOTICE_SEVERITY.find(([re]) => re.test(note)) as [RegExp, Severity])[1];
        return [{
          severity,
          subject: { kind: 'zeek-notice' as const, src: str(r.src), ...(str(r.dst) ? { dst: str(r.dst) } : {}), host: note },
          summary: `${note}: ${str(r.src)}${str(r.dst) ? ` → ${str(r.dst)}` : ''}, ${num(r.notices)} notice(s): ${msg}`,
          evidence: evidenceOf(r),
        }];
      }),
  },
  {
    name: 'ssh-logins',
    title: 'SSH brute force and logins',
    description: 'Many failed SSH logins from one source to one server, whether one then succeeded, and who logged in.',
    toFindings: (rows, ctx) =>
      rows.map((r) => {
        const failures = num(r.failures);
        const successes = num(r.successes);
        const bruteForce = failures >= 10;
        const fromOutside = !ctx.scope.isInternal(str(r.src));
        const severity: Severity = bruteForce && successes > 0 ? 'critical' : bruteForce ? 'medium' : fromOutside ? 'low' : 'info';
        const what = bruteForce ? `${failures} failed SSH logins${successes > 0 ? `, then ${successes} successful (first at ${iso(r.first_success_ts) ?? '?'})` : ', none succeeded'}` : `${successes} successful SSH login(s)`;
        return { severity, subject: { kind: 'ssh' as const, src: str(r.src), dst: str(r.dst) }, summary: `${str(r.src)} → ${str(r.dst)}: ${what}`, evidence: evidenceOf(r) };
      }),
  },
  {
    name: 'pivot-ip',
    title: "Finding pivot: traffic with the finding's remote IPs",
    description: 'Every connection between the watched hosts and the remote IPs named by the finding.',
    toFindings: (rows) =>
      rows.map((r) => ({
        severity: 'high' as const,
        subject: { kind: 'pivot-ip' as const, src: str(r.src), dst: str(r.dst) },
        summary: `${str(r.src)} → ${str(r.dst)}:${num(r.port)}/${str(r.proto)}${str(r.service) ? ` (${str(r.service)})` : ''}: ${num(r.connections)} connections, ${num(r.bytes_out)} bytes out, ${num(r.bytes_in)} bytes in`,
        evidence: evidenceOf(r),
      })),
  },
  {
    name: 'pivot-domain',
    title: "Finding pivot: lookups of and traffic to the finding's domains",
    description: 'DNS queries, HTTP hosts and TLS server names matching the domains named by the finding.',
    toFindings: (rows) => rows.map((r) => ({ severity: 'high' as const, subject: { kind: 'pivot-domain' as const, src: str(r.src), dst: str(r.dst), host: str(r.name) }, summary: `${str(r.src)} → ${str(r.name)} (${str(r.log)}, ${str(r.dst)}): ${num(r.events)} events`, evidence: evidenceOf(r) })),
  },
  {
    name: 'rita-dataset',
    title: "RITA's dataset and network (the RITA-exact mode only; not a hunt)",
    description: "Not a hunt: the in-scope connections' first and last second (the span RITA scores beacons against) and the internal hosts of in-scope pairs (RITA's network, for prevalence). RITA-exact mode only.",
    toFindings: () => [],
    prelude: (rows, ctx) => {
      let oldest = Infinity;
      let newest = 0;
      // RITA's network: the internal hosts of in-scope pairs; a destination's prevalence: the
      // internal hosts that contacted it (a proxied server name: the hosts that asked for it).
      const network = new Set<string>();
      const byDst = new Map<string, Set<string>>();
      const byHost = new Map<string, Set<string>>();
      const add = (m: Map<string, Set<string>>, k: string, v: string): void => void m.set(k, (m.get(k) ?? new Set()).add(v));
      for (const r of rows) {
        const [src, dst, host] = [str(r.src), str(r.dst), str(r.host)];
        if (host !== '') {
          if (!ctx.scope.keepNamedPair(src, host)) continue;
          network.add(src);
          add(byHost, host, src);
        } else {
          if (!ctx.scope.keepConnPair(src, dst)) continue;
          const [inside, outside] = ctx.scope.isInternal(src) ? [src, dst] : [dst, src];
          if (ctx.scope.isInternal(inside)) network.add(inside);
          if (!ctx.scope.isInternal(outside)) add(byDst, outside, inside);
        }
        oldest = Math.min(oldest, num(r.first_ts));
        newest = Math.max(newest, num(r.last_ts));
      }
      const counts = (m: Map<string, Set<string>>): Record<string, number> => Object.fromEntries([...m].map(([k, v]) => [k, v.size]));
      return newest > 0 ? { dataset: ritaDatasetWindow(oldest, newest), prevalence: { networkSize: network.size, byDst: counts(byDst), byHost: counts(byHost) } } : {};
    },
  },
  {
    name: 'prevalence',
    title: 'Destination prevalence (a modifier, not a hunt)',
    description: "Not a hunt: how many internal hosts contacted each ranked pair's destination, for RITA's prevalence modifier.",
    toFindings: () => [],
    modifier: (rows, ctx) => {
      const internal = new Set<string>();
      const byDst: Record<string, Set<string>> = {};
      for (const r of rows) {
        const src = str(r.src);
        if (!ctx.scope.isInternal(src)) continue;
        if (str(r.row_kind) === 'host') internal.add(src);
        else (byDst[str(r.dst)] ??= new Set()).add(src);
      }
      return { prevalence: { networkSize: internal.size, byDst: Object.fromEntries(Object.entries(byDst).map(([d, set]) => [d, set.size])) } };
    },
  },
];

/** Epoch seconds below this (2001-09-09) are a capture's relative clock, not dates. */
export const RELATIVE_TIME_BEFORE = 1e9;

/**
 * How much each Zeek notice weighs: the first pattern that matches the note wins. Certificate
 * notices that only say "unable to get local issuer certificate" are the sensor's missing CA
 * store and are dropped before this table is consulted.
 */
export const NOTICE_SEVERITY: Array<[RegExp, Severity]> = [
  [/^(Intel|Signatures)::/, 'high'],
  [/^SSH::Password_Guessing/, 'high'],
  [/^SSH::(Login_By_Password_Guesser|Interesting_Hostname_Login)/, 'critical'],
  [/^Scan::/, 'medium'],
  [/^(SSL::Invalid_Server_Cert|SSL::Certificate_Expired|SSL::Weak_Key)/, 'low'],
  [/^(ProtocolDetector::|Weird::|CaptureLoss::|PacketFilter::)/, 'info'],
  [/./, 'low'],
];

/**
 * The pack's queries, in order. With a mode, those that run in it: the `rita-dataset` prelude runs
 * in the RITA-exact mode only.
 */
export function listHunts(mode?: ScoringMode): Array<{ name: string; title: string; description: string }> {
  // Preludes first, as `runHuntPack` reports them.
  const ordered = [...HUNTS.filter((h) => h.prelude), ...HUNTS.filter((h) => !h.prelude)];
  return ordered.filter((h) => mode === undefined || mode === 'rita' || !h.prelude).map(({ name, title, description }) => ({ name, title, description }));
}

/** Finds `queries/` beside the code: the repo root in development, beside the bundle in Lambda. */
export function resolveQueriesDir(start: string = __dirname): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'queries', 'beacon-ip.sql'))) return join(dir, 'queries');
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no queries/ folder found above ${start}`);
    dir = parent;
  }
}

export interface QueryFile {
  /** The SQL engines run: the file with each `:name` placeholder compiled to a positional `?`. */
  sql: string;
  /** Parameter names in `?` order, derived from the placeholders (a name used twice binds twice). */
  params: string[];
  header: Record<string, string>;
  /** The file as written, with its named placeholders. */
  source: string;
}

/**
 * Compiles `:name` placeholders to `?` (Athena's execution parameters are positional only:
 * https://docs.aws.amazon.com/athena/latest/ug/querying-with-prepared-statements.html) and lists
 * the names in order. Comments (`-- ...`), string literals (`'...'`) and quoted identifiers
 * (`"..."`) are copied as they are, and `::` (a cast) is not a placeholder.
 */
export function compileNamedParameters(text: string): { sql: string; params: string[] } {
  const params: string[] = [];
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      out += text.slice(i, stop);
      i = stop;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < text.length) {
        if (text[j] === c) {
          if (text[j + 1] === c) j += 2;
          else break;
        } else j += 1;
      }
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === ':' && text[i + 1] === ':') {
      out += '::';
      i += 2;
    } else if (c === ':' && /[A-Za-z_]/.test(text[i + 1] ?? '')) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1)) as RegExpExecArray;
      params.push(m[0]);
      out += '?';
      i += 1 + m[0].length;
    } else {
      out += c;
      i += 1;
    }
  }
  return { sql: out, params };
}

export function parseQueryFile(text: string): QueryFile {
  const header: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^--\s*([a-z]+):\s*(.*)$/.exec(line);
    if (m?.[1] && m[2] !== undefined) header[m[1]] = m[2].trim();
  }
  const { sql, params } = compileNamedParameters(text);
  return { sql, params, header, source: text };
}

export function readQuery(name: string, queriesDir?: string): QueryFile {
  return parseQueryFile(readFileSync(join(queriesDir ?? resolveQueriesDir(), `${name}.sql`), 'utf8'));
}

/**
 * The columns of each Zeek table that some hunt's SQL names (as a whole word, outside comments),
 * plus `ts`. A local engine that runs only the pack can load just these.
 */
export function columnsReadByPack(queriesDir?: string): Record<string, string[]> {
  const words = new Set<string>();
  for (const hunt of HUNTS) {
    const body = readQuery(hunt.name, queriesDir).sql.split('\n').filter((l) => !l.trimStart().startsWith('--')).join('\n');
    for (const w of body.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []) words.add(w.toLowerCase());
  }
  return Object.fromEntries(Object.entries(ZEEK_TABLES).map(([table, columns]) => [table, columns.filter((c) => c.name === 'ts' || words.has(c.name.toLowerCase())).map((c) => c.name)]));
}

/** The tables some hunt reads (named in its SQL outside comments). */
export function tablesReadByPack(queriesDir?: string): string[] {
  const words = new Set<string>();
  for (const hunt of HUNTS) {
    const body = readQuery(hunt.name, queriesDir).sql.split('\n').filter((l) => !l.trimStart().startsWith('--')).join('\n');
    for (const w of body.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []) words.add(w.toLowerCase());
  }
  return Object.keys(ZEEK_TABLES).filter((t) => words.has(t));
}

const isoDate = (d: Date): string => d.toISOString().slice(0, 10);
/** Error names the investigate state machine retries (its Retry blocks name them). */
/**
 * How long after a record its log file may be closed and shipped: the longest rotation interval a
 * sensor may use (an hour) plus the flush and upload after it, generously. Logs are partitioned by
 * the hour their file was closed, so the window's partitions run from its first hour to this late.
 */
export const PARTITION_SLACK_MS = 2 * 60 * 60 * 1000;
/** Commas separate list items inside one parameter, so a value holding one cannot be a list item. */
const csv = (values: string[]): string => values.map((v) => v.trim()).filter((v) => v !== '' && !v.includes(',')).join(',');

/**
 * The finding's domains and their registered domains (last two labels, as the queries reduce the
 * names they see): the pivot query matches a name equal to one of these or under the same
 * registered domain, so a pivot of `c2.example.com` also finds `x7f3a.c2.example.com` and its
 * siblings. Lower case, no trailing dot, no duplicates.
 */
export function pivotDomainsWithRegistered(domains: string[]): string[] {
  const out = new Set<string>();
  for (const raw of domains) {
    const d = raw.trim().toLowerCase().replace(/\.$/, '');
    if (d === '') continue;
    out.add(d);
    const labels = d.split('.');
    if (labels.length > 2) out.add(labels.slice(-2).join('.'));
  }
  return [...out];
}

/** Every named value a query may ask for; each query picks its own in `?` order. */
export function parameterValues(params: HuntParams): Record<string, SqlParam> {
  const lastPartition = new Date(params.to.getTime() + PARTITION_SLACK_MS);
  return {
    dt_from: isoDate(params.from),
    hour_from: params.from.getUTCHours(),
    // Logs are partitioned by the hour their file was closed, which comes after the records in
    // it: a record from 23:59 can sit in the next day's partition. The ts bounds stay exact.
    dt_to: isoDate(lastPartition),
    hour_to: lastPartition.getUTCHours(),
    ts_from: params.from.getTime() / 1000,
    ts_to: params.to.getTime() / 1000,
    hosts: csv(params.hosts),
    pivot_ips: csv(params.pivotIps),
    pivot_domains: csv(pivotDomainsWithRegistered(params.pivotDomains)),
    // RITA's strobe line is 86,400 connections a day: one a second, prorated to the window in the
    // capture mode; the RITA-exact mode takes it as RITA does (a count under 86,400, unprorated:
    // analysis/analysis.go). The beacon hunts take it as their upper bound, so a pair is one or
    // the other, never both or neither.
    strobe_min: params.mode === 'rita' ? STROBE_CONNECTIONS_PER_DAY : strobeLimit({ from: params.from.getTime() / 1000, to: params.to.getTime() / 1000 }),
    long_min_seconds: params.longConnectionMinSeconds ?? LONG_CONNECTION_MIN_SECONDS,
  };
}

/** Destinations a modifier query is asked about: bounds the size of its one list parameter. */
export const MAX_MODIFIER_DSTS = 2000;

export function bindParameters(query: QueryFile, values: Record<string, SqlParam>): SqlParam[] {
  return query.params.map((p) => {
    const v = values[p];
    if (v === undefined) throw new Error(`query asks for unknown parameter "${p}"`);
    return v;
  });
}

/**
 * Runs every hunt (or `only` those), `concurrency` at a time (default: what the engine says it
 * runs well, else one after another); outcomes come back in the pack's order. A failing hunt is
 * reported in its outcome and the rest still run: one broken query must not cost the whole
 * investigation.
 */
export async function runHuntPack(engine: QueryEngine, params: HuntParams, options: { only?: string[]; queriesDir?: string; concurrency?: number } = {}): Promise<HuntOutcome[]> {
  const queriesDir = options.queriesDir ?? resolveQueriesDir();
  const values = parameterValues(params);
  const ctx: HuntContext = { params, window: { from: params.from.getTime() / 1000, to: params.to.getTime() / 1000 }, mode: params.mode ?? 'capture', scope: createScope(params.scope ?? DEFAULT_SCOPE, params.hosts) };
  const selected = (options.only ? HUNTS.filter((h) => options.only?.includes(h.name)) : HUNTS).filter((h) => !h.prelude);
  const runOne = async (hunt: HuntDefinition, extra: Record<string, SqlParam> = {}): Promise<HuntOutcome> => {
    const started = Date.now();
    try {
      const query = readQuery(hunt.name, queriesDir);
      const run = await engine.run(query.sql, bindParameters(query, { ...values, ...extra }));
      const limit = queryLimit(query.sql);
      const prelude = hunt.prelude?.(run.rows, ctx);
      if (prelude?.dataset) ctx.dataset = prelude.dataset;
      return {
        ...(prelude?.prevalence ? { prevalence: prelude.prevalence } : {}),
        name: hunt.name,
        title: hunt.title,
        findings: hunt.toFindings(run.rows, ctx).filter((f) => inScope(f, ctx.scope)),
        ...(hunt.modifier ? hunt.modifier(run.rows, ctx) : {}),
        rowsReturned: run.rows.length,
        elapsedMs: run.elapsedMs,
        ...(run.bytesScanned !== undefined ? { bytesScanned: run.bytesScanned } : {}),
        ...(limit !== undefined && run.rows.length >= limit ? { limitReached: limit } : {}),
      };
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      // Throttling and transient failures are the state machine's to retry (with backoff), not a
      // hunt's result: reported as a failed hunt they would reach the report as if final.
      if (isRetryable(err)) throw err;
      return { name: hunt.name, title: hunt.title, findings: [], rowsReturned: 0, elapsedMs: Date.now() - started, error: `${err.name}: ${err.message}` };
    }
  };
  const hunts = selected.filter((h) => !h.modifier);
  // The RITA-exact mode first learns RITA's dataset span; its outcome leads the list.
  const preludes = ctx.mode === 'rita' ? await Promise.all(HUNTS.filter((h) => h.prelude).map((h) => runOne(h))) : [];
  const outcomes: HuntOutcome[] = new Array(hunts.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < hunts.length) {
      const i = next++;
      outcomes[i] = await runOne(hunts[i] as HuntDefinition);
    }
  };
  const lanes = Math.max(1, Math.floor(options.concurrency ?? engine.concurrency ?? 1));
  await Promise.all(Array.from({ length: Math.min(lanes, hunts.length) }, worker));
  // Modifiers look only at what the hunts found: the pairs' destinations, at most MAX_MODIFIER_DSTS.
  const dsts = new Set<string>();
  for (const o of outcomes) {
    for (const f of o.findings) {
      if (f.subject?.kind !== 'pair') continue;
      if (f.subject.dst) dsts.add(f.subject.dst);
      if (Array.isArray(f.evidence.dsts)) for (const d of f.evidence.dsts as unknown[]) dsts.add(String(d));
    }
  }
  for (const modifier of selected.filter((h) => h.modifier)) outcomes.push(await runOne(modifier, { dsts: csv([...dsts].sort().slice(0, MAX_MODIFIER_DSTS)) }));
  return [...preludes, ...outcomes];
}

/**
 * The ranked threat list: the one shape the CLI (`hunt --format json|html|text`), the
 * investigation report (Markdown, HTML, report.json) and the notification all read.
 *
 * One `Threat` per pair (src → dst, or src → server name for SNI/HTTP/proxy), merging what the
 * beacon, long-connection, strobe and modifier hunts say of it; the other hunts (scan, DGA,
 * tunnelling, exfiltration, TLS, pivots, Zeek notices, SSH) rank beside it by severity, then
 * score, then `key` (stable: the same input always gives the same order).
 */
import type { Severity } from './pack';

export type ScoringMode =
  /** The capture is the window: duration and histogram are relative to it (investigations, short captures). */
  | 'capture'
  /** RITA's own 24 h window, for calibration against RITA's answers. */
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
   * Everything else a person or a program needs, in plain units: `durationSeconds`, `bytesOut`,
   * `bytesIn`, `ports` (numbers), `firstSeen` / `lastSeen` (ISO 8601), `connections`, and the
   * modifiers that moved the score (`modifiers: [{ name, delta, detail }]`).
   */
  evidence: Record<string, unknown>;
}

export interface ThreatList {
  /** Best first. */
  findings: Threat[];
  mode: ScoringMode;
  window: { from: string; to: string };
  /** One line each: logs present but not read, loaded but unused, relative times, non-overlapping captures. */
  warnings: string[];
  /** Per hunt: rows, elapsed time, errors, a LIMIT reached. */
  hunts: Array<{ name: string; title: string; rowsReturned: number; elapsedMs: number; error?: string; limitReached?: number; bytesScanned?: number }>;
}

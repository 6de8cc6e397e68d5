/**
 * The one severity-bucket function and every threshold it is given, as data. A measure's four
 * thresholds are where `low`, `medium`, `high` and `critical` begin; below the first it is `info`.
 * RITA's own buckets (hunting.md: beacon ×100 50/70/90/100, long connection 1/4/8/12 h, DNS C2
 * 100/500/800/1000 subdomains) are kept as RITA states them; the others are ours and say why.
 */
export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';

export type Thresholds = readonly [low: number, medium: number, high: number, critical: number];

export const SEVERITY_THRESHOLDS = {
  /** RITA's beacon score buckets (score × 100: 50 / 70 / 90 / 100). */
  beaconScore: [0.5, 0.7, 0.9, 1.0],
  /**
   * The merged score of a pair in the threat list (beacon, long connection, strobe and modifiers).
   * A pair with one modifier only (a rare user agent, 0.15) is `low`; a beacon on RITA's low line
   * (0.5) is `medium`; a near-perfect beacon or a beacon with modifiers is `critical`.
   */
  pairScore: [0.1, 0.5, 0.7, 0.9],
  /** RITA's long-connection buckets on the summed duration of a pair, seconds (1 / 4 / 8 / 12 h). */
  longConnectionSeconds: [3600, 14_400, 28_800, 43_200],
  /** RITA's DNS C2 buckets on distinct names under one registered domain. */
  dnsSubdomains: [100, 500, 800, 1000],
  /** Bytes one internal host uploaded to one external address (10 MiB is where the hunt starts reporting). */
  exfiltrationBytes: [10 * 1024 * 1024, 50 * 1024 * 1024, 500 * 1024 * 1024, 5 * 1024 * 1024 * 1024],
  /** Distinct NXDOMAIN names of one host (the hunt starts at 25). */
  nxdomainNames: [25, 25, 100, 1000],
  /** A vertical scan: distinct ports one source tried on one host (the hunt starts at 50). */
  scannedPorts: [50, 50, 500, 5000],
  /** A horizontal scan: distinct hosts one source tried (the hunt starts at 50). */
  scannedHosts: [50, 50, 250, 1000],
} as const satisfies Record<string, Thresholds>;

export type SeverityMeasure = keyof typeof SEVERITY_THRESHOLDS;

/** Floating-point sums (0.25 · four scores) land a hair under a threshold they meet. */
const EPSILON = 1e-9;

export function severityOf(measure: SeverityMeasure, value: number): Severity {
  const [low, medium, high, critical] = SEVERITY_THRESHOLDS[measure];
  if (value + EPSILON >= critical) return 'critical';
  if (value + EPSILON >= high) return 'high';
  if (value + EPSILON >= medium) return 'medium';
  if (value + EPSILON >= low) return 'low';
  return 'info';
}

export const SEVERITY_RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };

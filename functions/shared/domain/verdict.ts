import type { Threat, ThreatList } from '../hunting/threat-list';
import type { Outcome } from './state';

export type VerdictLabel = 'confirmed' | 'not-confirmed' | 'inconclusive';

export interface Verdict {
  label: VerdictLabel;
  /** One sentence a responder reads first. */
  headline: string;
  /** The facts that decided it, one line each. */
  evidence: string[];
  /** Which line of the rule (below) decided it, for the curious and for tests. */
  rule: VerdictRule;
  /** Keys (`Threat.key`) of the threats that touch the finding's peer. */
  peerThreatKeys: string[];
}

export type VerdictRule =
  | 'no-capture'
  | 'no-threat-list'
  | 'peer-seen'
  | 'peer-silent-other-threat'
  | 'peer-silent-hunts-failed'
  | 'peer-silent'
  | 'no-pivot-threat'
  | 'no-pivot-hunts-failed'
  | 'no-pivot-quiet';

/**
 * A beacon's timestamp score (RITA's: 1 - skew and dispersion of the connection intervals) at or
 * above this reads as "regular" in the verdict's evidence. A timer-driven beacon scores ~1, even
 * with jitter of a few percent; human traffic scores far lower.
 */
export const REGULAR_TIMESTAMP_SCORE = 0.8;

const SEVERE = new Set(['critical', 'high']);

export interface VerdictInput {
  outcome: Outcome;
  outcomeReason: string;
  /** The finding's remote IPs and domains (or the analyst's pivots). */
  pivots: { ips: string[]; domains: string[] };
  threats?: ThreatList;
  /** Hunts that failed: a quiet result with failures is not a clean bill of health. */
  failedHunts: string[];
  captureMinutes?: number;
}

const norm = (d: string): string => d.trim().toLowerCase().replace(/\.$/, '');

/** Is `name` the pivot domain or a name under it (c2.example.com matches x.c2.example.com)? */
function underDomain(name: string, domain: string): boolean {
  const n = norm(name);
  const d = norm(domain);
  return d !== '' && (n === d || n.endsWith(`.${d}`));
}

/** Does this threat involve the finding's peer: its address, its domain, or a pivot hunt's hit on either? */
export function touchesPeer(threat: Threat, pivots: { ips: string[]; domains: string[] }): boolean {
  if (threat.kind === 'pivot-ip' || threat.kind === 'pivot-domain') return true;
  if (threat.dst && pivots.ips.includes(threat.dst)) return true;
  if (pivots.ips.includes(threat.src)) return true;
  if (threat.host && pivots.domains.some((d) => underDomain(threat.host as string, d))) return true;
  return false;
}

const fmtBytes = (n: number): string => (n >= 1e9 ? `${(n / 1e9).toFixed(1)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} kB` : `${n} B`);

/** One line on a threat touching the peer: who, how often, how regular, how much. */
export function peerEvidence(threat: Threat): string {
  const peer = threat.host ?? threat.dst ?? '?';
  const parts: string[] = [];
  const connections = threat.beacon?.connections ?? (typeof threat.evidence.connections === 'number' ? threat.evidence.connections : undefined);
  if (connections !== undefined) parts.push(`${connections} connection(s)`);
  if (threat.beacon) {
    const regular = threat.beacon.timestampScore >= REGULAR_TIMESTAMP_SCORE;
    parts.push(`${regular ? 'regular' : 'irregular'}, median interval ${Math.round(threat.beacon.medianIntervalSeconds)} s (timestamp score ${threat.beacon.timestampScore.toFixed(2)})`);
    parts.push(`median ${fmtBytes(threat.beacon.medianBytes)} sent per connection`);
  }
  if (typeof threat.evidence.bytesOut === 'number') parts.push(`${fmtBytes(threat.evidence.bytesOut)} out`);
  if (typeof threat.evidence.bytesIn === 'number') parts.push(`${fmtBytes(threat.evidence.bytesIn)} in`);
  return `${threat.src} → ${peer} (${threat.kind}, ${threat.severity}, rank ${threat.rank}): ${parts.length > 0 ? parts.join('; ') : threat.summary}`;
}

/**
 * The verdict and the rule that gives it (docs/report.md says the same in prose):
 *
 * 1. Nothing was captured (not mirrorable, claimed elsewhere, failed) → **inconclusive**.
 * 2. No ranked threat list (the hunts did not run) → **inconclusive**.
 * With a peer to look for (the finding's remote IP or domain, or the analyst's pivots):
 * 3. Any threat touches the peer → **confirmed**: the instance talked to the peer GuardDuty
 *    named while we watched. Its regularity and volume are the evidence shown.
 * 4. The peer was silent but a high/critical threat ranks elsewhere → **inconclusive**.
 * 5. The peer was silent and some hunt failed → **inconclusive**.
 * 6. The peer was silent and nothing severe → **not confirmed** (for this capture only: a beacon
 *    may sleep longer than the window; widen the capture before closing the finding).
 * With no peer to look for:
 * 7. A high/critical threat → **confirmed** (malicious-looking activity found).
 * 8. Some hunt failed → **inconclusive**. 9. Otherwise → **not confirmed**.
 */
export function decideVerdict(input: VerdictInput): Verdict {
  const { pivots } = input;
  if (input.outcome !== 'completed') {
    return { label: 'inconclusive', rule: 'no-capture', headline: `Inconclusive: no traffic was captured (${input.outcome.replace(/-/g, ' ')}).`, evidence: [input.outcomeReason], peerThreatKeys: [] };
  }
  if (!input.threats) {
    return { label: 'inconclusive', rule: 'no-threat-list', headline: 'Inconclusive: the hunts produced no ranked threat list.', evidence: ['the execution state carries no threat list (hunts did not run, or an older hunt step)'], peerThreatKeys: [] };
  }
  const findings = input.threats.findings;
  const severe = findings.filter((t) => SEVERE.has(t.severity));
  const window = input.captureMinutes !== undefined ? `${input.captureMinutes}-minute capture` : 'capture';
  const failed = input.failedHunts.length > 0 ? [`hunt(s) failed: ${input.failedHunts.join(', ')}`] : [];
  const hasPivots = pivots.ips.length + pivots.domains.length > 0;
  const peerName = [...pivots.ips, ...pivots.domains].join(', ');
  if (hasPivots) {
    const peer = findings.filter((t) => touchesPeer(t, pivots));
    if (peer.length > 0) {
      const top = peer[0] as Threat;
      const regular = peer.some((t) => t.beacon && t.beacon.timestampScore >= REGULAR_TIMESTAMP_SCORE);
      const every = top.beacon ? `, ${regular ? 'regularly' : 'irregularly'} every ~${Math.round(top.beacon.medianIntervalSeconds)} s` : '';
      return {
        label: 'confirmed',
        rule: 'peer-seen',
        headline: `Confirmed: ${top.src} talked to ${peerName} (the finding's peer) during the ${window}${every}.`,
        evidence: [...peer.slice(0, 5).map(peerEvidence), ...failed],
        peerThreatKeys: peer.map((t) => t.key),
      };
    }
    if (severe.length > 0) {
      return {
        label: 'inconclusive',
        rule: 'peer-silent-other-threat',
        headline: `Inconclusive: no traffic with ${peerName} in the ${window}, but ${severe.length} high/critical threat(s) rank elsewhere.`,
        evidence: [...severe.slice(0, 3).map((t) => `#${t.rank} ${t.severity}: ${t.summary}`), ...failed],
        peerThreatKeys: [],
      };
    }
    if (failed.length > 0) {
      return { label: 'inconclusive', rule: 'peer-silent-hunts-failed', headline: `Inconclusive: no traffic with ${peerName} seen, but some hunts failed.`, evidence: failed, peerThreatKeys: [] };
    }
    return {
      label: 'not-confirmed',
      rule: 'peer-silent',
      headline: `Not confirmed: no traffic with ${peerName} in the ${window}, and nothing high or critical.`,
      evidence: [`${findings.length} lower-severity threat(s) ranked`, 'a beacon may sleep longer than the window: widen the capture before closing the finding'],
      peerThreatKeys: [],
    };
  }
  if (severe.length > 0) {
    return {
      label: 'confirmed',
      rule: 'no-pivot-threat',
      headline: `Confirmed: ${severe.length} high/critical threat(s) in the ${window}; top: ${(severe[0] as Threat).summary}`,
      evidence: [...severe.slice(0, 3).map((t) => `#${t.rank} ${t.severity}: ${t.summary}`), ...failed],
      peerThreatKeys: [],
    };
  }
  if (failed.length > 0) return { label: 'inconclusive', rule: 'no-pivot-hunts-failed', headline: 'Inconclusive: nothing severe found, but some hunts failed.', evidence: failed, peerThreatKeys: [] };
  return { label: 'not-confirmed', rule: 'no-pivot-quiet', headline: `Not confirmed: nothing high or critical in the ${window}.`, evidence: [`${findings.length} lower-severity threat(s) ranked`], peerThreatKeys: [] };
}

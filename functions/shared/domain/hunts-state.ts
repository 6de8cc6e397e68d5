import type { Threat, ThreatList } from '../hunting/threat-list';

/**
 * Step Functions fails an execution outright (`States.DataLimitExceeded`, which no Catch can
 * handle) when a task returns more than 256 KiB. The hunts' slice of the state gets at most this
 * much, leaving the rest for the other slices: a report with shortened evidence beats no report.
 */
export const HUNTS_STATE_BUDGET_BYTES = 96 * 1024;
/** Longest text kept in a summary or an evidence value (a strobe's port list can run to 380 KB). */
export const MAX_TEXT_CHARS = 512;
/** Longest list kept in an evidence value. */
export const MAX_LIST_ITEMS = 50;
/** Beacon series kept in the state: the top pairs' plots are what the report draws. */
export const SERIES_KEPT_IN_STATE = 3;

const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

function shortText(text: string): string {
  return text.length <= MAX_TEXT_CHARS ? text : `${text.slice(0, MAX_TEXT_CHARS)}… (+${text.length - MAX_TEXT_CHARS} chars)`;
}

function shortValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return shortText(value);
  if (Array.isArray(value)) {
    const kept = value.slice(0, MAX_LIST_ITEMS).map((v) => shortValue(v, depth + 1));
    return value.length > MAX_LIST_ITEMS ? [...kept, `… (+${value.length - MAX_LIST_ITEMS} more)`] : kept;
  }
  if (value !== null && typeof value === 'object' && depth < 3) {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, shortValue(v, depth + 1)]));
  }
  return value;
}

/**
 * The threat list shortened to fit the state: every text and evidence list cut to a readable
 * length (a beacon's series is not evidence and stays whole), then, while still over the budget,
 * series beyond the top pairs dropped, then the lowest-ranked threats dropped. `total` keeps the
 * true count and `truncated` says whether anything was cut. Ranks are left as they were.
 */
export function fitThreatsToState(list: ThreatList, budget = HUNTS_STATE_BUDGET_BYTES): ThreatList {
  let truncated = list.truncated ?? false;
  const findings: Threat[] = list.findings.map((t) => {
    const evidence = shortValue(t.evidence) as Record<string, unknown>;
    const summary = shortText(t.summary);
    if (summary !== t.summary || bytes(evidence) !== bytes(t.evidence)) truncated = true;
    return { ...t, summary, evidence, ...(t.beacon ? { beacon: { ...t.beacon } } : {}) };
  });
  const warnings = list.warnings.map(shortText);
  const hunts = list.hunts.map((h) => (h.error === undefined ? h : { ...h, error: shortText(h.error) }));
  const fitted: ThreatList = { ...list, findings, warnings, hunts, total: list.total ?? list.findings.length };
  if (bytes(fitted) > budget) {
    let kept = 0;
    for (const t of findings) {
      if (!t.beacon?.series) continue;
      kept += 1;
      if (kept > SERIES_KEPT_IN_STATE) delete t.beacon.series;
    }
  }
  // Drop from the end: each threat's size is measured once, not the whole list per threat.
  let over = bytes(fitted) - budget;
  if (over > 0) {
    let keep = fitted.findings.length;
    while (over > 0 && keep > 0) {
      keep -= 1;
      over -= bytes(fitted.findings[keep]) + 1;
    }
    fitted.findings = fitted.findings.slice(0, keep);
    truncated = true;
  }
  return { ...fitted, ...(truncated ? { truncated: true } : {}) };
}

import type { HuntSummary } from './state';

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

const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

function shortText(text: string): string {
  return text.length <= MAX_TEXT_CHARS ? text : `${text.slice(0, MAX_TEXT_CHARS)}… (+${text.length - MAX_TEXT_CHARS} chars)`;
}

function shortValue(value: unknown): unknown {
  if (typeof value === 'string') return shortText(value);
  if (Array.isArray(value)) {
    const kept = value.slice(0, MAX_LIST_ITEMS).map(shortValue);
    return value.length > MAX_LIST_ITEMS ? [...kept, `… (+${value.length - MAX_LIST_ITEMS} more)`] : kept;
  }
  return value;
}

/**
 * The hunts' outcomes shortened to fit the state: every text and list cut to a readable length,
 * then, while still over the budget, the lowest-ranked finding of the hunt keeping the most bytes
 * dropped. `findingCount` stays the true count; `truncated` says whether anything was cut.
 */
export function fitHuntsToState(outcomes: HuntSummary[], budget = HUNTS_STATE_BUDGET_BYTES): { outcomes: HuntSummary[]; truncated: boolean } {
  let truncated = false;
  const fitted = outcomes.map((o) => {
    const findings = o.findings.map((f) => {
      const evidence = Object.fromEntries(Object.entries(f.evidence).map(([k, v]) => [k, shortValue(v)]));
      const summary = shortText(f.summary);
      if (summary !== f.summary || bytes(evidence) !== bytes(f.evidence)) truncated = true;
      return { ...f, summary, evidence };
    });
    const error = o.error === undefined ? undefined : shortText(o.error);
    return { ...o, findings, ...(error !== undefined ? { error } : {}) };
  });
  while (bytes(fitted) > budget) {
    const heaviest = fitted.filter((o) => o.findings.length > 0).sort((a, b) => bytes(b.findings) - bytes(a.findings))[0];
    if (!heaviest) break;
    heaviest.findings = heaviest.findings.slice(0, -1);
    truncated = true;
  }
  return { outcomes: fitted, truncated };
}

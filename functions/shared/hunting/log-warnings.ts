import { RELATIVE_TIME_BEFORE } from './pack';

/**
 * One line per thing a responder should know about the logs before trusting the list: logs that
 * are there but no hunt reads, logs loaded for nothing, clocks that are relative, and captures
 * whose time ranges do not meet (two captures mixed in one folder). Pure: the engine measures,
 * this decides what to say.
 */
export interface LoadedLog {
  rows: number;
  files: number;
  /** Epoch seconds of the first and last record, when there are records. */
  from?: number;
  to?: number;
}

export const MIXED_CAPTURE_GAP_SECONDS = 3600;

export function logWarnings(input: { loaded: Record<string, LoadedLog>; readByHunts: readonly string[]; unreadFiles: Record<string, number> }): string[] {
  const out: string[] = [];
  for (const [log, files] of Object.entries(input.unreadFiles).sort(([a], [b]) => a.localeCompare(b))) {
    out.push(`${log} logs present (${files} file(s)) but no hunt reads them`);
  }
  const present = Object.entries(input.loaded).filter(([, t]) => t.rows > 0).sort(([a], [b]) => a.localeCompare(b));
  for (const [log, t] of present) {
    if (!input.readByHunts.includes(log)) out.push(`${log} logs loaded (${t.rows} records) but no hunt uses them`);
  }
  const relative = present.filter(([, t]) => t.from !== undefined && t.from < RELATIVE_TIME_BEFORE).map(([log]) => log);
  if (relative.length > 0) out.push(`times are relative in ${relative.join(', ')} (ts below 1e9: the capture's clock started at zero); first/last seen are not dates and certificate validity is not judged`);
  // Two logs of one capture overlap in time; a log an hour or more before or after another is a
  // different capture. (Snapshots of open connections can sit a few minutes apart from each other.)
  const spans = present.filter(([, t]) => t.from !== undefined && t.to !== undefined) as Array<[string, Required<LoadedLog>]>;
  const apart: string[] = [];
  for (let i = 0; i < spans.length; i += 1) {
    for (let j = i + 1; j < spans.length; j += 1) {
      const [a, ta] = spans[i] as [string, Required<LoadedLog>];
      const [b, tb] = spans[j] as [string, Required<LoadedLog>];
      if (ta.to + MIXED_CAPTURE_GAP_SECONDS < tb.from || tb.to + MIXED_CAPTURE_GAP_SECONDS < ta.from) apart.push(`${a} and ${b}`);
    }
  }
  if (apart.length > 0) out.push(`time ranges do not overlap (${apart.slice(0, 3).join('; ')}${apart.length > 3 ? '; …' : ''}): the folder may mix captures, and pairs across them are not compared`);
  return out;
}

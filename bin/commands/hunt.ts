import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { createDuckDbEngine, type DuckDbEngine } from '../../local/duckdb-engine';
import { columnsReadByPack, listHunts, runHuntPack, tablesReadByPack, type HuntOutcome } from '../../functions/shared/hunting/pack';
import { KNOWN_UNREAD_LOGS, ZEEK_LOGS, ZEEK_TABLES } from '../../functions/shared/hunting/schema';
import { renderThreatListHtml } from '../../functions/shared/report/html';
import { buildThreatList, type ScoringMode, type Threat, type ThreatList } from '../../functions/shared/hunting/threat-list';
import { DEFAULT_SCOPE, parseScopeConfig, type ScopeConfig } from '../../functions/shared/hunting/scope';
import { basename } from 'node:path';
import { logWarnings, type LoadedLog } from '../../functions/shared/hunting/log-warnings';
import { CliError, parseCommandArgs, parseLongMin, RULES, runCommand, UsageError, type Io } from '../cli';

export type { Io } from '../cli';

export const HUNT_USAGE = `usage: mirrorhunt hunt <folder> [--from ISO] [--to ISO] [--host IP ...]
                       [--pivot-ip IP ...] [--pivot-domain NAME ...] [--only HUNT[,HUNT...] ...]
                       [--format text|json|md|html] [--top N] [--mode capture|rita] [--long-min SECONDS]
                       [--scope FILE] [--internal CIDR ...] [--never-include CIDR|DOMAIN ...]
                       [--always-include CIDR|DOMAIN ...]
Runs the hunt pack (${listHunts('capture').length} hunts) over a folder of Zeek logs with DuckDB, locally, and
prints one ranked threat list (one row per pair, merging beacon, long connection, strobe and modifiers).
The folder may hold our S3 layout (zeek/<log>/dt=.../hour=.../*.json.gz) or logs as Zeek writes
them: conn.log, conn.*.log.gz, dns.json.gz, ... (JSON or TSV, gzip or not).
Without --from/--to the window is the time span of the logs. --mode capture (default) judges
beacons against that window; --mode rita exactly as RITA v5 does (its dataset: the in-scope
connections' span, the last 24 h at most; for calibration). Scope follows RITA:
internal -> external pairs (internal: RFC 1918, 100.64.0.0/10, fd00::/8 and --internal), DNS and
proxied pairs from internal sources, the --host addresses in both directions; multicast,
link-local, loopback and broadcast never. --long-min lowers (or raises) the summed duration from which
a pair is a long connection (RITA's hour by default). --scope reads a JSON file with RITA's filter keys. Exit code 0 also when nothing is found.
hunts: ${listHunts('capture').map((h) => h.name).join(', ')}`;

/** The local engine loaded no record from the folder: nothing to hunt. */
export class NoZeekRecordsError extends Error {
  override readonly name = 'NoZeekRecordsError';
}

/** --from/--to select a window that holds none of the folder's records. */
export class WindowOutsideLogsError extends Error {
  override readonly name = 'WindowOutsideLogsError';
}

export interface HuntFolderOptions {
  from?: Date;
  to?: Date;
  hosts?: string[];
  pivotIps?: string[];
  pivotDomains?: string[];
  only?: string[];
  onProgress?: (message: string) => void;
  mode?: ScoringMode;
  scope?: ScopeConfig;
  /** Summed seconds from which a pair is a long connection (RITA: 3600). */
  longConnectionMinSeconds?: number;
}

export interface HuntFolderResult {
  threats: ThreatList;
  outcomes: HuntOutcome[];
  window: { from: Date; to: Date };
  /** What the engine loaded per log, for the "loaded ..." line. */
  tables: Record<string, { files: number; rows: number; bytes: number }>;
  /** Files left out and lines skipped while loading, one line each. */
  loadWarnings: string[];
}

/**
 * Hunts a folder of Zeek logs with the local engine and returns the ranked threat list: what
 * `hunt` prints and what a renderer (the HTML report) draws. Throws `NoZeekRecordsError` when the
 * folder holds no records.
 */
export async function huntFolder(folder: string, options: HuntFolderOptions = {}): Promise<HuntFolderResult> {
  const engine = await createDuckDbEngine({ logsDir: folder, onlyColumns: columnsReadByPack(), onProgress: options.onProgress });
  try {
    const loadWarnings = engine.warnings.map((w) => `${w.file}${w.line ? `:${w.line}` : ''}: ${w.message}`);
    const loaded = Object.entries(engine.tables).filter(([, t]) => t.rows > 0);
    if (loaded.length === 0) {
      throw new NoZeekRecordsError(
        `no Zeek records found in ${folder} (looked for ${ZEEK_LOGS.join(', ')} logs: <log>.log, <log>.*.log.gz, <log>.json(.gz), or zeek/<log>/...)${engine.ignored.length ? `; ${engine.ignored.length} other file(s) ignored` : ''}`,
      );
    }
    const extent = await dataExtent(engine);
    const window = { from: options.from ?? extent?.from ?? new Date(0), to: options.to ?? extent?.to ?? new Date() };
    // A window beside the data hunts nothing and would read as "all clear": say so instead.
    if (extent && (window.from.getTime() >= extent.to.getTime() || window.to.getTime() <= extent.from.getTime())) {
      const given = [options.from ? `--from ${options.from.toISOString()}` : '', options.to ? `--to ${options.to.toISOString()}` : ''].filter(Boolean).join(' ');
      throw new WindowOutsideLogsError(`${given} selects no records: the logs in ${folder} run from ${extent.from.toISOString()} to ${extent.to.toISOString()}`);
    }
    if (window.from.getTime() >= window.to.getTime()) throw new WindowOutsideLogsError(`--from ${window.from.toISOString()} is not before the end of the window, ${window.to.toISOString()}`);
    const mode = options.mode ?? 'capture';
    const outcomes = await runHuntPack(engine, { ...window, hosts: options.hosts ?? [], pivotIps: options.pivotIps ?? [], pivotDomains: options.pivotDomains ?? [], mode, scope: options.scope, ...(options.longConnectionMinSeconds !== undefined ? { longConnectionMinSeconds: options.longConnectionMinSeconds } : {}) }, { only: options.only });
    const warnings = logWarnings({ loaded: await tableSpans(engine), readByHunts: tablesReadByPack(), unreadFiles: unreadLogFiles(engine.ignored) });
    // The RITA-exact mode scores against RITA's dataset; without one, RITA skips beacon analysis and so does it.
    const prelude = outcomes.find((o) => o.name === 'rita-dataset');
    if (mode === 'rita' && (!prelude || prelude.error || !prelude.prevalence)) {
      warnings.push(`RITA-exact mode: no dataset span (${prelude?.error ?? 'no in-scope connections'}); beacons were not scored, as RITA skips beacon analysis without one`);
    }
    const threats = buildThreatList(outcomes, { mode, window: { from: window.from.toISOString(), to: window.to.toISOString() }, warnings });
    return { threats, outcomes, window, tables: engine.tables, loadWarnings };
  } finally {
    await engine.close();
  }
}

/**
 * The scope from a file (JSON with RITA's keys: internal_subnets, never_included_subnets, ...)
 * and the options on top: `--internal` adds internal CIDRs; `--never-include` and
 * `--always-include` take CIDRs or domains (a value that is not an address is a domain).
 */
function scopeFromOptions(file: string | undefined, internal: string[] = [], never: string[] = [], always: string[] = []): ScopeConfig {
  const base = file ? parseScopeConfig(JSON.parse(readFileSync(file, 'utf8')) as unknown) : DEFAULT_SCOPE;
  const isAddress = (v: string): boolean => isIP(v.split('/')[0] ?? '') !== 0;
  return parseScopeConfig({
    internal_subnets: [...base.internalSubnets, ...internal],
    never_included_subnets: [...base.neverIncludedSubnets, ...never.filter(isAddress)],
    always_included_subnets: [...base.alwaysIncludedSubnets, ...always.filter(isAddress)],
    never_included_domains: [...base.neverIncludedDomains, ...never.filter((v) => !isAddress(v))],
    always_included_domains: [...base.alwaysIncludedDomains, ...always.filter((v) => !isAddress(v))],
  });
}

function parseDate(value: string | undefined, flag: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--${flag} must be a date and time in ISO 8601, e.g. 2026-11-20T10:00:00Z; got "${value}"`);
  return d;
}

/** Per loaded table, its rows, files and first and last `ts`. */
async function tableSpans(engine: DuckDbEngine): Promise<Record<string, LoadedLog>> {
  const out: Record<string, LoadedLog> = {};
  for (const [log, t] of Object.entries(engine.tables)) {
    if (t.rows === 0) continue;
    const run = await engine.run(`SELECT min(ts) AS lo, max(ts) AS hi FROM ${log}`, []);
    const lo = run.rows[0]?.lo;
    const hi = run.rows[0]?.hi;
    out[log] = { rows: t.rows, files: t.files, ...(typeof lo === 'number' && typeof hi === 'number' ? { from: lo, to: hi } : {}) };
  }
  return out;
}

/** Ignored files that are Zeek logs we know and do not read (sip.log, tunnel.log, dhcp.log, ...), counted per log. */
function unreadLogFiles(ignored: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const path of ignored) {
    const name = basename(path).toLowerCase();
    const log = KNOWN_UNREAD_LOGS.find((l) => name === l || name.startsWith(`${l}.`) || name.startsWith(`${l}-`));
    if (log) out[log] = (out[log] ?? 0) + 1;
  }
  return out;
}

async function dataExtent(engine: DuckDbEngine): Promise<{ from: Date; to: Date } | undefined> {
  // A connection record's ts is its start: the data run until its end (an open_conn snapshot of a
  // two-hour session written at 19:00 carries ts 17:00), so the span ends at the latest ts + duration.
  const ended = (l: string): string => ((ZEEK_TABLES[l] ?? []).some((c) => c.name === 'duration') ? 'max(ts + coalesce(duration, 0))' : 'max(ts)');
  const union = ZEEK_LOGS.map((l) => `SELECT min(ts) AS lo, ${ended(l)} AS hi FROM ${l}`).join(' UNION ALL ');
  const run = await engine.run(`SELECT min(lo) AS lo, max(hi) AS hi FROM (${union})`, []);
  const lo = run.rows[0]?.lo;
  const hi = run.rows[0]?.hi;
  if (typeof lo !== 'number' || typeof hi !== 'number') return undefined;
  return { from: new Date(Math.floor(lo) * 1000), to: new Date((Math.floor(hi) + 1) * 1000) };
}

const fmtScore = (t: Threat): string => t.score.toFixed(3);
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const huntsOf = (t: Threat): string => t.hunts.join('+');

/** `--format json`: the threat list itself, `findings` best first, each hunt with its finding count. */
function renderJson(list: ThreatList, outcomes: HuntOutcome[], findings: Threat[]): string {
  const counts = new Map(outcomes.map((o) => [o.name, o.findings.length]));
  return `${JSON.stringify({ ...list, total: list.total ?? list.findings.length, findings, hunts: list.hunts.map((h) => ({ ...h, findingCount: counts.get(h.name) ?? 0 })) }, null, 2)}\n`;
}

function render(format: string, list: ThreatList, outcomes: HuntOutcome[], findings: Threat[]): string {
  if (format === 'json') return renderJson(list, outcomes, findings);
  const shown = findings.length < list.findings.length ? `, the top ${findings.length} shown` : '';
  const head = `window ${list.window.from} .. ${list.window.to}; ${outcomes.length} hunts, ${list.findings.length} threats${shown} (scored in ${list.mode === 'rita' ? "RITA's dataset window (the RITA-exact mode)" : 'the capture window'})`;
  if (format === 'md') {
    const lines = [`# mirrorhunt hunt`, '', head, '', '| # | severity | score | hunts | threat |', '|---|---|---|---|---|'];
    for (const t of findings) lines.push(`| ${t.rank} | ${t.severity} | ${fmtScore(t)} | ${huntsOf(t)} | ${cell(t.summary)} |`);
    lines.push('', '| hunt | rows | findings | ms | error |', '|---|---|---|---|---|');
    for (const o of outcomes) lines.push(`| ${o.name} | ${o.rowsReturned} | ${o.findings.length} | ${o.elapsedMs} | ${cell(o.error ?? '')} |`);
    return `${lines.join('\n')}\n`;
  }
  const lines = [head, ''];
  if (findings.length === 0) lines.push('nothing found');
  for (const t of findings) lines.push(`${String(t.rank).padStart(3)}  ${t.severity.padEnd(8)} ${fmtScore(t).padEnd(6)} ${huntsOf(t).padEnd(16)} ${t.summary}`);
  const cut = outcomes.filter((o) => o.limitReached !== undefined);
  if (cut.length > 0) lines.push('', ...cut.map((o) => `note: ${o.name} returned its first ${o.limitReached} rows only (the query's LIMIT); narrow --from/--to or --host to see the rest`));
  return `${lines.join('\n')}\n`;
}

export async function huntCommand(argv: string[], io: Io): Promise<number> {
  return runCommand(io, 'hunt', () => hunt(argv, io));
}

async function hunt(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      from: { type: 'string' },
      to: { type: 'string' },
      host: { type: 'string', multiple: true },
      'pivot-ip': { type: 'string', multiple: true },
      'pivot-domain': { type: 'string', multiple: true },
      only: { type: 'string', multiple: true },
      format: { type: 'string', default: 'table' },
      mode: { type: 'string', default: 'capture' },
      scope: { type: 'string' },
      internal: { type: 'string', multiple: true },
      'never-include': { type: 'string', multiple: true },
      'always-include': { type: 'string', multiple: true },
      top: { type: 'string' },
      'long-min': { type: 'string' },
    },
    true,
  );
  if (values.help) {
    io.stdout(`${HUNT_USAGE}\n`);
    return 0;
  }
  const folder = positionals[0];
  if (!folder) throw new UsageError('which folder of Zeek logs? (mirrorhunt hunt DIR)');
  if (positionals.length > 1) throw new UsageError(`one folder only; got ${positionals.join(', ')}`);
  const kind = statSync(folder, { throwIfNoEntry: false });
  if (!kind) throw new CliError(`no such folder: ${folder}`);
  if (!kind.isDirectory()) throw new CliError(`${folder} is a file; give the folder that holds the Zeek logs`);
  // `text` and `table` are the same plain listing.
  const format = values.format === 'text' ? 'table' : (values.format ?? 'table');
  if (!['table', 'json', 'md', 'html'].includes(format)) throw new UsageError(`--format must be text, json, md or html; got "${values.format}"`);
  // --only may repeat or take a comma list: --only beacon-ip,strobe.
  const only = values.only?.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  // The RITA-exact prelude is not a hunt one can ask for: it runs by itself with --mode rita.
  const unknown = (only ?? []).filter((n) => !listHunts('capture').some((h) => h.name === n));
  if (unknown.length > 0) throw new UsageError(`unknown hunt(s): ${unknown.join(', ')} (hunts: ${listHunts('capture').map((h) => h.name).join(', ')})`);
  const top = values.top === undefined ? undefined : Number(values.top);
  if (top !== undefined && (!/^\s*\d+\s*$/.test(values.top ?? '') || top < 1)) throw new UsageError(`${RULES.top}; got "${values.top}"`);
  const from = parseDate(values.from, 'from');
  const to = parseDate(values.to, 'to');
  if (from && to && from.getTime() >= to.getTime()) throw new UsageError(`--from (${from.toISOString()}) must be before --to (${to.toISOString()})`);
  const notIps = [...(values.host ?? []), ...(values['pivot-ip'] ?? [])].filter((h) => isIP(h.trim()) === 0);
  if (notIps.length > 0) throw new UsageError(`not an IP address: ${notIps.join(', ')} (--host and --pivot-ip take addresses)`);

  const longMin = parseLongMin(values['long-min']);
  if (values.mode !== 'capture' && values.mode !== 'rita') throw new UsageError(`--mode must be capture or rita; got "${values.mode}"`);
  let scope: ScopeConfig;
  try {
    scope = scopeFromOptions(values.scope, values.internal, values['never-include'], values['always-include']);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  let lastProgress = 0;
  let result: HuntFolderResult;
  try {
    result = await huntFolder(folder, {
      from,
      to,
      hosts: values.host ?? [],
      pivotIps: values['pivot-ip'] ?? [],
      pivotDomains: values['pivot-domain'] ?? [],
      only,
      mode: values.mode,
      scope,
      ...(longMin !== undefined ? { longConnectionMinSeconds: longMin } : {}),
      onProgress: (message) => {
        // Progress only on inputs big enough to make someone wonder, and at most twice a second.
        const now = Date.now();
        if (now - lastProgress > 500) {
          lastProgress = now;
          io.stderr(`${message}\n`);
        }
      },
    });
  } catch (error) {
    if (error instanceof NoZeekRecordsError || error instanceof WindowOutsideLogsError) throw new CliError(error.message);
    throw error;
  }
  for (const w of result.loadWarnings) io.stderr(`warning: ${w}\n`);
  const loaded = Object.entries(result.tables).filter(([, t]) => t.rows > 0);
  io.stderr(`loaded ${loaded.map(([name, t]) => `${name} ${t.rows} rows/${t.files} files`).join(', ')}\n`);
  for (const o of result.outcomes.filter((x) => x.error)) io.stderr(`hunt ${o.name} failed: ${o.error}\n`);
  for (const w of result.threats.warnings) io.stderr(`warning: ${w}\n`);
  const findings = top ? result.threats.findings.slice(0, top) : result.threats.findings;
  // html: the investigation report's page (functions/shared/report/html.ts) for this folder.
  io.stdout(format === 'html' ? await renderThreatListHtml({ ...result.threats, findings }, folder, new Date().toISOString()) : render(format, result.threats, result.outcomes, findings));
  return result.outcomes.some((o) => o.error) ? 1 : 0;
}

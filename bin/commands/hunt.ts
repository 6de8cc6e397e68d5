import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { createDuckDbEngine, type DuckDbEngine } from '../../local/duckdb-engine';
import { columnsReadByPack, listHunts, runHuntPack, type HuntFinding, type HuntOutcome, type Severity } from '../../functions/shared/hunting/pack';
import { ZEEK_LOGS } from '../../functions/shared/hunting/schema';

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export const HUNT_USAGE = `usage: mirrorhunt hunt <folder> [--from ISO] [--to ISO] [--host IP ...]
                       [--pivot-ip IP ...] [--pivot-domain NAME ...] [--only HUNT[,HUNT...] ...]
                       [--format table|json|md] [--top N]
Runs the hunt pack (${listHunts().length} hunts) over a folder of Zeek logs with DuckDB, locally.
The folder may hold our S3 layout (zeek/<log>/dt=.../hour=.../*.json.gz) or logs as Zeek writes
them: conn.log, conn.*.log.gz, dns.json.gz, ... (JSON or TSV, gzip or not).
Without --from/--to the window is the time span of the logs. Exit code 0 also when nothing is found.
hunts: ${listHunts().map((h) => h.name).join(', ')}`;

const RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };

interface Ranked extends HuntFinding {
  hunt: string;
}

function ranked(outcomes: HuntOutcome[]): Ranked[] {
  return outcomes
    .flatMap((o) => o.findings.map((f) => ({ hunt: o.name, ...f })))
    .sort((a, b) => RANK[b.severity] - RANK[a.severity] || (b.score ?? 0) - (a.score ?? 0));
}

function parseDate(value: string | undefined, flag: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new Error(`--${flag}: "${value}" is not a date (use ISO 8601, e.g. 2026-11-20T10:00:00Z)`);
  return d;
}

async function dataExtent(engine: DuckDbEngine): Promise<{ from: Date; to: Date } | undefined> {
  const union = ZEEK_LOGS.map((l) => `SELECT min(ts) AS lo, max(ts) AS hi FROM ${l}`).join(' UNION ALL ');
  const run = await engine.run(`SELECT min(lo) AS lo, max(hi) AS hi FROM (${union})`, []);
  const lo = run.rows[0]?.lo;
  const hi = run.rows[0]?.hi;
  if (typeof lo !== 'number' || typeof hi !== 'number') return undefined;
  return { from: new Date(Math.floor(lo) * 1000), to: new Date((Math.floor(hi) + 1) * 1000) };
}

const fmtScore = (f: HuntFinding): string => (f.score === undefined ? '' : f.score.toFixed(3));
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function render(format: string, findings: Ranked[], outcomes: HuntOutcome[], window: { from: Date; to: Date }): string {
  if (format === 'json') {
    return `${JSON.stringify({ window: { from: window.from.toISOString(), to: window.to.toISOString() }, findings, hunts: outcomes.map(({ findings: f, ...rest }) => ({ ...rest, findingCount: f.length })) }, null, 2)}\n`;
  }
  const head = `window ${window.from.toISOString()} .. ${window.to.toISOString()}; ${outcomes.length} hunts, ${findings.length} findings`;
  if (format === 'md') {
    const lines = [`# mirrorhunt hunt`, '', head, '', '| # | severity | score | hunt | finding |', '|---|---|---|---|---|'];
    findings.forEach((f, i) => lines.push(`| ${i + 1} | ${f.severity} | ${fmtScore(f)} | ${f.hunt} | ${cell(f.summary)} |`));
    lines.push('', '| hunt | rows | findings | ms | error |', '|---|---|---|---|---|');
    for (const o of outcomes) lines.push(`| ${o.name} | ${o.rowsReturned} | ${o.findings.length} | ${o.elapsedMs} | ${cell(o.error ?? '')} |`);
    return `${lines.join('\n')}\n`;
  }
  const lines = [head, ''];
  if (findings.length === 0) lines.push('nothing found');
  findings.forEach((f, i) => lines.push(`${String(i + 1).padStart(3)}  ${f.severity.padEnd(8)} ${fmtScore(f).padEnd(6)} ${f.hunt.padEnd(16)} ${f.summary}`));
  const cut = outcomes.filter((o) => o.limitReached !== undefined);
  if (cut.length > 0) lines.push('', ...cut.map((o) => `note: ${o.name} returned its first ${o.limitReached} rows only (the query's LIMIT); narrow --from/--to or --host to see the rest`));
  return `${lines.join('\n')}\n`;
}

export async function huntCommand(argv: string[], io: Io): Promise<number> {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        host: { type: 'string', multiple: true },
        'pivot-ip': { type: 'string', multiple: true },
        'pivot-domain': { type: 'string', multiple: true },
        only: { type: 'string', multiple: true },
        format: { type: 'string', default: 'table' },
        top: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    io.stderr(`${(error as Error).message}\n${HUNT_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(`${HUNT_USAGE}\n`);
    return 0;
  }
  const folder = positionals[0];
  if (!folder || positionals.length > 1) {
    io.stderr(`${folder ? 'one folder only' : 'which folder of Zeek logs?'}\n${HUNT_USAGE}\n`);
    return 2;
  }
  if (!['table', 'json', 'md'].includes(values.format ?? '')) {
    io.stderr(`--format must be table, json or md\n`);
    return 2;
  }
  // --only may repeat or take a comma list: --only beacon-ip,strobe.
  const only = values.only?.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  const unknown = (only ?? []).filter((n) => !listHunts().some((h) => h.name === n));
  if (unknown.length > 0) {
    io.stderr(`unknown hunt(s): ${unknown.join(', ')}\n${HUNT_USAGE}\n`);
    return 2;
  }
  const top = values.top === undefined ? undefined : Number(values.top);
  let from: Date | undefined;
  let to: Date | undefined;
  try {
    from = parseDate(values.from, 'from');
    to = parseDate(values.to, 'to');
    if (top !== undefined && (!Number.isInteger(top) || top < 1)) throw new Error('--top must be a positive whole number');
    if (from && to && from.getTime() >= to.getTime()) throw new Error(`--from (${from.toISOString()}) must be before --to (${to.toISOString()})`);
    const notIps = [...(values.host ?? []), ...(values['pivot-ip'] ?? [])].filter((h) => isIP(h.trim()) === 0);
    if (notIps.length > 0) throw new Error(`not an IP address: ${notIps.join(', ')} (--host and --pivot-ip take addresses)`);
  } catch (error) {
    io.stderr(`${(error as Error).message}\n`);
    return 2;
  }

  let engine: DuckDbEngine;
  let lastProgress = 0;
  try {
    engine = await createDuckDbEngine({
      logsDir: folder,
      onlyColumns: columnsReadByPack(),
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
    io.stderr(`mirrorhunt hunt: ${(error as Error).message}\n`);
    return 1;
  }
  try {
    for (const w of engine.warnings) io.stderr(`warning: ${w.file}${w.line ? `:${w.line}` : ''}: ${w.message}\n`);
    const loaded = Object.entries(engine.tables).filter(([, t]) => t.rows > 0);
    if (loaded.length === 0) {
      io.stderr(`mirrorhunt hunt: no Zeek records found in ${folder} (looked for ${ZEEK_LOGS.join(', ')} logs: <log>.log, <log>.*.log.gz, <log>.json(.gz), or zeek/<log>/...)${engine.ignored.length ? `; ${engine.ignored.length} other file(s) ignored` : ''}\n`);
      return 1;
    }
    io.stderr(`loaded ${loaded.map(([name, t]) => `${name} ${t.rows} rows/${t.files} files`).join(', ')}\n`);
    const extent = from && to ? undefined : await dataExtent(engine);
    const window = { from: from ?? extent?.from ?? new Date(0), to: to ?? extent?.to ?? new Date() };
    const outcomes = await runHuntPack(engine, { ...window, hosts: values.host ?? [], pivotIps: values['pivot-ip'] ?? [], pivotDomains: values['pivot-domain'] ?? [] }, { only });
    for (const o of outcomes.filter((x) => x.error)) io.stderr(`hunt ${o.name} failed: ${o.error}\n`);
    const findings = ranked(outcomes);
    io.stdout(render(values.format ?? 'table', top ? findings.slice(0, top) : findings, outcomes, window));
    return outcomes.some((o) => o.error) ? 1 : 0;
  } finally {
    await engine.close();
  }
}

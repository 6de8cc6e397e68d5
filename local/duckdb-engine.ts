import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import type { QueryEngine, QueryRun, SqlParam, SqlValue } from '../functions/shared/hunting/engine';
import { ZEEK_TABLES, type ColumnKind, type ZeekColumn } from '../functions/shared/hunting/schema';
import { discoverZeekLogs, type LoadWarning, type ZeekFile } from './zeek-logs/discover';

/**
 * The local query engine: DuckDB over a folder of Zeek logs, answering the same SQL files as
 * Athena does.
 *
 * How files become tables. Every file found under `logsDir` is classified by its path (`zeek/<log>/...`,
 * our S3 layout) or its name (`conn.log`, `conn.09:00:00-10:00:00.log.gz`, `dns.json.gz`), and
 * read as JSON lines or as TSV with `#fields` headers, gzip or not. Each log becomes one table
 * named like the Glue table (`conn`, `dns`, ...) with the Glue columns (`schema.ts`):
 * dotted keys (`id.orig_h`) and underscore keys (`id_orig_h`) both land in `id_orig_h`; `ts`
 * (and other time fields) may be epoch seconds or an ISO string and becomes epoch seconds; TSV's
 * `-` is NULL and `(empty)` an empty value; `T`/`F` are booleans; fields we do not know are
 * ignored and fields a file lacks are NULL. Zeek sets/vectors are kept as text (Athena: arrays;
 * no hunt reads them). `dt` and `hour` are derived from `ts` rather than from the path, so a wild
 * folder and the Hive layout look the same. Tables are loaded once, when the engine is created:
 * one read of the files, then every hunt runs on memory instead of re-reading gzip.
 * A log with no files is an empty table: a capture without HTTP is normal.
 *
 * The dialect shim (Athena/Trino names DuckDB lacks, as macros): `array_join`, `regexp_like`,
 * `from_unixtime`, `to_unixtime`, `approx_distinct`, `approx_percentile`. What a macro cannot
 * fix is a rule for the SQL files instead: cast before dividing (integer `/` differs), no
 * `cardinality`/`element_at` on arrays, no `date_diff`, quote `"hour"`.
 */
export interface DuckDbEngine extends QueryEngine {
  close(): Promise<void>;
  /** Files left out and lines skipped, each naming the file (and line where known). */
  readonly warnings: LoadWarning[];
  /** What was loaded per table. */
  readonly tables: Record<string, { files: number; rows: number; bytes: number }>;
  /** Files under `logsDir` that are not logs the pack reads. */
  readonly ignored: string[];
}

const SHIM_MACROS = [
  'CREATE OR REPLACE MACRO array_join(a, s) AS array_to_string(a, s)',
  'CREATE OR REPLACE MACRO regexp_like(s, p) AS regexp_matches(s, p)',
  'CREATE OR REPLACE MACRO from_unixtime(x) AS to_timestamp(x)',
  'CREATE OR REPLACE MACRO to_unixtime(t) AS epoch(t)',
  'CREATE OR REPLACE MACRO approx_distinct(x) AS approx_count_distinct(x)',
  'CREATE OR REPLACE MACRO approx_percentile(x, p) AS approx_quantile(x, p)',
];

const DUCK_TYPE: Record<ColumnKind, string> = { time: 'DOUBLE', string: 'VARCHAR', int: 'INTEGER', bigint: 'BIGINT', double: 'DOUBLE', bool: 'BOOLEAN', set: 'VARCHAR' };
/** How JSON values are declared to read_json: times and sets arrive in several shapes, so as text first. */
const JSON_READ_TYPE: Record<ColumnKind, string> = { ...DUCK_TYPE, time: 'VARCHAR', set: 'VARCHAR' };

const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/** Zeek's record prefixes that become dots with the default scope separator. */
const DOTTED_PREFIXES = ['id_', 'certificate_', 'basic_constraints_', 'san_'];
function dottedName(column: string): string | undefined {
  const p = DOTTED_PREFIXES.find((x) => column.startsWith(x));
  return p ? `${p.slice(0, -1)}.${column.slice(p.length)}` : undefined;
}

function timeExpr(src: string): string {
  return `coalesce(try_cast(${src} AS DOUBLE), epoch(try_cast(${src} AS TIMESTAMPTZ)))`;
}

function castExpr(src: string, kind: ColumnKind, fromText: boolean): string {
  if (kind === 'time') return timeExpr(src);
  if (!fromText) return src;
  if (kind === 'bool') return `CASE ${src} WHEN 'T' THEN true WHEN 'F' THEN false ELSE try_cast(${src} AS BOOLEAN) END`;
  if (kind === 'string' || kind === 'set') return src;
  return `try_cast(${src} AS ${DUCK_TYPE[kind]})`;
}

function jsonSelect(log: string, files: ZeekFile[], gzip: boolean): string {
  const columns = ZEEK_TABLES[log] as ZeekColumn[];
  const declared: string[] = [];
  for (const col of columns) {
    declared.push(`${sqlString(col.name)}: ${sqlString(JSON_READ_TYPE[col.kind])}`);
    const dotted = dottedName(col.name);
    if (dotted) declared.push(`${sqlString(dotted)}: ${sqlString(JSON_READ_TYPE[col.kind])}`);
  }
  const exprs = columns.map((col) => {
    const dotted = dottedName(col.name);
    const src = dotted ? `coalesce(${ident(col.name)}, ${ident(dotted)})` : ident(col.name);
    return `${castExpr(src, col.kind, false)} AS ${ident(col.name)}`;
  });
  const list = `[${files.map((f) => sqlString(f.path)).join(', ')}]`;
  return `SELECT ${exprs.join(', ')} FROM read_json(${list}, format = 'newline_delimited', compression = ${sqlString(gzip ? 'gzip' : 'uncompressed')}, ignore_errors = true, maximum_object_size = 16777216, columns = {${declared.join(', ')}})`;
}

function tsvSelect(log: string, files: ZeekFile[], fields: string[], gzip: boolean): string {
  const columns = ZEEK_TABLES[log] as ZeekColumn[];
  const normalized = fields.map((f) => f.replace(/\./g, '_'));
  const csvColumns = fields.map((f, i) => `${sqlString(`c${i}`)}: 'VARCHAR'`).join(', ');
  const exprs = columns.map((col) => {
    const i = normalized.indexOf(col.name);
    if (i < 0) return `CAST(NULL AS ${DUCK_TYPE[col.kind]}) AS ${ident(col.name)}`;
    const raw = `nullif(nullif(c${i}, '-'), '(empty)')`;
    return `${castExpr(raw, col.kind, true)} AS ${ident(col.name)}`;
  });
  const list = `[${files.map((f) => sqlString(f.path)).join(', ')}]`;
  // Header and footer lines start with '#'; they either fail the column count (skipped) or are filtered here.
  return `SELECT ${exprs.join(', ')} FROM read_csv(${list}, delim = '\t', quote = '', escape = '', header = false, auto_detect = false, compression = ${sqlString(gzip ? 'gzip' : 'none')}, ignore_errors = true, null_padding = false, columns = {${csvColumns}}) WHERE NOT starts_with(c0, '#')`;
}

function emptySelect(log: string): string {
  const columns = ZEEK_TABLES[log] as ZeekColumn[];
  return `SELECT ${columns.map((c) => `CAST(NULL AS ${DUCK_TYPE[c.kind]}) AS ${ident(c.name)}`).join(', ')} WHERE false`;
}

function toSqlValue(v: DuckDBValue): SqlValue {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number(v);
  const s = String(v);
  const n = Number(s);
  return s !== '' && Number.isFinite(n) && /^-?[\d.]+(e[-+]?\d+)?$/i.test(s) ? n : s;
}

async function loadTables(conn: DuckDBConnection, files: ZeekFile[], warnings: LoadWarning[]): Promise<Record<string, { files: number; rows: number; bytes: number }>> {
  const tables: Record<string, { files: number; rows: number; bytes: number }> = {};
  for (const log of Object.keys(ZEEK_TABLES)) {
    const mine = files.filter((f) => f.log === log);
    const groups = new Map<string, { files: ZeekFile[]; select: (fs: ZeekFile[]) => string }>();
    for (const f of mine) {
      const key = `${f.format}|${f.gzip}|${f.format === 'tsv' ? f.fields.join(',') : ''}`;
      if (!groups.has(key)) {
        groups.set(key, {
          files: [],
          select: f.format === 'json' ? (fs) => jsonSelect(log, fs, f.gzip) : (fs) => tsvSelect(log, fs, f.fields, f.gzip),
        });
      }
      groups.get(key)?.files.push(f);
    }
    const parts = [...groups.values()].map((g) => g.select(g.files));
    const body = parts.length > 0 ? parts.join(' UNION ALL BY NAME ') : emptySelect(log);
    try {
      await conn.run(
        `CREATE OR REPLACE TABLE ${ident(log)} AS SELECT *, strftime(to_timestamp(ts), '%Y-%m-%d') AS dt, CAST(date_part('hour', to_timestamp(ts)) AS INTEGER) AS "hour" FROM (${body}) WHERE ts IS NOT NULL`,
      );
    } catch (error) {
      // One unreadable group must not cost the other logs: keep the table, empty, and say why.
      warnings.push({ file: mine.map((f) => f.source).join(', '), message: `could not load ${log}: ${error instanceof Error ? error.message : String(error)}` });
      await conn.run(`CREATE OR REPLACE TABLE ${ident(log)} AS SELECT *, CAST(NULL AS VARCHAR) AS dt, CAST(NULL AS INTEGER) AS "hour" FROM (${emptySelect(log)})`);
    }
    const count = await conn.runAndReadAll(`SELECT count(*) AS n FROM ${ident(log)}`);
    const rows = Number(count.getRowObjects()[0]?.n ?? 0);
    const withoutTs = mine.reduce((n, f) => n + f.lines - f.malformedLines, 0) - rows;
    if (mine.length > 0 && withoutTs > 0) warnings.push({ file: `${log} logs`, message: `${withoutTs} record(s) without a usable ts or with fields of the wrong type skipped` });
    tables[log] = { files: mine.length, rows, bytes: mine.reduce((n, f) => n + f.bytes, 0) };
  }
  return tables;
}

export async function createDuckDbEngine(options: { logsDir: string; memoryLimit?: string; onProgress?: (message: string) => void }): Promise<DuckDbEngine> {
  const info = await stat(options.logsDir).catch(() => undefined);
  if (!info?.isDirectory()) throw new Error(`${options.logsDir}: not a folder`);
  const cleanDir = await mkdtemp(join(tmpdir(), 'mirrorhunt-clean-'));
  const discovery = await discoverZeekLogs(options.logsDir, {
    cleanDir,
    onFile: (path, i, total) => options.onProgress?.(`reading ${i + 1}/${total}: ${path}`),
  });
  const instance = await DuckDBInstance.create(':memory:', { memory_limit: options.memoryLimit ?? '1GB', preserve_insertion_order: 'false' });
  const conn = await instance.connect();
  for (const macro of SHIM_MACROS) await conn.run(macro);
  options.onProgress?.(`loading ${discovery.files.length} file(s) into DuckDB`);
  const warnings = [...discovery.warnings];
  const tables = await loadTables(conn, discovery.files, warnings);
  return {
    name: 'duckdb',
    warnings,
    tables,
    ignored: discovery.ignored,
    async run(sql: string, params: readonly SqlParam[]): Promise<QueryRun> {
      const started = Date.now();
      const reader = await conn.runAndReadAll(sql, params.length > 0 ? [...params] : undefined);
      const rows = reader.getRowObjects().map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, toSqlValue(v)])));
      return { rows, elapsedMs: Date.now() - started };
    },
    async close(): Promise<void> {
      conn.closeSync();
      instance.closeSync();
      await rm(cleanDir, { recursive: true, force: true });
    },
  };
}

import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import type { QueryEngine, QueryRun, SqlParam, SqlValue } from '../functions/shared/hunting/engine';
import { ZEEK_TABLES, type ColumnKind, type ZeekColumn } from '../functions/shared/hunting/schema';
import { findZeekFiles, inspectZeekFiles, sniffJsonFile, type LoadWarning, type SniffedJsonFile, type ZeekCandidate, type ZeekFile } from './zeek-logs/discover';

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
 * no hunt reads them). `dt` and `hour` come from the key path (`dt=.../hour=...`) when the file sits
 * in our S3 layout, as Athena's partition projection takes them, and from `ts` otherwise.
 *
 * Strict JSON lines. Athena's Hive JSON SerDe fails the whole query on one malformed line (a file
 * cut short by a Zeek crash); DuckDB could skip it silently. We do neither: a truncated or broken
 * line is left out with a warning naming the file and line, so the local run says what Athena
 * would have choked on, and the rest of the file is still hunted. Tables are loaded once, when the engine is created,
 * then every hunt runs on memory instead of re-reading gzip.
 *
 * One read when the files allow it. Only the first line of each file is looked at up front (key
 * style, `ts` as number or text); DuckDB then reads the files once, strictly. Only when that read
 * fails (a broken line, a corrupt gzip, a value of the wrong type, TSV) does the log take the
 * careful path: every line inspected in Node, broken lines cut out into clean copies, a gzip cut
 * short kept up to the damage, files that cannot be read at all left out, each with a warning,
 * and a forgiving DuckDB read. With `onlyColumns` (`columnsReadByPack()`)
 * a table holds just the columns the hunts read.
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

function jsonSelect(columns: ZeekColumn[], files: ZeekFile[], gzip: boolean): string {
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
  return `SELECT ${exprs.join(', ')}, ${sourceKey(files)} FROM read_json(${list}, format = 'newline_delimited', compression = ${sqlString(gzip ? 'gzip' : 'uncompressed')}, ignore_errors = true, maximum_object_size = 16777216, filename = true, columns = {${declared.join(', ')}})`;
}

/**
 * The one-pass read of JSON files whose first records agree on key style and `ts` type, which
 * is every file our sensors write. Declaring only the keys the files use and a numeric `ts` as
 * DOUBLE spares DuckDB a text round trip per value. Strict: a broken line, a corrupt gzip or a
 * value of the wrong type fails the read, and the caller falls back to the careful path.
 */
function fastJsonSelect(columns: ZeekColumn[], files: SniffedJsonFile[]): string {
  const first = files[0] as SniffedJsonFile;
  const dottedKeys = first.fields.some((f) => f.includes('.'));
  const declared: string[] = [];
  const exprs = columns.map((col) => {
    const numericTs = col.name === 'ts' && first.numericTs;
    const type = numericTs ? 'DOUBLE' : JSON_READ_TYPE[col.kind];
    const dotted = dottedKeys ? dottedName(col.name) : undefined;
    declared.push(`${sqlString(col.name)}: ${sqlString(type)}`);
    if (dotted) declared.push(`${sqlString(dotted)}: ${sqlString(type)}`);
    const src = dotted ? `coalesce(${ident(col.name)}, ${ident(dotted)})` : ident(col.name);
    return `${numericTs ? src : castExpr(src, col.kind, false)} AS ${ident(col.name)}`;
  });
  const list = `[${files.map((f) => sqlString(f.path)).join(', ')}]`;
  return `SELECT ${exprs.join(', ')}, ${sourceKey(files)} FROM read_json(${list}, format = 'newline_delimited', compression = ${sqlString(first.gzip ? 'gzip' : 'uncompressed')}, maximum_object_size = 16777216, filename = true, columns = {${declared.join(', ')}})`;
}

/** Groups sniffed files that DuckDB can read with one declaration; `undefined` if any file needs the careful path. */
function fastReadOf(columns: ZeekColumn[], sniffed: Array<SniffedJsonFile | undefined>): string | undefined {
  if (sniffed.length === 0 || sniffed.some((f) => f === undefined)) return undefined;
  const groups = new Map<string, SniffedJsonFile[]>();
  for (const f of sniffed as SniffedJsonFile[]) {
    const key = `${f.gzip}|${f.fields.some((k) => k.includes('.'))}|${f.numericTs}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return [...groups.values()].map((fs) => fastJsonSelect(columns, fs)).join(' UNION ALL BY NAME ');
}

function tsvSelect(columns: ZeekColumn[], files: ZeekFile[], fields: string[], gzip: boolean): string {
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
  return `SELECT ${exprs.join(', ')}, ${sourceKey(files)} FROM read_csv(${list}, delim = '\t', quote = '', escape = '', header = false, auto_detect = false, compression = ${sqlString(gzip ? 'gzip' : 'none')}, ignore_errors = true, null_padding = false, filename = true, columns = {${csvColumns}}) WHERE NOT starts_with(c0, '#')`;
}

function emptySelect(columns: ZeekColumn[]): string {
  return `SELECT ${columns.map((c) => `CAST(NULL AS ${DUCK_TYPE[c.kind]}) AS ${ident(c.name)}`).join(', ')}, CAST(NULL AS VARCHAR) AS _source_key WHERE false`;
}

/**
 * The S3 key a record came from, when its file sits in our layout (`.../dt=YYYY-MM-DD/hour=HH/...`):
 * Athena takes `dt` and `hour` from the key, not from `ts`, and so must we, or a file that closes
 * after the hour its records began would sit in a different partition here than on Athena. Files
 * outside the layout (and cleaned copies of broken files) carry NULL, and their partition comes from `ts`.
 */
function sourceKey(files: Array<{ path: string }>): string {
  return files.some((f) => /[/\\]dt=\d{4}-\d{2}-\d{2}[/\\]hour=\d{1,2}[/\\]/.test(f.path)) ? `filename AS _source_key` : `CAST(NULL AS VARCHAR) AS _source_key`;
}

function toSqlValue(v: DuckDBValue): SqlValue {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number(v);
  const s = String(v);
  const n = Number(s);
  return s !== '' && Number.isFinite(n) && /^-?[\d.]+(e[-+]?\d+)?$/i.test(s) ? n : s;
}

/**
 * Athena's partition columns: from the key (`dt=`/`hour=` path segments) when the file has one, as
 * Athena's partition projection reads them; else the UTC date and hour of `ts` (plain arithmetic).
 */
const PARTITION_COLUMNS = `coalesce(nullif(regexp_extract(_source_key, 'dt=(\\d{4}-\\d{2}-\\d{2})', 1), ''), CAST(CAST(make_timestamp(CAST(floor(ts * 1000000) AS BIGINT)) AS DATE) AS VARCHAR)) AS dt, coalesce(CAST(nullif(regexp_extract(_source_key, 'hour=(\\d{1,2})', 1), '') AS INTEGER), CAST(hour(make_timestamp(CAST(floor(ts * 1000000) AS BIGINT))) AS INTEGER)) AS "hour"`;

type TableInfo = { files: number; rows: number; bytes: number };

interface LoadOptions {
  cleanDir: string;
  onProgress?: (message: string) => void;
  /** Per table, the columns to load (see `columnsReadByPack`); every Glue column when absent. */
  onlyColumns?: Record<string, readonly string[]>;
}

function columnsOf(log: string, onlyColumns?: Record<string, readonly string[]>): ZeekColumn[] {
  const all = ZEEK_TABLES[log] as ZeekColumn[];
  const wanted = onlyColumns?.[log];
  return wanted ? all.filter((c) => c.name === 'ts' || wanted.includes(c.name)) : all;
}

/**
 * The fast path: one DuckDB read of the files, no other pass over them. Returns undefined when
 * the read fails (the table is then loaded the careful way).
 */
async function loadFast(conn: DuckDBConnection, log: string, read: string, warnings: LoadWarning[]): Promise<number | undefined> {
  try {
    await conn.run(`CREATE OR REPLACE TABLE ${ident(log)} AS SELECT * EXCLUDE (_source_key), ${PARTITION_COLUMNS} FROM (${read})`);
  } catch {
    return undefined;
  }
  const counts = (await conn.runAndReadAll(`SELECT count(*) AS n, count(*) FILTER (WHERE ts IS NULL) AS missing FROM ${ident(log)}`)).getRowObjects()[0];
  const missing = Number(counts?.missing ?? 0);
  if (missing > 0) {
    await conn.run(`DELETE FROM ${ident(log)} WHERE ts IS NULL`);
    warnings.push({ file: `${log} logs`, message: `${missing} record(s) without a usable ts skipped` });
  }
  return Number(counts?.n ?? 0) - missing;
}

/**
 * The careful path: every line of every file inspected first (malformed lines cut out into clean
 * copies, corrupt or foreign files left out with a warning), then a forgiving DuckDB read.
 */
async function loadCarefully(conn: DuckDBConnection, log: string, columns: ZeekColumn[], candidates: ZeekCandidate[], warnings: LoadWarning[], options: LoadOptions): Promise<TableInfo> {
  const inspected = await inspectZeekFiles(candidates, { cleanDir: options.cleanDir, onFile: (path, i, total) => options.onProgress?.(`reading ${i + 1}/${total}: ${path}`) });
  warnings.push(...inspected.warnings);
  const mine = inspected.files;
  const groups = new Map<string, { files: ZeekFile[]; select: (fs: ZeekFile[]) => string }>();
  for (const f of mine) {
    const key = `${f.format}|${f.gzip}|${f.format === 'tsv' ? f.fields.join(',') : ''}`;
    if (!groups.has(key)) {
      groups.set(key, {
        files: [],
        select: f.format === 'json' ? (fs) => jsonSelect(columns, fs, f.gzip) : (fs) => tsvSelect(columns, fs, f.fields, f.gzip),
      });
    }
    groups.get(key)?.files.push(f);
  }
  const parts = [...groups.values()].map((g) => g.select(g.files));
  const body = parts.length > 0 ? parts.join(' UNION ALL BY NAME ') : emptySelect(columns);
  try {
    await conn.run(`CREATE OR REPLACE TABLE ${ident(log)} AS SELECT * EXCLUDE (_source_key), ${PARTITION_COLUMNS} FROM (${body}) WHERE ts IS NOT NULL`);
  } catch (error) {
    // One unreadable group must not cost the other logs: keep the table, empty, and say why.
    warnings.push({ file: mine.map((f) => f.source).join(', '), message: `could not load ${log}: ${error instanceof Error ? error.message : String(error)}` });
    await conn.run(`CREATE OR REPLACE TABLE ${ident(log)} AS SELECT * EXCLUDE (_source_key), CAST(NULL AS VARCHAR) AS dt, CAST(NULL AS INTEGER) AS "hour" FROM (${emptySelect(columns)})`);
  }
  const count = await conn.runAndReadAll(`SELECT count(*) AS n FROM ${ident(log)}`);
  const rows = Number(count.getRowObjects()[0]?.n ?? 0);
  const withoutTs = mine.reduce((n, f) => n + f.lines - f.malformedLines, 0) - rows;
  if (mine.length > 0 && withoutTs > 0) warnings.push({ file: `${log} logs`, message: `${withoutTs} record(s) without a usable ts or with fields of the wrong type skipped` });
  return { files: mine.length, rows, bytes: mine.reduce((n, f) => n + f.bytes, 0) };
}

const SNIFF_CONCURRENCY = 8;

async function sniffAll(candidates: ZeekCandidate[]): Promise<Array<SniffedJsonFile | undefined>> {
  const out: Array<SniffedJsonFile | undefined> = new Array(candidates.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < candidates.length) {
      const i = next++;
      out[i] = await sniffJsonFile(candidates[i] as ZeekCandidate);
    }
  };
  await Promise.all(Array.from({ length: Math.min(SNIFF_CONCURRENCY, candidates.length) }, worker));
  return out;
}

/**
 * How each log's files are read when they all look like our sensors' JSON: the same `read_json`
 * the engine loads from. Exposed so a benchmark's bare scan reads the files exactly the same way.
 */
export async function planFastReads(logsDir: string, onlyColumns?: Record<string, readonly string[]>): Promise<Array<{ log: string; files: number; read: string | undefined }>> {
  const { candidates } = await findZeekFiles(logsDir);
  const sniffed = await sniffAll(candidates);
  return Object.keys(ZEEK_TABLES)
    .map((log) => {
      const mine = sniffed.filter((_, i) => candidates[i]?.log === log);
      return { log, files: mine.length, read: fastReadOf(columnsOf(log, onlyColumns), mine) };
    })
    .filter((p) => p.files > 0);
}

async function loadTables(conn: DuckDBConnection, logsDir: string, warnings: LoadWarning[], options: LoadOptions): Promise<{ tables: Record<string, TableInfo>; ignored: string[] }> {
  const { candidates, ignored } = await findZeekFiles(logsDir);
  const sniffed = await sniffAll(candidates);
  const tables: Record<string, TableInfo> = {};
  for (const log of Object.keys(ZEEK_TABLES)) {
    const columns = columnsOf(log, options.onlyColumns);
    const mine = candidates.filter((c) => c.log === log);
    if (mine.length === 0) {
      await conn.run(`CREATE OR REPLACE TABLE ${ident(log)} AS SELECT * EXCLUDE (_source_key), CAST(NULL AS VARCHAR) AS dt, CAST(NULL AS INTEGER) AS "hour" FROM (${emptySelect(columns)})`);
      tables[log] = { files: 0, rows: 0, bytes: 0 };
      continue;
    }
    const mineSniffed = sniffed.filter((_, i) => candidates[i]?.log === log);
    const read = fastReadOf(columns, mineSniffed);
    options.onProgress?.(`loading ${log}: ${mine.length} file(s)`);
    const rows = read ? await loadFast(conn, log, read, warnings) : undefined;
    tables[log] =
      rows !== undefined
        ? { files: mine.length, rows, bytes: (mineSniffed as SniffedJsonFile[]).reduce((n, f) => n + f.bytes, 0) }
        : await loadCarefully(conn, log, columns, mine, warnings, options);
  }
  return { tables, ignored };
}

export interface DuckDbEngineOptions {
  logsDir: string;
  memoryLimit?: string;
  onProgress?: (message: string) => void;
  /**
   * Per table, the only columns to load (`ts`, `dt` and `hour` always are). For runs of the hunt
   * pack alone pass `columnsReadByPack()`: less to convert and hold, nothing the hunts miss.
   */
  onlyColumns?: Record<string, readonly string[]>;
  /** Hunts run at once (each on its own connection); DuckDB already spreads one query over every core. */
  concurrency?: number;
  /** Keep the tables compressed in memory (default true): a little more load time, much less memory, faster hunts. */
  compressTables?: boolean;
}

const COMPRESSED_DB = 'zeek';
const DEFAULT_MEMORY_LIMIT = '1GB';

/**
 * DuckDB keeps the buffers of the uncompressed load after the checkpoint; squeezing the limit to
 * what the tables now hold hands them back to the system before the hunts need memory of their own.
 * Best effort: if DuckDB cannot shrink that far, the limit simply stays.
 */
async function releaseFreedMemory(conn: DuckDBConnection, limit: string): Promise<void> {
  const held = (await conn.runAndReadAll(`SELECT coalesce(sum(memory_usage_bytes), 0) AS b FROM duckdb_memory() WHERE tag = 'IN_MEMORY_TABLE'`)).getRowObjects()[0]?.b;
  const squeeze = Math.ceil(Number(held ?? 0) / 1048576) + 64;
  try {
    await conn.run(`SET memory_limit = '${squeeze}MB'`);
  } catch {
    // Nothing to give back this time.
  }
  await conn.run(`SET memory_limit = ${sqlString(limit)}`);
}

/** Two at a time keeps the cores busy while one query is in a single-threaded phase or TypeScript scores beacons. */
const DEFAULT_CONCURRENCY = 2;

export async function createDuckDbEngine(options: DuckDbEngineOptions): Promise<DuckDbEngine> {
  const info = await stat(options.logsDir).catch(() => undefined);
  if (!info?.isDirectory()) throw new Error(`${options.logsDir}: not a folder`);
  const cleanDir = await mkdtemp(join(tmpdir(), 'mirrorhunt-clean-'));
  // Spills (if any) go to our own temporary folder, removed on close, not to `.tmp` in the working directory.
  const instance = await DuckDBInstance.create(':memory:', { memory_limit: options.memoryLimit ?? DEFAULT_MEMORY_LIMIT, preserve_insertion_order: 'false', temp_directory: join(cleanDir, 'spill') });
  const conn = await instance.connect();
  const compress = options.compressTables ?? true;
  if (compress) {
    await conn.run(`ATTACH ':memory:' AS ${COMPRESSED_DB} (COMPRESS)`);
    await conn.run(`USE ${COMPRESSED_DB}`);
  }
  for (const macro of SHIM_MACROS) await conn.run(macro);
  const warnings: LoadWarning[] = [];
  const { tables, ignored } = await loadTables(conn, options.logsDir, warnings, { cleanDir, onProgress: options.onProgress, onlyColumns: options.onlyColumns });
  // Compression happens at a checkpoint; afterwards the tables take a fraction of the memory and
  // dictionary-encoded columns (addresses, proto, service, dt) make filters and groupings cheaper.
  if (compress) {
    await conn.run(`CHECKPOINT ${COMPRESSED_DB}`);
    await releaseFreedMemory(conn, options.memoryLimit ?? DEFAULT_MEMORY_LIMIT);
  }
  // One connection per query in flight: a DuckDB connection runs one query at a time.
  const idle: DuckDBConnection[] = [conn];
  const all: DuckDBConnection[] = [conn];
  const acquire = async (): Promise<DuckDBConnection> => {
    const free = idle.pop();
    if (free) return free;
    const fresh = await instance.connect();
    all.push(fresh);
    if (compress) await fresh.run(`USE ${COMPRESSED_DB}`);
    return fresh;
  };
  return {
    name: 'duckdb',
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    warnings,
    tables,
    ignored,
    async run(sql: string, params: readonly SqlParam[]): Promise<QueryRun> {
      const started = Date.now();
      const c = await acquire();
      try {
        const reader = await c.runAndReadAll(sql, params.length > 0 ? [...params] : undefined);
        const rows = reader.getRowObjects().map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, toSqlValue(v)])));
        return { rows, elapsedMs: Date.now() - started };
      } finally {
        idle.push(c);
      }
    },
    async close(): Promise<void> {
      for (const c of all) c.closeSync();
      instance.closeSync();
      await rm(cleanDir, { recursive: true, force: true });
    },
  };
}

import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { ZEEK_TABLES } from '../../functions/shared/hunting/schema';

/**
 * Finds Zeek logs in a folder as they come in the wild and describes each file well enough for
 * DuckDB to read it: which log it is, JSON or TSV, which key style, and which lines are broken.
 */
export interface ZeekFile {
  /** What DuckDB reads: the file itself, or a cleaned copy without its malformed lines. */
  path: string;
  /** The file as found, for messages. */
  source: string;
  log: string;
  gzip: boolean;
  format: 'json' | 'tsv';
  /** TSV: the `#fields` names; JSON: the keys of the first record. Dotted (`id.orig_h`) or not. */
  fields: string[];
  bytes: number;
  lines: number;
  malformedLines: number;
  /** 1-based line numbers of the first few malformed lines, for the warning. */
  malformedExamples: number[];
}

export interface LoadWarning {
  file: string;
  line?: number;
  message: string;
}

export interface Discovery {
  files: ZeekFile[];
  warnings: LoadWarning[];
  /** Files that are not one of the logs the pack reads (dpd, software, ...). */
  ignored: string[];
}

const KNOWN = new Set(Object.keys(ZEEK_TABLES));
const INSPECT_CONCURRENCY = 4;

/**
 * `zeek/conn/dt=.../x.json.gz` (our S3 layout, also when the folder given is `zeek/` itself, or
 * holds `conn/dt=...` directly) or `conn.log`, `conn.09:00:00-10:00:00.log.gz`, `dns.json.gz`.
 */
export function logTypeOf(path: string, root: string): string | undefined {
  const parts = relative(root, path).split(sep);
  const zeekAt = parts.lastIndexOf('zeek');
  if (zeekAt >= 0 && zeekAt + 2 < parts.length) {
    const log = parts[zeekAt + 1] as string;
    if (KNOWN.has(log)) return log;
  }
  // A log's folder followed by its date partition: `conn/dt=2026-11-20/...`.
  for (let i = 0; i + 2 < parts.length; i += 1) {
    if (KNOWN.has(parts[i] as string) && (parts[i + 1] as string).startsWith('dt=')) return parts[i];
  }
  // `open_conn.18_00_00-19_00_00.log.gz` is open_conn; `conn_json.log` (no such log) is read as conn.
  const whole = /^([a-z0-9_]+?)(?:[.-]|$)/i.exec(basename(path))?.[1]?.toLowerCase();
  if (whole && KNOWN.has(whole)) return whole;
  const log = /^([a-z0-9]+)(?:[._-]|$)/i.exec(basename(path))?.[1]?.toLowerCase();
  return log && KNOWN.has(log) ? log : undefined;
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (e.isFile()) out.push(p);
  }
}

async function isGzip(path: string): Promise<boolean> {
  const stream = createReadStream(path, { start: 0, end: 1 });
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  const head = Buffer.concat(chunks);
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * One streaming pass per file: reads the header or first record and counts lines that cannot be
 * a record. This is also where an unreadable file or a corrupt gzip shows up, so such a file is
 * left out with a warning instead of failing the DuckDB read of its whole group.
 */
async function inspect(path: string, log: string, cleanDir?: string): Promise<{ file?: ZeekFile; warning?: LoadWarning }> {
  const gzip = await isGzip(path);
  const { size } = await stat(path);
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  const input = gzip ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
  let streamError: Error | undefined;
  raw.on('error', (e: Error) => (streamError = e));
  input.on('error', (e: Error) => (streamError = e));
  let format: 'json' | 'tsv' | undefined;
  let fields: string[] = [];
  let lineNo = 0;
  let lines = 0;
  let malformed = 0;
  let notZeek = false;
  const examples: number[] = [];
  const badLines = new Set<number>();
  const bad = (n: number): void => {
    malformed += 1;
    badLines.add(n);
    if (examples.length < 5) examples.push(n);
  };
  // Works on bytes, not strings: this pass reads every line of every file, so it must stay cheap.
  const onLine = (buf: Buffer, from: number, to: number): void => {
    lineNo += 1;
    let end = to;
    while (end > from && (buf[end - 1] === 13 || buf[end - 1] === 32)) end -= 1;
    if (end === from) return;
    const first = buf[from];
    if (format === undefined) {
      if (first === 35) format = 'tsv';
      else if (first === 123) {
        try {
          fields = Object.keys(JSON.parse(buf.toString('utf8', from, end)) as object);
          format = 'json';
        } catch {
          bad(lineNo);
          return;
        }
      } else {
        notZeek = true;
        return;
      }
    }
    if (format === 'tsv') {
      if (first === 35) {
        const text = buf.toString('utf8', from, end);
        if (text.startsWith('#fields')) fields = text.split('\t').slice(1);
        return;
      }
      lines += 1;
      let tabs = 0;
      for (let i = from; i < end; i += 1) if (buf[i] === 9) tabs += 1;
      if (fields.length === 0 || tabs !== fields.length - 1) bad(lineNo);
    } else {
      lines += 1;
      // A shape check only: parsing every record here would double the load time.
      if (first !== 123 || buf[end - 1] !== 125) bad(lineNo);
    }
  };
  try {
    let carry: Buffer = Buffer.alloc(0);
    for await (const chunk of input) {
      const buf: Buffer = carry.length > 0 ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
      let start = 0;
      let nl = buf.indexOf(10, start);
      while (nl !== -1) {
        onLine(buf, start, nl);
        if (notZeek) break;
        start = nl + 1;
        nl = buf.indexOf(10, start);
      }
      if (notZeek) break;
      carry = Buffer.from(buf.subarray(start));
    }
    if (!notZeek && carry.length > 0) onLine(carry, 0, carry.length);
  } catch (error) {
    streamError = error instanceof Error ? error : new Error(String(error));
  }
  raw.destroy();
  if (notZeek) return { warning: { file: path, line: lineNo, message: 'not a Zeek log (neither JSON lines nor TSV with #fields)' } };
  if (streamError) {
    const corrupt = /incorrect header|invalid|unexpected end|Z_/i.test(streamError.message);
    const message = corrupt ? `corrupt gzip (${streamError.message})` : `unreadable (${streamError.message})`;
    const readable = lines - malformed;
    // A gzip cut short (a sensor stopped mid-rotation, a partial copy) still holds every line before
    // the damage: those records are kept, not thrown away with the file.
    if (corrupt && cleanDir && format !== undefined && readable > 0 && !(format === 'tsv' && fields.length === 0)) {
      const cleaned = join(cleanDir, `${cleanCount.next++}-${basename(path).replace(/\.gz$/, '')}`);
      await writeCleanCopy(path, gzip, badLines, cleaned, lineNo);
      return {
        file: { path: cleaned, source: path, log, gzip: false, format, fields, bytes: size, lines, malformedLines: malformed, malformedExamples: examples },
        warning: { file: path, line: lineNo + 1, message: `${message} at line ${lineNo + 1}: the ${readable} record(s) before it are kept, the rest of the file is lost` },
      };
    }
    return { warning: { file: path, line: lineNo > 0 ? lineNo + 1 : undefined, message } };
  }
  if (format === undefined) return { warning: { file: path, message: 'empty file' } };
  if (format === 'tsv' && fields.length === 0) return { warning: { file: path, message: 'TSV log without a #fields header' } };
  const file: ZeekFile = { path, source: path, log, gzip, format, fields, bytes: size, lines, malformedLines: malformed, malformedExamples: examples };
  if (malformed > 0 && cleanDir) {
    // DuckDB's own error skipping can lose a whole file to one broken JSON line; a copy without them cannot.
    const cleaned = join(cleanDir, `${cleanCount.next++}-${basename(path).replace(/\.gz$/, '')}`);
    await writeCleanCopy(path, gzip, badLines, cleaned);
    return { file: { ...file, path: cleaned, gzip: false } };
  }
  return { file };
}

const cleanCount = { next: 0 };

/**
 * Copies the file without its bad lines. With `upToLine` (a damaged gzip) only the lines before
 * the damage are copied, and the read error that follows them is expected, not thrown.
 */
async function writeCleanCopy(path: string, gzip: boolean, badLines: Set<number>, target: string, upToLine?: number): Promise<void> {
  const raw = createReadStream(path);
  const input = gzip ? raw.pipe(createGunzip()) : raw;
  if (input !== raw) raw.on('error', (e: Error) => input.destroy(e));
  const rl = createInterface({ input, crlfDelay: Infinity });
  const out = createWriteStream(target);
  let n = 0;
  try {
    for await (const line of rl) {
      n += 1;
      if (upToLine !== undefined && n > upToLine) break;
      if (!badLines.has(n)) out.write(`${line}\n`);
    }
  } catch (error) {
    if (upToLine === undefined) throw error;
  } finally {
    rl.close();
    raw.destroy();
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

export interface ZeekCandidate {
  path: string;
  log: string;
}

/** Every file under `root` named like a log the pack reads; the rest are listed as ignored. */
export async function findZeekFiles(root: string): Promise<{ candidates: ZeekCandidate[]; ignored: string[] }> {
  const all: string[] = [];
  await walk(root, all);
  all.sort();
  const candidates: ZeekCandidate[] = [];
  const ignored: string[] = [];
  for (const path of all) {
    const log = logTypeOf(path, root);
    if (log) candidates.push({ path, log });
    else ignored.push(path);
  }
  return { candidates, ignored };
}

/** What the first record of a JSON log says about the whole file, as far as Zeek writes files. */
export interface SniffedJsonFile {
  path: string;
  log: string;
  gzip: boolean;
  bytes: number;
  /** Keys of the first record: dotted (`id.orig_h`) or not. */
  fields: string[];
  /** The first record's `ts` is a JSON number (Zeek's default) rather than an ISO string. */
  numericTs: boolean;
}

const SNIFF_LIMIT = 16 * 1024 * 1024;

/**
 * Reads only the first line of a file: enough to choose how DuckDB should read a JSON log, cheap
 * enough to do for every file. Anything else (TSV, empty, unreadable, not JSON) is `undefined`:
 * such files need the full inspection.
 */
export async function sniffJsonFile(candidate: ZeekCandidate): Promise<SniffedJsonFile | undefined> {
  try {
    const gzip = await isGzip(candidate.path);
    const { size } = await stat(candidate.path);
    const raw = createReadStream(candidate.path, { highWaterMark: 64 * 1024 });
    const input = gzip ? raw.pipe(createGunzip()) : raw;
    // pipe() does not forward a read error; without this the gunzip stream would wait forever.
    if (input !== raw) raw.on('error', (e: Error) => input.destroy(e));
    const chunks: Buffer[] = [];
    let length = 0;
    let line: string | undefined;
    try {
      for await (const chunk of input) {
        const buf = chunk as Buffer;
        const nl = buf.indexOf(10);
        chunks.push(nl === -1 ? buf : buf.subarray(0, nl));
        length += buf.length;
        if (nl !== -1) {
          line = Buffer.concat(chunks).toString('utf8').trim();
          break;
        }
        if (length > SNIFF_LIMIT) return undefined;
      }
    } finally {
      raw.destroy();
      input.destroy();
    }
    if (line === undefined) line = Buffer.concat(chunks).toString('utf8').trim();
    if (!line.startsWith('{')) return undefined;
    const first = JSON.parse(line) as unknown;
    if (first === null || typeof first !== 'object' || Array.isArray(first)) return undefined;
    return { path: candidate.path, log: candidate.log, gzip, bytes: size, fields: Object.keys(first), numericTs: typeof (first as { ts?: unknown }).ts === 'number' };
  } catch {
    return undefined;
  }
}

/** The full inspection of every line (see `inspect`), a few files at once. */
export async function inspectZeekFiles(
  candidates: ZeekCandidate[],
  options: { onFile?: (path: string, index: number, total: number) => void; cleanDir?: string } = {},
): Promise<{ files: ZeekFile[]; warnings: LoadWarning[] }> {
  const files: ZeekFile[] = [];
  const warnings: LoadWarning[] = [];
  // gunzip runs on libuv's thread pool, so a few files at once use several cores.
  const results: Array<{ file?: ZeekFile; warning?: LoadWarning }> = new Array(candidates.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < candidates.length) {
      const i = next++;
      const { path, log } = candidates[i] as ZeekCandidate;
      results[i] = await inspect(path, log, options.cleanDir);
      options.onFile?.(path, done++, candidates.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(INSPECT_CONCURRENCY, candidates.length) }, worker));
  for (const [i, { file, warning }] of results.entries()) {
    if (warning) warnings.push(warning);
    if (file) {
      files.push(file);
      if (file.malformedLines > 0) {
        warnings.push({ file: (candidates[i] as ZeekCandidate).path, line: file.malformedExamples[0], message: `${file.malformedLines} malformed line(s) skipped (first at lines ${file.malformedExamples.join(', ')})` });
      }
    }
  }
  return { files, warnings };
}

export async function discoverZeekLogs(root: string, options: { onFile?: (path: string, index: number, total: number) => void; cleanDir?: string } = {}): Promise<Discovery> {
  const { candidates, ignored } = await findZeekFiles(root);
  const { files, warnings } = await inspectZeekFiles(candidates, options);
  return { files, warnings, ignored };
}

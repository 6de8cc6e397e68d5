import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createGunzip, createGzip } from 'node:zlib';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { logObjectKey, parseRotatedName, readyKey, stoppedKey } from './layout';

export interface ShipperOptions {
  s3: S3Client;
  bucket: string;
  /** Log prefix, e.g. `zeek/`. */
  prefix: string;
  /** Readiness prefix, e.g. `sensor-status/`. */
  statusPrefix: string;
  /** The instance id: it names the sensor in keys and markers. */
  sensorId: string;
  incidentId: string;
  vni: number;
  /** Where Zeek moves rotated logs (`Log::default_rotation_dir`). */
  rotatedDir: string;
  /** Compressed files waiting for a confirmed upload; survives restarts. */
  outboxDir: string;
  /** Readiness flag in, `ready.sent` out. */
  stateDir: string;
  pollMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How long the shutdown flush keeps retrying before it gives up and reports what is left. */
  flushTimeoutMs?: number;
  concurrency?: number;
  now?: () => Date;
  log?: (event: string, fields?: Record<string, unknown>) => void;
}

export interface PassResult {
  staged: number;
  uploaded: number;
  failed: number;
  /** Files still on local disk (rotated or in the outbox) after the pass. */
  pending: number;
}

/** Written by mirrorhunt-ready.sh once Zeek holds its capture socket. */
export const CAPTURING_FLAG = 'capturing.json';
const READY_SENT = 'ready.sent';
const TMP = '.tmp';

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Passes a log through up to its last newline and withholds the rest. A file Zeek rotated at
 * start-up from a crash's leftovers can end mid-record; Athena's JSON SerDe fails every query over
 * the partition that holds such a line (DuckDB forgives it), so a partial last line never ships.
 */
export class CompleteLines extends Transform {
  /** Bytes after the last newline seen so far. */
  private tail: Buffer[] = [];
  private tailBytes = 0;
  /** Bytes of complete lines passed on. */
  passed = 0;
  /** Bytes of the partial last line that were dropped (known once the stream has ended). */
  dropped = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const newline = chunk.lastIndexOf(0x0a);
    if (newline < 0) {
      this.tail.push(chunk);
      this.tailBytes += chunk.length;
      return callback();
    }
    const head = Buffer.concat([...this.tail, chunk.subarray(0, newline + 1)]);
    this.tail = newline + 1 < chunk.length ? [chunk.subarray(newline + 1)] : [];
    this.tailBytes = chunk.length - newline - 1;
    this.passed += head.length;
    callback(null, head);
  }

  override _flush(callback: TransformCallback): void {
    this.dropped = this.tailBytes;
    this.tail = [];
    callback();
  }
}

/** Makes a finished write durable before the file it replaces is removed. */
async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Moves Zeek's rotated logs to S3. Every step leaves a complete file somewhere on disk until
 * S3 has confirmed the object: rotated file -> gzipped copy in the outbox (fsynced, renamed
 * into place) -> source deleted -> PutObject with Content-MD5 -> outbox copy deleted. A crash
 * at any point leaves either the source or the outbox copy, and the next run picks it up;
 * uploading a file twice writes the same key twice, which is harmless.
 */
export class Shipper {
  private readonly o: Required<Omit<ShipperOptions, 'log'>> & Pick<ShipperOptions, 'log'>;
  private failures = 0;

  constructor(options: ShipperOptions) {
    this.o = {
      pollMs: 2000,
      retryBaseMs: 1000,
      retryMaxMs: 60_000,
      flushTimeoutMs: 60_000,
      concurrency: 4,
      now: () => new Date(),
      ...options,
    };
  }

  private note(event: string, fields?: Record<string, unknown>) {
    this.o.log?.(event, fields);
  }

  async prepare(): Promise<void> {
    for (const dir of [this.o.rotatedDir, this.o.outboxDir, this.o.stateDir]) await mkdir(dir, { recursive: true });
    // A temp file is a compression a crash interrupted; its source is still in the rotated dir.
    for (const name of await readdir(this.o.outboxDir)) {
      if (name.endsWith(TMP)) await unlink(join(this.o.outboxDir, name));
    }
  }

  /**
   * Compresses every rotated log into the outbox and removes the source once the copy is durable.
   * File by file: one that cannot be staged (unreadable, or the disk is full) is reported, its
   * partial copy removed and its source kept for the next pass, and the others still go.
   */
  async stage(): Promise<{ staged: number; failed: number }> {
    let staged = 0;
    let failed = 0;
    for (const name of (await readdir(this.o.rotatedDir)).sort()) {
      const rotated = parseRotatedName(name);
      if (!rotated) continue;
      const source = join(this.o.rotatedDir, name);
      const target = join(this.o.outboxDir, rotated.gzipped ? name : `${name}.gz`);
      const temp = target + TMP;
      try {
        const lines = new CompleteLines();
        // A gzipped leftover may itself be cut short: decode what is there (sync flush) rather than fail on it.
        if (rotated.gzipped) await pipeline(createReadStream(source), createGunzip({ finishFlush: constants.Z_SYNC_FLUSH }), lines, createGzip(), createWriteStream(temp));
        else await pipeline(createReadStream(source), lines, createGzip(), createWriteStream(temp));
        if (lines.dropped > 0) this.note('partial last line dropped', { file: name, bytes: lines.dropped });
        if (lines.passed === 0) {
          // Nothing but a partial line: there is no record to ship.
          await unlink(temp);
          await unlink(source);
          continue;
        }
        await fsyncPath(temp);
        await rename(temp, target);
        await fsyncPath(this.o.outboxDir);
        await unlink(source);
        staged += 1;
      } catch (error) {
        failed += 1;
        await unlink(temp).catch(() => undefined);
        this.note('stage failed', { file: name, error: (error as Error).name, message: (error as Error).message });
      }
    }
    return { staged, failed };
  }

  private async putObject(key: string, body: Buffer | string, contentType: string): Promise<void> {
    const md5 = createHash('md5').update(body).digest('base64');
    await this.o.s3.send(
      new PutObjectCommand({ Bucket: this.o.bucket, Key: key, Body: body, ContentMD5: md5, ContentType: contentType }),
    );
  }

  /** Uploads every outbox file; a file is deleted only after S3 accepted it. */
  async upload(): Promise<{ uploaded: number; failed: number }> {
    const queue = (await readdir(this.o.outboxDir)).filter((name) => !name.endsWith(TMP)).sort();
    let uploaded = 0;
    let failed = 0;
    const worker = async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        const rotated = parseRotatedName(name);
        if (!rotated) continue;
        const path = join(this.o.outboxDir, name);
        const key = logObjectKey(this.o.prefix, this.o.sensorId, rotated);
        try {
          await this.putObject(key, await readFile(path), 'application/gzip');
          await unlink(path);
          uploaded += 1;
          this.note('uploaded', { key });
        } catch (error) {
          failed += 1;
          this.note('upload failed', { key, error: (error as Error).name, message: (error as Error).message });
        }
      }
    };
    await Promise.all(Array.from({ length: this.o.concurrency }, worker));
    return { uploaded, failed };
  }

  /** Puts `ready.json` once, after mirrorhunt-ready.sh has seen Zeek capture. */
  async announceReady(): Promise<boolean> {
    const flag = join(this.o.stateDir, CAPTURING_FLAG);
    const sent = join(this.o.stateDir, READY_SENT);
    if (!(await exists(flag)) || (await exists(sent))) return false;
    const { startedAt } = JSON.parse(await readFile(flag, 'utf8')) as { startedAt?: string };
    const body = JSON.stringify({ instanceId: this.o.sensorId, incidentId: this.o.incidentId, vni: this.o.vni, startedAt: startedAt ?? this.o.now().toISOString() });
    await this.putObject(readyKey(this.o.statusPrefix, this.o.sensorId), body, 'application/json');
    await writeFile(sent, body);
    this.note('ready announced', { startedAt });
    return true;
  }

  async pending(): Promise<number> {
    const rotated = (await readdir(this.o.rotatedDir)).filter((name) => parseRotatedName(name));
    const outbox = (await readdir(this.o.outboxDir)).filter((name) => !name.endsWith(TMP) && parseRotatedName(name));
    return rotated.length + outbox.length;
  }

  async pass(): Promise<PassResult> {
    try {
      await this.announceReady();
    } catch (error) {
      this.note('ready announcement failed', { error: (error as Error).name, message: (error as Error).message });
    }
    // Upload first: it frees the disk that staging may need (a full disk must not block shipping).
    const before = await this.upload();
    const { staged, failed: stageFailed } = await this.stage();
    const after = await this.upload();
    const uploaded = before.uploaded + after.uploaded;
    const failed = before.failed + after.failed + stageFailed;
    this.failures = failed > 0 ? this.failures + 1 : 0;
    return { staged, uploaded, failed, pending: await this.pending() };
  }

  /** Exponential backoff after failing passes, so a dead endpoint is not hammered. */
  private delay(): number {
    if (this.failures === 0) return this.o.pollMs;
    return Math.min(this.o.retryMaxMs, this.o.retryBaseMs * 2 ** (this.failures - 1));
  }

  /** Ships until `signal` aborts, then flushes what is left and writes `stopped.json`. */
  async run(signal: AbortSignal): Promise<{ unshipped: number }> {
    await this.prepare();
    while (!signal.aborted) {
      try {
        await this.pass();
      } catch (error) {
        this.failures += 1;
        this.note('pass failed', { error: (error as Error).name, message: (error as Error).message });
      }
      await sleep(this.delay(), signal);
    }
    return this.flush();
  }

  /**
   * The shutdown path: Zeek has stopped (the units order it so) and rotated its last files;
   * ship them, retrying until `flushTimeoutMs`, then say so in `stopped.json`.
   */
  async flush(): Promise<{ unshipped: number }> {
    const deadline = Date.now() + this.o.flushTimeoutMs;
    let unshipped = await this.pending();
    for (;;) {
      try {
        unshipped = (await this.pass()).pending;
      } catch (error) {
        this.note('flush pass failed', { error: (error as Error).name, message: (error as Error).message });
      }
      if (unshipped === 0 || Date.now() + this.delay() > deadline) break;
      await sleep(this.delay());
    }
    const body = JSON.stringify({ instanceId: this.o.sensorId, incidentId: this.o.incidentId, vni: this.o.vni, stoppedAt: this.o.now().toISOString(), unshipped });
    try {
      await this.putObject(stoppedKey(this.o.statusPrefix, this.o.sensorId), body, 'application/json');
    } catch (error) {
      this.note('stopped marker failed', { error: (error as Error).name, message: (error as Error).message });
    }
    this.note('flushed', { unshipped });
    return { unshipped };
  }
}

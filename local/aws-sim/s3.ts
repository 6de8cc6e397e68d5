import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import type { AuthCheck } from './ec2/operation';
import { fail, paginate } from './support';

type Input = Record<string, unknown>;

/**
 * S3 as a local folder: `<root>/<bucket>/<key>`. It keeps S3's rules that the product relies on:
 * conditional writes (`IfNoneMatch: '*'` → 412 PreconditionFailed when the key exists), 404s
 * named `NoSuchKey` (GetObject) and `NotFound` (HeadObject), `NoSuchBucket`, ListObjectsV2 in
 * key order with continuation tokens. Keys that cannot live in a folder (`..` segments, empty
 * segments) are refused with a clear error instead of being mapped somewhere surprising. A
 * simulation for local runs and tests, not S3.
 */
export class SimulatedS3 {
  private readonly buckets = new Set<string>();
  private readonly contentTypes = new Map<string, string>();

  constructor(readonly root: string) {
    mkdirSync(root, { recursive: true });
  }

  createBucket(name: string): void {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) throw new Error(`"${name}" is not a valid S3 bucket name`);
    this.buckets.add(name);
    mkdirSync(join(this.root, name), { recursive: true });
  }

  /** The file behind an object (or the bucket's folder, for an empty key). */
  path(bucket: string, key: string): string {
    if (key === '') return join(this.root, bucket);
    this.checkKey(key);
    return join(this.root, bucket, ...key.split('/'));
  }

  /** Writes an object directly, as a sensor's upload would: for the simulated sensor and tests. */
  putFile(bucket: string, key: string, body: string | Buffer): void {
    this.requireBucket(bucket);
    const file = this.path(bucket, key);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, body);
  }

  keys(bucket: string, prefix = ''): string[] {
    this.requireBucket(bucket);
    const base = join(this.root, bucket);
    const out: string[] = [];
    const walk = (dir: string) => {
      if (!existsSync(dir)) return;
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.isFile()) out.push(relative(base, full).split(sep).join('/'));
      }
    };
    walk(base);
    return out.filter((k) => k.startsWith(prefix)).sort();
  }

  /**
   * What IAM evaluates for each call (Service Authorization Reference, Amazon S3): object actions
   * on `arn:aws:s3:::bucket/key`, ListObjectsV2 as s3:ListBucket on the bucket with `s3:prefix`.
   */
  authorization(operation: string, input: Input): AuthCheck[] {
    const bucket = String(input.Bucket ?? '');
    const object = { type: 'object', arn: `arn:aws:s3:::${bucket}/${String(input.Key ?? '')}` };
    const action = ({ PutObject: 's3:PutObject', GetObject: 's3:GetObject', HeadObject: 's3:GetObject', DeleteObject: 's3:DeleteObject' } as Record<string, string>)[operation];
    if (action) return [{ action, resources: [object] }];
    if (operation === 'ListObjectsV2') {
      return [{ action: 's3:ListBucket', resources: [{ type: 'bucket', arn: `arn:aws:s3:::${bucket}` }], context: typeof input.Prefix === 'string' ? { 's3:prefix': input.Prefix } : {} }];
    }
    return [];
  }

  async handle(operation: string, input: Input): Promise<Record<string, unknown>> {
    const bucket = String(input.Bucket ?? '');
    this.requireBucket(bucket);
    switch (operation) {
      case 'PutObject':
        return this.putObject(bucket, input);
      case 'GetObject':
        return this.getObject(bucket, String(input.Key ?? ''));
      case 'HeadObject':
        return this.headObject(bucket, String(input.Key ?? ''));
      case 'DeleteObject':
        return this.deleteObject(bucket, String(input.Key ?? ''), input.IfMatch as string | undefined);
      case 'ListObjectsV2':
        return this.listObjects(bucket, input);
      default:
        return fail('NotImplemented', `the local S3 simulation does not implement ${operation}`, 501);
    }
  }

  private checkKey(key: string): void {
    if (key.length === 0) fail('InvalidArgument', 'an object key cannot be empty');
    if (Buffer.byteLength(key) > 1024) fail('KeyTooLongError', 'Your key is too long (at most 1024 bytes)');
    const parts = key.split('/');
    if (parts.some((p) => p === '..' || p === '.') || parts.slice(0, -1).some((p) => p === '') || parts[parts.length - 1] === '') {
      fail('InvalidArgument', `the local S3 simulation stores objects as files and cannot store the key "${key}" (empty, "." or ".." segments)`);
    }
    const file = resolve(this.root, 'x', ...parts);
    if (!file.startsWith(resolve(this.root, 'x') + sep)) fail('InvalidArgument', `the key "${key}" would leave the bucket folder`);
  }

  private requireBucket(bucket: string): void {
    if (!this.buckets.has(bucket)) fail('NoSuchBucket', `The specified bucket does not exist: ${bucket}`, 404);
  }

  private async putObject(bucket: string, input: Input): Promise<Record<string, unknown>> {
    const key = String(input.Key ?? '');
    this.checkKey(key);
    const body = await toBuffer(input.Body);
    const file = this.path(bucket, key);
    mkdirSync(dirname(file), { recursive: true });
    if (input.IfNoneMatch !== undefined) {
      if (input.IfNoneMatch !== '*') fail('NotImplemented', 'S3 only supports IfNoneMatch: "*" on PutObject', 501);
      try {
        // 'wx' creates the file only if it is absent, atomically: two racing writers cannot both win.
        writeFileSync(file, body, { flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') fail('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412);
        throw error;
      }
    } else {
      writeFileSync(file, body);
    }
    if (typeof input.ContentType === 'string') this.contentTypes.set(`${bucket}/${key}`, input.ContentType);
    return { ETag: `"${createHash('md5').update(body).digest('hex')}"` };
  }

  private getObject(bucket: string, key: string): Record<string, unknown> {
    this.checkKey(key);
    const file = this.path(bucket, key);
    if (!existsSync(file) || !statSync(file).isFile()) fail('NoSuchKey', 'The specified key does not exist.', 404);
    const data = readFileSync(file);
    return {
      Body: streamBody(data),
      ContentLength: data.length,
      ContentType: this.contentTypes.get(`${bucket}/${key}`) ?? 'binary/octet-stream',
      ETag: `"${createHash('md5').update(data).digest('hex')}"`,
      LastModified: statSync(file).mtime,
    };
  }

  private headObject(bucket: string, key: string): Record<string, unknown> {
    this.checkKey(key);
    const file = this.path(bucket, key);
    if (!existsSync(file) || !statSync(file).isFile()) fail('NotFound', 'Not Found', 404);
    const stat = statSync(file);
    return { ContentLength: stat.size, LastModified: stat.mtime, ContentType: this.contentTypes.get(`${bucket}/${key}`) ?? 'binary/octet-stream' };
  }

  private deleteObject(bucket: string, key: string, ifMatch?: string): Record<string, unknown> {
    this.checkKey(key);
    const file = this.path(bucket, key);
    if (ifMatch !== undefined) {
      // A conditional delete: 404 when the key is absent, 412 when its ETag is another (or '*' for any).
      if (!existsSync(file)) fail('NoSuchKey', 'The specified key does not exist.', 404);
      const etag = `"${createHash('md5').update(readFileSync(file)).digest('hex')}"`;
      if (ifMatch !== '*' && ifMatch !== etag) fail('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412);
    }
    // S3 answers 204 whether or not the key existed.
    if (existsSync(file)) unlinkSync(file);
    this.contentTypes.delete(`${bucket}/${key}`);
    return {};
  }

  private listObjects(bucket: string, input: Input): Record<string, unknown> {
    const prefix = typeof input.Prefix === 'string' ? input.Prefix : '';
    const keys = this.keys(bucket, prefix);
    const maxKeys = input.MaxKeys === undefined ? 1000 : Math.min(Number(input.MaxKeys), 1000);
    const page = paginate(keys, { maxResults: maxKeys, nextToken: input.ContinuationToken as string | undefined, defaultPageSize: 1000, minPageSize: 1, maxPageSize: 1000, operation: 'ListObjectsV2', invalidTokenCode: 'InvalidArgument' });
    return {
      Contents: page.items.map((Key) => {
        const stat = statSync(this.path(bucket, Key));
        return { Key, Size: stat.size, LastModified: stat.mtime };
      }),
      KeyCount: page.items.length,
      IsTruncated: page.nextToken !== undefined,
      NextContinuationToken: page.nextToken,
      Prefix: prefix,
      Name: bucket,
    };
  }
}

async function toBuffer(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof Readable || (typeof body === 'object' && Symbol.asyncIterator in body)) {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Buffer | string>) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
    return Buffer.concat(chunks);
  }
  return fail('InvalidArgument', `the local S3 simulation cannot read a body of type ${typeof body}`);
}

/** A response body with the SDK's helpers (transformToString, ...), as the real client returns. */
function streamBody(data: Buffer): Readable & { transformToString(encoding?: BufferEncoding): Promise<string>; transformToByteArray(): Promise<Uint8Array>; transformToWebStream(): ReadableStream } {
  const stream = Readable.from([data]) as Readable & {
    transformToString(encoding?: BufferEncoding): Promise<string>;
    transformToByteArray(): Promise<Uint8Array>;
    transformToWebStream(): ReadableStream;
  };
  stream.transformToString = async (encoding: BufferEncoding = 'utf8') => data.toString(encoding);
  stream.transformToByteArray = async () => new Uint8Array(data);
  stream.transformToWebStream = () => new Blob([data]).stream();
  return stream;
}

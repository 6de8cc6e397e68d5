import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { inflateRawSync } from 'node:zlib';

/** The parts of a CloudFormation template the infra tests read. */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Condition?: string;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export interface CfnTemplate {
  AWSTemplateFormatVersion?: string;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, unknown>;
}

export interface PackagedService {
  template: CfnTemplate;
  /** Folder holding `<functionKey>.zip` and the CloudFormation templates. */
  artifactsDir: string;
  /** Seconds the packaging took, or undefined when the template came from the cache. */
  packagingSeconds?: number;
}

/** MIRRORHUNT_PACKAGE_ROOT packages another checkout of the repo (for trying a branch); defaults to this one. */
export const PACKAGE_ROOT = process.env.MIRRORHUNT_PACKAGE_ROOT ?? join(__dirname, '..', '..');
/** What packaging reads: any change here invalidates the cached template. */
const INPUTS = ['serverless.yml', 'package.json', 'package-lock.json', 'tsconfig.json', 'infra', 'state-machines', 'functions', 'queries'];
const LOCK_STALE_MS = 5 * 60_000;
const WAIT_LIMIT_MS = 3 * 60_000;
const FAILURE_REUSE_MS = 10 * 60_000;

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((entry) => filesUnder(join(path, entry)));
}

/** Hash of every packaging input (names and contents), so edits anywhere in them repackage. */
export function inputsHash(root = PACKAGE_ROOT): string {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap((input) => filesUnder(join(root, input)))) {
    hash.update(relative(root, file));
    hash.update('\0');
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Packages a private copy of the service, so the shared tree's `.serverless/` and `.esbuild/`
 * are never touched and two test runs cannot trip over each other's build folders.
 */
async function packageInto(cacheDir: string, params: Params): Promise<number> {
  const serviceDir = join(cacheDir, 'service');
  rmSync(serviceDir, { recursive: true, force: true });
  mkdirSync(serviceDir, { recursive: true });
  for (const input of INPUTS) {
    if (existsSync(join(PACKAGE_ROOT, input))) cpSync(join(PACKAGE_ROOT, input), join(serviceDir, input), { recursive: true });
  }
  symlinkSync(join(PACKAGE_ROOT, 'node_modules'), join(serviceDir, 'node_modules'), 'dir');
  const artifactsDir = join(cacheDir, 'artifacts');
  const started = Date.now();
  const serverless = join(PACKAGE_ROOT, 'node_modules', '.bin', 'serverless');
  const paramArgs = Object.entries(params).map(([name, value]) => `--param=${name}=${value}`);
  // serverless-esbuild zips each function through a folder in the OS temp folder and leaves it
  // there; pointing the child's temp folder into the cache keeps those with the cache, which is pruned.
  const scratch = join(cacheDir, 'tmp');
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  await runServerless(serverless, ['package', '--stage', 'dev', '--region', 'us-east-1', '--package', artifactsDir, ...paramArgs], serviceDir, scratch);
  rmSync(scratch, { recursive: true, force: true });
  return (Date.now() - started) / 1000;
}

/** Cached packages of earlier inputs are removed after a day; each holds a copy of the service. */
function pruneOldCaches(current: string): void {
  const parent = join(current, '..');
  for (const entry of readdirSync(parent)) {
    const dir = join(parent, entry);
    if (dir === current) continue;
    const info = statSync(dir, { throwIfNoEntry: false });
    if (info && Date.now() - info.mtimeMs > 24 * 3600_000) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs the serverless CLI. After a failed build osls prints its "Error:" block but can stay alive
 * (esbuild's service keeps the event loop busy), so once that block appears it gets a moment to
 * exit and is then stopped; the overall timeout covers any other hang.
 */
function runServerless(bin: string, args: string[], cwd: string, tmp: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      cwd,
      env: {
        ...process.env,
        TMPDIR: tmp,
        // Packaging needs no AWS account; dummy credentials keep the SDK from probing for real ones.
        AWS_ACCESS_KEY_ID: 'AKIAPACKAGEONLY00000',
        AWS_SECRET_ACCESS_KEY: 'package-only',
        AWS_REGION: 'us-east-1',
        AWS_EC2_METADATA_DISABLED: 'true',
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
        SLS_DEPRECATION_DISABLE: '*',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let failedBuild = false;
    const overall = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!failedBuild && /^Error:$/m.test(output)) {
        failedBuild = true;
        setTimeout(() => child.kill('SIGKILL'), 2_000).unref();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(overall);
      if (code === 0 && !failedBuild) resolve();
      else reject(new Error(`serverless ${args.join(' ')} failed (exit ${code ?? 'killed'}):\n${output}`));
    });
  });
}

/** Serverless params (`--param=name=value`) to package with; none = the defaults in serverless.yml. */
export type Params = Record<string, string>;

const memo = new Map<string, Promise<PackagedService>>();

/**
 * Runs `serverless package` once per set of inputs (and params) and returns the compiled template.
 * Results are cached in the OS temp folder under the inputs' hash; concurrent jest workers wait
 * for the one that holds the lock instead of packaging again.
 */
export function packagedService(params: Params = {}): Promise<PackagedService> {
  const key = JSON.stringify(Object.entries(params).sort(([a], [b]) => a.localeCompare(b)));
  if (!memo.has(key)) memo.set(key, load(params, key));
  return memo.get(key)!;
}

export async function packagedTemplate(params: Params = {}): Promise<CfnTemplate> {
  return (await packagedService(params)).template;
}

async function load(params: Params, key: string): Promise<PackagedService> {
  const paramsSuffix = Object.keys(params).length === 0 ? '' : `-${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
  const cacheDir = join(tmpdir(), 'mirrorhunt-template', `${inputsHash()}${paramsSuffix}`);
  const artifactsDir = join(cacheDir, 'artifacts');
  const templatePath = join(artifactsDir, 'cloudformation-template-update-stack.json');
  const done = join(cacheDir, 'done');
  const failed = join(cacheDir, 'failed');
  const lock = join(cacheDir, 'lock');
  mkdirSync(cacheDir, { recursive: true });
  pruneOldCaches(cacheDir);
  const waitingSince = Date.now();
  const deadline = waitingSince + WAIT_LIMIT_MS;
  let packagingSeconds: number | undefined;
  while (!existsSync(done)) {
    // The same inputs fail the same way: a recent failure (from another worker or test file) is
    // reported again instead of packaging again.
    const failure = statSync(failed, { throwIfNoEntry: false });
    if (failure && failure.mtimeMs >= waitingSince - FAILURE_REUSE_MS) throw new Error(readFileSync(failed, 'utf8'));
    try {
      mkdirSync(lock);
    } catch {
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for another process to package into ${cacheDir}`);
      await sleep(250);
      continue;
    }
    try {
      packagingSeconds = await packageInto(cacheDir, params);
      writeFileSync(done, String(packagingSeconds));
    } catch (error) {
      writeFileSync(failed, (error as Error).message);
      throw error;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  const template = JSON.parse(readFileSync(templatePath, 'utf8')) as CfnTemplate;
  return { template, artifactsDir, packagingSeconds };
}

/** Resources of one type, by logical id. */
export function resourcesOfType(template: CfnTemplate, type: string): Array<[string, CfnResource]> {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

export interface ZipEntry {
  name: string;
  /** Uncompressed size in bytes. */
  size: number;
  compressedSize: number;
  /** Offset of the entry's local header (for zipRead). */
  localHeaderOffset: number;
  method: number;
}

/**
 * Lists a zip's entries from its central directory (enough for "is this file in the package and
 * how big is it" without adding an unzip dependency). Zip64 archives are not expected here.
 */
export function zipEntries(path: string): ZipEntry[] {
  const buf = readFileSync(path);
  const EOCD = 0x06054b50;
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${path} is not a zip archive`);
  const count = buf.readUInt16LE(eocd + 10);
  let offset = buf.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(offset) !== 0x02014b50) throw new Error(`${path}: bad central directory entry ${n}`);
    const compressedSize = buf.readUInt32LE(offset + 20);
    const size = buf.readUInt32LE(offset + 24);
    const nameLength = buf.readUInt16LE(offset + 28);
    const extraLength = buf.readUInt16LE(offset + 30);
    const commentLength = buf.readUInt16LE(offset + 32);
    entries.push({
      name: buf.toString('utf8', offset + 46, offset + 46 + nameLength),
      size,
      compressedSize,
      method: buf.readUInt16LE(offset + 10),
      localHeaderOffset: buf.readUInt32LE(offset + 42),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The contents of one entry of a zip (stored or deflated). */
export function zipRead(path: string, name: string): Buffer {
  const entry = zipEntries(path).find((e) => e.name === name);
  if (!entry) throw new Error(`${name} is not in ${path}`);
  const buf = readFileSync(path);
  const at = entry.localHeaderOffset;
  const start = at + 30 + buf.readUInt16LE(at + 26) + buf.readUInt16LE(at + 28);
  const data = buf.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return Buffer.from(data);
  if (entry.method === 8) return inflateRawSync(data);
  throw new Error(`${name} in ${path} uses unsupported compression method ${entry.method}`);
}

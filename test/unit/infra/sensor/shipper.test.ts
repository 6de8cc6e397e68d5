import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { Shipper, type ShipperOptions } from '../../../../infra/sensor/files/shipper/shipper';
import { logObjectKey, parseRotatedName, rotatedName } from '../../../../infra/sensor/files/shipper/layout';
import { getBytes, listKeys, localS3Client, startLocalS3, startSlowRelay, type LocalS3 } from '../../../support/local-s3';
import { tempDir } from '../../../support/temp';

const FIXTURES = join(__dirname, '..', '..', '..', 'fixtures', 'zeek-json-wrccdc2018');
const BUCKET = 'mirrorhunt-test-logs';
const SENSOR = 'i-0a1b2c3d4e5f60718';

/** A fixture as Zeek leaves it after rotation: plain JSON lines. */
const zeekLog = (name: string): Buffer => gunzipSync(readFileSync(join(FIXTURES, `${name}.json.gz`)));

let work: string;
let s3dir: string;
let spool: string;
let server: LocalS3 | undefined;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'mh-shipper-'));
  s3dir = join(work, 's3');
  spool = join(work, 'spool');
  mkdirSync(join(spool, 'rotated'), { recursive: true });
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(work, { recursive: true, force: true });
});

function shipperOn(port: number, overrides: Partial<ShipperOptions> = {}): Shipper {
  return new Shipper({
    s3: localS3Client(port),
    bucket: BUCKET,
    prefix: 'zeek/',
    statusPrefix: 'sensor-status/',
    sensorId: SENSOR,
    incidentId: 'inc-42',
    vni: 4242,
    rotatedDir: join(spool, 'rotated'),
    outboxDir: join(spool, 'outbox'),
    stateDir: join(spool, 'state'),
    pollMs: 20,
    retryBaseMs: 20,
    flushTimeoutMs: 2000,
    now: () => new Date('2026-11-24T09:00:00Z'),
    ...overrides,
  });
}

/** Plays Zeek's part: drops a rotated log into the rotation directory. */
function rotate(log: string, content: Buffer, openedAt: string, closedAt: string): string {
  const name = rotatedName(log, new Date(openedAt), new Date(closedAt));
  writeFileSync(join(spool, 'rotated', name), content);
  return name;
}

const localFiles = () => ['rotated', 'outbox'].flatMap((d) => (existsSync(join(spool, d)) ? readdirSync(join(spool, d)) : []));

describe('layout', () => {
  it('partitions by the UTC rotation (close) time and names the object after sensor, open and close time', () => {
    // Prepare
    const rotated = parseRotatedName('dns__1521935990__1521936005.log');
    // Act
    const key = logObjectKey('zeek/', SENSOR, rotated!);
    // Assess: closed 2018-03-25T00:00:05Z although opened the day before.
    expect(key).toBe(`zeek/dns/dt=2018-03-25/hour=00/${SENSOR}-20180324T235950Z-20180325T000005Z.json.gz`);
  });

  it('gives two files of one log that close in the same second different keys (a scheduled rotation, then the shutdown one)', () => {
    const scheduled = parseRotatedName('conn__1795510740__1795510800.log');
    const shutdown = parseRotatedName('conn__1795510800__1795510800.log');
    expect(logObjectKey('zeek/', SENSOR, scheduled!)).not.toBe(logObjectKey('zeek/', SENSOR, shutdown!));
  });

  it.each(['conn.log', 'dns__1__2.log.gz.tmp', 'Weird__1__2.log', '../x__1__2.log', 'dns__1__2.json'])('ignores %s, which is not a rotated Zeek log', (name) => {
    expect(parseRotatedName(name)).toBeUndefined();
  });
});

describe('Shipper against a local S3', () => {
  it('uploads each rotated log gzipped, under its log and rotation-time partition, and deletes the local copies', async () => {
    // Prepare
    server = await startLocalS3(s3dir, BUCKET);
    rotate('dpd', zeekLog('dpd'), '2018-03-24T17:15:00Z', '2018-03-24T17:36:02Z');
    rotate('software', zeekLog('software'), '2018-03-24T23:59:30Z', '2018-03-25T00:00:31Z');
    const shipper = shipperOn(server.port);
    await shipper.prepare();
    // Act
    const result = await shipper.pass();
    // Assess
    const s3 = localS3Client(server.port);
    const dpdKey = `zeek/dpd/dt=2018-03-24/hour=17/${SENSOR}-20180324T171500Z-20180324T173602Z.json.gz`;
    const softwareKey = `zeek/software/dt=2018-03-25/hour=00/${SENSOR}-20180324T235930Z-20180325T000031Z.json.gz`;
    expect(await listKeys(s3, BUCKET)).toEqual([dpdKey, softwareKey]);
    expect(gunzipSync(await getBytes(s3, BUCKET, dpdKey)).equals(zeekLog('dpd'))).toBe(true);
    expect(gunzipSync(await getBytes(s3, BUCKET, softwareKey)).equals(zeekLog('software'))).toBe(true);
    expect(result).toEqual({ staged: 2, uploaded: 2, failed: 0, pending: 0 });
    expect(localFiles()).toEqual([]);
  });

  it('uploads a log Zeek already gzipped with the same records, compressed once', async () => {
    // Prepare
    server = await startLocalS3(s3dir, BUCKET);
    const gz = readFileSync(join(FIXTURES, 'known_certs.json.gz'));
    const name = `${rotatedName('known_certs', new Date('2018-03-24T17:15:00Z'), new Date('2018-03-24T17:34:00Z'))}.gz`;
    writeFileSync(join(spool, 'rotated', name), gz);
    const shipper = shipperOn(server.port);
    await shipper.prepare();
    // Act
    await shipper.pass();
    // Assess: one gunzip gives the JSON lines back (a second layer would not parse as JSON).
    const body = await getBytes(localS3Client(server.port), BUCKET, `zeek/known_certs/dt=2018-03-24/hour=17/${SENSOR}-20180324T171500Z-20180324T173400Z.json.gz`);
    expect(gunzipSync(body).equals(gunzipSync(gz))).toBe(true);
  });

  // A crash's leftover log, rotated by Zeek at start-up (LogAscii::enable_leftover_log_rotation),
  // can end mid-record. Athena reads JSON lines strictly: one malformed line fails every query over
  // its partition ("HIVE_BAD_DATA"), so the partial line must not reach S3.
  it('ships a leftover log that ends mid-record without its partial last line', async () => {
    // Prepare: the software fixture cut 40 bytes into its last record.
    server = await startLocalS3(s3dir, BUCKET);
    const whole = zeekLog('software');
    const lastLineStart = whole.lastIndexOf(0x0a, whole.length - 2) + 1;
    const truncated = whole.subarray(0, lastLineStart + 40);
    rotate('software', truncated, '2018-03-24T17:15:00Z', '2018-03-24T17:20:00Z');
    const shipper = shipperOn(server.port);
    await shipper.prepare();
    // Act
    const result = await shipper.pass();
    // Assess: every shipped line parses, and only the cut record is missing.
    const body = gunzipSync(await getBytes(localS3Client(server.port), BUCKET, `zeek/software/dt=2018-03-24/hour=17/${SENSOR}-20180324T171500Z-20180324T172000Z.json.gz`));
    expect(body.equals(whole.subarray(0, lastLineStart))).toBe(true);
    const lines = body.toString('utf8').split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(result).toEqual({ staged: 1, uploaded: 1, failed: 0, pending: 0 });
  });

  it('ships nothing for a leftover gzipped log cut short inside its only record, and removes it', async () => {
    // Prepare: a gzip stream itself cut short, holding half of one record.
    server = await startLocalS3(s3dir, BUCKET);
    const firstLine = zeekLog('dpd').subarray(0, zeekLog('dpd').indexOf(0x0a) + 1);
    const gz = gzipSync(firstLine.subarray(0, Math.floor(firstLine.length / 2)));
    const name = `${rotatedName('dpd', new Date('2018-03-24T17:15:00Z'), new Date('2018-03-24T17:16:00Z'))}.gz`;
    writeFileSync(join(spool, 'rotated', name), gz.subarray(0, gz.length - 8));
    const shipper = shipperOn(server.port);
    await shipper.prepare();
    // Act
    const result = await shipper.pass();
    // Assess
    expect(await listKeys(localS3Client(server.port), BUCKET)).toEqual([]);
    expect(result.failed).toBe(0);
    expect(localFiles()).toEqual([]);
  });

  it('keeps a file whose upload failed and uploads it once S3 is reachable again', async () => {
    // Prepare: learn a free port, then take the server down.
    server = await startLocalS3(s3dir, BUCKET);
    const port = server.port;
    await server.close();
    server = undefined;
    rotate('capture_loss', zeekLog('capture_loss'), '2018-03-24T17:15:00Z', '2018-03-24T17:36:30Z');
    const shipper = shipperOn(port);
    await shipper.prepare();
    // Act
    const whileDown = await shipper.pass();
    server = await startLocalS3(s3dir, BUCKET, port);
    const whenBack = await shipper.pass();
    // Assess
    expect(whileDown).toEqual({ staged: 1, uploaded: 0, failed: 1, pending: 1 });
    expect(whenBack).toEqual({ staged: 0, uploaded: 1, failed: 0, pending: 0 });
    const body = await getBytes(localS3Client(port), BUCKET, `zeek/capture_loss/dt=2018-03-24/hour=17/${SENSOR}-20180324T171500Z-20180324T173630Z.json.gz`);
    expect(gunzipSync(body).equals(zeekLog('capture_loss'))).toBe(true);
    expect(localFiles()).toEqual([]);
  });

  it('still ships the other logs when one rotated file cannot be staged, and keeps that one for the next pass', async () => {
    // Prepare: a rotated entry that cannot be read (a dangling link), beside a good one.
    server = await startLocalS3(s3dir, BUCKET);
    const broken = rotatedName('conn', new Date('2018-03-24T17:15:00Z'), new Date('2018-03-24T17:16:00Z'));
    symlinkSync(join(work, 'nowhere'), join(spool, 'rotated', broken));
    rotate('dpd', zeekLog('dpd'), '2018-03-24T17:15:00Z', '2018-03-24T17:36:02Z');
    const shipper = shipperOn(server.port);
    await shipper.prepare();

    // Act
    const result = await shipper.pass();

    // Assess
    expect(await listKeys(localS3Client(server.port), BUCKET)).toEqual([`zeek/dpd/dt=2018-03-24/hour=17/${SENSOR}-20180324T171500Z-20180324T173602Z.json.gz`]);
    expect(result).toEqual({ staged: 1, uploaded: 1, failed: 1, pending: 1 });
    expect(localFiles()).toEqual([broken]);
  });

  it('announces readiness once, with instance, incident, vni and the time capture started', async () => {
    // Prepare
    server = await startLocalS3(s3dir, BUCKET);
    const shipper = shipperOn(server.port);
    await shipper.prepare();
    writeFileSync(join(spool, 'state', 'capturing.json'), JSON.stringify({ startedAt: '2026-11-24T08:59:41Z' }));
    // Act
    const first = await shipper.announceReady();
    const second = await shipper.announceReady();
    // Assess
    const body = await getBytes(localS3Client(server.port), BUCKET, `sensor-status/${SENSOR}/ready.json`);
    expect(JSON.parse(body.toString('utf8'))).toEqual({ instanceId: SENSOR, incidentId: 'inc-42', vni: 4242, startedAt: '2026-11-24T08:59:41Z' });
    expect([first, second]).toEqual([true, false]);
  });

  it('does not announce readiness before Zeek is capturing', async () => {
    // Prepare
    server = await startLocalS3(s3dir, BUCKET);
    const shipper = shipperOn(server.port);
    await shipper.prepare();
    // Act
    await shipper.pass();
    // Assess
    expect(await listKeys(localS3Client(server.port), BUCKET)).toEqual([]);
  });

  it('reports what it could not ship when S3 stays down through the shutdown flush, and keeps the files', async () => {
    // Prepare
    server = await startLocalS3(s3dir, BUCKET);
    const port = server.port;
    await server.close();
    server = undefined;
    rotate('dpd', zeekLog('dpd'), '2018-03-24T17:15:00Z', '2018-03-24T17:36:02Z');
    rotate('software', zeekLog('software'), '2018-03-24T17:15:00Z', '2018-03-24T17:36:22Z');
    const shipper = shipperOn(port, { flushTimeoutMs: 200 });
    await shipper.prepare();
    // Act
    const { unshipped } = await shipper.flush();
    // Assess
    expect(unshipped).toBe(2);
    expect(readdirSync(join(spool, 'outbox')).sort()).toEqual(['dpd__1521911700__1521912962.log.gz', 'software__1521911700__1521912982.log.gz']);
  });
});

describe('the shipper daemon (bundled, as on the sensor)', () => {
  let bundle: string;

  beforeAll(async () => {
    bundle = join(tempDir('mh-shipper-bundle-'), 'shipper.js');
    await build({
      entryPoints: [join(__dirname, '..', '..', '..', '..', 'infra', 'sensor', 'files', 'shipper', 'main.ts')],
      bundle: true,
      platform: 'node',
      target: 'node20',
      outfile: bundle,
      logLevel: 'silent',
    });
  });

  function startDaemon(port: number, extra: Record<string, string> = {}): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
    let output = '';
    const child = spawn(process.execPath, [bundle], {
      env: {
        PATH: process.env.PATH ?? '',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        MIRRORHUNT_S3_ENDPOINT: `http://127.0.0.1:${port}`,
        MIRRORHUNT_SPOOL_DIR: spool,
        MIRRORHUNT_BUCKET: BUCKET,
        MIRRORHUNT_PREFIX: 'zeek/',
        MIRRORHUNT_STATUS_PREFIX: 'sensor-status/',
        MIRRORHUNT_INCIDENT_ID: 'inc-42',
        MIRRORHUNT_VNI: '4242',
        MIRRORHUNT_INSTANCE_ID: SENSOR,
        MIRRORHUNT_MODE: 'incident',
        MIRRORHUNT_POLL_MS: '50',
        MIRRORHUNT_RETRY_BASE_MS: '50',
        MIRRORHUNT_FLUSH_TIMEOUT_MS: '5000',
        ...extra,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, output: () => output, exited };
  }

  async function until(condition: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('loses nothing when it is killed mid-batch and started again', async () => {
    // Prepare: twelve rotations over a slow link, so the kill lands between uploads.
    server = await startLocalS3(s3dir, BUCKET);
    const s3 = localS3Client(server.port);
    const relay = await startSlowRelay(server.port, 300);
    const content = zeekLog('dpd');
    const expected: string[] = [];
    for (let minute = 0; minute < 12; minute += 1) {
      const closed = new Date(Date.UTC(2018, 2, 24, 17, 20 + minute, 0));
      rotate('dpd', content, new Date(closed.getTime() - 60_000).toISOString(), closed.toISOString());
      expected.push(logObjectKey('zeek/', SENSOR, { log: 'dpd', openedAt: new Date(closed.getTime() - 60_000), closedAt: closed }));
    }
    const first = startDaemon(relay.port);
    await until(async () => (await listKeys(s3, BUCKET)).length >= 1);
    // Act
    first.child.kill('SIGKILL');
    await first.exited;
    await relay.close();
    const shippedBeforeKill = (await listKeys(s3, BUCKET)).length;
    const second = startDaemon(server.port);
    await until(() => localFiles().length === 0);
    second.child.kill('SIGTERM');
    const code = await second.exited;
    // Assess
    expect(shippedBeforeKill).toBeLessThan(12);
    const keys = await listKeys(s3, BUCKET);
    expect(keys.filter((k) => k.startsWith('zeek/'))).toEqual(expected.sort());
    for (const key of expected) expect(gunzipSync(await getBytes(s3, BUCKET, key)).equals(content)).toBe(true);
    expect(code).toBe(0);
  });

  it('answers the load balancer health check in fleet mode: 503 until Zeek captures, then 200', async () => {
    // Prepare
    server = await startLocalS3(s3dir, BUCKET);
    const healthPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const daemon = startDaemon(server.port, { MIRRORHUNT_MODE: 'fleet', MIRRORHUNT_HEALTH_PORT: String(healthPort) });
    const health = () => fetch(`http://127.0.0.1:${healthPort}/`).then((r) => r.status, () => 0);
    await until(async () => (await health()) !== 0);
    // Act
    const before = await health();
    mkdirSync(join(spool, 'state'), { recursive: true });
    writeFileSync(join(spool, 'state', 'capturing.json'), JSON.stringify({ startedAt: '2026-11-24T08:59:41Z' }));
    const after = await health();
    daemon.child.kill('SIGTERM');
    await daemon.exited;
    // Assess
    expect([before, after]).toEqual([503, 200]);
  });

  it('gives up on an S3 endpoint that accepts connections and never answers, so the shutdown flush still ends', async () => {
    // Prepare: a TCP server that takes every connection and says nothing.
    const sockets: Array<import('node:net').Socket> = [];
    const silent = createServer((socket) => void sockets.push(socket));
    const port = await new Promise<number>((resolve) => silent.listen(0, '127.0.0.1', () => resolve((silent.address() as { port: number }).port)));
    rotate('dpd', zeekLog('dpd'), '2018-03-24T17:15:00Z', '2018-03-24T17:36:02Z');
    const daemon = startDaemon(port, { MIRRORHUNT_S3_REQUEST_TIMEOUT_MS: '300', MIRRORHUNT_FLUSH_TIMEOUT_MS: '1500', MIRRORHUNT_POLL_MS: '100' });
    try {
      // Act
      await until(() => daemon.output().includes('upload failed'));
      const stopped = Date.now();
      daemon.child.kill('SIGTERM');
      const code = await daemon.exited;

      // Assess: the flush ended on its own deadline (a hung request would have kept it forever), and the file is kept.
      expect(Date.now() - stopped).toBeLessThan(8000);
      expect(code).toBe(1);
      expect(localFiles()).toHaveLength(1);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('on SIGTERM ships the logs Zeek rotated at shutdown, then writes stopped.json', async () => {
    // Prepare: a long poll interval, so only the shutdown flush can ship what arrives late.
    server = await startLocalS3(s3dir, BUCKET);
    const s3 = localS3Client(server.port);
    mkdirSync(join(spool, 'state'), { recursive: true });
    writeFileSync(join(spool, 'state', 'capturing.json'), JSON.stringify({ startedAt: '2026-11-24T08:59:41Z' }));
    const daemon = startDaemon(server.port, { MIRRORHUNT_POLL_MS: '600000' });
    await until(() => daemon.output().includes('ready announced'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    rotate('notice', zeekLog('dpd'), '2026-11-24T09:00:00Z', '2026-11-24T09:00:47Z');
    rotate('weird', zeekLog('software'), '2026-11-24T09:00:00Z', '2026-11-24T09:00:47Z');
    // Act
    daemon.child.kill('SIGTERM');
    const code = await daemon.exited;
    // Assess
    expect(code).toBe(0);
    expect(await listKeys(s3, BUCKET)).toEqual([
      `sensor-status/${SENSOR}/ready.json`,
      `sensor-status/${SENSOR}/stopped.json`,
      `zeek/notice/dt=2026-11-24/hour=09/${SENSOR}-20261124T090000Z-20261124T090047Z.json.gz`,
      `zeek/weird/dt=2026-11-24/hour=09/${SENSOR}-20261124T090000Z-20261124T090047Z.json.gz`,
    ]);
    const stopped = JSON.parse((await getBytes(s3, BUCKET, `sensor-status/${SENSOR}/stopped.json`)).toString('utf8'));
    expect(stopped).toMatchObject({ instanceId: SENSOR, incidentId: 'inc-42', vni: 4242, unshipped: 0 });
    expect(localFiles()).toEqual([]);
  });
});

import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { CAPTURING_FLAG, Shipper } from './shipper';

/**
 * The shipper daemon (mirrorhunt-shipper.service). Settings come from the environment the unit
 * builds out of /etc/mirrorhunt/sensor.env (user data) and /run/mirrorhunt/instance.env (IMDS).
 * SIGTERM starts the final flush; systemd stops Zeek first, so its last rotation is included.
 */

function setting(env: NodeJS.ProcessEnv, name: string, fallback?: string): string {
  const value = env[name] ?? fallback;
  if (value === undefined || value === '') throw new Error(`missing setting ${name}`);
  return value;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback?: string): number {
  const value = Number(setting(env, name, fallback));
  if (!Number.isInteger(value) || value < 0) throw new Error(`setting ${name} must be a non-negative integer`);
  return value;
}

export function shipperFromEnv(env: NodeJS.ProcessEnv): { shipper: Shipper; healthPort?: number; stateDir: string } {
  const spool = setting(env, 'MIRRORHUNT_SPOOL_DIR', '/var/spool/mirrorhunt');
  const endpoint = env.MIRRORHUNT_S3_ENDPOINT;
  // A custom endpoint means a local S3 (tests, laptops): path-style, and checksums only when
  // required, without which s3rver stores streamed uploads corrupted.
  const s3 = new S3Client({
    region: setting(env, 'AWS_REGION', env.AWS_DEFAULT_REGION),
    ...(endpoint ? { endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' as const } : {}),
    maxAttempts: 3,
    // The SDK waits forever on a connection that stalls; one would hang every later pass and the
    // shutdown flush (systemd then kills the shipper before stopped.json). These make it an error.
    requestHandler: {
      connectionTimeout: integer(env, 'MIRRORHUNT_S3_CONNECT_TIMEOUT_MS', '5000'),
      requestTimeout: integer(env, 'MIRRORHUNT_S3_REQUEST_TIMEOUT_MS', '60000'),
      throwOnRequestTimeout: true,
    },
  });
  const stateDir = join(spool, 'state');
  const shipper = new Shipper({
    s3,
    bucket: setting(env, 'MIRRORHUNT_BUCKET'),
    prefix: setting(env, 'MIRRORHUNT_PREFIX', 'zeek/'),
    statusPrefix: setting(env, 'MIRRORHUNT_STATUS_PREFIX', 'sensor-status/'),
    sensorId: setting(env, 'MIRRORHUNT_INSTANCE_ID'),
    incidentId: setting(env, 'MIRRORHUNT_INCIDENT_ID'),
    vni: integer(env, 'MIRRORHUNT_VNI'),
    rotatedDir: join(spool, 'rotated'),
    outboxDir: join(spool, 'outbox'),
    stateDir,
    pollMs: integer(env, 'MIRRORHUNT_POLL_MS', '2000'),
    retryBaseMs: integer(env, 'MIRRORHUNT_RETRY_BASE_MS', '1000'),
    flushTimeoutMs: integer(env, 'MIRRORHUNT_FLUSH_TIMEOUT_MS', '60000'),
    log: (event, fields) => console.log(JSON.stringify({ time: new Date().toISOString(), event, ...fields })),
  });
  const healthPort = env.MIRRORHUNT_MODE === 'fleet' ? integer(env, 'MIRRORHUNT_HEALTH_PORT', '8080') : undefined;
  return { shipper, healthPort, stateDir };
}

/** Fleet sensors sit behind a load balancer: healthy once Zeek is capturing, not before. */
function serveHealth(port: number, stateDir: string): Server {
  return createServer((_request, response) => {
    const capturing = existsSync(join(stateDir, CAPTURING_FLAG));
    response.writeHead(capturing ? 200 : 503, { 'content-type': 'text/plain' });
    response.end(capturing ? 'capturing\n' : 'starting\n');
  }).listen(port);
}

async function main(): Promise<void> {
  const { shipper, healthPort, stateDir } = shipperFromEnv(process.env);
  const stop = new AbortController();
  process.once('SIGTERM', () => stop.abort());
  process.once('SIGINT', () => stop.abort());
  const health = healthPort === undefined ? undefined : serveHealth(healthPort, stateDir);
  const { unshipped } = await shipper.run(stop.signal);
  health?.close();
  process.exitCode = unshipped === 0 ? 0 : 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(JSON.stringify({ event: 'shipper crashed', message: (error as Error).message }));
    process.exit(2);
  });
}

import { InvalidInputError } from '../errors';

/**
 * The contract between the workflow and the sensor image: the workflow renders user data with
 * these settings, the image's bootstrap (infra/sensor/files/bin/mirrorhunt-bootstrap.sh) reads
 * them back from the env file the user data writes. Pure: no SDK, no environment, no clock.
 */
export interface SensorUserDataConfig {
  incidentId: string;
  bucket: string;
  /** Where Zeek logs go in the bucket, e.g. `zeek/`. */
  prefix: string;
  /** The VXLAN network id the mirror sessions use (logged with readiness so the check can match it). */
  vni: number;
  /** Zeek log rotation interval; the hunts see data at most this long after capture ends. */
  rotateSeconds: number;
  mode: 'incident' | 'fleet';
  /** Where readiness markers go in the bucket, e.g. `sensor-status/`. */
  statusPrefix: string;
}

/** Where the user data puts the env file on the sensor; the bootstrap and the units read it there. */
export const SENSOR_ENV_FILE = '/etc/mirrorhunt/sensor.env';
/** The systemd unit the user data starts; it lives in the image. */
export const SENSOR_BOOTSTRAP_UNIT = 'mirrorhunt-bootstrap.service';

/** The variable names in the env file, shared with the image's scripts and the shipper. */
export const SENSOR_ENV_KEYS = {
  incidentId: 'MIRRORHUNT_INCIDENT_ID',
  bucket: 'MIRRORHUNT_BUCKET',
  prefix: 'MIRRORHUNT_PREFIX',
  vni: 'MIRRORHUNT_VNI',
  rotateSeconds: 'MIRRORHUNT_ROTATE_SECONDS',
  mode: 'MIRRORHUNT_MODE',
  statusPrefix: 'MIRRORHUNT_STATUS_PREFIX',
} as const satisfies Record<keyof SensorUserDataConfig, string>;

const ENV_END = 'MIRRORHUNT_ENV_END';
const INCIDENT_ID = /^[A-Za-z0-9_-]{1,80}$/;
// S3's "safe" key characters plus '/', so a prefix never needs URL-encoding; several of them
// (' * ( ) !) mean something to a shell, which is why every value is single-quoted below.
const PREFIX = /^[A-Za-z0-9!_.*'()/-]{1,200}$/;
const FORBIDDEN_BUCKET_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const FORBIDDEN_BUCKET_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

function invalid(field: keyof SensorUserDataConfig, why: string): never {
  throw new InvalidInputError(`invalid sensor user data: ${field}: ${why}`);
}

/** Why a general-purpose S3 bucket name is invalid, or undefined when it is valid. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'must be 3 to 63 characters';
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) return 'only lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit';
  if (name.includes('..')) return 'must not contain two adjacent dots';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'must not look like an IP address';
  if (FORBIDDEN_BUCKET_PREFIXES.some((p) => name.startsWith(p))) return 'uses a reserved prefix';
  if (FORBIDDEN_BUCKET_SUFFIXES.some((s) => name.endsWith(s))) return 'uses a reserved suffix';
  return undefined;
}

function checkPrefix(field: 'prefix' | 'statusPrefix', value: unknown): string {
  if (typeof value !== 'string' || !PREFIX.test(value)) return invalid(field, "must be 1-200 of A-Z a-z 0-9 ! _ . * ' ( ) / -");
  if (!value.endsWith('/')) return invalid(field, "must end with '/'");
  if (value.startsWith('/')) return invalid(field, "must not start with '/'");
  if (value.split('/').slice(0, -1).some((segment) => segment === '' || segment === '.' || segment === '..')) {
    return invalid(field, "must not contain empty, '.' or '..' segments");
  }
  return value;
}

function checkInteger(field: 'vni' | 'rotateSeconds', value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return invalid(field, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** Checks every field; throws `InvalidInputError` naming the first bad one. */
export function validateSensorUserDataConfig(config: SensorUserDataConfig): SensorUserDataConfig {
  const { incidentId, bucket, mode } = config;
  if (typeof incidentId !== 'string' || !INCIDENT_ID.test(incidentId)) invalid('incidentId', 'must be 1-80 of A-Z a-z 0-9 _ -');
  if (typeof bucket !== 'string') invalid('bucket', 'must be a string');
  const bucketProblem = bucketNameProblem(bucket);
  if (bucketProblem) invalid('bucket', bucketProblem);
  if (mode !== 'incident' && mode !== 'fleet') invalid('mode', "must be 'incident' or 'fleet'");
  return {
    incidentId,
    bucket,
    prefix: checkPrefix('prefix', config.prefix),
    vni: checkInteger('vni', config.vni, 0, 16_777_215),
    rotateSeconds: checkInteger('rotateSeconds', config.rotateSeconds, 10, 3600),
    mode,
    statusPrefix: checkPrefix('statusPrefix', config.statusPrefix),
  };
}

/** Quotes a value for bash so it is taken literally: inside single quotes nothing is special but `'`. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The env file's text: one `NAME='value'` line per setting, readable by `source` in bash. */
export function renderSensorEnv(config: SensorUserDataConfig): string {
  const valid = validateSensorUserDataConfig(config);
  return (Object.keys(SENSOR_ENV_KEYS) as Array<keyof SensorUserDataConfig>)
    .map((field) => `${SENSOR_ENV_KEYS[field]}=${shellQuote(String(valid[field]))}\n`)
    .join('');
}

/**
 * The plain-text user data (the caller base64-encodes it). It writes the env file atomically
 * and starts the bootstrap unit without waiting, so cloud-init is not held up by the NIC and
 * Zeek set-up. `MIRRORHUNT_ETC_DIR` exists so tests can run the script in a temporary folder;
 * cloud-init never sets it.
 */
export function renderSensorUserData(config: SensorUserDataConfig): string {
  const env = renderSensorEnv(config);
  return [
    '#!/bin/bash',
    '# mirrorhunt sensor user data, rendered by the launchSensor function. The quoted heredoc keeps',
    '# the settings literal here; the bootstrap sources the file they land in.',
    'set -euo pipefail',
    'umask 022',
    'etc_dir="${MIRRORHUNT_ETC_DIR:-/etc/mirrorhunt}"',
    'mkdir -p "$etc_dir"',
    `cat > "$etc_dir/sensor.env.tmp" <<'${ENV_END}'`,
    env + ENV_END,
    'mv -f "$etc_dir/sensor.env.tmp" "$etc_dir/sensor.env"',
    `systemctl start --no-block ${SENSOR_BOOTSTRAP_UNIT}`,
    '',
  ].join('\n');
}

/** Undoes `shellQuote` (and plain unquoted words), for the restricted form `renderSensorEnv` writes. */
function unquote(raw: string): string {
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const c = raw[i] as string;
    if (c === "'") {
      const end = raw.indexOf("'", i + 1);
      if (end < 0) throw new InvalidInputError('unterminated single quote in sensor env');
      out += raw.slice(i + 1, end);
      i = end + 1;
    } else if (c === '\\' && i + 1 < raw.length) {
      out += raw[i + 1];
      i += 2;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

/**
 * Reads the settings back from the env file, or from whole user data that embeds it: every
 * `MIRRORHUNT_*=...` line. Used by tests and by the local sensor simulation.
 */
export function parseSensorEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^(MIRRORHUNT_[A-Z0-9_]+)=(.*)$/.exec(line.trimEnd());
    if (match && match[1] !== ENV_END) env[match[1] as string] = unquote(match[2] as string);
  }
  return env;
}

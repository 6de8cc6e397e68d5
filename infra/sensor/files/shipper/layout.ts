/**
 * File and key naming shared by Zeek's rotation (infra/sensor/files/zeek/mirrorhunt.zeek names
 * rotated files `<log>__<open epoch>__<close epoch>.log`) and the log bucket layout the hunts
 * read. Pure functions, no I/O.
 */

export interface RotatedLog {
  /** Zeek's log path, e.g. `conn`, `dns`. */
  log: string;
  openedAt: Date;
  /** When Zeek rotated (closed) the file: the partition and the key's timestamp come from it. */
  closedAt: Date;
  /** True when Zeek already gzipped it (`LogAscii::gzip_level` > 0). */
  gzipped: boolean;
}

const ROTATED = /^([a-z0-9_]+)__(\d{1,12})__(\d{1,12})\.log(\.gz)?$/;

/** Reads a rotated file's name; undefined for anything else (live files, temp files, strays). */
export function parseRotatedName(name: string): RotatedLog | undefined {
  const match = ROTATED.exec(name);
  if (!match) return undefined;
  return {
    log: match[1] as string,
    openedAt: new Date(Number(match[2]) * 1000),
    closedAt: new Date(Number(match[3]) * 1000),
    gzipped: match[4] !== undefined,
  };
}

/** The name Zeek gives a rotated file (used by tests and the simulation to play Zeek's part). */
export function rotatedName(log: string, openedAt: Date, closedAt: Date): string {
  return `${log}__${Math.floor(openedAt.getTime() / 1000)}__${Math.floor(closedAt.getTime() / 1000)}.log`;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `20180324T171620Z`: sortable, no characters that need escaping in a key. */
export function compactUtc(date: Date): string {
  return (
    `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`
  );
}

/**
 * `<prefix><log>/dt=YYYY-MM-DD/hour=HH/<sensor>-<open ts>-<close ts>.json.gz`, partitioned by
 * the rotation (close) time in UTC. A record is written no later than its file's close time, so
 * its partition is at or after its hour; hunts read up to the hour of `window end + slack`. The
 * open time is in the name because two files of one log can close in the same second (Zeek's
 * shutdown rotation right after a scheduled one): with the close time alone one would overwrite
 * the other.
 */
export function logObjectKey(prefix: string, sensorId: string, rotated: Pick<RotatedLog, 'log' | 'openedAt' | 'closedAt'>): string {
  const t = rotated.closedAt;
  const dt = `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
  return `${prefix}${rotated.log}/dt=${dt}/hour=${pad(t.getUTCHours())}/${sensorId}-${compactUtc(rotated.openedAt)}-${compactUtc(t)}.json.gz`;
}

export const readyKey = (statusPrefix: string, sensorId: string) => `${statusPrefix}${sensorId}/ready.json`;
export const stoppedKey = (statusPrefix: string, sensorId: string) => `${statusPrefix}${sensorId}/stopped.json`;

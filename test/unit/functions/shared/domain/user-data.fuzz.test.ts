import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError } from '../../../../../functions/shared/errors';
import { parseSensorEnv, renderSensorUserData, SENSOR_ENV_KEYS, type SensorUserDataConfig } from '../../../../../functions/shared/domain/user-data';
import { Fuzzer } from '../../../../support/fuzz';

const CASES = 2000;
const BASH_RUNS = 12;
const valid: SensorUserDataConfig = {
  incidentId: 'gd-16afba5c5c43e07c9e3e5e2e544e95df',
  bucket: 'mirrorhunt-dev-logbucket-1x2y3z',
  prefix: 'zeek/',
  vni: 4242,
  rotateSeconds: 60,
  mode: 'incident',
  statusPrefix: 'sensor-status/',
};
/** Legal in S3 keys, meaningful to a shell: what a prefix may hold and must still arrive literally. */
const PREFIX_PIECES = ["it's", '(*)', '!', "x'*", "''", 'a.b', 'A_b-9'];
/** The script's own lines: anything else in it would be a value that escaped its quotes. */
const FIXED_LINES = new Set([
  '#!/bin/bash',
  'set -euo pipefail',
  'umask 022',
  'etc_dir="${MIRRORHUNT_ETC_DIR:-/etc/mirrorhunt}"',
  'mkdir -p "$etc_dir"',
  `cat > "$etc_dir/sensor.env.tmp" <<'MIRRORHUNT_ENV_END'`,
  'MIRRORHUNT_ENV_END',
  'mv -f "$etc_dir/sensor.env.tmp" "$etc_dir/sensor.env"',
  'systemctl start --no-block mirrorhunt-bootstrap.service',
  '',
]);
const QUOTED_SETTING = /^MIRRORHUNT_[A-Z_]+=(?:'[^'\n]*'|\\')+$/;

function configFrom(fuzzer: Fuzzer): SensorUserDataConfig {
  const config: Record<string, unknown> = { ...valid };
  if (fuzzer.chance(0.5)) config.prefix = `${Array.from({ length: 1 + fuzzer.int(3) }, () => fuzzer.pick(PREFIX_PIECES)).join('/')}/`;
  if (fuzzer.chance(0.3)) config.statusPrefix = `${fuzzer.pick(PREFIX_PIECES)}/`;
  for (const field of Object.keys(valid)) if (fuzzer.chance(0.15)) config[field] = fuzzer.chance(0.7) ? fuzzer.string() : fuzzer.value();
  return config as unknown as SensorUserDataConfig;
}

function bashReadsBack(script: string): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'mh-userdata-fuzz-'));
  try {
    writeFileSync(join(dir, 'systemctl'), '#!/bin/sh\n', { mode: 0o755 });
    writeFileSync(join(dir, 'user-data.sh'), script);
    execFileSync('bash', [join(dir, 'user-data.sh')], { env: { PATH: `${dir}:${process.env.PATH ?? ''}`, MIRRORHUNT_ETC_DIR: dir } });
    const printed = execFileSync('bash', ['-c', 'set -a; . "$1"; for k in $(compgen -v MIRRORHUNT_); do printf "%s=%s\\0" "$k" "${!k}"; done', 'x', join(dir, 'sensor.env')], { env: { PATH: process.env.PATH ?? '' } }).toString('utf8');
    expect(readFileSync(join(dir, 'sensor.env'), 'utf8').length).toBeGreaterThan(0);
    return Object.fromEntries(printed.split('\0').filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('sensor user data under hostile settings', () => {
  it(`either refuses a setting by name or keeps every value inside its quotes, for ${CASES} generated settings`, () => {
    // Prepare
    const fuzzer = new Fuzzer(4789);
    const failures: string[] = [];
    const accepted: Array<{ script: string; expected: Record<string, string> }> = [];
    let refused = 0;

    for (let i = 0; i < CASES; i++) {
      const config = configFrom(fuzzer);
      // Act
      let script: string;
      try {
        script = renderSensorUserData(config);
      } catch (error) {
        refused++;
        const field = /^invalid sensor user data: (\w+): /.exec((error as Error).message)?.[1];
        if (!(error instanceof InvalidInputError) || !field) failures.push(`#${i}: threw ${(error as Error).name}: ${(error as Error).message.slice(0, 120)}`);
        else if (config[field as keyof SensorUserDataConfig] === valid[field as keyof SensorUserDataConfig]) failures.push(`#${i}: refused ${field}, which was valid`);
        continue;
      }

      // Assess
      const expected = Object.fromEntries((Object.keys(SENSOR_ENV_KEYS) as Array<keyof SensorUserDataConfig>).map((k) => [SENSOR_ENV_KEYS[k], String(config[k])]));
      const stray = script.split('\n').filter((line) => !FIXED_LINES.has(line) && !line.startsWith('# ') && !QUOTED_SETTING.test(line));
      if (stray.length > 0) failures.push(`#${i}: unquoted text in the script: ${JSON.stringify(stray.slice(0, 2))}`);
      if (JSON.stringify(parseSensorEnv(script)) !== JSON.stringify(expected)) failures.push(`#${i}: settings do not read back: ${JSON.stringify(parseSensorEnv(script))}`);
      if (accepted.length < BASH_RUNS && JSON.stringify(config) !== JSON.stringify(valid)) accepted.push({ script, expected });
    }

    expect(failures.slice(0, 20)).toEqual([]);
    expect(refused).toBeGreaterThan(CASES * 0.3);
    expect(accepted.length).toBe(BASH_RUNS);
    // What a real shell makes of the accepted scripts is the final word.
    for (const { script, expected } of accepted) expect(bashReadsBack(script)).toEqual(expected);
  });
});

import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSensorEnv, renderSensorUserData } from '../../../../functions/shared/domain/user-data';

const FILES = join(__dirname, '..', '..', '..', '..', 'infra', 'sensor', 'files');
const BIN = join(FILES, 'bin');
const scripts = readdirSync(BIN).filter((name) => name.endsWith('.sh'));

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'mh-bootstrap-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

/** Commands the scripts call that must not touch this machine: each records its arguments. */
function fakeCommands(extra: Record<string, string> = {}): string {
  const fakes = join(work, 'fakes');
  mkdirSync(fakes, { recursive: true });
  const record = (name: string, body = '') => `#!/bin/bash\nprintf '%s %s\\n' ${name} "$*" >> "${work}/calls.log"\n${body}\n`;
  const commands: Record<string, string> = {
    ip: record('ip', `[[ "$*" == *"route show default"* ]] && echo "default via 10.0.0.1 dev ens5 proto dhcp src 10.0.0.12 metric 100"; exit 0`),
    ethtool: record('ethtool', '[[ "$3" == lro ]] && exit 1; exit 0'),
    nft: record('nft', `cat > "${work}/nft.rules"`),
    systemctl: record('systemctl'),
    chown: record('chown'),
    curl: record(
      'curl',
      [
        'url="${@: -1}"',
        'case "$url" in',
        '  */latest/api/token) echo "imds-token-1" ;;',
        '  */meta-data/instance-id) [[ "$*" == *"X-aws-ec2-metadata-token: imds-token-1"* ]] && echo "i-0123456789abcdef0" || exit 22 ;;',
        '  */meta-data/placement/region) [[ "$*" == *"X-aws-ec2-metadata-token: imds-token-1"* ]] && echo "eu-west-1" || exit 22 ;;',
        '  *) exit 22 ;;',
        'esac',
      ].join('\n'),
    ),
    ...extra,
  };
  for (const [name, body] of Object.entries(commands)) {
    writeFileSync(join(fakes, name), body);
    chmodSync(join(fakes, name), 0o755);
  }
  return fakes;
}

function zeekConfig(rotate: string, spool = '/var/spool/mirrorhunt') {
  return spawnSync('bash', [join(BIN, 'mirrorhunt-zeek-config.sh'), rotate, spool], { encoding: 'utf8' });
}

/**
 * shellcheck is a Debian package, not an npm one. `.ci/run` installs it and sets
 * REQUIRE_SHELLCHECK=1, so in CI a missing shellcheck fails here instead of skipping;
 * on a laptop without it these checks are skipped with a warning and the rest of the suite runs.
 */
const shellcheckPresent = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' }).error === undefined;
const shellcheckRequired = process.env.REQUIRE_SHELLCHECK === '1';
const withShellcheck = shellcheckPresent || shellcheckRequired ? it : it.skip;
if (!shellcheckPresent && !shellcheckRequired) {
  console.warn('shellcheck is not installed: the sensor scripts are not linted in this run (apt-get install shellcheck; CI always lints them)');
}

describe('shell scripts', () => {
  withShellcheck('shellcheck is installed (CI installs it; the check below must not pass by skipping)', () => {
    // Act
    const result = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
    // Assess
    expect(result.error).toBeUndefined();
    expect(result.stdout).toMatch(/version: \d+\.\d+/);
  });

  withShellcheck.each(scripts)('%s passes shellcheck', (script) => {
    // Act
    const result = spawnSync('shellcheck', ['--severity=style', '--shell=bash', join(BIN, script)], { encoding: 'utf8' });
    // Assess
    expect(result.error).toBeUndefined();
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('the Zeek policy the bootstrap writes', () => {
  it('logs JSON with flat names and epoch timestamps, captures only VXLAN and rotates at the configured interval', () => {
    // Act
    const { stdout, status } = zeekConfig('45');
    // Assess
    expect(status).toBe(0);
    expect(stdout).toMatch(/^redef LogAscii::use_json = T;$/m);
    expect(stdout).toMatch(/^redef Log::default_scope_sep = "_";$/m);
    expect(stdout).toMatch(/^redef LogAscii::json_timestamps = JSON::TS_EPOCH;$/m);
    expect(stdout).toMatch(/^redef restrict_filters \+= \{ \["mirrorhunt-vxlan"\] = "udp port 4789" \};$/m);
    expect(stdout).toMatch(/^redef PacketAnalyzer::VXLAN::vxlan_ports = \{ 4789\/udp \};$/m);
    expect(stdout).toMatch(/^redef Log::default_rotation_interval = 45 secs;$/m);
    expect(stdout).toMatch(/^redef Log::default_rotation_dir = "\/var\/spool\/mirrorhunt\/rotated";$/m);
    expect(stdout).toMatch(/^redef Log::rotation_format_func = mirrorhunt_rotation_path;$/m);
  });

  it('names rotated files the way the shipper parses them', () => {
    // Act
    const { stdout } = zeekConfig('60');
    // Assess: <path>__<open epoch>__<close epoch>, Zeek adds ".log".
    expect(stdout).toContain('fmt("%s__%d__%d", ri$path, opened, closed)');
  });

  it('snapshots still-open connections into open_conn.log, in conn.log columns, every rotation interval', () => {
    // Act
    const { stdout } = zeekConfig('90');
    // Assess
    expect(stdout).toContain('Log::create_stream(MirrorhuntOpenConn::LOG, [$columns=Conn::Info, $path="open_conn"]);');
    expect(stdout).toContain('ConnPolling::watch(c, snapshot, 0, 90 secs);');
    expect(stdout).toMatch(/Log::write\(MirrorhuntOpenConn::LOG, c\$conn\);\n\treturn 90 secs;/);
  });

  it("calls into Zeek's Conn module only through functions the policy itself exports from it (set_conn is private there)", () => {
    // Act
    const { stdout } = zeekConfig('60');
    const called = [...stdout.matchAll(/\bConn::([a-z_]+)\(/g)].map((m) => m[1] as string);
    const exportBlock = /^module Conn;\n\nexport \{\n([\s\S]*?)\n\}/m.exec(stdout)?.[1] ?? '';
    const exported = [...exportBlock.matchAll(/global ([a-z_]+): function/g)].map((m) => m[1]);

    // Assess: the snapshot fills c$conn through the wrapper, and the wrapper is defined in module Conn.
    expect(called).toEqual(['mirrorhunt_fill_conn']);
    expect(exported).toEqual(['mirrorhunt_fill_conn']);
    expect(stdout).toMatch(/^function mirrorhunt_fill_conn\(c: connection\)\n\t\{\n\tset_conn\(c, T\);\n\t\}$/m);
  });

  it.each(['9', '3601', '60; system("id")', '', '0x3c'])('refuses rotation interval %j', (rotate) => {
    // Act
    const result = zeekConfig(rotate);
    // Assess
    expect(result.status).not.toBe(0);
    expect(result.stdout).toBe('');
  });

  it('refuses a spool path that could break out of the Zeek string', () => {
    // Act
    const result = zeekConfig('60', '/var/spool/"; redef x');
    // Assess
    expect(result.status).toBe(64);
  });
});

describe('mirrorhunt-bootstrap.sh', () => {
  function runBootstrap(rotateSeconds: number) {
    const etc = join(work, 'etc');
    const script = renderSensorUserData({
      incidentId: 'inc-42',
      bucket: 'mirrorhunt-dev-logbucket-1x2y3z',
      prefix: 'zeek/',
      vni: 4242,
      rotateSeconds,
      mode: 'incident',
      statusPrefix: 'sensor-status/',
    });
    writeFileSync(join(work, 'user-data.sh'), script);
    const env = {
      PATH: `${fakeCommands()}:${process.env.PATH ?? ''}`,
      MIRRORHUNT_ETC_DIR: etc,
      MIRRORHUNT_RUN_DIR: join(work, 'run'),
      MIRRORHUNT_SPOOL_DIR: join(work, 'spool'),
      MIRRORHUNT_BIN_DIR: BIN,
    };
    execFileSync('bash', [join(work, 'user-data.sh')], { env });
    return spawnSync('bash', [join(BIN, 'mirrorhunt-bootstrap.sh')], { env, encoding: 'utf8' });
  }

  it('turns user data and IMDSv2 identity into the instance env, Zeek policy, spool and a started capture', () => {
    // Act
    const result = runBootstrap(30);
    // Assess
    expect(result.stderr).toBe('offload lro not adjustable on ens5\n');
    expect(result.status).toBe(0);
    expect(parseSensorEnv(readFileSync(join(work, 'run', 'instance.env'), 'utf8').replace(/^AWS_REGION/m, 'MIRRORHUNT_REGION'))).toEqual({
      MIRRORHUNT_INSTANCE_ID: 'i-0123456789abcdef0',
      MIRRORHUNT_REGION: 'eu-west-1',
      MIRRORHUNT_INTERFACE: 'ens5',
      MIRRORHUNT_SPOOL_DIR: join(work, 'spool'),
    });
    expect(readFileSync(join(work, 'etc', 'zeek', 'mirrorhunt.zeek'), 'utf8')).toMatch(/^redef Log::default_rotation_interval = 30 secs;$/m);
    expect(readdirSync(join(work, 'spool')).sort()).toEqual(['current', 'outbox', 'rotated', 'state']);
    const calls = readFileSync(join(work, 'calls.log'), 'utf8');
    expect(calls).toContain('ip link set dev ens5 mtu 9001');
    for (const feature of ['gro', 'lro', 'rx-gro-hw', 'gso', 'tso']) expect(calls).toContain(`ethtool -K ens5 ${feature} off`);
    expect(calls).toMatch(/^curl .*-X PUT -H X-aws-ec2-metadata-token-ttl-seconds: 300 .*\/latest\/api\/token$/m);
    expect(calls.trimEnd().split('\n').at(-1)).toBe('systemctl start --no-block mirrorhunt-zeek.service');
    expect(readFileSync(join(work, 'nft.rules'), 'utf8')).toContain('iifname "ens5" udp dport 4789 drop');
  });

  it('fails before touching the NIC when IMDS does not answer', () => {
    // Prepare
    const fakes = fakeCommands({ curl: '#!/bin/bash\nexit 7\n' });
    mkdirSync(join(work, 'etc'), { recursive: true });
    writeFileSync(join(work, 'etc', 'sensor.env'), "MIRRORHUNT_INCIDENT_ID='a'\nMIRRORHUNT_BUCKET='bbb'\nMIRRORHUNT_PREFIX='zeek/'\nMIRRORHUNT_VNI='1'\nMIRRORHUNT_ROTATE_SECONDS='60'\nMIRRORHUNT_MODE='incident'\nMIRRORHUNT_STATUS_PREFIX='s/'\n");
    // Act
    const result = spawnSync('bash', [join(BIN, 'mirrorhunt-bootstrap.sh')], {
      env: { PATH: `${fakes}:${process.env.PATH ?? ''}`, MIRRORHUNT_ETC_DIR: join(work, 'etc'), MIRRORHUNT_RUN_DIR: join(work, 'run'), MIRRORHUNT_SPOOL_DIR: join(work, 'spool'), MIRRORHUNT_BIN_DIR: BIN },
      encoding: 'utf8',
    });
    // Assess
    expect(result.status).not.toBe(0);
    expect(readFileSync(join(work, 'calls.log'), { encoding: 'utf8', flag: 'a+' })).not.toContain('ethtool');
  });
});

describe('systemd units', () => {
  const unit = (name: string) => readFileSync(join(FILES, 'systemd', name), 'utf8');

  it('stops Zeek before the shipper, so the final flush includes Zeek last rotation', () => {
    // Assess: systemd stops units in reverse start order; After= makes Zeek start after the shipper.
    expect(unit('mirrorhunt-zeek.service')).toMatch(/^After=.*\bmirrorhunt-shipper\.service\b/m);
    expect(unit('mirrorhunt-shipper.service')).not.toMatch(/^After=.*mirrorhunt-zeek/m);
  });

  it('gives the shipper longer to stop than its flush deadline', () => {
    // Assess: the flush retries for 60 s by default (MIRRORHUNT_FLUSH_TIMEOUT_MS).
    expect(Number(/^TimeoutStopSec=(\d+)$/m.exec(unit('mirrorhunt-shipper.service'))?.[1])).toBeGreaterThan(60);
  });

  it('runs Zeek unprivileged with only the capture capabilities and signals readiness after start', () => {
    const zeek = unit('mirrorhunt-zeek.service');
    expect(zeek).toMatch(/^User=mirrorhunt$/m);
    expect(zeek).toMatch(/^AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN$/m);
    expect(zeek).toMatch(/^CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN$/m);
    expect(zeek).toMatch(/^ExecStartPost=\/opt\/mirrorhunt\/bin\/mirrorhunt-ready\.sh \$MAINPID \d+$/m);
  });
});

describe('mirrorhunt-ready.sh', () => {
  /** A /proc with one process whose descriptor 5 is socket inode 4567, and a packet socket table. */
  function fakeProc(packetInodes: string[]): string {
    const proc = join(work, 'proc');
    mkdirSync(join(proc, '321', 'fd'), { recursive: true });
    mkdirSync(join(proc, 'net'), { recursive: true });
    symlinkSync('/dev/null', join(proc, '321', 'fd', '0'));
    symlinkSync('socket:[4567]', join(proc, '321', 'fd', '5'));
    const header = 'sk               RefCnt Type Proto  Iface R Rmem   User   Inode\n';
    const rows = packetInodes.map((inode) => `ffff8a0c3b2e4800 3      3    0003   2     1 0      998    ${inode}\n`);
    writeFileSync(join(proc, 'net', 'packet'), header + rows.join(''));
    return proc;
  }

  function runReady(proc: string, timeout: string) {
    return spawnSync('bash', [join(BIN, 'mirrorhunt-ready.sh'), '321', timeout], {
      env: { PATH: process.env.PATH ?? '', MIRRORHUNT_PROC: proc, MIRRORHUNT_SPOOL_DIR: join(work, 'spool') },
      encoding: 'utf8',
    });
  }

  it('raises the capturing flag once Zeek holds a packet socket', () => {
    // Prepare
    const proc = fakeProc(['1111', '4567']);
    // Act
    const result = runReady(proc, '2');
    // Assess
    expect(result.status).toBe(0);
    const flag = JSON.parse(readFileSync(join(work, 'spool', 'state', 'capturing.json'), 'utf8'));
    expect(flag.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('fails without a flag when Zeek never opens a packet socket', () => {
    // Prepare
    const proc = fakeProc(['1111']);
    // Act
    const result = runReady(proc, '1');
    // Assess
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('did not open a capture socket');
    expect(() => readFileSync(join(work, 'spool', 'state', 'capturing.json'))).toThrow();
  });
});

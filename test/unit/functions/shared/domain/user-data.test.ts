import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2Client, AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DescribeRouteTablesCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { Logger } from '@aws-lambda-powertools/logger';
import { mockClient } from 'aws-sdk-client-mock';
import { launchSensor } from '../../../../../functions/launchSensor/handler';
import { startInvestigation } from '../../../../../functions/startInvestigation/handler';
import { parseConfig } from '../../../../../functions/shared/config';
import type { AllDeps as Deps } from '../../../../../functions/shared/runtime';
import { InvalidInputError } from '../../../../../functions/shared/errors';
import { ec2Finding, guardDutyEvent } from '../../../../support/fixtures';
import {
  parseSensorEnv,
  renderSensorEnv,
  renderSensorUserData,
  shellQuote,
  type SensorUserDataConfig,
} from '../../../../../functions/shared/domain/user-data';

const base: SensorUserDataConfig = {
  incidentId: 'gd-7ac2f1e0-i-0abc',
  bucket: 'mirrorhunt-dev-logbucket-1x2y3z',
  prefix: 'zeek/',
  vni: 4242,
  rotateSeconds: 60,
  mode: 'incident',
  statusPrefix: 'sensor-status/',
};

/** Runs the rendered user data under bash with a recording `systemctl`, in a temp folder. */
function runUserData(script: string): { env: string; systemctlArgs: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mh-userdata-'));
  try {
    const bin = join(dir, 'bin');
    execFileSync('mkdir', ['-p', bin, join(dir, 'etc')]);
    writeFileSync(join(bin, 'systemctl'), `#!/bin/bash\nprintf '%s\\n' "$*" > "${dir}/systemctl.args"\n`);
    chmodSync(join(bin, 'systemctl'), 0o755);
    writeFileSync(join(dir, 'user-data.sh'), script);
    execFileSync('bash', [join(dir, 'user-data.sh')], {
      cwd: dir,
      env: { PATH: `${bin}:${process.env.PATH ?? ''}`, MIRRORHUNT_ETC_DIR: join(dir, 'etc') },
    });
    // Source the env file the way the bootstrap does and print the values NUL-separated.
    const printed = execFileSync('bash', ['-c', 'set -a; . "$1"; for k in $(compgen -v MIRRORHUNT_); do printf "%s=%s\\0" "$k" "${!k}"; done', 'x', join(dir, 'etc', 'sensor.env')], {
      env: { PATH: process.env.PATH ?? '' },
    }).toString('utf8');
    return { env: printed, systemctlArgs: readFileSync(join(dir, 'systemctl.args'), 'utf8').trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function nulPairs(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\0')
      .filter((pair) => pair.length > 0)
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
}

describe('renderSensorUserData', () => {
  it('writes an env file whose values bash reads back exactly, and starts the bootstrap unit', () => {
    // Prepare
    const script = renderSensorUserData(base);
    // Act
    const { env, systemctlArgs } = runUserData(script);
    // Assess
    expect(nulPairs(env)).toEqual({
      MIRRORHUNT_INCIDENT_ID: 'gd-7ac2f1e0-i-0abc',
      MIRRORHUNT_BUCKET: 'mirrorhunt-dev-logbucket-1x2y3z',
      MIRRORHUNT_PREFIX: 'zeek/',
      MIRRORHUNT_VNI: '4242',
      MIRRORHUNT_ROTATE_SECONDS: '60',
      MIRRORHUNT_MODE: 'incident',
      MIRRORHUNT_STATUS_PREFIX: 'sensor-status/',
    });
    expect(systemctlArgs).toBe('start --no-block mirrorhunt-bootstrap.service');
  });

  it('keeps shell-special characters allowed in prefixes literal when bash runs the script', () => {
    // Prepare: every one of these is legal in an S3 key and meaningful to a shell.
    const hostile = { ...base, prefix: "it's(*)!/x'*/", statusPrefix: "st'atus/''/" };
    // Act
    const { env } = runUserData(renderSensorUserData(hostile));
    // Assess
    expect(nulPairs(env).MIRRORHUNT_PREFIX).toBe("it's(*)!/x'*/");
    expect(nulPairs(env).MIRRORHUNT_STATUS_PREFIX).toBe("st'atus/''/");
  });

  it('parses back from the whole user data what it was rendered from', () => {
    // Prepare
    const config = { ...base, mode: 'fleet' as const, vni: 16_777_215, prefix: "a'b/" };
    // Act
    const env = parseSensorEnv(renderSensorUserData(config));
    // Assess
    expect(env).toEqual({
      MIRRORHUNT_INCIDENT_ID: config.incidentId,
      MIRRORHUNT_BUCKET: config.bucket,
      MIRRORHUNT_PREFIX: "a'b/",
      MIRRORHUNT_VNI: '16777215',
      MIRRORHUNT_ROTATE_SECONDS: '60',
      MIRRORHUNT_MODE: 'fleet',
      MIRRORHUNT_STATUS_PREFIX: 'sensor-status/',
    });
  });

  it.each([
    ['incidentId', { incidentId: '$(touch /tmp/pwned)' }],
    ['incidentId', { incidentId: '' }],
    ['incidentId', { incidentId: 'x'.repeat(81) }],
    ['bucket', { bucket: 'Upper-Case' }],
    ['bucket', { bucket: 'ab' }],
    ['bucket', { bucket: 'a..b' }],
    ['bucket', { bucket: '192.168.1.1' }],
    ['bucket', { bucket: 'xn--bucket' }],
    ['bucket', { bucket: "b'; rm -rf /; '" }],
    ['prefix', { prefix: 'zeek' }],
    ['prefix', { prefix: '/zeek/' }],
    ['prefix', { prefix: 'zeek/../x/' }],
    ['prefix', { prefix: 'zeek\n/' }],
    ['prefix', { prefix: 'ze`id`ek/' }],
    ['vni', { vni: -1 }],
    ['vni', { vni: 16_777_216 }],
    ['vni', { vni: 1.5 }],
    ['rotateSeconds', { rotateSeconds: 9 }],
    ['rotateSeconds', { rotateSeconds: 3601 }],
    ['mode', { mode: 'sneaky' }],
    ['statusPrefix', { statusPrefix: 'status' }],
  ])('rejects a bad %s with InvalidInputError naming the field (%j)', (field, override) => {
    // Prepare
    const config = { ...base, ...override } as SensorUserDataConfig;
    // Act
    const render = () => renderSensorUserData(config);
    // Assess
    expect(render).toThrow(InvalidInputError);
    expect(render).toThrow(new RegExp(`: ${field}: `));
  });
});

describe('shellQuote', () => {
  it.each(["plain", "it's", "$(id)`id`${HOME}", "a\\b\"c", "'''", "new\nline", ""])('round-trips %j through bash', (value) => {
    // Act
    const echoed = execFileSync('bash', ['-c', `printf '%s' ${shellQuote(value)}`]).toString('utf8');
    // Assess
    expect(echoed).toBe(value);
  });

  it('is read back by parseSensorEnv for hostile values too', () => {
    // Prepare
    const value = "x'; $(id) `id` \\ ' end";
    // Act
    const env = parseSensorEnv(`MIRRORHUNT_X=${shellQuote(value)}\n`);
    // Assess
    expect(env.MIRRORHUNT_X).toBe(value);
  });
});

describe('renderSensorEnv', () => {
  it('writes one quoted line per setting and nothing else', () => {
    // Act
    const lines = renderSensorEnv(base).trimEnd().split('\n');
    // Assess
    expect(lines).toHaveLength(7);
    expect(lines.every((line) => /^MIRRORHUNT_[A-Z_]+='[^'\n]*'$/.test(line))).toBe(true);
  });
});

describe('sensor user data for an investigation a hostile finding started', () => {
  const ec2Mock = mockClient(EC2Client);
  const sfnMock = mockClient(SFNClient);
  const ssmMock = mockClient(SSMClient);
  const HOSTILE = ["$(touch /tmp/pwned)", '`id`', "'; reboot; '", '\nMIRRORHUNT_BUCKET=evil\nMIRRORHUNT_ENV_END\nreboot\n'];

  function deps(): Deps {
    return {
      config: parseConfig({
        STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:mirrorhunt-dev-investigate',
        LOG_BUCKET: 'mirrorhunt-dev-logbucket-1x2y3z',
        SENSOR_AMI_PARAMETER: '/mirrorhunt/dev/sensor-ami-id',
        SENSOR_INSTANCE_PROFILE_ARN: 'arn:aws:iam::123456789012:instance-profile/mirrorhunt-sensor',
        MIRRORHUNT_STACK: 'mirrorhunt-dev',
      }),
      clients: { ec2: new EC2Client({ region: 'us-east-1' }), sfn: new SFNClient({ region: 'us-east-1' }), ssm: new SSMClient({ region: 'us-east-1' }) } as Deps['clients'],
      now: () => new Date('2026-11-24T08:00:00Z'),
      logger: new Logger({ logLevel: 'SILENT' }),
      queryEngine: async () => {
        throw new Error('not used');
      },
    };
  }

  const stateFor = (incidentId: string, request: unknown = {}) => ({
    incidentId,
    request,
    target: { instanceId: 'i-05746eb48123455e0', vpcId: 'vpc-0aa00000000000001', subnetId: 'subnet-0aa00000000000001', cidrs: { ipv4: ['10.40.0.0/16'], ipv6: [] } },
  });

  beforeEach(() => {
    for (const mock of [ec2Mock, sfnMock, ssmMock]) mock.reset();
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:x' });
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: 'ami-0123456789abcdef0' } });
    ec2Mock.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-0123456789abcdef0' });
    ec2Mock.on(AuthorizeSecurityGroupIngressCommand).resolves({});
    ec2Mock.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0ffff000000000001' }] });
    // The subnet reaches S3 through a gateway endpoint on the VPC's main table (launchSensor checks before launching).
    ec2Mock.on(DescribeRouteTablesCommand).resolves({
      RouteTables: [{ RouteTableId: 'rtb-0aa00000000000001', Associations: [{ Main: true }], Routes: [{ DestinationPrefixListId: 'pl-63a5400a', GatewayId: 'vpce-0aa00000000000001', State: 'active' }] }],
    });
  });

  it('carries none of the finding\'s text into the script, only the incident id made from the validated finding id', async () => {
    // Prepare: every free-text field the trigger keeps holds a shell payload.
    const finding = ec2Finding() as Record<string, unknown> & { resource: { instanceDetails: { tags: Array<{ key: string; value: string }> } } };
    finding.title = HOSTILE.join(' ');
    finding.service = { action: { actionType: 'DNS_REQUEST', dnsRequestAction: { domain: HOSTILE[2] } } };
    finding.resource.instanceDetails.tags = HOSTILE.map((value, i) => ({ key: `k${i}`, value }));
    const started = await startInvestigation(deps())(guardDutyEvent(finding));
    expect(started).toMatchObject({ outcome: 'started' });
    const { name: incidentId, input } = sfnMock.commandCalls(StartExecutionCommand)[0]!.args[0].input;

    // Act: the state machine names the incident after the execution and passes the request along.
    await launchSensor(deps())(stateFor(incidentId!, JSON.parse(input!)));

    // Assess
    const userData = Buffer.from(ec2Mock.commandCalls(RunInstancesCommand)[0]!.args[0].input.UserData!, 'base64').toString('utf8');
    for (const payload of HOSTILE) expect(userData).not.toContain(payload.trim());
    expect(userData).not.toContain('pwned');
    const settings = userData.split('\n').filter((line) => line.startsWith('MIRRORHUNT_') && line !== 'MIRRORHUNT_ENV_END');
    expect(settings).toHaveLength(7);
    for (const line of settings) expect(line).toMatch(/^MIRRORHUNT_[A-Z_]+='[^'\n]*'$/);
    expect(nulPairs(runUserData(userData).env).MIRRORHUNT_INCIDENT_ID).toBe(incidentId);
  });

  it.each(["gd-x'; reboot; '", 'gd-$(id)', 'gd-x\nMIRRORHUNT_ENV_END\nreboot', 'gd-`id`'])('refuses to launch a sensor for incident id %j: no security group, no instance', async (incidentId) => {
    // Act
    const launch = launchSensor(deps())(stateFor(incidentId));

    // Assess
    await expect(launch).rejects.toThrow(InvalidInputError);
    expect(ec2Mock.calls()).toHaveLength(0);
  });
});

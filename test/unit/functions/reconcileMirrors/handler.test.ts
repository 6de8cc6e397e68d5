import {
  CreateTrafficMirrorSessionCommand,
  DeleteTrafficMirrorSessionCommand,
  DescribeInstancesCommand,
  DescribeTrafficMirrorFiltersCommand,
  DescribeTrafficMirrorSessionsCommand,
  DescribeTrafficMirrorTargetsCommand,
  EC2Client,
  ModifyTrafficMirrorSessionCommand,
  type Instance,
} from '@aws-sdk/client-ec2';
import { Logger } from '@aws-lambda-powertools/logger';
import { mockClient } from 'aws-sdk-client-mock';
import { reconcileMirrors } from '../../../../functions/reconcileMirrors/handler';
import { parseConfig } from '../../../../functions/shared/config';
import { ConfigError } from '../../../../functions/shared/errors';
import type { AllDeps as Deps } from '../../../../functions/shared/runtime';

const ec2Mock = mockClient(EC2Client);
const TARGET = 'tmt-0f1ee700000000001';
const FILTER = 'tmf-0f1ee700000000001';
const NO_WAIT = { retries: 1, baseMs: 0, maxMs: 0, sleep: async () => undefined };
const unpaced = { wait: async () => undefined };
const fleetTags = [
  { Key: 'mirrorhunt:managed', Value: 'true' },
  { Key: 'mirrorhunt:stack', Value: 'mirrorhunt-test' },
  { Key: 'mirrorhunt:role', Value: 'fleet-session' },
];

const instance: Instance = {
  InstanceId: 'i-0aa00000000000001',
  InstanceType: 'm5.large',
  VpcId: 'vpc-0aa00000000000001',
  SubnetId: 'subnet-0aa00000000000001',
  State: { Name: 'running', Code: 16 },
  LaunchTime: new Date('2026-11-24T07:00:00Z'),
  Tags: [{ Key: 'Name', Value: 'app' }],
  NetworkInterfaces: [{ NetworkInterfaceId: 'eni-0aa00000000000001', InterfaceType: 'interface', Attachment: { DeviceIndex: 0 } }],
};

function deps(env: Record<string, string> = {}): Deps {
  return {
    config: parseConfig({ FLEET_TARGET_ID: TARGET, FLEET_FILTER_ID: FILTER, MIRRORHUNT_STACK: 'mirrorhunt-test', ...env }),
    clients: { ec2: new EC2Client({ region: 'us-east-1' }) } as Deps['clients'],
    now: () => new Date('2026-11-24T08:00:00Z'),
    logger: new Logger({ logLevel: 'SILENT' }),
    queryEngine: async () => {
      throw new Error('not used');
    },
  };
}

const reconcile = (env: Record<string, string> = {}) => reconcileMirrors(deps(env), { backoff: NO_WAIT, pacer: unpaced, metrics: () => undefined });

beforeEach(() => {
  ec2Mock.reset();
  ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [instance] }] });
  ec2Mock.on(DescribeTrafficMirrorSessionsCommand).resolves({
    TrafficMirrorSessions: [
      // Ours, on an ENI that no longer exists.
      { TrafficMirrorSessionId: 'tms-0gone', NetworkInterfaceId: 'eni-0dead0000000000001', TrafficMirrorTargetId: TARGET, TrafficMirrorFilterId: FILTER, SessionNumber: 1, Tags: fleetTags },
      // An investigation's session, also on a vanished ENI: not the reconciler's.
      { TrafficMirrorSessionId: 'tms-0incident', NetworkInterfaceId: 'eni-0dead0000000000002', TrafficMirrorTargetId: 'tmt-0123400000000001', SessionNumber: 1, Tags: [{ Key: 'mirrorhunt:managed', Value: 'true' }, { Key: 'mirrorhunt:role', Value: 'mirror-session' }] },
    ],
  });
  ec2Mock.on(DescribeTrafficMirrorFiltersCommand).resolves({ TrafficMirrorFilters: [] });
  ec2Mock.on(DescribeTrafficMirrorTargetsCommand).resolves({ TrafficMirrorTargets: [] });
  ec2Mock.on(CreateTrafficMirrorSessionCommand).resolves({ TrafficMirrorSession: { TrafficMirrorSessionId: 'tms-0new' } });
  ec2Mock.on(DeleteTrafficMirrorSessionCommand).resolves({});
});

describe('reconcileMirrors', () => {
  it('creates the missing fleet session and deletes only our session on the vanished ENI', async () => {
    // Act
    const result = await reconcile()({});

    // Assess
    expect(result).toMatchObject({ dryRun: false, planned: { create: 1, repoint: 0, delete: 1 }, outcomes: { done: 2, failed: 0 } });
    expect(ec2Mock).toHaveReceivedCommandWith(CreateTrafficMirrorSessionCommand, { NetworkInterfaceId: 'eni-0aa00000000000001', TrafficMirrorTargetId: TARGET, TrafficMirrorFilterId: FILTER, SessionNumber: 32766 });
    expect(ec2Mock.commandCalls(DeleteTrafficMirrorSessionCommand).map((c) => c.args[0].input.TrafficMirrorSessionId)).toEqual(['tms-0gone']);
  });

  it('in dry-run reports the plan and changes nothing', async () => {
    // Act
    const result = await reconcile({ RECONCILE_DRY_RUN: 'true' })({});

    // Assess
    expect(result).toMatchObject({ dryRun: true, outcomes: { 'would-do': 2, done: 0 } });
    expect(ec2Mock).toHaveReceivedCommandTimes(CreateTrafficMirrorSessionCommand, 0);
    expect(ec2Mock).toHaveReceivedCommandTimes(DeleteTrafficMirrorSessionCommand, 0);
    expect(ec2Mock).toHaveReceivedCommandTimes(ModifyTrafficMirrorSessionCommand, 0);
  });

  it('re-points our session to the fleet target with ModifyTrafficMirrorSession', async () => {
    // Prepare
    ec2Mock.on(DescribeTrafficMirrorSessionsCommand).resolves({
      TrafficMirrorSessions: [{ TrafficMirrorSessionId: 'tms-0old', NetworkInterfaceId: 'eni-0aa00000000000001', TrafficMirrorTargetId: 'tmt-0a1d00000000001', TrafficMirrorFilterId: FILTER, SessionNumber: 1, Tags: fleetTags }],
    });

    // Act
    await reconcile()({});

    // Assess
    expect(ec2Mock).toHaveReceivedCommandWith(ModifyTrafficMirrorSessionCommand, { TrafficMirrorSessionId: 'tms-0old', TrafficMirrorTargetId: TARGET, TrafficMirrorFilterId: FILTER });
    expect(ec2Mock).toHaveReceivedCommandTimes(CreateTrafficMirrorSessionCommand, 0);
  });

  it('makes at most the configured number of changes and counts the rest as deferred', async () => {
    // Act
    const result = await reconcile({ RECONCILE_MAX_ACTIONS: '1' })({});

    // Assess
    expect(result).toMatchObject({ deferred: 1, outcomes: { done: 1 } });
    expect(ec2Mock).toHaveReceivedCommandTimes(DeleteTrafficMirrorSessionCommand, 0);
  });

  it('fails loudly without the fleet target id', () => {
    expect(() => reconcileMirrors({ ...deps(), config: parseConfig({ FLEET_FILTER_ID: FILTER }) })).toThrow(ConfigError);
  });
});

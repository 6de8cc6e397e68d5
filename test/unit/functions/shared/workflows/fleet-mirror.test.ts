import {
  CreateTrafficMirrorSessionCommand,
  DescribeTrafficMirrorFiltersCommand,
  DescribeTrafficMirrorSessionsCommand,
  DescribeTrafficMirrorTargetsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { mirrorInstancesToFleet, type FleetMirrorOptions } from '../../../../../functions/shared/workflows/fleet-mirror';
import type { LaunchedInstance } from '../../../../../functions/shared/domain/auto-mirror';

const ec2Mock = mockClient(EC2Client);
const ec2 = new EC2Client({ region: 'us-east-1' });

const options: FleetMirrorOptions = {
  targetId: 'tmt-0fleet000000000001',
  filterId: 'tmf-0fleet000000000001',
  stack: 'mirrorhunt-dev',
  scope: { vpcIds: [], subnetIds: [], optInTags: [], optOutTags: [], combine: 'and', eniMode: 'all' },
  backoff: { retries: 0, baseMs: 1, maxMs: 1 },
};

const instance: LaunchedInstance = {
  instanceId: 'i-0a1b2c3d4e5f60718',
  instanceType: 'm5.large',
  launchTime: '2026-11-24T08:00:00.000Z',
  tags: {},
  networkInterfaces: [
    { networkInterfaceId: 'eni-0000000000000000a', deviceIndex: 0, interfaceType: 'interface' },
    { networkInterfaceId: 'eni-0000000000000000b', deviceIndex: 1, interfaceType: 'interface' },
  ],
};

const fleetSession = (eni: string, n: number) => ({ TrafficMirrorSessionId: `tms-${n}`, NetworkInterfaceId: eni, SessionNumber: 1, TrafficMirrorTargetId: options.targetId, TrafficMirrorFilterId: options.filterId });

beforeEach(() => ec2Mock.reset());

describe('mirrorInstancesToFleet', () => {
  it('settles an instance whose ENIs are all mirrored to the fleet with one Describe call (a running notification after the launch event)', async () => {
    // Prepare
    ec2Mock.on(DescribeTrafficMirrorSessionsCommand).resolves({ TrafficMirrorSessions: [fleetSession('eni-0000000000000000a', 1), fleetSession('eni-0000000000000000b', 2)] });

    // Act
    const decisions = await mirrorInstancesToFleet(ec2, [instance], options);

    // Assess
    expect(decisions.map((d) => d.outcome)).toEqual(['already-mirrored', 'already-mirrored']);
    expect(ec2Mock.calls()).toHaveLength(1);
    expect(ec2Mock).not.toHaveReceivedCommand(DescribeTrafficMirrorFiltersCommand);
    expect(ec2Mock).not.toHaveReceivedCommand(DescribeTrafficMirrorTargetsCommand);
  });

  it('looks up rules and mirror targets only for the ENI still to mirror, then creates its session', async () => {
    // Prepare: eni-a is mirrored to the fleet; eni-b carries another tool's session at number 1
    ec2Mock.on(DescribeTrafficMirrorSessionsCommand).resolves({
      TrafficMirrorSessions: [fleetSession('eni-0000000000000000a', 1), { TrafficMirrorSessionId: 'tms-other', NetworkInterfaceId: 'eni-0000000000000000b', SessionNumber: 1, TrafficMirrorTargetId: 'tmt-other', TrafficMirrorFilterId: 'tmf-other' }],
    });
    ec2Mock.on(DescribeTrafficMirrorFiltersCommand).resolves({ TrafficMirrorFilters: [{ TrafficMirrorFilterId: 'tmf-other', IngressFilterRules: [], EgressFilterRules: [] }] });
    ec2Mock.on(DescribeTrafficMirrorTargetsCommand).resolves({ TrafficMirrorTargets: [] });
    ec2Mock.on(CreateTrafficMirrorSessionCommand).resolves({ TrafficMirrorSession: { TrafficMirrorSessionId: 'tms-new' } });

    // Act
    const decisions = await mirrorInstancesToFleet(ec2, [instance], options);

    // Assess
    expect(decisions.map((d) => [d.networkInterfaceId, d.outcome])).toEqual([
      ['eni-0000000000000000a', 'already-mirrored'],
      ['eni-0000000000000000b', 'created'],
    ]);
    expect(ec2Mock).toHaveReceivedCommandWith(DescribeTrafficMirrorFiltersCommand, { TrafficMirrorFilterIds: ['tmf-other'] });
    expect(ec2Mock).toHaveReceivedCommandWith(DescribeTrafficMirrorTargetsCommand, { Filters: [{ Name: 'network-interface-id', Values: ['eni-0000000000000000b'] }] });
    expect(ec2Mock).toHaveReceivedCommandWith(CreateTrafficMirrorSessionCommand, { NetworkInterfaceId: 'eni-0000000000000000b', TrafficMirrorTargetId: options.targetId });
  });
});

import {
  CreateTrafficMirrorSessionCommand,
  DeleteSecurityGroupCommand,
  DeleteTrafficMirrorTargetCommand,
  DescribeSecurityGroupsCommand,
  DescribeInstancesCommand,
  DescribeTrafficMirrorFiltersCommand,
  DescribeTrafficMirrorSessionsCommand,
  DescribeVpcsCommand,
  EC2Client,
  EC2ServiceException,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import {
  createMirrorSession,
  deleteMirrorTarget,
  deleteSecurityGroup,
  describeInstance,
  describeVpcCidrs,
  existingSessions,
  findIncidentResources,
  runSensorInstance,
} from '../../../../../functions/shared/adapters/ec2';
import { AwsAccessDeniedError, AwsThrottledError, MirrorSessionError, TargetNotFoundError } from '../../../../../functions/shared/errors';
import { sensorLaunchSpec } from '../../../../../functions/shared/domain/sensor';
import { incidentTags } from '../../../../../functions/shared/tags';

const ec2Mock = mockClient(EC2Client);
const ec2 = new EC2Client({ region: 'us-east-1' });

function awsError(name: string, status = 400) {
  return new EC2ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: `${name} (test)` });
}

beforeEach(() => ec2Mock.reset());

describe('describeInstance', () => {
  it('maps every ENI with its type, device index and addresses', async () => {
    // Prepare
    ec2Mock.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            {
              InstanceId: 'i-0a1b2c3d4e5f60718',
              InstanceType: 'm5.large',
              State: { Name: 'running', Code: 16 },
              VpcId: 'vpc-1',
              SubnetId: 'subnet-1',
              Placement: { AvailabilityZone: 'us-east-1a' },
              NetworkInterfaces: [
                { NetworkInterfaceId: 'eni-b', InterfaceType: 'interface', Attachment: { DeviceIndex: 1 }, PrivateIpAddresses: [{ PrivateIpAddress: '10.0.2.5' }] },
                {
                  NetworkInterfaceId: 'eni-a',
                  InterfaceType: 'interface',
                  Attachment: { DeviceIndex: 0 },
                  PrivateIpAddresses: [{ PrivateIpAddress: '10.0.1.5' }, { PrivateIpAddress: '10.0.1.6' }],
                  Ipv6Addresses: [{ Ipv6Address: '2600::5' }],
                },
              ],
            },
          ],
        },
      ],
    });
    // Act
    const instance = await describeInstance(ec2, 'i-0a1b2c3d4e5f60718');
    // Assess
    expect(instance.networkInterfaces).toEqual([
      expect.objectContaining({ networkInterfaceId: 'eni-b', deviceIndex: 1, privateIps: ['10.0.2.5'] }),
      expect.objectContaining({ networkInterfaceId: 'eni-a', deviceIndex: 0, privateIps: ['10.0.1.5', '10.0.1.6'], ipv6Ips: ['2600::5'] }),
    ]);
    expect(ec2Mock).toHaveReceivedCommandWith(DescribeInstancesCommand, { InstanceIds: ['i-0a1b2c3d4e5f60718'] });
  });

  it('turns InvalidInstanceID.NotFound into TargetNotFoundError naming the instance', async () => {
    ec2Mock.on(DescribeInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound'));
    await expect(describeInstance(ec2, 'i-0a1b2c3d4e5f60718')).rejects.toThrow(TargetNotFoundError);
    await expect(describeInstance(ec2, 'i-0a1b2c3d4e5f60718')).rejects.toThrow(/i-0a1b2c3d4e5f60718 was not found/);
  });

  it('turns throttling into the one retryable error name the state machine knows', async () => {
    ec2Mock.on(DescribeInstancesCommand).rejects(awsError('RequestLimitExceeded', 503));
    await expect(describeInstance(ec2, 'i-0a1b2c3d4e5f60718')).rejects.toThrow(AwsThrottledError);
  });
});

describe('describeVpcCidrs', () => {
  it('keeps only associated CIDRs, IPv4 and IPv6', async () => {
    ec2Mock.on(DescribeVpcsCommand).resolves({
      Vpcs: [
        {
          VpcId: 'vpc-1',
          CidrBlock: '10.0.0.0/16',
          CidrBlockAssociationSet: [
            { CidrBlock: '10.0.0.0/16', CidrBlockState: { State: 'associated' } },
            { CidrBlock: '10.1.0.0/16', CidrBlockState: { State: 'associated' } },
            { CidrBlock: '10.2.0.0/16', CidrBlockState: { State: 'disassociated' } },
          ],
          Ipv6CidrBlockAssociationSet: [{ Ipv6CidrBlock: '2600:1f18::/56', Ipv6CidrBlockState: { State: 'associated' } }],
        },
      ],
    });
    await expect(describeVpcCidrs(ec2, 'vpc-1')).resolves.toEqual({ ipv4: ['10.0.0.0/16', '10.1.0.0/16'], ipv6: ['2600:1f18::/56'] });
  });
});

describe('existingSessions', () => {
  it('follows NextToken through every page and attaches each session its filter rules', async () => {
    ec2Mock
      .on(DescribeTrafficMirrorSessionsCommand)
      .resolvesOnce({ TrafficMirrorSessions: [{ TrafficMirrorSessionId: 'tms-1', NetworkInterfaceId: 'eni-a', SessionNumber: 10, TrafficMirrorFilterId: 'tmf-1' }], NextToken: 'page2' })
      .resolvesOnce({ TrafficMirrorSessions: [{ TrafficMirrorSessionId: 'tms-2', NetworkInterfaceId: 'eni-a', SessionNumber: 11, TrafficMirrorFilterId: 'tmf-1' }] });
    ec2Mock.on(DescribeTrafficMirrorFiltersCommand).resolves({
      TrafficMirrorFilters: [
        {
          TrafficMirrorFilterId: 'tmf-1',
          IngressFilterRules: [{ RuleAction: 'accept', SourceCidrBlock: '0.0.0.0/0', DestinationCidrBlock: '0.0.0.0/0', RuleNumber: 100 }],
          EgressFilterRules: [],
        },
      ],
    });
    const sessions = await existingSessions(ec2, ['eni-a']);
    expect(sessions.map((s) => s.sessionId)).toEqual(['tms-1', 'tms-2']);
    expect(sessions[0]?.ingressRules).toEqual([{ action: 'accept', sourceCidrBlock: '0.0.0.0/0', destinationCidrBlock: '0.0.0.0/0', protocol: undefined, hasPortRange: false, ruleNumber: 100 }]);
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeTrafficMirrorSessionsCommand, 2);
    expect(ec2Mock.commandCalls(DescribeTrafficMirrorSessionsCommand)[1]?.args[0].input).toMatchObject({ NextToken: 'page2' });
  });
});

describe('runSensorInstance', () => {
  it('requires IMDSv2, tags instance, volume and ENI, and sends the idempotency token', async () => {
    ec2Mock.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-0000000000000000a' }] });
    const tags = incidentTags('mirrorhunt-prod', 'gd-abc', 'sensor');
    await runSensorInstance(
      ec2,
      sensorLaunchSpec({
        imageId: 'ami-1',
        instanceType: 'c6i.large',
        subnetId: 'subnet-1',
        securityGroupId: 'sg-1',
        userData: '#!/bin/bash\necho hi',
        clientToken: 'token-1',
        tags,
      }),
    );
    expect(ec2Mock).toHaveReceivedCommandWith(RunInstancesCommand, {
      MetadataOptions: expect.objectContaining({ HttpTokens: 'required' }),
      ClientToken: 'token-1',
      UserData: Buffer.from('#!/bin/bash\necho hi').toString('base64'),
      TagSpecifications: [
        { ResourceType: 'instance', Tags: tags },
        { ResourceType: 'volume', Tags: tags },
        { ResourceType: 'network-interface', Tags: tags },
      ],
    });
  });
});

describe('createMirrorSession', () => {
  it('sends an explicit session number and VNI', async () => {
    ec2Mock.on(CreateTrafficMirrorSessionCommand).resolves({ TrafficMirrorSession: { TrafficMirrorSessionId: 'tms-9' } });
    await createMirrorSession(ec2, { networkInterfaceId: 'eni-a', targetId: 'tmt-1', filterId: 'tmf-1', sessionNumber: 1, vni: 4242, clientToken: 't', tags: [] });
    expect(ec2Mock).toHaveReceivedCommandWith(CreateTrafficMirrorSessionCommand, { SessionNumber: 1, VirtualNetworkId: 4242, ClientToken: 't' });
  });

  it("reports AWS's quota refusal as MirrorSessionError with the AWS code", async () => {
    ec2Mock.on(CreateTrafficMirrorSessionCommand).rejects(awsError('TrafficMirrorSessionsPerInterfaceLimitExceeded'));
    const attempt = createMirrorSession(ec2, { networkInterfaceId: 'eni-a', targetId: 'tmt-1', filterId: 'tmf-1', sessionNumber: 1, vni: 1, clientToken: 't', tags: [] });
    await expect(attempt).rejects.toThrow(MirrorSessionError);
    await expect(attempt).rejects.toThrow(/TrafficMirrorSessionsPerInterfaceLimitExceeded/);
  });

  it('keeps access denial distinct so it is not retried', async () => {
    ec2Mock.on(CreateTrafficMirrorSessionCommand).rejects(awsError('UnauthorizedOperation', 403));
    await expect(createMirrorSession(ec2, { networkInterfaceId: 'eni-a', targetId: 'tmt-1', filterId: 'tmf-1', sessionNumber: 1, vni: 1, clientToken: 't', tags: [] })).rejects.toThrow(
      AwsAccessDeniedError,
    );
  });
});

describe('teardown deletes', () => {
  it('treat an already-deleted target as done, and a target in use as not yet', async () => {
    ec2Mock.on(DeleteTrafficMirrorTargetCommand, { TrafficMirrorTargetId: 'tmt-gone' }).rejects(awsError('InvalidTrafficMirrorTargetId.NotFound'));
    ec2Mock.on(DeleteTrafficMirrorTargetCommand, { TrafficMirrorTargetId: 'tmt-busy' }).rejects(awsError('TrafficMirrorTargetInUseException'));
    await expect(deleteMirrorTarget(ec2, 'tmt-gone')).resolves.toBe('already-gone');
    await expect(deleteMirrorTarget(ec2, 'tmt-busy')).resolves.toBe('in-use');
  });

  it('report a security group still attached to a shutting-down sensor as in use', async () => {
    ec2Mock.on(DeleteSecurityGroupCommand).rejects(awsError('DependencyViolation'));
    await expect(deleteSecurityGroup(ec2, 'sg-1')).resolves.toBe('in-use');
  });
});

describe('findIncidentResources', () => {
  it("lists Traffic Mirror resources without tag filters (AWS documents none) and keeps only this stack's, this incident's", async () => {
    // Prepare: the same incident id in another stage, another incident of ours, an untagged look-alike.
    const ours = incidentTags('mirrorhunt-prod', 'gd-abc', 'mirror-session');
    ec2Mock.onAnyCommand().resolves({});
    ec2Mock.on(DescribeTrafficMirrorSessionsCommand).resolves({
      TrafficMirrorSessions: [
        { TrafficMirrorSessionId: 'tms-ours', Tags: ours },
        { TrafficMirrorSessionId: 'tms-other-stage', Tags: incidentTags('mirrorhunt-dev', 'gd-abc', 'mirror-session') },
        { TrafficMirrorSessionId: 'tms-other-incident', Tags: incidentTags('mirrorhunt-prod', 'gd-xyz', 'mirror-session') },
        { TrafficMirrorSessionId: 'tms-not-ours', Tags: [{ Key: 'mirrorhunt:incident', Value: 'gd-abc' }] },
      ],
    });

    // Act
    const found = await findIncidentResources(ec2, 'gd-abc', 'mirrorhunt-prod');

    // Assess
    expect(found.sessionIds).toEqual(['tms-ours']);
    expect(ec2Mock.commandCalls(DescribeTrafficMirrorSessionsCommand)[0]?.args[0].input.Filters).toBeUndefined();
    expect(ec2Mock).toHaveReceivedCommandWith(DescribeSecurityGroupsCommand, {
      Filters: [
        { Name: 'tag:mirrorhunt:incident', Values: ['gd-abc'] },
        { Name: 'tag:mirrorhunt:managed', Values: ['true'] },
        { Name: 'tag:mirrorhunt:stack', Values: ['mirrorhunt-prod'] },
      ],
    });
  });
});


import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateTrafficMirrorFilterCommand,
  CreateTrafficMirrorFilterRuleCommand,
  CreateTrafficMirrorSessionCommand,
  CreateTrafficMirrorTargetCommand,
  EC2Client,
  EC2ServiceException,
  ModifyTrafficMirrorFilterNetworkServicesCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createEastWestFilter, createMirrorSession, createMirrorTarget } from '../../../../../functions/shared/adapters/ec2/mirroring';
import { runSensorInstance } from '../../../../../functions/shared/adapters/ec2/instances';
import { createSecurityGroup } from '../../../../../functions/shared/adapters/ec2/security-groups';
import type { ConsistencyWait } from '../../../../../functions/shared/adapters/ec2/call';
import { eastWestFilterRules } from '../../../../../functions/shared/domain/filter-rules';
import { sensorLaunchSpec, sensorSecurityGroupSpec } from '../../../../../functions/shared/domain/sensor';
import { AwsCallError, MirrorSessionError } from '../../../../../functions/shared/errors';

// EC2: "if you run a command to modify or describe the resource that you just created, its ID
// might not have propagated throughout the system, and you will get an error responding that the
// resource does not exist" (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html).

const ec2Mock = mockClient(EC2Client);
const ec2 = new EC2Client({ region: 'us-east-1' });

function notFound(code: string) {
  return new EC2ServiceException({ name: code, $fault: 'client', $metadata: { httpStatusCode: 400 }, message: `${code} (test)` });
}

let waits: number[];
let wait: ConsistencyWait;
beforeEach(() => {
  ec2Mock.reset();
  waits = [];
  wait = { attempts: 4, baseMs: 100, maxMs: 250, sleep: async (ms) => void waits.push(ms) };
});

describe('a just-created id that EC2 does not show yet', () => {
  it('is retried when the ingress rule names the security group created a moment before', async () => {
    // Prepare
    ec2Mock.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-0123456789abcdef0' });
    ec2Mock.on(AuthorizeSecurityGroupIngressCommand).rejectsOnce(notFound('InvalidGroup.NotFound')).rejectsOnce(notFound('InvalidGroup.NotFound')).resolves({ Return: true });
    const spec = sensorSecurityGroupSpec({ stack: 'mirrorhunt-dev', incidentId: 'gd-1', vpcId: 'vpc-1', cidrs: { ipv4: ['10.0.0.0/16'], ipv6: [] }, tags: [] });

    // Act
    const id = await createSecurityGroup(ec2, spec, { incidentId: 'gd-1', stack: 'mirrorhunt-dev' }, wait);

    // Assess
    expect(id).toBe('sg-0123456789abcdef0');
    expect(ec2Mock).toHaveReceivedCommandTimes(AuthorizeSecurityGroupIngressCommand, 3);
    expect(waits).toEqual([100, 200]);
  });

  it('is retried when RunInstances names that group, with the same client token every time', async () => {
    ec2Mock.on(RunInstancesCommand).rejectsOnce(notFound('InvalidGroup.NotFound')).resolves({ Instances: [{ InstanceId: 'i-0000000000000000a' }] });
    const spec = sensorLaunchSpec({ imageId: 'ami-1', instanceType: 'c6i.large', subnetId: 'subnet-1', securityGroupId: 'sg-1', userData: 'x', clientToken: 'tok', tags: [] });

    await expect(runSensorInstance(ec2, spec, wait)).resolves.toEqual({ instanceId: 'i-0000000000000000a', networkInterfaceId: undefined });

    expect(ec2Mock.commandCalls(RunInstancesCommand).map((c) => c.args[0].input.ClientToken)).toEqual(['tok', 'tok']);
  });

  it('is retried when the filter service and rules name the filter created a moment before', async () => {
    ec2Mock.on(CreateTrafficMirrorFilterCommand).resolves({ TrafficMirrorFilter: { TrafficMirrorFilterId: 'tmf-1' } });
    ec2Mock.on(ModifyTrafficMirrorFilterNetworkServicesCommand).rejectsOnce(notFound('InvalidTrafficMirrorFilterId.NotFound')).resolves({});
    ec2Mock.on(CreateTrafficMirrorFilterRuleCommand).rejectsOnce(notFound('InvalidTrafficMirrorFilterId.NotFound')).resolves({ TrafficMirrorFilterRule: { TrafficMirrorFilterRuleId: 'tmfr-1' } });
    const rules = eastWestFilterRules({ ipv4: ['10.0.0.0/16'], ipv6: [] });

    const out = await createEastWestFilter(ec2, { rules, clientToken: 'tok', tags: [] }, wait);

    expect(out.filterId).toBe('tmf-1');
    expect(out.ruleIds).toHaveLength(rules.length);
    expect(ec2Mock).toHaveReceivedCommandTimes(CreateTrafficMirrorFilterRuleCommand, rules.length + 1);
  });

  it('is retried for a session whose target was created by the same step', async () => {
    ec2Mock.on(CreateTrafficMirrorSessionCommand).rejectsOnce(notFound('InvalidTrafficMirrorTargetId.NotFound')).resolves({ TrafficMirrorSession: { TrafficMirrorSessionId: 'tms-1' } });

    const id = await createMirrorSession(ec2, { networkInterfaceId: 'eni-a', targetId: 'tmt-1', filterId: 'tmf-1', sessionNumber: 1, clientToken: 't', tags: [], justCreated: true }, wait);

    expect(id).toBe('tms-1');
  });

  it('is retried when the target names the sensor ENI launched moments before', async () => {
    ec2Mock.on(CreateTrafficMirrorTargetCommand).rejectsOnce(notFound('InvalidNetworkInterfaceID.NotFound')).resolves({ TrafficMirrorTarget: { TrafficMirrorTargetId: 'tmt-1' } });

    await expect(createMirrorTarget(ec2, { networkInterfaceId: 'eni-sensor', clientToken: 't', tags: [] }, wait)).resolves.toBe('tmt-1');

    expect(ec2Mock).toHaveReceivedCommandTimes(CreateTrafficMirrorTargetCommand, 2);
  });

  it('is not retried for the fleet\'s long-lived target: its NotFound is real', async () => {
    ec2Mock.on(CreateTrafficMirrorSessionCommand).rejects(notFound('InvalidTrafficMirrorTargetId.NotFound'));

    await expect(createMirrorSession(ec2, { networkInterfaceId: 'eni-a', targetId: 'tmt-1', filterId: 'tmf-1', sessionNumber: 1, clientToken: 't', tags: [] }, wait)).rejects.toThrow(MirrorSessionError);

    expect(ec2Mock).toHaveReceivedCommandTimes(CreateTrafficMirrorSessionCommand, 1);
  });

  it('gives up after the bounded number of attempts with the AWS code in the message', async () => {
    ec2Mock.on(AuthorizeSecurityGroupIngressCommand).rejects(notFound('InvalidGroup.NotFound'));
    ec2Mock.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-1' });
    const spec = sensorSecurityGroupSpec({ stack: 's', incidentId: 'gd-1', vpcId: 'vpc-1', cidrs: { ipv4: ['10.0.0.0/16'], ipv6: [] }, tags: [] });

    const attempt = createSecurityGroup(ec2, spec, { incidentId: 'gd-1', stack: 's' }, wait);

    await expect(attempt).rejects.toThrow(AwsCallError);
    await expect(attempt).rejects.toThrow(/InvalidGroup\.NotFound/);
    expect(ec2Mock).toHaveReceivedCommandTimes(AuthorizeSecurityGroupIngressCommand, 4);
    expect(waits).toEqual([100, 200, 250]);
  });
});

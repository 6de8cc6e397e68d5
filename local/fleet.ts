import { Logger } from '@aws-lambda-powertools/logger';
import { CreateTrafficMirrorTargetCommand } from '@aws-sdk/client-ec2';
import { createEastWestFilter } from '../functions/shared/adapters/ec2';
import { eastWestFilterRules } from '../functions/shared/domain/filter-rules';
import type { AllDeps as Deps } from '../functions/shared/runtime';
import { TAG_MANAGED, TAG_ROLE, TAG_STACK } from '../functions/shared/tags';
import type { SimulatedAccount } from './aws-sim/account';
import { LOCAL, localConfig, useDeployedIam } from './local-account';

/** The fleet NLB's ARN in the simulated account (the simulation does not model load balancers themselves). */
export const FLEET_NLB_ARN = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/mirrorhunt-fleet/0f1e2d3c4b5a6978';

/**
 * What `infra/fleet.yml` creates in `managed` mode, made in the simulated account: the mirror
 * target on the fleet's NLB and the shared east/west-dropping filter. Made before the run under
 * test, as CloudFormation would, so its calls are not the product's.
 */
export async function provisionFleet(account: SimulatedAccount, vpcCidrs: string[]): Promise<{ targetId: string; filterId: string }> {
  const ec2 = account.clients().ec2;
  // CloudFormation puts the stack tag on them too (serverless.yml stackTags).
  const tags = [
    { Key: TAG_MANAGED, Value: 'true' },
    { Key: TAG_STACK, Value: LOCAL.stack },
    { Key: TAG_ROLE, Value: 'fleet' },
  ];
  const target = await ec2.send(
    new CreateTrafficMirrorTargetCommand({ NetworkLoadBalancerArn: FLEET_NLB_ARN, Description: 'mirrorhunt sensor fleet', TagSpecifications: [{ ResourceType: 'traffic-mirror-target', Tags: tags }] }),
  );
  // The same filter the incident workflow builds: east/west rejected, the rest accepted, amazon-dns on.
  const { filterId } = await createEastWestFilter(ec2, { rules: eastWestFilterRules({ ipv4: vpcCidrs, ipv6: [] }), clientToken: 'mirrorhunt-local-fleet-filter', tags });
  return { targetId: target.TrafficMirrorTarget?.TrafficMirrorTargetId as string, filterId };
}

/**
 * Handler dependencies for the fleet functions (autoMirror, reconcileMirrors) on the simulated
 * account: EC2 clients built for `principal` (IAM evaluates its calls against that function's role), the fleet's ids in the configuration, the simulated clock. They use
 * neither Step Functions nor a query engine.
 */
export function fleetDeps(account: SimulatedAccount, fleet: { targetId: string; filterId: string }, env: Record<string, string> = {}, principal = 'autoMirror'): Deps {
  useDeployedIam(account);
  const clients = account.clients(principal);
  return {
    config: localConfig({ FLEET_TARGET_ID: fleet.targetId, FLEET_FILTER_ID: fleet.filterId, ...env }),
    clients: { ec2: clients.ec2, s3: clients.s3, ssm: clients.ssm, sfn: undefined as never },
    now: () => account.clock.now(),
    logger: new Logger({ serviceName: 'mirrorhunt-local-fleet', logLevel: 'SILENT' as never }),
    queryEngine: async () => {
      throw new Error('the fleet functions run no hunts');
    },
  };
}

/**
 * The EventBridge event CloudTrail delivers for a RunInstances call, built from instances that
 * exist in the simulated account (the fields autoMirror reads, shaped as CloudTrail writes them).
 */
export function runInstancesEvent(account: SimulatedAccount, instanceIds: string[], options: { errorCode?: string; eventId?: string } = {}): Record<string, unknown> {
  const instances = account.ec2.instances().filter((i) => instanceIds.includes(i.InstanceId ?? ''));
  const detail: Record<string, unknown> = {
    eventVersion: '1.09',
    eventTime: account.clock.now().toISOString(),
    eventSource: 'ec2.amazonaws.com',
    eventName: 'RunInstances',
    awsRegion: account.region,
    userIdentity: { type: 'AssumedRole', accountId: account.accountId },
    requestParameters: { instanceType: instances[0]?.InstanceType ?? 'm5.large' },
  };
  if (options.errorCode) {
    detail.errorCode = options.errorCode;
    detail.errorMessage = 'simulated failure';
    detail.responseElements = null;
  } else {
    detail.responseElements = {
      reservationId: 'r-0000000000000000',
      ownerId: account.accountId,
      instancesSet: {
        items: instances.map((i) => ({
          instanceId: i.InstanceId,
          instanceType: i.InstanceType,
          instanceState: { code: i.State?.Code, name: i.State?.Name },
          launchTime: i.LaunchTime?.getTime(),
          subnetId: i.SubnetId,
          vpcId: i.VpcId,
          privateIpAddress: i.PrivateIpAddress,
          tagSet: { items: (i.Tags ?? []).map((t) => ({ key: t.Key, value: t.Value })) },
          networkInterfaceSet: {
            items: (i.NetworkInterfaces ?? []).map((n) => ({
              networkInterfaceId: n.NetworkInterfaceId,
              subnetId: n.SubnetId,
              vpcId: n.VpcId,
              interfaceType: n.InterfaceType,
              privateIpAddress: n.PrivateIpAddress,
              attachment: { deviceIndex: n.Attachment?.DeviceIndex, status: 'attaching', deleteOnTermination: n.Attachment?.DeleteOnTermination },
            })),
          },
        })),
      },
    };
  }
  return {
    version: '0',
    id: options.eventId ?? `sim-${instanceIds.join('-')}`,
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.ec2',
    account: account.accountId,
    time: account.clock.now().toISOString(),
    region: account.region,
    resources: [],
    detail,
  };
}

/** EC2's state-change notification for one instance. */
export function stateChangeEvent(account: SimulatedAccount, instanceId: string, state: string): Record<string, unknown> {
  return {
    version: '0',
    id: `sim-${instanceId}-${state}`,
    'detail-type': 'EC2 Instance State-change Notification',
    source: 'aws.ec2',
    account: account.accountId,
    time: account.clock.now().toISOString(),
    region: account.region,
    resources: [`arn:aws:ec2:${account.region}:${account.accountId}:instance/${instanceId}`],
    detail: { 'instance-id': instanceId, state },
  };
}

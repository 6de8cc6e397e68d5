import {
  DescribeNetworkInterfacesCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  paginateDescribeInstances,
  type EC2Client,
  type Filter,
  type Instance,
} from '@aws-sdk/client-ec2';
import { TargetNotFoundError, UnexpectedAwsResponseError } from '../../errors';
import type { SensorLaunchSpec } from '../../domain/sensor';
import type { InstanceView } from '../../domain/target';
import { ec2Call, ec2Delete, tagMap, tagSpec, type ConsistencyWait } from './call';

const NOT_FOUND_INSTANCE = ['InvalidInstanceID.NotFound', 'InvalidInstanceID.Malformed'];
const NOT_FOUND_ENI = ['InvalidNetworkInterfaceID.NotFound', 'InvalidNetworkInterfaceID.Malformed'];

export function toInstanceView(instance: Instance): InstanceView {
  return {
    instanceId: instance.InstanceId ?? '',
    instanceType: instance.InstanceType ?? '',
    state: instance.State?.Name ?? 'unknown',
    vpcId: instance.VpcId ?? '',
    subnetId: instance.SubnetId ?? '',
    availabilityZone: instance.Placement?.AvailabilityZone ?? '',
    launchTime: instance.LaunchTime?.toISOString(),
    tags: tagMap(instance.Tags),
    networkInterfaces: (instance.NetworkInterfaces ?? []).map((eni) => ({
      networkInterfaceId: eni.NetworkInterfaceId ?? '',
      interfaceType: eni.InterfaceType ?? 'interface',
      deviceIndex: eni.Attachment?.DeviceIndex ?? 0,
      subnetId: eni.SubnetId ?? '',
      vpcId: eni.VpcId ?? '',
      privateIps: (eni.PrivateIpAddresses ?? []).map((p) => p.PrivateIpAddress).filter((ip): ip is string => !!ip),
      ipv6Ips: (eni.Ipv6Addresses ?? []).map((p) => p.Ipv6Address).filter((ip): ip is string => !!ip),
    })),
  };
}

export async function describeInstances(ec2: EC2Client, input: { InstanceIds?: string[]; Filters?: Filter[] }): Promise<Instance[]> {
  const instances: Instance[] = [];
  for await (const page of paginateDescribeInstances({ client: ec2 }, input)) {
    for (const reservation of page.Reservations ?? []) instances.push(...(reservation.Instances ?? []));
  }
  return instances;
}

export async function describeInstance(ec2: EC2Client, instanceId: string): Promise<InstanceView> {
  const missing = (cause?: unknown) => new TargetNotFoundError(`instance ${instanceId} was not found in this account and region`, { cause });
  const on = Object.fromEntries(NOT_FOUND_INSTANCE.map((code) => [code, (error: unknown): never => { throw missing(error); }]));
  return ec2Call('DescribeInstances', async () => {
    const [instance] = await describeInstances(ec2, { InstanceIds: [instanceId] });
    if (!instance) throw missing();
    return toInstanceView(instance);
  }, { on });
}

/** The instance an ENI is attached to, for investigations that name an ENI. */
export async function instanceIdForNetworkInterface(ec2: EC2Client, networkInterfaceId: string): Promise<string> {
  const on = Object.fromEntries(NOT_FOUND_ENI.map((code) => [code, (error: unknown): never => { throw new TargetNotFoundError(`network interface ${networkInterfaceId} was not found`, { cause: error }); }]));
  return ec2Call('DescribeNetworkInterfaces', async () => {
    const out = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [networkInterfaceId] }));
    const instanceId = out.NetworkInterfaces?.[0]?.Attachment?.InstanceId;
    if (!instanceId) throw new TargetNotFoundError(`network interface ${networkInterfaceId} is not attached to an EC2 instance`);
    return instanceId;
  }, { on });
}

/**
 * Instances page by page (the SDK paginator follows NextToken), so a caller can report progress
 * and pace its own calls between pages instead of holding the whole account in memory first.
 */
export async function* instancePages(ec2: EC2Client, input: { states: string[]; vpcIds?: string[]; pageSize?: number }): AsyncGenerator<InstanceView[]> {
  const filters: Filter[] = [{ Name: 'instance-state-name', Values: input.states }];
  if (input.vpcIds && input.vpcIds.length > 0) filters.push({ Name: 'vpc-id', Values: input.vpcIds });
  const pages = paginateDescribeInstances({ client: ec2, pageSize: input.pageSize ?? 200 }, { Filters: filters });
  const iterator = pages[Symbol.asyncIterator]();
  for (;;) {
    const next = await ec2Call('DescribeInstances', () => iterator.next());
    if (next.done) return;
    yield (next.value.Reservations ?? []).flatMap((r) => r.Instances ?? []).map(toInstanceView);
  }
}

/**
 * Launches the sensor as `domain/sensor.ts` specifies it. The security group was created by this
 * same step moments before, so its id may not be visible to RunInstances yet (`InvalidGroup.NotFound`):
 * retried, safe because of the ClientToken.
 */
export async function runSensorInstance(ec2: EC2Client, spec: SensorLaunchSpec, consistency?: ConsistencyWait): Promise<{ instanceId: string; networkInterfaceId?: string }> {
  const out = await ec2Call(
    'RunInstances',
    () =>
      ec2.send(
        new RunInstancesCommand({
          ImageId: spec.imageId,
          InstanceType: spec.instanceType as never,
          MinCount: 1,
          MaxCount: 1,
          // The interface is spelled out so the public-address choice is ours, not the subnet's default.
          NetworkInterfaces: [
            { DeviceIndex: 0, SubnetId: spec.subnetId, Groups: spec.securityGroupIds, AssociatePublicIpAddress: spec.associatePublicIpAddress, DeleteOnTermination: true },
          ],
          IamInstanceProfile: spec.instanceProfileArn ? { Arn: spec.instanceProfileArn } : undefined,
          MetadataOptions: { HttpTokens: spec.metadata.httpTokens, HttpEndpoint: spec.metadata.httpEndpoint, HttpPutResponseHopLimit: spec.metadata.hopLimit },
          UserData: spec.userDataBase64,
          ClientToken: spec.clientToken,
          InstanceInitiatedShutdownBehavior: spec.shutdownBehavior,
          TagSpecifications: spec.tagResourceTypes.flatMap((type) => tagSpec(type, spec.tags)),
        }),
      ),
    { notYetVisible: ['InvalidGroup.NotFound'], consistency },
  );
  const instance = out.Instances?.[0];
  if (!instance?.InstanceId) throw new UnexpectedAwsResponseError('RunInstances returned no instance');
  return { instanceId: instance.InstanceId, networkInterfaceId: instance.NetworkInterfaces?.[0]?.NetworkInterfaceId };
}

/** The sensor as EC2 sees it now; undefined while a just-launched instance is not visible yet (eventual consistency). */
export async function describeSensor(ec2: EC2Client, instanceId: string): Promise<InstanceView | undefined> {
  return ec2Call(
    'DescribeInstances',
    async () => {
      const [instance] = await describeInstances(ec2, { InstanceIds: [instanceId] });
      return instance ? toInstanceView(instance) : undefined;
    },
    { on: { 'InvalidInstanceID.NotFound': () => undefined } },
  );
}

export const terminateInstance = (ec2: EC2Client, id: string) =>
  ec2Delete('TerminateInstances', { notFound: ['InvalidInstanceID.NotFound'] }, () => ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] })));

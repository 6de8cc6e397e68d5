import type { VpcCidrs } from './filter-rules';
import type { Tag } from '../tags';

/** VXLAN: the port AWS Traffic Mirroring delivers mirrored packets to on the target's ENI. */
export const VXLAN_PORT = 4789;

export interface SecurityGroupSpec {
  groupName: string;
  description: string;
  vpcId: string;
  tags: Tag[];
  ingress: { protocol: 'udp'; fromPort: number; toPort: number; ipv4: string[]; ipv6: string[]; description: string };
}

/**
 * The incident sensor's security group: VXLAN from the VPC's own CIDRs and nothing else. Group
 * names are unique per VPC, so the stack is in the name: two stages investigating the same
 * finding each get their own.
 */
export function sensorSecurityGroupSpec(input: { stack: string; incidentId: string; vpcId: string; cidrs: VpcCidrs; tags: Tag[] }): SecurityGroupSpec {
  return {
    groupName: `${input.stack}-sensor-${input.incidentId}`.slice(0, 255),
    description: 'mirrorhunt incident sensor: VXLAN (UDP 4789) from the VPC only',
    vpcId: input.vpcId,
    tags: input.tags,
    ingress: { protocol: 'udp', fromPort: VXLAN_PORT, toPort: VXLAN_PORT, ipv4: input.cidrs.ipv4, ipv6: input.cidrs.ipv6, description: 'mirrored traffic (VXLAN)' },
  };
}

export interface SensorLaunchSpec {
  imageId: string;
  instanceType: string;
  subnetId: string;
  securityGroupIds: string[];
  instanceProfileArn?: string;
  /** Base64, as RunInstances takes it. */
  userDataBase64: string;
  clientToken: string;
  /** The sensor only receives VXLAN and writes to S3: never a public address, even where the subnet hands them out. */
  associatePublicIpAddress: false;
  /** IMDSv2 only, one hop: a container on the sensor cannot reach the instance's credentials. */
  metadata: { httpTokens: 'required'; httpEndpoint: 'enabled'; hopLimit: 1 };
  /** A sensor that shuts itself down is gone, not a stopped instance billing its volume. */
  shutdownBehavior: 'terminate';
  /** Tagged at creation so teardown and IAM (`aws:RequestTag`) see them from the first second. */
  tagResourceTypes: Array<'instance' | 'volume' | 'network-interface'>;
  tags: Tag[];
}

export function sensorLaunchSpec(input: {
  imageId: string;
  instanceType: string;
  subnetId: string;
  securityGroupId: string;
  instanceProfileArn?: string;
  userData: string;
  clientToken: string;
  tags: Tag[];
}): SensorLaunchSpec {
  return {
    imageId: input.imageId,
    instanceType: input.instanceType,
    subnetId: input.subnetId,
    securityGroupIds: [input.securityGroupId],
    instanceProfileArn: input.instanceProfileArn,
    userDataBase64: Buffer.from(input.userData, 'utf8').toString('base64'),
    clientToken: input.clientToken,
    associatePublicIpAddress: false,
    metadata: { httpTokens: 'required', httpEndpoint: 'enabled', hopLimit: 1 },
    shutdownBehavior: 'terminate',
    tagResourceTypes: ['instance', 'volume', 'network-interface'],
    tags: input.tags,
  };
}

/** One route of a route table, as far as reaching S3 goes. */
export interface RouteView {
  destinationCidr?: string;
  destinationPrefixListId?: string;
  /** igw-, vgw-, vpce- or `local`. */
  gatewayId?: string;
  natGatewayId?: string;
  transitGatewayId?: string;
  networkInterfaceId?: string;
  vpcPeeringConnectionId?: string;
  instanceId?: string;
  state?: string;
}

export interface RouteTableView {
  routeTableId: string;
  main: boolean;
  subnetIds: string[];
  routes: RouteView[];
}

export type S3Reachability = { reachable: true; via: string; routeTableId: string } | { reachable: false; routeTableId?: string; reason: string };

/**
 * Can a sensor in this subnet, launched without a public address, reach S3? It uploads every log
 * there, so without a route it captures and never reports (the run times out at Check Sensor).
 * The subnet's table is the one explicitly associated with it, else the VPC's main table
 * (DescribeRouteTables: "If a subnet is not explicitly associated with any route table, it is
 * implicitly associated with the main route table",
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRouteTables.html).
 * S3 is reached by a gateway endpoint (a prefix-list route to a `vpce-` gateway) or by a default
 * route to anything that translates or forwards (NAT gateway, transit gateway, an appliance ENI,
 * peering). A default route to an internet gateway does not count: an instance needs a public
 * address to use it. A prefix-list route to a `vpce-` gateway is taken as S3's; the only other
 * gateway endpoint service is DynamoDB, which this cannot tell apart without another call.
 */
export function s3Reachability(tables: RouteTableView[], subnetId: string): S3Reachability {
  const table = tables.find((t) => t.subnetIds.includes(subnetId)) ?? tables.find((t) => t.main);
  if (!table) return { reachable: false, reason: `no route table applies to ${subnetId}` };
  const active = table.routes.filter((r) => r.state !== 'blackhole');
  const endpoint = active.find((r) => r.destinationPrefixListId && r.gatewayId?.startsWith('vpce-'));
  if (endpoint) return { reachable: true, via: `gateway endpoint ${endpoint.gatewayId}`, routeTableId: table.routeTableId };
  const defaults = active.filter((r) => r.destinationCidr === '0.0.0.0/0');
  const forwarded = defaults.find((r) => r.natGatewayId || r.transitGatewayId || r.networkInterfaceId || r.vpcPeeringConnectionId || r.instanceId);
  if (forwarded) {
    const via = forwarded.natGatewayId ?? forwarded.transitGatewayId ?? forwarded.networkInterfaceId ?? forwarded.vpcPeeringConnectionId ?? forwarded.instanceId;
    return { reachable: true, via: `default route to ${via}`, routeTableId: table.routeTableId };
  }
  const igw = defaults.some((r) => r.gatewayId?.startsWith('igw-'));
  return {
    reachable: false,
    routeTableId: table.routeTableId,
    reason: igw
      ? `${subnetId} is a public subnet (route table ${table.routeTableId} sends 0.0.0.0/0 to an internet gateway) and the sensor gets no public address, so it cannot reach S3`
      : `route table ${table.routeTableId} of ${subnetId} has no route to S3`,
  };
}

/** What to do about it, for the error the investigation fails with. */
export function s3RouteFix(availabilityZone: string): string {
  return `add an S3 gateway endpoint to that route table (free, no NAT needed), or set the sensorSubnets parameter to a private subnet in ${availabilityZone} with a route to S3 (docs/deploy.md, "Sensor subnets")`;
}

/**
 * The subnet the sensor launches in: the deployment's dedicated sensor subnet for the target's
 * AZ when one is configured (same AZ: mirroring across AZs is billed as cross-AZ traffic), else
 * the target's own subnet.
 */
export function sensorSubnet(target: { subnetId: string; availabilityZone: string }, sensorSubnets: Record<string, string>): string {
  return sensorSubnets[target.availabilityZone] ?? target.subnetId;
}

import { DescribeVpcsCommand, paginateDescribeRouteTables, type EC2Client } from '@aws-sdk/client-ec2';
import { TargetNotFoundError } from '../../errors';
import type { VpcCidrs } from '../../domain/filter-rules';
import type { RouteTableView } from '../../domain/sensor';
import { ec2Call } from './call';

/** Every *associated* CIDR of the VPC: disassociated or failed ones carry no traffic. */
export async function describeVpcCidrs(ec2: EC2Client, vpcId: string): Promise<VpcCidrs> {
  const out = await ec2Call('DescribeVpcs', () => ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] })));
  const vpc = out.Vpcs?.[0];
  if (!vpc) throw new TargetNotFoundError(`VPC ${vpcId} was not found`);
  const ipv4 = (vpc.CidrBlockAssociationSet ?? [])
    .filter((a) => a.CidrBlockState?.State === 'associated')
    .map((a) => a.CidrBlock)
    .filter((c): c is string => !!c);
  const ipv6 = (vpc.Ipv6CidrBlockAssociationSet ?? [])
    .filter((a) => a.Ipv6CidrBlockState?.State === 'associated')
    .map((a) => a.Ipv6CidrBlock)
    .filter((c): c is string => !!c);
  return { ipv4: ipv4.length > 0 ? ipv4 : vpc.CidrBlock ? [vpc.CidrBlock] : [], ipv6 };
}

/**
 * The VPC's route tables with their explicit subnet associations and whether each is the main
 * table: one call (filtered on `vpc-id`), from which `s3Reachability` picks the subnet's table.
 * Asking for `association.subnet-id` alone would miss subnets on the main table, for which
 * DescribeRouteTables "does not return the subnet ID"
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRouteTables.html).
 */
export async function describeRouteTables(ec2: EC2Client, vpcId: string): Promise<RouteTableView[]> {
  return ec2Call('DescribeRouteTables', async () => {
    const tables: RouteTableView[] = [];
    for await (const page of paginateDescribeRouteTables({ client: ec2 }, { Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })) {
      for (const t of page.RouteTables ?? []) {
        tables.push({
          routeTableId: t.RouteTableId ?? '',
          main: (t.Associations ?? []).some((a) => a.Main === true),
          subnetIds: (t.Associations ?? []).map((a) => a.SubnetId).filter((id): id is string => !!id),
          routes: (t.Routes ?? []).map((r) => ({
            destinationCidr: r.DestinationCidrBlock,
            destinationPrefixListId: r.DestinationPrefixListId,
            gatewayId: r.GatewayId,
            natGatewayId: r.NatGatewayId,
            transitGatewayId: r.TransitGatewayId,
            networkInterfaceId: r.NetworkInterfaceId,
            vpcPeeringConnectionId: r.VpcPeeringConnectionId,
            instanceId: r.InstanceId,
            state: r.State,
          })),
        });
      }
    }
    return tables;
  });
}

import { SimFailure } from './support';

/**
 * Simulated route tables, answering DescribeRouteTables only (the sensor launch reads them to
 * check that its subnet reaches S3). Kept apart from the EC2 simulation on purpose: every VPC
 * gets a main table with its local route and an S3 gateway endpoint route, so a sensor in any
 * subnet reports, as before; a test makes a subnet public (internet gateway default route, no
 * endpoint) or private-without-S3 explicitly. This is a simulation: route shapes follow
 * DescribeRouteTables' RouteTable/Route members (botocore ec2 service-2.json), nothing else is modelled.
 */
interface SimRoute {
  DestinationCidrBlock?: string;
  DestinationPrefixListId?: string;
  GatewayId?: string;
  NatGatewayId?: string;
  State: 'active' | 'blackhole';
  Origin: string;
}

interface SimTable {
  id: string;
  vpcId: string;
  main: boolean;
  subnetIds: string[];
  routes: SimRoute[];
}

/** The simulated region's S3 prefix list (a made-up id in AWS's format). */
export const SIMULATED_S3_PREFIX_LIST = 'pl-63a5400a';

export class SimulatedRouteTables {
  private readonly explicit: SimTable[] = [];
  private next = 1;

  constructor(private readonly vpcs: () => Array<{ vpcId: string; cidr: string }>) {}

  /** Gives the subnet its own table: `public` routes 0.0.0.0/0 to an internet gateway, `isolated` has only the local route. */
  associate(subnetId: string, vpcId: string, kind: 'public' | 'isolated' | 'nat'): string {
    const vpc = this.vpcs().find((v) => v.vpcId === vpcId);
    if (!vpc) throw new Error(`no VPC ${vpcId} in the simulated account`);
    for (const t of this.explicit) t.subnetIds = t.subnetIds.filter((s) => s !== subnetId);
    const id = `rtb-${(this.next++).toString(16).padStart(17, '0')}`;
    const routes: SimRoute[] = [{ DestinationCidrBlock: vpc.cidr, GatewayId: 'local', State: 'active', Origin: 'CreateRouteTable' }];
    if (kind === 'public') routes.push({ DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-00000000000000001', State: 'active', Origin: 'CreateRoute' });
    if (kind === 'nat') routes.push({ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-00000000000000001', State: 'active', Origin: 'CreateRoute' });
    this.explicit.push({ id, vpcId, main: false, subnetIds: [subnetId], routes });
    return id;
  }

  describe(input: { Filters?: Array<{ Name?: string; Values?: string[] }>; RouteTableIds?: string[] }): Record<string, unknown> {
    const mains: SimTable[] = this.vpcs().map((v) => ({
      id: `rtb-main${v.vpcId.slice(4, 17).padStart(13, '0')}`,
      vpcId: v.vpcId,
      main: true,
      subnetIds: [],
      routes: [
        { DestinationCidrBlock: v.cidr, GatewayId: 'local', State: 'active', Origin: 'CreateRouteTable' },
        { DestinationPrefixListId: SIMULATED_S3_PREFIX_LIST, GatewayId: 'vpce-00000000000000001', State: 'active', Origin: 'CreateRoute' },
      ],
    }));
    let tables = [...mains, ...this.explicit];
    for (const filter of input.Filters ?? []) {
      const values = filter.Values ?? [];
      if (filter.Name === 'vpc-id') tables = tables.filter((t) => values.includes(t.vpcId));
      else if (filter.Name === 'association.subnet-id') tables = tables.filter((t) => t.subnetIds.some((s) => values.includes(s)));
      else if (filter.Name === 'association.main') tables = tables.filter((t) => values.includes(String(t.main)));
      else if (filter.Name === 'route-table-id') tables = tables.filter((t) => values.includes(t.id));
      else throw new SimFailure('InvalidParameterValue', `The filter '${filter.Name}' is invalid (the simulation knows vpc-id, association.subnet-id, association.main, route-table-id)`, 400);
    }
    if (input.RouteTableIds) tables = tables.filter((t) => input.RouteTableIds?.includes(t.id));
    return {
      RouteTables: tables.map((t) => ({
        RouteTableId: t.id,
        VpcId: t.vpcId,
        OwnerId: '000000000000',
        Associations: t.main
          ? [{ Main: true, RouteTableId: t.id, RouteTableAssociationId: `rtbassoc-${t.id.slice(4)}`, AssociationState: { State: 'associated' } }]
          : t.subnetIds.map((s) => ({ Main: false, SubnetId: s, RouteTableId: t.id, RouteTableAssociationId: `rtbassoc-${s.slice(7)}`, AssociationState: { State: 'associated' } })),
        Routes: t.routes,
        Tags: [],
      })),
    };
  }
}

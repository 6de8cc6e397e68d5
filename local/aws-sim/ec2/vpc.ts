import type { DescribeSubnetsCommandInput, DescribeSubnetsCommandOutput, DescribeVpcsCommandInput, DescribeVpcsCommandOutput } from '@aws-sdk/client-ec2';
import { fail } from '../support';
import { applyFilters } from './filters';
import type { Ec2Operation } from './operation';
import { subnetShape, vpcShape } from './shapes';

/** VPCs and subnets (seeded; the product only reads them). */

const describeVpcs: Ec2Operation<DescribeVpcsCommandInput, DescribeVpcsCommandOutput> = {
  run(store, input) {
    const ids = input.VpcIds ?? [];
    for (const id of ids) if (!store.vpcs.has(id)) fail('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`);
    const list = [...store.vpcs.values()].filter((v) => ids.length === 0 || ids.includes(v.id));
    return { Vpcs: list.map((v) => vpcShape(store, v)) };
  },
};

const describeSubnets: Ec2Operation<DescribeSubnetsCommandInput, DescribeSubnetsCommandOutput> = {
  run(store, input) {
    const ids = input.SubnetIds ?? [];
    for (const id of ids) if (!store.subnets.has(id)) fail('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`);
    const list = applyFilters(
      [...store.subnets.values()].filter((s) => ids.length === 0 || ids.includes(s.id)),
      input.Filters,
      { operation: 'DescribeSubnets', attributes: (s) => ({ 'vpc-id': [s.vpcId], 'subnet-id': [s.id], 'availability-zone': [s.az] }), tags: (s) => s.tags },
      ['vpc-id', 'subnet-id', 'availability-zone'],
    );
    return { Subnets: list.map(subnetShape) };
  },
};

export const vpcOperations = { DescribeVpcs: describeVpcs, DescribeSubnets: describeSubnets };

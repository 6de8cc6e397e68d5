import type {
  AuthorizeSecurityGroupIngressCommandInput,
  AuthorizeSecurityGroupIngressCommandOutput,
  CreateSecurityGroupCommandInput,
  CreateSecurityGroupCommandOutput,
  DeleteSecurityGroupCommandInput,
  DeleteSecurityGroupCommandOutput,
  DescribeNetworkInterfacesCommandInput,
  DescribeNetworkInterfacesCommandOutput,
  DescribeSecurityGroupsCommandInput,
  DescribeSecurityGroupsCommandOutput,
} from '@aws-sdk/client-ec2';
import { fail, isIpv6Cidr, parseCidr } from '../support';
import { applyFilters, describePage } from './filters';
import { NEW, arn, tagOnCreate, type Ec2Operation } from './operation';
import { eniShape, groupShape } from './shapes';
import type { Ec2Store } from './state';

/** Network interfaces and security groups. */

type Op<I, O> = Ec2Operation<I, O>;

const describeNetworkInterfaces: Op<DescribeNetworkInterfacesCommandInput, DescribeNetworkInterfacesCommandOutput> = {
  run(store, input) {
    const ids = input.NetworkInterfaceIds ?? [];
    let list = [...store.enis.values()];
    if (ids.length > 0) {
      for (const id of ids) store.requireEni(id);
      list = list.filter((e) => ids.includes(e.id));
    } else {
      list = list.filter((e) => store.listed(e.id));
    }
    list = applyFilters(
      list,
      input.Filters,
      {
        operation: 'DescribeNetworkInterfaces',
        attributes: (e) => ({
          'network-interface-id': [e.id],
          'attachment.instance-id': e.attachment ? [e.attachment.instanceId] : [],
          'vpc-id': [e.vpcId],
          'subnet-id': [e.subnetId],
          'interface-type': [e.interfaceType],
          'private-ip-address': e.privateIps,
          'group-id': e.groupIds,
          status: [e.attachment ? 'in-use' : 'available'],
        }),
        tags: (e) => e.tags,
      },
      ['network-interface-id', 'attachment.instance-id', 'vpc-id', 'subnet-id', 'interface-type', 'private-ip-address', 'group-id', 'status'],
    );
    const page = describePage(store, list, input, 'DescribeNetworkInterfaces');
    return { NetworkInterfaces: page.items.map((e) => eniShape(store, e)), NextToken: page.nextToken };
  },
};

const describeSecurityGroups: Op<DescribeSecurityGroupsCommandInput, DescribeSecurityGroupsCommandOutput> = {
  run(store, input) {
    const ids = input.GroupIds ?? [];
    for (const id of ids) store.requireGroup(id);
    if (ids.length > 0 && input.MaxResults !== undefined) fail('InvalidParameterCombination', 'GroupIds cannot be used with MaxResults');
    let list = [...store.groups.values()].filter((g) => (ids.length === 0 ? store.listed(g.id) : ids.includes(g.id)));
    list = applyFilters(
      list,
      input.Filters,
      { operation: 'DescribeSecurityGroups', attributes: (g) => ({ 'group-id': [g.id], 'group-name': [g.name], 'vpc-id': [g.vpcId], description: [g.description] }), tags: (g) => g.tags },
      ['group-id', 'group-name', 'vpc-id', 'description'],
    );
    const page = describePage(store, list, input, 'DescribeSecurityGroups');
    return { SecurityGroups: page.items.map((g) => groupShape(store, g)), NextToken: page.nextToken };
  },
};

const createSecurityGroup: Op<CreateSecurityGroupCommandInput, CreateSecurityGroupCommandOutput> = {
  authorize(store, input) {
    const requestTags: Record<string, string> = {};
    for (const spec of input.TagSpecifications ?? []) if (spec.ResourceType === 'security-group') for (const t of spec.Tags ?? []) requestTags[t.Key ?? ''] = t.Value ?? '';
    const created = { type: 'security-group', arn: arn(store, 'security-group', NEW), requestTags };
    const vpcId = String(input.VpcId ?? '');
    return [
      { action: 'ec2:CreateSecurityGroup', resources: [created, { type: 'vpc', arn: arn(store, 'vpc', vpcId), tags: store.vpcs.get(vpcId)?.tags ?? {} }] },
      ...tagOnCreate('CreateSecurityGroup', [created]),
    ];
  },
  run(store, input) {
    const name = input.GroupName;
    const description = input.Description;
    if (typeof name !== 'string' || name === '') return fail('MissingParameter', 'The request must contain the parameter GroupName');
    if (typeof description !== 'string' || description === '') return fail('MissingParameter', 'The request must contain the parameter GroupDescription');
    if (name.length > 255 || description.length > 255) fail('InvalidParameterValue', 'GroupName and Description are limited to 255 characters');
    if (name.toLowerCase().startsWith('sg-')) fail('InvalidParameterValue', `Group names may not be in the format sg-* (${name})`);
    if (typeof input.VpcId !== 'string') return fail('VPCIdNotSpecified', 'No default VPC for this user (the simulation has no EC2-Classic or default VPC: pass VpcId)');
    const vpcId = input.VpcId;
    if (!store.vpcs.has(vpcId)) fail('InvalidVpcID.NotFound', `The vpc ID '${vpcId}' does not exist`);
    store.checkTagSpecTypes(input, ['security-group'], 'CreateSecurityGroup');
    const inVpc = [...store.groups.values()].filter((g) => g.vpcId === vpcId);
    if (inVpc.some((g) => g.name === name)) fail('InvalidGroup.Duplicate', `The security group '${name}' already exists for VPC '${vpcId}'`);
    if (inVpc.length >= store.quotas.securityGroupsPerVpc) fail('SecurityGroupLimitExceeded', 'The maximum number of security groups for this VPC has been reached');
    const id = store.ids.next('sg');
    store.groups.set(id, { id, name, description, vpcId, tags: store.tagsFromSpecifications(input, 'security-group', 'CreateSecurityGroup'), ingress: [], isDefault: false });
    store.created(id);
    return { GroupId: id };
  },
};

function groupAuth(action: string) {
  return (store: Ec2Store, input: { GroupId?: string }) => {
    const id = String(input.GroupId ?? '');
    return [{ action, resources: [{ type: 'security-group', arn: arn(store, 'security-group', id), tags: store.groups.get(id)?.tags ?? {} }] }];
  };
}

const authorizeIngress: Op<AuthorizeSecurityGroupIngressCommandInput, AuthorizeSecurityGroupIngressCommandOutput> = {
  authorize: groupAuth('ec2:AuthorizeSecurityGroupIngress'),
  run(store, input) {
    const group = store.requireGroup(String(input.GroupId ?? ''));
    const permissions = input.IpPermissions ?? [];
    if (permissions.length === 0) fail('MissingParameter', 'AuthorizeSecurityGroupIngress needs at least one IpPermission');
    for (const p of permissions) {
      if (!p.IpProtocol) fail('MissingParameter', 'every IpPermission needs an IpProtocol');
      if ((p.IpRanges ?? []).length + (p.Ipv6Ranges ?? []).length + (p.UserIdGroupPairs ?? []).length + (p.PrefixListIds ?? []).length === 0) {
        fail('MissingParameter', 'every IpPermission needs at least one source (IpRanges, Ipv6Ranges, UserIdGroupPairs or PrefixListIds)');
      }
      for (const r of p.IpRanges ?? []) if (!parseCidr(r.CidrIp ?? '')) fail('InvalidParameterValue', `CIDR block ${r.CidrIp} is malformed`);
      for (const r of p.Ipv6Ranges ?? []) if (!isIpv6Cidr(r.CidrIpv6 ?? '')) fail('InvalidParameterValue', `CIDR block ${r.CidrIpv6} is malformed`);
      const duplicate = group.ingress.some(
        (e) => e.IpProtocol === p.IpProtocol && e.FromPort === p.FromPort && e.ToPort === p.ToPort && (e.IpRanges ?? []).some((a) => (p.IpRanges ?? []).some((b) => a.CidrIp === b.CidrIp)),
      );
      if (duplicate) fail('InvalidPermission.Duplicate', `the specified rule already exists in ${group.id}`);
    }
    group.ingress.push(...permissions);
    return { Return: true };
  },
};

const deleteSecurityGroup: Op<DeleteSecurityGroupCommandInput, DeleteSecurityGroupCommandOutput> = {
  authorize: groupAuth('ec2:DeleteSecurityGroup'),
  run(store, input) {
    const group = store.requireGroup(String(input.GroupId ?? ''));
    if (group.isDefault) fail('CannotDelete', `the default security group ${group.id} cannot be deleted`);
    const users = [...store.enis.values()].filter((e) => e.groupIds.includes(group.id));
    if (users.length > 0) fail('DependencyViolation', `resource ${group.id} has a dependent object (${users.map((e) => e.id).join(', ')})`);
    store.groups.delete(group.id);
    return { Return: true, GroupId: group.id };
  },
};

export const networkOperations = {
  DescribeNetworkInterfaces: describeNetworkInterfaces,
  DescribeSecurityGroups: describeSecurityGroups,
  CreateSecurityGroup: createSecurityGroup,
  AuthorizeSecurityGroupIngress: authorizeIngress,
  DeleteSecurityGroup: deleteSecurityGroup,
};

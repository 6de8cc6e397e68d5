import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  paginateDescribeSecurityGroups,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { UnexpectedAwsResponseError } from '../../errors';
import type { SecurityGroupSpec } from '../../domain/sensor';
import { TAG_INCIDENT, isManagedByUs } from '../../tags';
import { translateAwsError } from '../aws-errors';
import { ec2Call, ec2Delete, tagSpec, type ConsistencyWait } from './call';

/**
 * Creates the group `spec` describes and its one ingress rule. Safe to call again after a failure
 * half-way (the state machine retries the step): a group of the same name that already carries
 * this incident's tags is reused, and a rule that already exists is not an error. The rule is
 * added moments after the create, so `InvalidGroup.NotFound` there means "not visible yet" and is
 * retried (EC2's eventual-consistency page names exactly this case).
 */
export async function createSecurityGroup(
  ec2: EC2Client,
  spec: SecurityGroupSpec,
  owner: { incidentId: string; stack: string },
  consistency?: ConsistencyWait,
): Promise<string> {
  const groupId = await ec2Call(
    'CreateSecurityGroup',
    async () => {
      const group = await ec2.send(new CreateSecurityGroupCommand({ GroupName: spec.groupName, Description: spec.description, VpcId: spec.vpcId, TagSpecifications: tagSpec('security-group', spec.tags) }));
      return group.GroupId;
    },
    {
      on: {
        'InvalidGroup.Duplicate': async (error: unknown) => {
          const existing = await existingIncidentGroup(ec2, spec, owner);
          if (!existing) throw translateAwsError(error, "CreateSecurityGroup (a group of that name exists and is not this incident's)");
          return existing;
        },
      },
    },
  );
  if (!groupId) throw new UnexpectedAwsResponseError('CreateSecurityGroup returned no group id');
  const { ingress } = spec;
  await ec2Call(
    'AuthorizeSecurityGroupIngress',
    async () => {
      await ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: [
            {
              IpProtocol: ingress.protocol,
              FromPort: ingress.fromPort,
              ToPort: ingress.toPort,
              IpRanges: ingress.ipv4.map((cidr) => ({ CidrIp: cidr, Description: ingress.description })),
              Ipv6Ranges: ingress.ipv6.map((cidr) => ({ CidrIpv6: cidr, Description: ingress.description })),
            },
          ],
        }),
      );
    },
    // A retried launch finds its rule already there: the group is as it should be.
    { on: { 'InvalidPermission.Duplicate': () => undefined }, notYetVisible: ['InvalidGroup.NotFound'], consistency },
  );
  return groupId;
}

/** The group a previous attempt of this incident created, found by name and checked by our tags. */
async function existingIncidentGroup(ec2: EC2Client, spec: SecurityGroupSpec, owner: { incidentId: string; stack: string }): Promise<string | undefined> {
  return ec2Call('DescribeSecurityGroups', async () => {
    const filters = [
      { Name: 'vpc-id', Values: [spec.vpcId] },
      { Name: 'group-name', Values: [spec.groupName] },
    ];
    for await (const page of paginateDescribeSecurityGroups({ client: ec2 }, { Filters: filters })) {
      for (const group of page.SecurityGroups ?? []) {
        if (group.GroupId && isManagedByUs(group.Tags, owner.stack) && group.Tags?.some((t) => t.Key === TAG_INCIDENT && t.Value === owner.incidentId)) return group.GroupId;
      }
    }
    return undefined;
  });
}

export const deleteSecurityGroup = (ec2: EC2Client, id: string) =>
  ec2Delete('DeleteSecurityGroup', { notFound: ['InvalidGroup.NotFound'], inUse: ['DependencyViolation'] }, () => ec2.send(new DeleteSecurityGroupCommand({ GroupId: id })));

import {
  paginateDescribeSecurityGroups,
  paginateDescribeTrafficMirrorFilters,
  paginateDescribeTrafficMirrorSessions,
  paginateDescribeTrafficMirrorTargets,
  type EC2Client,
  type Filter,
} from '@aws-sdk/client-ec2';
import { TAG_INCIDENT, TAG_MANAGED, TAG_SOURCE_INSTANCE, TAG_STACK, isManagedByUs } from '../../tags';
import { ec2Call } from './call';
import { describeInstances } from './instances';

export type ManagedResourceType = 'mirror-session' | 'mirror-target' | 'mirror-filter' | 'sensor-instance' | 'security-group';

export interface ManagedResource {
  type: ManagedResourceType;
  id: string;
  incidentId?: string;
  sourceInstanceId?: string;
}

type Tags = ReadonlyArray<{ Key?: string; Value?: string }> | undefined;

const tagValue = (tags: Tags, key: string): string | undefined => (tags ?? []).find((t) => t.Key === key)?.Value;

/** Every state an instance of ours can still cost money or hold its security group in. */
const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped', 'shutting-down'];

/**
 * The one inventory scan: every live resource of this deployment (managed and stack tags), or
 * only one incident's. Another stage's resources in the same account are never listed. AWS
 * documents no tag filters for the Traffic Mirror Describe calls, so those list everything and
 * the tags are checked here; instances and groups are filtered by tag in AWS and checked here again.
 */
export async function scanManagedResources(ec2: EC2Client, stack: string, incidentId?: string): Promise<ManagedResource[]> {
  const filters: Filter[] = [
    ...(incidentId ? [{ Name: `tag:${TAG_INCIDENT}`, Values: [incidentId] }] : []),
    { Name: `tag:${TAG_MANAGED}`, Values: ['true'] },
    { Name: `tag:${TAG_STACK}`, Values: [stack] },
  ];
  const out: ManagedResource[] = [];
  const add = (type: ManagedResourceType, id: string | undefined, tags: Tags) => {
    if (!id || !isManagedByUs(tags, stack)) return;
    const incident = tagValue(tags, TAG_INCIDENT);
    if (incidentId && incident !== incidentId) return;
    out.push({ type, id, incidentId: incident, sourceInstanceId: tagValue(tags, TAG_SOURCE_INSTANCE) });
  };
  await ec2Call('DescribeTrafficMirrorSessions', async () => {
    for await (const page of paginateDescribeTrafficMirrorSessions({ client: ec2 }, {})) for (const s of page.TrafficMirrorSessions ?? []) add('mirror-session', s.TrafficMirrorSessionId, s.Tags);
  });
  await ec2Call('DescribeTrafficMirrorTargets', async () => {
    for await (const page of paginateDescribeTrafficMirrorTargets({ client: ec2 }, {})) for (const t of page.TrafficMirrorTargets ?? []) add('mirror-target', t.TrafficMirrorTargetId, t.Tags);
  });
  await ec2Call('DescribeTrafficMirrorFilters', async () => {
    for await (const page of paginateDescribeTrafficMirrorFilters({ client: ec2 }, {})) for (const f of page.TrafficMirrorFilters ?? []) add('mirror-filter', f.TrafficMirrorFilterId, f.Tags);
  });
  await ec2Call('DescribeInstances', async () => {
    for (const i of await describeInstances(ec2, { Filters: [...filters, { Name: 'instance-state-name', Values: LIVE_STATES }] })) add('sensor-instance', i.InstanceId, i.Tags);
  });
  await ec2Call('DescribeSecurityGroups', async () => {
    for await (const page of paginateDescribeSecurityGroups({ client: ec2 }, { Filters: filters })) for (const g of page.SecurityGroups ?? []) add('security-group', g.GroupId, g.Tags);
  });
  return out;
}

export interface IncidentResources {
  sessionIds: string[];
  targetIds: string[];
  filterIds: string[];
  instanceIds: string[];
  securityGroupIds: string[];
}

/**
 * Everything of this deployment carrying this incident's tag, by kind. Teardown works from this,
 * not from ids in the execution state, so a step that failed half-way leaves nothing unnamed.
 */
export async function findIncidentResources(ec2: EC2Client, incidentId: string, stack: string): Promise<IncidentResources> {
  const found = await scanManagedResources(ec2, stack, incidentId);
  const ids = (type: ManagedResourceType) => found.filter((r) => r.type === type).map((r) => r.id);
  return {
    sessionIds: ids('mirror-session'),
    targetIds: ids('mirror-target'),
    filterIds: ids('mirror-filter'),
    instanceIds: ids('sensor-instance'),
    securityGroupIds: ids('security-group'),
  };
}

/** Every live resource of this deployment, across incidents: what the sweeper inspects. */
export const findManagedResources = (ec2: EC2Client, stack: string): Promise<ManagedResource[]> => scanManagedResources(ec2, stack);

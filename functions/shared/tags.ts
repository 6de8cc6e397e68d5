/**
 * Every AWS resource mirrorhunt creates carries these tags. A resource is this deployment's when it
 * carries `mirrorhunt:managed = true` AND `mirrorhunt:stack = <service>-<stage>` (the stack tag
 * CloudFormation also puts on the stack's own resources): several stages may share an account, and
 * one stage's teardown, sweeper or reconciler must never act on another's. IAM policies scope
 * destructive actions to both tags, and teardown and the sweeper find resources by them.
 */
export const TAG_MANAGED = 'mirrorhunt:managed';
export const TAG_STACK = 'mirrorhunt:stack';
export const TAG_INCIDENT = 'mirrorhunt:incident';
export const TAG_ROLE = 'mirrorhunt:role';
export const TAG_SOURCE_INSTANCE = 'mirrorhunt:source-instance';

export type ResourceRole = 'sensor' | 'sensor-security-group' | 'mirror-target' | 'mirror-filter' | 'mirror-session';

/** Role tag of the standing fleet's sensor instances (set by the Auto Scaling group's launch template). */
export const ROLE_FLEET_SENSOR = 'fleet-sensor';
/**
 * Role tag of the sessions that mirror an instance onto the fleet. Only sessions with this role
 * and the managed tag are the reconciler's: an incident's own sessions are the workflow's.
 */
export const ROLE_FLEET_SESSION = 'fleet-session';

export interface Tag {
  Key: string;
  Value: string;
}

export function incidentTags(stack: string, incidentId: string, role: ResourceRole, extra: Record<string, string> = {}): Tag[] {
  return [
    { Key: TAG_MANAGED, Value: 'true' },
    { Key: TAG_STACK, Value: stack },
    { Key: TAG_INCIDENT, Value: incidentId },
    { Key: TAG_ROLE, Value: role },
    { Key: 'Name', Value: `mirrorhunt-${role}-${incidentId}`.slice(0, 255) },
    ...Object.entries(extra).map(([Key, Value]) => ({ Key, Value })),
  ];
}

/** Tags of a session mirroring an instance onto the standing fleet. */
export function fleetSessionTags(stack: string, sourceInstanceId: string): Tag[] {
  return [
    { Key: TAG_MANAGED, Value: 'true' },
    { Key: TAG_STACK, Value: stack },
    { Key: TAG_ROLE, Value: ROLE_FLEET_SESSION },
    { Key: TAG_SOURCE_INSTANCE, Value: sourceInstanceId },
  ];
}

type TagList = ReadonlyArray<{ Key?: string; Value?: string }> | undefined;

/** Made by some mirrorhunt deployment (any stage): enough to leave it alone, never enough to act on it. */
export function isMirrorhuntManaged(tags: TagList): boolean {
  return (tags ?? []).some((t) => t.Key === TAG_MANAGED && t.Value === 'true');
}

/** Made by this deployment: the test every destructive path applies before it acts. */
export function isManagedByUs(tags: TagList, stack: string): boolean {
  return isMirrorhuntManaged(tags) && (tags ?? []).some((t) => t.Key === TAG_STACK && t.Value === stack);
}

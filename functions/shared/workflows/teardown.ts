import type { EC2Client } from '@aws-sdk/client-ec2';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  deleteMirrorFilter,
  deleteMirrorSession,
  deleteMirrorTarget,
  deleteSecurityGroup,
  findIncidentResources,
  terminateInstance,
  type DeleteOutcome,
} from '../adapters/ec2';
import { deleteObjectIfUnchanged, getObjectVersioned } from '../adapters/s3';
import { claimKey, parseClaim } from '../domain/claim';
import type { DeletedResource, TeardownResult } from '../domain/state';

export interface TeardownRequest {
  incidentId: string;
  /** The investigated instance, whose claim is released once everything is gone. */
  instanceId?: string;
  previous?: TeardownResult;
}

/**
 * Deletes everything tagged with this incident, in the order AWS requires: sessions, target,
 * filter, sensor instance, and its security group once the instance is gone. It works from the
 * tags, not from ids in an execution's state, so it also cleans up after a step that failed
 * half-way, an aborted execution, or a Lambda that died. Idempotent: run it again and it
 * finishes what is left. `complete: false` means something must wait (the security group
 * outlives the instance by a minute); callers loop, with a bound.
 */
export async function tearDownIncident(
  clients: { ec2: EC2Client; s3: S3Client },
  scope: { bucket: string; stack: string },
  request: TeardownRequest,
  now: () => Date,
): Promise<TeardownResult> {
  const { ec2, s3 } = clients;
  const { bucket, stack } = scope;
  const found = await findIncidentResources(ec2, request.incidentId, stack);
  const deleted: DeletedResource[] = [...(request.previous?.deleted ?? [])];
  const remaining: TeardownResult['remaining'] = [];
  const note = (type: DeletedResource['type'], id: string, outcome: DeletedResource['outcome']) => {
    if (!deleted.some((d) => d.id === id && d.outcome === outcome)) deleted.push({ type, id, outcome });
  };
  const settle = (type: DeletedResource['type'], id: string, outcome: DeleteOutcome, why: string) => {
    if (outcome === 'in-use') remaining.push({ type, id, why });
    else note(type, id, outcome);
  };

  for (const id of found.sessionIds) settle('mirror-session', id, await deleteMirrorSession(ec2, id), 'could not be deleted');
  for (const id of found.targetIds) settle('mirror-target', id, await deleteMirrorTarget(ec2, id), 'still used by a session');
  for (const id of found.filterIds) settle('mirror-filter', id, await deleteMirrorFilter(ec2, id), 'still used by a session');
  for (const id of found.instanceIds) {
    const outcome = await terminateInstance(ec2, id);
    settle('sensor-instance', id, outcome === 'deleted' ? 'terminating' : outcome, 'could not be terminated');
  }
  for (const id of found.securityGroupIds) {
    settle('security-group', id, await deleteSecurityGroup(ec2, id), 'the sensor instance is still shutting down');
  }

  // Done only when a fresh look finds nothing: a delete that answered NotFound for something that
  // still exists (eventual consistency) must not end the teardown early.
  let complete = false;
  if (remaining.length === 0) {
    const after = await findIncidentResources(ec2, request.incidentId, stack);
    const left: Array<[DeletedResource['type'], string[]]> = [
      ['mirror-session', after.sessionIds],
      ['mirror-target', after.targetIds],
      ['mirror-filter', after.filterIds],
      ['sensor-instance', after.instanceIds],
      ['security-group', after.securityGroupIds],
    ];
    for (const [type, ids] of left) for (const id of ids) remaining.push({ type, id, why: type === 'sensor-instance' ? 'still shutting down' : 'still present after its delete' });
    complete = remaining.length === 0;
  }
  if (complete && request.instanceId) {
    const key = claimKey(request.instanceId);
    const read = await getObjectVersioned(s3, bucket, key);
    const claim = parseClaim(read?.text);
    // Only this incident's claim is released; another investigation's claim is not ours to touch,
    // also when it replaced ours between the read and the delete (hence the conditional delete).
    if (read && claim?.incidentId === request.incidentId && (await deleteObjectIfUnchanged(s3, bucket, key, read.etag))) {
      note('claim', key, 'deleted');
    }
  }
  const attempts = (request.previous?.attempts ?? 0) + 1;
  return { complete, attempts, deleted, remaining, completedAt: complete ? now().toISOString() : undefined };
}

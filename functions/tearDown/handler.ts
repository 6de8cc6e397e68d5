import { required } from '../shared/config';
import {
  deleteMirrorFilter,
  deleteMirrorSession,
  deleteMirrorTarget,
  deleteSecurityGroup,
  findIncidentResources,
  terminateInstance,
  type DeleteOutcome,
} from '../shared/adapters/ec2';
import { deleteObject, getObjectText } from '../shared/adapters/s3';
import { claimKey, parseClaim } from '../shared/domain/claim';
import { asState, type DeletedResource, type TeardownResult } from '../shared/domain/state';
import { lambdaHandler, type Deps } from '../shared/runtime';

/**
 * Deletes everything tagged with this incident, in the order AWS requires: sessions, target,
 * filter, sensor instance, and its security group once the instance is gone. It works from the
 * tags, not from the execution state, so it also cleans up after a step that failed half-way.
 * Idempotent: run it again and it finishes what is left. Returns `complete: false` while
 * something must wait (the security group outlives the instance by a minute); the state machine
 * loops, with a bound.
 */
export const tearDown = (deps: Deps) => {
  const bucket = required(deps.config, 'logBucket');
  return async (input: unknown): Promise<TeardownResult> => {
    const state = asState(input);
    const ec2 = deps.clients.ec2;
    const found = await findIncidentResources(ec2, state.incidentId);
    const deleted: DeletedResource[] = [...(state.teardown?.deleted ?? [])];
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

    const complete = remaining.length === 0;
    if (complete && state.target?.instanceId) {
      const key = claimKey(state.target.instanceId);
      const claim = parseClaim(await getObjectText(deps.clients.s3, bucket, key));
      // Only our own claim is released; another investigation's claim is not ours to touch.
      if (claim?.incidentId === state.incidentId) {
        await deleteObject(deps.clients.s3, bucket, key);
        note('claim', key, 'deleted');
      }
    }
    const attempts = (state.teardown?.attempts ?? 0) + 1;
    deps.logger.info('teardown pass', { incidentId: state.incidentId, attempts, complete, remaining: remaining.length });
    return { complete, attempts, deleted, remaining, completedAt: complete ? deps.now().toISOString() : undefined };
  };
};

export const handler = lambdaHandler(tearDown);

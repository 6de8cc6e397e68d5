import { EC2Client } from '@aws-sdk/client-ec2';
import { deleteMirrorSession } from '../shared/adapters/ec2';
import { asState, requireSlice } from '../shared/domain/state';
import { lambdaHandler, type Deps } from '../shared/runtime';

/** Ends the capture window: sessions go first, as soon as the window closes, because they bill by the hour. */
export const stopMirroring = (deps: Deps<'ec2'>) => async (input: unknown): Promise<{ stoppedAt: string; deletedSessionIds: string[] }> => {
  const state = asState(input);
  const mirror = requireSlice(state, 'mirror');
  const deletedSessionIds: string[] = [];
  for (const session of mirror.sessions) {
    await deleteMirrorSession(deps.clients.ec2, session.sessionId);
    deletedSessionIds.push(session.sessionId);
  }
  deps.logger.info('mirroring stopped', { incidentId: state.incidentId, sessions: deletedSessionIds.length });
  return { stoppedAt: deps.now().toISOString(), deletedSessionIds };
};

export const handler = lambdaHandler(stopMirroring, { ec2: EC2Client });

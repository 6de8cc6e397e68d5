import '../../../local/polyfills';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { SimClock } from '../../../local/aws-sim/clock';
import { SimulatedAccount } from '../../../local/aws-sim/account';
import { LOCAL } from '../../../local/local-account';
import { createLocalInvestigation } from '../../../local/local-investigation';
import type { QueryEngine } from '../../../functions/shared/hunting/engine';
import { tempDir } from '../../support/temp';

const emptyEngine: QueryEngine = { name: 'duckdb', run: async () => ({ rows: [], elapsedMs: 0 }) };

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).name;
  }
  return 'no error';
}

describe('local Step Functions StartExecution names (SFN API reference, StartExecution)', () => {
  it('answers ExecutionAlreadyExists to the name of a closed execution, even with the same input', async () => {
    // Prepare: an execution that fails at its first step (malformed input) and so closes.
    const account = new SimulatedAccount({ clock: new SimClock(new Date('2026-11-24T08:00:00Z')), s3Root: tempDir('mh-sfn-') });
    const local = createLocalInvestigation({ account, queryEngine: async () => emptyEngine, waitMs: 0, retryMs: 0 });
    const input = JSON.stringify({ instanceId: 'i-0a1b2c3d4e5f60718', colour: 'red' });
    const sfn = local.stepFunctions.client();
    await sfn.send(new StartExecutionCommand({ stateMachineArn: LOCAL.stateMachineArn, name: 'closed-one', input }));
    await local.stepFunctions.executions.get('closed-one')?.done;
    expect(local.stepFunctions.executions.get('closed-one')?.status).toBe('FAILED');

    // Act
    const again = await codeOf(sfn.send(new StartExecutionCommand({ stateMachineArn: LOCAL.stateMachineArn, name: 'closed-one', input })));

    // Assess
    expect(again).toBe('ExecutionAlreadyExists');
  });

  it('returns the running execution for the same name and input, and refuses other input', async () => {
    const account = new SimulatedAccount({ clock: new SimClock(new Date('2026-11-24T08:00:00Z')), s3Root: tempDir('mh-sfn-') });
    const local = createLocalInvestigation({ account, queryEngine: async () => emptyEngine, waitMs: 0, retryMs: 0 });
    const sfn = local.stepFunctions.client();
    const input = JSON.stringify({ instanceId: 'i-0a1b2c3d4e5f60718', colour: 'red' });
    const first = await sfn.send(new StartExecutionCommand({ stateMachineArn: LOCAL.stateMachineArn, name: 'open-one', input }));
    // Still RUNNING: the definition has not reached its first task yet in this tick.
    const same = await sfn.send(new StartExecutionCommand({ stateMachineArn: LOCAL.stateMachineArn, name: 'open-one', input }));
    const other = await codeOf(sfn.send(new StartExecutionCommand({ stateMachineArn: LOCAL.stateMachineArn, name: 'open-one', input: '{"instanceId":"i-0a1b2c3d4e5f60719"}' })));
    await local.stepFunctions.executions.get('open-one')?.done;
    expect(same.executionArn).toBe(first.executionArn);
    expect(other).toBe('ExecutionAlreadyExists');
  });

  it("evaluates StartExecution against the caller's role: startInvestigation may start one, resolveTarget may not", async () => {
    const account = new SimulatedAccount({ clock: new SimClock(new Date('2026-11-24T08:00:00Z')), s3Root: tempDir('mh-sfn-') });
    const local = createLocalInvestigation({ account, queryEngine: async () => emptyEngine, waitMs: 0, retryMs: 0 });
    const input = JSON.stringify({ instanceId: 'i-0a1b2c3d4e5f60718', colour: 'red' });
    const denied = await codeOf(local.stepFunctions.client('resolveTarget').send(new StartExecutionCommand({ stateMachineArn: LOCAL.stateMachineArn, name: 'by-resolver', input })));
    const allowed = await codeOf(local.stepFunctions.client('startInvestigation').send(new StartExecutionCommand({ stateMachineArn: LOCAL.stateMachineArn, name: 'by-trigger', input })));
    await local.stepFunctions.executions.get('by-trigger')?.done;
    expect([denied, allowed]).toEqual(['AccessDeniedException', 'no error']);
    expect(local.stepFunctions.executions.has('by-resolver')).toBe(false);
  });
});

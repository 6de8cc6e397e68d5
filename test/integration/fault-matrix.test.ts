import { runAutoMirrorMatrix } from '../../local/auto-mirror-matrix';
import { MATRIX_FAULTS, runFaultMatrix, type MatrixCell } from '../../local/fault-matrix';
import { ec2Finding, guardDutyEvent } from '../support/fixtures';

/**
 * Issue 6's guarantee, proved on the local account: a single failure at any AWS call of an
 * investigation, of any kind, leaves nothing of ours behind and ends in an outcome that names it.
 * Each cell is a whole investigation on a fresh simulated account.
 */
describe('fault matrix: one injected failure at every AWS call of an investigation', () => {
  let cells: MatrixCell[] = [];
  let baselineCalls = 0;
  let baselineUnsigned: string[] = [];
  let baselineRefused: string[] = [];

  beforeAll(async () => {
    const result = await runFaultMatrix({ event: guardDutyEvent(ec2Finding({ instanceId: 'i-0a1b2c3d4e5f60718' })), concurrency: 6 });
    cells = result.cells;
    baselineCalls = result.baseline.account.calls.length;
    // SNS is published by the state machine's own integration, not by a function.
    baselineUnsigned = result.baseline.account.calls.filter((c) => c.service !== 'sns' && !c.principal).map((c) => `#${c.index} ${c.operation}`);
    baselineRefused = result.baseline.account.calls.filter((c) => c.deniedByIam).map((c) => `#${c.index} ${c.principal} ${c.operation}`);
  }, 900_000);

  it('covers every call of the fault-free run with every fault kind', () => {
    expect(baselineCalls).toBeGreaterThan(30);
    expect(cells).toHaveLength(baselineCalls * MATRIX_FAULTS.length);
  });

  it('exercises launch, mirroring, teardown and storage calls, not just reads', () => {
    const calls = new Set(cells.map((c) => c.call));
    for (const call of ['ec2:RunInstances', 'ec2:CreateTrafficMirrorSession', 'ec2:DeleteTrafficMirrorSession', 'ec2:TerminateInstances', 'ec2:DeleteSecurityGroup', 's3:PutObject', 'sns:Publish']) {
      expect(calls).toContain(call);
    }
  });

  it('leaves no resource of ours behind in any cell', () => {
    expect(cells.filter((c) => c.leftOver.length > 0).map((c) => `#${c.index} ${c.call} ${c.fault}: ${c.leftOver.join(', ')}`)).toEqual([]);
  });

  it('ends every cell by naming the failure or by visibly recovering from it', () => {
    expect(cells.filter((c) => !c.pass).map((c) => `#${c.index} ${c.call} ${c.fault}: ${c.why}`)).toEqual([]);
  });

  it('fails (not silently succeeds) when access is denied to a call that creates something', () => {
    const deniedCreates = cells.filter((c) => c.fault === 'denied' && /:(RunInstances|CreateTrafficMirror\w+|CreateSecurityGroup)$/.test(c.call));
    expect(deniedCreates.length).toBeGreaterThan(0);
    expect(deniedCreates.filter((c) => c.status !== 'FAILED').map((c) => `${c.call}: ${c.outcome}`)).toEqual([]);
  });

  it('runs with IAM in the loop: every call of the fault-free run made as its function and allowed by its role', () => {
    expect(baselineUnsigned).toEqual([]);
    expect(baselineRefused).toEqual([]);
  });

  it('puts eventual consistency on every call that creates an id, and cleans up after each', () => {
    const late = cells.filter((c) => c.fault === 'eventual-consistency' && c.applicable);
    expect(late.map((c) => c.call)).toEqual(expect.arrayContaining(['ec2:RunInstances', 'ec2:CreateSecurityGroup', 'ec2:CreateTrafficMirrorTarget', 'ec2:CreateTrafficMirrorFilter', 'ec2:CreateTrafficMirrorSession']));
    expect(late.filter((c) => c.leftOver.length > 0).map((c) => c.call)).toEqual([]);
  });

  it('recovers from throttling of launch and mirroring calls by retrying them', () => {
    const throttled = cells.filter((c) => c.fault === 'throttle' && /:(RunInstances|CreateTrafficMirrorSession|CreateTrafficMirrorTarget)$/.test(c.call));
    expect(throttled.length).toBeGreaterThan(0);
    expect(throttled.map((c) => c.status)).toEqual(throttled.map(() => 'SUCCEEDED'));
  });
});

describe('fault matrix: one injected failure at every AWS call of an autoMirror invocation', () => {
  it('never doubles a session, creates nothing else, names every ENI it could not mirror, and converges on replay', async () => {
    const { baselineCalls, cells } = await runAutoMirrorMatrix();
    expect(baselineCalls.map((c) => c.operation)).toContain('CreateTrafficMirrorSession');
    expect(cells).toHaveLength(baselineCalls.length * MATRIX_FAULTS.length);
    expect(cells.filter((c) => !c.pass).map((c) => `#${c.index} ${c.call} ${c.fault}: ${c.why}`)).toEqual([]);
  }, 60_000);
});

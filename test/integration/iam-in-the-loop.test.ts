import { IamEvaluator } from '../../local/aws-sim/iam/evaluate';
import { deployedPolicies } from '../../local/aws-sim/iam/policies';
import { runInvestigation } from '../../local/fault-matrix';
import { localStack } from '../../local/local-account';
import { ec2Finding, guardDutyEvent } from '../support/fixtures';

/**
 * IAM in the loop (issue 11): the simulated account evaluates every call of every function
 * against the role that function deploys with, so a role that misses a grant fails the run the
 * way AWS would, instead of agreeing with the code's reading of IAM.
 */
describe('an investigation with IAM in the loop', () => {
  const event = guardDutyEvent(ec2Finding({ instanceId: 'i-0a1b2c3d4e5f60718' }));

  it('succeeds with the deployed roles, every call made as its function and none refused', async () => {
    const run = await runInvestigation(event);
    expect(run.status).toBe('SUCCEEDED');
    const fromFunctions = run.account.calls.filter((c) => c.service !== 'sns');
    expect(fromFunctions.every((c) => c.principal !== undefined)).toBe(true);
    expect(run.account.calls.filter((c) => c.deniedByIam)).toEqual([]);
  }, 120_000);

  it("fails with AWS's UnauthorizedOperation when one statement is deleted from one role, and leaves nothing of ours", async () => {
    // Prepare: startMirroring without MirrorSuspectInterface. CreateTrafficMirrorSession is
    // authorized on the source ENI too (Service Authorization Reference: network-interface required).
    const policies = structuredClone(deployedPolicies(localStack()));
    for (const p of policies.startMirroring?.policies ?? []) p.document.Statement = p.document.Statement.filter((s) => s.Sid !== 'MirrorSuspectInterface');

    // Act
    const run = await runInvestigation(event, (account) => {
      account.iam = new IamEvaluator(policies, account.accountId);
    });

    // Assess
    const refused = run.account.calls.filter((c) => c.deniedByIam);
    expect(refused.map((c) => `${c.principal} ${c.operation} ${c.error}`)).toEqual(['startMirroring CreateTrafficMirrorSession UnauthorizedOperation']);
    expect(run.status).toBe('FAILED');
    expect(`${run.error?.name} ${run.error?.cause}`).toMatch(/UnauthorizedOperation/);
    expect(run.leftOver).toEqual([]);
  }, 120_000);
});

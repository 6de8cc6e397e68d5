import { CreateSecurityGroupCommand, CreateTrafficMirrorFilterCommand } from '@aws-sdk/client-ec2';
import { cleanUpExecution } from '../../functions/cleanUpExecution/handler';
import { sweepOrphans } from '../../functions/sweepOrphans/handler';
import { tearDownIncident } from '../../functions/shared/workflows/teardown';
import type { QueryEngine } from '../../functions/shared/hunting/engine';
import { TAG_MANAGED } from '../../functions/shared/tags';
import { SimClock } from '../../local/aws-sim/clock';
import { SimulatedAccount } from '../../local/aws-sim/account';
import { LOCAL, localConfig } from '../../local/local-account';
import { createLocalInvestigation, type LocalInvestigation } from '../../local/local-investigation';
import { SimulatedSensors, noTraffic } from '../../local/simulated-sensor';
import type { LocalExecution } from '../../local/step-functions';
import { seedFromFinding, type SeededWorld } from '../../local/world';
import { ec2Finding, guardDutyEvent } from '../support/fixtures';
import { tempDir } from '../support/temp';

const emptyEngine: QueryEngine = { name: 'duckdb', run: async () => ({ rows: [], elapsedMs: 0 }) };

interface Aborted {
  account: SimulatedAccount;
  local: LocalInvestigation;
  world: SeededWorld;
  execution: LocalExecution;
  lookalikes: string[];
}

/** A simulated account holding the finding's instance, with a simulated sensor image behind it. */
function seeded(): { account: SimulatedAccount; event: unknown; world: SeededWorld } {
  const account = new SimulatedAccount({ clock: new SimClock(new Date('2026-11-24T08:00:00Z')), s3Root: tempDir('mh-safety-') });
  const event = guardDutyEvent(ec2Finding({ instanceId: 'i-0a1b2c3d4e5f60718' }));
  const world = seedFromFinding(account, event);
  new SimulatedSensors(account, noTraffic);
  return { account, event, world };
}

/** An investigation stopped by an operator (StopExecution) while it captures: its own Catch never runs. */
async function abortedDuringCapture(): Promise<Aborted> {
  const { account, event, world } = seeded();
  // Resources that look like ours but carry no tag of ours: nothing may touch them.
  const ec2 = account.clients().ec2;
  const group = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'mirrorhunt-sensor-handmade', Description: 'made by hand', VpcId: world.vpcId }));
  const filter = await ec2.send(new CreateTrafficMirrorFilterCommand({ Description: 'mirrorhunt: drop east/west (hand-made copy)' }));
  const holder: { local?: LocalInvestigation } = {};
  const local = createLocalInvestigation({
    account,
    queryEngine: async () => emptyEngine,
    waitMs: 1,
    retryMs: 1,
    onEvent: (e, execution) => {
      if (e.type === 'StateEntered' && e.state.name === 'Capture Traffic') void holder.local?.stepFunctions.abort(execution.name);
    },
  });
  holder.local = local;
  const trigger = await local.trigger(event);
  if (trigger.outcome !== 'started') throw new Error('not started');
  const execution = local.stepFunctions.executions.get(trigger.executionName) as LocalExecution;
  await execution.done;
  return { account, local, world, execution, lookalikes: [group.GroupId as string, filter.TrafficMirrorFilter?.TrafficMirrorFilterId as string] };
}

/**
 * Runs one investigation to its end, calling `act` inside its Stop Mirroring step: the moment it
 * is RUNNING with everything it created still in place.
 */
async function runActingMidFlight(account: SimulatedAccount, event: unknown, act: (local: LocalInvestigation, incidentId: string) => Promise<void>): Promise<LocalExecution> {
  const holder: { local?: LocalInvestigation } = {};
  const local = createLocalInvestigation({
    account,
    queryEngine: async () => emptyEngine,
    waitMs: 1,
    retryMs: 1,
    wrap: (name, fn) =>
      name !== 'stopMirroring'
        ? fn
        : async (input) => {
            await act(holder.local as LocalInvestigation, (input as { incidentId: string }).incidentId);
            return fn(input);
          },
  });
  holder.local = local;
  const trigger = await local.trigger(event);
  const execution = local.stepFunctions.executions.get((trigger as { executionName: string }).executionName) as LocalExecution;
  await execution.done;
  return execution;
}

const ours = (account: SimulatedAccount) => account.listResources().filter((r) => r.tags[TAG_MANAGED] === 'true');
const ids = (account: SimulatedAccount) => account.listResources().map((r) => r.id);

describe('the safety net for executions that never reach their own teardown', () => {
  it('leaves the sensor and mirroring running when an execution is aborted mid-capture (the problem)', async () => {
    const a = await abortedDuringCapture();
    expect(a.execution.status).toBe('ABORTED');
    expect(ours(a.account).map((r) => r.type).sort()).toEqual(
      expect.arrayContaining(['instance', 'mirror-filter', 'mirror-session', 'mirror-target', 'security-group']),
    );
  });

  it('cleanUpExecution, fed the Step Functions status-change event, removes everything of the aborted incident', async () => {
    const a = await abortedDuringCapture();
    const cleanUp = cleanUpExecution(a.local.depsFor('cleanUpExecution'), { sleep: async (ms) => a.account.clock.advance(ms) });
    const result = await cleanUp({
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      detail: { name: a.execution.name, status: 'ABORTED', input: JSON.stringify(a.execution.input) },
    });
    expect(result.teardown?.complete).toBe(true);
    expect(ours(a.account)).toEqual([]);
    expect(ids(a.account)).toEqual(expect.arrayContaining([...a.lookalikes, a.world.instanceId]));
  });

  it('the sweeper in dry-run mode reports the orphaned incident and deletes nothing', async () => {
    const a = await abortedDuringCapture();
    const before = ids(a.account);
    const report = await sweepOrphans(a.local.depsFor('sweepOrphans'))({ dryRun: true });
    expect(report.decisions).toEqual([expect.objectContaining({ incidentId: a.execution.name, action: 'delete' })]);
    expect(ids(a.account)).toEqual(before);
  });

  it('the sweeper removes the orphaned incident over two scheduled runs and never touches untagged lookalikes', async () => {
    const a = await abortedDuringCapture();
    const sweep = sweepOrphans(a.local.depsFor('sweepOrphans'));
    await sweep({ dryRun: false });
    a.account.clock.advance(60_000);
    await sweep({ dryRun: false });
    expect(ours(a.account)).toEqual([]);
    expect(ids(a.account)).toEqual(expect.arrayContaining([...a.lookalikes, a.world.instanceId]));
  });

  it('the sweeper leaves a running investigation alone', async () => {
    const { account, event } = seeded();
    let during: { decisions: Array<{ action: string }>; oursBefore: number; oursAfter: number } | undefined;
    const execution = await runActingMidFlight(account, event, async (local) => {
      const deps = local.depsFor('sweepOrphans');
      const oursBefore = ours(account).length;
      const report = await sweepOrphans(deps)({ dryRun: false });
      during = { decisions: report.decisions, oursBefore, oursAfter: ours(account).length };
    });
    expect(during?.decisions.map((d) => d.action)).toEqual(['keep']);
    expect(during?.oursAfter).toBe(during?.oursBefore);
    expect(execution.status).toBe('SUCCEEDED');
  });

  it("another stage sharing the account touches nothing of this stage's running investigation: not its sweeper, not its teardown of the same incident", async () => {
    // Prepare: dev runs with its own stack name and state machine, which has never heard of this
    // stage's execution; both act while this stage's investigation is mid-flight (Stop Mirroring).
    const { account, event } = seeded();
    let during: { before: string[]; after: string[]; devDecisions: string[]; devDeleted: number } | undefined;

    // Act
    const execution = await runActingMidFlight(account, event, async (local, incidentId) => {
      // The other stage's functions, with this stage's roles: IAM scopes them to mirrorhunt-local too.
      const deps = local.depsFor('tearDown');
      const dev = { ...local.depsFor('sweepOrphans'), config: localConfig({ MIRRORHUNT_STACK: 'mirrorhunt-dev', STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:mirrorhunt-dev-investigate' }) };
      const before = ours(account).map((r) => r.id).sort();
      const report = await sweepOrphans(dev)({ dryRun: false });
      const teardown = await tearDownIncident(deps.clients, { bucket: LOCAL.bucket, stack: 'mirrorhunt-dev' }, { incidentId }, deps.now);
      during = { before, after: ours(account).map((r) => r.id).sort(), devDecisions: report.decisions.map((d) => d.action), devDeleted: teardown.deleted.length };
    });

    // Assess
    expect(during?.before.length).toBeGreaterThanOrEqual(5);
    expect(during?.after).toEqual(during?.before);
    expect(during?.devDecisions).toEqual([]);
    expect(during?.devDeleted).toBe(0);
    expect(execution.status).toBe('SUCCEEDED');
    expect(ours(account)).toEqual([]);
  });
});


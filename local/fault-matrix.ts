import './polyfills';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { QueryEngine } from '../functions/shared/hunting/engine';
import type { InvestigationState } from '../functions/shared/domain/state';
import { TAG_MANAGED } from '../functions/shared/tags';
import { SimClock } from './aws-sim/clock';
import { SimulatedAccount, type RecordedCall } from './aws-sim/account';
import type { FaultKind } from './aws-sim/faults';
import { cleanUpExecution } from '../functions/cleanUpExecution/handler';
import { createLocalInvestigation } from './local-investigation';
import { SimulatedSensors, noTraffic } from './simulated-sensor';
import { seedFromFinding } from './world';

/**
 * The fault matrix: one whole investigation per (AWS call, fault kind), each on a fresh simulated
 * account, with exactly one failure injected at that call. After each run the account must hold
 * nothing of ours, and the execution must end in a way that names what went wrong (or recover,
 * with the failed call visibly retried). Shared by the test suite and `npm run bench:faults`.
 */

export type MatrixFault = FaultKind | 'lost-response' | 'eventual-consistency';

export const MATRIX_FAULTS: MatrixFault[] = ['throttle', 'denied', 'not-found', 'lost-response', 'eventual-consistency'];

/** The calls that hand out a new id, where eventual consistency can bite the next call. */
const CREATES_AN_ID = /^(RunInstances|CreateSecurityGroup|CreateTrafficMirrorTarget|CreateTrafficMirrorFilter|CreateTrafficMirrorSession)$/;

export function createsAnId(call: { service: string; operation: string }): boolean {
  return call.service === 'ec2' && CREATES_AN_ID.test(call.operation);
}

/**
 * Eventual consistency as a fault: the ids the call creates answer `*.NotFound` to the next
 * lookups by other calls, and stay out of Describe listings, for a while (EC2 API reference,
 * "Eventual consistency in the Amazon EC2 API": "the result of an API command you run that
 * affects your Amazon EC2 resources might not be immediately visible to all subsequent commands
 * you run"). The id settles after two missed lookups, four further EC2 calls or 5 simulated
 * seconds, whichever is first (our choice: AWS documents no figure).
 */
export const LATE_ID = { seconds: 5, misses: 2, calls: 4 };

export interface MatrixCell {
  index: number;
  call: string;
  fault: MatrixFault;
  code: string;
  status: string;
  outcome: string;
  leftOver: string[];
  cleanedByExecution: boolean;
  applicable: boolean;
  pass: boolean;
  why: string;
}

/** What "not found" looks like for each operation: the code AWS uses for the resource it names. */
export function notFoundCode(call: RecordedCall): string {
  const op = call.operation;
  if (call.service === 's3') return op === 'HeadObject' ? 'NotFound' : op === 'GetObject' ? 'NoSuchKey' : 'NoSuchBucket';
  if (call.service === 'ssm') return 'ParameterNotFound';
  if (call.service === 'sns') return 'NotFoundException';
  if (op.includes('TrafficMirrorSession')) return 'InvalidTrafficMirrorSessionId.NotFound';
  if (op.includes('TrafficMirrorTarget')) return 'InvalidTrafficMirrorTargetId.NotFound';
  if (op.includes('TrafficMirrorFilter')) return 'InvalidTrafficMirrorFilterId.NotFound';
  if (op.includes('SecurityGroup')) return 'InvalidGroup.NotFound';
  if (op === 'DescribeVpcs') return 'InvalidVpcID.NotFound';
  if (op === 'DescribeNetworkInterfaces') return 'InvalidNetworkInterfaceID.NotFound';
  if (op === 'RunInstances') return 'InvalidAMIID.NotFound';
  return 'InvalidInstanceID.NotFound';
}

const emptyEngine: QueryEngine = { name: 'duckdb', run: async () => ({ rows: [], elapsedMs: 0 }) };

export interface InvestigationRun {
  account: SimulatedAccount;
  status: string;
  error?: { name: string; cause: string };
  state?: InvestigationState;
  /** Ours, still there when the execution ended. */
  leftByExecution: string[];
  /** Ours, still there after the safety net a deployed stack runs for a failed execution. */
  leftOver: string[];
}

function managedLeft(account: SimulatedAccount): string[] {
  return account
    .listResources()
    .filter((r) => r.tags[TAG_MANAGED] === 'true')
    .map((r) => `${r.type} ${r.id}${r.state ? ` (${r.state})` : ''}`);
}

/** One investigation of `event` on a fresh account, with `prepare` run on the account first (to inject faults). */
export async function runInvestigation(event: unknown, prepare?: (account: SimulatedAccount) => void): Promise<InvestigationRun> {
  const s3Root = mkdtempSync(join(tmpdir(), 'mh-faults-'));
  try {
    const account = new SimulatedAccount({ clock: new SimClock(new Date('2026-11-24T08:00:00Z')), s3Root });
    seedFromFinding(account, event);
    const sensors = new SimulatedSensors(account, noTraffic);
    const local = createLocalInvestigation({ account, queryEngine: async () => emptyEngine, waitMs: 0, retryMs: 0 });
    prepare?.(account);
    const trigger = await local.trigger(event);
    if (trigger.outcome !== 'started') throw new Error(`the trigger did not start an investigation: ${JSON.stringify(trigger)}`);
    const execution = local.stepFunctions.executions.get(trigger.executionName);
    if (!execution) throw new Error('the local Step Functions lost the execution');
    await execution.done;
    const leftByExecution = managedLeft(account);
    if (execution.status !== 'SUCCEEDED') {
      // What the deployed stack does next: EventBridge sees the execution's status change and
      // invokes cleanUpExecution (infra: the cleanUpExecution function's eventBridge rule).
      const cleanUp = cleanUpExecution(local.depsFor('cleanUpExecution'), { sleep: async (ms) => account.clock.advance(ms) });
      await cleanUp({
        source: 'aws.states',
        'detail-type': 'Step Functions Execution Status Change',
        detail: { name: execution.name, status: execution.status, input: JSON.stringify(execution.input) },
      });
    }
    await sensors.flushed();
    return { account, status: execution.status, error: execution.error, state: execution.output as InvestigationState | undefined, leftByExecution, leftOver: managedLeft(account) };
  } finally {
    rmSync(s3Root, { recursive: true, force: true });
  }
}

/** Errors whose name alone says what failed; the generic AWS one must also carry the AWS code. */
const SPECIFIC_ERRORS = /^(TargetNotFoundError|ConfigError|MirrorSessionError|SensorFailedError|SensorNotReadyError|FilterRuleQuotaError|AwsAccessDeniedError|AwsThrottledError|AwsTransientError|TeardownIncompleteError|HuntFailedError|InvalidInputError|ClaimConflictError)$/;

/** Judges one cell: nothing of ours left, and an outcome that names the fault or shows it was retried. */
export function judge(run: InvestigationRun, index: number, code: string, fault: MatrixFault): { pass: boolean; why: string; outcome: string } {
  const failed = run.account.calls[index];
  const outcome = run.status === 'SUCCEEDED' ? `SUCCEEDED (${run.state?.report?.outcome ?? 'no report'})` : `${run.status} ${run.error?.name ?? ''}`.trim();
  if (fault === 'eventual-consistency') {
    // Nothing fails at the call itself: the cell passes when nothing is left, and says whether the run recovered.
    if (run.leftOver.length > 0) return { pass: false, why: `left behind: ${run.leftOver.join(', ')}`, outcome };
    if (run.status === 'SUCCEEDED') return { pass: true, why: 'recovered: the late id was waited for or retried', outcome };
    return { pass: true, why: `did not recover but cleaned up: ${run.error?.name ?? run.status}: ${(run.error?.cause ?? '').slice(0, 120)}`, outcome };
  }
  if (!failed || failed.error !== code || !failed.injected) return { pass: false, why: `the fault was not injected at call #${index}`, outcome };
  if (run.leftOver.length > 0) return { pass: false, why: `left behind: ${run.leftOver.join(', ')}`, outcome };
  if (run.status === 'SUCCEEDED') {
    const retried = run.account.calls.slice(index + 1).some((c) => c.service === failed.service && c.operation === failed.operation && !c.error);
    if (retried) return { pass: true, why: 'recovered: the call was retried', outcome };
    // The change was made and only the answer was lost: the next step found it done.
    if (fault === 'lost-response') return { pass: true, why: 'recovered: the lost change was found done', outcome };
    // A not-found on a delete or a readiness probe means "already gone" / "not yet": the tolerant path.
    if (code.endsWith('NotFound') || code === 'NoSuchKey') return { pass: true, why: 'tolerated as already gone / not yet there', outcome };
    return { pass: false, why: 'succeeded without retrying the failed call', outcome };
  }
  const error = run.error;
  if (!error || /^(States\.|Error$|TypeError|ReferenceError|SyntaxError)/.test(error.name)) {
    return { pass: false, why: `failed with an unnamed error: ${error?.name}: ${error?.cause.slice(0, 160)}`, outcome };
  }
  const mentions = error.cause.includes(code) || error.name.includes(code);
  if (!SPECIFIC_ERRORS.test(error.name) && !mentions) return { pass: false, why: `the failure does not say ${code}: ${error.name}: ${error.cause.slice(0, 160)}`, outcome };
  const cleanedBy = run.leftByExecution.length > 0 ? ' (cleaned up by cleanUpExecution)' : '';
  return { pass: true, why: `failed, named ${error.name}${cleanedBy}`, outcome };
}

export interface MatrixOptions {
  event: unknown;
  faults?: MatrixFault[];
  /** Runs at once (each on its own account). */
  concurrency?: number;
  onCell?: (cell: MatrixCell) => void;
}

export async function runFaultMatrix(options: MatrixOptions): Promise<{ baseline: InvestigationRun; cells: MatrixCell[] }> {
  const baseline = await runInvestigation(options.event);
  if (baseline.status !== 'SUCCEEDED' || baseline.leftOver.length > 0) {
    throw new Error(`the fault-free run must succeed cleanly first (got ${baseline.status}, left ${baseline.leftOver.join(', ') || 'nothing'})`);
  }
  const jobs: Array<{ index: number; call: RecordedCall; fault: MatrixFault }> = [];
  for (const call of baseline.account.calls) for (const fault of options.faults ?? MATRIX_FAULTS) jobs.push({ index: call.index, call, fault });
  const cells: MatrixCell[] = [];
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++] as (typeof jobs)[number];
      if (job.fault === 'eventual-consistency' && !createsAnId(job.call)) {
        // Only a call that hands out an id can be followed by a call that does not see it yet.
        const cell: MatrixCell = { index: job.index, call: `${job.call.service}:${job.call.operation}`, fault: job.fault, code: '-', status: 'n/a', outcome: 'n/a', leftOver: [], cleanedByExecution: true, applicable: false, pass: true, why: 'n/a: this call creates no id' };
        cells.push(cell);
        options.onCell?.(cell);
        continue;
      }
      // Kinds map to the service's own code inside the simulation; the others are named here.
      const code = job.fault === 'not-found' ? notFoundCode(job.call) : job.fault === 'lost-response' ? 'TimeoutError' : job.fault === 'eventual-consistency' ? 'late id' : '';
      const run = await runInvestigation(options.event, (account) => {
        if (job.fault === 'lost-response') account.faults.inject({ callIndex: job.index, code, when: 'after' });
        else if (job.fault === 'not-found') account.faults.inject({ callIndex: job.index, code });
        else if (job.fault === 'eventual-consistency') account.lateIds.push({ callIndex: job.index, ...LATE_ID });
        else account.faults.inject({ callIndex: job.index, kind: job.fault });
      });
      const actual = code || run.account.calls[job.index]?.error || '?';
      // A lost response needs a call that succeeds; where the call fails on its own there is nothing to lose.
      const applicable = !((job.fault === 'lost-response' || job.fault === 'eventual-consistency') && job.call.error);
      const verdict = applicable ? judge(run, job.index, actual, job.fault) : { pass: true, why: 'n/a: this call fails on its own in the fault-free run', outcome: run.status };
      const cell: MatrixCell = {
        index: job.index,
        call: `${job.call.service}:${job.call.operation}`,
        fault: job.fault,
        code: actual,
        status: run.status,
        outcome: verdict.outcome,
        leftOver: run.leftOver,
        cleanedByExecution: run.leftByExecution.length === 0,
        applicable,
        pass: verdict.pass,
        why: verdict.why,
      };
      cells.push(cell);
      options.onCell?.(cell);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  cells.sort((a, b) => a.index - b.index || MATRIX_FAULTS.indexOf(a.fault) - MATRIX_FAULTS.indexOf(b.fault));
  return { baseline, cells };
}

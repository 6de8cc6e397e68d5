import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import aslValidator from 'asl-validator';
import { parseConfig } from '../../../functions/shared/config';
import { MAX_CAPTURE_MINUTES } from '../../../functions/shared/domain/request';

type State = { Type: string; Next?: string; Default?: string; Choices?: Array<{ Next: string }>; Catch?: Array<{ Next: string; ErrorEquals: string[] }>; Retry?: unknown[]; Resource?: unknown; Seconds?: number };
const definition = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'state-machines', 'investigate.asl.json'), 'utf8')) as {
  StartAt: string;
  TimeoutSeconds?: number;
  States: Record<string, State>;
};

/** CloudFormation intrinsics stand where deployed ARNs go; the validator wants ARNs there. */
function withPlaceholderArns(def: typeof definition) {
  const copy = JSON.parse(JSON.stringify(def)) as typeof definition;
  for (const state of Object.values(copy.States)) {
    if (state.Resource && typeof state.Resource === 'object') state.Resource = 'arn:aws:lambda:us-east-1:123456789012:function:placeholder';
    const params = (state as { Parameters?: Record<string, unknown> }).Parameters;
    if (params && typeof params.TopicArn === 'object') params.TopicArn = 'arn:aws:sns:us-east-1:123456789012:placeholder';
  }
  return copy;
}

function successors(state: State): string[] {
  return [state.Next, state.Default, ...(state.Choices ?? []).map((c) => c.Next), ...(state.Catch ?? []).map((c) => c.Next)].filter((n): n is string => !!n);
}

describe('investigate.asl.json', () => {
  it('is valid Amazon States Language', () => {
    const { isValid, errorsText } = aslValidator(withPlaceholderArns(definition) as never);
    expect(errorsText()).toBe('');
    expect(isValid).toBe(true);
  });

  it('has an overall timeout that outlasts the longest capture plus its set-up, teardown and hunt retries, and ends before the sweeper would call it stale', () => {
    // The longest capture, plus 3 h for sensor start, flush, teardown passes and Run Hunts retries.
    expect(definition.TimeoutSeconds).toBeGreaterThanOrEqual(MAX_CAPTURE_MINUTES * 60 + 3 * 3600);
    // The sweeper treats a RUNNING execution older than its TTL (default 30 h) as stuck.
    expect(definition.TimeoutSeconds).toBeLessThan(parseConfig({}).sweepTtlHours * 3600);
  });

  it('sends every failure after Resolve Target through Tear Down before the execution can fail', () => {
    // Walk backwards from each Fail state: every path into it must pass Tear Down, unless it starts before anything is created.
    const createsResources = ['Claim Instance', 'Launch Sensor', 'Check Sensor', 'Start Mirroring', 'Stop Mirroring', 'Run Hunts'];
    for (const name of createsResources) {
      const catchers = definition.States[name]?.Catch ?? [];
      expect(catchers).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'Tear Down' })]);
    }
  });

  it('bounds every loop with a counter checked by a Choice', () => {
    expect(JSON.stringify(definition.States['Is Sensor Ready?'])).toContain('"Variable":"$.sensorStatus.attempts","NumericGreaterThanEquals":40');
    expect(JSON.stringify(definition.States['Is Teardown Complete?'])).toContain('"Variable":"$.teardown.attempts","NumericGreaterThanEquals":20');
  });

  it('reaches every state from StartAt and names no missing state', () => {
    const seen = new Set<string>();
    const queue = [definition.StartAt];
    while (queue.length > 0) {
      const name = queue.shift() as string;
      if (seen.has(name)) continue;
      const state = definition.States[name];
      expect(state).toBeDefined();
      seen.add(name);
      queue.push(...successors(state as State));
    }
    expect([...seen].sort()).toEqual(Object.keys(definition.States).sort());
  });

  it('retries the clean-up steps when their Lambda times out or dies (each pass is idempotent; a timeout is not a failed teardown)', () => {
    for (const name of ['Stop Mirroring', 'Tear Down']) {
      const retried = (definition.States[name]?.Retry as Array<{ ErrorEquals: string[] }>).flatMap((r) => r.ErrorEquals);
      expect({ name, retried }).toEqual({ name, retried: expect.arrayContaining(['Sandbox.Timedout', 'Lambda.Unknown']) });
    }
  });

  it('retries throttling on every Lambda task', () => {
    for (const [name, state] of Object.entries(definition.States)) {
      if (state.Type !== 'Task') continue;
      expect({ name, retries: JSON.stringify(state.Retry) }).toEqual({ name, retries: expect.stringContaining(name.startsWith('Notify') ? 'SNS.ThrottledException' : 'AwsThrottledError') });
    }
  });
});

import './polyfills';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SFNClient, SFNServiceException } from '@aws-sdk/client-sfn';
import { StateMachine } from 'aws-local-stepfunctions';

/** One entry of the execution's event log (aws-local-stepfunctions does not export the type). */
export type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** A JSON value as the state machine passes it between states. */
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export type TaskHandler = (input: unknown) => Promise<unknown>;

export interface LocalExecution {
  name: string;
  arn: string;
  input: unknown;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  output?: unknown;
  error?: { name: string; cause: string };
  done: Promise<void>;
}

export interface LocalStepFunctionsOptions {
  definitionPath?: string;
  stateMachineArn: string;
  /** Task handlers by Lambda function key (`resolveTarget`, ...), as referenced by `Fn::GetAtt` in the definition. */
  functions: Record<string, TaskHandler>;
  /** Where the definition's `sns:publish` steps go: the simulated account's SNS. */
  sns: SNSClient;
  topicArn: string;
  /** Real milliseconds a Wait state or a retry takes locally. Waits are shortened, not skipped. */
  waitMs?: number;
  retryMs?: number;
  /** Told of every Wait, so a simulated clock can move by the seconds the state asked for. */
  onWait?: (seconds: number, stateName: string) => void;
  onEvent?: (event: EventLog, execution: LocalExecution) => void;
  now: () => Date;
  /**
   * IAM for the Step Functions API: asked before a call made through `client(principal)`;
   * answers a denial message, or undefined when the principal's role allows it.
   */
  authorize?: (principal: string, action: string, resource: { type: string; arn: string }) => Promise<string | undefined>;
}

export const DEFINITION_PATH = join(__dirname, '..', 'state-machines', 'investigate.asl.json');

interface AslState {
  Type: string;
  Resource?: unknown;
  Seconds?: number;
  SecondsPath?: string;
  [key: string]: unknown;
}

/**
 * Runs the real `investigate` definition in-process with aws-local-stepfunctions and answers
 * the Step Functions API (StartExecution, DescribeExecution) with Step Functions' own rules:
 * an execution name is unique per state machine; the same name with the same input returns the
 * execution while it runs; different input, or any input once it has closed, `ExecutionAlreadyExists`. This is a local stand-in,
 * not AWS.
 */
export class LocalStepFunctions {
  readonly executions = new Map<string, LocalExecution>();
  private readonly definition: { States: Record<string, AslState>; [key: string]: unknown };
  private readonly taskOverrides: Record<string, (input: Json) => Promise<Json>> = {};
  private readonly waitOverrides: Record<string, number> = {};
  private readonly retryOverrides: Record<string, number> = {};
  private readonly aborts = new Map<string, () => void>();

  constructor(private readonly options: LocalStepFunctionsOptions) {
    const raw = JSON.parse(readFileSync(options.definitionPath ?? DEFINITION_PATH, 'utf8')) as { States: Record<string, AslState> };
    this.definition = raw;
    for (const [stateName, state] of Object.entries(raw.States)) {
      // aws-local-stepfunctions writes a result at `ResultPath: "$"` into the input instead of
      // replacing it; leaving the field out means the same in AWS and works here.
      if (state.ResultPath === '$') delete state.ResultPath;
      if (state.Type === 'Wait') this.waitOverrides[stateName] = options.waitMs ?? 20;
      if (state.Type !== 'Task') continue;
      this.retryOverrides[stateName] = options.retryMs ?? 5;
      const functionKey = lambdaKeyOf(state.Resource);
      if (functionKey) {
        const fn = options.functions[functionKey];
        if (!fn) throw new Error(`state "${stateName}" invokes function "${functionKey}", which the local run does not provide`);
        state.Resource = `arn:aws:lambda:us-east-1:000000000000:function:mirrorhunt-local-${functionKey}`;
        this.taskOverrides[stateName] = async (input) => (await fn(input)) as Json;
      } else if (state.Resource === 'arn:aws:states:::sns:publish') {
        this.taskOverrides[stateName] = async (input) => {
          const params = input as { Subject?: string; Message?: string };
          try {
            const out = await options.sns.send(new PublishCommand({ TopicArn: options.topicArn, Subject: params.Subject, Message: params.Message }));
            return { MessageId: out.MessageId ?? '' };
          } catch (error) {
            // Step Functions names an integration's failure `<service>.<exception>`, e.g. SNS.ThrottledException.
            const err = error as Error;
            throw Object.assign(new Error(err.message), { name: `SNS.${err.name}` });
          }
        };
      } else {
        throw new Error(`state "${stateName}" uses ${JSON.stringify(state.Resource)}, which the local run cannot answer`);
      }
    }
  }

  /** An SDK client whose calls are answered here (no HTTP, no credentials). */
  client(principal?: string): SFNClient {
    const client = new SFNClient({ region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    client.middlewareStack.add(
      (_next, context) => async (args) => {
        const operation = String(context.commandName ?? '').replace(/Command$/, '');
        if (principal && this.options.authorize) await this.authorize(principal, operation, args.input as Record<string, unknown>);
        const output = await this.handle(operation, args.input as Record<string, unknown>);
        return { output: { $metadata: { httpStatusCode: 200 }, ...output }, response: {} } as never;
      },
      { step: 'initialize', name: 'localStepFunctions', priority: 'high' },
    );
    return client;
  }

  /** Step Functions answers a denial with AccessDeniedException (400) (SFN API reference, common errors). */
  private async authorize(principal: string, operation: string, input: Record<string, unknown>): Promise<void> {
    const resource =
      operation === 'StartExecution'
        ? { type: 'statemachine', arn: String(input.stateMachineArn ?? '') }
        : { type: 'execution', arn: String(input.executionArn ?? '') };
    const denial = await this.options.authorize?.(principal, `states:${operation}`, resource);
    if (denial) throw new SFNServiceException({ name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: denial });
  }

  start(name: string, input: unknown): LocalExecution {
    const existing = this.executions.get(name);
    if (existing) {
      // SFN API reference, StartExecution (botocore stepfunctions 2016-11-23): idempotent for a
      // STANDARD workflow only while the execution runs and the input is the same; "If the
      // execution is closed or if the input is different, it returns a 400 ExecutionAlreadyExists".
      if (existing.status === 'RUNNING' && JSON.stringify(existing.input) === JSON.stringify(input)) return existing;
      throw new SFNServiceException({
        name: 'ExecutionAlreadyExists',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: `Execution Already Exists: '${this.arnFor(name)}'`,
      });
    }
    const execution: LocalExecution = { name, arn: this.arnFor(name), input, status: 'RUNNING', done: Promise.resolve() };
    this.executions.set(name, execution);
    execution.done = this.run(execution);
    return execution;
  }

  /** StopExecution: the execution ends ABORTED where it stands; its own Catch never runs (as in AWS). */
  async abort(name: string): Promise<void> {
    const execution = this.executions.get(name);
    if (!execution || execution.status !== 'RUNNING') throw new Error(`no running execution named ${name}`);
    this.aborts.get(name)?.();
    await execution.done;
  }

  private arnFor(name: string): string {
    return `${this.options.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  }

  private async run(execution: LocalExecution): Promise<void> {
    const machine = new StateMachine(this.definition as never, { validationOptions: { checkArn: false } });
    const run = machine.run(execution.input as Json, {
      overrides: { taskResourceLocalHandlers: this.taskOverrides, waitTimeOverrides: this.waitOverrides, retryIntervalOverrides: this.retryOverrides },
      context: { Execution: { Id: execution.arn, Name: execution.name, StartTime: this.options.now().toISOString() } },
    });
    this.aborts.set(execution.name, () => run.abort());
    const events = (async () => {
      for await (const event of run.eventLogs) {
        // Told first, so a timeline shows the wait where it starts; then the clock moves.
        this.options.onEvent?.(event, execution);
        if (event.type === 'StateEntered' && event.state.type === 'Wait') {
          this.options.onWait?.(this.waitSeconds(event.state.name, event.state.input), event.state.name);
        }
      }
    })();
    try {
      execution.output = await run.result;
      execution.status = 'SUCCEEDED';
    } catch (error) {
      const err = error as { name?: string; message?: string; cause?: unknown };
      const failure = failureOf(err);
      execution.status = err.name === 'ExecutionTimeoutError' ? 'TIMED_OUT' : err.name === 'ExecutionAbortedError' ? 'ABORTED' : 'FAILED';
      execution.error = failure;
    }
    await events.catch(() => undefined);
  }

  private waitSeconds(stateName: string, input: unknown): number {
    const state = this.definition.States[stateName];
    if (!state) return 0;
    if (typeof state.Seconds === 'number') return state.Seconds;
    if (typeof state.SecondsPath === 'string') {
      const path = state.SecondsPath.replace(/^\$\.?/, '').split('.').filter(Boolean);
      let value: unknown = input;
      for (const key of path) value = (value as Record<string, unknown> | undefined)?.[key];
      return typeof value === 'number' ? value : 0;
    }
    return 0;
  }

  private async handle(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (operation === 'StartExecution') {
      const name = String(input.name ?? '');
      if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) {
        throw new SFNServiceException({ name: 'InvalidName', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: `invalid execution name: ${name}` });
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(String(input.input ?? '{}'));
      } catch {
        throw new SFNServiceException({ name: 'InvalidExecutionInput', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'input is not JSON' });
      }
      const execution = this.start(name, parsed);
      return { executionArn: execution.arn, startDate: this.options.now() };
    }
    if (operation === 'DescribeExecution') {
      const arn = String(input.executionArn ?? '');
      const execution = [...this.executions.values()].find((e) => e.arn === arn);
      if (!execution) {
        throw new SFNServiceException({ name: 'ExecutionDoesNotExist', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: `Execution Does Not Exist: '${arn}'` });
      }
      return { executionArn: execution.arn, name: execution.name, status: execution.status };
    }
    throw new Error(`Step Functions operation ${operation} is not simulated locally`);
  }
}

function lambdaKeyOf(resource: unknown): string | undefined {
  if (typeof resource === 'object' && resource !== null && 'Fn::GetAtt' in resource) {
    const getAtt = (resource as { 'Fn::GetAtt': unknown })['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  }
  return undefined;
}

/** aws-local-stepfunctions wraps the failing state's error; dig out the name and cause the definition failed with. */
function failureOf(err: { name?: string; message?: string; cause?: unknown }): { name: string; cause: string } {
  const inner = err.cause as { name?: string; message?: string; cause?: unknown } | undefined;
  if (inner && typeof inner.name === 'string') {
    return { name: inner.name, cause: typeof inner.cause === 'string' ? inner.cause : (inner.message ?? '') };
  }
  return { name: err.name ?? 'Error', cause: err.message ?? '' };
}

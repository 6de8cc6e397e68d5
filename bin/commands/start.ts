import { randomBytes } from 'node:crypto';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { SFNClient } from '@aws-sdk/client-sfn';
import { investigationRequestSchema, type InvestigationRequest } from '../../functions/shared/domain/request';
import { startExecution } from '../../functions/shared/adapters/sfn';
import { CliError, parseCommandArgs, parseMinutes, parseRegion, runCommand, STAGE_PATTERN, RULES, UsageError, type Io } from '../cli';

export type { Io } from '../cli';

export const START_USAGE = `usage: mirrorhunt start (--instance i-... | --eni eni-...) --reason "why" [--minutes 60]
                       (--stage STAGE [--region us-east-1] | --state-machine-arn arn:aws:states:...)
                       [--dry-run]
Validates the request and starts an investigation in a deployed stack (Step Functions StartExecution).
--stage finds the state machine in the stack mirrorhunt-STAGE (its InvestigateStateMachineArn
output, read with CloudFormation DescribeStacks in --region, else AWS_REGION). The ARN may also
be given outright, or come from MIRRORHUNT_STATE_MACHINE_ARN.
--minutes is the capture length (1 to 1440, default 60).`;

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:.+$/;
/** The stack output serverless-step-functions adds for the investigate state machine. */
export const STATE_MACHINE_OUTPUT = 'InvestigateStateMachineArn';

/** A manual execution name: sortable by time, unique, within Step Functions' 80-character limit. */
export function manualExecutionName(now: Date, random = randomBytes(3).toString('hex')): string {
  return `manual-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${random}`;
}

/** The request fields as the flags that set them, so a refusal names what the user typed. */
const FLAG_OF: Record<string, string> = { instanceId: '--instance', networkInterfaceId: '--eni', captureMinutes: '--minutes', reason: '--reason' };

function parseRequest(values: { instance?: string; eni?: string; minutes?: string; reason?: string }): InvestigationRequest {
  const captureMinutes = parseMinutes(values.minutes);
  const parsed = investigationRequestSchema.safeParse({ instanceId: values.instance, networkInterfaceId: values.eni, captureMinutes, reason: values.reason ?? '', source: 'manual' });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = String(issue?.path[0] ?? '');
  if (issue?.message === 'give exactly one of instanceId or networkInterfaceId') throw new UsageError('give exactly one of --instance or --eni');
  throw new UsageError(`${FLAG_OF[field] ?? field} ${issue?.message ?? 'is not valid'}`);
}

/**
 * The state machine of stack `mirrorhunt-<stage>`, from its outputs (what `serverless info` shows).
 * DescribeStacks answers a stack that does not exist with a 400 ValidationError "Stack with id ... does
 * not exist", not a modelled NotFound error (the response body is quoted in boto/boto3 issue #2807).
 */
export async function stateMachineFromStack(cfn: CloudFormationClient, stage: string, region: string): Promise<string> {
  const stackName = `mirrorhunt-${stage}`;
  let outputs;
  try {
    const described = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = described.Stacks?.[0]?.Outputs ?? [];
  } catch (error) {
    const e = error as Error;
    if (e.name === 'ValidationError' && /does not exist/.test(e.message)) throw new CliError(`no stack ${stackName} in ${region} (deployed with 'serverless deploy --stage ${stage} --region ${region}'?)`);
    throw error;
  }
  const arn = outputs.find((o) => o.OutputKey === STATE_MACHINE_OUTPUT)?.OutputValue;
  if (!arn || !STATE_MACHINE_ARN.test(arn)) throw new CliError(`stack ${stackName} in ${region} has no ${STATE_MACHINE_OUTPUT} output: is it a mirrorhunt stack, and did its last deploy finish?`);
  return arn;
}

interface StartOptions {
  sfn?: SFNClient;
  cfn?: CloudFormationClient;
  env?: Record<string, string | undefined>;
  now?: () => Date;
}

export async function startCommand(argv: string[], io: Io, options: StartOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  return runCommand(
    io,
    'start',
    async () => {
      const { values } = parseCommandArgs(argv, {
        instance: { type: 'string' },
        eni: { type: 'string' },
        minutes: { type: 'string' },
        reason: { type: 'string' },
        stage: { type: 'string' },
        'state-machine-arn': { type: 'string' },
        region: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
      });
      if (values.help) {
        io.stdout(`${START_USAGE}\n`);
        return 0;
      }
      const request = parseRequest(values);
      if (values.stage !== undefined && values['state-machine-arn'] !== undefined) throw new UsageError('give --stage or --state-machine-arn, not both');
      if (values.stage !== undefined && !STAGE_PATTERN.test(values.stage)) throw new UsageError(`${RULES.stage}; got "${values.stage}"`);
      let stateMachineArn = values['state-machine-arn'] ?? (values.stage === undefined ? env.MIRRORHUNT_STATE_MACHINE_ARN : undefined);
      if (stateMachineArn !== undefined && !STATE_MACHINE_ARN.test(stateMachineArn)) throw new UsageError(`--state-machine-arn must be a Step Functions state machine ARN (arn:aws:states:REGION:ACCOUNT:stateMachine:mirrorhunt-STAGE-investigate); got "${stateMachineArn}"`);
      if (stateMachineArn === undefined && values.stage === undefined) throw new UsageError('which stack? give --stage (e.g. --stage prod for the stack mirrorhunt-prod) or --state-machine-arn');
      const region = stateMachineArn ? (values.region ?? stateMachineArn.split(':')[3] ?? '') : parseRegion(values.region, env);
      if (!stateMachineArn) {
        const cfn = options.cfn ?? new CloudFormationClient({ region });
        stateMachineArn = await stateMachineFromStack(cfn, values.stage as string, region);
      }
      const name = manualExecutionName((options.now ?? (() => new Date()))());
      if (values['dry-run']) {
        io.stdout(`${JSON.stringify({ stateMachineArn, name, input: request }, null, 2)}\n`);
        return 0;
      }
      const sfn = options.sfn ?? new SFNClient({ region });
      const started = await startExecution(sfn, stateMachineArn, name, request);
      io.stdout(`started ${started.executionArn}\n`);
      return 0;
    },
    env,
  );
}
